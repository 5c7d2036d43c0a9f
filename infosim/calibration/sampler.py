"""A deterministic pyabc sampler on infosim's executors (serial, processes, Dask).

pyabc's own parallel samplers (``MulticoreEvalParallelSampler``, ``MappingSampler``,
``DaskDistributedSampler``, ``ConcurrentFutureSampler``) reseed every worker from the operating
system (``np.random.seed()`` with no argument) and keep whichever particles finish first, so a
calibration cannot be repeated, and its result depends on the number of workers and their speed.

:class:`OrderedSampler` instead numbers the proposals of a generation 0, 1, 2, ... and gives
proposal ``i`` of generation ``t`` its own random streams, spawned with
``numpy.random.SeedSequence(root, spawn_key=(t + 1, i))``: one seeds the legacy global
generator pyabc and scipy draw from (the proposal's parameters from the prior or the
perturbation kernel, and the stochastic acceptor's uniform), the other is the model run's seed.
A proposal's particle is therefore a pure function of (root seed, generation, index, the state
of the previous generation). The generation keeps the proposals ``0 .. K`` where ``K`` is the
index of the n-th accepted one, in index order, whatever order they finished in. Proposals
beyond ``K`` that were already running are discarded (counted in :attr:`OrderedSampler.wasted`).
The result is identical with 1 or 100 workers, on any executor.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import partial
from typing import Any

import numpy as np
from pyabc.sampler import Sampler

from infosim.calibration.errors import CalibrationError
from infosim.errors import InfosimError

_MODEL_SEED: ContextVar[int | None] = ContextVar("infosim_calibration_model_seed", default=None)
_CACHE: dict[str, Callable[[], Any]] = {}


def current_model_seed() -> int:
    """The model seed of the proposal being simulated (set by :func:`run_proposal`)."""
    seed = _MODEL_SEED.get()
    if seed is None:
        raise RuntimeError("no proposal is being simulated: the model seed is set by OrderedSampler")
    return seed


def proposal_streams(root: int, t: int, index: int) -> tuple[np.ndarray, int]:
    """The random streams of proposal `index` of generation `t` (t = -1: the prior calibration sample).

    Returns:
        (words seeding the legacy global generator, the model run's seed below 2**63).
    """
    draws, model = np.random.SeedSequence(root, spawn_key=(t + 1, index)).spawn(2)
    return draws.generate_state(8), int(model.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _load(payload: bytes, key: str) -> Callable[[], Any]:
    fn = _CACHE.get(key)
    if fn is None:
        import cloudpickle

        _CACHE.clear()  # one generation at a time
        fn = _CACHE[key] = cloudpickle.loads(payload)
    return fn


def run_proposal(payload: bytes, key: str, root: int, item: tuple[int, int]) -> Any:
    """Simulate one proposal in a worker: seed its streams, call pyabc's ``simulate_one``.

    Args:
        payload: the cloudpickled ``simulate_one`` of the generation.
        key: its digest (workers unpickle it once per generation).
        root: the calibration's root seed.
        item: ``(generation, proposal index)``.

    Returns:
        The pyabc Particle.
    """
    t, index = item
    fn = _load(payload, key)
    words, model_seed = proposal_streams(root, t, index)
    np.random.seed(words)
    random.seed(int(words[0]) << 32 | int(words[1]))
    token = _MODEL_SEED.set(model_seed)
    try:
        return fn()
    finally:
        _MODEL_SEED.reset(token)


class OrderedSampler(Sampler):
    """pyabc Sampler with per-proposal SeedSequence streams and index-ordered acceptance.

    Attributes:
        executor: an infosim :class:`~infosim.experiments.executors.Executor` (started).
        root: the root seed.
        budget: most proposals a generation may use (the remaining simulation budget).
        wasted: simulations run beyond the n-th acceptance (discarded), all generations.
        simulations: simulations run, all generations (wasted included).
        on_progress: called as ``on_progress(t, done, accepted, n)`` while sampling.
        on_sample: called as ``on_sample(t, sample, evaluations)`` with the finished sample,
            before pyabc stores it (the engine checkpoints it for an exact resume).
    """

    def __init__(self, executor: Any, root: int, on_progress: Callable[..., None] | None = None):
        super().__init__()
        self.executor = executor
        self.root = int(root)
        self.budget: float = np.inf
        self.wasted = 0
        self.simulations = 0
        self.on_progress = on_progress
        self.on_sample: Callable[[int, Any, int], None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["executor"] = None
        state["on_progress"] = None
        state["on_sample"] = None
        return state

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        import cloudpickle

        payload = cloudpickle.dumps(simulate_one)
        key = hashlib.sha256(payload).hexdigest()[:20]
        fn = partial(run_proposal, payload, key, self.root)
        limit = n if all_accepted else min(max_eval, self.budget)
        results: dict[int, Any] = {}
        accepted = 0

        def items() -> Iterator[tuple[int, int]]:
            i = 0
            while accepted < n and i < limit:
                yield (t, i)
                i += 1

        last_report = time.monotonic()
        for item, particle in self.executor.imap_unordered(fn, items()):
            if isinstance(particle, BaseException):
                lines = str(particle).strip().splitlines() or [""]
                if isinstance(particle, InfosimError):
                    raise CalibrationError(lines[0]) from particle
                raise CalibrationError(
                    f"a simulation failed (generation {t}, proposal {item[1]}): "
                    f"{type(particle).__name__}: {lines[-1]}"
                ) from particle
            results[item[1]] = particle
            accepted += bool(particle.accepted)
            if self.on_progress is not None and time.monotonic() - last_report > 5:
                self.on_progress(t, len(results), accepted, n)
                last_report = time.monotonic()
        self.simulations += len(results)
        sample = self._create_empty_sample()
        kept, count = 0, 0
        for i in range(len(results)):
            particle = results[i]
            sample.append(particle)
            kept += 1
            count += bool(particle.accepted)
            if count == n:
                break
        self.wasted += len(results) - kept
        self.nr_evaluations_ = kept
        if count < n:
            sample.ok = False
        if self.on_sample is not None:
            self.on_sample(t, sample, kept)
        return sample


def ordered_sampler(executor: Any, root: int, on_progress: Callable[..., None] | None = None) -> OrderedSampler:
    """An :class:`OrderedSampler` on a started `executor` with root seed `root`."""
    return OrderedSampler(executor, root, on_progress)
