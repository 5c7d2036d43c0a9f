"""Read a finished (or interrupted) optimisation folder: its tables and what it was."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from infosim.experiments.store import StoreError
from infosim.optimise.run import META_FILE


@dataclass
class OptimisationResults:
    """An optimisation folder.

    Attributes:
        path: the folder.
        meta: ``optimisation.json`` (spec, definition, sessions, estimate, results summary).
    """

    path: Path
    meta: dict[str, Any]

    def _table(self, name: str) -> pd.DataFrame:
        p = self.path / f"{name}.parquet"
        return pd.read_parquet(p) if p.is_file() else pd.DataFrame()

    @cached_property
    def spec(self) -> Any:
        """The spec as run (:class:`~infosim.optimise.spec.OptimiseSpec`)."""
        from infosim.optimise.spec import OptimiseSpec

        return OptimiseSpec.model_validate(self.meta["definition"]["spec"])

    @cached_property
    def candidates(self) -> pd.DataFrame:
        """Every candidate evaluated: generation, validity, settings."""
        return self._table("candidates")

    @cached_property
    def values(self) -> pd.DataFrame:
        """Every candidate's objectives on every draw."""
        return self._table("values")

    @cached_property
    def history(self) -> pd.DataFrame:
        """One row per generation."""
        return self._table("history")

    @cached_property
    def pareto(self) -> pd.DataFrame:
        """The Pareto sets (and the reference) with settings and robustness metrics."""
        return self._table("pareto")

    @cached_property
    def robustness(self) -> pd.DataFrame:
        """Every evaluated policy x objective: mean, interval, low percentile, regret, Pareto flags."""
        return self._table("robustness")

    @cached_property
    def comparison(self) -> pd.DataFrame:
        """Pareto policies minus the reference, paired draw by draw."""
        return self._table("comparison")

    @cached_property
    def ensemble(self) -> pd.DataFrame:
        """The parameter draws."""
        return self._table("ensemble")

    @property
    def columns(self) -> dict[str, str]:
        """Decision variable key -> its column."""
        return dict(self.meta.get("columns", {}))

    @property
    def reference(self) -> str:
        """The reference policy's name (the base scenario)."""
        return str(self.meta["definition"]["base"]["name"])

    @property
    def finished(self) -> bool:
        """True once the search ran to its last generation and wrote its tables."""
        return self.meta.get("status") == "done"

    @cached_property
    def recheck(self) -> dict[str, Any] | None:
        """The summary of ``infosim optimise recheck`` (None if it has not run)."""
        p = self.path / "recheck" / "recheck.json"
        return json.loads(p.read_text()) if p.is_file() else None

    def recheck_table(self, name: str) -> pd.DataFrame:
        """A table of the recheck: ``candidates`` or ``pairs``."""
        p = self.path / "recheck" / f"{name}.parquet"
        return pd.read_parquet(p) if p.is_file() else pd.DataFrame()

    def runs_and_time(self) -> pd.DataFrame:
        """Runs and wall time per session (from the sessions recorded)."""
        return pd.DataFrame(self.meta.get("sessions", []))


def load_optimisation(path: str | Path) -> OptimisationResults:
    """Open an optimisation folder written by :func:`~infosim.optimise.optimise`.

    Raises:
        StoreError: not an optimisation folder.
    """
    p = Path(path)
    meta_path = p / META_FILE
    if not meta_path.is_file():
        raise StoreError(f"{p}: not an optimisation folder (no {META_FILE})")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"{meta_path}: unreadable ({type(exc).__name__})") from None
    return OptimisationResults(p, meta)
