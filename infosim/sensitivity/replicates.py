"""How many replicates: a coverage check of the replicate intervals at the default parameters.

A pool of M paired replicates (independent seeds) of every scenario the checked metrics need is
run once; intervals from n of them, for each n checked, are compared with the estimate from the
other M - n (see :func:`infosim.sensitivity.stats.coverage_table`). The smallest n
whose intervals cover about as often as they claim is the replicate count to use::

    results/<name>-replicates/
      pool/                   the runs (an ordinary batch folder, as `infosim batch` writes)
      coverage.parquet        metric, n, coverage (and its interval), target, half-width, ...
      values.parquet          the metrics per replicate
      replicate_check.json    settings, recommended replicate count, runs and time
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from infosim.experiments.experiment import Experiment
from infosim.experiments.runner import run_experiment
from infosim.experiments.store import StoreError, atomic_write_json, atomic_write_parquet
from infosim.sensitivity.plan import SensitivityPlan, needed_outputs
from infosim.sensitivity.results import COVERAGE_FILE, REPLICATES_META
from infosim.sensitivity.spec import SensitivitySpec, load_sensitivity_spec
from infosim.sensitivity.stats import coverage_table, recommended_replicates

POOL_DIR = "pool"
VALUES_FILE = "values.parquet"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def replicate_plan(spec: SensitivitySpec, source: str | Path | None = None) -> SensitivityPlan:
    """The plan of the metrics the coverage check covers (its own list, or the spec's)."""
    rc = spec.replicate_check
    checked = spec.model_copy(update={"metrics": rc.metrics if rc.metrics is not None else spec.metrics,
                                      "levels": []})
    return SensitivityPlan(checked, source)


def replicate_experiment(plan: SensitivityPlan) -> Experiment:
    """The batch of the check: every needed scenario, `pool` replicates, default parameters."""
    s, rc = plan.spec, plan.spec.replicate_check
    return Experiment.batch(
        [plan.refs.get(n, n) for n in plan.scenarios], replicates=rc.pool, seed=s.seed,
        households=rc.households or s.households, months=rc.months or s.months,
        overrides=dict(s.constants) or None, outputs=needed_outputs(plan.outcomes), name=f"{s.name}-replicates",
    )


def replicate_check(
    spec: SensitivitySpec | str | Path,
    out: str | Path | None = None,
    *,
    executor: str | Any = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    source: str | Path | None = None,
    run_function: Any = None,
    log: Callable[[str], None] = _stderr,
) -> pd.DataFrame:
    """Run the coverage check of a spec's ``[replicate_check]`` and write its table.

    Args:
        spec: a :class:`SensitivitySpec` or the path of its TOML file.
        out: results folder (default ``results/<name>-replicates``).
        executor, workers, scheduler, resume, overwrite, progress: as for ``infosim batch``.
        source: the spec's file when `spec` is a parsed spec (scenario paths are read from its folder).
        run_function: replaces the model run (for tests).
        log: where progress lines go.

    Returns:
        The coverage table (:func:`~infosim.sensitivity.stats.coverage_table`),
        with the recommended replicate count in ``.attrs["recommended"]``.
    """
    from infosim.analysis.policy_effects import metric_values

    if not isinstance(spec, SensitivitySpec):
        source = Path(spec)
        spec = load_sensitivity_spec(source)
    plan = replicate_plan(spec, source)
    plan.check_horizon()
    rc = spec.replicate_check
    folder = Path(out) if out is not None else Path("results") / f"{spec.name}-replicates"
    exp = replicate_experiment(plan)
    log(exp.describe().splitlines()[0])
    if overwrite:
        for name in (COVERAGE_FILE, VALUES_FILE, REPLICATES_META):
            (folder / name).unlink(missing_ok=True)
    report = run_experiment(exp, folder / POOL_DIR, executor=executor, workers=workers, scheduler=scheduler,
                            resume=resume, overwrite=overwrite, progress=progress, run_function=run_function)
    log(report.summary_line())
    if not report.ok:
        raise StoreError(f"{folder}: {report.failed} run(s) failed; rerun with --resume")
    values = metric_values(folder / POOL_DIR, [o.metric for o in plan.outcomes], horizon=spec.horizon)
    ids = {(o.metric.name, o.metric.scenario): o.id for o in plan.outcomes if o.metric is not None}
    values["metric"] = [ids[k] for k in zip(values["metric"], values["scenario"], strict=True)]
    kinds = {o.id: o.kind for o in plan.outcomes}
    samples = values.assign(kind=values["metric"].map(kinds))
    table = coverage_table(samples, rc.n, permutations=rc.permutations, level=spec.confidence, seed=spec.seed)
    sd = samples.groupby("metric", sort=False)["value"].agg(["mean", "std"]).rename(
        columns={"mean": "replicate_mean", "std": "replicate_sd"})
    table = table.merge(sd, left_on="metric", right_index=True, how="left")
    recommended = recommended_replicates(table, rc.tolerance, rc.min_width_ratio)
    table.attrs["recommended"] = recommended
    atomic_write_parquet(folder / COVERAGE_FILE, table)
    atomic_write_parquet(folder / VALUES_FILE, samples)
    meta_path = folder / REPLICATES_META
    before = json.loads(meta_path.read_text()).get("elapsed_s", 0.0) if meta_path.is_file() and not overwrite else 0.0
    atomic_write_json(meta_path, {
        "spec": spec.model_dump(mode="json"), "recommended": recommended, "pool": rc.pool, "n": rc.n,
        "households": rc.households or spec.households, "months": rc.months or spec.months,
        "level": spec.confidence, "tolerance": rc.tolerance, "min_width_ratio": rc.min_width_ratio,
        "permutations": rc.permutations, "runs": report.total,
        "elapsed_s": round(before + report.elapsed_s, 1), "metrics": {o.id: o.label for o in plan.outcomes},
    })
    return table
