"""Information consumption vouchers (clause 27): waves with a face value, a minimum spend, a
number of vouchers and a redemption window; eligibility rules; first-come distribution.

A voucher is issued only while the budget can cover it (the liability is committed at issue), so
every redemption is funded; unredeemed vouchers lapse at the end of their window and free
their commitment for later waves. A wave the uncommitted budget cannot cover in full is
rationed (first come, first served; the month is recorded); the lever is exhausted when a wave
cannot be given a single voucher and nothing is outstanding that could lapse. Waves are issued
only within the lever's [start, end]; vouchers issued are honoured until their window ends.
"""

from __future__ import annotations

import numpy as np

from infosim.agents.state import HouseholdState
from infosim.calendar import month_index
from infosim.levers.base import LeverRule
from infosim.levers.ledger import Ledger
from infosim.scenario.schema import VoucherLever


class Vouchers(LeverRule):
    """Clause 27: '支持鼓励各设区市…发放"信息消费券"'."""

    cfg: VoucherLever

    def __init__(self, name: str, cfg: VoucherLever, run_start: str, ledger: Ledger) -> None:
        super().__init__(name, cfg, run_start, ledger)
        self.wave_months = [month_index(w.month, run_start) for w in cfg.waves]
        self.committed = 0.0  # yuan promised by vouchers held and not yet redeemed
        self.issued = 0.0  # vouchers issued (province total)
        self.redeemed = 0.0
        self.rationed_month: int | None = None  # first wave the budget could not cover in full

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

    def issue(self, month: int, hh: HouseholdState, claim_u: np.ndarray, order_u: np.ndarray, weight: float) -> int:
        """Issue this month's waves: eligible claimants in first-come order while vouchers and budget last.

        Returns:
            Number of household agents that received a voucher.
        """
        if not self.in_period(month):
            return 0
        given = 0
        for wave, wave_month in zip(self.cfg.waves, self.wave_months, strict=True):
            if wave_month != month or not self.ledger.active(self.name):
                continue
            # The face value is stored as float32 on households: commit exactly what will be paid.
            face = float(np.float32(wave.face_value_yuan * self.taper(month)))
            if face <= 0:
                continue
            claim = self.eligible(hh) & (claim_u < self.cfg.claim_share) & (hh.voucher_face == 0)
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
            hh.voucher_face[chosen] = face
            hh.voucher_min[chosen] = wave.min_spend_yuan
            hh.voucher_expiry[chosen] = month + wave.window_months - 1
            self.committed += n * face_total
            self.issued += n * weight
            given += n
        return given

    def purchase_boost(self, hh: HouseholdState, price: float) -> np.ndarray:
        """Hazard multiplier for buying a product at `price` while holding a voucher.

        A minimum-spend voucher pulls purchases that clear the minimum forward:
        1 + induced_purchase_coef x face / min_spend (1 where no usable voucher).
        """
        boost = np.ones(hh.n, dtype=np.float32)
        usable = np.flatnonzero((hh.voucher_face > 0) & (hh.voucher_min > 0) & (hh.voucher_min <= price))
        boost[usable] = self.boost_of(hh.voucher_face[usable], hh.voucher_min[usable])
        return boost

    def boost_of(self, face: np.ndarray, min_spend: np.ndarray) -> np.ndarray:
        """:meth:`purchase_boost` of holders of usable minimum-spend vouchers (face, min_spend > 0), float32."""
        ratio = face / np.maximum(min_spend, 1.0)
        return (1.0 + self.cfg.induced_purchase_coef * ratio).astype(np.float32)

    def redeem(
        self, month: int, hh: HouseholdState, redeemers: np.ndarray, product: str, order_u: np.ndarray, weight: float
    ) -> np.ndarray:
        """Pay the face value to `redeemers` (agent indices) for `product`; clear their vouchers.

        Returns:
            The agent indices actually paid.
        """
        if redeemers.size == 0:
            return redeemers
        redeemers = redeemers[np.argsort(order_u[redeemers], kind="stable")]
        face = hh.voucher_face[redeemers].astype(np.float64)
        paid = self.ledger.pay(
            self.name,
            month,
            face * weight,
            hh.city[redeemers],
            "household",
            agent_ids=redeemers,
            product=product,
            honour_commitment=True,
        )
        done = redeemers[paid]
        self.committed -= float(face[paid].sum()) * weight
        self.redeemed += done.size * weight
        hh.received_vouchers[done] += hh.voucher_face[done]
        hh.voucher_face[done] = 0.0
        return done

    def expire(self, month: int, hh: HouseholdState, weight: float) -> None:
        """Lapse vouchers whose window ended this month and release their commitment."""
        lapsed = (hh.voucher_face > 0) & (hh.voucher_expiry <= month)
        self.committed -= float(hh.voucher_face[lapsed].astype(np.float64).sum()) * weight
        hh.voucher_face[lapsed] = 0.0
        if not (hh.voucher_face > 0).any():
            self.committed = 0.0  # nothing outstanding: clear float rounding


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
