"""Numerics of the sensitivity analysis, independent of the model: Morris and Sobol' indices
(SALib) with bootstrap intervals and their convergence with sample size, the share of output
variance that is seed noise, and the replicate coverage check.

Every function takes plain arrays or tidy tables, so each is checked on toy functions whose
answers are known (``tests/sensitivity``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Fractions of the sample at which indices are recomputed to check convergence.
FRACTIONS = (0.25, 0.5, 1.0)


def _problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _finite_blocks(y: np.ndarray, step: int) -> np.ndarray:
    """Boolean mask of whole blocks of `step` rows with no NaN or infinite value."""
    blocks = y[: len(y) // step * step].reshape(-1, step)
    return np.isfinite(blocks).all(axis=1)


# --------------------------------------------------------------------------------------------
# Morris
# --------------------------------------------------------------------------------------------
def morris_table(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    levels: int = 4,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris statistics of `y` over trajectories of `x` (unit-scale coordinates).

    Trajectories with a non-finite output are left out (their count is in ``trajectories``).

    Args:
        x: ``r*(D+1) x D`` Morris sample on [0, 1] (SALib's trajectory order).
        y: the output at each row.
        names: the D parameter names.
        levels: grid levels of the design.
        num_resamples: bootstrap resamples of the mu* interval.
        conf_level: level of the interval.
        seed: bootstrap seed.

    Returns:
        One row per parameter: ``key, mu, mu_star, sigma, mu_star_conf, mu_star_norm,
        trajectories`` — effects per whole range of each parameter; ``mu_star_norm`` is mu*
        over the largest mu* (1 for the most influential parameter, 0 for an inert one).
    """
    from SALib.analyze import morris

    d = len(names)
    keep = np.repeat(_finite_blocks(np.asarray(y, dtype=float), d + 1), d + 1)
    x, y = np.asarray(x, dtype=float)[keep], np.asarray(y, dtype=float)[keep]
    r = len(y) // (d + 1)
    if r < 2:
        return pd.DataFrame({"key": list(names), "mu": np.nan, "mu_star": np.nan, "sigma": np.nan,
                             "mu_star_conf": np.nan, "mu_star_norm": np.nan, "trajectories": r})
    si = morris.analyze(_problem(names), x, y, num_resamples=num_resamples, conf_level=conf_level,
                        num_levels=levels, seed=seed)
    out = pd.DataFrame({"key": list(names), **{k: np.asarray(si[k], dtype=float)
                                               for k in ("mu", "mu_star", "sigma", "mu_star_conf")}})
    top = out["mu_star"].max()
    out["mu_star_norm"] = out["mu_star"] / top if top > 0 else 0.0
    out["trajectories"] = r
    return out


def morris_convergence(
    x: np.ndarray, y: np.ndarray, names: Sequence[str], *, fractions: Sequence[float] = FRACTIONS, **kwargs: Any
) -> pd.DataFrame:
    """:func:`morris_table` on the first quarter, half and all of the trajectories.

    Returns:
        The rows of each prefix, with ``fraction``.
    """
    d = len(names)
    r = len(y) // (d + 1)
    parts = []
    for f in fractions:
        k = max(2, round(r * f)) if f < 1 else r
        rows = k * (d + 1)
        parts.append(morris_table(x[:rows], y[:rows], names, **kwargs).assign(fraction=f))
    return pd.concat(parts, ignore_index=True)


def select_parameters(table: pd.DataFrame, *, share: float = 0.1, top: int | None = None) -> list[str]:
    """Parameters that matter by Morris screening: ``mu* >= share * max(mu*)``, best first,
    at most `top` of them.

    Args:
        table: :func:`morris_table` of one outcome (all trajectories).
        share: threshold on ``mu_star_norm``.
        top: cap on the number selected (None: no cap).
    """
    t = table[np.isfinite(table["mu_star_norm"]) & (table["mu_star"] > 0)]
    t = t[t["mu_star_norm"] >= share].sort_values("mu_star", ascending=False)
    keys = list(t["key"])
    return keys[:top] if top is not None else keys


# --------------------------------------------------------------------------------------------
# Sobol'
# --------------------------------------------------------------------------------------------
def sobol_step(d: int, second_order: bool) -> int:
    """Rows per base sample of a Saltelli design: 2D+2 (D+2 without second order)."""
    return 2 * d + 2 if second_order else d + 2


