"""Figures of an optimisation: parallel coordinates of the Pareto sets, pairwise trade-offs of the
objectives, and the budget split of the chosen policies against the reference.

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot (as the
sensitivity figures), so it works without a display and shows in a notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from infosim.optimise.robust import wide
from infosim.optimise.variables import variable_label

MEAN_COLOR, ROBUST_COLOR, REF_COLOR, OTHER_COLOR = "#1f77b4", "#ff7f0e", "black", "#c8c8c8"


def _scaled(metric: str) -> tuple[float, str]:
    from infosim.analysis.policy_effects import METRIC_BY_NAME

    m = METRIC_BY_NAME[metric]
    return (m.scale, m.scale_label) if m.scale != 1.0 else (1.0, m.unit)


def plot_parallel(plan: Any, table: pd.DataFrame, robust: pd.DataFrame, flags: pd.DataFrame) -> Any:
    """Parallel coordinates: each objective's mean scaled to [0, 1] over every evaluated policy
    (up = better), then each numeric decision variable scaled to its bounds."""
    names = list(flags["candidate"])
    signs = np.array([g.sign for g in plan.goals])
    G = signs * wide(robust, "mean", plan.goals, names)
    lo, hi = np.nanmin(G, axis=0), np.nanmax(G, axis=0)
    Gs = (G - lo) / np.where(hi > lo, hi - lo, 1.0)
    numeric = [(k, c) for k, c in plan.columns.items() if plan.spec.variables[k].kind != "values"]
    index = {n: i for i, n in enumerate(names)}
    labels = [f"{g.metric}\n({g.direction})" for g in plan.goals] + [
        variable_label(k, plan.spec.variables[k]) for k, _ in numeric]
    fig = Figure(figsize=(max(8, 1.3 * len(labels)), 5))
    ax = fig.subplots()
    for i in range(len(names)):
        ax.plot(range(len(plan.goals)), Gs[i], color=OTHER_COLOR, lw=0.6, alpha=0.5, zorder=1)
    settings = table.set_index("policy")

    def row_of(policy: str) -> np.ndarray:
        y = list(Gs[index[policy]])
        for key, col in numeric:
            var = plan.spec.variables[key]
            v = settings.at[policy, col]
            bounds = var.share or var.shift_months or var.range
            y.append(np.nan if v is None or not np.isfinite(v) else (float(v) - bounds[0]) / (bounds[1] - bounds[0]))
        return np.array(y, dtype=float)

    for policy, r in settings.iterrows():
        if r["set"] == "reference":
            continue
        color = MEAN_COLOR if r["pareto_mean"] else ROBUST_COLOR
        ax.plot(range(len(labels)), row_of(str(policy)), color=color, lw=1.4 if r["chosen"] else 0.9,
                alpha=0.9, ls="-" if r["pareto_mean"] else "--", zorder=2)
    ref = settings.index[settings["set"] == "reference"]
    if len(ref):
        ax.plot(range(len(labels)), row_of(str(ref[0])), color=REF_COLOR, lw=2.5, ls=":", zorder=3,
                label=f"reference ({ref[0]})")
    ax.plot([], [], color=MEAN_COLOR, label="best on average (Pareto on the means)")
    ax.plot([], [], color=ROBUST_COLOR, ls="--", label="never bad only (Pareto on the low percentile)")
    ax.plot([], [], color=OTHER_COLOR, label="other evaluated policies")
    ax.axvline(len(plan.goals) - 0.5, color="grey", lw=0.8)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("objectives: 0 worst to 1 best evaluated\nsettings: position within bounds", fontsize=8)
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def plot_tradeoffs(plan: Any, robust: pd.DataFrame, flags: pd.DataFrame) -> Any:
    """Each pair of objectives: every evaluated policy, the two Pareto sets, the reference."""
    goals = plan.goals
    pairs = [(i, j) for i in range(len(goals)) for j in range(i + 1, len(goals))] or [(0, 0)]
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    names = list(flags["candidate"])
    M = wide(robust, "mean", goals, names)
    f = flags.set_index("candidate")
    ref = plan.reference_name
    for ax, (i, j) in zip(axes.flat, pairs, strict=False):
        si, li = _scaled(goals[i].metric)
        sj, lj = _scaled(goals[j].metric)
        x, y = M[:, i] / si, M[:, j] / sj
        ax.scatter(x, y, s=8, color=OTHER_COLOR, label="evaluated")
        pm = f.loc[names, "pareto_mean"].to_numpy()
        pr = f.loc[names, "pareto_robust"].to_numpy()
        ax.scatter(x[pm], y[pm], s=18, color=MEAN_COLOR, label="best on average")
        ax.scatter(x[pr], y[pr], s=40, facecolors="none", edgecolors=ROBUST_COLOR, label="never bad")
        if ref in names:
            k = names.index(ref)
            ax.scatter([x[k]], [y[k]], marker="*", s=160, color=REF_COLOR, label=f"reference ({ref})", zorder=5)
        ax.set_xlabel(f"{goals[i].metric} ({li}, {goals[i].direction})", fontsize=8)
        ax.set_ylabel(f"{goals[j].metric} ({lj}, {goals[j].direction})", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(pairs):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Trade-offs between the objectives (means over the ensemble)", fontsize=10)
    fig.tight_layout()
    return fig


def short_reasons(text: str) -> str:
    """``best on average for x; balanced: ...`` -> ``best x, balanced``."""
    out = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        if part.startswith("best on average for "):
            out.append("best " + part.removeprefix("best on average for "))
        else:
            out.append(part.split(":")[0])
    return ", ".join(out)


def plot_budget(plan: Any, table: pd.DataFrame) -> Any | None:
    """Budget shares of the chosen policies beside the reference (None without share variables)."""
    import matplotlib

    shares = [(k, c) for k, c in plan.columns.items() if plan.spec.variables[k].kind == "share"]
    if not shares:
        return None
    show = table[(table["chosen"] != "") | (table["set"] == "reference")]
    fig = Figure(figsize=(8, 0.5 * len(show) + 2.0))
    ax = fig.subplots()
    left = np.zeros(len(show))
    colors = matplotlib.colormaps["tab10"]
    for n, (key, col) in enumerate(shares):
        v = show[col].astype(float).fillna(0.0).to_numpy()
        ax.barh(range(len(show)), v, left=left, color=colors(n % 10), label=key.split(".")[1])
        left += v
    ticks = [f"{p} ({'reference' if s == 'reference' else short_reasons(c)})"
             for p, s, c in zip(show["policy"], show["set"], show["chosen"], strict=True)]
    ax.set_yticks(range(len(show)), ticks, fontsize=7)
    ax.set_xlabel(f"share of the total budget ({(plan.total_yuan or 0) / 1e9:.3g} bn yuan)")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=min(len(shares), 3), frameon=False)
    fig.tight_layout()
    return fig


def write_figures(opt: Any, table: pd.DataFrame, robust: pd.DataFrame, flags: pd.DataFrame,
                  folder: Path) -> dict[str, str]:
    """Save the figures as PNG in `folder`; returns figure -> file name."""
    folder.mkdir(parents=True, exist_ok=True)
    figs = {"parallel": plot_parallel(opt.plan, table, robust, flags),
            "tradeoffs": plot_tradeoffs(opt.plan, robust, flags),
            "budget": plot_budget(opt.plan, table)}
    out = {}
    for name, fig in figs.items():
        if fig is None:
            continue
        path = folder / f"{name}.png"
        tmp = folder / f".{name}.tmp.png"
        fig.savefig(tmp, dpi=110)
        tmp.replace(path)
        out[name] = path.name
    return out
