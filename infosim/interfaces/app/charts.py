"""The explorer's charts (matplotlib): adoption, consumption, public spending and the 13 cities.

Each function takes an :class:`~infosim.interfaces.app.explorer.ExplorerModel` and returns a
:class:`matplotlib.figure.Figure` of the months simulated so far: the scenario with the levers
as set is drawn solid, its comparison run (same seed) dashed or grey. The x axis spans the whole
run, so the lines grow as the model steps.

The figures are drawn on the server and sent as PNG images: the page needs no charting
JavaScript (Solara 1.58's Vega charts ask for asset versions solara-assets does not ship, so
they would not render on a closed network).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from infosim.scenario.schema import CITIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from infosim.interfaces.app.explorer import ExplorerModel

SCENARIO_COLOR, COMPARISON_COLOR = "#1565c0", "#9e9e9e"
SIZE, DPI = (6.4, 3.3), 90
LEVER_SPEND = {
    "fiscal_spend_buildout_yuan": "5G build-out",
    "fiscal_spend_gigabit_yuan": "gigabit pilots",
    "fiscal_spend_terminal_subsidy_yuan": "terminal subsidy",
    "fiscal_spend_vouchers_yuan": "vouchers",
    "fiscal_spend_cloud_incentive_yuan": "cloud incentive",
    "fiscal_spend_awareness_yuan": "awareness",
}
CITY_METRICS = {
    "share_phone5g": "Households with a 5G phone",
    "share_plan5g": "Households on a 5G plan",
    "share_gigabit": "Households on gigabit broadband",
    "coverage_5g": "Households in 5G coverage",
}


def _figure() -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, dpi=DPI)
    fig.subplots_adjust(left=0.11, right=0.98, top=0.9, bottom=0.12)
    return fig, fig.subplots()


def scenario_label(model: ExplorerModel) -> str:
    """The scenario's name in legends (marked when levers were moved)."""
    return model.scenario_name + (" + levers moved" if model.overrides else "")


def _dates(months: pd.Series) -> np.ndarray:
    return pd.to_datetime(months.astype(str) + "-01").to_numpy()


def _time_axis(ax: Axes, model: ExplorerModel) -> None:
    import matplotlib.dates as mdates

    labels = model.month_labels()
    ax.set_xlim(pd.Timestamp(labels[0] + "-01"), pd.Timestamp(labels[-1] + "-01"))
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(alpha=0.3)


def _title(ax: Axes, model: ExplorerModel, text: str) -> None:
    label = model.current_label
    ax.set_title(f"{text} — {'to ' + label if label else 'not started'}", fontsize=10, loc="left")


def _runs(model: ExplorerModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    s = model.series()
    if s.empty:
        return s, s
    return s[s["run"] == "scenario"], s[s["run"] == "comparison"]


def adoption_chart(model: ExplorerModel) -> Figure:
    """5G handset users and 5G network users (million persons), scenario vs comparison."""
    fig, ax = _figure()
    scen, comp = _runs(model)
    for column, label, color in (
        ("users_5g_handset", "5G handset users", SCENARIO_COLOR),
        ("users_5g_network", "5G network users", "#2e7d32"),
    ):
        if not scen.empty:
            ax.plot(_dates(scen["month"]), scen[column] / 1e6, color=color, label=f"{label}, {scenario_label(model)}")
            ax.plot(_dates(comp["month"]), comp[column] / 1e6, color=color, ls="--", alpha=0.7,
                    label=f"{label}, {model.compare_with}")
    ax.set_ylabel("million persons")
    _time_axis(ax, model)
    _title(ax, model, "5G adoption")
    if not scen.empty:
        ax.legend(fontsize=7, loc="upper left")
    return fig


def consumption_chart(model: ExplorerModel) -> Figure:
    """Information consumption per month (bn yuan), scenario vs comparison."""
    fig, ax = _figure()
    scen, comp = _runs(model)
    if not scen.empty:
        ax.plot(_dates(scen["month"]), scen["info_consumption_yuan"] / 1e9, color=SCENARIO_COLOR,
                label=scenario_label(model))
        ax.plot(_dates(comp["month"]), comp["info_consumption_yuan"] / 1e9, color=COMPARISON_COLOR, ls="--",
                label=model.compare_with)
        ax.legend(fontsize=7, loc="upper left")
    ax.set_ylabel("bn yuan per month")
    _time_axis(ax, model)
    _title(ax, model, "Information consumption")
    return fig


def spend_chart(model: ExplorerModel) -> Figure:
    """Public money spent, cumulative (bn yuan): the scenario's by lever, stacked; the comparison's total dashed."""
    fig, ax = _figure()
    scen, comp = _runs(model)
    if not scen.empty:
        cum = scen[list(LEVER_SPEND)].cumsum().to_numpy().T / 1e9
        ax.stackplot(_dates(scen["month"]), cum, labels=list(LEVER_SPEND.values()), alpha=0.85)
        ax.plot(_dates(comp["month"]), comp["fiscal_spend_yuan"].cumsum() / 1e9, color="black", ls="--", lw=1,
                label=f"{model.compare_with} (total)")
        ax.legend(fontsize=7, loc="upper left", ncol=2)
    ax.set_ylabel("bn yuan, cumulative")
    _time_axis(ax, model)
    _title(ax, model, f"Public money spent, {scenario_label(model)}")
    return fig


def city_chart(model: ExplorerModel, metric: str = "share_phone5g") -> Figure:
    """The 13 cities at the current month: one metric (a share of households), scenario vs comparison."""
    if metric not in CITY_METRICS:
        raise ValueError(f"unknown city metric {metric!r}; known: {', '.join(CITY_METRICS)}")
    fig, ax = _figure()
    c = model.cities()
    x = np.arange(len(CITIES))
    if not c.empty:
        c = c[c["metric"] == metric]
        for offset, run, color, label in (
            (-0.2, "scenario", SCENARIO_COLOR, scenario_label(model)),
            (0.2, "comparison", COMPARISON_COLOR, model.compare_with),
        ):
            values = c[c["run"] == run].set_index("city")["value"].reindex(list(CITIES))
            ax.bar(x + offset, values.to_numpy() * 100, width=0.4, color=color, label=label)
        ax.legend(fontsize=7, loc="upper right")
    ax.set_xticks(x, list(CITIES), rotation=45, ha="right", fontsize=8)
    fig.subplots_adjust(bottom=0.25)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of households")
    ax.grid(axis="y", alpha=0.3)
    _title(ax, model, f"{CITY_METRICS[metric]}, by city")
    return fig
