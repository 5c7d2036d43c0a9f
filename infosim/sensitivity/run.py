"""Run a two-stage sensitivity analysis: Morris screening, then Sobol' on what matters.

Each stage is an ordinary experiment in the results store (any executor, resumable, with
progress); this module runs them, turns the stored runs into the outcomes' values per design
point and replicate, and writes the tables under ``<out>/tables``::

    results/<name>/
      sensitivity.json     spec, parameters and ranges, outcomes, selection, blocks, sessions
      morris/              stage 1 (an experiment folder, as written by `infosim sweep`)
      sobol-<scenario>/    stage 2, one experiment per block
      tables/              morris, selection, sobol, sobol2, convergence, noise, values-*.parquet

Kill it at any time; the same command with ``--resume`` continues without recomputing a run.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.experiments.experiment import sha256_json
from infosim.experiments.runner import ExperimentReport, run_experiment
from infosim.experiments.store import StoreError, atomic_write_json, atomic_write_parquet
from infosim.sensitivity.plan import Block, OutcomeDef, SensitivityPlan, estimate, time_one_run
from infosim.sensitivity.spec import SensitivitySpec, load_sensitivity_spec
from infosim.sensitivity.stats import (
    convergence_status,
    morris_convergence,
    seed_noise,
    select_parameters,
    sobol_convergence,
)

META_FILE = "sensitivity.json"
TABLES = "tables"
STAGES = ("morris", "sobol")

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Outcome values from a stored stage
# --------------------------------------------------------------------------------------------
def outcome_values(folder: Path, outcomes: Sequence[OutcomeDef], horizon: str) -> pd.DataFrame:
    """Each outcome per design point and replicate, from an experiment folder.

    Returns:
        ``outcome, kind, point, replicate, numerator, denominator, value`` (paired
        differences for metrics, the level for levels).
    """
    from infosim.analysis.data import comparison_data
    from infosim.analysis.effects import horizon_values
    from infosim.analysis.policy_effects import metric_values
    from infosim.experiments.results import load_results
    from infosim.outcomes import BY_NAME

    data = comparison_data(load_results(folder))
    parts = []
    metrics = [o for o in outcomes if o.metric is not None]
    if metrics:
        mv = metric_values(data, [o.metric for o in metrics], horizon=horizon)
        ids = {(o.metric.name, o.metric.scenario): (o.id, o.kind) for o in metrics}
        keys = list(zip(mv["metric"], mv["scenario"], strict=True))
        mv["outcome"] = [ids[k][0] for k in keys]
        mv["kind"] = [ids[k][1] for k in keys]
        parts.append(mv)
    for o in (o for o in outcomes if o.metric is None):
        hv = horizon_values(data, [BY_NAME[o.outcome or ""]], [horizon], strict=horizon != "end")
        hv = hv[hv["scenario"] == o.scenario]
        parts.append(hv.assign(outcome=o.id, kind="level", numerator=hv["value"], denominator=np.nan))
    cols = ["outcome", "kind", "point", "replicate", "numerator", "denominator", "value"]
    out = pd.concat([p[cols] for p in parts], ignore_index=True)
    return out.astype({"point": "int64", "replicate": "int64"})


def point_values(values: pd.DataFrame, n_points: int) -> dict[str, np.ndarray]:
    """Each outcome's value at every design point 0..n_points-1 (NaN where no run finished):
    the mean over replicates, or the ratio of the replicate means for ratios and shares."""
    out = {}
    for oid, part in values.groupby("outcome", sort=False):
        g = part.groupby("point")
        num, den = g["numerator"].mean(), g["denominator"].mean()
        kind = str(part["kind"].iloc[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            est = num if kind in ("difference", "level") else num / den.where(den != 0)
        out[str(oid)] = est.reindex(range(n_points)).to_numpy(dtype=float)
    return out


def noise_rows(values: pd.DataFrame, **ids: Any) -> list[dict[str, Any]]:
    """:func:`seed_noise` of every outcome, with `ids` columns."""
    return [{**ids, "outcome": oid, **seed_noise(part)} for oid, part in values.groupby("outcome", sort=False)]


def distribution_rows(points: dict[str, np.ndarray], **ids: Any) -> list[dict[str, Any]]:
    """Spread of each outcome over the design points: mean and 5/50/95th percentiles."""
    rows = []
    for oid, y in points.items():
        y = y[np.isfinite(y)]
        q = np.percentile(y, [5, 50, 95]) if len(y) else [np.nan] * 3
        rows.append({**ids, "outcome": oid, "points": len(y), "mean": float(np.mean(y)) if len(y) else np.nan,
                     "p5": q[0], "p50": q[1], "p95": q[2]})
    return rows


# --------------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------------
class SensitivityRun:
    """One analysis folder: runs its stages and writes its tables."""

    def __init__(self, plan: SensitivityPlan, out: Path, log: Log = _stderr, run_function: Any = None):
        """Open (not yet create) the analysis folder `out` for `plan`; `run_function` replaces the
        model run (as in :func:`~infosim.experiments.run_experiment`, e.g. a toy for tests)."""
        self.plan, self.out, self.log = plan, Path(out), log
        self.run_function = run_function
        self.spec: SensitivitySpec = plan.spec
        self.tables = self.out / TABLES
        self.meta: dict[str, Any] = {}

    # ------------------------------------------------------------------ folder
    def definition(self) -> dict[str, Any]:
        """What determines the analysis (its hash guards --resume)."""
        return {
            "spec": self.spec.model_dump(mode="json"),
            "parameters": {k: self.plan.ranges[k].to_json() for k in self.plan.parameters},
            "outcomes": [{"id": o.id, "label": o.label, "unit": o.unit, "kind": o.kind, "scenario": o.scenario,
                          "scenarios": list(o.scenarios),
                          "how": o.metric.how if o.metric is not None else f"level of {o.outcome} at the horizon"}
                         for o in self.plan.outcomes],
            "scenarios": self.plan.scenarios,
        }

    def prepare(self, *, resume: bool, overwrite: bool) -> None:
        """Create the folder, or check it holds this analysis (resume), or clear it (overwrite)."""
        definition = self.definition()
        sha = sha256_json(definition)
        meta_path = self.out / META_FILE
        if meta_path.is_file() and not overwrite:
            old = json.loads(meta_path.read_text())
            if not resume:
                raise StoreError(f"{self.out} already holds a sensitivity analysis; pass --resume to continue it, "
                                 "--overwrite to start again, or --out DIR")
            if old.get("definition_sha256") != sha:
                # Each stage's experiment folder still refuses runs of another plan, so a changed
                # selection rule reuses the Morris runs while changed runs are never mixed in.
                self.log(f"{self.out}: the spec changed since the last session; stages whose runs are "
                         "unchanged are reused")
                old.update(definition_sha256=sha, definition=definition, describe=self.plan.describe())
            self.meta = old
            self.save_meta()
            return
        if overwrite:
            self.clear()
        elif self.out.exists() and any(self.out.iterdir()):
            raise StoreError(f"{self.out} is not empty and holds no sensitivity analysis; choose another --out")
        self.out.mkdir(parents=True, exist_ok=True)
        self.meta = {"name": self.spec.name, "definition_sha256": sha, "definition": definition,
                     "describe": self.plan.describe(), "sessions": [], "stages": {}}
        self.save_meta()

    def clear(self) -> None:
        """Delete what this module writes in the folder (nothing else)."""
        if not self.out.is_dir():
            return
        for p in self.out.iterdir():
            if p.name in (META_FILE, TABLES, "morris") or p.name.startswith("sobol-"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()

    def save_meta(self) -> None:
        """Write sensitivity.json atomically."""
        atomic_write_json(self.out / META_FILE, self.meta)

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Write ``tables/<name>.parquet`` atomically."""
        self.tables.mkdir(parents=True, exist_ok=True)
        atomic_write_parquet(self.tables / f"{name}.parquet", frame)

    # ------------------------------------------------------------------ stages
    def run_stage(self, exp: Any, folder: str, executor: Any, progress: bool | None,
                  workers: int | None, scheduler: str | None) -> ExperimentReport:
        """Run (or resume) one stage's experiment; raise if any run failed."""
        self.log(f"{folder}: {exp.describe().splitlines()[0]}")
        t0 = time.perf_counter()
        try:
            report = run_experiment(exp, self.out / folder, executor=executor, workers=workers, scheduler=scheduler,
                                    resume=True, progress=progress, run_function=self.run_function)
        except KeyboardInterrupt:
            # An interrupted session's wall time still counts in the analysis's cost.
            self.meta["sessions"].append({"stage": folder, "interrupted": True,
                                          "elapsed_s": round(time.perf_counter() - t0, 1),
                                          "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
            self.save_meta()
            raise
        self.log(report.summary_line())
        self.meta["sessions"].append({"stage": folder, "done": report.done, "skipped": report.skipped,
                                      "failed": report.failed, "elapsed_s": round(report.elapsed_s, 1),
                                      "executor": report.executor,
                                      "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        self.save_meta()
        if not report.ok:
            shown = "; ".join(f"{r}: {e}" for r, e in report.failures[:3])
            raise StoreError(f"{folder}: {report.total - report.done - report.skipped} run(s) did not finish "
                             f"({shown}); the indices need every point — rerun with --resume")
        return report

    def values(self, folder: str, outcomes: Sequence[OutcomeDef]) -> pd.DataFrame:
        """The stage's outcome values (cached in ``tables/values-<folder>.parquet``)."""
        exp_meta = json.loads((self.out / folder / "experiment.json").read_text())
        key = {"plan": exp_meta["plan_sha256"], "outcomes": [o.id for o in outcomes], "horizon": self.spec.horizon}
        cache = self.tables / f"values-{folder}.parquet"
        if cache.is_file() and self.meta.get("values", {}).get(folder) == key:
            return pd.read_parquet(cache)
        t0 = time.perf_counter()
        values = outcome_values(self.out / folder, outcomes, self.spec.horizon)
        self.write_table(f"values-{folder}", values)
        self.meta.setdefault("values", {})[folder] = key
        self.save_meta()
        self.log(f"{folder}: read {values['point'].nunique()} points x {values['replicate'].nunique()} replicates "
                 f"in {time.perf_counter() - t0:.0f} s")
        return values

    def morris(self, executor: Any, progress: bool | None, workers: int | None,
               scheduler: str | None) -> tuple[dict[str, list[str]], dict[str, dict[str, float]]]:
        """Stage 1: run, analyse, select. Returns the selection and normalised mu* per outcome."""
        exp = self.plan.morris_experiment()
        self.run_stage(exp, "morris", executor, progress, workers, scheduler)
        values = self.values("morris", self.plan.outcomes)
        design = pd.read_parquet(self.out / "morris" / "design.parquet").sort_values("point")
        x = design[[f"unit:{k}" for k in self.plan.parameters]].to_numpy(dtype=float)
        points = point_values(values, len(design))
        opts = self.spec.morris
        tables, selected, importance = [], {}, {}
        for o in self.plan.outcomes:
            t = morris_convergence(x, points[o.id], self.plan.parameters, levels=opts.levels,
                                   num_resamples=self.spec.sobol.bootstrap, conf_level=self.spec.confidence,
                                   seed=self.spec.seed)
            full = t[t["fraction"] == 1.0]
            keys = select_parameters(full, share=opts.select_share)
            selected[o.id] = keys
            importance[o.id] = dict(zip(full["key"], full["mu_star_norm"].fillna(0.0), strict=True))
            tables.append(t.assign(outcome=o.id, selected=t["key"].isin(keys) & (t["fraction"] == 1.0)))
        self.write_table("morris", pd.concat(tables, ignore_index=True))
        noise = noise_rows(values, stage="morris", block="all")
        spread = distribution_rows(points, stage="morris", block="all")
        self._merge_table("noise", pd.DataFrame(noise), "stage", "morris")
        self._merge_table("spread", pd.DataFrame(spread), "stage", "morris")
        self.meta["stages"]["morris"] = {"runs": exp.n_runs, "points": len(design), "selected": selected}
        self.save_meta()
        return selected, importance

    def _merge_table(self, name: str, frame: pd.DataFrame, column: str, value: str) -> None:
        """Replace the rows of `name` whose `column` is `value` with `frame`."""
        path = self.tables / f"{name}.parquet"
        old = pd.read_parquet(path) if path.is_file() else pd.DataFrame(columns=frame.columns)
        old = old[old[column] != value] if column in old else old
        self.write_table(name, pd.concat([old, frame], ignore_index=True) if len(old) else frame)

    def sobol_block(self, block: Block, executor: Any, progress: bool | None, workers: int | None,
                    scheduler: str | None) -> None:
        """Stage 2 for one block: run, Sobol' indices at N/4, N/2, N, convergence, noise."""
        exp = self.plan.sobol_experiment(block)
        self.run_stage(exp, block.folder, executor, progress, workers, scheduler)
        mine = [o for o in self.plan.outcomes if o.id in block.outcomes]
        values = self.values(block.folder, mine)
        n_points = len(pd.read_parquet(self.out / block.folder / "design.parquet"))
        points = point_values(values, n_points)
        opts = self.spec.sobol
        firsts, seconds, status = [], [], []
        for o in mine:
            first, second = sobol_convergence(points[o.id], list(block.parameters), second_order=block.second_order,
                                              num_resamples=opts.bootstrap, conf_level=self.spec.confidence,
                                              seed=self.spec.seed)
            firsts.append(first.assign(block=block.name, outcome=o.id))
            seconds.append(second.assign(block=block.name, outcome=o.id))
            status.append(convergence_status(first, opts.tolerance).assign(block=block.name, outcome=o.id))
        self._merge_table("sobol", pd.concat(firsts, ignore_index=True), "block", block.name)
        if any(len(s) for s in seconds):
            self._merge_table("sobol2", pd.concat(seconds, ignore_index=True), "block", block.name)
        self._merge_table("convergence", pd.concat(status, ignore_index=True), "block", block.name)
        self._merge_table("noise", pd.DataFrame(noise_rows(values, stage="sobol", block=block.name)), "block",
                          block.name)
        self._merge_table("spread", pd.DataFrame(distribution_rows(points, stage="sobol", block=block.name)),
                          "block", block.name)
        conv = pd.concat(status, ignore_index=True)
        self.meta["stages"].setdefault("sobol", {})[block.name] = {
            "runs": exp.n_runs, "points": n_points, "parameters": list(block.parameters),
            "dropped": list(block.dropped), "second_order": block.second_order,
            "converged": bool(conv["converged"].all()),
        }
        self.save_meta()
        bad = conv[~conv["converged"]]
        note = "all indices converged" if bad.empty else (
            f"NOT converged: {len(bad)} of {len(conv)} indices (e.g. {bad.iloc[0]['outcome']} "
            f"{bad.iloc[0]['index']}({bad.iloc[0]['key']}) = {bad.iloc[0]['value']:.3f} ± {bad.iloc[0]['conf']:.3f}, "
            f"moved {bad.iloc[0]['change']:.3f} since N/2)")
        self.log(f"{block.folder}: {note}")


def run_sensitivity(
    spec: SensitivitySpec | str | Path,
    out: str | Path | None = None,
    *,
    executor: str | Any = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    stages: Sequence[str] = STAGES,
    estimate_cost: bool = True,
    source: str | Path | None = None,
    run_function: Any = None,
    log: Log = _stderr,
) -> Path:
    """Run a sensitivity analysis (Morris screening, then Sobol' per block) and write its tables.

    Args:
        spec: a :class:`SensitivitySpec` or the path of its TOML file.
        out: the analysis folder (default ``results/<name>``).
        executor: ``serial``, ``processes`` (default), ``dask``, or an Executor.
        workers: worker processes (default: all cores).
        scheduler: Dask scheduler address.
        resume: continue the analysis in `out` (finished runs are kept).
        overwrite: delete the analysis in `out` first.
        progress: progress bars (None: on a terminal).
        stages: ``("morris",)`` stops after screening; ``("morris", "sobol")`` runs both.
        estimate_cost: time one run per scenario first and print the expected cost.
        source: the spec's file when `spec` is a parsed spec (scenario paths are read from its
            folder; the docs name it).
        run_function: replaces the model run (a picklable function called like
            :func:`infosim.run.run_scenario`; for tests); no cost estimate then.
        log: where progress lines go (default stderr).

    Returns:
        The analysis folder (open it with :func:`load_sensitivity`).

    Raises:
        SpecError: a bad spec. StoreError: `out` holds something else, or runs failed.
    """
    spec, source = _load(spec, source)
    plan = SensitivityPlan(spec, source)
    plan.check_horizon()
    bad = [s for s in stages if s not in STAGES]
    if bad:
        raise ValueError(f"unknown stage(s) {bad}; known: {', '.join(STAGES)}")
    folder = Path(out) if out is not None else Path("results") / spec.name
    run = SensitivityRun(plan, folder, log, run_function)
    estimate_cost = estimate_cost and run_function is None
    run.prepare(resume=resume, overwrite=overwrite)
    run.meta["source"] = str(source) if source is not None else None
    log(plan.describe())
    n_workers = _workers(executor, workers)
    if estimate_cost:
        per_run = time_one_run(plan)
        morris = estimate(plan.morris_runs(), per_run, n_workers)
        sobol = estimate(plan.sobol_runs(), per_run, n_workers)
        log(morris.line("estimate, stage 1 (Morris)"))
        log(sobol.line("estimate, stage 2 (Sobol', upper bound before screening)"))
        log(_load_note(n_workers))
        run.meta["estimate"] = {"seconds_per_run": round(per_run, 3), "workers": n_workers,
                                "morris_runs": morris.runs, "sobol_runs_max": sobol.runs,
                                "morris_wall_s": round(morris.wall_s), "sobol_wall_max_s": round(sobol.wall_s)}
    run.meta.setdefault("estimate", {})["workers"] = n_workers
    run.save_meta()
    selected, importance = run.morris(executor, progress, workers, scheduler)
    blocks = plan.blocks(selected, importance)
    run.meta["blocks"] = [{"name": b.name, "folder": b.folder, "scenarios": list(b.scenarios),
                           "outcomes": list(b.outcomes), "parameters": list(b.parameters),
                           "dropped": list(b.dropped), "second_order": b.second_order} for b in blocks]
    run.save_meta()
    for b in blocks:
        extra = f" (left out by max_params: {', '.join(b.dropped)})" if b.dropped else ""
        log(f"selected for {b.name}: {', '.join(b.parameters)}{extra}")
    if "sobol" not in stages:
        return folder
    if estimate_cost:
        per_run = _measured_seconds_per_run(folder / "morris", n_workers) or run.meta["estimate"]["seconds_per_run"]
        log(estimate(plan.sobol_runs(blocks), per_run, n_workers).line("estimate, stage 2 (Sobol', at stage 1's pace)"))
    for b in blocks:
        run.sobol_block(b, executor, progress, workers, scheduler)
    return folder


def _load(spec: SensitivitySpec | str | Path, source: str | Path | None) -> tuple[SensitivitySpec, Path | None]:
    if isinstance(spec, SensitivitySpec):
        return spec, Path(source) if source is not None else None
    return load_sensitivity_spec(spec), Path(spec)


def _load_note(workers: int) -> str:
    """A line on the machine's load: estimates assume the workers get whole cores."""
    import os

    from infosim.experiments.executors import available_cores

    load = os.getloadavg()[0]
    cores = available_cores()
    busy = load / cores
    if busy <= 1.0:
        return f"(load average {load:.1f} on {cores} cores: estimates should hold)"
    return (f"(load average {load:.1f} on {cores} cores: other work shares the machine, runs may take up to "
            f"{busy:.1f}x longer than estimated)")


def _measured_seconds_per_run(folder: Path, workers: int) -> float | None:
    """Wall seconds per run per worker that stage 1 actually took (None if unknown)."""
    path = folder / "manifest.parquet"
    if not path.is_file():
        return None
    m = pd.read_parquet(path, columns=["status", "duration_s"])
    done = m[m["status"] == "done"]
    return float(done["duration_s"].mean()) if len(done) else None


def estimate_sensitivity(spec: SensitivitySpec | str | Path, *, source: str | Path | None = None,
                         workers: int = 1) -> str:
    """The plan and its expected cost (timing one run per scenario now), without running it."""
    spec, source = _load(spec, source)
    plan = SensitivityPlan(spec, source)
    plan.check_horizon()
    per_run = time_one_run(plan)
    morris = estimate(plan.morris_runs(), per_run, workers)
    sobol = estimate(plan.sobol_runs(), per_run, workers)
    total = estimate(morris.runs + sobol.runs, per_run, workers)
    return "\n".join([plan.describe(), morris.line("stage 1 (Morris)"),
                      sobol.line("stage 2 (Sobol', upper bound: every block at max_params)"),
                      total.line("at most, in all"), _load_note(workers)])


def _workers(executor: Any, workers: int | None) -> int:
    from infosim.experiments.executors import available_cores

    if not isinstance(executor, str):
        return int(getattr(executor, "workers", 1))
    return 1 if executor == "serial" else (workers or available_cores())
