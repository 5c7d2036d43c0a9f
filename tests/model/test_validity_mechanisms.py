"""The structural fixes of the validity work (issue 8), each tested against the rule it replaced:
handset supply from the shelf, users not households, plans per user, prices with a floor,
vouchers whose effects emerge, the early-2020 shock."""

from __future__ import annotations

import numpy as np
import pytest

from infosim.model import InfoConsumptionModel
from infosim.run import run_scenario
from infosim.scenario import load_scenario

N = 20_000
NO_DEVIATION = [
    "parameters.phones.choice_price_coef=0",
    "parameters.phones.choice_peer_coef=0",
    "parameters.phones.choice_coverage_coef=0",
    "parameters.phones.choice_awareness_coef=0",
    "parameters.phones.choice_repeat_coef=0",
]


def test_without_local_factors_phones_bought_follow_the_shelf() -> None:
    """With every deviation from the national average switched off, the 5G share of phones bought
    is the national 5G share of phones on sale (the old rule added peer-driven early upgrades on
    top of a trend that already contains them, so purchases outran supply)."""
    model = InfoConsumptionModel(load_scenario("baseline", NO_DEVIATION), seed=4, households=N, months=48)
    model.run()
    ts = model.timeseries()
    bought = ts["share_5g_of_phone_sales"].to_numpy()
    shelf = model.market.shelf_share[:48]
    weights = ts["phones_sold"].to_numpy()
    assert abs(np.average(bought - shelf, weights=weights)) < 0.01
    assert np.max(np.abs(bought - shelf)) < 0.06  # month by month, within sampling noise


def test_owning_5g_is_not_absorbing_while_4g_phones_are_sold() -> None:
    """Users replacing a 5G phone can buy 4G when 4G is on the shelf (the old rule: never)."""
    scenario = load_scenario("baseline", ["parameters.market.shelf_share_logit_shift=-3",
                                          "parameters.phones.choice_repeat_coef=0"])
    model = InfoConsumptionModel(scenario, seed=2, households=5_000, months=36)
    u = model.households.users
    switched_back = 0
    for _ in range(36):
        before = u.phone5g.copy()
        model.step()
        switched_back += int(np.count_nonzero(before & ~u.phone5g))
    assert switched_back > 0


def test_people_not_households_replace_phones() -> None:
    """Each user replaces on its own schedule: in households with several users, a month's
    purchase is usually one phone, not the whole household's (the old rule replaced them all)."""
    model = InfoConsumptionModel("baseline", seed=3, households=5_000, months=12)
    u = model.households.users
    partial = whole = 0
    for _ in range(12):
        before = u.purchases.copy()
        model.step()
        bought = u.purchases > before
        per_household = np.bincount(u.household[bought], minlength=model.households.state.n)
        users = np.bincount(u.household, minlength=model.households.state.n)
        several = users >= 2
        partial += int(np.count_nonzero(several & (per_household > 0) & (per_household < users)))
        whole += int(np.count_nonzero(several & (per_household == users)))
    assert partial > 10 * whole


def test_mobile_users_grow_at_the_stated_rate() -> None:
    run = run_scenario("baseline", 1, households=N, months=36)
    users = run.timeseries["users_mobile"].to_numpy()
    growth = (users[35] / users[11]) ** (1 / 2) - 1
    assert growth == pytest.approx(0.0285, abs=0.004)
    assert users[11] == pytest.approx(98.97e6, rel=0.02)  # end-2020 level (brief_users)


def test_5g_plans_are_held_per_user_and_without_a_5g_phone() -> None:
    """Plans have their own drivers: users with a 4G phone can be on a 5G plan (operators'
    migration offers), so plan users can exceed handset users (the old rule: only handset owners)."""
    scenario = load_scenario("baseline", ["parameters.plans.hazard_4g_handset=0.03"])
    run = run_scenario(scenario, 1, households=N, months=24)
    ts = run.timeseries
    assert (ts["users_5g_plan"] > ts["users_5g_handset"]).any()
    assert (ts["users_5g_network"] <= ts["users_5g_plan"] + 1e-6).all()
    assert (ts["users_5g_network"] <= ts["users_5g_handset"] + 1e-6).all()


def test_a_bundled_plan_can_lapse_when_its_contract_ends() -> None:
    """Plans bundled with subsidised phones (clause 6) end with their contract unless kept."""
    sets = ["levers.terminal_subsidy.bundle_months=6", "parameters.plans.lapse_per_month=0",
            "parameters.plans.hazard_4g_handset=0", "parameters.plans.hazard_5g_handset_covered=0",
            "parameters.plans.hazard_5g_handset_uncovered=0"]
    kept = run_scenario(load_scenario("terminal_subsidy_only", [*sets, "parameters.plans.bundle_keep_share=1"]),
                        5, households=N, months=30).timeseries
    lapsed = run_scenario(load_scenario("terminal_subsidy_only", [*sets, "parameters.plans.bundle_keep_share=0"]),
                          5, households=N, months=30).timeseries
    assert kept["users_5g_plan"].iloc[8] == pytest.approx(lapsed["users_5g_plan"].iloc[8])  # under contract
    assert lapsed["users_5g_plan"].iloc[-1] < 0.5 * kept["users_5g_plan"].iloc[-1]


def test_5g_prices_fall_to_a_floor_and_stay_above_4g() -> None:
    """Prices follow the market path with a floor (the old rule: -15% a year without end, below
    the 4G price by 2025)."""
    model = InfoConsumptionModel("baseline", seed=1, households=500, months=72)
    price = model.market.price_5g
    p = model.params.phones
    assert np.all(np.diff(price) <= 1e-9) and price[-1] >= p.price_5g_floor_yuan
    assert price[-1] == pytest.approx(p.price_5g_floor_yuan, rel=0.05)
    assert np.all(price > model.market.price_4g)


def test_the_early_2020_shock_cuts_phone_purchases_in_february() -> None:
    """National handset demand (CAICT shipments: February 2020 -56%) moves the province's
    replacement purchases; April rebounds."""
    ts = run_scenario("baseline", 1, households=N, months=6).timeseries.set_index("month")["phones_sold"]
    assert ts["2020-02"] < 0.5 * ts["2020-01"]
    assert ts["2020-04"] > ts["2020-01"]


@pytest.mark.slow
def test_voucher_redemption_and_extra_spending_emerge_from_the_minimum_spend() -> None:
    """No coefficient sets what vouchers do: a higher minimum spend lowers redemption, and the
    spending they induce comes from top-ups and purchases pulled forward (the old rule multiplied
    purchase hazards by an 'induced purchase' coefficient)."""
    def voucher_run(min_spend: int):
        waves = (f'[{{month = "2020-05", face_value_yuan = 100, min_spend_yuan = {min_spend}, '
                 'vouchers = 2000000, window_months = 3}]')
        run = run_scenario(load_scenario("vouchers_only", [f"levers.vouchers.waves={waves}"]), 7,
                           households=N, months=12)
        ts = run.timeseries
        issued = ts["vouchers_issued_cumulative"].iloc[-1]
        return ts["vouchers_redeemed_cumulative"].iloc[-1] / issued, ts["induced_spending_vouchers_yuan"].sum()

    low_rate, low_induced = voucher_run(300)
    high_rate, high_induced = voucher_run(2000)
    assert 0 < high_rate < low_rate <= 1
    assert low_induced > 0 and high_induced > 0
    with pytest.raises(Exception, match="induced_purchase_coef"):
        load_scenario("vouchers_only", ["levers.vouchers.induced_purchase_coef=1"])
