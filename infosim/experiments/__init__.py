"""Batches and sweeps: designs, replicate seeds, executors, a resumable results store.

Imports flow one way: interfaces (CLI) -> experiments -> :mod:`infosim.run` / scenarios.
The model never imports this package.
"""

from infosim.experiments.api import (
    Experiment,
    ExperimentReport,
    Results,
    load_results,
    run_batch,
    run_experiment,
)
from infosim.experiments.params import ParamSpec
from infosim.experiments.seeds import replicate_seeds
from infosim.experiments.spec import ExperimentSpec, load_spec

__all__ = [
    "Experiment",
    "ExperimentReport",
    "ExperimentSpec",
    "ParamSpec",
    "Results",
    "load_results",
    "load_spec",
    "replicate_seeds",
    "run_batch",
    "run_experiment",
]
