"""The analysis's view of a set of runs: tidy tables with run ids, arms and paired seeds.

Analysis works on the same tidy tables whether they come from a results folder
(:func:`infosim.experiments.load_results`) or from :class:`~infosim.run.RunResult` objects held
in memory. :func:`comparison_data` accepts either and returns a :class:`ComparisonData`.

An *arm* is what is compared: a scenario, or a scenario at one design point of a sweep
(``name@p003``). Runs are *paired* with the baseline by seed (and by design point when the
baseline itself was swept): the same seed gives the same population and the same random draws
per agent, so differences are paired and agent-level deadweight is well defined.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from infosim.errors import InfosimError

ID_COLUMNS = ("run_id", "scenario", "point", "replicate", "seed")
RUN_COLUMNS = (*ID_COLUMNS, "arm")


class AnalysisError(InfosimError, ValueError):
    """The results cannot be compared as asked (unknown baseline, no paired runs, ...)."""


AgentReader = Callable[[str, str, list[str] | None], pd.DataFrame | None]


@dataclass
class ComparisonData:
    """Tidy tables of a set of runs, ready for paired comparison.

    Attributes:
        runs: one row per run: ``run_id, scenario, point, replicate, seed, arm``.
        timeseries: monthly outputs, one row per run and month (run columns in front).
        summary: scalar outputs, one row per run.
        breakdowns: end-of-run group values: run columns, ``dimension, group, metric, value``.
        ledger: payments by ``lever, month, city, recipient, yuan`` per run.
        scenarios: the resolved scenario of each arm as run (JSON-able dicts).
        provenance: where the runs came from (experiment, code version, seeds, scale).
        source: a short description of the source (folder or "in memory").
        read_agent_data: ``(dataset, run_id, columns) -> DataFrame | None`` for the
            agent-level datasets ``agents`` and ``payments`` (None when not kept).
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    breakdowns: pd.DataFrame
    ledger: pd.DataFrame
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    source: str = "in memory"
    read_agent_data: AgentReader | None = None

    @property
    def arms(self) -> list[str]:
        """The arms, in run order."""
        return list(dict.fromkeys(self.runs["arm"]))

    @property
    def scenario_names(self) -> list[str]:
        """The scenario names, in run order."""
        return list(dict.fromkeys(self.runs["scenario"]))

    def arm_scenario(self, arm: str) -> str:
        """The scenario an arm belongs to."""
        return str(self.runs.loc[self.runs["arm"] == arm, "scenario"].iloc[0])

    def has_agent_data(self) -> bool:
        """True if agent records and payments were kept for at least one run."""
        if self.read_agent_data is None or self.runs.empty:
            return False
        return any(self.read_agent_data("agents", rid, ["agent_id"]) is not None for rid in self.runs["run_id"])

    def agents(self, run_id: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        """Agent records of one run (None when the run did not keep them)."""
        return self.read_agent_data("agents", run_id, columns) if self.read_agent_data else None

    def payments(self, run_id: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        """Agent-level payments of one run (None when the run did not keep them)."""
        return self.read_agent_data("payments", run_id, columns) if self.read_agent_data else None

    # ------------------------------------------------------------------------------- pairing
    def pair_keys(self, baseline: str) -> list[str]:
        """Columns that pair a run with its baseline run: the seed, and the design point when
        the baseline was run at several points."""
        self.check_baseline(baseline)
        points = self.runs.loc[self.runs["scenario"] == baseline, "point"].nunique()
        return ["point", "seed"] if points > 1 else ["seed"]

    def check_baseline(self, baseline: str) -> None:
        """Raise AnalysisError if `baseline` is not one of the scenarios."""
        if baseline not in self.scenario_names:
            raise AnalysisError(
                f"baseline {baseline!r} is not among the scenarios of {self.source}: "
                f"{', '.join(self.scenario_names)}"
            )

    def pairs(self, baseline: str) -> pd.DataFrame:
        """Paired runs: one row per (arm, replicate) with ``run_id`` and ``baseline_run_id``.

        Raises:
            AnalysisError: if there is nothing besides the baseline, or an arm shares no seed with it.
        """
        keys = self.pair_keys(baseline)
        runs = self.runs
        if (runs["scenario"] == baseline).all():
            raise AnalysisError(
                f"{self.source} holds only the baseline {baseline!r}: nothing to compare it with; run it "
                f"together with other scenarios, e.g. `infosim batch {baseline} jiangsu_2020 ...`"
            )
        base = runs.loc[runs["scenario"] == baseline, [*keys, "run_id"]].rename(columns={"run_id": "baseline_run_id"})
        if "point" not in keys:
            base = base.drop_duplicates(keys)
        arms = runs.loc[runs["scenario"] != baseline]
        out = arms.merge(base, on=keys, how="inner")
        missing = sorted(set(arms["arm"]) - set(out["arm"]))
        if missing:
            raise AnalysisError(
                f"{', '.join(missing)}: no run shares a seed with baseline {baseline!r}; compare runs "
                "from the same batch (same root seed) so replicates are paired"
            )
        return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Constructors
# --------------------------------------------------------------------------------------------
def comparison_data(results: Any, scenarios: Mapping[str, Any] | None = None) -> ComparisonData:
    """Turn results into :class:`ComparisonData`.

    Args:
        results: a results folder path, an ``ExperimentReport``, a ``Results`` from
            :func:`infosim.experiments.load_results`, one or several
            :class:`~infosim.run.RunResult`, or a :class:`ComparisonData` (returned as is).
        scenarios: for in-memory runs, the scenarios as run (name -> Scenario or dict), shown
            in reports; folders record them already.

    Returns:
        The tidy tables.

    Raises:
        AnalysisError: if `results` is none of these, or holds no finished run.
    """
    if isinstance(results, ComparisonData):
        return results
    if isinstance(results, str | os.PathLike) or hasattr(results, "__fspath__"):
        from infosim.experiments import load_results

        results = load_results(Path(os.fspath(results)))
    if hasattr(results, "manifest") and hasattr(results, "timeseries"):
        return from_store(results)
    from infosim.run import RunResult

    items = [results] if isinstance(results, RunResult) else list(results) if isinstance(results, Iterable) else []
    if items and all(isinstance(r, RunResult) for r in items):
        return from_run_results(items, scenarios)
    raise AnalysisError(
        f"cannot compare {type(results).__name__}: give a results folder, load_results(...) or RunResult objects"
    )


def _arm_names(runs: pd.DataFrame) -> pd.Series:
    """Scenario name, with '@p<point>' when the scenario was run at several design points."""
    multi = runs.groupby("scenario")["point"].transform("nunique") > 1
    width = max(3, len(str(int(runs["point"].max())))) if len(runs) else 3
    tagged = runs["scenario"] + "@p" + runs["point"].astype(int).astype(str).str.zfill(width)
    return tagged.where(multi, runs["scenario"])


def _with_runs(frame: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the run columns (incl. ``arm``) in front, restricted to `runs`."""
    if frame is None or frame.empty or "run_id" not in frame.columns:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    rest = [c for c in frame.columns if c not in ID_COLUMNS]
    return runs[list(RUN_COLUMNS)].merge(frame[["run_id", *rest]], on="run_id", how="inner")


def from_store(results: Any) -> ComparisonData:
    """:class:`ComparisonData` from a ``Results`` object (a results folder)."""
    manifest = results.manifest
    done = manifest[manifest["status"] == "done"].sort_values("index")
    if done.empty:
        raise AnalysisError(f"{results.path}: no finished runs to compare")
    runs = done[list(ID_COLUMNS)].reset_index(drop=True).copy()
    runs["arm"] = _arm_names(runs)
    experiment = results.experiment
    scen: dict[str, dict[str, Any]] = {}
    for arm, rid in runs.groupby("arm", sort=False)["run_id"].first().items():
        try:
            scen[arm] = results.marker(rid).get("scenario_config", {})
        except KeyError:
            scen[arm] = experiment.get("definition", {}).get("scenarios", {}).get(arm, {})
    store = results.store

    def read(dataset: str, run_id: str, columns: list[str] | None) -> pd.DataFrame | None:
        path = store.data_path(dataset, run_id)
        if not path.is_file():
            return None
        return pd.read_parquet(path, columns=columns)

    return ComparisonData(
        runs=runs,
        timeseries=_with_runs(results.timeseries, runs),
        summary=_with_runs(results.summary, runs),
        breakdowns=_with_runs(results.breakdowns, runs),
        ledger=_with_runs(results.ledger, runs),
        scenarios=scen,
        provenance=_store_provenance(experiment, done),
        source=str(results.path),
        read_agent_data=read,
    )


def _store_provenance(experiment: dict[str, Any], done: pd.DataFrame) -> dict[str, Any]:
    """What the comparison shows of where its runs came from; `done`: the manifest's done rows."""
    definition = experiment.get("definition", {})
    spec = definition.get("spec", {})
    prov = experiment.get("provenance", {})
    return {
        "experiment": experiment.get("name"),
        "kind": experiment.get("kind"),
        "runs_done": len(done),
        "runs_planned": experiment.get("n_runs"),
        "replicates": spec.get("replicates"),
        "root_seed": spec.get("seed"),
        "households": spec.get("households"),
        "months": spec.get("months"),
        "constants": spec.get("constants") or {},
        "seeds": definition.get("seeds"),
        "created_at": prov.get("created_at"),
        "git": prov.get("git"),
        "versions": prov.get("versions"),
        "python": prov.get("python"),
        "platform": prov.get("platform"),
        # the numerical environments the compared runs were computed in (docs/experiments.md)
        "numerics": sorted(set(done["numerics"].dropna()) - {""}) if "numerics" in done else None,
        "command": prov.get("command"),
        "scenario_files": prov.get("scenario_files"),
        "sessions": experiment.get("sessions", []),
        "plan_sha256": experiment.get("plan_sha256"),
    }


def from_run_results(results: list[Any], scenarios: Mapping[str, Any] | None = None) -> ComparisonData:
    """:class:`ComparisonData` from in-memory RunResults; replicates are numbered by seed."""
    seeds = list(dict.fromkeys(int(r.seed) for r in results))
    rows, ts, summ, bd, led = [], [], [], [], []
    agent_tables: dict[tuple[str, str], pd.DataFrame] = {}
    seen: set[str] = set()
    for r in results:
        run_id = f"{r.scenario}-s{r.seed}"
        if run_id in seen:
            raise AnalysisError(f"two results of scenario {r.scenario!r} with seed {r.seed}")
        seen.add(run_id)
        ids = {"run_id": run_id, "scenario": r.scenario, "point": 0, "replicate": seeds.index(int(r.seed)),
               "seed": int(r.seed)}
        rows.append(ids)
        ts.append(r.timeseries.assign(run_id=run_id))
        summ.append(pd.DataFrame([{"run_id": run_id, **r.summary}]))
        bd.append(r.breakdowns.assign(run_id=run_id))
        led.append(r.ledger.assign(run_id=run_id))
        for name in ("agents", "payments"):
            if getattr(r, name, None) is not None:
                agent_tables[(name, run_id)] = getattr(r, name)
    runs = pd.DataFrame(rows, columns=list(ID_COLUMNS))
    runs["arm"] = _arm_names(runs)

    def read(dataset: str, run_id: str, columns: list[str] | None) -> pd.DataFrame | None:
        table = agent_tables.get((dataset, run_id))
        if table is None:
            return None
        return table[columns] if columns is not None else table

    scen = {}
    for name, sc in (scenarios or {}).items():
        scen[name] = sc.model_dump(mode="json") if hasattr(sc, "model_dump") else dict(sc)
    meta = results[0].meta if results else {}
    return ComparisonData(
        runs=runs,
        timeseries=_with_runs(pd.concat(ts, ignore_index=True), runs),
        summary=_with_runs(pd.concat(summ, ignore_index=True), runs),
        breakdowns=_with_runs(pd.concat(bd, ignore_index=True), runs),
        ledger=_with_runs(pd.concat(led, ignore_index=True), runs),
        scenarios=scen,
        provenance={"experiment": "(in memory)", "runs_done": len(runs), "replicates": len(seeds),
                    "seeds": seeds, "households": meta.get("households"), "months": meta.get("months")},
        source="in-memory results",
        read_agent_data=read if agent_tables else None,
    )
