"""The narrow interface between the agents and the policy levers.

Agents do not know voucher or subsidy rules. When they are about to buy something they describe
the purchase (:class:`Purchase`); the government answers with the month's combined offer
(:class:`Offer`: money off, per unit for everyone and per agent for some). The agents decide on the
same random draws without any offer and with every offer (:class:`Decision`), and the government
settles the claims lever by lever, first come first served while each budget lasts
(:class:`Settlement`): claimants it refuses fall back to their no-offer decision. Programmes that
act on households directly come back as :class:`ProgrammeEffects` that the households apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from infosim.world.context import MonthContext
from infosim.world.numerics import NO_ROWS, NO_VALUES

Buyer = Literal["household", "enterprise"]


@dataclass(frozen=True)
class Purchase:
    """A purchase agents may make this month, as the levers see it.

    Attributes:
        buyer: ``household`` or ``enterprise``.
        product: ``phone5g``, ``smart_home``, ``tv4k``, ``gigabit``, ``services`` (monthly
            services bought anyway) or ``cloud_stage`` (a firm climbing one cloud stage).
        unit_price: list price of one unit (yuan; an array over all agents when it differs).
        units: units each agent would buy (float32 over all agents; None = one each).
        attrs: product-specific facts a lever may read (e.g. ``next_stage`` of a cloud move).
    """

    buyer: Buyer
    product: str
    unit_price: float | np.ndarray
    units: np.ndarray | None = None
    attrs: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass
class LeverOffer:
    """One lever's offer on a purchase.

    Attributes:
        lever: the lever's name.
        per_unit: yuan off each unit, for every agent.
        per_agent: yuan off the whole purchase, for every agent (an array over all agents), or None.
        holders: agents with an individual offer (sorted indices).
        holder_amount: yuan off their whole purchase (float32, one per holder).
        holder_min_spend: the spending on the purchase the individual offer requires (a
            voucher's minimum spend; float32, one per holder), or None.
        pull: non-price pull on the decision (e.g. demonstration programmes), added to the
            peer effect.
    """

    lever: str
    per_unit: float = 0.0
    per_agent: np.ndarray | None = None
    holders: np.ndarray = field(default_factory=lambda: NO_ROWS)
    holder_amount: np.ndarray = field(default_factory=lambda: NO_VALUES)
    holder_min_spend: np.ndarray | None = None
    pull: float = 0.0


@dataclass
class Offer:
    """All levers' offers on one purchase this month, in settlement order."""

    parts: list[LeverOffer] = field(default_factory=list)

    @property
    def any(self) -> bool:
        """Whether any lever offers anything."""
        return bool(self.parts)

    @property
    def per_unit(self) -> float:
        """Yuan off each unit for every agent (all levers)."""
        return float(sum(p.per_unit for p in self.parts))

    @property
    def pull(self) -> float:
        """Non-price pull (all levers)."""
        return float(sum(p.pull for p in self.parts))

    def per_agent(self, n: int) -> np.ndarray:
        """Yuan off the whole purchase for every agent (levers offering per agent; zeros if none)."""
        arrays = [p.per_agent for p in self.parts if p.per_agent is not None]
        if not arrays:
            return np.zeros(n)
        return arrays[0] if len(arrays) == 1 else np.sum(arrays, axis=0)

    @property
    def holders(self) -> np.ndarray:
        """Agents with an individual offer (sorted, unique)."""
        parts = [p.holders for p in self.parts if p.holders.size]
        if not parts:
            return NO_ROWS
        return parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))

    def holder_amount(self) -> np.ndarray:
        """Yuan off the whole purchase for each of :attr:`holders` (float32, all levers)."""
        parts = [p for p in self.parts if p.holders.size]
        if len(parts) == 1:
            return parts[0].holder_amount
        holders = self.holders
        total = np.zeros(holders.size, dtype=np.float32)
        for p in parts:
            total[np.searchsorted(holders, p.holders)] += p.holder_amount
        return total

    def holder_min_spend(self) -> np.ndarray:
        """Minimum spend each of :attr:`holders` must reach (the largest any lever asks; 0 if none)."""
        holders = self.holders
        need = np.zeros(holders.size, dtype=np.float32)
        for p in self.parts:
            if p.holders.size and p.holder_min_spend is not None:
                at = np.searchsorted(holders, p.holders)
                need[at] = np.maximum(need[at], p.holder_min_spend)
        return need


