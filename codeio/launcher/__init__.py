"""Hydra launchers: hydra-submitit-launcher's SLURM launcher with codeio's start-up checks and a
report of the jobs' states while a sweep waits for them (``hydra/launcher=slurm_cpu|slurm_gpu``)."""
