"""The household decision formulas on their own: known values, limits and directions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infosim.agents.households.rules import (
    choose_5g_probability,
    clock_increments_table,
    cumulative_replacement_hazard,
    product_hazard,
    replacement_hazard_table,
    weibull_scale,
)
from infosim.parameters import PhoneParams


def test_weibull_hazard_is_the_discrete_conditional_probability() -> None:
    life, shape = 42.0, 2.5
    scale = weibull_scale(life, shape)
    assert scale * math.gamma(1 + 1 / shape) == pytest.approx(life)
    table = replacement_hazard_table(life, shape)
    for age in (0, 12, 42, 100):
        survive = lambda a: math.exp(-((a / scale) ** shape))  # noqa: E731
        assert table[age] == pytest.approx(1 - survive(age + 1) / survive(age), rel=1e-5)
    assert np.all(np.diff(table[:200]) > 0)  # shape > 1: phones wear out


def test_replacement_clock_adds_up_to_the_cumulative_hazard() -> None:
    """Clock increments -log(1 - h(a)) sum to (age / scale) ** shape: crossing an Exp(1) threshold
    is the discrete Weibull replacement, month by month."""
    life, shape = 42.0, 2.5
    steps = clock_increments_table(life, shape).astype(np.float64)
    for age in (1, 24, 60):
        assert steps[:age].sum() == pytest.approx(cumulative_replacement_hazard(np.array([age]), life, shape)[0],
                                                  rel=1e-4)


def _choice(**gaps: float) -> float:
    base = {"price_gap": 0.0, "peer_gap": 0.0, "coverage_gap": 0.0, "aware_lit": 0.3, "owns_5g": 0.0}
    x = {**base, **gaps}
    args = [np.array([x[k]]) for k in ("price_gap", "peer_gap", "coverage_gap", "aware_lit", "owns_5g")]
    return float(choose_5g_probability(PhoneParams(), 0.529, *args)[0])


def test_a_user_like_the_national_average_buys_what_is_on_the_shelf() -> None:
    """No double counting: at zero gaps to the national average the choice is the shelf share."""
    assert _choice() == pytest.approx(0.529)


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("price_gap", 0.5, -0.5), ("peer_gap", -0.1, 0.3), ("coverage_gap", -0.3, 0.3), ("aware_lit", 0.1, 0.6),
     ("owns_5g", 0.0, 1.0)],
    ids=["cheaper-or-richer", "more-peers", "covered", "aware", "replacing-a-5g-phone"],
)
def test_choice_rises_with_each_favourable_factor(field: str, low: float, high: float) -> None:
    assert _choice(**{field: high}) > _choice(**{field: low})


def test_owning_5g_is_not_absorbing() -> None:
    """A 5G owner replacing its phone can buy 4G: below certainty while 4G phones are sold."""
    assert 0.529 < _choice(owns_5g=1.0) < 1.0


def test_product_hazard_falls_with_net_price_by_its_elasticity() -> None:
    full = product_hazard(0.01, 0.0, np.array([0.0]), 1000.0, 1000.0, -1.0)[0]
    half = product_hazard(0.01, 0.0, np.array([0.0]), 1000.0, 500.0, -1.0)[0]
    assert full == pytest.approx(1 - math.exp(-0.01), rel=1e-5)  # float32 arithmetic
    assert half == pytest.approx(1 - math.exp(-0.02), rel=1e-5)