@dataclass
class Decision:
    """A purchase decision evaluated on the same draws without any offer and with every offer."""

    without: np.ndarray
    with_offer: np.ndarray


@dataclass
class LeverSettlement:
    """What one lever's settlement changed.

    Attributes:
        refused: claimants whose claim was refused (the budget ran out): they fall back to
            their no-offer decision.
        paid_rows, paid_yuan: claimants paid and what each received (one real agent, float32).
        bundled: agents whose paid offer requires a bundled service (clause 6: a 5G plan with a
            subsidised 5G phone), held for `bundle_months`.
        freed_rows, freed_yuan: money paid for purchases the agents made anyway (they may spend
            part of it on other things).
    """

    refused: np.ndarray = field(default_factory=lambda: NO_ROWS)
    paid_rows: np.ndarray = field(default_factory=lambda: NO_ROWS)
    paid_yuan: np.ndarray = field(default_factory=lambda: NO_VALUES)
    bundled: np.ndarray = field(default_factory=lambda: NO_ROWS)
    bundle_months: int = 0
    freed_rows: np.ndarray = field(default_factory=lambda: NO_ROWS)
    freed_yuan: np.ndarray = field(default_factory=lambda: NO_VALUES)


@dataclass
class Settlement:
    """The outcome of settling every lever's claims on one purchase.

    Attributes:
        final: who buys, after refused claimants fell back to their decision without the offer.
        refused: claimants refused, lever by lever.
        paid: (lever, agents paid, yuan each) lever by lever.
        bundled: (agents, contract months) of bundled services.
        freed: (lever, agents, yuan) of money paid for purchases made anyway.
    """

    final: np.ndarray
    refused: list[np.ndarray] = field(default_factory=list)
    paid: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)
    bundled: list[tuple[np.ndarray, int]] = field(default_factory=list)
    freed: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)


@dataclass(frozen=True)
class Spending:
    """Spending agents made this month that a lever may pay on (e.g. a tax deduction on cloud spend).

    Attributes:
        buyer: ``household`` or ``enterprise``.
        product: what was bought (e.g. ``cloud``).
        yuan: spending of one real agent per agent this month (over all agents).
        attrs: facts a lever may read to decide what qualifies (e.g. ``stage``, ``manufacturer``).
    """

    buyer: Buyer
    product: str
    yuan: np.ndarray
    attrs: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ProgrammeEffects:
    """What public programmes did to households this month (the households apply it).

    Attributes:
        awareness_gain_by_city: share of the awareness gap closed in each city (float32), or None.
        literacy_rows: households whose digital literacy rises.
        literacy_gain: share of their literacy gap closed (applied in float32).
    """

    awareness_gain_by_city: np.ndarray | None = None
    literacy_rows: np.ndarray = field(default_factory=lambda: NO_ROWS)
    literacy_gain: float = 0.0


class Policy(Protocol):
    """What the agents may ask of the government (implemented by ``infosim.levers.Government``)."""

    def offer(self, ctx: MonthContext, purchase: Purchase) -> Offer:
        """The levers' combined offer on `purchase` this month."""
        ...

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: Offer, decision: Decision) -> Settlement:
        """Pay the claims of agents who buy with the offer; refused claimants fall back."""
        ...

    def pay_on_spending(self, ctx: MonthContext, spending: Spending) -> None:
        """Pay what levers owe on qualifying spending (e.g. the R&D super-deduction)."""
        ...
