"""The transform stage's component: raw code -> unified functions (see ``transformer.Transformer``)."""

from codeio.transform.transformer import Transformer

__all__ = ["Transformer"]
