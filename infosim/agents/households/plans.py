"""5G plans, held by mobile users: a user moves to a 5G plan with a monthly hazard that depends on
its phone (5G or not) and coverage, faster as the premium falls; on a plan it leaves with a small
hazard; a plan bundled with a subsidised phone (clause 6) holds until its contract ends and is
then kept with a given share.

Each user has a plan clock: the hazard of its current situation accumulates month by month, and
the plan changes when the clock crosses the user's exponential threshold (exactly the monthly
hazard). The hazards of every situation are known for the whole run (the premium path is known),
so the month of the next change is computed when a user's situation changes (a new phone, new
coverage, a plan change, a contract) rather than every month; a month's changes are then the
users whose month has come.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infosim.world.context import STREAM_PLAN, STREAM_PLAN_BUNDLE, MonthContext
from infosim.world.numerics import SortedRows, blocks, keyed_uniforms

if TYPE_CHECKING:
    from infosim.agents.households.households import Households
    from infosim.parameters import PlanParams

NEVER = np.iinfo(np.int16).max
# Situations of a user (its case): off a 5G plan with a 4G/5G phone, outside/under coverage
# (2 x phone5g + covered), on a plan, on a bundled plan under contract, not yet a subscriber.
ON_PLAN, CONTRACT, INACTIVE = 4, 5, 6


class PlanClocks:
    """Cumulative plan hazards of each situation, month by month, and the users' next changes.

    Args:
        plans: plan parameters.
        premium: the 5G plan premium by month.
    """

    def __init__(self, plans: PlanParams, premium: np.ndarray) -> None:
        speed = (plans.premium_yuan_per_user / np.maximum(premium, 1e-6)) ** plans.premium_elasticity
        take = np.array(
            [
                plans.hazard_4g_handset,
                plans.hazard_4g_handset,
                plans.hazard_5g_handset_uncovered,
                plans.hazard_5g_handset_covered,
            ]
        )
        hazard = np.zeros((7, premium.size))
        hazard[:4] = np.minimum(take[:, None] * speed[None, :], 1.0 - 1e-9)
        hazard[ON_PLAN] = plans.lapse_per_month
        steps = -np.log1p(-hazard)
        self.cumulative = np.concatenate([np.zeros((7, 1)), np.cumsum(steps, axis=1)], axis=1)
        self.months = premium.size
        self._after = SortedRows(self.cumulative[: ON_PLAN + 1, 1:])  # each clocked situation's value after month m

    def next_change(self, case: np.ndarray, since: np.ndarray | int, budget: np.ndarray) -> np.ndarray:
        """The month each user's plan clock, started at `since` (per user, or one month for all) in
        situation `case` with `budget` left before its threshold, crosses it (NEVER beyond the run), int16."""
        if case.size == 0:
            return np.full(0, NEVER, dtype=np.int16)
        target = budget.astype(np.float64)
        target += np.take(self.cumulative.ravel(), case.astype(np.intp) * (self.months + 1) + since)
        month = self._after.searchsorted(target, np.minimum(case, ON_PLAN))  # first m with row[m + 1] >= target
        month[case > ON_PLAN] = self.months  # CONTRACT and INACTIVE have no clock
        return np.where(month < self.months, np.maximum(month, since), NEVER).astype(np.int16)

    def used(self, case: np.ndarray, since: np.ndarray, month: int) -> np.ndarray:
        """Hazard accumulated in situation `case` from `since` to the start of `month`."""
        return self.cumulative[case, month] - self.cumulative[case, since]


def situation(hh: Households, rows: np.ndarray, month: int) -> np.ndarray:
    """The plan situation of users `rows` now (uint8)."""
    u = hh.users
    off_plan = hh.covered.view(np.uint8)[u.household[rows]] + (u.phone5g[rows].view(np.uint8) << 1)
    on_plan = np.where(u.plan_until[rows] >= month, np.uint8(CONTRACT), np.uint8(ON_PLAN))
    case = np.where(u.plan5g[rows], on_plan, off_plan)
    return np.where(u.active_from[rows] > month, np.uint8(INACTIVE), case).astype(np.uint8, copy=False)


def start(hh: Households, month: int = 0) -> None:
    """Set every user's plan situation and next change at the start of the run."""
    u = hh.users
    u.plan_since[:] = month
    for b in blocks(u.n):  # block by block: the temporaries stay small at the province's scale
        u.plan_case[b] = situation(hh, np.arange(b.start, b.stop), month)
        u.plan_next[b] = hh.plan_clocks.next_change(u.plan_case[b], u.plan_since[b], u.plan_threshold[b])
    waiting = u.plan_case == INACTIVE
    u.plan_next[waiting] = u.active_from[waiting]


