"""The uncertain model parameters: behavioural and market assumptions a scenario can change.

These are the ``[parameters.*]`` sections of a scenario — what a sensitivity analysis or a
calibration varies — kept apart from the run settings and the policy levers (EMA Workbench's
uncertainties vs levers). Every field is documented with its source or as an assumption in
``infosim/data/parameters.md``; its plausible range is in ``infosim/data/parameter_ranges.toml``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infosim.parameters.types import NonNeg, Positive, Price, Share, Strict, Yuan

__all__ = [
    "EnterpriseParams",
    "HomeParams",
    "HouseholdParams",
    "MarketParams",
    "NetworkParams",
    "OperatorParams",
    "Parameters",
    "PhoneParams",
    "PlanParams",
    "SpendingParams",
]


class PhoneParams(Strict):
    """Phones, held by mobile users: replacement, the 4G/5G choice, prices."""

    replacement: bool = Field(True, description="phones are replaced as they age (off for docking tests)")
    life_months: Positive = Field(42.0, le=240, description="mean phone life, months")
    life_shape: Positive = Field(2.5, le=20, description="Weibull shape of phone life")
    price_5g_2020_yuan: Price = Field(3300.0, description="average 5G phone price in the first half of 2020")
    price_5g_floor_yuan: Price = Field(2700.0, description="the level the average 5G phone price falls towards")
    price_5g_convergence_per_year: NonNeg = Field(
        0.6, le=10, description="rate (1/yr) at which the 5G price approaches its floor after mid-2020"
    )
    price_4g_yuan: Yuan = Field(1200.0, description="average 4G phone price")
    choice_price_coef: float = Field(
        -1.2, description="logit coefficient on log(net price / income), relative to the national household"
    )
    choice_peer_coef: float = Field(
        1.5, description="logit coefficient on contacts' 5G share, relative to the national share"
    )
    choice_coverage_coef: float = Field(
        0.8, description="logit coefficient on living under coverage, relative to national coverage"
    )
    choice_awareness_coef: float = Field(0.8, description="logit coefficient on awareness x literacy")
    choice_awareness_ref: Share = Field(
        0.3, description="awareness x literacy of the national average household (the awareness term is zero)"
    )
    choice_repeat_coef: float = Field(
        1.0, description="logit bonus for 5G when the phone being replaced is 5G (owning 5G is not absorbing)"
    )
    national_trend: bool = Field(
        True, description="the choice starts from the national 5G share of phones on sale (off for docking)"
    )
    pull_forward_per_share: NonNeg = Field(
        2.0, le=50, description="replacement hazard multiplier per unit of price an offer takes off (pull-forward)"
    )
    mobile_users_per_household: Positive = Field(
        3.22, le=10, description="mobile subscriptions per household in January 2020"
    )
    users_growth_per_year: float = Field(
        0.0285, ge=-0.2, le=0.5, description="yearly growth of mobile subscriptions (new users buy a phone)"
    )


class PlanParams(Strict):
    """5G plans, held by mobile users: take-up, lapse, price."""

    hazard_5g_handset_covered: Share = Field(
        0.15, description="monthly hazard of moving to a 5G plan: 5G phone, under coverage"
    )
    hazard_5g_handset_uncovered: Share = Field(0.04, description="as above, outside coverage")
    hazard_4g_handset: Share = Field(
        0.01, description="monthly hazard of moving to a 5G plan with a 4G phone (operators' migration offers)"
    )
    premium_elasticity: NonNeg = Field(
        0.5, le=5, description="take-up hazard scales with (launch premium / current premium) to this power"
    )
    lapse_per_month: Share = Field(0.005, description="monthly hazard of leaving a 5G plan")
    bundle_keep_share: Share = Field(
        0.7, description="share of users on a bundled plan (clause 6) who keep it when the contract ends"
    )
    premium_yuan_per_user: Yuan = Field(10.0, description="realised 5G plan premium over 4G at launch, per user")
    premium_decline_per_year: NonNeg = Field(
        0.3, le=1, description="yearly fall of the 5G plan premium, as a share of the launch premium"
    )
    premium_floor_share: Share = Field(
        0.2, description="the premium never falls below this share of the launch premium"
    )
    arpu_4g_yuan_per_user: Yuan = 47.0


class HomeParams(Strict):
    """Gigabit broadband, smart home and 4K TV adoption."""

    gigabit_hazard: Share = 0.025
    smart_home_p: Share = 0.004
    smart_home_q: NonNeg = Field(0.03, le=5)
    tv4k_p: Share = 0.006
    tv4k_q: NonNeg = Field(0.02, le=5)
    smart_home_price_yuan: Price = 1500.0
    tv4k_price_yuan: Price = 3500.0
    broadband_basic_yuan: Yuan = 50.0
    broadband_gigabit_yuan: Price = 100.0
    price_elasticity: float = Field(-1.0, le=0, description="hazard elasticity to net price")


class SpendingParams(Strict):
    """Monthly information spending besides plans, broadband and devices."""

    other_yuan_per_household: Yuan = Field(
        600.0, description="mean other information goods and services per household-month"
    )
    income_elasticity: NonNeg = Field(0.6, le=3)
    growth_per_year: float = Field(0.06, ge=-0.5, le=1)
    freed_money_spend_share: Share = Field(
        0.3, description="share of money an offer frees (paying for a purchase made anyway) spent on information goods"
    )
    routine_goods_share: Share = Field(
        0.15, description="share of other information spending that is goods a minimum-spend voucher can pay for"
    )
    topup_exponent: Positive = Field(
        1.0, le=20, description="P(spend up to a voucher's minimum) = (face / shortfall) ** exponent"
    )


class NetworkParams(Strict):
    """Household social network (small world, mostly within a city)."""

    mode: Literal["small_world", "full_mixing"] = "small_world"
    degree: int = Field(8, ge=2, le=64)
    rewire: Share = 0.1
    cross_city: Share = Field(0.05, description="share of rewired ties that leave the city")


class HouseholdParams(Strict):
    """Heterogeneity switches and awareness/literacy dynamics."""

    homogeneous: bool = Field(False, description="all households identical (docking tests)")
    awareness_growth_per_month: Share = 0.02
    awareness_peer_weight: Share = 0.05


class OperatorParams(Strict):
    """Operators' 5G build-out economics."""

    capex_per_station_yuan: Yuan = Field(230_769.0, description="12 bn yuan / 52,000 stations (clause 1)")
    opex_per_station_yuan_year: Yuan = 36_000.0
    power_share_of_opex: Share = 0.6
    payback_years: Positive = Field(5.0, le=30)
    jiangsu_share_of_national_build: Share = Field(
        0.099, description="Jiangsu's share of the national net additions of stations at the run's start conditions"
    )
    national_pace_change_after_data: float = Field(
        -0.15, ge=-0.9, le=1.0, description="yearly relative change of the national pace after the last data year"
    )
    profitability_elasticity: NonNeg = Field(
        0.5, le=5, description="elasticity of the commercial build to station profitability (revenue / cost)"
    )
    take_up_expectation: Share = Field(
        0.5, description="share of users not yet on a 5G plan operators expect to take one within the payback period"
    )
    build_shock_sd: NonNeg = Field(0.1, le=1, description="sd of the monthly log shock to each operator's build")
    target_compliance: Share = Field(
        0.5, description="share of the gap between a policy station target and the commercial build operators close"
    )
    stations_2019: NonNeg = 13_000.0
    households_per_station_urban: Positive = 300.0
    households_per_station_rural: Positive = 180.0
    rural_value_factor: Share = Field(0.6, description="value of covering a rural household relative to an urban one")
    initial_rural_weight: Share = Field(
        0.15, description="rural weight in placing the stations standing at the start (early 5G was urban)"
    )


