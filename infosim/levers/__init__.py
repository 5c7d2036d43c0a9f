"""Policy levers of the 2020 Jiangsu package, each in its own module named after it, and the
government ledger they pay through.

| lever | module | clauses |
|---|---|---|
| 5G build-out | `buildout.py` | 1, 2 |
| gigabit pilots | `gigabit.py` | 1, 13 |
| terminal subsidies | `terminal_subsidy.py` | 6, 7 |
| consumption vouchers | `vouchers.py` | 27 |
| cloud incentives | `cloud_incentive.py` | 21, 23, 27, 28 |
| awareness and inclusion | `awareness.py` | 8, 10, 11 |
"""

from __future__ import annotations

from dataclasses import dataclass

from infosim.levers.awareness import Awareness
from infosim.levers.buildout import Buildout
from infosim.levers.cloud_incentive import CloudIncentive
from infosim.levers.gigabit import GigabitPilots
from infosim.levers.ledger import Ledger
from infosim.levers.terminal_subsidy import TerminalSubsidy
from infosim.levers.vouchers import Vouchers
from infosim.scenario.schema import CITIES, LEVER_NAMES, Levers


@dataclass
class Government:
    """The scenario's levers bound to one ledger."""

    ledger: Ledger
    buildout: Buildout
    gigabit: GigabitPilots
    terminal_subsidy: TerminalSubsidy
    vouchers: Vouchers
    cloud_incentive: CloudIncentive
    awareness: Awareness

    @classmethod
    def from_scenario(cls, levers: Levers, run_start: str, months: int, keep_agents: bool) -> Government:
        """Bind every lever section of a scenario to a fresh ledger."""
        budgets = {name: getattr(levers, name).budget_yuan for name in LEVER_NAMES}
        ledger = Ledger(LEVER_NAMES, budgets, months, len(CITIES), keep_agents=keep_agents)
        classes = {
            "buildout": Buildout,
            "gigabit": GigabitPilots,
            "terminal_subsidy": TerminalSubsidy,
            "vouchers": Vouchers,
            "cloud_incentive": CloudIncentive,
            "awareness": Awareness,
        }
        rules = {name: classes[name](name, getattr(levers, name), run_start, ledger) for name in LEVER_NAMES}
        return cls(ledger=ledger, **rules)


__all__ = [
    "Awareness",
    "Buildout",
    "CloudIncentive",
    "GigabitPilots",
    "Government",
    "Ledger",
    "TerminalSubsidy",
    "Vouchers",
]