def resituate(hh: Households, rows: np.ndarray, month: int) -> None:
    """Users `rows` whose situation may have changed this month (a new phone, new coverage): their
    clocks keep what they accumulated, and their next change follows the new situation."""
    u = hh.users
    if rows.size == 0:
        return
    new = situation(hh, rows, month)
    moved = new != u.plan_case[rows]
    changed = rows[moved]
    if changed.size == 0:
        return
    old, since = u.plan_case[changed], u.plan_since[changed]
    running = (old != CONTRACT) & (old != INACTIVE)
    u.plan_threshold[changed] -= np.where(running, hh.plan_clocks.used(old, since, month), 0.0).astype(np.float32)
    _restart_situation(hh, changed, new[moved], month)


def _restart_situation(hh: Households, rows: np.ndarray, case: np.ndarray, month: int) -> None:
    u = hh.users
    u.plan_case[rows] = case
    u.plan_since[rows] = month
    nxt = hh.plan_clocks.next_change(case, month, u.plan_threshold[rows])
    contract, inactive = case == CONTRACT, case == INACTIVE
    if contract.any():
        nxt[contract] = u.plan_until[rows[contract]]  # the contract's end is the next event
    if inactive.any():
        nxt[inactive] = u.active_from[rows[inactive]]
    u.plan_next[rows] = nxt


def _new_threshold(hh: Households, ctx: MonthContext, rows: np.ndarray) -> None:
    u = hh.users
    u.plan_switches[rows] += 1
    u.plan_threshold[rows] = -np.log1p(-keyed_uniforms(ctx.seed, STREAM_PLAN, rows, u.plan_switches[rows]))


def bundle(hh: Households, ctx: MonthContext, rows: np.ndarray, months: int) -> None:
    """Put users `rows` on a bundled 5G plan until the contract ends (clause 6)."""
    u = hh.users
    if rows.size == 0:
        return
    hh.set_plans(rows, True, ctx.month)
    u.plan_until[rows] = ctx.month + months - 1
    _restart_situation(hh, rows, np.full(rows.size, CONTRACT, dtype=np.uint8), ctx.month)


def take_up_plans(hh: Households, ctx: MonthContext) -> None:
    """This month's plan changes: users whose clock crossed its threshold change plan; contracts
    that end are kept or dropped; new subscriptions start their clock."""
    u, m, pp = hh.users, ctx.month, hh.params.plans
    due = np.flatnonzero(u.plan_next == m)
    if due.size == 0:
        return
    case = u.plan_case[due]
    joining = due[case == INACTIVE]
    ending = due[case == CONTRACT]
    switching = due[(case != INACTIVE) & (case != CONTRACT)]
    if ending.size:
        keep = keyed_uniforms(ctx.seed, STREAM_PLAN_BUNDLE, ending, u.plan_switches[ending]) < pp.bundle_keep_share
        hh.set_plans(ending[~keep], False, m)
        _new_threshold(hh, ctx, ending)
    if switching.size:
        hh.set_plans(switching, ~u.plan5g[switching], m)
        _new_threshold(hh, ctx, switching)
    moved = np.concatenate([joining, ending, switching])
    _restart_situation(hh, moved, situation(hh, moved, m + 1), m + 1)
