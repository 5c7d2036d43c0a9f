"""What every lever shares: its period (start/end months), tapering and budget state."""

from __future__ import annotations

from infosim.calendar import month_index
from infosim.levers.ledger import Ledger
from infosim.scenario.schema import Lever


class LeverRule:
    """A lever's configuration bound to the run's calendar and the ledger.

    Args:
        name: the lever's name (its key under ``levers`` in a scenario).
        cfg: the lever's validated scenario section.
        run_start: the run's first month, 'YYYY-MM'.
        ledger: the government ledger the lever pays through.
    """

    def __init__(self, name: str, cfg: Lever, run_start: str, ledger: Ledger) -> None:
        self.name = name
        self.cfg = cfg
        self.ledger = ledger
        self.start = month_index(cfg.start, run_start)
        self.end = month_index(cfg.end, run_start) if cfg.end is not None else 10**9

    def in_period(self, month: int) -> bool:
        """Enabled and within [start, end] (budget not considered)."""
        return self.cfg.enabled and self.start <= month <= self.end

    def is_on(self, month: int) -> bool:
        """Enabled, within its period and with budget left."""
        return self.in_period(month) and self.ledger.active(self.name)

    def taper(self, month: int) -> float:
        """Multiplier on the lever's rates: (1 - taper_per_year) ** years since start."""
        years = max(0.0, (month - self.start) / 12.0)
        return (1.0 - self.cfg.taper_per_year) ** years
