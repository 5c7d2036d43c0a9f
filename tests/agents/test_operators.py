"""Operators' build-out (issue 8): commercial build from the national pace and station
profitability, the policy target as an instrument with a compliance parameter, stochastic builds."""

from __future__ import annotations

import numpy as np
import pytest

from infosim.agents.operators import (
    NationalPace,
    annual_cost_per_station,
    build_shocks,
    expected_take_up,
    national_additions,
    station_profitability,
    target_top_up,
)
from infosim.model import InfoConsumptionModel
from infosim.parameters import OperatorParams
from infosim.scenario import apply_overrides, load_scenario

N_HOUSEHOLDS = 2_000


def model_for(scenario: str, overrides: dict | None = None, seed: int = 1, months: int = 24) -> InfoConsumptionModel:
    scen = load_scenario(scenario)
    if overrides:
        scen = apply_overrides(scen, overrides)
    return InfoConsumptionModel(scen, seed=seed, households=N_HOUSEHOLDS, months=months)


def station_path(scenario: str, overrides: dict | None = None, seed: int = 1, months: int = 24) -> np.ndarray:
    model = model_for(scenario, overrides, seed, months)
    model.run()
    return model.timeseries()["base_stations_5g"].to_numpy()


# ---------------------------------------------------------------------- the formulas
def test_annual_cost_and_profitability_by_hand() -> None:
    p = OperatorParams(
        capex_per_station_yuan=200_000.0,
        payback_years=5.0,
        opex_per_station_yuan_year=40_000.0,
        power_share_of_opex=0.5,
    )
    assert annual_cost_per_station(p) == pytest.approx(40_000 + 40_000)
    # free sites -10% capex, power -25%: 36,000 + 40,000 x (1 - 0.5 x 0.25) = 71,000
    assert annual_cost_per_station(p, capex_factor=0.9, power_factor=0.75) == pytest.approx(71_000.0)
    # 200 households newly covered x 3 users x 40% take-up x 20 yuan x 12 months = 57,600 yuan a year
    assert station_profitability(200.0, 3.0, 0.4, 20.0, 80_000.0) == pytest.approx(57_600 / 80_000)
    assert expected_take_up(0.2, 0.5) == pytest.approx(0.6)
    assert expected_take_up(0.2, 0.0) == pytest.approx(0.2)


def test_national_pace_interpolates_the_miit_years_and_follows_the_stated_rule_after_them() -> None:
    data = national_additions()
    pace = NationalPace(data, change_after_data=-0.2)
    assert pace.per_month(2020.0) == pytest.approx(data[2020] / 12)  # before the first mid-year: flat
    assert pace.per_month(2021.5) == pytest.approx(data[2021] / 12)
    assert pace.per_month(2022.0) == pytest.approx((data[2021] + data[2022]) / 24)
    last = max(data)
    assert pace.per_month(last + 2.5) == pytest.approx(data[last] / 12 * 0.8**2)


@pytest.mark.parametrize(
    ("plans", "compliance", "target", "expected_top_up"),
    [
        ([3000.0] * 12, 1.0, 48_000.0, 12_000.0),
        ([3000.0] * 12, 0.5, 48_000.0, 6_000.0),
        ([3000.0] * 12, 0.0, 48_000.0, 0.0),
        ([3000.0] * 12, 1.0, 30_000.0, 0.0),
        (
            [4000.0 - 100.0 * k for k in range(12)],
            0.6,
            50_000.0,
            0.6 * (50_000 - sum(4000.0 - 100.0 * k for k in range(12))),
        ),
    ],
    ids=["full", "half", "none", "target-below-commercial", "falling-plan"],
)
def test_target_top_up_closes_compliance_times_the_gap_by_december(
    plans: list[float], compliance: float, target: float, expected_top_up: float
) -> None:
    commercial = top_up = 0.0
    for month_of_year, plan in enumerate(plans, start=1):
        top_up += target_top_up(target, compliance, commercial, plan, top_up, 13 - month_of_year)
        commercial += plan
    assert top_up == pytest.approx(expected_top_up)


