"""Policy levers, each one module holding its whole mechanism, and the government that runs them.

| lever | module | policy, clauses |
|---|---|---|
| 5G build-out | `buildout.py` | 苏政办发〔2020〕31号, 1, 2 |
| gigabit pilots | `gigabit.py` | 苏政办发〔2020〕31号, 1, 13 |
| terminal subsidies | `terminal_subsidy.py` | 苏政办发〔2020〕31号, 6, 7 |
| handset trade-in (2025, national) | `handset_trade_in.py` | 发改环资〔2025〕13号 |
| consumption vouchers | `vouchers.py` | 苏政办发〔2020〕31号, 27 |
| cloud incentives | `cloud_incentive.py` | 苏政办发〔2020〕31号, 21, 23, 27, 28 |
| awareness and inclusion | `awareness.py` | 苏政办发〔2020〕31号, 8, 10, 11 |

Every module of this package other than ``base`` and ``ledger`` is a lever: it is found here by
itself (adding a lever is adding a file), its settings become the scenario section
``[levers.<name>]``, and :class:`Government` calls its hooks each month. See
``docs/adding_a_lever.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from pydantic import Field, create_model

from infosim.levers.base import Lever, LeverSettings
from infosim.levers.ledger import Ledger
from infosim.outcomes import Outcome
from infosim.parameters.types import Strict
from infosim.world import World
from infosim.world.context import MonthContext
from infosim.world.geography import N_CITIES
from infosim.world.policy import Decision, Offer, ProgrammeEffects, Purchase, Settlement, Spending

_NOT_LEVERS = frozenset({"base", "ledger"})


def _discover() -> tuple[type[Lever], ...]:
    """Every Lever subclass defined in a module of this package, in ``position`` order."""
    found: list[type[Lever]] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_LEVERS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Lever) and obj.__module__ == module.__name__ and obj.name:
                found.append(obj)
    names = [c.name for c in found]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise RuntimeError(f"two levers share the name(s) {sorted(duplicated)}")
    return tuple(sorted(found, key=lambda c: (c.position, c.name)))


LEVER_CLASSES: tuple[type[Lever], ...] = _discover()
LEVER_NAMES: tuple[str, ...] = tuple(c.name for c in LEVER_CLASSES)
LEVER_BY_NAME: dict[str, type[Lever]] = {c.name: c for c in LEVER_CLASSES}

#: The ``levers`` section of a scenario: one settings table per lever.
Levers = create_model(
    "Levers",
    __base__=Strict,
    __doc__="The government's levers; each names the policy clause it models (a constant of its module).",
    **{c.name: (c.Settings, Field(default_factory=c.Settings)) for c in LEVER_CLASSES},
)


def levers_paying(kind: str) -> tuple[str, ...]:
    """Names of the levers that pay agents of `kind` ('household' or 'enterprise') per agent."""
    return tuple(c.name for c in LEVER_CLASSES if kind in c.PAYS)


def lever_outcomes() -> tuple[Outcome, ...]:
    """Outcomes the levers report besides their fiscal spending (e.g. vouchers issued and redeemed)."""
    return tuple(o for c in LEVER_CLASSES for o in getattr(c, "OUTCOMES", ()))


class Government:
    """The scenario's levers bound to one ledger, called stage by stage each month.

    It is what agents see as the :class:`infosim.world.policy.Policy`: they ask it for offers on
    purchases and it settles the claims lever by lever.

    Args:
        levers: the scenario's ``levers`` section.
        run_start: the run's first month, 'YYYY-MM'.
        months: months simulated.
        world: the run's world.
        keep_agents: keep the agent-level payment log.
    """

    def __init__(self, levers: Any, run_start: str, months: int, world: World, keep_agents: bool = False) -> None:
        budgets = {name: getattr(levers, name).budget_yuan for name in LEVER_NAMES}
        agents = {"household": world.households.n, "enterprise": world.enterprises.n}
        self.ledger = Ledger(LEVER_NAMES, budgets, months, N_CITIES, agents=agents, keep_agents=keep_agents)
        self.levers: dict[str, Lever] = {
            c.name: c(getattr(levers, c.name), run_start, self.ledger, world) for c in LEVER_CLASSES
        }

    def __getattr__(self, name: str) -> Lever:
        levers = self.__dict__.get("levers", {})
        if name in levers:
            return levers[name]
        raise AttributeError(name)

    # ------------------------------------------------------------------ stages
    def prepare_month(self, ctx: MonthContext) -> None:
        """Stage 1: each lever sets what it changes in the month's market conditions."""
        for lever in self.levers.values():
            lever.prepare_month(ctx)

    def act(self, ctx: MonthContext) -> list[ProgrammeEffects]:
        """Stage 2: levers issue vouchers, fund programmes and pilots; effects on households."""
        effects = [lever.act(ctx) for lever in self.levers.values()]
        return [e for e in effects if e is not None]

    def offer(self, ctx: MonthContext, purchase: Purchase) -> Offer:
        """Every lever's offer on `purchase` this month, in settlement order."""
        parts = [lever.offer(ctx, purchase) for lever in self.levers.values()]
        return Offer([p for p in parts if p is not None])

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: Offer, decision: Decision) -> Settlement:
        """Settle each lever's claims in order; refused claimants fall back to their no-offer decision."""
        final = decision.with_offer
        settlement = Settlement(final)
        for part in offer.parts:
            done = self.levers[part.lever].settle(ctx, purchase, part, Decision(decision.without, final))
            if done.refused.size:
                if final is decision.with_offer:
                    final = final.copy()
                final[done.refused] = decision.without[done.refused]
                settlement.refused.append(done.refused)
            if done.paid_rows.size:
                settlement.paid.append((part.lever, done.paid_rows, done.paid_yuan))
            if done.bundled.size:
                settlement.bundled.append((done.bundled, done.bundle_months))
            if done.freed_rows.size:
                settlement.freed.append((part.lever, done.freed_rows, done.freed_yuan))
        settlement.final = final
        return settlement

    def pay_on_spending(self, ctx: MonthContext, spending: Spending) -> None:
        """Levers pay what they owe on qualifying spending (e.g. tax deductions)."""
        for lever in self.levers.values():
            lever.pay_on_spending(ctx, spending)

    def close_month(self, ctx: MonthContext) -> None:
        """Stage 5: payments due at the end of the month; lapses."""
        for lever in self.levers.values():
            lever.close_month(ctx)

    # ------------------------------------------------------------------ outputs
    def outputs(self) -> dict[str, float]:
        """The levers' own monthly outputs (e.g. vouchers held)."""
        out: dict[str, float] = {}
        for lever in self.levers.values():
            if hasattr(lever, "outputs"):
                out.update(lever.outputs())
        return out

    def summary(self) -> dict[str, float]:
        """The levers' own end-of-run scalars."""
        out: dict[str, float] = {}
        for lever in self.levers.values():
            if hasattr(lever, "summary"):
                out.update(lever.summary())
        return out


__all__ = [
    "LEVER_BY_NAME",
    "LEVER_CLASSES",
    "LEVER_NAMES",
    "Government",
    "Ledger",
    "Lever",
    "LeverSettings",
    "Levers",
    "lever_outcomes",
    "levers_paying",
]
