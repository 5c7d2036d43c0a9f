"""The explorer's controls and model, without a browser: controls map onto scenario keys, the
model is exactly `infosim run` with those overrides, and its comparison run is the baseline."""

from __future__ import annotations

import shlex

import numpy as np
import pandas as pd
import pytest

from infosim.interfaces.app import charts
from infosim.interfaces.app.controls import CONTROLS, controls_for, model_params, overrides_from_controls
from infosim.interfaces.app.explorer import ExplorerModel
from infosim.run import run_scenario
from infosim.scenario import apply_overrides, load_scenario, parse_override

SMALL = {"households": 2000, "months": 14}
FACE = "levers.vouchers.waves[*].face_value_yuan"


def test_every_control_is_a_scenario_key_and_starts_at_the_scenario_value() -> None:
    sc = load_scenario("jiangsu_2020")
    params = model_params(sc)
    assert list(params) == [c.key for c in CONTROLS]
    assert params[FACE]["value"] == 100.0
    assert params["levers.vouchers.budget_yuan"]["value"] == 500.0  # 5e8 yuan shown in million yuan
    assert params["levers.buildout.target_new_stations.2020"]["value"] == 52000
    assert params["levers.vouchers.eligibility"]["values"] == ["all", "low_income", "rural", "elderly",
                                                               "rural_or_elderly"]
    # each control, moved, changes exactly its key in the validated scenario
    for c in CONTROLS:
        moved = {"checkbox": not params[c.key]["value"], "select": "rural"}.get(c.kind, c.high)
        over = overrides_from_controls(sc, {c.key: moved})
        assert list(over) == [c.key]
        assert apply_overrides(sc, over) != sc


def test_untouched_controls_are_no_overrides() -> None:
    for name in ("jiangsu_2020", "baseline", "vouchers_targeted"):
        sc = load_scenario(name)
        shown = {k: v["value"] for k, v in model_params(sc).items()}
        assert overrides_from_controls(sc, shown) == {}, name


def test_controls_follow_the_scenario() -> None:
    baseline = load_scenario("baseline")
    keys = [c.key for c in controls_for(baseline)]
    assert FACE not in keys  # baseline has no voucher waves: no wave controls
    params = model_params(baseline)
    assert params["levers.vouchers.budget_yuan"]["label"].endswith("scenario: no cap)")
    assert params["levers.buildout.target_new_stations.2021"]["value"] == 0
    targeted = model_params(load_scenario("vouchers_targeted"))
    assert targeted["levers.vouchers.eligibility"]["value"] == "rural_or_elderly"


