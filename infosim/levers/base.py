"""What every lever shares: its scenario section, its period and budget, its hooks into the month,
and the first-come settlement of claims.

A lever is one module (see ``docs/adding_a_lever.md``): a settings class (its scenario section,
naming the clause of 苏政办发〔2020〕31号 it models as a class constant) and a :class:`Lever`
subclass that implements the hooks it needs. The levers package finds every lever module by
itself; the model calls the hooks through :class:`infosim.levers.Government`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from infosim.calendar import month_index, parse_month
from infosim.levers.ledger import Ledger
from infosim.parameters.types import Month, Strict, Yuan
from infosim.world import World
from infosim.world.context import MonthContext
from infosim.world.policy import Decision, LeverOffer, LeverSettlement, ProgrammeEffects, Purchase, Spending


class LeverSettings(Strict):
    """Common fields of a lever's scenario section: on/off, period, budget, tapering.

    Subclasses set ``CLAUSE``: the clause number(s) of the policy document ``POLICY`` (by default
    the 2020 Jiangsu policy, 苏政办发〔2020〕31号) the lever models. Both are constants of the
    lever, not scenario data.
    """

    POLICY: ClassVar[str] = "苏政办发〔2020〕31号"
    CLAUSE: ClassVar[str] = ""

    enabled: bool = False
    start: Month = "2020-04"
    end: Month | None = Field(None, description="last month the lever acts (inclusive); None = open")
    budget_yuan: Yuan | None = Field(
        None, description="total fiscal budget (yuan); the lever stops when spent; None = no cap"
    )
    taper_per_year: float = Field(0.0, ge=0.0, lt=1.0, description="yearly fall of the lever's rates after start")

    @model_validator(mode="after")
    def _end_after_start(self) -> LeverSettings:
        if self.end is not None and parse_month(self.end) < parse_month(self.start):
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def check_against_run(self, run_start: str) -> None:
        """Raise ValueError if these settings cannot apply to a run starting in `run_start`."""


class Lever:
    """A lever's rule: its settings bound to the run's calendar, the world and the ledger.

    Subclasses set ``name`` (the key under ``levers`` in a scenario), ``Settings`` (the settings
    class), ``position`` (order in the ledger, the outputs and the settlement of a purchase
    several levers pay on) and ``PAYS`` (the agent kinds it pays per agent, whose money the
    breakdowns report by group), and override the hooks they need; the defaults do nothing.

    Args:
        cfg: the lever's validated scenario section.
        run_start: the run's first month, 'YYYY-MM'.
        ledger: the government ledger the lever pays through.
        world: the run's world (populations, infrastructure).
    """

    name: ClassVar[str] = ""
    Settings: ClassVar[type[LeverSettings]] = LeverSettings
    position: ClassVar[int] = 100
    PAYS: ClassVar[tuple[str, ...]] = ()  # agent kinds it pays per agent ('household', 'enterprise')

    def __init__(self, cfg: LeverSettings, run_start: str, ledger: Ledger, world: World) -> None:
        self.cfg = cfg
        self.ledger = ledger
        self.world = world
        self.start = month_index(cfg.start, run_start)
        self.end = month_index(cfg.end, run_start) if cfg.end is not None else 10**9

    @property
    def clause(self) -> str:
        """The policy document and clause(s) this lever models, e.g. '苏政办发〔2020〕31号, clause 27'."""
        return f"{self.Settings.POLICY}, clause {self.Settings.CLAUSE}"

    # ------------------------------------------------------------------ period, budget, taper
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

    # ------------------------------------------------------------------ hooks (defaults: nothing)
    def prepare_month(self, ctx: MonthContext) -> None:
        """Stage 1: set what the lever changes in the month's market conditions (e.g. costs)."""

    def act(self, ctx: MonthContext) -> ProgrammeEffects | None:
        """Stage 2: issue, fund and run programmes; return effects on households, if any."""
        return None

    def offer(self, ctx: MonthContext, purchase: Purchase) -> LeverOffer | None:
        """The lever's offer on a purchase this month (None: nothing offered)."""
        return None

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: LeverOffer, decision: Decision) -> LeverSettlement:
        """Pay the claims of the agents who buy with the offer (``decision.with_offer``)."""
        return LeverSettlement()

    def pay_on_spending(self, ctx: MonthContext, spending: Spending) -> None:
        """Pay what the lever owes on qualifying spending this month."""

    def close_month(self, ctx: MonthContext) -> None:
        """Stage 5: payments due at the end of the month; lapses."""


