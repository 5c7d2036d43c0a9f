"""With default parameters, jiangsu_2020 reproduces the brief's 2020-2021 anchors within ±15%."""

import pytest

from infosim.data import load_table, values

MARKET = values(load_table("market"))
SEEDS = (1, 2)


@pytest.mark.parametrize(
    ("column", "month", "observed"),
    [
        ("base_stations_5g", "2020-12", MARKET["stations"]["jiangsu_5g_2020"]),
        ("base_stations_5g", "2021-12", MARKET["stations"]["jiangsu_5g_2021"]),
        ("users_5g_network", "2021-03", MARKET["users"]["users_5g_network_2021_03"]),
    ],
    ids=["stations-end-2020", "stations-end-2021", "5g-network-users-2021-03"],
)
@pytest.mark.parametrize("seed", SEEDS)
def test_jiangsu_2020_matches_anchor(run_cached, column: str, month: str, observed: float, seed: int) -> None:
    ts = run_cached("jiangsu_2020", seed, 100_000, 24).timeseries.set_index("month")
    simulated = ts.loc[month, column]
    assert abs(simulated / observed - 1) <= 0.15, f"{column} {month}: {simulated:,.0f} vs {observed:,.0f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_2020_information_consumption_consistent_with_2019(run_cached, seed: int) -> None:
    """2020 consumption is within -5%..+20% of 2019's 560 bn (a year of growth, not a new level)."""
    ts = run_cached("jiangsu_2020", seed, 100_000, 24).timeseries
    total_2020 = ts.loc[ts["month"].str.startswith("2020"), "info_consumption_yuan"].sum()
    ratio = total_2020 / MARKET["consumption"]["info_consumption_2019_yuan"]
    assert 0.95 <= ratio <= 1.20, f"2020 information consumption {total_2020 / 1e9:.0f} bn"


def test_stations_before_the_package_match_april_2020(run_cached) -> None:
    """End-April 2020 (the package had just started): 31,000 stations, within ±15%."""
    ts = run_cached("jiangsu_2020", 1, 100_000, 24).timeseries.set_index("month")
    assert abs(ts.loc["2020-04", "base_stations_5g"] / MARKET["stations"]["jiangsu_5g_2020_04"] - 1) <= 0.15


def test_cloud_targets_of_clause_23_are_met_in_2020() -> None:
    """Clause 23: +35,000 core-business-on-cloud firms and ~3,000 star-rated firms in 2020."""
    from infosim.run import run_scenario

    result = run_scenario("jiangsu_2020", 1, households=100_000, months=12, keep_agents=True)
    firms = result.agents.query("kind == 'enterprise'")
    weight = firms["weight"].iloc[0]
    new_core = ((firms["m_core"] >= 0) & (firms["m_core"] <= 11)).sum() * weight
    new_star = ((firms["m_star"] >= 0) & (firms["m_star"] <= 11)).sum() * weight
    assert abs(new_core / 35_000 - 1) <= 0.15, new_core
    assert abs(new_star / 3_000 - 1) <= 0.30, new_star
