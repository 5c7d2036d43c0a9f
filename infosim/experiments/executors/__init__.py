"""Executors: where runs execute — ``serial``, ``processes`` (default) or ``dask``."""

from infosim.experiments.executors.base import (
    Executor,
    ExecutorError,
    available_cores,
    make_executor,
)

EXECUTORS = ("serial", "processes", "dask")

__all__ = ["EXECUTORS", "Executor", "ExecutorError", "available_cores", "make_executor"]
