"""The pipeline's stages, by name (see DESIGN.md "Stages")."""

from codeio.stages.collect import CollectStage

STAGES = {
    "collect": CollectStage,
}
