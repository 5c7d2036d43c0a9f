"""Figures of a sensitivity analysis: Morris mu*-sigma, Sobol' bars with intervals, indices
against sample size, seed-noise shares, replicate coverage.

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot, in the style of
:mod:`infosim.analysis.plots` (print font sizes, Okabe-Ito colours).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from infosim.analysis.plots import PALETTE, _figure, _print_style, _style_axes
from infosim.sensitivity.results import SensitivityResults, short_name


def _grid(n: int, ncols: int, width: float = 3.3, height: float = 2.7) -> tuple[Figure, list]:
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig = _figure(width * ncols, height * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _title(res: SensitivityResults, oid: str, converged: bool | None = True) -> str:
    """A panel's title: the outcome's id (short, unique), flagged when its indices have not converged."""
    return oid + ("" if converged is None or converged else "\n(NOT converged)")


@_print_style
def plot_morris(res: SensitivityResults, label_top: int = 3, ncols: int = 3) -> Figure:
    """Morris mu* against sigma per outcome (both over the largest mu*); selected parameters
    filled, the `label_top` largest named."""
    m = res.morris[res.morris["fraction"] == 1.0]
    ids = [o for o in res.outcome_ids if o in set(m["outcome"])]
    fig, axes = _grid(len(ids), ncols)
    for ax, oid in zip(axes, ids, strict=True):
        part = m[m["outcome"] == oid]
        top = part["mu_star"].max()
        x = part["mu_star"] / top if top > 0 else part["mu_star"] * 0
        y = part["sigma"] / top if top > 0 else part["sigma"] * 0
        sel = part["selected"].to_numpy(bool)
        ax.scatter(x[~sel], y[~sel], s=14, facecolors="none", edgecolors="#777777", linewidths=0.8)
        ax.scatter(x[sel], y[sel], s=18, color=PALETTE[1])
        for _, row in part.assign(x=x, y=y).nlargest(label_top, "mu_star").iterrows():
            ax.annotate(short_name(row["key"]), (row["x"], row["y"]), fontsize=6.5, xytext=(3, 2),
                        textcoords="offset points")
        ax.set_xlim(-0.03, 1.25)
        ax.set_title(_title(res, oid, None), fontsize=8)
        ax.set_xlabel("mu* / max mu*")
        ax.set_ylabel("sigma / max mu*")
        _style_axes(ax)
    fig.suptitle("Morris screening: filled = selected for the Sobol' stage", fontsize=9)
    return fig


@_print_style
def plot_sobol(res: SensitivityResults, block: str) -> Figure:
    """First-order (S1) and total (ST) Sobol' indices with their intervals, one panel per
    outcome of `block`."""
    s = res.sobol[(res.sobol["block"] == block) & (res.sobol["fraction"] == 1.0)]
    ids = [o for o in res.outcome_ids if o in set(s["outcome"])]
    keys = list(dict.fromkeys(s["key"]))
    fig, axes = _grid(len(ids), 2, width=4.2, height=0.45 * len(keys) + 1.2)
    pos = np.arange(len(keys))
    for ax, oid in zip(axes, ids, strict=True):
        part = s[s["outcome"] == oid].set_index("key").reindex(keys)
        ax.barh(pos - 0.2, part["S1"], 0.38, xerr=part["S1_conf"], color=PALETTE[1], label="S1 (first order)",
                error_kw={"elinewidth": 0.8, "capsize": 2})
        ax.barh(pos + 0.2, part["ST"], 0.38, xerr=part["ST_conf"], color=PALETTE[5], label="ST (total)",
                error_kw={"elinewidth": 0.8, "capsize": 2})
        ax.set_yticks(pos, [short_name(k) for k in keys], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(_title(res, oid, res.converged(oid)), fontsize=8)
        ax.set_xlabel("Sobol' index (95% bootstrap interval)")
        _style_axes(ax)
    if axes:
        axes[0].legend(loc="lower right", fontsize=7)
    return fig


@_print_style
def plot_convergence(res: SensitivityResults, ncols: int = 3) -> Figure:
    """Total indices (and intervals) at N/4, N/2 and N for each outcome's parameters."""
    s = res.sobol
    ids = [o for o in res.outcome_ids if o in set(s["outcome"])] if len(s) else []
    fig, axes = _grid(len(ids), ncols, width=3.8, height=2.9)
    tol = res.meta["definition"]["spec"]["sobol"]["tolerance"]
    for ax, oid in zip(axes, ids, strict=True):
        part = s[s["outcome"] == oid]
        for i, (key, g) in enumerate(part.groupby("key", sort=False)):
            g = g.sort_values("n_base")
            c = PALETTE[(i + 1) % len(PALETTE)]
            ax.errorbar(g["n_base"] * (1 + 0.04 * i), g["ST"], yerr=g["ST_conf"], color=c, marker="o",
                        markersize=3, linewidth=1, capsize=2, label=short_name(key))
        ax.set_xscale("log", base=2)
        ax.set_title(_title(res, oid, res.converged(oid)), fontsize=8)
        ax.set_xlabel("base sample N")
        ax.set_ylabel(f"ST (±95%; target ±{tol:g})")
        _style_axes(ax)
        ax.legend(fontsize=5.5, loc="best")
    return fig


@_print_style
def plot_noise(res: SensitivityResults) -> Figure:
    """Seed-noise share of each outcome: of one paired run, and of the replicate mean analysed."""
    n = res.noise
    n = n[n["stage"] == "sobol"] if (n["stage"] == "sobol").any() else n
    n = n[np.isfinite(n["share"])]
    fig = _figure(6.5, 0.35 * max(len(n), 1) + 1.2)
    ax = fig.subplots()
    pos = np.arange(len(n))
    ax.barh(pos - 0.27, n["share"], 0.26, color=PALETTE[2], label="one paired run")
    ax.barh(pos, n["share_of_mean"], 0.26, color=PALETTE[1], label="mean of the replicates (analysed)")
    ax.barh(pos + 0.27, n["share_crn"], 0.26, color=PALETTE[5], label="... the part that moves with the parameters")
    ax.set_yticks(pos, list(n["outcome"]), fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the output's variance over the design that is seed noise")
    ax.legend(fontsize=7, loc="lower right")
    _style_axes(ax)
    return fig


@_print_style
def plot_coverage(res: SensitivityResults) -> Figure:
    """Coverage of the replicate intervals against the number of replicates, per metric."""
    c = res.coverage
    fig = _figure(6.0, 3.2)
    ax = fig.subplots()
    for i, (metric, g) in enumerate(c.groupby("metric", sort=False)):
        ax.errorbar(g["n"] * (1 + 0.02 * i), g["coverage"],
                    yerr=[g["coverage"] - g["coverage_low"], g["coverage_high"] - g["coverage"]],
                    color=PALETTE[(i + 1) % len(PALETTE)], marker="o", markersize=3, linewidth=1, capsize=2,
                    label=str(metric))
    if len(c):
        t = c.groupby("n")["target"].mean()
        ax.plot(t.index, t.to_numpy(), color="black", linestyle="--", linewidth=1, label="target")
    ax.set_xscale("log")
    ns = sorted(set(c["n"])) if len(c) else []
    ax.set_xticks(ns, [str(n) for n in ns])
    ax.minorticks_off()
    ax.set_xlabel("replicates n")
    ax.set_ylabel("coverage of the 95% interval")
    ax.legend(fontsize=6, loc="lower right")
    _style_axes(ax)
    return fig
