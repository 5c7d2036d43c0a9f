"""Figures of a comparison, readable in print: curves with 95% bands per scenario, a
cost-effectiveness chart with error bars, distribution bars, deadweight bars and a 13-city panel.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global
state, safe in scripts and servers); in a notebook, leave it as a cell's last expression to
show it, or call ``fig.savefig(...)``. Scenarios keep one colour, line style, marker and hatch
throughout, from the Okabe-Ito palette (distinct for colour-blind readers and in grey print).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from infosim.analysis.distribution import GROUP_OUTCOME_BY_NAME, TOTAL
from infosim.analysis.groups import DIMENSION_LABELS
from infosim.outcomes import BY_NAME, CONSUMPTION, END, MONEY
from infosim.world.geography import CITIES

if TYPE_CHECKING:
    from infosim.analysis.compare import Comparison

PALETTE = ("#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("", "//", "..", "xx", "\\\\", "oo", "--", "++")
RC = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
      "xtick.labelsize": 8, "ytick.labelsize": 8}

DEFAULT_CURVES = ("users_5g_network", "households_gigabit", "firms_core_cloud", CONSUMPTION)


def scenario_style(names: Sequence[str]) -> dict[str, dict[str, object]]:
    """A fixed style per scenario: colour, line style, marker, hatch (in the order given)."""
    return {n: {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % len(LINESTYLES)],
                "marker": MARKERS[i % len(MARKERS)], "hatch": HATCHES[i % len(HATCHES)]}
            for i, n in enumerate(names)}


def _print_style[**P, R](fn: Callable[P, R]) -> Callable[P, R]:
    """Build the figure under the print font sizes (text takes its size when created)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(RC):
            return fn(*args, **kwargs)

    return wrapper


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=150, layout="constrained")


def _style_axes(ax: object) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _month_dates(months: pd.Series) -> pd.DatetimeIndex:
    return pd.to_datetime(months.astype(str) + "-01")


