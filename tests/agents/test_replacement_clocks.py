"""The month each phone wears out (``ReplacementClocks``): the first month, from the one it was bought
in, after whose wear the phone's clock reaches its threshold — checked against a direct search."""

import numpy as np
import pytest

from infosim.agents.households.clocks import NEVER, ReplacementClocks
from infosim.agents.households.rules import clock_increments_table


def _clocks(months: int = 72, max_age: int = 120) -> ReplacementClocks:
    demand = 1.0 + 0.3 * np.sin(np.arange(months) / 5.0)
    return ReplacementClocks(clock_increments_table(30.0, 2.5), demand, max_age)


def _direct(clocks: ReplacementClocks, phone_from: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """For each phone: from max(bought, 0), the first month whose clock after it is >= the threshold."""
    out = np.empty(phone_from.size, dtype=np.int64)
    for i, (v, t) in enumerate(zip(phone_from.tolist(), threshold.tolist(), strict=True)):
        after = clocks.clock[v + clocks.offset, 1:]
        first = max(v, 0)
        out[i] = first + np.searchsorted(after[first:], np.float64(np.float32(t)))
    return np.where(out < clocks.months, out, NEVER)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_replacement_month_is_the_first_month_the_clock_reaches_the_threshold(seed: int) -> None:
    clocks, rng = _clocks(), np.random.default_rng(seed)
    n = 20_000  # enough keys for the bucketed search, and every purchase month from -120 to 72
    phone_from = rng.integers(-120, 73, n).astype(np.int16)
    now = clocks.now(phone_from, 0)
    threshold = (now + rng.exponential(size=n)).astype(np.float32)
    threshold[:50] = 0.0  # at zero: the month it was bought (or 0), not earlier
    threshold[50:100] = 1e-30
    threshold[100:150] = 1e30  # never within the run
    got = clocks.replacement_month(phone_from, threshold)
    assert got.dtype == np.int16
    np.testing.assert_array_equal(got, _direct(clocks, phone_from, threshold))
    bought_later = (phone_from > 0) & (got != NEVER)
    assert (got[bought_later] >= phone_from[bought_later]).all()


def test_few_phones_and_no_phones() -> None:
    clocks = _clocks()
    phone_from = np.array([-3, 0, 5], dtype=np.int16)
    threshold = np.array([0.5, 2.0, 0.1], dtype=np.float32)
    np.testing.assert_array_equal(
        clocks.replacement_month(phone_from, threshold), _direct(clocks, phone_from, threshold)
    )
    assert clocks.replacement_month(np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.float32)).size == 0
