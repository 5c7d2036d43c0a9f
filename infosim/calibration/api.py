"""``calibrate``: run a calibration spec end to end and write the calibration folder.

The folder (default ``<spec folder>/<name>/``, e.g. ``calibration/jiangsu_2020/``)::

    calibration.json      definition (spec, resolved scenario, targets hash, priors), its hash,
                          outcome (stop reason, generations, simulations), sessions and the
                          stopping rules it ran under (budget_history)
    history.db            pyabc's SQLite history (every generation)
    state/                checkpoints for an exact resume (deleted parts are recomputed)
    posterior.parquet     last generation: one row per particle, parameters by scenario key, weight
    point_estimate.toml   weighted posterior medians as a scenario fragment
    predictive.parquet    posterior-predictive statistics of every target (fresh runs)
    diagnostics.md        generations, posterior table, identification, predictive check
    figures/*.png         the diagnostics' figures
    provenance.json       spec and targets hashes, git commit, library versions, command
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.calibration.errors import CalibrationError, TargetError
from infosim.calibration.posterior import (
    CALIBRATION_FILE,
    POINT_FILE,
    POSTERIOR_FILE,
    Posterior,
    priors_to_json,
    write_point_estimate,
)
from infosim.calibration.priors import Prior
from infosim.calibration.simulator import ModelSimulator
from infosim.calibration.spec import (
    Calibration,
    CalibrationSpec,
    load_calibration,
    stopping_rules,
    without_stopping_rules,
)
from infosim.calibration.targets import evaluate
from infosim.experiments.store import atomic_write_json, atomic_write_parquet

PREDICTIVE_FILE = "predictive.parquet"
PROVENANCE_FILE = "provenance.json"
DIAGNOSTICS_FILE = "diagnostics.md"
FIGURES_DIR = "figures"
#: spawn-key word of the posterior-predictive seeds.
PREDICTIVE_STREAM = 0x70726564  # "pred"
OURS = {
    CALIBRATION_FILE, POSTERIOR_FILE, POINT_FILE, PREDICTIVE_FILE, PROVENANCE_FILE, DIAGNOSTICS_FILE, FIGURES_DIR,
    "history.db", "state", ".lock", "noise_check.csv",
}


@dataclass
class CalibrationReport:
    """What :func:`calibrate` did. Usable as a path: ``load_posterior(report)``.

    Attributes:
        path: the calibration folder.
        name: calibration name.
        stop_reason: why ABC stopped.
        generations: generations stored.
        final_epsilon: temperature (stochastic) or epsilon of the last generation.
        simulations: simulations stored in the history.
        simulations_run: simulations this call ran (discarded ones and the predictive check included).
        elapsed_s: wall-clock seconds of this call.
        files: the files written.
    """

    path: Path
    name: str
    stop_reason: str
    generations: int
    final_epsilon: float
    simulations: int
    simulations_run: int = 0
    elapsed_s: float = 0.0
    files: list[Path] = field(default_factory=list)

    def __fspath__(self) -> str:
        return str(self.path)

    def summary_line(self) -> str:
        """One line for the CLI."""
        return (f"{self.name}: {self.generations} generation(s), final epsilon/temperature {self.final_epsilon:.4g}, "
                f"{self.simulations:,} simulations ({self.stop_reason}) in {self.elapsed_s:.1f} s -> {self.path}")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _masked(definition: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """`definition` with the base scenario's values of the calibrated parameters blanked out."""
    import copy

    out = copy.deepcopy(definition)
    for path in paths:
        node = out.get("scenario", {})
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and leaf in node:
            node[leaf] = "calibrated"
    return out


