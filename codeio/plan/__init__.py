"""``python -m codeio.plan``: what rebuilding the data at the paper's size would cost on a given cluster,
from per-stage costs measured on this machine (``experiments/plan/costs.json``) and sourced assumptions
for what cannot be measured here (the teacher's speed and answers, training throughput). See docs/plan.md.
"""
