"""The stage registry: every stage of the pipeline, in data-flow order (DESIGN.md "Stages").

This tuple is the one place that lists the stages: ``stages=[...]``, its default and its check, the
runner's order and the end-of-run report all read it. Stage modules import their components lazily or
from light modules, so reading the registry (as Hydra composes the config) stays cheap.
"""

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

STAGES = (CollectStage, TransformStage, SampleStage, TasksStage, RespondStage, VerifyStage, ReviseStage,
          AssembleStage, TrainStage, EvaluateStage)

STAGE_NAMES = tuple(stage.name for stage in STAGES)
