"""The Dask executor: runs on a ``dask.distributed`` cluster (imported only when used).

With ``scheduler="tcp://host:port"`` it connects to a running cluster (e.g. one started on
SLURM with dask-jobqueue, see ``docs/experiments.md``); without, it starts a ``LocalCluster``
of single-threaded worker processes. Workers need ``infosim`` installed; they receive each
run's resolved scenario with the task, so they need no scenario files.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from infosim.experiments.executors.base import Executor, ExecutorError
from infosim.experiments.numerics import mixed_environments_note, numerics_fingerprint

T = TypeVar("T")
R = TypeVar("R")


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - dask is a declared dependency
        raise ExecutorError("the dask executor needs dask.distributed: pip install 'dask[distributed]'") from exc
    return distributed


class DaskExecutor(Executor):
    """Submit runs to a Dask cluster, keeping a bounded number of futures in flight."""

    name = "dask"

    def __init__(
        self,
        workers: int | None = None,
        max_in_flight: int | None = None,
        scheduler: str | None = None,
        **cluster_options: Any,
    ):
        """Configure the cluster to use (started in :meth:`start`).

        Args:
            workers: worker processes of the LocalCluster (ignored with `scheduler`).
            max_in_flight: most runs submitted at once (default: twice the cluster's threads).
            scheduler: address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
            **cluster_options: passed to ``LocalCluster``.
        """
        super().__init__(workers, max_in_flight)
        self.scheduler = scheduler
        self.cluster_options = cluster_options
        self._client: Any = None
        self._cluster: Any = None

    def describe(self) -> str:
        """Where the runs go."""
        if self.scheduler:
            return f"dask (scheduler {self.scheduler})"
        return f"dask LocalCluster ({self.workers} worker{'s' * (self.workers != 1)})"

    def start(self) -> None:
        """Connect to the scheduler, or start a LocalCluster."""
        if self._client is not None:
            return
        distributed = _import_distributed()
        if self.scheduler:
            try:
                self._client = distributed.Client(self.scheduler, timeout="30s")
            except OSError as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
            self._check_numerics()
            return
        options = {
            "n_workers": self.workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "silence_logs": 40,  # logging.ERROR
            **self.cluster_options,
        }
        self._cluster = distributed.LocalCluster(**options)
        self._client = distributed.Client(self._cluster)
        self._check_numerics()

    def _check_numerics(self) -> None:
        """Warn when the workers (now connected) and this process do not share one numerical
        environment: their runs are then not bit-identical to a serial run here (each sweep run
        records its worker's environment in the manifest, which catches workers that join later)."""
        try:
            by_worker = self._client.run(numerics_fingerprint)
        except Exception:  # a check, never a reason to fail
            return
        note = mixed_environments_note(
            [numerics_fingerprint(), *by_worker.values()],
            what="this process and the Dask workers",
            unit=("process", "processes"),
        )
        if note:
            warnings.warn(note, RuntimeWarning, stacklevel=3)

    def shutdown(self, cancel: bool = False) -> None:
        """Close the client (and the LocalCluster if this executor started it)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def max_in_flight(self) -> int:
        """Twice the cluster's threads (re-read as the cluster scales), at least 2."""
        if self._max_in_flight:
            return self._max_in_flight
        if self._client is None:
            return 2 * self.workers
        threads = sum(self._client.nthreads().values())
        return max(2, 2 * threads)

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Submit `fn(item)` tasks; yield results as they complete."""
        self.start()
        distributed = _import_distributed()
        it = iter(items)
        pending: dict[Any, T] = {}
        ac = distributed.as_completed()
        exhausted = False

        def refill() -> None:
            nonlocal exhausted
            limit = self.max_in_flight
            while not exhausted and len(pending) < limit:
                try:
                    item = next(it)
                except StopIteration:
                    exhausted = True
                    return
                fut = self._client.submit(fn, item, pure=False)
                pending[fut] = item
                ac.add(fut)

        refill()
        while pending:
            fut = next(ac)
            item = pending.pop(fut)
            try:
                result: R | BaseException = fut.result()
            except Exception as exc:  # the run's worker died (KilledWorker) or similar
                result = exc
            fut.release()
            yield item, result
            refill()
