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

from infosim.parameters import DiffusionParams, PhoneParams


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
    return np.searchsorted(cdf, rng.random(n)).astype(np.int16)


def logit(p: float) -> float:
    """log(p / (1 - p)) with p clipped to (1e-6, 1 - 1e-6)."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def price_term(
    net_price: np.ndarray | float, list_price: float, monthly_income: np.ndarray, ref_income: float
) -> np.ndarray:
    """log(net price / household's monthly income) - log(list price / reference income)."""
    return np.log(np.maximum(net_price, 1.0) / monthly_income) - np.log(list_price / ref_income)


def choose_5g_probability(
    p: PhoneParams,
    national_share: float,
    price_x: np.ndarray,
    peer: np.ndarray,
    covered: np.ndarray,
    aware_lit: np.ndarray,
) -> np.ndarray:
    """Probability that a household replacing its phone picks a 5G model (logit).

    The intercept follows the national 5G share of phone supply; price relative to income,
    the share of contacts with 5G, local coverage and awareness x literacy shift it.
    """
    base = logit(national_share) if p.national_trend else 0.0
    z = (
        base
        + p.choice_price_coef * price_x
        + p.choice_peer_coef * (peer - p.choice_peer_ref)
        + p.choice_coverage_coef * (covered - p.choice_coverage_ref)
        + p.choice_awareness_coef * (aware_lit - p.choice_awareness_ref)
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


def bass_upgrade_probability(
    d: DiffusionParams,
    p: PhoneParams,
    peer: np.ndarray,
    price_x: np.ndarray,
    covered: np.ndarray,
    aware_lit: np.ndarray,
) -> np.ndarray:
    """Monthly probability of a discretionary (early) upgrade to 5G: 1 - exp(-H m).

    H is the Bass hazard (innovation p, imitation q times the share of contacts with a 5G
    phone) integrated over the month (:func:`bass_month_hazard`); m multiplies it for
    affordability, coverage and awareness. With all three effects off, m = 1: pure Bass.
    """
    mult = np.ones_like(peer)
    if d.price_effect:
        mult = mult * np.clip(np.exp(p.choice_price_coef * price_x), 0.0, d.price_multiplier_cap)
    if d.coverage_effect:
        mult = mult * np.where(covered, 1.0, d.uncovered_factor)
    if d.awareness_effect:
        mult = mult * np.clip(aware_lit / p.choice_awareness_ref, 0.0, d.awareness_multiplier_cap)
    return 1.0 - np.exp(-bass_month_hazard(d.bass_p, d.bass_q, peer) * mult)


def bass_upgrade_bound(d: DiffusionParams, peer: np.ndarray) -> np.ndarray:
    """An upper bound of :func:`bass_upgrade_probability` at peer share `peer`, whatever the household's
    price term, coverage and awareness (float64, with a margin for rounding).

    The multiplier m is at most the affordability cap x 1 (coverage) x the awareness cap; a household whose
    Bass draw is at or above the bound cannot upgrade early this month, so the engine evaluates the
    full formula only below it. Keep in step with :func:`bass_upgrade_probability`.
    """
    most = d.price_multiplier_cap if d.price_effect else 1.0
    most *= d.awareness_multiplier_cap if d.awareness_effect else 1.0
    hazard = bass_month_hazard(d.bass_p, d.bass_q, peer).astype(np.float64)
    return np.minimum(1.0, -np.expm1(-hazard * most) * (1.0 + 1e-6) + 1e-6)


def product_hazard(
    p0: float, q: float, peer: np.ndarray, price: float, net_price: np.ndarray | float, elasticity: float
) -> np.ndarray:
    """Monthly adoption probability of a home product: (p + q s) x (net / list price)^elasticity."""
    ratio = np.maximum(np.asarray(net_price, dtype=np.float32), 1.0) / np.float32(price)
    return 1.0 - np.exp(-(p0 + q * peer) * ratio**elasticity)
