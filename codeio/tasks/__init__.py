"""The tasks stage: output- and input-prediction prompts from I/O pairs (config group ``prompt``)."""

from codeio.tasks.builder import TaskBuilder, draws_input, load_templates

__all__ = ["TaskBuilder", "draws_input", "load_templates"]
