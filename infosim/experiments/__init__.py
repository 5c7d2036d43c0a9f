"""Batches and sweeps: designs, replicate seeds, executors, a resumable results store.

Imports flow one way: interfaces (CLI) -> experiments -> :mod:`infosim.run` / scenarios.
The model never imports this package. The names below are imported on first use, so worker
processes (which import only what a run needs) start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infosim.lazy import lazy_exports

_LAZY = {
    "Experiment": "infosim.experiments.api",
    "ExperimentReport": "infosim.experiments.api",
    "Results": "infosim.experiments.api",
    "load_results": "infosim.experiments.api",
    "run_batch": "infosim.experiments.api",
    "run_experiment": "infosim.experiments.api",
    "ParamSpec": "infosim.experiments.params",
    "replicate_seeds": "infosim.experiments.seeds",
    "ExperimentSpec": "infosim.experiments.spec",
    "load_spec": "infosim.experiments.spec",
}

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

if TYPE_CHECKING:
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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
