"""Statistics over replicates: means with t-based 95% confidence intervals, and ratios of means.

Every interval here is across replicates (independent seeds). For paired comparisons the
values summarised are per-replicate differences (scenario minus its same-seed baseline), so
the common random numbers cancel and the intervals are those of a paired t-test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95


def t_critical(n: np.ndarray | pd.Series | int, level: float = LEVEL) -> np.ndarray:
    """Two-sided Student-t critical value for `n` replicates (NaN when n < 2)."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(n >= 2, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)


def summarise(
    frame: pd.DataFrame, by: Sequence[str], value: str = "value", level: float = LEVEL
) -> pd.DataFrame:
    """Mean and t-based confidence interval of `value` within each group of `by`.

    Args:
        frame: one row per replicate (and group).
        by: grouping columns.
        value: the column to summarise.
        level: confidence level of the interval.

    Returns:
        One row per group: the `by` columns, ``n, mean, sd, se, ci_low, ci_high``. With one
        replicate the interval is NaN; when every replicate has the same value it has width 0.
    """
    g = frame.groupby(list(by), sort=False, observed=True, dropna=False)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    # pandas' mean of identical values can differ from them in the last bit; keep exact zeros exact.
    same = (g.max() == g.min()).to_numpy()
    first = g.min().to_numpy()
    out.loc[same, "mean"] = first[same]
    out.loc[same & (out["n"] >= 2).to_numpy(), "sd"] = 0.0
    out["se"] = out["sd"] / np.sqrt(out["n"])
    half = t_critical(out["n"], level) * out["se"]
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def ratio_of_means(
    frame: pd.DataFrame,
    by: Sequence[str],
    numerator: str,
    denominator: str,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Ratio of mean `numerator` to mean `denominator` per group, with a delta-method interval.

    The ratio R = mean(x) / mean(y) is the stable estimate of e.g. "yuan per additional
    adopter" (a mean of per-replicate ratios blows up when one replicate's effect is near
    zero). Its standard error is sd(x - R y) / (sqrt(n) |mean(y)|). When the denominator's own
    interval contains zero the ratio is unbounded and its interval is reported as NaN.

    Args:
        frame: one row per replicate (and group).
        by: grouping columns.
        numerator: column of x.
        denominator: column of y.
        level: confidence level.

    Returns:
        One row per group: `by`, ``n, numerator_mean, denominator_mean, ratio, se, ci_low,
        ci_high, bounded`` (``bounded`` is False when the denominator's interval covers zero).
    """
    rows = []
    for key, part in frame.groupby(list(by), sort=False, observed=True, dropna=False):
        x = part[numerator].to_numpy(dtype=np.float64)
        y = part[denominator].to_numpy(dtype=np.float64)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        n = x.size
        mx, my = (float(x.mean()), float(y.mean())) if n else (np.nan, np.nan)
        ratio = mx / my if n and my != 0 else np.nan
        tcrit = float(t_critical(n, level))
        se = np.nan
        bounded = False
        if n >= 2 and my != 0:
            se = float(np.std(x - ratio * y, ddof=1) / (np.sqrt(n) * abs(my)))
            se_y = float(np.std(y, ddof=1) / np.sqrt(n))
            bounded = abs(my) > tcrit * se_y
        half = tcrit * se if bounded else np.nan
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({
            **dict(zip(by, keys, strict=True)),
            "n": n, "numerator_mean": mx, "denominator_mean": my, "ratio": ratio, "se": se,
            "ci_low": ratio - half, "ci_high": ratio + half, "bounded": bounded,
        })
    cols = [*by, "n", "numerator_mean", "denominator_mean", "ratio", "se", "ci_low", "ci_high", "bounded"]
    return pd.DataFrame(rows, columns=cols)
