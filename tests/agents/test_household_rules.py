"""The household decision formulas on their own: known values, limits and directions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from infosim.agents.households.rules import (
    bass_month_hazard,
    choose_5g_probability,
    price_term,
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


def test_choice_logit_follows_the_national_share_at_the_reference_point() -> None:
    p = PhoneParams()
    at_ref = choose_5g_probability(p, 0.529, np.array([0.0]), np.array([p.choice_peer_ref]),
                                   np.array([p.choice_coverage_ref]), np.array([p.choice_awareness_ref]))
    assert at_ref[0] == pytest.approx(0.529)


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("price", 0.5, -0.5), ("peer", 0.0, 0.6), ("covered", 0.0, 1.0), ("aware", 0.0, 0.9)],
    ids=["cheaper", "more-peers", "covered", "aware"],
)
def test_choice_rises_with_each_favourable_factor(field: str, low: float, high: float) -> None:
    p = PhoneParams()
    base = {"price": 0.0, "peer": 0.15, "covered": 0.5, "aware": 0.3}

    def prob(value: float) -> float:
        x = {**base, field: value}
        args = [np.array([x[k]]) for k in ("price", "peer", "covered", "aware")]
        return float(choose_5g_probability(p, 0.5, *args)[0])

    assert prob(high) > prob(low)


def test_price_term_is_zero_for_the_reference_household_at_list_price() -> None:
    assert price_term(3000.0, 3000.0, np.array([2000.0]), 2000.0)[0] == pytest.approx(0.0)
    assert price_term(1500.0, 3000.0, np.array([2000.0]), 2000.0)[0] == pytest.approx(math.log(0.5))


def test_bass_month_hazard_integrates_the_bass_ode_over_a_month() -> None:
    p, q, f0 = 0.01, 0.3, 0.2
    sol = solve_ivp(lambda t, f: (p + q * f) * (1 - f), (0, 1), [f0], rtol=1e-10, atol=1e-12)
    f1 = sol.y[0, -1]
    assert bass_month_hazard(p, q, np.array([f0]))[0] == pytest.approx(math.log((1 - f0) / (1 - f1)), rel=1e-5)


def test_product_hazard_falls_with_net_price_by_its_elasticity() -> None:
    full = product_hazard(0.01, 0.0, np.array([0.0]), 1000.0, 1000.0, -1.0)[0]
    half = product_hazard(0.01, 0.0, np.array([0.0]), 1000.0, 500.0, -1.0)[0]
    assert full == pytest.approx(1 - math.exp(-0.01))
    assert half == pytest.approx(1 - math.exp(-0.02))
