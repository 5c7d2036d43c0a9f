"""Vectorised formulas of household decisions: each takes arrays and returns arrays, no state.

These are the per-agent rules of the ODD's submodels written over whole populations ("the
probability of buying at this net price"); they know nothing of vouchers or subsidies, only of
prices. The idiomatic per-object version in ``infosim/agents/reference.py`` follows the same
formulas.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from infosim.parameters import PhoneParams
from infosim.world.numerics import SortedTable


def weibull_scale(mean_life: float, shape: float) -> float:
    """Weibull scale giving a mean life of `mean_life` months."""
    return mean_life / math.gamma(1.0 + 1.0 / shape)


def weibull_replacement_hazard(age: np.ndarray, mean_life: float, shape: float) -> np.ndarray:
    """Probability that a phone of `age` months is replaced this month (discrete Weibull).

    Computed through a lookup table over ages, so the cost is one gather per household.
    """
    table = replacement_hazard_table(mean_life, shape)
    return np.take(table, np.minimum(age, table.size - 1))


@functools.cache
def replacement_hazard_table(mean_life: float, shape: float, max_age: int = 601) -> np.ndarray:
    """Hazard by age 0..max_age-1 months (float32)."""
    scale = weibull_scale(mean_life, shape)
    a = np.arange(max_age, dtype=np.float64) / scale
    b = (np.arange(max_age, dtype=np.float64) + 1) / scale
    return (1.0 - np.exp(a**shape - b**shape)).astype(np.float32)


def stationary_phone_ages(n: int, mean_life: float, shape: float, rng: np.random.Generator) -> np.ndarray:
    """Ages drawn from the stationary age distribution of a renewal process (density ∝ survival)."""
    scale = weibull_scale(mean_life, shape)
    ages = np.arange(600, dtype=np.float64)
    survival = np.exp(-((ages / scale) ** shape))
    cdf = np.cumsum(survival / survival.sum())
    return SortedTable(cdf).searchsorted(rng.random(n)).astype(np.int16)


def clock_increments_table(mean_life: float, shape: float, max_age: int = 601) -> np.ndarray:
    """Integrated hazard added to a phone's replacement clock in each month of age (float32):
    -log(1 - h(age)), so that crossing an Exp(1) threshold has monthly probability h(age)."""
    h = replacement_hazard_table(mean_life, shape, max_age).astype(np.float64)
    return (-np.log1p(-np.minimum(h, 1.0 - 1e-7))).astype(np.float32)


def cumulative_replacement_hazard(age: np.ndarray, mean_life: float, shape: float) -> np.ndarray:
    """Integrated replacement hazard of a phone from purchase to `age` months: (age / scale) ** shape."""
    scale = weibull_scale(mean_life, shape)
    age = np.asarray(age)
    if age.dtype.kind in "iu" and age.min(initial=0) >= 0:  # whole months: one value per age
        table = ((np.arange(int(age.max()) + 1, dtype=np.float64) / scale) ** shape).astype(np.float32)
        return np.take(table, age)
    return ((age.astype(np.float64) / scale) ** shape).astype(np.float32)


def logit(p: np.ndarray | float) -> np.ndarray:
    """log(p / (1 - p)) with p clipped to (1e-6, 1 - 1e-6)."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def choose_5g_probability(
    p: PhoneParams,
    shelf_share: float,
    price_gap: np.ndarray,
    peer_gap: np.ndarray,
    coverage_gap: np.ndarray,
    aware_lit: np.ndarray,
    owns_5g: np.ndarray,
) -> np.ndarray:
    """Probability that a user replacing a phone picks a 5G model (logit).

    It starts from what is on the shelf — the national 5G share of phones on sale, which already
    contains the national average of prices, incomes, coverage and contacts — and deviates from
    it only through how this user differs from the national average user: price relative to
    income (``price_gap``: log(net price / income) minus the national log(list price / income)),
    the share of contacts with 5G and coverage (each minus its national value), awareness x
    literacy (minus the national reference), and whether the phone being replaced is 5G.

    Args:
        p: phone parameters.
        shelf_share: national 5G share of phones on sale this month.
        price_gap, peer_gap, coverage_gap: the user's deviations from the national average.
        aware_lit: awareness x literacy of the user's household.
        owns_5g: the phone being replaced is a 5G phone.
    """
    base = logit(shelf_share) if p.national_trend else 0.0
    z = (
        base
        + p.choice_price_coef * price_gap
        + p.choice_peer_coef * peer_gap
        + p.choice_coverage_coef * coverage_gap
        + p.choice_awareness_coef * (aware_lit - p.choice_awareness_ref)
        + p.choice_repeat_coef * owns_5g
    )
    return 1.0 / (1.0 + np.exp(-z))


def bass_month_hazard(p: float, q: float, peer: np.ndarray) -> np.ndarray:
    """Integrated Bass hazard over one month for a non-adopter whose peer share starts at `peer`.

    Within the month the peer share keeps rising; following it with the Bass ODE
    dF/dt = (p + qF)(1 - F) from F0 = peer over one month gives F1 in closed form, and the
    integrated hazard is ln((1 - F0) / (1 - F1)). With fully mixed influence this makes the
    monthly step exact for the mean-field Bass curve (no lag from the time step).
    """
    p = max(float(p), 1e-12)
    f0 = np.clip(peer, 0.0, 1.0 - 1e-6).astype(np.float64)
    a = (1.0 - f0) / (1.0 + f0 * q / p)
    e = np.exp(-(p + q))
    f1 = (1.0 - a * e) / (1.0 + (q / p) * a * e)
    return np.log((1.0 - f0) / np.maximum(1.0 - f1, 1e-12)).astype(np.float32)


def product_hazard(
    p0: float, q: float, peer: np.ndarray, price: float, net_price: np.ndarray | float, elasticity: float
) -> np.ndarray:
    """Monthly adoption probability of a home product: 1 - exp(-H x (net / list price)^elasticity),
    H the Bass hazard (innovation p, imitation q x the share of contacts owning one) integrated over
    the month (:func:`bass_month_hazard`)."""
    ratio = np.maximum(np.asarray(net_price, dtype=np.float32), 1.0) / np.float32(price)
    return 1.0 - np.exp(-bass_month_hazard(p0, q, peer) * ratio**elasticity)