@_print_style
def plot_curves(
    cmp: Comparison, outcomes: Sequence[str] = DEFAULT_CURVES, *, effect: bool = False, ncols: int = 2
) -> Figure:
    """Monthly curves per scenario with 95% confidence bands across replicates.

    Args:
        cmp: the comparison.
        outcomes: outcome names, one panel each.
        effect: plot paired effects against the baseline (else levels, baseline included).
        ncols: panels per row.
    """
    outcomes = [o for o in outcomes if o in BY_NAME]
    curves = cmp.curves(outcomes, effect=effect)
    names = cmp.data.arms
    style = scenario_style(names)
    nrows = int(np.ceil(len(outcomes) / ncols))
    fig = _figure(3.6 * ncols, 2.6 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    for ax, name in zip(axes.flat, outcomes, strict=False):
        o = BY_NAME[name]
        part = curves[curves["outcome"] == name]
        for sc in names:
            line = part[part["scenario"] == sc]
            if line.empty:
                continue
            x = _month_dates(line["month"])
            st = style[sc]
            ax.plot(x, line["mean"] / o.scale, color=st["color"], linestyle=st["linestyle"], linewidth=1.4,
                    label=sc, marker=st["marker"], markevery=max(len(x) // 6, 1), markersize=3.5)
            if line["ci_low"].notna().any():
                ax.fill_between(x, line["ci_low"] / o.scale, line["ci_high"] / o.scale, color=st["color"],
                                alpha=0.18, linewidth=0)
        prefix = "Δ " if effect else ""
        ax.set_title(f"{prefix}{o.label}")
        ax.set_ylabel(o.scale_label or o.unit)
        if effect:
            ax.axhline(0, color="#555555", linewidth=0.8)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        _style_axes(ax)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), frameon=False)
    what = f"effect against {cmp.baseline}" if effect else "level"
    fig.suptitle(f"Monthly {what}: mean and 95% CI over replicates", fontsize=10)
    return fig


@_print_style
def plot_cost_effectiveness(
    cmp: Comparison, outcomes: Sequence[str] = (CONSUMPTION, "users_5g_network", "firms_core_cloud"),
    horizon: str = END,
) -> Figure:
    """Public money against the additional outcome it bought, one point per scenario.

    Both axes are paired differences against the baseline at `horizon` with 95% error bars.
    On the consumption panel a dashed line marks a multiplier of 1 (one yuan of consumption
    per public yuan).
    """
    eff = cmp.effects[cmp.effects["horizon"] == horizon].set_index(["scenario", "outcome"])
    outcomes = [o for o in outcomes if o in BY_NAME]
    style = scenario_style(cmp.data.arms)
    fig = _figure(3.4 * len(outcomes), 3.4)
    axes = fig.subplots(1, len(outcomes), squeeze=False)[0]
    for ax, name in zip(axes, outcomes, strict=True):
        o = BY_NAME[name]
        xmax = 0.0
        points: list[tuple[float, float, str]] = []
        for sc in cmp.scenarios:
            if (sc, MONEY) not in eff.index or (sc, name) not in eff.index:
                continue
            m, e = eff.loc[(sc, MONEY)], eff.loc[(sc, name)]
            x, y = m["effect"] / 1e9, e["effect"] / o.scale
            xerr = _err(m, 1e9)
            yerr = _err(e, o.scale)
            st = style[sc]
            ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt=st["marker"], color=st["color"], capsize=3,
                        markersize=6, label=sc)
            if e["effect"] != 0:  # a lever that cannot move this outcome stays unlabelled at zero
                points.append((x, y, sc))
            xmax = max(xmax, x)
        _label_points(ax, points)
        if name == CONSUMPTION and xmax > 0:
            xs = np.array([0.0, xmax * 1.1])
            ax.plot(xs, xs * 1e9 / o.scale, color="#777777", linestyle="--", linewidth=0.8,
                    label="multiplier 1")
        ax.axhline(0, color="#555555", linewidth=0.6)
        ax.set_xlabel("public money, bn yuan")
        ax.set_ylabel(f"Δ {o.scale_label or o.unit}")
        ax.set_title(f"{o.label} ({horizon})")
        ax.set_xlim(left=0)
        _style_axes(ax)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), frameon=False)
    fig.suptitle(f"Cost-effectiveness against {cmp.baseline} (mean, 95% CI)", fontsize=10)
    return fig


def _label_points(ax: object, points: list[tuple[float, float, str]]) -> None:
    """Label points, stacking the labels of points that sit close together so none overlap."""
    if not points:
        return
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    xr = max(float(np.ptp(xs)), abs(float(xs.max())), 1e-12)
    yr = max(float(np.ptp(ys)), abs(float(ys.max())), 1e-12)
    placed: list[tuple[float, float]] = []
    for x, y, name in sorted(points, key=lambda p: -p[1]):
        near = sum(1 for px, py in placed if abs(px - x) / xr < 0.25 and abs(py - y) / yr < 0.08)
        placed.append((x, y))
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, 3 - 10 * near), fontsize=7)


