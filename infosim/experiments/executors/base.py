"""The executor contract: apply a function to items and yield results as they finish.

An executor decides *where* runs execute (this process, local processes, a Dask cluster); the
design decides *which* runs. Every executor must pass the shared suite in
``tests/experiments/test_executors.py``: the same stored results whatever the executor and the
number of workers.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

from infosim.errors import InfosimError

T = TypeVar("T")
R = TypeVar("R")


class ExecutorError(InfosimError):
    """An executor cannot start (e.g. the Dask scheduler is unreachable)."""


def available_cores() -> int:
    """Cores this process may use (CPU affinity aware)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Executor(ABC):
    """Runs picklable functions on picklable items.

    Use as a context manager; :meth:`imap_unordered` may be called several times inside it.

    Contract:
        * results are yielded as ``(item, result)`` in completion order;
        * an exception in ``fn(item)`` or in the infrastructure running it (a worker that
          died) is yielded as ``(item, exception)`` and does not stop the other items;
        * items are pulled from the iterable lazily, keeping at most ``max_in_flight``
          submitted at once, so neither items nor results pile up in the parent;
        * ``KeyboardInterrupt`` propagates after pending work is cancelled.
    """

    name: str = "executor"

    def __init__(self, workers: int | None = None, max_in_flight: int | None = None):
        """Set the size of the executor.

        Args:
            workers: number of worker processes (default: all cores).
            max_in_flight: most items submitted at once (default: twice the workers).
        """
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.workers = workers or available_cores()
        self._max_in_flight = max_in_flight

    @property
    def max_in_flight(self) -> int:
        """Most items submitted at once."""
        return self._max_in_flight or 2 * self.workers

    def describe(self) -> str:
        """One line naming the executor and its workers."""
        return f"{self.name} ({self.workers} worker{'s' * (self.workers != 1)})"

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown(cancel=exc_type is not None)

    def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire resources (pools, clusters)."""

    def shutdown(self, cancel: bool = False) -> None:  # noqa: B027 - optional hook
        """Release resources; `cancel` drops work not yet started."""

    @abstractmethod
    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Apply `fn` to every item; yield ``(item, result or exception)`` as each finishes."""


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None, **options: Any) -> Executor:
    """An executor by name: ``serial``, ``processes`` or ``dask``.

    Args:
        name: executor name.
        workers: worker processes (serial ignores it; dask: workers of the LocalCluster).
        scheduler: Dask scheduler address (``tcp://host:port``); dask only.
        **options: passed to the executor's constructor.

    Raises:
        ValueError: for an unknown name or a scheduler given to a non-dask executor.
    """
    if scheduler and name != "dask":
        raise ValueError(f"--scheduler needs --executor dask (got --executor {name})")
    if name == "serial":
        from infosim.experiments.executors.serial import SerialExecutor

        return SerialExecutor(**options)
    if name == "processes":
        from infosim.experiments.executors.processes import ProcessExecutor

        return ProcessExecutor(workers, **options)
    if name == "dask":
        from infosim.experiments.executors.dask import DaskExecutor

        return DaskExecutor(workers, scheduler=scheduler, **options)
    raise ValueError(f"unknown executor {name!r}; allowed: serial, processes, dask")