def _leaf_changes(old: Any, new: Any, where: str = "") -> list[tuple[str, Any, Any]]:
    """The (key path, old, new) of every value that differs between two JSON trees."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in sorted(set(old) | set(new), key=str):
            path = f"{where}.{key}" if where else str(key)
            out += _leaf_changes(old.get(key, "(absent)"), new.get(key, "(absent)"), path)
        return out
    return [] if old == new else [(where, old, new)]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def definition_changes(old: dict[str, Any], cal: Calibration) -> list[str]:
    """What differs between a stored definition and `cal`'s, as ``key: old -> new`` lines, leaving
    out what a resume may change: the stopping rules (:func:`~infosim.calibration.spec.stopping_rules`)
    and the base scenario's values of the calibrated parameters (every proposal overrides them, e.g.
    the shipped scenarios now include the calibration's own point estimate)."""
    paths = [p.path for p in cal.priors]
    a = _masked(without_stopping_rules(old), paths)
    b = _masked(without_stopping_rules(cal.definition()), paths)
    lines = []
    leaves = _leaf_changes(a, b)
    for key, x, y in sorted(leaves, key=lambda leaf: not leaf[0].startswith("spec.")):  # the spec's keys first
        key = key.removeprefix("spec.")
        if key == "targets_sha256":
            lines.append(f"targets file {cal.targets_file} (its SHA-256 changed)")
            continue
        line = f"{key}: {_short(x)} -> {_short(y)}"
        if key == "abc.generations" and cal.spec.abc.distance == "stochastic":
            line += (" (with distance = 'stochastic' the generations set the temperature schedule, so they change "
                     "finished generations; raise abc.max_simulations instead)")
        lines.append(line)
    return lines


def _same_but_calibrated_values(old: dict[str, Any], cal: Calibration) -> bool:
    """True if the stored definition differs from `cal`'s at most in what a resume may change (the
    stopping rules and the base scenario's values of the calibrated parameters)."""
    return bool(old) and not definition_changes(old, cal)


def _prepare_folder(out: Path, cal: Calibration, resume: bool, overwrite: bool) -> dict[str, Any]:
    """Create, reuse (resume) or clear (overwrite) the folder; return calibration.json's contents.

    A resume may change only the stopping rules (``abc.max_simulations``, ``abc.min_acceptance_rate``,
    ``abc.min_epsilon``, and ``abc.generations`` with ``adaptive_pnorm``); the new ones are checked
    against the stored generations, recorded in the definition and appended to ``budget_history``.
    """
    import json

    from infosim.calibration.engine import check_stopping_change, stored_generations, stored_populations

    meta_file = out / CALIBRATION_FILE
    sha = cal.definition_sha256()
    rules = stopping_rules(cal.spec.abc)
    if meta_file.is_file() and not overwrite:
        meta = json.loads(meta_file.read_text())
        if not resume:
            raise CalibrationError(f"{out} already holds a calibration; pass --resume to continue it, --overwrite "
                                   "to replace it, or --out DIR for a new folder")
        old = meta.get("definition", {})
        changed = definition_changes(old, cal) if old else ["(no stored definition)"]
        if changed:
            more = f"; and {len(changed) - 8} more" if len(changed) > 8 else ""
            raise CalibrationError(f"{out} holds a different calibration (changed: {'; '.join(changed[:8])}{more}); "
                                   "it can only be resumed with the same spec, targets and options except the "
                                   "stopping rules (abc.max_simulations, abc.min_acceptance_rate, abc.min_epsilon, "
                                   "and abc.generations with distance = 'adaptive_pnorm') — use --out DIR or "
                                   "--overwrite")
        old_abc = old.get("spec", {}).get("abc", {})
        previous = {k: old_abc.get(k) for k in rules}
        if previous != rules:
            check_stopping_change(out, cal.spec.abc, previous)
            history = meta.get("budget_history") or [{"session": 0, "stopping": previous}]
            stored = stored_generations(out)
            history.append({"session": len(meta.get("sessions", [])), "stopping": rules,
                            "stored_before": {"generations": stored,
                                              "simulations": stored_populations(out)[1] if stored else 0}})
            meta["budget_history"] = history
            meta["definition"] = cal.definition()
            meta["definition_sha256"] = sha
        return meta
    if overwrite:
        for name in OURS - {".lock"}:
            p = out / name
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    others = sorted(p.name for p in out.iterdir() if p.name not in OURS)
    if others:
        raise CalibrationError(f"{out} is not empty ({', '.join(others[:5])}); choose another --out")
    return {
        "name": cal.name,
        "description": cal.spec.description,
        "definition_sha256": sha,
        "definition": cal.definition(),
        "priors": priors_to_json(cal.priors),
        "targets": [{"name": t.name, "statistic": t.describe(), "value": t.value, "sd": t.sd, "unit": t.unit,
                     "date": t.date, "source": t.source, "kind": t.kind} for t in cal.targets],
        "targets_file": str(cal.targets_file),
        "scenario_ref": str(cal.scenario_ref),
        "spec_file": str(cal.source) if cal.source else None,
        "sessions": [],
        "budget_history": [{"session": 0, "stopping": rules}],
    }


