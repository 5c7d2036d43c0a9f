"""The infosim explorer page (Mesa SolaraViz): ``infosim app``, or ``solara run`` on this file.

Pick a scenario in the sidebar, move the lever controls, press **Reset** to apply them, then
**Step**, **▶** (play) or **Run to** a month. The charts show the scenario with the levers as
set (solid) against a comparison run on the same seed (dashed / grey, ``baseline`` by default).

Environment: ``INFOSIM_APP_SCENARIO`` (first scenario shown, default ``jiangsu_2020``) and
``INFOSIM_APP_HOUSEHOLDS`` (household agents, default the scenario's); ``infosim app`` sets them
from ``--scenario`` and ``--households``.
"""

from __future__ import annotations

import os
from html import escape

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update

from infosim.interfaces.app import charts
from infosim.interfaces.app.assets import configure_running_server
from infosim.interfaces.app.controls import model_params
from infosim.interfaces.app.explorer import ExplorerModel
from infosim.scenario import list_scenarios, load_scenario

configure_running_server()

DEFAULT_SCENARIO = os.environ.get("INFOSIM_APP_SCENARIO", "jiangsu_2020")
HOUSEHOLD_CHOICES = (10_000, 20_000, 50_000, 100_000, 200_000, 500_000)


def default_households(scenario: str) -> int:
    """Household agents for the first model: $INFOSIM_APP_HOUSEHOLDS, else the scenario's."""
    env = os.environ.get("INFOSIM_APP_HOUSEHOLDS")
    return int(env) if env else load_scenario(scenario).run.households


def scenario_names() -> list[str]:
    """Scenario names offered in the picker (the default first if it is a path)."""
    names = list(list_scenarios())
    return names if DEFAULT_SCENARIO in names else [DEFAULT_SCENARIO, *names]


def viz_params(scenario: str, households: int) -> dict:
    """SolaraViz model_params: run settings, then the lever controls at the scenario's values."""
    names = list(list_scenarios())
    return {
        "scenario_name": scenario,
        "seed": {"type": "InputText", "value": "0", "label": "Seed"},
        "households": {
            "type": "Select",
            "value": households,
            "values": sorted({*HOUSEHOLD_CHOICES, households}),
            "label": "Household agents",
        },
        "compare_with": {
            "type": "Select",
            "value": "baseline" if "baseline" in names else names[0],
            "values": names,
            "label": "Compare with (same seed)",
        },
        **model_params(load_scenario(scenario)),
    }


@solara.component
def RunTo(model: ExplorerModel):  # noqa: N802 (Solara components are CapWords)
    """A month picker and a button that steps the model through that month."""
    labels = model.month_labels()
    target = solara.use_reactive(labels[min(11, len(labels) - 1)])
    busy = solara.use_reactive(False)

    def run() -> None:
        busy.set(True)
        try:
            model.run_to(target.value)
        finally:
            busy.set(False)
        force_update()

    with solara.Row(style={"align-items": "center"}):
        solara.Select("Run to month", value=target, values=labels, style={"max-width": "11em"})
        solara.Button("Run to", color="primary", on_click=run, disabled=busy.value or not model.running)


def _table_html(model: ExplorerModel) -> str:
    h = model.headlines()
    head = (
        f"<tr><th>outcome</th><th>{escape(model.scenario_name)}</th><th>{escape(model.compare_with)}</th>"
        "<th>difference</th></tr>"
    )
    rows = [
        f"<tr><td>{escape(r.label)} ({escape(r.unit)})</td><td>{r.scenario:,.2f}</td><td>{r.comparison:,.2f}</td>"
        f"<td>{r.difference:+,.2f}</td></tr>"
        for r in h.itertuples()
        if r.scenario == r.scenario  # not NaN: the run has started
    ]
    if not rows:
        return ""
    style = (
        "<style>.infosim-table{font-size:0.85em}.infosim-table td:not(:first-child)"
        "{text-align:right;padding-left:1em}</style>"
    )
    return f"{style}<table class='infosim-table'>{head}{''.join(rows)}</table>"


def status(model: ExplorerModel) -> None:
    """Where the run is, the headline outcomes against the comparison, and how to reproduce it."""
    with solara.Card("Run"):
        if model.error:
            solara.Error(f"Invalid lever settings: {model.error}. Change the control and press Reset.")
            return
        solara.Text(
            f"Month {model.current_label or '-'} ({model.month} of {model.n_months}), "
            f"{model.households:,} households, seed {model.seed_value}"
        )
        RunTo(model)
        table = _table_html(model)
        if table:
            solara.HTML(tag="div", unsafe_innerHTML=table)
        solara.Text("Reproduce the scenario side:")
        solara.Preformatted(model.command_line(), style_="white-space: pre-wrap; word-break: break-all")


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return escape(f"{value:,}" if isinstance(value, int) else str(value))


def levers(model: ExplorerModel) -> None:
    """The lever controls' values in this run (after Reset), beside the scenario's own."""
    with solara.Card("Levers in this run"):
        settings = solara.use_memo(model.lever_settings, [id(model)])  # fixed for a model
        rows = [
            f"<tr><td>{escape(r.control)}</td><td>{_fmt(r.value)}</td>"
            f"<td>{'' if r.value == r.scenario else '(scenario: ' + _fmt(r.scenario) + ')'}</td></tr>"
            for r in settings.itertuples()
        ]
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<style>.infosim-table{font-size:0.85em}.infosim-table td:not(:first-child)"
            "{text-align:right;padding-left:1em}</style>"
            f"<table class='infosim-table'>{''.join(rows)}</table>",
        )


def _chart(model: ExplorerModel, make) -> None:
    # as solara.FigureAltair, without re-validating the spec against the Vega-Lite schema each
    # month (the chart builders are tested to give valid specs; validation doubled the cost)
    spec = solara.use_memo(lambda: make(model).to_dict(validate=False), [id(model), model.month, model.error])
    solara.widgets.VegaLite.element(spec=spec, listen_to_click=False, listen_to_hover=False)


def adoption(model: ExplorerModel) -> None:
    """5G handset and network users."""
    _chart(model, charts.adoption_chart)


def consumption(model: ExplorerModel) -> None:
    """Information consumption per month."""
    _chart(model, charts.consumption_chart)


def spending(model: ExplorerModel) -> None:
    """Public money spent, by lever."""
    _chart(model, charts.spend_chart)


def cities(model: ExplorerModel) -> None:
    """The 13 cities."""
    _chart(model, charts.city_chart)


COMPONENTS = [status, adoption, consumption, spending, cities, levers]

scenario_choice = solara.reactive(DEFAULT_SCENARIO)


@solara.component
def Page():  # noqa: N802 (the name `solara run` looks for)
    """The explorer: a scenario picker, and Mesa's SolaraViz for the chosen scenario."""
    name = scenario_choice.value
    households = solara.use_memo(lambda: default_households(name), [name])
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select("Scenario", value=scenario_choice, values=scenario_names())
        solara.Text(
            "Move the levers under Model Parameters, then press RESET to apply them; "
            "STEP, ▶ (play) or RUN TO advance the months."
        )
    model = solara.use_memo(lambda: ExplorerModel(name, households=households), [name])
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=viz_params(name, households),
        name="infosim explorer",
        play_interval=50,
    ).key(f"viz-{name}")
