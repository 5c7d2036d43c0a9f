"""Weighted statistics of posterior particles, and number formatting for reports."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def normalise(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Weights scaled to sum to 1 (uniform when they sum to 0)."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    return w / total if total > 0 else np.full(len(w), 1.0 / max(len(w), 1))


def weighted_quantile(values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray, q: float) -> float:
    """The `q` quantile of a weighted sample (inverse of the weighted empirical CDF).

    The smallest value whose cumulative weight reaches `q` (ties in the cumulative sum resolved
    upwards), so the weighted median of equally weighted values is the lower middle value.
    """
    v = np.asarray(values, dtype=float)
    w = normalise(weights)
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    i = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(v[order][min(i, len(v) - 1)])


def weighted_mean_sd(
    values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray
) -> tuple[float, float]:
    """Weighted mean and standard deviation."""
    v = np.asarray(values, dtype=float)
    w = normalise(weights)
    m = float(np.sum(w * v))
    return m, float(math.sqrt(max(np.sum(w * (v - m) ** 2), 0.0)))


def weighted_corr(matrix: np.ndarray, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Weighted correlation matrix of the columns of `matrix` (NaN for a constant column)."""
    x = np.asarray(matrix, dtype=float)
    w = normalise(weights)
    mean = w @ x
    d = x - mean
    cov = (d * w[:, None]).T @ d
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.outer(sd, sd)


def ess(weights: Sequence[float] | np.ndarray) -> float:
    """Effective sample size 1 / sum(w**2) of normalised weights."""
    w = normalise(weights)
    return float(1.0 / np.sum(w**2))


def fmt(value: float, digits: int = 3) -> str:
    """A number with `digits` significant digits: 71,000; 12.4 M; 600 bn; 0.0123."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if value == 0:
        return "0"
    for size, suffix in ((1e12, " tn"), (1e9, " bn"), (1e6, " M")):
        if abs(value) >= size:
            return fmt(value / size, digits) + suffix
    mag = math.floor(math.log10(abs(value)))
    if mag >= digits - 1:
        return f"{round(value, -(mag - digits + 1)):,.0f}"
    if mag >= -4:
        return f"{value:.{digits - 1 - mag}f}"
    return f"{value:.{digits - 1}e}"
