"""The explorer page rendered headless with Solara's own tools (widgets in a kernel context, no
browser): move a lever control, press Reset and Step, and check the model and the charts follow."""

from __future__ import annotations

import json

import ipyvuetify as v
import pytest
import solara


def _texts(rc) -> str:
    """All text shown by the rendered widgets (labels, text, preformatted, HTML)."""
    out = [
        child
        for tag in ("span", "pre")
        for w in rc.find(v.Html, tag=tag).widgets
        for child in w.children or []
        if isinstance(child, str)
    ]
    out += [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets]
    return "\n".join(out)


def _charts(rc) -> list[str]:
    """The Vega-Lite specs the page sends to the browser (data included), as text."""
    return [json.dumps(w.spec, sort_keys=True, default=str) for w in rc.find(solara.widgets.VegaLite).widgets]


@pytest.fixture
def page(kernel_context, monkeypatch):
    monkeypatch.setenv("INFOSIM_APP_HOUSEHOLDS", "3000")
    from infosim.interfaces.app import page as page_module

    _box, rc = solara.render(solara.AppLayout(children=[page_module.Page()]), handle_error=False)
    return rc  # the kernel context closes the widgets


def test_page_renders_controls_and_four_charts(page) -> None:
    rc = page
    for label in ("Reset", "Step", "Run to"):
        rc.find(v.Btn, children=[label]).assert_single()
    labels = {w.label for w in rc.find(v.Slider).widgets}
    assert {"Voucher face value (yuan)", "Voucher budget (M yuan)", "Subsidy share of price",
            "Cloud subsidy share", "5G build-out target 2020 (stations)"} <= labels
    assert len(_charts(rc)) == 4
    text = _texts(rc)
    assert "0 of 72" in text and "3,000 households" in text
    assert "infosim run jiangsu_2020 --seed 0 --households 3000" in text


def test_moving_a_lever_then_reset_and_step_updates_model_and_charts(page) -> None:
    rc = page
    before = _charts(rc)
    face = rc.find(v.Slider, label="Voucher face value (yuan)").widget
    face.v_model = 250  # as a user drags the slider
    rc.find(v.Btn, children=["Reset"]).widget.click()
    text = _texts(rc)
    assert "'levers.vouchers.waves[*].face_value_yuan=250'" in text  # the model now runs the override
    assert "(scenario: 100)" in text  # levers card: 250 against the scenario's 100
    step = rc.find(v.Btn, children=["Step"]).widget
    step.click()
    step.click()
    text = _texts(rc)
    assert "Month 2020-02 (2 of 72)" in text
    after = _charts(rc)
    assert len(after) == 4 and all(a != b for a, b in zip(after, before, strict=True))
    assert all("to 2020-02" in spec for spec in after)


def test_run_to_a_month_and_invalid_levers(page) -> None:
    rc = page
    rc.find(v.Select, label="Run to month").widget.v_model = "2020-06"
    rc.find(v.Btn, children=["Run to"]).widget.click()
    assert "Month 2020-06 (6 of 72)" in _texts(rc)
    # a face value above the minimum spend is not a valid scenario: one line, nothing runs
    rc.find(v.Slider, label="Voucher face value (yuan)").widget.v_model = 600
    rc.find(v.Btn, children=["Reset"]).widget.click()
    errors = [w for w in rc.find(v.Alert).widgets if "Invalid lever settings" in str(w.children)]
    assert len(errors) == 1 and "min_spend_yuan must be 0 or at least face_value_yuan" in str(errors[0].children)


def test_scenario_picker_lists_the_scenarios(page) -> None:
    # switching scenario remounts SolaraViz; that is checked in a real server by test_browser.py
    values = page.find(v.Select, label="Scenario").widget.items
    assert {"jiangsu_2020", "baseline", "vouchers_targeted"} <= set(values)
