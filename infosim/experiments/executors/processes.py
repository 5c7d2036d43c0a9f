"""The processes executor (default): a pool of local worker processes, one per core.

Workers are started with ``forkserver`` (``spawn`` where it is unavailable), never ``fork``, so
they do not inherit the parent's threads or open files. BLAS thread pools are limited to one
thread per worker to avoid oversubscribing the cores.

Each worker watches its parent: if the process that runs the experiment dies — even by
SIGKILL, which runs no clean-up — the workers exit at once, and with them the forkserver and
the resource tracker, so nothing of a killed sweep keeps running or holds its output open.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait as wait_for
from typing import TypeVar

from infosim.experiments.executors.base import Executor

T = TypeVar("T")
R = TypeVar("R")

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def start_method() -> str:
    """``forkserver`` where available, else ``spawn``."""
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


def exit_with_parent() -> None:
    """Worker initializer: a daemon thread ends this worker as soon as its parent process is gone.

    ``multiprocessing.parent_process().sentinel`` becomes readable when the parent exits for
    any reason (its end of a pipe closes), so this also works after a SIGKILL of the parent.
    """
    parent = mp.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        wait_for([parent.sentinel])
        os._exit(70)  # EX_SOFTWARE: the parent vanished; nothing here can be saved

    threading.Thread(target=watch, name="infosim-exit-with-parent", daemon=True).start()


class ProcessExecutor(Executor):
    """A ``concurrent.futures.ProcessPoolExecutor`` with a bounded window of submitted items.

    If a worker process dies (killed, out of memory), the items in flight at that moment are
    yielded with the ``BrokenProcessPool`` error, a fresh pool is started and the remaining
    items continue.
    """

    name = "processes"

    def __init__(
        self,
        workers: int | None = None,
        max_in_flight: int | None = None,
        max_tasks_per_child: int | None = None,
    ):
        """Configure the pool (started in :meth:`start`).

        Args:
            workers: worker processes (default: all cores).
            max_in_flight: most items submitted at once (default: twice the workers).
            max_tasks_per_child: restart each worker after this many runs (bounds leaks).
        """
        super().__init__(workers, max_in_flight)
        self.max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        for var in _THREAD_VARS:
            os.environ.setdefault(var, "1")
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context(start_method()),
            max_tasks_per_child=self.max_tasks_per_child,
            initializer=exit_with_parent,
        )

    def start(self) -> None:
        """Start the worker pool."""
        if self._pool is None:
            self._pool = self._new_pool()

    def shutdown(self, cancel: bool = False) -> None:
        """Stop the pool; with `cancel`, pending items are dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Apply `fn` to each item in worker processes; yield results as they finish."""
        self.start()
        it = iter(items)
        in_flight: dict[Future[R], T] = {}
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < self.max_in_flight:
                try:
                    item = next(it)
                except StopIteration:
                    exhausted = True
                    break
                in_flight[self._submit(fn, item)] = item
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                item = in_flight.pop(fut)
                try:
                    yield item, fut.result()
                except BrokenProcessPool as exc:
                    broken = True
                    yield item, exc
                except Exception as exc:
                    yield item, exc
            if broken:
                yield from self._drain_broken(in_flight)

    def _submit(self, fn: Callable[[T], R], item: T) -> Future[R]:
        assert self._pool is not None
        try:
            return self._pool.submit(fn, item)
        except BrokenProcessPool:
            self._restart()
            return self._pool.submit(fn, item)

    def _drain_broken(self, in_flight: dict[Future[R], T]) -> Iterator[tuple[T, R | BaseException]]:
        """Collect the items of a broken pool (finished ones keep their result), start a new one."""
        for fut, item in list(in_flight.items()):
            del in_flight[fut]
            try:
                yield item, fut.result()
            except Exception as exc:
                yield item, exc
        self._restart()

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
