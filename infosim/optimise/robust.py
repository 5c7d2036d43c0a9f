"""Robustness over the ensemble: per candidate and objective, the mean over the draws (with its
interval), a low percentile, and the regret against the best candidate on each draw; the two
Pareto sets ("best on average", "never bad"); the policies worth writing back; paired
comparisons with a reference policy.

Every value is oriented by the objective's direction: for a minimised objective the "low"
percentile is the high one (its bad case), and regret is how much worse than the best a
candidate is on a draw (>= 0, in the objective's unit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Goal:
    """An objective and its direction."""

    metric: str
    direction: str  # "max" | "min"

    @property
    def sign(self) -> float:
        """+1 when larger is better, -1 when smaller is."""
        return 1.0 if self.direction == "max" else -1.0


def t_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t interval of `x` (NaN bounds with fewer than two values)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - half, m + half


def draw_matrix(values: pd.DataFrame, goal: Goal, candidates: Sequence[str]) -> np.ndarray:
    """Values of one objective: candidates x draws (NaN where undefined)."""
    part = values[values["objective"] == goal.metric]
    wide = part.pivot(index="candidate", columns="draw", values="value")
    return wide.reindex(list(candidates)).to_numpy(dtype=float)


def robustness_table(values: pd.DataFrame, goals: Sequence[Goal], candidates: Sequence[str],
                     percentile: float = 10.0, level: float = 0.95) -> pd.DataFrame:
    """One row per candidate and objective: ``mean, sd, ci_low, ci_high, low, regret_mean,
    regret_max, draws``.

    ``low`` is the bad-case value: the `percentile` of the draws (``100 - percentile`` for a
    minimised objective). Regret on a draw is measured against the best of `candidates` on
    that draw; candidates with an undefined value on a draw do not set the best.
    """
    rows = []
    for goal in goals:
        M = draw_matrix(values, goal, candidates)
        g = goal.sign * M
        best = np.nanmax(np.where(np.isfinite(g), g, -np.inf), axis=0) if len(candidates) else np.array([])
        regret = best[None, :] - g
        q = percentile if goal.direction == "max" else 100.0 - percentile
        for i, cand in enumerate(candidates):
            row = M[i]
            ok = np.isfinite(row)
            mean, lo, hi = t_interval(row, level)
            rows.append({
                "candidate": cand, "objective": goal.metric, "direction": goal.direction, "draws": int(ok.sum()),
                "mean": mean, "sd": float(np.std(row[ok], ddof=1)) if ok.sum() > 1 else np.nan,
                "ci_low": lo, "ci_high": hi,
                "low": float(np.percentile(row[ok], q)) if ok.all() and ok.any() else np.nan,
                "regret_mean": float(np.mean(regret[i])) if ok.all() and ok.any() else np.nan,
                "regret_max": float(np.max(regret[i])) if ok.all() and ok.any() else np.nan,
            })
    return pd.DataFrame(rows)


def non_dominated(F: np.ndarray) -> np.ndarray:
    """Mask of the rows of `F` (minimised) no other row dominates; rows with NaN are never."""
    F = np.asarray(F, dtype=float)
    ok = np.isfinite(F).all(axis=1)
    mask = np.zeros(len(F), dtype=bool)
    idx = np.flatnonzero(ok)
    for i in idx:
        others = F[idx]
        dominated = np.any(np.all(others <= F[i], axis=1) & np.any(others < F[i], axis=1))
        mask[i] = not dominated
    return mask


def wide(table: pd.DataFrame, column: str, goals: Sequence[Goal], candidates: Sequence[str]) -> np.ndarray:
    """`column` of :func:`robustness_table` as candidates x objectives."""
    w = table.pivot(index="candidate", columns="objective", values=column)
    return w.reindex(index=list(candidates), columns=[g.metric for g in goals]).to_numpy(dtype=float)


def pareto_flags(table: pd.DataFrame, goals: Sequence[Goal], candidates: Sequence[str]) -> pd.DataFrame:
    """Per candidate: ``pareto_mean`` (no candidate is better on average on every objective)
    and ``pareto_robust`` (none is better in the bad case — the low percentile — on every one)."""
    signs = np.array([g.sign for g in goals])
    F_mean = -signs * wide(table, "mean", goals, candidates)
    F_low = -signs * wide(table, "low", goals, candidates)
    return pd.DataFrame({"candidate": list(candidates), "pareto_mean": non_dominated(F_mean),
                         "pareto_robust": non_dominated(F_low)})


def choose(table: pd.DataFrame, flags: pd.DataFrame, goals: Sequence[Goal]) -> list[tuple[str, list[str]]]:
    """The policies worth writing back, with why: the best on average for each objective, the
    balanced one (closest to the ideal point of the best-on-average set, objectives scaled to
    [0, 1] over that set) and the never-bad one (in the never-bad set, the smallest worst-case
    regret, each objective's regret scaled by the spread of the candidates' means).

    Returns:
        ``(candidate, reasons)`` in a fixed order, each candidate once.
    """
    reasons: dict[str, list[str]] = {}
    front = list(flags.loc[flags["pareto_mean"], "candidate"])
    if front:
        G = np.array([g.sign for g in goals]) * wide(table, "mean", goals, front)
        for j, goal in enumerate(goals):
            reasons.setdefault(front[int(np.argmax(G[:, j]))], []).append(f"best on average for {goal.metric}")
        span = G.max(axis=0) - G.min(axis=0)
        scaled = (G - G.min(axis=0)) / np.where(span > 0, span, 1.0)
        balanced = front[int(np.argmin(np.sqrt(((1.0 - scaled) ** 2).sum(axis=1))))]
        reasons.setdefault(balanced, []).append("balanced: closest to the ideal point of the best-on-average set")
    robust = list(flags.loc[flags["pareto_robust"], "candidate"])
    if robust:
        every = list(flags["candidate"])
        means = np.array([g.sign for g in goals]) * wide(table, "mean", goals, every)
        span = np.nanmax(means, axis=0) - np.nanmin(means, axis=0)
        R = wide(table, "regret_max", goals, robust) / np.where(span > 0, span, 1.0)
        never_bad = robust[int(np.argmin(np.nanmax(R, axis=1)))]
        reasons.setdefault(never_bad, []).append("never bad: smallest worst-case regret of the never-bad set")
    return list(reasons.items())


def paired_comparison(values: pd.DataFrame, goals: Sequence[Goal], candidates: Sequence[str], reference: str,
                      level: float = 0.95) -> pd.DataFrame:
    """Each candidate minus the reference, draw by draw (same draws and seeds): mean difference
    with its t interval, and whether the candidate is significantly better or worse.

    Returns:
        One row per candidate and objective: ``candidate, objective, diff, diff_low, diff_high,
        better`` (``"yes"`` / ``"no"`` (significantly worse) / ``"not significant"``).
    """
    rows = []
    for goal in goals:
        M = draw_matrix(values, goal, [*candidates, reference])
        ref = M[-1]
        for i, cand in enumerate(candidates):
            d = M[i] - ref
            mean, lo, hi = t_interval(d, level)
            g_lo, g_hi = sorted((goal.sign * lo, goal.sign * hi)) if np.isfinite(lo) else (np.nan, np.nan)
            verdict = "yes" if g_lo > 0 else "no" if g_hi < 0 else "not significant"
            rows.append({"candidate": cand, "objective": goal.metric, "diff": mean, "diff_low": lo, "diff_high": hi,
                         "better": verdict})
    return pd.DataFrame(rows)


def dominates(a: np.ndarray, b: np.ndarray, signs: np.ndarray) -> bool:
    """True if `a` is at least as good as `b` on every objective and better on one."""
    ga, gb = signs * a, signs * b
    return bool(np.all(ga >= gb) and np.any(ga > gb))
