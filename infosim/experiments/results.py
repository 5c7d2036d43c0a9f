"""Read an experiment's results folder into tidy pandas DataFrames.

Only runs whose marker verifies are read; temp files, orphans of an interrupted commit and
runs with missing or truncated files are never returned as results. Every table is long:
one row per run (x month, x group, ...) with the columns ``run_id, scenario, point,
replicate, seed`` and one column per varied scenario key in front, under a plain name usable in
SQL without quotes (``levers.vouchers.claim_share`` -> ``vouchers_claim_share``; the mapping is
:attr:`Results.columns`).
"""

from __future__ import annotations

import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from infosim.experiments.store import DESIGN_FILE, ExperimentStore, StoreError
from infosim.experiments.worker import DATASETS

ID_COLUMNS = ("run_id", "scenario", "point", "replicate", "seed")


class Results:
    """An experiment's results: ``.timeseries``, ``.summary``, ``.breakdowns``, ``.ledger``,
    ``.agents``, ``.payments`` (read on first use), ``.manifest``, ``.design``, ``.experiment``.
    """

    def __init__(self, path: str | Path, *, verify: bool = False):
        """Open a results folder.

        Args:
            path: the experiment folder (or anything with ``__fspath__``, e.g. a report).
            verify: check SHA-256 digests of the data files (default: sizes only).

        Raises:
            StoreError: if `path` is not an experiment folder.
        """
        self.path = Path(path)
        self.store = ExperimentStore(self.path)
        self.experiment: dict[str, Any] = self.store.read_experiment()
        self.manifest = self._manifest(verify)
        done = self.manifest[self.manifest["status"] == "done"]
        self.done_ids: list[str] = list(done.sort_values("index")["run_id"])

    def _manifest(self, verify: bool) -> pd.DataFrame:
        try:
            manifest = self.store.read_manifest_file()
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(
                f"{self.path}: manifest.parquet unreadable ({type(exc).__name__}); run the same batch/sweep "
                "command with --resume to rewrite it"
            ) from None
        plan_sha = self.experiment.get("plan_sha256")
        markers = self.store.markers()
        status, error_type, error, started, finished, duration, worker = [], [], [], [], [], [], []
        unverified = []
        for rid in manifest["run_id"]:
            m = markers.get(rid)
            if m is not None and m.get("status") == "done" and not self.store.verify(m, plan_sha, deep=verify):
                unverified.append(rid)
                m = None
            if m is not None and m.get("plan_sha256") != plan_sha:
                m = None
            status.append(m["status"] if m else "pending")
            error_type.append(m.get("error_type") if m else None)
            error.append(m.get("error") if m else None)
            started.append(m.get("started_at") if m else None)
            finished.append(m.get("finished_at") if m else None)
            duration.append(m.get("duration_s") if m else None)
            worker.append(m.get("worker") if m else None)
        if unverified:
            warnings.warn(
                f"{self.path}: {len(unverified)} run(s) have missing or damaged files and are not "
                f"read (e.g. {unverified[0]}); rerun them with --resume",
                RuntimeWarning,
                stacklevel=3,
            )
        manifest = manifest.assign(
            status=status,
            error_type=error_type,
            error=error,
            worker=worker,
            started_at=pd.to_datetime(started, utc=True, format="ISO8601"),
            finished_at=pd.to_datetime(finished, utc=True, format="ISO8601"),
            duration_s=pd.Series(duration, dtype="float64").to_numpy(),
        )
        return manifest

    # ------------------------------------------------------------------------------ datasets
    def read(self, dataset: str) -> pd.DataFrame:
        """One dataset of all done runs, in run order (empty if nothing was stored)."""
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; allowed: {', '.join(DATASETS)}")
        tables = []
        for rid in self.done_ids:
            path = self.store.data_path(dataset, rid)
            if not path.is_file():
                continue
            try:
                tables.append(pq.read_table(path))
            except (OSError, pa.ArrowException) as exc:
                warnings.warn(f"{path}: unreadable, skipped ({exc})", RuntimeWarning, stacklevel=2)
        if not tables:
            return pd.DataFrame(columns=list(ID_COLUMNS))
        table = pa.concat_tables(tables, promote_options="permissive")
        return table.to_pandas()

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Monthly outputs: ids, varied keys, ``month``, one column per output."""
        return self.read("timeseries")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Scalar outputs: one row per run (ids, varied keys, one column per output)."""
        return self.read("summary")

    @cached_property
    def breakdowns(self) -> pd.DataFrame:
        """Group breakdowns: ids, varied keys, ``dimension, group, metric, value``."""
        return self.read("breakdowns")

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """Government payments: ids, varied keys, ``lever, month, city, recipient, yuan``."""
        return self.read("ledger")

    @cached_property
    def agents(self) -> pd.DataFrame:
        """Agent-level records (experiments run with ``keep_agents``)."""
        return self.read("agents")

    @cached_property
    def payments(self) -> pd.DataFrame:
        """Agent-level payments (experiments run with ``keep_agents``)."""
        return self.read("payments")

    @cached_property
    def design(self) -> pd.DataFrame:
        """The design points (values and unit-cube coordinates)."""
        return pd.read_parquet(self.path / DESIGN_FILE)

    @property
    def varied(self) -> list[str]:
        """The columns of the varied scenario keys (plain names, see :attr:`columns`)."""
        return [c for c in self.design.columns if c not in ("point", "policy", "sample") and not c.startswith("unit:")]

    @property
    def columns(self) -> dict[str, str]:
        """Column name -> the scenario key it holds, e.g. ``vouchers_claim_share`` ->
        ``levers.vouchers.claim_share`` (empty for stores written before plain names)."""
        return dict(self.experiment.get("definition", {}).get("columns", {}))

    @property
    def failed(self) -> pd.DataFrame:
        """Manifest rows of failed runs, with ``error_type`` and ``error`` (the traceback)."""
        return self.manifest[self.manifest["status"] == "failed"]

    @property
    def summary_long(self) -> pd.DataFrame:
        """The summary in long form: ids, varied keys, ``metric``, ``value``."""
        ids = [c for c in (*ID_COLUMNS, *self.varied) if c in self.summary.columns]
        return self.summary.melt(id_vars=ids, var_name="metric", value_name="value")

    def timeseries_long(self) -> pd.DataFrame:
        """The time series in long form: ids, varied keys, ``month``, ``metric``, ``value``."""
        ids = [c for c in (*ID_COLUMNS, *self.varied, "month") if c in self.timeseries.columns]
        return self.timeseries.melt(id_vars=ids, var_name="metric", value_name="value")

    # ------------------------------------------------------------------------------ single runs
    def marker(self, run_id: str) -> dict[str, Any]:
        """The stored record of one run (seed, params, timings, resolved scenario)."""
        m = self.store.read_marker(run_id)
        if m is None:
            raise KeyError(f"{run_id}: no finished run of that id in {self.path}")
        return m

    def scenario(self, run_id: str) -> Any:
        """The exact resolved :class:`~infosim.scenario.Scenario` a run used."""
        from infosim.scenario import scenario_from_dict

        return scenario_from_dict(self.marker(run_id)["scenario_config"], f"{self.path}:{run_id}")

    def rerun(self, run_id: str, **kwargs: Any) -> Any:
        """Run one stored run again in this process (same scenario and seed) and return it."""
        from infosim.run import run_scenario

        m = self.marker(run_id)
        spec = self.experiment["definition"]["spec"]
        kwargs.setdefault("households", spec.get("households"))
        kwargs.setdefault("months", spec.get("months"))
        return run_scenario(self.scenario(run_id), m["seed"], **kwargs)

    def __repr__(self) -> str:
        counts = self.manifest["status"].value_counts()
        parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("done", "failed", "pending"))
        return f"Results({str(self.path)!r}: {len(self.manifest)} runs: {parts})"


def load_results(path: str | Path, *, verify: bool = False) -> Results:
    """Open an experiment's results folder.

    Args:
        path: the folder written by ``infosim batch`` / ``infosim sweep`` / ``run_experiment``.
        verify: also check SHA-256 digests of the data files.

    Returns:
        A :class:`Results` with tidy DataFrames (``.timeseries``, ``.summary``, ...).
    """
    return Results(path, verify=verify)