def provenance(cal: Calibration) -> dict[str, Any]:
    """Provenance of a calibration: the experiments' record plus the targets file and pyabc."""
    from importlib import metadata

    from infosim.experiments import provenance as prov
    from infosim.experiments.store import sha256_file

    out = prov.collect({cal.scenario.name: cal.scenario_ref}, cal.source)
    out["targets_file"] = {"path": str(cal.targets_file.resolve()), "sha256": sha256_file(cal.targets_file)}
    for name in ("pyabc", "cloudpickle", "SQLAlchemy"):
        try:
            out["versions"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out["versions"][name] = None
    out["definition_sha256"] = cal.definition_sha256()
    return out


def posterior_from_history(out: Path, priors: Sequence[Prior]) -> pd.DataFrame:
    """The last generation of the history: one row per particle, parameters by scenario key, weight."""
    import pyabc

    from infosim.calibration.engine import history_url

    history = pyabc.History(history_url(out), create=False)
    frame, w = history.get_distribution(m=0, t=history.max_t)
    data = {p.path: p.to_values(frame[p.key].to_numpy(dtype=float)) for p in priors}
    table = pd.DataFrame(data)
    table["weight"] = np.asarray(w, dtype=float)
    table.insert(0, "particle", np.arange(len(table), dtype="int64"))
    return table


def predictive_seeds(root: int, n: int) -> list[int]:
    """Seeds of the posterior-predictive check's runs."""
    children = np.random.SeedSequence([root, PREDICTIVE_STREAM]).spawn(n)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def _predict_one(simulator: ModelSimulator, item: tuple[int, int, dict[str, Any], int]) -> dict[str, float]:
    _, _, overrides, seed = item
    return simulator.statistics(overrides, seed)


def predictive_check(post: Posterior, cal: Calibration, simulator: ModelSimulator, executor: Any,
                     n: int, root: int) -> pd.DataFrame:
    """Re-simulate `n` posterior draws with fresh seeds; one row per draw and target."""
    draws = post.sample(n, root)
    seeds = predictive_seeds(root, n)
    items = [(i, int(row["draw"]), post.overrides(row), seeds[i]) for i, row in draws.iterrows()]
    rows: dict[int, list[dict[str, Any]]] = {}
    for item, stats in executor.imap_unordered(functools.partial(_predict_one, simulator), items):
        if isinstance(stats, BaseException):
            raise CalibrationError(f"posterior-predictive run {item[0]} failed: {type(stats).__name__}: {stats}")
        rows[item[0]] = [{"run": item[0], "draw": item[1], "seed": item[3], "target": k, "value": v}
                         for k, v in stats.items()]
    return pd.DataFrame([r for i in sorted(rows) for r in rows[i]])


def preflight(cal: Calibration) -> None:
    """One small run at the scenario's values: every target must evaluate (names a missing series
    with the run's columns before any worker starts)."""
    from infosim.run import run_scenario
    from infosim.scenario import apply_overrides

    small = apply_overrides(cal.scenario, {"run.households": min(cal.spec.households, 1000)})
    try:
        evaluate(run_scenario(small, cal.spec.seed).timeseries, cal.targets)
    except TargetError as exc:
        raise CalibrationError(f"{cal.label}: key targets: {exc}") from None


def calibrate(
    spec: str | Path | CalibrationSpec | dict[str, Any],
    *,
    out: str | Path | None = None,
    executor: str | Any = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    particles: int | None = None,
    generations: int | None = None,
    households: int | None = None,
    progress: bool = True,
) -> CalibrationReport:
    """Calibrate a scenario's parameters against observed targets with pyabc's ABC-SMC.

    Args:
        spec: a calibration spec file (or a :class:`CalibrationSpec` / its dict).
        out: the calibration folder (default ``<spec folder>/<name>``).
        executor: ``serial``, ``processes`` (default) or ``dask``, or an infosim Executor.
        workers: worker processes (default: all cores).
        scheduler: Dask scheduler address (``executor="dask"``).
        resume: continue the calibration in `out` (same definition but for the stopping rules, e.g. a
            larger ``abc.max_simulations``): finished generations are kept.
        overwrite: delete the calibration already in `out` first.
        particles: override the spec's population size.
        generations: override the spec's number of generations.
        households: override the spec's households per simulation.
        progress: print progress lines on stderr.

    Returns:
        A :class:`CalibrationReport`.

    Raises:
        CalibrationError: a bad spec or targets file, a folder that holds another calibration,
            or a simulation that failed.
    """
    from infosim.calibration.diagnostics import write_diagnostics
    from infosim.calibration.engine import run_abc
    from infosim.calibration.posterior import load_posterior
    from infosim.experiments.executors import Executor, make_executor
    from infosim.experiments.provenance import git_state, library_versions
    from infosim.experiments.store import ExperimentStore

    t0 = time.perf_counter()
    cal = load_calibration(spec, households=households, particles=particles, generations=generations)
    preflight(cal)
    folder = Path(out) if out is not None else cal.default_out()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        ex = executor if isinstance(executor, Executor) else make_executor(executor, workers, scheduler)
    except ValueError as exc:
        raise CalibrationError(str(exc)) from None
    with ExperimentStore(folder).lock():
        meta = _prepare_folder(folder, cal, resume, overwrite)
        meta["sessions"].append({
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "executor": ex.describe(),
            "code": {"infosim": library_versions()["infosim"], **git_state()},
            "command": " ".join(sys.argv),
        })
        atomic_write_json(folder / CALIBRATION_FILE, meta)
        if not (folder / PROVENANCE_FILE).is_file():
            atomic_write_json(folder / PROVENANCE_FILE, provenance(cal))
        simulator = ModelSimulator(cal.scenario.model_dump(mode="json"), tuple(cal.priors), tuple(cal.targets),
                                   cal.spec.replicates)
        observed = {t.name: t.value for t in cal.targets}
        sd = {t.name: t.sd for t in cal.targets}
        if progress:
            _stderr(f"infosim calibrate {cal.name}: scenario {cal.scenario.name}, {cal.spec.households:,} households, "
                    f"{cal.months} months, {len(cal.priors)} parameters, {len(cal.targets)} targets"
                    + (f" (cutoff {cal.spec.cutoff})" if cal.spec.cutoff else "") + f" on {ex.describe()} -> {folder}")
        try:
            with ex:
                outcome = run_abc(simulator, cal.priors, observed, sd, cal.spec.abc, folder, seed=cal.spec.seed,
                                  executor=ex, resume=resume, progress=progress)
                table = posterior_from_history(folder, cal.priors)
                atomic_write_parquet(folder / POSTERIOR_FILE, table)
                meta["outcome"] = {
                    "stop_reason": outcome.stop_reason,
                    "generations": outcome.generations,
                    "final_epsilon": outcome.final_epsilon,
                    "simulations": outcome.simulations,
                    "particles": len(table),
                }
                atomic_write_json(folder / CALIBRATION_FILE, meta)
                post = load_posterior(folder)
                n_pred = cal.spec.abc.predictive_draws
                pred_file = folder / PREDICTIVE_FILE
                runs = 0
                last = outcome.generations - 1
                if n_pred and not (_predictive_current(pred_file, n_pred)
                                   and meta.get("predictive", {}).get("generation", last) == last):
                    if progress:
                        _stderr(f"posterior-predictive check: {n_pred} draws")
                    pred = predictive_check(post, cal, simulator, ex, n_pred, cal.spec.seed)
                    atomic_write_parquet(pred_file, pred)
                    runs = n_pred * cal.spec.replicates
                    meta["predictive"] = {"draws": n_pred, "generation": last}
                    atomic_write_json(folder / CALIBRATION_FILE, meta)
        except KeyboardInterrupt:
            if progress:
                _stderr(f"interrupted: finished generations are stored; continue with --resume --out {folder}")
            raise
        files = [folder / "history.db", folder / POSTERIOR_FILE]
        files.append(write_point_estimate(post, folder / POINT_FILE,
                                          f"{len(table)} particles of generation {outcome.generations - 1}"))
        files += write_diagnostics(folder, post, cal, outcome)
        files += [folder / CALIBRATION_FILE, folder / PROVENANCE_FILE]
        if pred_file.is_file():
            files.append(pred_file)
    return CalibrationReport(folder, cal.name, outcome.stop_reason, outcome.generations, outcome.final_epsilon,
                             outcome.simulations, outcome.simulations_run + runs, time.perf_counter() - t0, files)


def _predictive_current(path: Path, n: int) -> bool:
    """True if `path` holds a predictive check of `n` draws (so a resume does not redo it; the caller
    also checks calibration.json's ``predictive.generation``: a resume under a larger budget changes
    the posterior)."""
    if not path.is_file():
        return False
    try:
        return int(pd.read_parquet(path, columns=["run"])["run"].nunique()) == n
    except (OSError, ValueError, KeyError):
        return False
