"""The result of one run: its monthly series, summary, breakdowns, ledger and agent records."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class RunResult:
    """Everything a run produces.

    Attributes:
        scenario: scenario name.
        seed: the integer seed the run used (``infosim run NAME --seed SEED`` reproduces it).
        timeseries: one row per month: ``month`` ('YYYY-MM') then numeric province totals.
        summary: scalar outcomes (values at horizons, cumulative totals).
        breakdowns: end-of-run group breakdowns, long format:
            ``dimension, group, metric, value`` (dimension e.g. ``income_quintile``).
        ledger: government payments aggregated by ``lever, month, city, recipient, yuan``.
        agents: agent-level records (``keep_agents=True`` only): one row per household or
            enterprise agent with its groups, weight, first-adoption months and yuan received.
        payments: agent-level payment log (``keep_agents=True`` only):
            ``kind, agent_id, month, lever, product, yuan``.
        elapsed_s: wall-clock seconds for build + run.
    """

    scenario: str
    seed: int
    timeseries: pd.DataFrame
    summary: dict[str, float]
    breakdowns: pd.DataFrame
    ledger: pd.DataFrame
    agents: pd.DataFrame | None = None
    payments: pd.DataFrame | None = None
    elapsed_s: float = 0.0
    meta: dict[str, object] = field(default_factory=dict)
