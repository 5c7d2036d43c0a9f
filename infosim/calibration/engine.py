"""ABC-SMC with pyabc: set-up, the generation loop, checkpoints and an exact resume.

The engine is generic: it calibrates any picklable ``simulator(params, seed) -> {stat: value}``
against observed statistics with standard deviations. :mod:`infosim.calibration.api` plugs in
the model (:class:`~infosim.calibration.simulator.ModelSimulator`); the tests plug in toy
simulators whose posterior is known.

Resume. pyabc's SQLite history (``history.db``) stores every finished generation, but not the
state of its adaptive parts for the next one (the temperature scheme and the stochastic
acceptor's normalisation, an adaptive distance's weights), which pyabc's own ``ABCSMC.load``
re-derives from the stored accepted particles only — so a resumed run would differ from an
uninterrupted one. The engine therefore checkpoints, in ``state/``, the adaptive components
before each generation (``gen_<t>.pkl``) and the generation's full sample, rejected particles
included, before pyabc stores it (``sample_<t>.pkl``). On resume it restores the components of
the last stored generation and replays pyabc's own preparation of the next one from that sample:
the run continues exactly as if it had not been interrupted. Finished generations are never
recomputed; the generation that was running is recomputed from its start (its proposals have
fixed seeds, so it gives the same particles). A run killed during generation 0 or during the
prior calibration sample restarts from scratch. When the run finishes, only the checkpoints of
the last generation are kept and ``state/done.json`` records how it ended and under which
stopping rules (:func:`~infosim.calibration.spec.stopping_rules`). A later ``--resume`` with the
same rules runs nothing; with other rules (a larger ``max_simulations``, ...) it continues from
the last generation exactly as one uninterrupted run with the new rules would have
(:func:`check_stopping_change` first refuses rules the stored generations contradict).
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infosim.calibration.errors import CalibrationError
from infosim.calibration.priors import Prior
from infosim.calibration.spec import AbcSettings, stopping_rules
from infosim.experiments.store import atomic_write_bytes, atomic_write_json

HISTORY_FILE = "history.db"
STATE_DIR = "state"
DONE_FILE = "done.json"
#: spawn-key word of the main process's own stream (pyabc itself draws nothing there, but any
#: future use of the global generator between generations stays deterministic).
MAIN_STREAM = 0x6D61696E


@dataclass(frozen=True)
class PyabcModel:
    """The pyabc model: maps a proposal from the sampling scale to parameter values and calls
    ``simulator(values, seed)`` with the proposal's SeedSequence seed."""

    simulator: Callable[[Mapping[str, float], int], dict[str, float]]
    priors: tuple[Prior, ...]

    def __call__(self, pars: Mapping[str, float]) -> dict[str, float]:
        """Simulate one proposal (called inside :func:`~infosim.calibration.sampler.run_proposal`)."""
        from infosim.calibration.sampler import current_model_seed

        values = {p.path: p.to_value(float(pars[p.key])) for p in self.priors}
        return self.simulator(values, current_model_seed())


@dataclass
class GenerationInfo:
    """One finished generation, as reported in progress lines and diagnostics."""

    t: int
    epsilon: float
    accepted: int
    evaluations: int
    ess: float
    simulations_total: int
    elapsed_s: float

    @property
    def acceptance_rate(self) -> float:
        """Accepted particles per evaluation."""
        return self.accepted / self.evaluations if self.evaluations else math.nan