def sobol_table(
    y: np.ndarray,
    names: Sequence[str],
    *,
    second_order: bool = True,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sobol' indices of `y` on a Saltelli design (SALib), with bootstrap intervals.

    Base samples whose block holds a non-finite output are left out (``n_base`` counts the
    rest). An output that does not vary has no indices (NaN).

    Args:
        y: the output at each row of the Saltelli design, in the sampler's order.
        names: the D parameter names.
        second_order: the design has the second-order rows (2D+2 per base sample).
        num_resamples: bootstrap resamples.
        conf_level: level of the intervals (``*_conf`` are half-widths).
        seed: bootstrap seed.

    Returns:
        ``(first_total, second)``: ``key, S1, S1_conf, ST, ST_conf, n_base`` and, with second
        order, ``key_1, key_2, S2, S2_conf, n_base`` (else empty).
    """
    from SALib.analyze import sobol

    d = len(names)
    step = sobol_step(d, second_order)
    y = np.asarray(y, dtype=float)
    good = _finite_blocks(y, step)
    y = y[: len(good) * step][np.repeat(good, step)]
    n_base = len(y) // step
    second = pd.DataFrame(columns=["key_1", "key_2", "S2", "S2_conf", "n_base"])
    if n_base < 2 or np.ptp(y) == 0:
        first = pd.DataFrame({"key": list(names), "S1": np.nan, "S1_conf": np.nan, "ST": np.nan,
                              "ST_conf": np.nan, "n_base": n_base})
        return first, second
    si = sobol.analyze(_problem(names), y, calc_second_order=second_order, num_resamples=num_resamples,
                       conf_level=conf_level, seed=seed)
    first = pd.DataFrame({"key": list(names), **{k: np.asarray(si[k], dtype=float)
                                                 for k in ("S1", "S1_conf", "ST", "ST_conf")}, "n_base": n_base})
    if second_order:
        rows = [{"key_1": names[i], "key_2": names[j], "S2": float(si["S2"][i, j]),
                 "S2_conf": float(si["S2_conf"][i, j]), "n_base": n_base}
                for i in range(d) for j in range(i + 1, d)]
        second = pd.DataFrame(rows, columns=second.columns)
    return first, second


def sobol_convergence(
    y: np.ndarray, names: Sequence[str], *, second_order: bool = True,
    fractions: Sequence[float] = FRACTIONS, **kwargs: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`sobol_table` on the first quarter, half and all base samples (N/4, N/2, N).

    The first N/4 base samples of a scrambled Sobol' sequence are themselves a balanced Sobol'
    sample, so the prefixes are valid smaller designs and cost no extra runs.

    Returns:
        ``(first_total, second)`` with a ``fraction`` column, every prefix stacked.
    """
    step = sobol_step(len(names), second_order)
    n = len(y) // step
    firsts, seconds = [], []
    for f in fractions:
        k = max(2, int(n * f))
        first, second = sobol_table(np.asarray(y)[: k * step], names, second_order=second_order, **kwargs)
        firsts.append(first.assign(fraction=f))
        seconds.append(second.assign(fraction=f))
    return pd.concat(firsts, ignore_index=True), pd.concat(seconds, ignore_index=True)


def convergence_status(conv: pd.DataFrame, tolerance: float = 0.05) -> pd.DataFrame:
    """Which indices have converged: at the full sample, the interval half-width is at most
    `tolerance` and the index moved by at most `tolerance` since half the sample.

    Args:
        conv: first table of :func:`sobol_convergence` (fractions 0.5 and 1 at least).
        tolerance: largest half-width and change accepted (index units, 0..1).

    Returns:
        One row per key and index (``S1``, ``ST``): ``key, index, value, conf, value_half,
        change, converged``.
    """
    full = conv[conv["fraction"] == 1.0].set_index("key")
    half = conv[conv["fraction"] == 0.5].set_index("key")
    rows = []
    for key in full.index:
        for idx in ("S1", "ST"):
            v, c = float(full.at[key, idx]), float(full.at[key, f"{idx}_conf"])
            h = float(half.at[key, idx]) if key in half.index else np.nan
            change = abs(v - h)
            ok = bool(np.isfinite(v) and np.isfinite(c) and np.isfinite(change) and c <= tolerance
                      and change <= tolerance)
            rows.append({"key": key, "index": idx, "value": v, "conf": c, "value_half": h, "change": change,
                         "converged": ok})
    return pd.DataFrame(rows, columns=["key", "index", "value", "conf", "value_half", "change", "converged"])


# --------------------------------------------------------------------------------------------
# Seed noise
# --------------------------------------------------------------------------------------------
def seed_noise(values: pd.DataFrame, value: str = "value") -> dict[str, float]:
    """How much of an output's variance over the design is seed noise.

    With replicates r at each design point x, ``Var(Y) = E_x[Var_r(Y | x)] + Var_x(E_r[Y | x])``
    (x and the seeds are independent). ``share`` is the first term over the total: the share of
    a single run's variance that is seed noise. ``share_of_mean`` is the seed-noise share of
    the replicate mean at each point (the output the indices are computed on):
    ``(E_x[Var_r] / R) / Var_x(mean_r)``.

    Every point runs the same seeds (common random numbers), so part of the seed noise is a
    shift shared by all points, which cancels out of the indices. A two-way decomposition
    (points x replicates, on the points with all R replicates) separates it from the part that
    changes with the parameters (seed-by-parameter interaction): ``share_crn`` is that part's
    share of the replicate mean's variance — the noise that can move the indices.

    Args:
        values: one row per design point and replicate: ``point``, ``replicate``, `value`.
        value: the column.

    Returns:
        ``points, replicates, within_var, total_var, share, share_of_mean, share_crn`` (NaN
        with one replicate).
    """
    v = values[np.isfinite(values[value].astype(float))]
    g = v.groupby("point")[value]
    counts = g.count()
    reps = int(counts.max()) if len(counts) else 0
    out = {"points": float(len(counts)), "replicates": float(reps), "within_var": np.nan, "total_var": np.nan,
           "share": np.nan, "share_of_mean": np.nan, "share_crn": np.nan}
    multi = counts[counts >= 2].index
    if reps < 2 or len(multi) < 2:
        return out
    within = float(g.var(ddof=1).loc[multi].mean())
    total = float(v[value].var(ddof=1))
    means = float(g.mean().loc[multi].var(ddof=1))
    out.update(within_var=within, total_var=total)
    out["share"] = min(1.0, within / total) if total > 0 else np.nan
    out["share_of_mean"] = min(1.0, within / reps / means) if means > 0 else np.nan
    full = counts[counts == reps].index
    if len(full) >= 2 and means > 0:
        table = v[v["point"].isin(full)].pivot_table(index="point", columns="replicate", values=value)
        y = table.to_numpy(dtype=float)
        resid = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
        interaction = float((resid**2).sum() / ((y.shape[0] - 1) * (y.shape[1] - 1)))
        out["share_crn"] = min(1.0, interaction / reps / means)
    return out


# --------------------------------------------------------------------------------------------
# Replicate coverage
# --------------------------------------------------------------------------------------------
def _wilson(k: float, n: float, z: float = 1.96) -> tuple[float, float]:
    if n <= 0:
        return (np.nan, np.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _intervals(frame: pd.DataFrame, kind: str, level: float) -> pd.DataFrame:
    """Interval of each block (``block`` column) with the estimator the reports use."""
    from infosim.analysis.stats import ratio_of_means, summarise

    if kind == "difference":
        s = summarise(frame, ["block"], "numerator", level).rename(columns={"mean": "estimate"})
        s["bounded"] = True
        return s[["block", "estimate", "ci_low", "ci_high", "bounded"]]
    s = ratio_of_means(frame, ["block"], "numerator", "denominator", level)
    return s.rename(columns={"ratio": "estimate"})[["block", "estimate", "ci_low", "ci_high", "bounded"]]


def _leave_out(num: np.ndarray, den: np.ndarray, out: np.ndarray, kind: str) -> float:
    """The estimate from every replicate except those at positions `out`."""
    keep = np.ones(len(num), dtype=bool)
    keep[out] = False
    return float(num[keep].mean()) if kind == "difference" else float(num[keep].mean() / den[keep].mean())


def _estimate(frame: pd.DataFrame, kind: str) -> float:
    num = float(frame["numerator"].mean())
    return num if kind == "difference" else num / float(frame["denominator"].mean())


def coverage_table(
    samples: pd.DataFrame,
    ns: Sequence[int],
    *,
    permutations: int = 20,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Coverage of the replicate intervals: do intervals from n replicates cover the
    many-replicate value about `level` of the time?

    For each metric the pool of M replicates (independent seeds) is split at random into
    disjoint blocks of n; each block gives an interval (the reports' estimator: paired t for
    differences, delta-method ratio of means for ratios and shares), and the reference value is
    the estimate from the other M - n replicates (so block and reference are independent). This
    is repeated over `permutations` random splits. An unbounded interval (denominator not
    distinguishable from 0) covers everything and is counted in ``unbounded``.

    Args:
        samples: one row per metric and replicate: ``metric, kind, numerator, denominator``
            (kind ``ratio``, ``share`` or ``difference``).
        ns: replicate counts to check (each at most M/2).
        permutations: random splits of the pool per n.
        level: confidence level of the intervals.
        seed: seed of the splits.

    Returns:
        One row per metric and n: ``metric, n, pool, blocks, coverage, coverage_low,
        coverage_high, target, half_width, rel_half_width, unbounded, reference`` —
        ``coverage_low/high`` is a Wilson interval counting only one split's blocks as
        independent (conservative); ``target`` is what a correct interval achieves against the
        finite reference (:func:`target_coverage`); ``narrow_ratio`` is the 5th percentile of the
        half-widths over their median (how much narrower than typical 1 interval in 20 looks);
        ``half_width`` is the median interval half-width, ``rel_half_width`` over |reference|.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for metric, part in samples.groupby("metric", sort=False):
        part = part.reset_index(drop=True)
        kind = str(part["kind"].iloc[0])
        pool = len(part)
        ref_all = _estimate(part, kind)
        num, den = part["numerator"].to_numpy(float), part["denominator"].to_numpy(float)
        for n in ns:
            if n < 2 or 2 * n > pool:
                continue
            per_split = pool // n
            covered, total, unbounded, halves = 0, 0, 0, []
            for _ in range(permutations):
                order = rng.permutation(pool)[: per_split * n]
                blocks = part.iloc[order].assign(block=np.repeat(np.arange(per_split), n))
                iv = _intervals(blocks, kind, level)
                for b, row in zip(range(per_split), iv.itertuples(index=False), strict=True):
                    ref = _leave_out(num, den, order[b * n:(b + 1) * n], kind)
                    if not row.bounded:
                        unbounded += 1
                        covered += 1
                    else:
                        covered += int(row.ci_low <= ref <= row.ci_high)
                        halves.append((row.ci_high - row.ci_low) / 2)
                    total += 1
            cov = covered / total
            low, high = _wilson(cov * per_split, per_split)
            half = float(np.median(halves)) if halves else np.nan
            narrow = float(np.percentile(halves, 5)) / half if halves and half > 0 else np.nan
            rows.append({"metric": metric, "n": n, "pool": pool, "blocks": total, "coverage": cov,
                         "coverage_low": low, "coverage_high": high, "target": target_coverage(n, pool - n, level),
                         "half_width": half, "narrow_ratio": narrow,
                         "rel_half_width": half / abs(ref_all) if ref_all else np.nan,
                         "unbounded": unbounded, "reference": ref_all})
    return pd.DataFrame(rows, columns=["metric", "n", "pool", "blocks", "coverage", "coverage_low", "coverage_high",
                                       "target", "half_width", "narrow_ratio", "rel_half_width", "unbounded",
                                       "reference"])


def target_coverage(n: int, m: int, level: float = 0.95) -> float:
    """Coverage a correct interval from n replicates has against a reference estimated from m
    other replicates (normal data): slightly below `level`, because the reference is itself
    noisy — ``2 F_t(t* sqrt(m / (m + n)); n - 1) - 1``; equal to `level` as m grows."""
    from scipy import stats

    tcrit = stats.t.ppf(0.5 + level / 2, n - 1)
    return float(2 * stats.t.cdf(tcrit * np.sqrt(m / (m + n)), n - 1) - 1)


def recommended_replicates(table: pd.DataFrame, tolerance: float = 0.02, min_width_ratio: float = 0.5) -> int | None:
    """The replicate count the coverage check supports.

    n is enough when, for every metric, its intervals are *calibrated* — coverage not
    significantly below the target (the upper end of its interval at least ``target -
    tolerance``) — and *reliable*: 19 intervals in 20 are at least `min_width_ratio` as wide as
    the typical one, so an interval rarely looks much more precise than it is. The smallest n
    that qualifies, and for which every larger n checked qualifies too; None if none does.
    """
    if table.empty:
        return None
    good = (table["coverage_high"] >= table["target"] - tolerance) & (table["narrow_ratio"] >= min_width_ratio)
    ok = good.groupby(table["n"]).all()
    ns = sorted(ok.index)
    for i, n in enumerate(ns):
        if all(ok[m] for m in ns[i:]):
            return int(n)
    return None
