"""Read a sensitivity analysis folder: its tables, and what they say (ranked assumptions, what has
converged, how large a sample would converge).

Example:
    >>> from infosim.sensitivity import load_sensitivity
    >>> res = load_sensitivity("results/sensitivity_jiangsu_2020")
    >>> res.top_assumptions()          # three most influential parameters per outcome
    >>> res.sobol.query("fraction == 1")
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.experiments.store import StoreError

META_FILE = "sensitivity.json"
COVERAGE_FILE = "coverage.parquet"
REPLICATES_META = "replicate_check.json"


def short_name(key: str) -> str:
    """A parameter's key without the ``parameters.`` prefix."""
    return key.removeprefix("parameters.")


@dataclass
class SensitivityResults:
    """The tables of a sensitivity analysis (empty frames for stages not run yet).

    Attributes:
        path: the analysis folder.
        meta: ``sensitivity.json`` (spec, parameters, outcomes, selection, blocks, sessions).
        morris: Morris statistics per outcome, parameter and fraction of the trajectories.
        sobol: first and total indices per block, outcome, parameter and fraction of N.
        sobol2: second-order indices (blocks small enough).
        convergence: per index: value, half-width, change since N/2, converged.
        noise: seed-noise share per stage, block and outcome.
        spread: each outcome over the design points (mean, 5/50/95th percentiles).
        coverage: the replicate coverage check (if run; see :func:`replicate_check`).
        coverage_meta: its settings and recommended replicate count.
    """

    path: Path
    meta: dict[str, Any]
    morris: pd.DataFrame
    sobol: pd.DataFrame
    sobol2: pd.DataFrame
    convergence: pd.DataFrame
    noise: pd.DataFrame
    spread: pd.DataFrame
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        """The analysed outcomes: id, label, unit, kind, scenario(s), how computed."""
        return list(self.meta.get("definition", {}).get("outcomes", []))

    @property
    def outcome_ids(self) -> list[str]:
        """Outcome ids in spec order."""
        return [o["id"] for o in self.outcomes]

    def outcome(self, oid: str) -> dict[str, Any]:
        """One outcome's description."""
        for o in self.outcomes:
            if o["id"] == oid:
                return o
        raise KeyError(f"unknown outcome {oid!r}; known: {', '.join(self.outcome_ids)}")

    def converged(self, oid: str) -> bool | None:
        """True if every S1 and ST of the outcome converged; None if it had no Sobol' stage."""
        c = self.convergence
        part = c[c["outcome"] == oid] if len(c) else c
        return bool(part["converged"].all()) if len(part) else None

    def top_assumptions(self, k: int = 3) -> pd.DataFrame:
        """The `k` parameters each outcome depends on most.

        Ranked by the total Sobol' index at the full sample where the outcome had a Sobol'
        stage, else by Morris mu* (screening only). ``converged`` says whether the ranking
        rests on converged indices.

        Returns:
            One row per outcome and rank: ``outcome, rank, key, measure, value, conf, converged``.
        """
        rows = []
        for oid in self.outcome_ids:
            s = self.sobol[(self.sobol["outcome"] == oid) & (self.sobol["fraction"] == 1.0)] if len(self.sobol) else []
            if len(s):
                s = s.sort_values("ST", ascending=False).head(k)
                conv = self.convergence[(self.convergence["outcome"] == oid) & (self.convergence["index"] == "ST")]
                ok = dict(zip(conv["key"], conv["converged"], strict=True))
                for r, row in enumerate(s.itertuples(index=False), start=1):
                    rows.append({"outcome": oid, "rank": r, "key": row.key, "measure": "ST", "value": row.ST,
                                 "conf": row.ST_conf, "converged": bool(ok.get(row.key, False))})
                continue
            m = self.morris[(self.morris["outcome"] == oid) & (self.morris["fraction"] == 1.0)] if len(
                self.morris) else []
            if len(m):
                m = m.sort_values("mu_star", ascending=False).head(k)
                for r, row in enumerate(m.itertuples(index=False), start=1):
                    rows.append({"outcome": oid, "rank": r, "key": row.key, "measure": "mu*/max",
                                 "value": row.mu_star_norm, "conf": row.mu_star_conf / max(m["mu_star"].max(), 1e-300),
                                 "converged": False})
        return pd.DataFrame(rows, columns=["outcome", "rank", "key", "measure", "value", "conf", "converged"])

    def needed_samples(self, tolerance: float | None = None, index: str | None = None) -> pd.DataFrame:
        """The base sample N each block would need for its indices to converge, extrapolating
        that interval half-widths and changes shrink as 1/sqrt(N) (rounded up to a power of 2).

        Args:
            tolerance: the target half-width (default: the spec's).
            index: ``"ST"`` or ``"S1"`` for one kind of index only (default: both).

        Returns:
            One row per block: ``block, N, worst_conf, needed_N, runs_needed``.
        """
        if self.convergence.empty:
            return pd.DataFrame(columns=["block", "N", "worst_conf", "needed_N", "runs_needed"])
        tol = tolerance or self.meta["definition"]["spec"]["sobol"]["tolerance"]
        n = int(self.meta["definition"]["spec"]["sobol"]["samples"])
        rows = []
        for block, part in self.convergence.groupby("block", sort=False):
            part = part if index is None else part[part["index"] == index]
            worst = float(np.nanmax(np.maximum(part["conf"], part["change"]))) if len(part) else 0.0
            need = n if worst <= tol else 2 ** math.ceil(math.log2(n * (worst / tol) ** 2))
            info = self.meta.get("stages", {}).get("sobol", {}).get(block, {})
            runs = info.get("runs", np.nan) * need / n
            rows.append({"block": block, "N": n, "worst_conf": worst, "needed_N": need, "runs_needed": runs})
        return pd.DataFrame(rows)

    def runs_and_time(self) -> pd.DataFrame:
        """Simulations run and wall time per stage (over all sessions, from the manifests)."""
        rows = []
        folders = ["morris"] + [b["folder"] for b in self.meta.get("blocks", [])]
        for folder in folders:
            path = self.path / folder / "manifest.parquet"
            if not path.is_file():
                continue
            m = pd.read_parquet(path, columns=["status", "duration_s"])
            sessions = [s for s in self.meta.get("sessions", []) if s["stage"] == folder]
            rows.append({"stage": folder, "runs": int((m["status"] == "done").sum()),
                         "wall_s": float(sum(s["elapsed_s"] for s in sessions)),
                         "run_s_mean": float(m["duration_s"].mean())})
        return pd.DataFrame(rows, columns=["stage", "runs", "wall_s", "run_s_mean"])


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def load_sensitivity(path: str | Path, replicates: str | Path | None = None) -> SensitivityResults:
    """Open a sensitivity analysis folder.

    Args:
        path: the folder written by ``infosim sensitivity`` / :func:`run_sensitivity`.
        replicates: folder of the replicate coverage check (default ``<path>-replicates`` if
            it exists).

    Raises:
        StoreError: if `path` holds no sensitivity analysis.
    """
    root = Path(path)
    meta_path = root / META_FILE
    if not meta_path.is_file():
        raise StoreError(f"{root}: not a sensitivity analysis folder (no {META_FILE})")
    meta = json.loads(meta_path.read_text())
    t = root / "tables"
    res = SensitivityResults(root, meta, _read(t / "morris.parquet"), _read(t / "sobol.parquet"),
                             _read(t / "sobol2.parquet"), _read(t / "convergence.parquet"),
                             _read(t / "noise.parquet"), _read(t / "spread.parquet"))
    rep = Path(replicates) if replicates is not None else root.with_name(root.name + "-replicates")
    if (rep / COVERAGE_FILE).is_file():
        res.coverage = pd.read_parquet(rep / COVERAGE_FILE)
        res.coverage_meta = json.loads((rep / REPLICATES_META).read_text())
    return res