def _err(row: pd.Series, scale: float) -> np.ndarray | None:
    if not (np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"])):
        return None
    mean = row["effect"]
    return np.array([[max(mean - row["ci_low"], 0.0)], [max(row["ci_high"] - mean, 0.0)]]) / scale


def _bars(ax: object, table: pd.DataFrame, groups: list[str], scenarios: list[str], value: str,
          low: str, high: str, style: dict) -> None:
    width = 0.8 / max(len(scenarios), 1)
    x = np.arange(len(groups))
    for i, sc in enumerate(scenarios):
        part = table[table["scenario"] == sc].set_index("group").reindex(groups)
        mean = part[value].to_numpy(dtype=float)
        lo, hi = part[low].to_numpy(dtype=float), part[high].to_numpy(dtype=float)
        err = np.vstack([np.clip(mean - lo, 0, None), np.clip(hi - mean, 0, None)])
        err = np.where(np.isfinite(err), err, 0.0)
        st = style[sc]
        ax.bar(x + (i - (len(scenarios) - 1) / 2) * width, mean, width, color=st["color"], alpha=0.85,
               hatch=st["hatch"], edgecolor="white", linewidth=0.4, label=sc, yerr=err,
               error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#333333"})
    ax.set_xticks(x, groups, rotation=30 if len(groups) > 5 else 0, ha="right" if len(groups) > 5 else "center")
    ax.axhline(0, color="#555555", linewidth=0.6)
    _style_axes(ax)


def _moved(scenarios: Sequence[str], table: pd.DataFrame, column: str) -> set[str]:
    """Scenarios with a non-zero `column` somewhere in `table` (others are left out of bar charts)."""
    nonzero = table[table[column].fillna(0) != 0]
    return {sc for sc in scenarios if (nonzero["scenario"] == sc).any()}


@_print_style
def plot_distribution(
    cmp: Comparison, dimension: str = "income_quintile", metric: str = CONSUMPTION
) -> Figure:
    """Who benefits: the effect per household (or firm) by group, and the public money received
    per household (or firm) by group, one bar per scenario with 95% error bars. Scenarios that
    neither change the outcome nor pay anyone in this dimension are left out."""
    dist = cmp.distribution
    dist = dist[(dist["dimension"] == dimension) & (dist["metric"] == metric) & (dist["group"] != TOTAL)]
    money = cmp.money_by_group
    money = money[(money["dimension"] == dimension) & (money["lever"] == "all") & (money["group"] != TOTAL)]
    groups = list(dict.fromkeys(dist["group"]))
    unit = "household" if dimension in ("income_quintile", "urban_rural", "elderly", "city") else "firm"
    scale = dist.assign(
        effect=dist["effect"] / dist["population"], ci_low=dist["ci_low"] / dist["population"],
        ci_high=dist["ci_high"] / dist["population"])
    money = money.assign(ci_low=money["ci_low"] / money["population"], ci_high=money["ci_high"] / money["population"])
    style = scenario_style(cmp.data.arms)
    shown = _moved(cmp.scenarios, dist, "effect") | _moved(cmp.scenarios, money, "mean")
    shown_list = [sc for sc in cmp.scenarios if sc in shown] or cmp.scenarios
    fig = _figure(min(10.0, max(6.0, 0.4 * len(groups) * len(shown_list) + 2)), 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True)
    _bars(top, scale, groups, shown_list, "effect", "ci_low", "ci_high", style)
    label = GROUP_OUTCOME_BY_NAME[metric].label if metric in GROUP_OUTCOME_BY_NAME else metric
    unit_of = GROUP_OUTCOME_BY_NAME[metric].unit if metric in GROUP_OUTCOME_BY_NAME else ""
    top.set_ylabel(f"{unit_of} per {unit}")
    top.set_title(f"Δ {label} per {unit}, by {DIMENSION_LABELS.get(dimension, dimension)}")
    _bars(bottom, money, groups, shown_list, "per_unit", "ci_low", "ci_high", style)
    bottom.set_ylabel(f"yuan per {unit}")
    bottom.set_title(f"Public money received per {unit}")
    handles, labels = top.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), frameon=False)
    return fig


