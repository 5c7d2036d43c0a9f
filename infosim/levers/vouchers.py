"""Information consumption vouchers (苏政办发〔2020〕31号, clause 27): waves with a face value, a
minimum spend, a number of vouchers and a redemption window; eligibility rules; first-come
distribution; redemption when a holder's spending on eligible products clears the minimum.

What a voucher does is not set by a coefficient: it emerges from its terms and from what
households were buying anyway. A holder who buys an eligible product worth at least the minimum
(a phone, a device, a gigabit plan, or its routine information goods) redeems it — for a purchase
made anyway that frees money; a voucher is also a price cut that can pull a durable purchase
forward; and a holder whose month's eligible spending falls short of the minimum may spend up to
it (the households' rule, ``agents/households/spending.py``). Redemption shares, pull-forward and
the extra spending per public yuan follow.

A voucher is issued only while the budget can cover it (the liability is committed at issue), so
every redemption is funded; unredeemed vouchers lapse at the end of their window and free
their commitment for later waves. A wave the uncommitted budget cannot cover in full is
rationed (first come, first served; the month is recorded); the lever is exhausted when a wave
cannot be given a single voucher and nothing is outstanding that could lapse. Waves are issued
only within the lever's [start, end]; vouchers issued are honoured until their window ends.
The vouchers households hold are this lever's state (face value, minimum spend, expiry).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from infosim.calendar import month_index, parse_month
from infosim.levers.base import Lever, LeverSettings, pay_first_come
from infosim.levers.ledger import Ledger
from infosim.outcomes import Outcome
from infosim.parameters.types import Month, NonNeg, Positive, Share, Strict
from infosim.world import World
from infosim.world.context import HouseholdDraw, MonthContext
from infosim.world.numerics import NO_ROWS
from infosim.world.policy import Decision, LeverOffer, LeverSettlement, Purchase
from infosim.world.state import HouseholdState

Eligibility = Literal["all", "low_income", "rural", "elderly", "rural_or_elderly"]
#: What a voucher can pay for: the household products, and "goods" — routine information goods
#: (accessories, small electronics, ...) bought at the shop. A voucher without a minimum spend
#: pays for anything, services included.
VoucherProduct = Literal["phone5g", "smart_home", "tv4k", "gigabit", "goods"]
GOODS = "goods"
GOODS_TOPUP = "goods_topup"  # goods bought only to reach a voucher's minimum spend (payment log)


class VoucherWave(Strict):
    """One wave of information consumption vouchers."""

    month: Month
    face_value_yuan: Positive
    min_spend_yuan: NonNeg
    vouchers: int = Field(..., ge=0, description="vouchers issued in the wave (province total)")
    window_months: int = Field(2, ge=1, le=24, description="redemption window")

    @model_validator(mode="after")
    def _min_spend_covers_face(self) -> VoucherWave:
        if self.min_spend_yuan and self.min_spend_yuan < self.face_value_yuan:
            raise ValueError("min_spend_yuan must be 0 or at least face_value_yuan")
        return self


class VoucherSettings(LeverSettings):
    """City 'information consumption vouchers' (clause 27)."""

    CLAUSE: ClassVar[str] = "27"

    waves: list[VoucherWave] = Field(default_factory=list)
    eligibility: Eligibility = "all"
    low_income_quintiles: int = Field(2, ge=1, le=5, description="'low income' = bottom N quintiles")
    claim_share: Share = Field(0.6, description="share of eligible households who try to claim")
    products: list[VoucherProduct] = Field(
        default_factory=lambda: ["phone5g", "smart_home", "tv4k", "gigabit", "goods"],
        description="what the vouchers can pay for (clause 27 leaves it to the cities)",
    )

    @model_validator(mode="after")
    def _waves_within_period(self) -> VoucherSettings:
        for i, wave in enumerate(self.waves):
            month = parse_month(wave.month)
            if month < parse_month(self.start) or (self.end is not None and month > parse_month(self.end)):
                period = f"[{self.start}, {self.end or 'open'}]"
                raise ValueError(f"waves.{i}: month {wave.month} is outside the lever's period {period}")
        return self

    def check_against_run(self, run_start: str) -> None:
        """A wave before the run's first month never happens (a wave after its last is fine)."""
        for i, wave in enumerate(self.waves):
            if parse_month(wave.month) < parse_month(run_start):
                raise ValueError(f"waves.{i}: month {wave.month} is before run.start ({run_start})")