def test_build_shocks_are_lognormal_with_mean_one_and_keyed_by_seed_and_month() -> None:
    np.testing.assert_array_equal(build_shocks(7, 3, 4, 0.1), build_shocks(7, 3, 4, 0.1))
    assert not np.array_equal(build_shocks(7, 3, 4, 0.1), build_shocks(8, 3, 4, 0.1))
    assert not np.array_equal(build_shocks(7, 3, 4, 0.1), build_shocks(7, 4, 4, 0.1))
    many = np.concatenate([build_shocks(1, m, 4, 0.2) for m in range(5_000)])
    assert many.mean() == pytest.approx(1.0, abs=0.01)
    assert np.log(many).std() == pytest.approx(0.2, rel=0.05)
    np.testing.assert_array_equal(build_shocks(1, 0, 4, 0.0), np.ones(4))


# ---------------------------------------------------------------------- the rule in the model
def test_different_seeds_give_different_station_counts_the_same_seed_identical_ones() -> None:
    first, again, other = (
        station_path("baseline", seed=1),
        station_path("baseline", seed=1),
        station_path("baseline", seed=2),
    )
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other, rtol=1e-3)


def test_without_shocks_or_profitability_response_the_first_month_is_jiangsus_share_of_the_national_pace() -> None:
    model = model_for("baseline", {"parameters.operators.build_shock_sd": 0.0}, months=1)
    model.run()
    p = model.params.operators
    expected = p.jiangsu_share_of_national_build * national_additions()[2020] / 12
    assert sum(op.commercial_this_month for op in model.operators) == pytest.approx(expected)


def test_jiangsu_builds_more_when_the_national_pace_rises() -> None:
    """National additions rose from 2021 to 2023 (MIIT): with profitability held at its start
    level (elasticity 0) Jiangsu's commercial build rises with them — no fixed yearly decay."""
    overrides = {"parameters.operators.profitability_elasticity": 0.0, "parameters.operators.build_shock_sd": 0.0}
    model = model_for("baseline", overrides, months=48)
    built = {}
    while model.running:
        model.step()
        built[model.ctx.label] = sum(op.commercial_this_month for op in model.operators)
    data = national_additions()
    assert data[2023] > data[2022] > data[2021]
    assert built["2022-07"] > built["2021-07"] and built["2023-07"] > built["2022-07"]
    assert built["2023-07"] / built["2021-07"] == pytest.approx(
        model.network.national_pace.per_month(2023 + 6.5 / 12) / model.network.national_pace.per_month(2021 + 6.5 / 12)
    )


@pytest.mark.parametrize("elasticity", [0.25, 0.5, 1.0], ids=["e0.25", "e0.5", "e1"])
def test_cheaper_power_and_sites_raise_the_build_by_the_stated_elasticity(elasticity: float) -> None:
    """April 2020, the lever's first month: the same world with and without it (paired seed), so
    the commercial build differs only by (C without / C with the lever) ** elasticity."""
    overrides = {
        "parameters.operators.profitability_elasticity": elasticity,
        "parameters.operators.target_compliance": 0.0,
    }
    built = {}
    for scenario in ("baseline", "buildout_only"):
        model = model_for(scenario, overrides, months=4)
        model.run()
        built[scenario] = sum(op.commercial_this_month for op in model.operators)
    p = model.params.operators
    cfg = model.config.levers.buildout
    cost_ratio = annual_cost_per_station(p) / annual_cost_per_station(
        p, 1 - cfg.site_capex_reduction, 1 - cfg.power_cost_reduction
    )
    assert cost_ratio > 1.05
    assert built["buildout_only"] / built["baseline"] == pytest.approx(cost_ratio**elasticity, rel=1e-9)


def test_with_compliance_zero_the_target_adds_nothing() -> None:
    zero = {"parameters.operators.target_compliance": 0.0}
    with_target = station_path("buildout_only", {**zero, "levers.buildout.target_new_stations": {"2020": 90_000}})
    without_target = station_path("buildout_only", {**zero, "levers.buildout.target_new_stations": {}})
    np.testing.assert_array_equal(with_target, without_target)


@pytest.mark.parametrize("compliance", [0.5, 1.0], ids=["half", "full"])
def test_operators_close_compliance_times_the_gap_to_the_target(compliance: float) -> None:
    target = 90_000.0
    overrides = {
        "parameters.operators.target_compliance": compliance,
        "levers.buildout.target_new_stations": {"2020": target},
    }
    model = model_for("buildout_only", overrides, months=12)
    model.run()
    for op in model.operators:
        gap = op.build_share * target - op.commercial_this_year
        assert gap > 0
        assert op.top_up_this_year == pytest.approx(compliance * gap, rel=1e-6)