@_print_style
def plot_deadweight(cmp: Comparison) -> Figure | None:
    """Where each scenario's agent payments went, by lever: deadweight, pulled forward, and
    paid to agents who did not adopt within the baseline run (None without agent data)."""
    dw = cmp.deadweight
    if dw.empty:
        return None
    dw = dw[(dw["product"] == "all") & (dw["lever"] != "all")]
    rows = list(dw.itertuples(index=False))
    fig = _figure(6.5, 0.45 * len(rows) + 1.4)
    ax = fig.subplots()
    labels = [f"{r.scenario} · {r.lever}" for r in rows]
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    parts = (("deadweight_share", "deadweight (bought anyway)", "#D55E00", "//"),
             ("pulled_forward_share", "pulled forward", "#E69F00", ".."),
             ("never_in_run_share", "not bought in baseline run", "#009E73", ""))
    for col, name, color, hatch in parts:
        vals = np.array([getattr(r, col) for r in rows], dtype=float)
        vals = np.nan_to_num(vals)
        ax.barh(y, vals * 100, left=left * 100, color=color, hatch=hatch, edgecolor="white", label=name)
        left += vals
    lo = np.array([r.ci_low for r in rows], dtype=float) * 100
    hi = np.array([r.ci_high for r in rows], dtype=float) * 100
    mid = np.array([r.deadweight_share for r in rows], dtype=float) * 100
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.errorbar(mid[ok], y[ok], xerr=np.vstack([mid[ok] - lo[ok], hi[ok] - mid[ok]]), fmt="none",
                ecolor="#000000", elinewidth=0.9, capsize=3)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of money paid to households and firms (bar: 95% CI of deadweight)")
    ax.set_title(f"Deadweight and additionality against {cmp.baseline}")
    _style_axes(ax)
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    return fig


@_print_style
def plot_city_panel(cmp: Comparison, metric: str = "users_5g_network") -> Figure:
    """A panel per city: each scenario's end-of-run effect per 1,000 households, with 95% CI
    (scenarios with no effect on `metric` anywhere are left out)."""
    dist = cmp.distribution
    dist = dist[(dist["dimension"] == "city") & (dist["metric"] == metric)]
    scen = [sc for sc in cmp.scenarios if sc in _moved(cmp.scenarios, dist, "effect")] or cmp.scenarios
    style = scenario_style(cmp.data.arms)
    ncols, nrows = 5, 3
    fig = _figure(9.0, 1.0 + 0.32 * len(scen) * nrows + 1.2)
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False)
    finite = dist[["ci_low", "ci_high", "effect"]].div(dist["population"], axis=0) * 1000
    lo = float(np.nanmin(finite.to_numpy())) if len(finite) else 0.0
    hi = float(np.nanmax(finite.to_numpy())) if len(finite) else 1.0
    y = np.arange(len(scen))[::-1]
    for ax, city in zip(axes.flat, CITIES, strict=False):
        part = dist[dist["group"] == city].set_index("scenario").reindex(scen)
        per = 1000 / part["population"].to_numpy(dtype=float)
        mean = part["effect"].to_numpy(dtype=float) * per
        err = np.vstack([mean - part["ci_low"].to_numpy(float) * per, part["ci_high"].to_numpy(float) * per - mean])
        err = np.where(np.isfinite(err), np.clip(err, 0, None), 0.0)
        colors = [style[s]["color"] for s in scen]
        ax.barh(y, mean, xerr=err, color=colors, alpha=0.85, error_kw={"elinewidth": 0.8, "capsize": 2})
        for bar, s in zip(ax.patches, scen, strict=True):
            bar.set_hatch(style[s]["hatch"])
        ax.axvline(0, color="#555555", linewidth=0.6)
        ax.set_title(city)
        ax.set_yticks(y, [""] * len(scen))
        ax.set_xlim(min(lo, 0) * 1.1, hi * 1.1 if hi > 0 else 1)
        _style_axes(ax)
    legend_ax = axes.flat[len(CITIES)]
    for s in scen:
        legend_ax.barh([0], [0], color=style[s]["color"], hatch=style[s]["hatch"], label=s)
    legend_ax.legend(loc="center", frameon=False, fontsize=8)
    legend_ax.set_axis_off()
    for ax in list(axes.flat)[len(CITIES) + 1:]:
        ax.set_visible(False)
    label = GROUP_OUTCOME_BY_NAME[metric].label if metric in GROUP_OUTCOME_BY_NAME else metric
    fig.suptitle(f"Δ {label} per 1,000 households by city, end of run (95% CI)", fontsize=10)
    return fig
