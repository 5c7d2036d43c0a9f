"""Run a robust multi-objective policy search (``infosim optimise SPEC.toml``).

The search and its evaluations live in one folder::

    results/<name>/
      optimisation.json     spec, definition hash, decision space, ensemble, sessions, cost
      ensemble.parquet      the parameter draws every candidate runs on
      runs/baseline/        the baseline and the reference (base) policy on every draw and seed
      runs/gen-NNN/         each generation's new candidates on every draw and seed
      candidates.parquet    every candidate evaluated: settings, validity, objectives
      values.parquet        every candidate's objectives on every draw
      history.parquet       per generation: candidates, runs, time, the front so far
      pareto.parquet/.csv/.md, comparison.parquet, figures/   (written when the search ends)

Each ``runs/`` folder is an ordinary experiment (any executor, resumable). Kill the search at
any time; the same command with ``--resume`` replays it from the start (the algorithm draws
from its own seeded generator, so it proposes the same candidates) and reads back every
candidate already evaluated, recomputing no finished run.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.errors import SpecError
from infosim.experiments.experiment import sha256_json
from infosim.experiments.store import StoreError, atomic_write_json, atomic_write_parquet
from infosim.optimise.ensemble import Ensemble, make_ensemble
from infosim.optimise.evaluate import (
    CPU_KEY,
    EnsembleExperiment,
    combine,
    cpu_seconds,
    needed_outputs,
    objective_values,
    run_ensemble,
    timed_run,
)
from infosim.optimise.robust import Goal
from infosim.optimise.spec import OptimiseSpec, load_optimise_spec
from infosim.optimise.variables import Candidate, DecisionSpace, total_budget, variable_columns, variable_label
from infosim.scenario import Scenario

META_FILE = "optimisation.json"
RUNS = "runs"
Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def candidate_name(i: int) -> str:
    """The scenario name of the i-th candidate evaluated."""
    return f"cand-{i:04d}"


@dataclass
class Record:
    """An evaluated (or invalid) candidate in the archive."""

    key: str
    name: str
    generation: int
    candidate: Candidate


class OptimisationPlan:
    """What a spec evaluates: base, baseline and reference scenarios, decision space, ensemble.

    Args:
        spec: the spec.
        source: the spec file (relative scenario paths and posterior folders are read from it).
    """

    def __init__(self, spec: OptimiseSpec, source: str | Path | None = None):
        self.spec = spec
        self.source = Path(source) if source is not None else None
        self.label = str(self.source or f"optimisation {spec.name!r}")
        self.base_ref = self._ref(spec.base)
        self.baseline_ref = self._ref(spec.baseline)
        self.base = self._load(self.base_ref, "base")
        self.baseline = self._load(self.baseline_ref, "baseline")
        if self.base.name == self.baseline.name:
            raise SpecError(f"{self.label}: key base: the base {self.base.name!r} is the baseline itself; candidates "
                            "are compared with the baseline, so the base must be another scenario")
        self.total_yuan = total_budget(spec, self.base, self.label)
        self.space = DecisionSpace(spec, self.base, self.total_yuan)
        self.reference = self.space.reference()
        self.goals = [Goal(o.metric, o.direction) for o in spec.objectives]
        self.columns = variable_columns(spec)
        self._check_variables()
        self._check_horizon()

    def _ref(self, entry: str) -> str:
        if entry.endswith(".toml") and self.source is not None and not Path(entry).is_absolute():
            near = self.source.parent / entry
            return str(near) if near.is_file() else entry
        return entry

    def _load(self, ref: str, key: str) -> Scenario:
        from infosim.errors import ScenarioError
        from infosim.scenario import load_scenario

        try:
            return load_scenario(ref, dict(self.spec.constants) or None)
        except ScenarioError as exc:
            raise SpecError(f"{self.label}: key {key} ({ref}): {exc.one_line()}") from None

    def _check_variables(self) -> None:
        """Every variable at its bounds (and every listed value) gives a valid scenario on its own."""
        from infosim.errors import ScenarioError
        from infosim.scenario import apply_overrides

        for key, var in self.spec.variables.items():
            if var.kind not in ("values", "range"):
                continue
            tried = var.values if var.values is not None else list(var.param().from_unit(np.array([0.0, 1.0])))
            for value in tried:
                try:
                    apply_overrides(self.base, {key: value})
                except ScenarioError as exc:
                    raise SpecError(f'{self.label}: key variables."{key}": {value!r} does not give a valid scenario '
                                    f"from {self.base.name!r}: {exc.one_line()}") from None

    def _check_horizon(self) -> None:
        from infosim.calendar import month_label

        if self.spec.horizon == "end":
            return
        for sc in (self.base, self.baseline):
            months = self.spec.months or sc.run.months
            last = month_label(months - 1, sc.run.start)
            if last < self.spec.horizon:
                raise SpecError(f"{self.label}: key months: runs of {sc.name!r} end {last}, before the horizon "
                                f"{self.spec.horizon}; raise months")

    # ------------------------------------------------------------------ runs
    @property
    def reference_name(self) -> str:
        """The reference policy's name (the base scenario as it is)."""
        return self.base.name

    @property
    def runs_per_candidate(self) -> int:
        """Runs one candidate takes: draws x seeds."""
        return self.spec.draws * self.spec.replicates

    def max_runs(self) -> int:
        """Runs of the whole search at most (duplicates and invalid candidates take none)."""
        a = self.spec.algorithm
        return self.runs_per_candidate * (2 + a.population * a.generations)

    def outputs(self, timed: bool = True) -> list[str]:
        """What each run keeps: what the objectives read (and the run's CPU time when `timed`)."""
        return needed_outputs(o.metric for o in self.spec.objectives) + ([CPU_KEY] if timed else [])

    def experiment(self, name: str, scenarios: dict[str, Scenario], ensemble: Ensemble, seed: int | None = None,
                   replicates: int | None = None, timed: bool = True) -> EnsembleExperiment:
        """An ensemble experiment of these scenarios at the spec's scale."""
        s = self.spec
        refs = {n: (self.baseline_ref if n == self.baseline.name else self.base_ref) for n in scenarios}
        return EnsembleExperiment(name, scenarios, ensemble, replicates=replicates or s.replicates,
                                  seed=s.seed if seed is None else seed, households=s.households, months=s.months,
                                  outputs=self.outputs(timed), refs=refs, description=s.description)

    def describe(self) -> str:
        """What the search runs, in a few lines."""
        s, a = self.spec, self.spec.algorithm
        dirs = ""
        if s.algorithm_name == "nsga3":
            from infosim.optimise.search import n_reference_directions

            dirs = f" ({n_reference_directions(s)} reference directions)"
        budget = f", budget {self.total_yuan / 1e9:.3g} bn yuan ({s.budget.spend})" if self.total_yuan else ""
        lines = [
            f"optimise {s.name!r}: {len(s.variables)} decision variable(s){budget}, {len(s.objectives)} "
            f"objective(s), {s.algorithm_name.upper()}{dirs}: {a.population} candidates x {a.generations} "
            "generation(s)",
            f"  each candidate: {s.draws} {s.ensemble} draw(s) x {s.replicates} seed(s) = {self.runs_per_candidate} "
            f"runs of {self.base.name!r} variants, paired with {self.baseline.name!r} on the same draws and seeds; "
            f"{s.households or 'scenario'} households, {s.months or 'scenario'} months, horizon {s.horizon}, "
            f"seed {s.seed}",
            f"  at most {self.max_runs():,} runs (baseline and reference {2 * self.runs_per_candidate}; duplicates are "
            "never run twice)",
        ]
        for key, var in s.variables.items():
            bound = var.values if var.values is not None else (var.range or var.share or var.shift_months)
            lines.append(f"  variable  {variable_label(key, var)}: {var.kind} {bound}")
        for o in s.objectives:
            lines.append(f"  objective {o.direction} {o.metric}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------------
#: Time the parent and workers spend per run outside the model (serialising, writing, reading back).
STORE_OVERHEAD_S = 0.08


def time_one_run(plan: OptimisationPlan) -> float:
    """Mean seconds of one run of the base and the baseline at the spec's scale, measured now."""
    from infosim.run import run_scenario

    s = plan.spec
    run_scenario(plan.baseline, 0, households=200, months=1)  # warm up (imports, caches)
    took = []
    for sc in (plan.base, plan.baseline):
        t0 = time.perf_counter()
        run_scenario(sc, 0, households=s.households, months=s.months)
        took.append(time.perf_counter() - t0)
    return sum(took) / len(took) + STORE_OVERHEAD_S


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def cost_line(runs: int, per_run: float, workers: int) -> str:
    """One line: runs x seconds / workers ~ wall time."""
    return (f"estimate: at most {runs:,} runs x {per_run:.2f} s / {workers} worker(s) ~ "
            f"{_duration(runs * per_run / max(workers, 1))}")


def load_note(workers: int) -> str:
    """A line on the machine's load: estimates assume the workers get whole cores."""
    import os

    from infosim.experiments.executors import available_cores

    load, cores = os.getloadavg()[0], available_cores()
    if load / cores <= 1.0:
        return f"(load average {load:.1f} on {cores} cores: the estimate should hold)"
    return (f"(load average {load:.1f} on {cores} cores: other work shares the machine, runs may take up to "
            f"{load / cores:.1f}x longer than estimated)")


def _workers(executor: Any, workers: int | None) -> int:
    from infosim.experiments.executors import available_cores

    if not isinstance(executor, str):
        return int(getattr(executor, "workers", 1))
    return 1 if executor == "serial" else (workers or available_cores())


def _cpu_seconds() -> float:
    """CPU seconds of this process and the children it has reaped (not the pool's workers, which
    belong to the forkserver: their time is in each run's ``duration_s``)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# --------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------
class Optimisation:
    """One optimisation folder: runs the baseline, the search, and writes its tables."""

    def __init__(self, plan: OptimisationPlan, out: Path, *, executor: Any = "processes", workers: int | None = None,
                 scheduler: str | None = None, progress: bool | None = None, run_function: Any = None,
                 log: Log = _stderr):
        """Open (not yet create) the folder `out` for `plan`; `run_function` replaces the model run
        (a picklable function called like :func:`infosim.run.run_scenario`; for tests)."""
        self.plan, self.spec, self.out, self.log = plan, plan.spec, Path(out), log
        self.exec = {"executor": executor, "workers": workers, "scheduler": scheduler, "progress": progress,
                     "run_function": run_function}
        self.ensemble = make_ensemble(self.spec, plan.source)
        self.meta: dict[str, Any] = {}
        self.archive: dict[str, Record] = {}
        self.values = pd.DataFrame()
        self.history: list[dict[str, Any]] = []
        self._baseline_data: Any = None

    # ------------------------------------------------------------------ folder
    def definition(self) -> dict[str, Any]:
        """What determines the search (its hash guards --resume)."""
        fn = self.exec["run_function"]
        return {
            "spec": self.spec.model_dump(mode="json"),
            "base": self.plan.base.model_dump(mode="json"),
            "baseline": self.plan.baseline.model_dump(mode="json"),
            "reference": self.plan.reference.model_dump(mode="json"),
            "total_yuan": self.plan.total_yuan,
            "ensemble": {"source": self.ensemble.source, "keys": self.ensemble.keys, "points": self.ensemble.points,
                         "info": {k: v for k, v in self.ensemble.info.items() if k != "file"}},
            "run_function": None if fn is None else
            f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', fn)}",
        }

    def prepare(self, *, resume: bool, overwrite: bool) -> None:
        """Create the folder, check it holds this search (resume), or clear it (overwrite)."""
        definition = self.definition()
        sha = sha256_json(definition)
        path = self.out / META_FILE
        if resume and overwrite:
            raise StoreError("--resume keeps the runs in the folder and --overwrite deletes them: choose one")
        if path.is_file() and not overwrite:
            old = json.loads(path.read_text())
            if not resume:
                raise StoreError(f"{self.out} already holds an optimisation; pass --resume to continue it, "
                                 "--overwrite to start again, or --out DIR")
            if old.get("definition_sha256") != sha:
                raise StoreError(f"{self.out} holds another optimisation (its spec, scenarios or ensemble differ); "
                                 "use --out DIR or --overwrite")
            self.meta = old
            self._load_archive()
            return
        if overwrite:
            self.clear()
        if self.out.is_dir() and any(p for p in self.out.iterdir() if not p.name.startswith(".")):
            raise StoreError(f"{self.out} is not empty; choose another --out")
        self.out.mkdir(parents=True, exist_ok=True)
        from infosim.experiments import provenance

        refs = {self.plan.base.name: self.plan.base_ref, self.plan.baseline.name: self.plan.baseline_ref}
        self.meta = {"name": self.spec.name, "definition_sha256": sha, "definition": definition,
                     "describe": self.plan.describe(), "columns": self.plan.columns, "sessions": [],
                     "generations_done": 0, "status": "running",
                     "provenance": provenance.collect(refs, self.plan.source)}
        self.save_meta()
        atomic_write_parquet(self.out / "ensemble.parquet", self.ensemble.table())

    def clear(self) -> None:
        """Delete what this module writes in the folder (nothing else)."""
        if not self.out.is_dir():
            return
        ours = {META_FILE, RUNS, "ensemble.parquet", "candidates.parquet", "values.parquet", "history.parquet",
                "pareto.parquet", "pareto.csv", "pareto.md", "comparison.parquet", "robustness.parquet", "figures",
                "recheck", "reference.parquet"}
        for p in self.out.iterdir():
            if p.name in ours:
                shutil.rmtree(p) if p.is_dir() else p.unlink()

    def save_meta(self) -> None:
        """Write optimisation.json atomically."""
        atomic_write_json(self.out / META_FILE, self.meta)

    # ------------------------------------------------------------------ archive
    def _load_archive(self) -> None:
        """Read back the candidates evaluated in earlier sessions."""
        path = self.out / "candidates.parquet"
        if not path.is_file():
            return
        table = pd.read_parquet(path)
        for row in table.itertuples(index=False):
            values = json.loads(row.settings)
            cand = self.plan.space.candidate(values)
            if cand.key != row.key:
                raise StoreError(f"{path}: candidate {row.candidate} no longer gives the scenario it was evaluated as "
                                 "(the model's schema changed?); use --overwrite")
            self.archive[row.key] = Record(row.key, row.candidate, int(row.generation), cand)
        vpath = self.out / "values.parquet"
        self.values = pd.read_parquet(vpath) if vpath.is_file() else pd.DataFrame()
        hpath = self.out / "history.parquet"
        self.history = pd.read_parquet(hpath).to_dict("records") if hpath.is_file() else []

    def _save_archive(self) -> None:
        rows = []
        for rec in self.archive.values():
            c = rec.candidate
            row: dict[str, Any] = {"candidate": rec.name, "generation": rec.generation, "key": rec.key,
                                   "valid": c.valid, "error": c.error, "share_sum": c.share_sum,
                                   "settings": json.dumps(c.values, sort_keys=True)}
            for key, col in self.plan.columns.items():
                v = c.values.get(key)
                row[col] = json.dumps(v) if isinstance(v, list | dict) else v
            rows.append(row)
        atomic_write_parquet(self.out / "candidates.parquet", pd.DataFrame(rows))
        if len(self.values):
            atomic_write_parquet(self.out / "values.parquet", self.values)
        atomic_write_parquet(self.out / "history.parquet", pd.DataFrame(self.history))

    # ------------------------------------------------------------------ evaluation
    def _run(self, folder: str, scenarios: dict[str, Scenario]) -> Any:
        e = self.exec
        timed = e["run_function"] is None
        exp = self.plan.experiment(f"{self.spec.name}-{folder}", scenarios, self.ensemble, timed=timed)
        return run_ensemble(exp, self.out / RUNS / folder, executor=e["executor"], workers=e["workers"],
                            scheduler=e["scheduler"], progress=e["progress"],
                            run_function=timed_run if timed else e["run_function"])

    def run_baseline(self) -> None:
        """The baseline and the reference (the base policy as it is) on every draw and seed."""
        t0 = time.perf_counter()
        plan = self.plan
        report = self._run("baseline", {plan.baseline.name: plan.baseline, plan.reference_name: plan.reference})
        self._baseline_data = combine(self.out / RUNS / "baseline")
        self.meta["baseline_run_cpu_s"] = round(cpu_seconds(self._baseline_data), 2)
        ref = objective_values(self._baseline_data, [g.metric for g in plan.goals], [plan.reference_name],
                               plan.baseline.name, self.spec.horizon)
        self.reference_values = ref
        atomic_write_parquet(self.out / "reference.parquet", ref)
        self.log(f"baseline and reference ({plan.reference_name}): {report.done} run(s), {report.skipped} already "
                 f"done, in {time.perf_counter() - t0:.0f} s")

    def evaluate(self, gen: int, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Objectives (minimised) and constraints of a generation's population."""
        t0, c0 = time.perf_counter(), _cpu_seconds()
        space = self.plan.space
        cands = [space.candidate(space.decode(x)) for x in X]
        earlier = {k for k, r in self.archive.items() if r.generation < gen}
        n_valid_earlier = sum(1 for r in self.archive.values() if r.generation < gen and r.candidate.valid)
        new: dict[str, Candidate] = {}
        for c in cands:
            if c.key not in earlier:
                new.setdefault(c.key, c)
        fresh = [c for c in new.values() if c.valid]
        names = {}
        for i, c in enumerate(fresh):
            known = self.archive.get(c.key)
            names[c.key] = known.name if known is not None else candidate_name(n_valid_earlier + i)
        runs, run_s, run_cpu = 0, 0.0, 0.0
        evaluated = all(k in self.archive for k in new)
        if fresh and not evaluated:
            scenarios = {names[c.key]: c.scenario.model_copy(update={"name": names[c.key]}) for c in fresh}
            report = self._run(f"gen-{gen:03d}", scenarios)  # type: ignore[union-attr]
            runs, run_s = report.done, _run_seconds(self.out / RUNS / f"gen-{gen:03d}")
            gen_data = combine(self.out / RUNS / f"gen-{gen:03d}")
            run_cpu = cpu_seconds(gen_data)
            data = combine(self._baseline_data, gen_data)
            vals = objective_values(data, [g.metric for g in self.plan.goals], list(scenarios),
                                    self.plan.baseline.name, self.spec.horizon)
            self.values = pd.concat([self.values, vals], ignore_index=True) if len(self.values) else vals
        for c in new.values():
            if c.key not in self.archive:
                self.archive[c.key] = Record(c.key, names.get(c.key, ""), gen, c)
        F, G = self._objectives(cands)
        if not evaluated or not any(h.get("generation") == gen for h in self.history):
            self._record_generation(gen, cands, new, fresh, runs, (run_s, run_cpu), time.perf_counter() - t0,
                                    _cpu_seconds() - c0)
        return F, G

    def _stats(self) -> pd.DataFrame:
        """Per candidate and objective: the statistic the search optimises (NaN if undefined)."""
        v = self.values
        pct = self.spec.robustness.percentile
        rows = []
        for (cand, obj), part in v.groupby(["candidate", "objective"], sort=False):
            x = part["value"].to_numpy(dtype=float)
            goal = next(g for g in self.plan.goals if g.metric == obj)
            if not np.isfinite(x).all():
                stat = np.nan
            elif self.spec.robustness.optimise == "mean":
                stat = float(np.mean(x))
            else:
                stat = float(np.percentile(x, pct if goal.direction == "max" else 100 - pct))
            rows.append({"candidate": cand, "objective": obj, "stat": stat})
        return pd.DataFrame(rows)

    def _objectives(self, cands: list[Candidate]) -> tuple[np.ndarray, np.ndarray]:
        m = len(self.plan.goals)
        stats = self._stats().pivot(index="candidate", columns="objective", values="stat") if len(self.values) else None
        F = np.zeros((len(cands), m))
        G = np.zeros((len(cands), 2))
        for i, c in enumerate(cands):
            G[i, 0] = c.share_sum - 1.0 - 1e-9 if self.plan.space.share_keys else -1.0
            rec = self.archive.get(c.key)
            row = None
            if c.valid and rec is not None and stats is not None and rec.name in stats.index:
                row = stats.loc[rec.name, [g.metric for g in self.plan.goals]].to_numpy(dtype=float)
            if row is None or not np.isfinite(row).all():
                G[i, 1] = 1.0
                continue
            G[i, 1] = -1.0
            F[i] = [-g.sign * v for g, v in zip(self.plan.goals, row, strict=True)]
        return F, G

    def _record_generation(self, gen: int, cands: list[Candidate], new: dict[str, Candidate], fresh: list[Candidate],
                           runs: int, run_time: tuple[float, float], wall: float, cpu: float) -> None:
        from infosim.optimise.robust import non_dominated

        stats = self._stats()
        front = 0
        best: dict[str, float] = {}
        if len(stats):
            w = stats.pivot(index="candidate", columns="objective", values="stat")[[g.metric for g in self.plan.goals]]
            w = w[np.isfinite(w.to_numpy()).all(axis=1)]
            signs = np.array([g.sign for g in self.plan.goals])
            front = int(non_dominated(-signs * w.to_numpy(dtype=float)).sum()) if len(w) else 0
            for g in self.plan.goals:
                col = w[g.metric]
                best[g.metric] = float(col.max() if g.direction == "max" else col.min()) if len(col) else np.nan
        row = {"generation": gen, "population": len(cands), "new": len(fresh),
               "seen_before": len(cands) - len(new), "invalid": sum(1 for c in new.values() if not c.valid),
               "runs": runs, "run_s": round(run_time[0], 2), "run_cpu_s": round(run_time[1], 2),
               "wall_s": round(wall, 2),
               "parent_cpu_s": round(cpu, 2),
               "evaluated": len(
                   [r for r in self.archive.values() if r.candidate.valid]), "front": front,
               **{f"best_{k}": v for k, v in best.items()}}
        self.history = [h for h in self.history if h.get("generation") != gen] + [row]
        self._save_archive()
        self.meta["generations_done"] = gen + 1
        self.save_meta()
        shown = ", ".join(f"{k} {_fmt(k, v)}" for k, v in best.items())
        self.log(f"generation {gen + 1}/{self.spec.algorithm.generations}: {len(fresh)} new candidate(s), "
                 f"{row['seen_before']} seen before, {row['invalid']} invalid, {runs} runs in {wall:.0f} s; front "
                 f"{front}; best ({self.spec.robustness.optimise}) {shown}")


def _fmt(metric: str, value: float) -> str:
    from infosim.analysis.policy_effects import METRIC_BY_NAME

    m = METRIC_BY_NAME[metric]
    if not np.isfinite(value):
        return "–"
    if m.scale != 1.0:
        return f"{value / m.scale:.3g} {m.scale_label}"
    return f"{value:.3g}"


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------
def _load(spec: OptimiseSpec | str | Path, source: str | Path | None) -> tuple[OptimiseSpec, Path | None]:
    if isinstance(spec, OptimiseSpec):
        return spec, Path(source) if source is not None else None
    return load_optimise_spec(spec), Path(spec)


def estimate_optimisation(spec: OptimiseSpec | str | Path, *, source: str | Path | None = None,
                          workers: int = 1) -> str:
    """The plan and its expected cost (timing one run of the base and the baseline now)."""
    spec, source = _load(spec, source)
    plan = OptimisationPlan(spec, source)
    make_ensemble(spec, plan.source)  # a missing posterior fails here, before anything runs
    per_run = time_one_run(plan)
    return "\n".join([plan.describe(), cost_line(plan.max_runs(), per_run, workers), load_note(workers)])


def optimise(
    spec: OptimiseSpec | str | Path,
    out: str | Path | None = None,
    *,
    executor: str | Any = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    estimate_cost: bool = True,
    scenarios_out: str | Path | None = None,
    source: str | Path | None = None,
    run_function: Any = None,
    log: Log = _stderr,
) -> Path:
    """Run a robust multi-objective policy search and write its results.

    Args:
        spec: an :class:`OptimiseSpec` or the path of its TOML file.
        out: the results folder (default ``results/<name>``).
        executor: ``serial``, ``processes`` (default), ``dask``, or an Executor.
        workers: worker processes (default: all cores).
        scheduler: Dask scheduler address.
        resume: continue the search in `out` (evaluated candidates and finished runs are kept).
        overwrite: delete the search in `out` first.
        progress: progress bars (None: on a terminal).
        estimate_cost: time one run first and print the expected cost.
        scenarios_out: where chosen policies are written as scenario files (default: the spec's
            ``write_back.folder``).
        source: the spec's file when `spec` is a parsed spec (relative paths are read from its folder).
        run_function: replaces the model run (picklable, called like :func:`infosim.run.run_scenario`;
            for tests); no cost estimate then.
        log: where progress lines go (default stderr).

    Returns:
        The results folder (open it with :func:`~infosim.optimise.load_optimisation`).

    Raises:
        SpecError: a bad spec or a missing posterior. StoreError: `out` holds something else, or runs failed.
    """
    from infosim.optimise.outputs import write_outputs
    from infosim.optimise.search import run_search

    spec, source = _load(spec, source)
    plan = OptimisationPlan(spec, source)
    folder = Path(out) if out is not None else Path("results") / spec.name
    opt = Optimisation(plan, folder, executor=executor, workers=workers, scheduler=scheduler, progress=progress,
                       run_function=run_function, log=log)
    opt.prepare(resume=resume, overwrite=overwrite)
    log(plan.describe())
    n_workers = _workers(executor, workers)
    t0, c0 = time.perf_counter(), _cpu_seconds()
    session: dict[str, Any] = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "workers": n_workers,
                               "command": " ".join(sys.argv), "load_average_start": round(_load_average(), 2)}
    if estimate_cost and run_function is None:
        per_run = time_one_run(plan)
        log(cost_line(plan.max_runs(), per_run, n_workers))
        log(load_note(n_workers))
        opt.meta["estimate"] = {"seconds_per_run": round(per_run, 3), "workers": n_workers, "max_runs": plan.max_runs(),
                                "wall_s": round(plan.max_runs() * per_run / n_workers)}
    opt.meta["sessions"].append(session)
    opt.meta["status"] = "running"
    opt.save_meta()
    opt.run_baseline()
    run_search(spec, plan.space, opt.evaluate)
    write_outputs(opt, scenarios_out)
    run_s = sum(_run_seconds(p) for p in sorted((folder / RUNS).glob("*")))
    cpu = opt.meta.get("baseline_run_cpu_s", 0.0) + sum(float(h.get("run_cpu_s", 0.0) or 0.0) for h in opt.history)
    session.update(finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), wall_s=round(time.perf_counter() - t0, 1),
                   parent_cpu_s=round(_cpu_seconds() - c0, 1), run_s_all_sessions=round(run_s, 1),
                   run_cpu_s_all_sessions=round(cpu, 1), load_average_end=round(_load_average(), 2))
    opt.meta["status"] = "done"
    opt.save_meta()
    log(f"done in {_duration(session['wall_s'])} (runs: {_duration(run_s)} in their workers, {_duration(cpu)} of CPU; "
        f"this process: {_duration(session['parent_cpu_s'])} of CPU): {folder}")
    return folder


def _run_seconds(folder: Path) -> float:
    """Seconds the runs of an experiment folder took in their workers (sum of ``duration_s``)."""
    path = folder / "manifest.parquet"
    if not path.is_file():
        return 0.0
    m = pd.read_parquet(path, columns=["status", "duration_s"])
    return float(m.loc[m["status"] == "done", "duration_s"].sum())


def _load_average() -> float:
    import os

    return os.getloadavg()[0]
