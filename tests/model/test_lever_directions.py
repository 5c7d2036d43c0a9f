"""Each lever alone moves its outcomes in the expected direction against the baseline,
for every one of a few seeds (paired: same seed in both runs)."""

import pytest

#: Every direction is checked on seed 1 in the fast suite (`-m "not slow"`) and on all three in CI.
SEEDS = (1, pytest.param(2, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow))
N, MONTHS = 30_000, 24


def at(run, column: str, month: str) -> float:
    ts = run.timeseries
    return float(ts.loc[ts["month"] == month, column].iloc[0])


def total(run, column: str, year: str) -> float:
    ts = run.timeseries
    return float(ts.loc[ts["month"].str.startswith(year), column].sum())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("scenario", "column", "month"),
    [
        ("terminal_subsidy_only", "users_5g_handset", "2020-12"),
        ("terminal_subsidy_only", "users_5g_network", "2020-12"),
        ("buildout_only", "base_stations_5g", "2020-12"),
        ("buildout_only", "coverage_5g_households", "2021-12"),
        ("buildout_only", "users_5g_network", "2021-12"),
        ("cloud_incentive_only", "firms_core_cloud", "2020-12"),
        ("cloud_incentive_only", "firms_star_cloud", "2021-12"),
        ("vouchers_only", "share_smart_home_households", "2020-12"),
        ("jiangsu_2020", "users_5g_network", "2021-03"),
        ("jiangsu_2020", "share_gigabit_households", "2021-12"),
    ],
)
def test_lever_raises_its_outcome(run_cached, scenario: str, column: str, month: str, seed: int) -> None:
    base = run_cached("baseline", seed, N, MONTHS)
    policy = run_cached(scenario, seed, N, MONTHS)
    assert at(policy, column, month) > at(base, column, month)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", ["vouchers_only", "terminal_subsidy_only", "jiangsu_2020"])
def test_household_levers_raise_2020_consumption(run_cached, scenario: str, seed: int) -> None:
    base = run_cached("baseline", seed, N, MONTHS)
    policy = run_cached(scenario, seed, N, MONTHS)
    assert total(policy, "info_consumption_yuan", "2020") > total(base, "info_consumption_yuan", "2020")


@pytest.mark.parametrize("seed", SEEDS)
def test_baseline_spends_no_public_money(run_cached, seed: int) -> None:
    assert run_cached("baseline", seed, N, MONTHS).timeseries["fiscal_spend_yuan"].sum() == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_targeted_vouchers_reach_rural_and_elderly(run_cached, seed: int) -> None:
    """Same budget: targeted vouchers pay all their money to rural or elderly households."""

    def voucher_money(run, dim: str, group: str) -> float:
        b = run.breakdowns
        sel = (b["dimension"] == dim) & (b["group"] == group) & (b["metric"] == "fiscal_spend_vouchers_yuan")
        return float(b.loc[sel, "value"].sum())

    universal = run_cached("vouchers_only", seed, N, MONTHS)
    targeted = run_cached("vouchers_targeted", seed, N, MONTHS)
    assert voucher_money(targeted, "urban_rural", "rural") > voucher_money(universal, "urban_rural", "rural")
    assert voucher_money(targeted, "elderly", "elderly") > voucher_money(universal, "elderly", "elderly")
