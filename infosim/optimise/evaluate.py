"""Evaluate candidates: scenarios x ensemble draws x seeds as an ordinary experiment, then the
objectives of each candidate on each draw from the paired policy metrics.

An :class:`EnsembleExperiment` is an :class:`infosim.experiments.Experiment` whose scenarios are
given in memory (the candidates) and whose design points are the ensemble's draws, so it runs on
the experiments' executors (serial, processes, Dask) and store (resumable, with provenance) like
any sweep: design point *d* is draw *d*, replicate *r* is seed *r* of the spec's root seed for
every scenario (common random numbers). The baseline runs once on the same draws and seeds; each
candidate's effect on draw *d* pairs its runs with the baseline's runs of draw *d*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.experiments.designs import Design
from infosim.experiments.experiment import Experiment
from infosim.experiments.params import column_value
from infosim.experiments.spec import spec_from_dict
from infosim.optimise.ensemble import Ensemble
from infosim.scenario import Scenario, apply_overrides

#: Columns of :func:`objective_values`.
VALUE_COLUMNS = ("candidate", "objective", "draw", "replicates", "numerator", "denominator", "value")


class EnsembleExperiment(Experiment):
    """Scenarios given in memory, run on every draw of an ensemble with the same seeds.

    Args:
        name: experiment name.
        scenarios: scenario name -> resolved scenario.
        ensemble: the draws (design points).
        replicates: seeds per draw.
        seed: root seed of the replicate seeds.
        households, months: scale of every run.
        outputs: keep only these outputs.
        refs: scenario name -> the scenario it was built from (provenance: its files are hashed).
        description: free text.
    """

    def __init__(self, name: str, scenarios: Mapping[str, Scenario], ensemble: Ensemble, *, replicates: int,
                 seed: int, households: int | None, months: int | None, outputs: Sequence[str] | None = None,
                 refs: Mapping[str, str] | None = None, description: str = ""):
        raw = {"name": name, "description": description, "scenarios": list(scenarios), "replicates": replicates,
               "seed": seed, "households": households, "months": months,
               "outputs": list(outputs) if outputs else None}
        super().__init__(spec_from_dict({k: v for k, v in raw.items() if v is not None}, f"optimisation {name!r}"),
                         kind="ensemble")
        self._scenarios = dict(scenarios)
        self._ensemble = ensemble
        self._refs = dict(refs or {})

    @cached_property
    def base_scenarios(self) -> dict[str, Scenario]:
        """The scenarios with households and months applied."""
        over: dict[str, Any] = {}
        if self.spec.households is not None:
            over["run.households"] = self.spec.households
        if self.spec.months is not None:
            over["run.months"] = self.spec.months
        return {n: apply_overrides(s, over) if over else s for n, s in self._scenarios.items()}

    @cached_property
    def design(self) -> Design:
        """One design point per draw."""
        e = self._ensemble
        n = len(e.points)
        return Design(name="ensemble", keys=list(e.keys), roles=dict.fromkeys(e.keys, "uncertainty"),
                      kinds=dict(e.kinds), points=[dict(p) for p in e.points],
                      columns=[{k: column_value(v, e.kinds[k]) for k, v in p.items()} for p in e.points],
                      policy=[0] * n, sample=list(range(n)))

    def scenario_ref(self, entry: str) -> str:
        """The scenario a candidate was built from (for the provenance's file hashes)."""
        return self._refs.get(entry, entry)

    def describe(self) -> str:
        """One line: scenarios x draws x seeds = runs."""
        return (f"ensemble {self.name!r}: {len(self.spec.scenarios)} scenario(s) x {len(self.design)} draw(s) x "
                f"{self.spec.replicates} seed(s) = {self.n_runs} runs (seed {self.spec.seed})")


# --------------------------------------------------------------------------------------------
# Objective values
# --------------------------------------------------------------------------------------------
def needed_outputs(metrics: Iterable[str]) -> list[str]:
    """The run outputs the metrics read (the experiments' ``outputs`` filter)."""
    from infosim.analysis.policy_effects import BREAKDOWN_QUANTITIES, METRIC_BY_NAME, quantity_outcome

    names: list[str] = []
    for name in metrics:
        for q in METRIC_BY_NAME[name].quantities:
            src = quantity_outcome(q)
            names += [src.source] if src is not None else list(BREAKDOWN_QUANTITIES[q][2])
    return list(dict.fromkeys(names))


def combine(*parts: Any) -> Any:
    """One :class:`~infosim.analysis.data.ComparisonData` of the runs of several results folders."""
    from infosim.analysis.data import ComparisonData, comparison_data

    datas = [comparison_data(p) for p in parts]

    def cat(attr: str) -> pd.DataFrame:
        frames = [getattr(d, attr) for d in datas if len(getattr(d, attr))]
        return pd.concat(frames, ignore_index=True) if frames else getattr(datas[0], attr)

    return ComparisonData(runs=cat("runs"), timeseries=cat("timeseries"), summary=cat("summary"),
                          breakdowns=cat("breakdowns"), ledger=cat("ledger"),
                          scenarios={k: v for d in datas for k, v in d.scenarios.items()},
                          provenance=datas[0].provenance, source=" + ".join(d.source for d in datas))


def objective_values(data: Any, objectives: Sequence[str], candidates: Sequence[str], baseline: str,
                     horizon: str) -> pd.DataFrame:
    """Each objective of each candidate on each draw.

    On a draw, a ``difference`` metric is the mean paired difference over the draw's seeds; a
    ``ratio`` or ``share`` metric the ratio of the means of its numerator and denominator (the
    estimators of :mod:`infosim.analysis.policy_effects`); NaN when the denominator is 0.

    Args:
        data: ComparisonData (or a results folder) holding the candidates' and baseline's runs.
        objectives: metric names.
        candidates: the candidates' scenario names.
        baseline: the baseline scenario.
        horizon: ``'YYYY-MM'`` or ``'end'``.

    Returns:
        Columns :data:`VALUE_COLUMNS`, sorted by candidate, objective and draw.
    """
    from infosim.analysis.policy_effects import METRIC_BY_NAME, metric_values

    if not candidates:
        return pd.DataFrame(columns=list(VALUE_COLUMNS))
    metrics = [METRIC_BY_NAME[o].for_scenario(c, baseline) for c in candidates for o in objectives]
    mv = metric_values(data, metrics, horizon=horizon)
    mv = mv.sort_values(["scenario", "metric", "point", "replicate"], kind="stable")
    g = mv.groupby(["scenario", "metric", "point"], sort=True)
    out = g.agg(replicates=("replicate", "size"), numerator=("numerator", "mean"),
                denominator=("denominator", "mean")).reset_index()
    kinds = out["metric"].map(lambda n: METRIC_BY_NAME[n].kind)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(out["denominator"] != 0, out["numerator"] / out["denominator"], np.nan)
    out["value"] = np.where(kinds == "difference", out["numerator"], ratio)
    out = out.rename(columns={"scenario": "candidate", "metric": "objective", "point": "draw"})
    out["draw"] = out["draw"].astype("int64")
    return out[list(VALUE_COLUMNS)].sort_values(["candidate", "objective", "draw"], ignore_index=True)


#: Summary key of the CPU seconds a run took in its worker (added by :func:`timed_run`).
CPU_KEY = "run_cpu_s"


def timed_run(scenario: Any, seed: int, *, households: int | None = None, months: int | None = None,
              keep_agents: bool = False) -> Any:
    """:func:`infosim.run.run_scenario`, with the CPU seconds it took in its worker in the summary
    (``run_cpu_s``): on a shared machine the wall time of a run says little about its cost."""
    import time

    from infosim.run import run_scenario

    t0 = time.process_time()
    result = run_scenario(scenario, seed, households=households, months=months, keep_agents=keep_agents)
    result.summary[CPU_KEY] = time.process_time() - t0
    return result


def cpu_seconds(data: Any) -> float:
    """CPU seconds of the runs in a ComparisonData (0 when they were not timed)."""
    summary = data.summary
    return float(summary[CPU_KEY].sum()) if CPU_KEY in summary.columns else 0.0


def run_ensemble(exp: EnsembleExperiment, folder: Path, *, executor: Any, workers: int | None,
                 scheduler: str | None, progress: bool | None, run_function: Any) -> Any:
    """Run (or resume) an ensemble experiment; raise StoreError if a run failed."""
    from infosim.experiments.runner import run_experiment
    from infosim.experiments.store import StoreError

    report = run_experiment(exp, folder, executor=executor, workers=workers, scheduler=scheduler, resume=True,
                            progress=progress, run_function=run_function)
    if not report.ok:
        shown = "; ".join(f"{r}: {e}" for r, e in report.failures[:3])
        raise StoreError(f"{folder}: {report.total - report.done - report.skipped} run(s) did not finish ({shown}); "
                         "rerun with --resume")
    return report