def pay_first_come(
    lever: Lever,
    month: int,
    rows: np.ndarray,
    per_agent: np.ndarray,
    order: np.ndarray,
    city: np.ndarray,
    recipient: str,
    weight: float,
    *,
    product: str | np.ndarray,
    share_paid: float = 1.0,
    honour_commitment: bool = False,
) -> np.ndarray:
    """Pay claims first come, first served while the lever's budget lasts.

    Args:
        lever: the paying lever.
        month: month index.
        rows: claimant agents.
        per_agent: what one real claimant is paid (one per claimant; credited to the ledger's
            per-agent accounts as float32).
        order: each claimant's first-come draw (lower comes first; ties in row order).
        city: each claimant's city.
        recipient: 'household' or 'enterprise'.
        weight: real agents each agent stands for (payments are province totals).
        product: what each payment is for (one string, or one per claimant).
        share_paid: share of `per_agent` the public budget pays (the rest is co-funded).
        honour_commitment: pay even after the lever closed (vouchers issued earlier).

    Returns:
        Boolean mask over `rows` (in the order given) of the claims paid.
    """
    first = np.argsort(order, kind="stable")
    amounts = per_agent[first]
    products = product if isinstance(product, str) else np.asarray(product)[first]
    paid_sorted = lever.ledger.pay(
        lever.name,
        month,
        amounts.astype(np.float64) * weight * share_paid,
        city[first],
        recipient,
        agent_ids=rows[first],
        product=products,
        per_agent=(amounts if share_paid == 1.0 else amounts * np.float32(share_paid)).astype(np.float32, copy=False),
        honour_commitment=honour_commitment,
    )
    paid = np.zeros(rows.size, dtype=bool)
    paid[first] = paid_sorted
    return paid


def claims_per_unit(purchase: Purchase, decision: Decision, per_unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Claimants of a per-unit offer (agents who buy with the offer) and what each claims (float32).

    Args:
        purchase: the purchase (its ``units`` per agent; one each when None).
        decision: the agents' decision with and without the offers.
        per_unit: yuan offered per unit.

    Returns:
        (claimant rows, yuan each claims), claims of zero left out.
    """
    idx = np.flatnonzero(decision.with_offer)
    units = purchase.units
    amount = np.full(idx.size, per_unit, dtype=np.float32) if units is None else per_unit * units[idx]
    claim = amount > 0
    return idx[claim], amount[claim]


def freed_by_anyway_purchases(
    purchase: Purchase, decision: Decision, paid: np.ndarray, per_unit: float
) -> tuple[np.ndarray, np.ndarray]:
    """Money a per-unit offer paid for units the agents would have bought without it.

    Units bought without the offer are ``purchase.attrs["units_without"]`` when given (else one
    each where the no-offer decision buys).

    Returns:
        (agents, yuan each) among the `paid` agents who bought something anyway.
    """
    anyway = paid[decision.without[paid]]
    if anyway.size == 0:
        return anyway, np.zeros(0, dtype=np.float32)
    units_without = purchase.attrs.get("units_without")
    units_with = purchase.units
    if units_without is None or units_with is None:
        return anyway, np.full(anyway.size, per_unit, dtype=np.float32)
    units = np.minimum(units_without[anyway], units_with[anyway])
    return anyway, (per_unit * units).astype(np.float32)

