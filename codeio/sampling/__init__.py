"""The sample stage's component: functions -> distinct, deterministic I/O pairs (``sampler.Sampler``)."""

from codeio.sampling.limits import SizeLimits
from codeio.sampling.sampler import Sampler

__all__ = ["Sampler", "SizeLimits"]
