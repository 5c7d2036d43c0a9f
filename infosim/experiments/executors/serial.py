"""The serial executor: runs everything in this process, in order (the reference in tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from infosim.experiments.executors.base import Executor

T = TypeVar("T")
R = TypeVar("R")


class SerialExecutor(Executor):
    """One item at a time in the calling process (debuggable with pdb, no pickling)."""

    name = "serial"

    def __init__(self, workers: int | None = None, max_in_flight: int | None = None):
        """One worker, one item in flight; the arguments are accepted for a uniform constructor."""
        super().__init__(1, 1)

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Apply `fn` to each item in order."""
        for item in items:
            try:
                result: R | BaseException = fn(item)
            except Exception as exc:
                result = exc
            yield item, result
