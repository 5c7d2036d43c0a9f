"""Replacement clocks: when each phone wears out, computed once at purchase instead of every month.

A phone's replacement clock adds each month the integrated Weibull hazard of its age, scaled by
national handset demand that month, and the phone is replaced when the clock crosses the user's
exponential threshold — exactly the discrete monthly hazard. Demand is known for the whole run
(``infosim.world.market``), so the month the clock will cross can be found when the phone is
bought; a month's natural replacements are then the users whose month has come, and only offers
(which pull purchases forward) need the clock's value now. Phones are indexed by the month they
were bought relative to the run (``phone_from``: -age for phones owned at the start, m + 1 for a
phone bought in month m, whose first month of wear is m + 1).
"""

from __future__ import annotations

import numpy as np

from infosim.world.numerics import SortedRows

NEVER = np.iinfo(np.int16).max  # not replaced within the run


class ReplacementClocks:
    """Cumulative clock values of phones by the month they were bought, for every month of the run.

    Args:
        increments: clock increment of a phone by age in months (-log(1 - h(age))), last value repeated.
        demand: national handset demand index by month (scales the increments).
        max_age: the oldest phone at the start (ages are capped here).
    """

    def __init__(self, increments: np.ndarray, demand: np.ndarray, max_age: int) -> None:
        months = demand.size
        self.months, self.offset = months, max_age
        self.purchase_months = np.arange(-max_age, months + 1, dtype=np.int16)  # of the rows of `clock`
        v = self.purchase_months.astype(np.int64)[:, None]  # the month each phone was bought (virtual)
        j = np.arange(months)[None, :]
        age = j - v
        inc = increments.astype(np.float64)
        steps = np.where(age >= 0, inc[np.clip(age, 0, inc.size - 1)], 0.0) * demand[None, :]
        at_start = np.zeros(v.shape[0])  # a phone aged a at month 0 has added the increments of ages 0..a-1
        at_start[:max_age] = np.cumsum(inc[:max_age])[::-1]
        self.clock = np.concatenate([at_start[:, None], at_start[:, None] + np.cumsum(steps, axis=1)], axis=1)

    def row(self, phone_from: np.ndarray | int) -> np.ndarray:
        """Index of the rows of phones bought in `phone_from`."""
        return np.asarray(phone_from, dtype=np.int64) + self.offset

    def now(self, phone_from: np.ndarray, month: int) -> np.ndarray:
        """Each phone's clock at the start of `month`."""
        return np.take(self.clock[:, month], self.row(phone_from))

    def replacement_month_of_new(self, bought_in: int, threshold: np.ndarray) -> np.ndarray:
        """The month phones bought in month `bought_in` wear out (NEVER beyond the run), int16."""
        v = bought_in + 1
        m = v + np.searchsorted(self.clock[v + self.offset, 1 + v :], threshold)  # mostly beyond: numpy is fast
        return np.where(m < self.months, m, NEVER).astype(np.int16)

    def replacement_month(self, phone_from: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        """The month each phone's clock crosses its threshold (NEVER beyond the run), int16."""
        out = np.full(phone_from.size, NEVER, dtype=np.int16)
        if phone_from.size == 0:
            return out
        row = self.row(phone_from)
        present = np.zeros(self.clock.shape[0], dtype=bool)
        present[row] = True
        after = SortedRows(self.clock[present, 1:])  # the clock of each purchase month present after months 0, 1, ...
        which = np.take(np.cumsum(present) - 1, row)  # each phone's row of `after`
        # A phone bought in month v > 0 adds nothing before v (its row is 0 there), so searching the
        # whole row finds the same month as searching from v on, for any threshold above 0 (max: at 0).
        months = np.maximum(after.searchsorted(threshold, which), np.maximum(phone_from, 0))
        out[:] = np.where(months < self.months, months, NEVER)
        return out