class Vouchers(Lever):
    """Clause 27: '支持鼓励各设区市…发放"信息消费券"'."""

    name: ClassVar[str] = "vouchers"
    Settings: ClassVar[type[LeverSettings]] = VoucherSettings
    position: ClassVar[int] = 40
    PAYS: ClassVar[tuple[str, ...]] = ("household",)
    OUTCOMES: ClassVar[tuple[Outcome, ...]] = (
        Outcome("vouchers_held", "Vouchers held", "vouchers", "stock"),
        Outcome("vouchers_issued_cumulative", "Vouchers issued, cumulative", "vouchers", "stock"),
        Outcome("vouchers_redeemed_cumulative", "Vouchers redeemed, cumulative", "vouchers", "stock"),
    )
    cfg: VoucherSettings

    def __init__(self, cfg: VoucherSettings, run_start: str, ledger: Ledger, world: World) -> None:
        super().__init__(cfg, run_start, ledger, world)
        self.wave_months = [month_index(w.month, run_start) for w in cfg.waves]
        self.committed = 0.0  # yuan promised by vouchers held and not yet redeemed
        self.issued = 0.0  # vouchers issued (province total)
        self.redeemed = 0.0
        self.rationed_month: int | None = None  # first wave the budget could not cover in full
        n = world.households.n
        self.face = np.zeros(n, dtype=np.float32)  # face value of the voucher each household holds (0 = none)
        self.min_spend = np.zeros(n, dtype=np.float32)
        self.expiry = np.zeros(n, dtype=np.int16)
        self._holders: tuple[int, np.ndarray] = (-1, NO_ROWS)
        self._holding = False  # False: no household holds a voucher (the scans below are skipped)

    # ------------------------------------------------------------------ issue
    def eligible(self, hh: HouseholdState) -> np.ndarray:
        """Households eligible under the lever's rule."""
        rule = self.cfg.eligibility
        if rule == "all":
            return np.ones(hh.n, dtype=bool)
        if rule == "low_income":
            return hh.quintile < self.cfg.low_income_quintiles
        if rule == "rural":
            return ~hh.urban
        if rule == "elderly":
            return hh.elderly.copy()
        return ~hh.urban | hh.elderly

    def issues_in(self, month: int) -> bool:
        """Whether a wave may be issued in `month` (enabled, a wave dated then, budget left)."""
        return self.in_period(month) and month in self.wave_months and self.ledger.active(self.name)

    def act(self, ctx: MonthContext) -> None:
        """Issue the month's waves."""
        if self.issues_in(ctx.month):
            self.issue(ctx.month, ctx.hh_draws[HouseholdDraw.VOUCHER_CLAIM], ctx.hh_draws[HouseholdDraw.ORDER])

    def issue(self, month: int, claim_u: np.ndarray, order_u: np.ndarray) -> int:
        """Issue this month's waves: eligible claimants in first-come order while vouchers and budget last.

        Returns:
            Number of household agents that received a voucher.
        """
        if not self.in_period(month):
            return 0
        hh, weight = self.world.households, self.world.household_weight
        given = 0
        for wave, wave_month in zip(self.cfg.waves, self.wave_months, strict=True):
            if wave_month != month or not self.ledger.active(self.name):
                continue
            # The face value is stored as float32: commit exactly what will be paid.
            face = float(np.float32(wave.face_value_yuan * self.taper(month)))
            if face <= 0:
                continue
            claim = self.eligible(hh) & (claim_u < self.cfg.claim_share) & (self.face == 0)
            idx = np.flatnonzero(claim)
            budget_left = self.ledger.remaining(self.name) - self.committed
            face_total = face * weight
            n_budget = int(budget_left // face_total) if np.isfinite(budget_left) else idx.size
            wanted = min(idx.size, round(wave.vouchers / weight))
            n = min(wanted, max(n_budget, 0))
            if n < wanted and self.rationed_month is None:
                self.rationed_month = month
            if n == 0 and wanted > 0 and self.committed <= 0:  # no money left, nothing can lapse
                self.ledger.mark_exhausted(self.name, month)
            chosen = first_come(idx, order_u[idx], n)
            self.face[chosen] = face
            self._holding |= chosen.size > 0
            self.min_spend[chosen] = wave.min_spend_yuan
            self.expiry[chosen] = month + wave.window_months - 1
            self.committed += n * face_total
            self.issued += n * weight
            given += n
        return given

    # ------------------------------------------------------------------ offer and redeem
    def offer(self, ctx: MonthContext, purchase: Purchase) -> LeverOffer | None:
        """Holders of a voucher usable on the purchase, its face value and its minimum spend.

        On a product the lever covers: minimum-spend vouchers whose minimum one unit clears. On
        routine goods (the month's shopping): minimum-spend vouchers if the lever covers goods,
        and vouchers without a minimum, which pay for anything.
        """
        if purchase.buyer != "household" or not self.cfg.enabled or not self._holding:
            return None
        if purchase.product == GOODS:
            usable = (self.face > 0) & ((self.min_spend == 0) | (GOODS in self.cfg.products))
            holders = np.flatnonzero(usable)
        elif purchase.product in self.cfg.products:
            holders = self._usable(ctx.month, np.float32(purchase.unit_price))
        else:
            return None
        if holders.size == 0:
            return None
        return LeverOffer(
            self.name, holders=holders, holder_amount=self.face[holders], holder_min_spend=self.min_spend[holders]
        )

    def _usable(self, month: int, price: np.float32) -> np.ndarray:
        """Households holding a minimum-spend voucher whose minimum one unit at `price` clears.

        The month's first call finds the holders; vouchers are issued before households act and
        only redeemed while they act, so later calls look among those only.
        """
        if self._holders[0] == month:
            holders = self._holders[1]
            holders = holders[self.face[holders] > 0]
        else:
            holders = np.flatnonzero(self.face > 0)
        self._holders = (month, holders)
        minimum = self.min_spend[holders]
        return holders[(minimum > 0) & (minimum <= price)]

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: LeverOffer, decision: Decision) -> LeverSettlement:
        """Holders whose eligible spending clears the minimum redeem; money paid for purchases
        made anyway is freed."""
        holders, face, minimum = offer.holders, offer.holder_amount, offer.holder_min_spend
        qualifies = decision.with_offer[holders]
        if purchase.product != GOODS:  # the purchase itself must reach the minimum spend
            units = purchase.units[holders] if purchase.units is not None else 1.0
            qualifies &= units * np.asarray(purchase.unit_price, dtype=np.float64) >= minimum
        redeemers = holders[qualifies]
        if redeemers.size == 0:
            return LeverSettlement()
        face = face[qualifies]
        bought_anyway = decision.without[redeemers]
        product = purchase.product
        if product == GOODS:  # the payment log tells goods bought anyway from a top-up to the minimum
            product = np.where(bought_anyway, GOODS, GOODS_TOPUP)
        done = self.redeem(ctx.month, redeemers, product, ctx.hh_draws[HouseholdDraw.ORDER])
        paid = np.isin(redeemers, done)
        anyway = bought_anyway & paid
        return LeverSettlement(
            paid_rows=redeemers[paid], paid_yuan=face[paid], freed_rows=redeemers[anyway], freed_yuan=face[anyway]
        )

    def redeem(self, month: int, redeemers: np.ndarray, product: str | np.ndarray, order_u: np.ndarray) -> np.ndarray:
        """Pay the face value to `redeemers` (agent indices) for `product` (one, or one per
        redeemer); clear their vouchers.

        Returns:
            The agent indices actually paid.
        """
        if redeemers.size == 0:
            return redeemers
        hh, weight = self.world.households, self.world.household_weight
        face, order = self.face[redeemers], order_u[redeemers]
        paid = pay_first_come(
            self, month, redeemers, face, order, hh.city[redeemers], "household", weight,
            product=product, honour_commitment=True,
        )
        done = redeemers[paid]
        first = np.argsort(order, kind="stable")  # release the commitment summed in payment order
        self.committed -= float(face[first][paid[first]].astype(np.float64).sum()) * weight
        self.redeemed += done.size * weight
        self.face[done] = 0.0
        return done

    def close_month(self, ctx: MonthContext) -> None:
        """Lapse vouchers whose window ended this month and release their commitment."""
        if not self._holding:
            return
        weight = self.world.household_weight
        lapsed = (self.face > 0) & (self.expiry <= ctx.month)
        self.committed -= float(self.face[lapsed].astype(np.float64).sum()) * weight
        self.face[lapsed] = 0.0
        if not (self.face > 0).any():
            self.committed = 0.0  # nothing outstanding: clear float rounding
            self._holding = False

    # ------------------------------------------------------------------ outputs
    def outputs(self) -> dict[str, float]:
        """This month's voucher outputs (province totals)."""
        return {
            "vouchers_held": (
                float(np.count_nonzero(self.face > 0)) * self.world.household_weight if self._holding else 0.0
            ),
            "vouchers_issued_cumulative": self.issued,
            "vouchers_redeemed_cumulative": self.redeemed,
        }

    def summary(self) -> dict[str, float]:
        """Scalars at the end of the run: the month a wave was first rationed (NaN: never)."""
        rationed = self.rationed_month
        return {"budget_rationed_month_vouchers": float(rationed) if rationed is not None else float("nan")}


def first_come(rows: np.ndarray, order: np.ndarray, n: int) -> np.ndarray:
    """The first `n` of `rows` (ascending) in the order of `order`, ties in row order, as an unordered set.

    Same set as ``rows[np.argsort(order, kind="stable")][:n]``, found by a partition instead of a sort.
    """
    if n <= 0:
        return rows[:0]
    if n >= rows.size:
        return rows
    kth = np.partition(order, n - 1)[n - 1]
    before = order < kth
    take = rows[before]
    return np.concatenate((take, rows[order == kth][: n - take.size]))