class EnterpriseParams(Strict):
    """Enterprise cloud adoption."""

    base_hazard: Share = Field(0.0095, description="monthly hazard of climbing one cloud stage")
    peer_weight: NonNeg = Field(1.5, le=20)
    net_cost_coef: NonNeg = Field(6.0, le=50, description="hazard sensitivity to net cost / IT budget")
    star_hazard_factor: Share = Field(0.15, description="relative hazard for core -> star")
    net_cost_clip: Positive = Field(
        0.3, le=5, description="bound on |net cost / IT budget| in the hazard: no incentive makes a move certain"
    )


class MarketParams(Strict):
    """Uncertainty in the national market inputs (``infosim/data/market.toml``) after their data end."""

    shelf_share_logit_shift: float = Field(
        0.0, ge=-3, le=3, description="shift of the national 5G share of phones on sale, in log-odds"
    )
    demand_scale: Positive = Field(1.0, le=3, description="multiplier of national handset demand")


class Parameters(Strict):
    """Uncertain model parameters (what a sensitivity analysis varies)."""

    market: MarketParams = MarketParams()
    phones: PhoneParams = PhoneParams()
    plans: PlanParams = PlanParams()
    home: HomeParams = HomeParams()
    spending: SpendingParams = SpendingParams()
    network: NetworkParams = NetworkParams()
    households: HouseholdParams = HouseholdParams()
    operators: OperatorParams = OperatorParams()
    enterprises: EnterpriseParams = EnterpriseParams()
