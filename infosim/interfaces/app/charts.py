"""The explorer's charts (Altair / Vega-Lite): adoption, consumption, public spending, the 13 cities.

Each function takes an :class:`~infosim.interfaces.app.explorer.ExplorerModel` and returns an
Altair chart of the months simulated so far: the scenario with the levers as set is drawn solid,
its comparison run (same seed) dashed or grey. The x axis spans the whole run, so the lines grow
as the model steps. The browser draws the charts (Vega, served locally: see
:mod:`infosim.interfaces.app.assets`); the server only sends the data, which keeps a month's
update cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from infosim.world.geography import CITIES

if TYPE_CHECKING:
    import altair as alt

    from infosim.interfaces.app.explorer import ExplorerModel

SCENARIO_COLOR, COMPARISON_COLOR = "#1565c0", "#9e9e9e"
HEIGHT = 230
EMBED = {"embedOptions": {"actions": False}}  # no export menu (its editor links leave the machine)
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


def scenario_label(model: ExplorerModel) -> str:
    """The scenario's name in legends (marked when levers were moved)."""
    return model.scenario_name + (" + levers moved" if model.overrides else "")


def _names(model: ExplorerModel) -> dict[str, str]:
    return {"scenario": scenario_label(model), "comparison": model.compare_with}


def _title(model: ExplorerModel, text: str) -> str:
    label = model.current_label
    return f"{text} — {'to ' + label if label else 'not started'}"


def _x(model: ExplorerModel) -> alt.X:
    import altair as alt

    labels = model.month_labels()
    return alt.X(
        "date:T", title=None, axis=alt.Axis(format="%Y", tickCount="year"),
        scale=alt.Scale(domain=[f"{labels[0]}-01", f"{labels[-1]}-01"]),
    )


def _run_color(model: ExplorerModel, title: str | None = None) -> alt.Color:
    import altair as alt

    names = _names(model)
    return alt.Color(
        "run:N", title=title,
        scale=alt.Scale(domain=[names["scenario"], names["comparison"]], range=[SCENARIO_COLOR, COMPARISON_COLOR]),
        legend=alt.Legend(orient="top"),
    )


def _long(model: ExplorerModel, columns: dict[str, str], scale: float) -> pd.DataFrame:
    """date, run (display name), measure, value / scale — the months simulated so far."""
    s = model.series()
    if s.empty:
        return pd.DataFrame({"date": pd.Series(dtype=str), "run": [], "measure": [], "value": []})
    long = s.melt(id_vars=["run", "month"], value_vars=list(columns), var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(columns)
    long["value"] = long["value"] / scale
    long["date"] = long["month"] + "-01"
    long["run"] = long["run"].map(_names(model))
    return long[["date", "run", "measure", "value"]]


def adoption_chart(model: ExplorerModel) -> alt.Chart:
    """5G handset users and 5G network users (million persons), scenario solid, comparison dashed."""
    import altair as alt

    data = _long(model, {"users_5g_handset": "5G handset users", "users_5g_network": "5G network users"}, 1e6)
    names = _names(model)
    return (
        alt.Chart(data, title=_title(model, "5G adoption, million persons"), usermeta=EMBED)
        .mark_line()
        .encode(
            x=_x(model),
            y=alt.Y("value:Q", title="million persons"),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top"),
                            scale=alt.Scale(range=[SCENARIO_COLOR, "#2e7d32"])),
            strokeDash=alt.StrokeDash(
                "run:N", title=None, legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=[names["scenario"], names["comparison"]], range=[[1, 0], [5, 4]]),
            ),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m"), "run:N", "measure:N",
                     alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(width="container", height=HEIGHT)
    )


def consumption_chart(model: ExplorerModel) -> alt.Chart:
    """Information consumption per month (bn yuan), scenario vs comparison."""
    import altair as alt

    data = _long(model, {"info_consumption_yuan": "information consumption"}, 1e9)
    return (
        alt.Chart(data, title=_title(model, "Information consumption, bn yuan per month"), usermeta=EMBED)
        .mark_line()
        .encode(
            x=_x(model),
            y=alt.Y("value:Q", title="bn yuan per month", scale=alt.Scale(zero=False)),
            color=_run_color(model),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m"), "run:N", alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(width="container", height=HEIGHT)
    )


def spend_chart(model: ExplorerModel) -> alt.LayerChart:
    """Public money spent, cumulative (bn yuan): the scenario's by lever (stacked), the comparison's total dashed."""
    import altair as alt

    s = model.series()
    names = _names(model)
    if s.empty:
        bands = pd.DataFrame({"date": pd.Series(dtype=str), "lever": [], "value": []})
        total = pd.DataFrame({"date": pd.Series(dtype=str), "run": [], "value": []})
    else:
        scen, comp = s[s["run"] == "scenario"], s[s["run"] == "comparison"]
        cum = scen[list(LEVER_SPEND)].cumsum() / 1e9
        cum.columns = list(LEVER_SPEND.values())
        cum["date"] = scen["month"].to_numpy() + "-01"
        bands = cum.melt(id_vars="date", var_name="lever", value_name="value")
        total = pd.DataFrame({
            "date": comp["month"].to_numpy() + "-01",
            "run": f"{names['comparison']} (total)",
            "value": comp["fiscal_spend_yuan"].cumsum().to_numpy() / 1e9,
        })
    area = (
        alt.Chart(bands)
        .mark_area(opacity=0.85)
        .encode(
            x=_x(model),
            y=alt.Y("value:Q", stack="zero", title="bn yuan, cumulative"),
            color=alt.Color("lever:N", title=None, sort=list(LEVER_SPEND.values()),
                            legend=alt.Legend(orient="right")),
            order=alt.Order("lever:N"),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m"), "lever:N", alt.Tooltip("value:Q", format=",.3f")],
        )
    )
    line = (
        alt.Chart(total)
        .mark_line(strokeDash=[5, 4], color="black")
        .encode(x=_x(model), y="value:Q",
                tooltip=[alt.Tooltip("date:T", format="%Y-%m"), "run:N", alt.Tooltip("value:Q", format=",.3f")])
    )
    title = _title(model, f"Public money spent, bn yuan (dashed: {names['comparison']})")
    return alt.layer(area, line, title=title, usermeta=EMBED).properties(width="container", height=HEIGHT)


def city_chart(model: ExplorerModel, metric: str = "share_phone5g") -> alt.Chart:
    """The 13 cities at the current month: one share of households, scenario vs comparison side by side."""
    import altair as alt

    if metric not in CITY_METRICS:
        raise ValueError(f"unknown city metric {metric!r}; known: {', '.join(CITY_METRICS)}")
    c = model.cities()
    data = c[c["metric"] == metric][["city", "run", "value"]].copy()
    data["run"] = data["run"].map(_names(model))
    return (
        alt.Chart(data, title=_title(model, f"{CITY_METRICS[metric]}, by city"), usermeta=EMBED)
        .mark_bar()
        .encode(
            x=alt.X("city:N", sort=list(CITIES), title=None),
            xOffset=alt.XOffset("run:N", sort=list(_names(model).values())),
            y=alt.Y("value:Q", title="share of households", axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            color=_run_color(model),
            tooltip=["city:N", "run:N", alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(width="container", height=HEIGHT)
    )
