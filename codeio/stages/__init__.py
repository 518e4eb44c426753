"""The pipeline's stages, by name (see DESIGN.md "Stages")."""

from codeio.stages.assemble import AssembleStage
from codeio.stages.collect import CollectStage
from codeio.stages.evaluate import EvaluateStage
from codeio.stages.respond import RespondStage
from codeio.stages.revise import ReviseStage
from codeio.stages.sample import SampleStage
from codeio.stages.tasks import TasksStage
from codeio.stages.train import TrainStage
from codeio.stages.transform import TransformStage
from codeio.stages.verify import VerifyStage

STAGES = {
    "collect": CollectStage,
    "transform": TransformStage,
    "sample": SampleStage,
    "tasks": TasksStage,
    "respond": RespondStage,
    "verify": VerifyStage,
    "revise": ReviseStage,
    "assemble": AssembleStage,
    "train": TrainStage,
    "evaluate": EvaluateStage,
}