def test_model_is_the_scenario_with_overrides_on_the_same_seed() -> None:
    controls = {FACE: 200.0, "levers.vouchers.budget_yuan": 800.0, "levers.terminal_subsidy.enabled": False}
    m = ExplorerModel("jiangsu_2020", seed=7, **SMALL, **controls)
    assert m.overrides == {FACE: 200.0, "levers.vouchers.budget_yuan": 8e8, "levers.terminal_subsidy.enabled": False}
    assert [w.face_value_yuan for w in m.config.levers.vouchers.waves] == [200.0, 200.0, 200.0]
    m.run_to("2020-09")
    assert (m.month, m.current_label) == (9, "2020-09")
    expected = run_scenario(apply_overrides(load_scenario("jiangsu_2020"), m.overrides), 7, **SMALL)
    baseline = run_scenario("baseline", 7, **SMALL)
    s = m.series()
    scen = s[s["run"] == "scenario"].drop(columns="run").reset_index(drop=True)
    comp = s[s["run"] == "comparison"].drop(columns="run").reset_index(drop=True)
    pd.testing.assert_frame_equal(scen, expected.timeseries.iloc[:9].reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(comp, baseline.timeseries.iloc[:9].reset_index(drop=True), check_dtype=False)
    assert scen["fiscal_spend_vouchers_yuan"].sum() > 0 == comp["fiscal_spend_yuan"].sum()


def test_command_line_reproduces_the_scenario_side() -> None:
    m = ExplorerModel("jiangsu_2020", seed=3, households=2000, **{FACE: 50.0, "levers.vouchers.eligibility": "rural"})
    argv = shlex.split(m.command_line())
    assert argv[:5] == ["infosim", "run", "jiangsu_2020", "--seed", "3"]
    assert argv[argv.index("--households") + 1] == "2000"
    sets = [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]
    assert load_scenario("jiangsu_2020", sets) == m.config
    assert dict(parse_override(x) for x in sets) == {FACE: 50, "levers.vouchers.eligibility": "rural"}


def test_headlines_and_cities_compare_the_runs() -> None:
    m = ExplorerModel("jiangsu_2020", seed=1, **SMALL)
    assert m.headlines()["scenario"].isna().all() and m.cities().empty
    m.run_to(12)
    h = m.headlines().set_index("outcome")
    s = m.series()
    last = s[(s["run"] == "scenario")].iloc[-1]
    assert h.loc["users_5g_handset", "scenario"] == pytest.approx(last["users_5g_handset"] / 1e6)
    spend = s.loc[s["run"] == "scenario", "fiscal_spend_yuan"].sum() / 1e9
    assert h.loc["fiscal_spend_yuan", "scenario"] == pytest.approx(spend)
    assert h.loc["fiscal_spend_yuan", "comparison"] == 0.0
    assert h.loc["fiscal_spend_yuan", "difference"] == pytest.approx(spend)
    c = m.cities()
    phones = c[c["metric"] == "share_phone5g"]
    assert sorted(phones["run"].unique()) == ["comparison", "scenario"]
    assert len(phones) == 26 and phones["value"].between(0, 1).all()


@pytest.mark.parametrize(
    ("controls", "fragment"),
    [
        ({FACE: 600.0}, "min_spend_yuan must be 0 or at least face_value_yuan"),
        ({"levers.vouchers.waves[*].min_spend_yuan": 30.0}, "min_spend_yuan must be 0 or at least face_value_yuan"),
    ],
    ids=["face-above-min-spend", "min-spend-below-face"],
)
def test_invalid_levers_give_one_line_and_do_not_run(controls: dict, fragment: str) -> None:
    m = ExplorerModel("jiangsu_2020", **SMALL, **controls)
    assert m.error is not None and "\n" not in m.error and fragment in m.error
    assert not m.running
    m.step()
    assert m.month == 0 and m.series().empty


def test_bad_seed_is_an_error_not_a_crash() -> None:
    m = ExplorerModel("jiangsu_2020", seed="abc", **SMALL)
    assert m.error == "seed 'abc': must be a whole number" and not m.running


def test_charts_draw_the_simulated_months() -> None:
    m = ExplorerModel("jiangsu_2020", seed=0, **SMALL)
    assert charts.adoption_chart(m).data.empty
    m.run_to(6)
    s = m.series()
    data = charts.adoption_chart(m).data
    assert len(data) == 6 * 2 * 2  # months x (scenario, comparison) x two measures
    handset = data[(data["run"] == "jiangsu_2020") & (data["measure"] == "5G handset users")]
    np.testing.assert_allclose(handset["value"], s.loc[s["run"] == "scenario", "users_5g_handset"] / 1e6)
    assert set(data["run"]) == {"jiangsu_2020", "baseline"}
    spend = charts.spend_chart(m)
    bands, total = spend.layer[0].data, spend.layer[1].data
    assert set(bands["lever"]) == set(charts.LEVER_SPEND.values()) and len(bands) == 6 * len(charts.LEVER_SPEND)
    last = bands[bands["date"] == "2020-06-01"]["value"].sum()
    assert last == pytest.approx(s.loc[s["run"] == "scenario", "fiscal_spend_yuan"].sum() / 1e9)
    assert (total["value"] == 0).all()  # baseline spends nothing
    cities = charts.city_chart(m).data
    assert len(cities) == 26 and cities["value"].between(0, 1).all()
    for chart in (charts.adoption_chart(m), charts.consumption_chart(m), spend, charts.city_chart(m)):
        spec = chart.to_dict()
        assert spec["usermeta"] == {"embedOptions": {"actions": False}}  # no menu linking off the machine
        assert "to 2020-06" in str(spec["title"])
    with pytest.raises(ValueError, match="unknown city metric"):
        charts.city_chart(m, "nope")


def test_comparison_must_start_in_the_same_month(tmp_path) -> None:
    later = tmp_path / "later.toml"
    later.write_text('name = "later"\nextends = "baseline"\n[run]\nstart = "2020-04"\n', encoding="utf-8")
    m = ExplorerModel("jiangsu_2020", compare_with=str(later), **SMALL)
    assert m.error is not None and "starts in 2020-04" in m.error and not m.running