@dataclass
class AbcOutcome:
    """What :func:`run_abc` did.

    Attributes:
        history_path: the pyabc SQLite history.
        generations: generations stored (all sessions).
        stop_reason: why the run stopped.
        final_epsilon: epsilon (or temperature) of the last stored generation.
        simulations: simulations stored in the history (pyabc's count, the calibration sample
            included).
        simulations_run: simulations this session ran (the prior calibration sample, discarded
            ones and those of a generation stopped by the budget included).
        discarded: simulations this session ran beyond a generation's n-th acceptance.
        resumed_from: the last generation stored before this session (-1: a fresh start).
        elapsed_s: wall-clock seconds of this session.
        log: the generations finished in this session.
    """

    history_path: Path
    generations: int
    stop_reason: str
    final_epsilon: float
    simulations: int
    simulations_run: int = 0
    discarded: int = 0
    resumed_from: int = -1
    elapsed_s: float = 0.0
    log: list[GenerationInfo] = field(default_factory=list)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _fmt_time(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def build_abc(
    simulator: Callable[[Mapping[str, float], int], dict[str, float]],
    priors: Sequence[Prior],
    observed: Mapping[str, float],
    sd: Mapping[str, float],
    settings: AbcSettings,
    sampler: Any,
) -> Any:
    """The pyabc ABCSMC object for a calibration.

    ``stochastic`` (default): ``StochasticAcceptor`` + ``IndependentNormalKernel(var=sd**2)`` +
    ``Temperature``: accepted particles follow the posterior under the noise model
    ``observed = simulated + N(0, sd**2)`` once the temperature reaches 1 (Wilkinson 2013;
    Schälte & Hasenauer 2020). ``adaptive_pnorm``: ``AdaptivePNormDistance`` (weights re-fitted
    each generation) with a ``MedianEpsilon`` threshold: the classic, approximate ABC.
    Proposals come from ``settings.transition`` (:mod:`infosim.calibration.transition`).
    """
    import pyabc

    keys = list(observed)
    prior = pyabc.Distribution(**{p.key: p.rv() for p in priors})
    model = PyabcModel(simulator, tuple(priors))
    if settings.transition == "normal":
        from infosim.calibration.transition import FittedNormalTransition

        transition = FittedNormalTransition(scaling=settings.transition_scaling)
    else:
        transition = pyabc.MultivariateNormalTransition()
    if settings.distance == "stochastic":
        kernel = pyabc.IndependentNormalKernel(var=[float(sd[k]) ** 2 for k in keys], keys=keys)
        return pyabc.ABCSMC(
            model,
            prior,
            kernel,
            population_size=settings.population_size,
            transitions=transition,
            eps=pyabc.Temperature(),
            acceptor=pyabc.StochasticAcceptor(),
            sampler=sampler,
        )
    distance = pyabc.AdaptivePNormDistance(p=2)
    return pyabc.ABCSMC(
        model,
        prior,
        distance,
        population_size=settings.population_size,
        transitions=transition,
        eps=pyabc.MedianEpsilon(),
        sampler=sampler,
    )


class _Checkpoints:
    """The ``state/`` folder: components before each generation, samples after, the done marker."""

    def __init__(self, root: Path):
        self.dir = root / STATE_DIR

    def components(self, abc: Any) -> dict[str, Any]:
        return {
            "distance_function": abc.distance_function,
            "eps": abc.eps,
            "acceptor": abc.acceptor,
            "transitions": abc.transitions,
            "population_size": abc.population_size,
        }

    def save_components(self, t: int, abc: Any) -> None:
        import cloudpickle

        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.dir / f"gen_{t}.pkl", cloudpickle.dumps(self.components(abc)))

    def save_sample(self, t: int, sample: Any, evaluations: int) -> None:
        import cloudpickle

        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.dir / f"sample_{t}.pkl", cloudpickle.dumps({"sample": sample, "n_sim": evaluations}))

    def load(self, name: str) -> Any:
        import cloudpickle

        path = self.dir / name
        try:
            return cloudpickle.loads(path.read_bytes())
        except FileNotFoundError:
            raise CalibrationError(f"{path}: missing checkpoint; the calibration cannot be resumed exactly "
                                   "(start it again with --overwrite)") from None

    def keep_only(self, t: int) -> None:
        """Delete every checkpoint but those of generation `t` (what extending a finished run needs)."""
        if not self.dir.is_dir():
            return
        for path in self.dir.glob("*.pkl"):
            if path.name not in (f"gen_{t}.pkl", f"sample_{t}.pkl"):
                path.unlink(missing_ok=True)
        for path in self.dir.glob(".*.tmp"):
            path.unlink(missing_ok=True)

    def can_continue(self, t: int) -> bool:
        """True if the checkpoints to continue after generation `t` are there."""
        return (self.dir / f"gen_{t}.pkl").is_file() and (self.dir / f"sample_{t}.pkl").is_file()

    def prune(self, keep_from: float) -> None:
        """Delete checkpoints of generations before `keep_from` (all of them with ``math.inf``)."""
        if not self.dir.is_dir():
            return
        for path in self.dir.glob("*.pkl"):
            stem = path.stem.rsplit("_", 1)
            if len(stem) == 2 and stem[1].lstrip("-").isdigit() and int(stem[1]) < keep_from:
                path.unlink(missing_ok=True)
        for path in self.dir.glob(".*.tmp"):
            path.unlink(missing_ok=True)

    def done(self) -> dict[str, Any] | None:
        import json

        try:
            return json.loads((self.dir / DONE_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return None

    def mark_done(self, info: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.dir / DONE_FILE, info)

    def reopen(self) -> None:
        """Forget the done marker: the finished run continues under other stopping rules."""
        (self.dir / DONE_FILE).unlink(missing_ok=True)

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _seed_main(root: int, t: int) -> None:
    words = np.random.SeedSequence(root, spawn_key=(MAIN_STREAM, t + 1)).generate_state(8)
    np.random.seed(words)


def history_url(out: Path) -> str:
    """The SQLAlchemy URL of a calibration folder's history."""
    return "sqlite:///" + str((out / HISTORY_FILE).resolve())


def stored_generations(out: Path) -> int:
    """Generations stored in a folder's history (0 if there is none)."""
    if not (out / HISTORY_FILE).is_file():
        return 0
    import pyabc

    return int(pyabc.History(history_url(out), create=False).n_populations)


def stored_populations(out: Path) -> Any:
    """The history's generations (t >= 0: t, epsilon, samples, particles) and the simulations stored
    (pyabc's count, the prior calibration sample included)."""
    import pyabc

    history = pyabc.History(history_url(out), create=False)
    pops = history.get_all_populations()
    return pops[pops["t"] >= 0].sort_values("t"), int(history.total_nr_simulations)


def check_stopping_change(out: Path, settings: AbcSettings, previous: Mapping[str, Any]) -> None:
    """Check that a resume may change the stopping rules from `previous` to those of `settings`.

    A resume only ever adds generations, so the new rules must be ones under which one
    uninterrupted run would also have produced every stored generation; otherwise the folder
    would record rules its history contradicts. Refused (one error naming the key, the old and the
    new value): ``max_simulations`` below the simulations already stored, ``generations`` below
    the generations stored, a ``min_acceptance_rate`` above a stored generation's acceptance rate,
    a ``min_epsilon`` a generation before the last already reached. A new rule the last stored
    generation meets (e.g. ``max_simulations`` equal to what is stored) is allowed: the resume
    stops at once. A finished run also needs the checkpoints of its last generation (calibrations
    finished before they were kept cannot be extended exactly).

    Raises:
        CalibrationError: the change is not possible.
    """
    stored = stored_generations(out)
    if stored == 0:
        return
    new = stopping_rules(settings)
    pops, simulations = stored_populations(out)
    problems = []

    def changed(key: str) -> str:
        return f"abc.{key}: {previous.get(key)!r} -> {new[key]!r}"

    if new["max_simulations"] is not None and new["max_simulations"] < simulations:
        problems.append(f"{changed('max_simulations')}: {simulations:,} simulations are already stored")
    if "generations" in new and new["generations"] < stored:
        problems.append(f"{changed('generations')}: {stored} generations are already stored")
    rate = pops["particles"] / pops["samples"]
    low = pops[rate < new["min_acceptance_rate"]]
    if len(low):
        t = int(low["t"].iloc[0])
        problems.append(f"{changed('min_acceptance_rate')}: generation {t} had an acceptance rate of "
                        f"{float(rate[low.index[0]]):.3g}, so the run would have stopped there")
    if new["min_epsilon"] is not None:
        early = pops[(pops["epsilon"] <= new["min_epsilon"]) & (pops["t"] < stored - 1)]
        if len(early):
            problems.append(f"{changed('min_epsilon')}: generation {int(early['t'].iloc[0])} already reached "
                            f"epsilon {float(early['epsilon'].iloc[0]):.4g}, so the run would have stopped there")
    if problems:
        raise CalibrationError(f"{out}: the stopping rules cannot change that way on --resume (it only adds "
                               f"generations to the {stored} stored): " + "; ".join(problems)
                               + "; use --overwrite to start again")
    ckpt = _Checkpoints(out)
    if ckpt.done() is not None and not ckpt.can_continue(stored - 1):
        raise CalibrationError(f"{out}: this calibration finished without keeping the checkpoints of its last "
                               f"generation ({STATE_DIR}/gen_{stored - 1}.pkl, sample_{stored - 1}.pkl; "
                               "calibrations finished before they were kept), so it cannot continue exactly "
                               "under new stopping rules; run it again with --overwrite")


def run_abc(
    simulator: Callable[[Mapping[str, float], int], dict[str, float]],
    priors: Sequence[Prior],
    observed: Mapping[str, float],
    sd: Mapping[str, float],
    settings: AbcSettings,
    out: Path,
    *,
    seed: int,
    executor: Any,
    resume: bool = False,
    progress: bool = True,
) -> AbcOutcome:
    """Run (or resume) ABC-SMC; the history goes to ``out/history.db``.

    Args:
        simulator: picklable ``simulator(values, seed) -> {statistic: value}``; `values` are the
            parameters in their own unit, keyed by :attr:`Prior.path` (rounded if integer).
        priors: the parameters' priors.
        observed: observed statistics.
        sd: their standard deviations (the Gaussian noise model of the ``stochastic`` distance).
        settings: ABC settings.
        out: the folder (must exist).
        seed: root seed of every proposal's streams.
        executor: a started infosim executor.
        resume: continue the history in `out` (else it must hold none).
        progress: print a line per generation (and every few seconds within one) on stderr.

    Returns:
        An :class:`AbcOutcome`.
    """
    import pyabc

    from infosim.calibration.sampler import ordered_sampler

    logging_quiet()
    t_start = time.perf_counter()
    ckpt = _Checkpoints(out)
    url = history_url(out)
    stored = stored_generations(out)
    if not resume or stored == 0:
        (out / HISTORY_FILE).unlink(missing_ok=True)
        ckpt.clear()
        stored = 0
    finished = ckpt.done() if stored else None
    rules = stopping_rules(settings)
    if finished is not None and finished.get("stopping", rules) != rules:
        # a finished run with new stopping rules: continue it like an interrupted one
        if not ckpt.can_continue(stored - 1):
            raise CalibrationError(f"{out}: the checkpoints of generation {stored - 1} are missing; a finished "
                                   "calibration cannot continue under new stopping rules without them (run it "
                                   "again with --overwrite)")
        ckpt.reopen()
        finished = None

    def on_progress(t: int, done: int, accepted: int, n: int) -> None:
        if progress:
            _stderr(f"  generation {t}: {done:,} simulations, {accepted}/{n} accepted, "
                    f"elapsed {_fmt_time(time.perf_counter() - t_start)}")

    sampler = ordered_sampler(executor, seed, on_progress)
    sampler.on_sample = lambda t, sample, n_sim: ckpt.save_sample(t, sample, n_sim) if t >= 0 else None
    abc = build_abc(simulator, priors, observed, sd, settings, sampler)
    max_sims = settings.max_simulations or math.inf
    outcome = AbcOutcome(out / HISTORY_FILE, stored, "", math.nan, 0, resumed_from=stored - 1)
    if finished is not None:
        history = pyabc.History(url, create=False)
        outcome.stop_reason = finished.get("stop_reason", "finished")
        outcome.final_epsilon = float(finished.get("final_epsilon", math.nan))
        outcome.simulations = int(history.total_nr_simulations)
        return outcome

    G = settings.generations
    run_kwargs = {
        "minimum_epsilon": settings.min_epsilon if settings.distance == "adaptive_pnorm" else None,
        "min_acceptance_rate": settings.min_acceptance_rate,
        "max_total_nr_simulations": max_sims,
        "max_walltime": None,
        "min_eps_diff": 0.0,
    }
    if stored == 0:
        abc.new(url, dict(observed))
        _seed_main(seed, -1)
        if progress:
            _stderr(f"ABC-SMC: {len(priors)} parameters, {len(observed)} targets, {settings.population_size} "
                    f"particles, up to {G} generations ({settings.distance}); calibration sample from the prior")
        t = abc.initialize_components_before_run(max_nr_populations=G, **run_kwargs)
    else:
        abc.load(url, 1, dict(observed))
        last = stored - 1
        if stored >= G:
            return _finish(abc, ckpt, outcome, last, f"all {G} generations run", t_start, rules)
        t = abc.initialize_components_before_run(max_nr_populations=G - stored, **run_kwargs)
        acceptance_rate = _replay(abc, ckpt, last)
        if progress:
            _stderr(f"resuming after generation {last} ({stored} stored; {abc.history.total_nr_simulations:,} "
                    "simulations so far)")
        if abc.check_terminate(t=last, acceptance_rate=acceptance_rate):
            return _finish(abc, ckpt, outcome, last, _stop_reason(abc, settings, last, acceptance_rate), t_start,
                           rules)

    while True:
        _seed_main(seed, t)
        ckpt.save_components(t, abc)
        sampler.budget = max_sims - abc.history.total_nr_simulations
        if sampler.budget <= 0:
            return _finish(abc, ckpt, outcome, t - 1, f"simulation budget ({settings.max_simulations:,}) used", t_start,
                           rules)
        ret = abc.run_generation(t=t)
        if not ret["successful"]:
            reason = (f"generation {t} not completed: it would exceed the simulation budget "
                      f"({settings.max_simulations:,}) or fall below the minimum acceptance rate "
                      f"({settings.min_acceptance_rate:g}); the posterior is generation {t - 1}")
            ckpt.prune(t - 1)
            return _finish(abc, ckpt, outcome, t - 1, reason, t_start, rules)
        ckpt.prune(t)
        info = _generation_info(abc, t, t_start)
        outcome.log.append(info)
        if progress:
            word = "temperature" if settings.distance == "stochastic" else "epsilon"
            _stderr(f"generation {t + 1}/{G}: {word} {info.epsilon:.4g}, accepted {info.accepted}/"
                    f"{info.evaluations:,} ({100 * info.acceptance_rate:.1f}%), ESS {info.ess:.0f}, "
                    f"simulations {info.simulations_total:,} (+{sampler.wasted} discarded), "
                    f"elapsed {_fmt_time(info.elapsed_s)}"
                    + (" — low ESS: weights degenerate" if info.ess < 0.1 * info.accepted else ""))
        if abc.check_terminate(t=t, acceptance_rate=ret["acceptance_rate"]):
            return _finish(abc, ckpt, outcome, t, _stop_reason(abc, settings, t, ret["acceptance_rate"]), t_start,
                           rules)
        t += 1


def _replay(abc: Any, ckpt: _Checkpoints, last: int) -> float:
    """Restore the components of generation `last` and redo pyabc's preparation of the next one."""
    state = ckpt.load(f"gen_{last}.pkl")
    saved = ckpt.load(f"sample_{last}.pkl")
    for name, value in state.items():
        setattr(abc, name, value)
    abc.distance_function.configure_sampler(abc.sampler)
    abc.eps.configure_sampler(abc.sampler)
    sample, n_sim = saved["sample"], saved["n_sim"]
    sample.normalize_weights()
    population = sample.get_accepted_population()
    acceptance_rate = len(population) / n_sim
    _seed_main(abc.sampler.root, last)
    abc._prepare_next_iteration(t=last + 1, sample=sample, population=population, acceptance_rate=acceptance_rate)
    return acceptance_rate


def _generation_info(abc: Any, t: int, t_start: float) -> GenerationInfo:
    from pyabc.weighted_statistics import effective_sample_size

    pops = abc.history.get_all_populations()
    row = pops[pops["t"] == t].iloc[0]
    _, w = abc.history.get_distribution(m=0, t=t)
    return GenerationInfo(
        t=t,
        epsilon=float(row["epsilon"]),
        accepted=int(row["particles"]),
        evaluations=int(row["samples"]),
        ess=float(effective_sample_size(w)),
        simulations_total=int(abc.history.total_nr_simulations),
        elapsed_s=time.perf_counter() - t_start,
    )


def _stop_reason(abc: Any, settings: AbcSettings, t: int, acceptance_rate: float) -> str:
    eps = float(abc.eps(t))
    if settings.distance == "stochastic" and eps <= 1.0:
        return f"temperature 1 reached in generation {t}: exact posterior under the Gaussian noise model"
    if t + 1 >= settings.generations:
        return f"all {settings.generations} generations run"
    if settings.max_simulations and abc.history.total_nr_simulations >= settings.max_simulations:
        return f"simulation budget ({settings.max_simulations:,}) used"
    if acceptance_rate < settings.min_acceptance_rate:
        return f"acceptance rate {acceptance_rate:.3g} below the minimum {settings.min_acceptance_rate:g}"
    if settings.min_epsilon is not None and eps <= settings.min_epsilon:
        return f"epsilon {eps:.4g} below the minimum {settings.min_epsilon:g}"
    return "stopping criterion reached"


def _finish(abc: Any, ckpt: _Checkpoints, outcome: AbcOutcome, last: int, reason: str, t_start: float,
            rules: Mapping[str, Any]) -> AbcOutcome:
    from datetime import datetime

    if last < 0:
        raise CalibrationError(f"no generation completed: {reason}")
    abc.history.done(end_time=datetime.now())
    outcome.generations = last + 1
    outcome.stop_reason = reason
    outcome.final_epsilon = float(abc.history.get_all_populations().set_index("t").loc[last, "epsilon"])
    outcome.simulations = int(abc.history.total_nr_simulations)
    outcome.discarded = int(abc.sampler.wasted)
    outcome.simulations_run = int(abc.sampler.simulations)
    outcome.elapsed_s = time.perf_counter() - t_start
    ckpt.mark_done({
        "stop_reason": reason,
        "final_t": last,
        "final_epsilon": outcome.final_epsilon,
        "simulations": outcome.simulations,
        "stopping": dict(rules),
    })
    ckpt.keep_only(last)  # finished: the done marker, and what continuing under new stopping rules needs
    return outcome


def logging_quiet() -> None:
    """Silence pyabc's INFO logging (the engine prints its own progress)."""
    import logging

    for name in ("ABC", "pyabc", "History", "Epsilon", "Distance", "Acceptor", "Sampler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("ABC").setLevel(logging.WARNING)
