"""The scenario schema: run settings, uncertain parameters and policy levers, validated by pydantic.

A scenario is three kinds of thing kept apart (as in EMA Workbench):

* ``run`` — how much to simulate (start month, months, number of household agents);
* ``parameters`` — uncertain behavioural and market parameters (a sweep varies them);
* ``levers`` — the government's policy levers, each naming the clause of the 2020 Jiangsu
  policy it models (a scenario switches and sizes them).

Every field has a unit in its name or description; values derived from data cite their source
in ``infosim/data/SOURCES.md`` or say they are an assumption.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from infosim.calendar import month_label, parse_month

#: Largest magnitude of any number in a scenario. Beyond it no value is meaningful here (the
#: province's yearly GDP is about 1e13 yuan, its households 3e7) and arithmetic would overflow.
NUMBER_LIMIT = 1e12
#: Largest yuan amount (one trillion yuan), for budgets and prices alike.
YUAN_LIMIT = 1e12
#: The calendar infosim supports: every month in a scenario lies in this window.
FIRST_MONTH, LAST_MONTH = "2000-01", "2100-12"


def _yuan_bound(value: float) -> float:
    if value > YUAN_LIMIT:
        raise ValueError(f"must be at most {YUAN_LIMIT:.0e} yuan (one trillion: the upper bound of any yuan amount)")
    return value


def _month_in_window(value: str) -> str:
    if not parse_month(FIRST_MONTH) <= parse_month(value) <= parse_month(LAST_MONTH):
        raise ValueError(f"must be a month between {FIRST_MONTH} and {LAST_MONTH} (the calendar infosim supports)")
    return value


def _check_bounded(value: Any) -> None:
    """Raise ValueError if `value` (or a number inside a list or table) is beyond NUMBER_LIMIT."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
            raise ValueError(f"numbers must lie between -{NUMBER_LIMIT:.0e} and {NUMBER_LIMIT:.0e}")
    elif isinstance(value, list | tuple):
        for item in value:
            _check_bounded(item)
    elif isinstance(value, dict):
        for item in value.values():
            _check_bounded(item)


Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Yuan = Annotated[float, Field(ge=0.0, description="yuan"), AfterValidator(_yuan_bound)]
Month = Annotated[
    str,
    Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description=f"'YYYY-MM', {FIRST_MONTH} to {LAST_MONTH}"),
    AfterValidator(_month_in_window),
]

CITIES = (
    "Nanjing",
    "Wuxi",
    "Xuzhou",
    "Changzhou",
    "Suzhou",
    "Nantong",
    "Lianyungang",
    "Huaian",
    "Yancheng",
    "Yangzhou",
    "Zhenjiang",
    "Taizhou",
    "Suqian",
)
Eligibility = Literal["all", "low_income", "rural", "elderly", "rural_or_elderly"]
Product = Literal["phone5g", "smart_home", "tv4k", "gigabit"]


class Strict(BaseModel):
    """Base: unknown keys are errors, assignments are validated, types are strict.

    Strict types: a number is never read from a string ("12") or a boolean, nor an integer
    from a float; NaN and infinities are refused, and every number must lie within
    ±NUMBER_LIMIT.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _numbers_bounded(cls, value: Any) -> Any:
        _check_bounded(value)
        return value


# --------------------------------------------------------------------------------------------
# Run settings
# --------------------------------------------------------------------------------------------
class RunSettings(Strict):
    """How much to simulate."""

    start: Month = "2020-01"
    months: int = Field(72, ge=1, le=240, description="number of monthly steps")
    households: int = Field(
        100_000,
        ge=100,
        le=40_000_000,
        description="household agents; each stands for (province households / households) real ones",
    )
    enterprises: int | None = Field(
        None,
        ge=50,
        le=5_000_000,
        description="enterprise agents; None = same sampling ratio as households, at least 20,000",
    )
    agent_views: Literal["auto", "all", "none"] = Field(
        "auto",
        description="Mesa agent objects (views onto the arrays) for households and enterprises: "
        "'auto' creates them up to 200,000 agents of a kind",
    )

    @model_validator(mode="after")
    def _ends_within_calendar(self) -> RunSettings:
        last = month_label(self.months - 1, self.start)
        if parse_month(last) > parse_month(LAST_MONTH):
            raise ValueError(
                f"start {self.start} + {self.months} months ends in {last}, after {LAST_MONTH} "
                "(the calendar infosim supports)"
            )
        return self


# --------------------------------------------------------------------------------------------
# Uncertain parameters
# --------------------------------------------------------------------------------------------
class DiffusionParams(Strict):
    """Bass-type discretionary upgrade to 5G (innovation p, imitation q), per month."""

    bass_p: NonNeg = Field(0.001, le=1, description="innovation hazard per month")
    bass_q: NonNeg = Field(0.02, le=5, description="imitation hazard per month at peer share 1")
    price_effect: bool = Field(True, description="scale the hazard by affordability")
    coverage_effect: bool = Field(True, description="require 5G coverage for the Bass channel")
    awareness_effect: bool = Field(True, description="scale the hazard by awareness and literacy")


class PhoneParams(Strict):
    """Phone replacement and 4G/5G choice."""

    replacement: bool = Field(True, description="phones are replaced as they age")
    life_months: Positive = Field(42.0, le=240, description="mean phone life, months")
    life_shape: Positive = Field(2.5, le=20, description="Weibull shape of phone life")
    price_5g_2020_yuan: Yuan = 3300.0
    price_5g_decline_per_year: Share = 0.15
    price_4g_yuan: Yuan = 1500.0
    choice_price_coef: float = Field(-1.2, description="logit coefficient on log(price / monthly income)")
    choice_peer_coef: float = Field(1.5, description="logit coefficient on the share of contacts with 5G")
    choice_coverage_coef: float = Field(0.8, description="logit coefficient on living in 5G coverage")
    choice_awareness_coef: float = Field(0.8, description="logit coefficient on awareness x literacy")
    national_trend: bool = Field(
        True, description="5G share of national phone supply shifts the choice (makers phase out 4G)"
    )
    pull_forward_per_share: NonNeg = Field(
        2.0, le=50, description="replacement hazard multiplier per unit subsidy/price (pull-forward)"
    )
    mobile_users_per_household: Positive = Field(3.31, le=10)


class PlanParams(Strict):
    """5G plan take-up by 5G handset owners."""

    monthly_hazard_covered: Share = 0.15
    monthly_hazard_uncovered: Share = 0.04
    premium_yuan_per_user: Yuan = 30.0
    arpu_4g_yuan_per_user: Yuan = 47.0


class HomeParams(Strict):
    """Gigabit broadband, smart home and 4K TV adoption."""

    gigabit_hazard: Share = 0.025
    smart_home_p: Share = 0.004
    smart_home_q: NonNeg = Field(0.03, le=5)
    tv4k_p: Share = 0.006
    tv4k_q: NonNeg = Field(0.02, le=5)
    smart_home_price_yuan: Yuan = 1500.0
    tv4k_price_yuan: Yuan = 3500.0
    broadband_basic_yuan: Yuan = 50.0
    broadband_gigabit_yuan: Yuan = 100.0
    price_elasticity: float = Field(-1.0, le=0, description="hazard elasticity to net price")


class SpendingParams(Strict):
    """Monthly information spending besides plans, broadband and devices."""

    other_yuan_per_household: Yuan = Field(
        600.0, description="mean other information goods and services per household-month"
    )
    income_elasticity: NonNeg = Field(0.6, le=3)
    growth_per_year: float = Field(0.06, ge=-0.5, le=1)
    voucher_extra_spend_share: Share = Field(
        0.3, description="share of a deadweight voucher's face value spent on extra information goods"
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
    base_build_per_month: NonNeg = Field(
        4500.0, description="stations per month operators build without the package (national pace)"
    )
    build_decline_per_year: Share = 0.15
    stations_2019: NonNeg = 13_000.0
    households_per_station_urban: Positive = 300.0
    households_per_station_rural: Positive = 180.0


class EnterpriseParams(Strict):
    """Enterprise cloud adoption."""

    base_hazard: Share = Field(0.0095, description="monthly hazard of climbing one cloud stage")
    peer_weight: NonNeg = Field(1.5, le=20)
    net_cost_coef: NonNeg = Field(6.0, le=50, description="hazard sensitivity to net cost / IT budget")
    star_hazard_factor: Share = Field(0.15, description="relative hazard for core -> star")


class Parameters(Strict):
    """Uncertain model parameters (what a sensitivity analysis varies)."""

    diffusion: DiffusionParams = DiffusionParams()
    phones: PhoneParams = PhoneParams()
    plans: PlanParams = PlanParams()
    home: HomeParams = HomeParams()
    spending: SpendingParams = SpendingParams()
    network: NetworkParams = NetworkParams()
    households: HouseholdParams = HouseholdParams()
    operators: OperatorParams = OperatorParams()
    enterprises: EnterpriseParams = EnterpriseParams()


# --------------------------------------------------------------------------------------------
# Policy levers
# --------------------------------------------------------------------------------------------
class Lever(Strict):
    """Common fields of a lever: the clause it models, on/off, period, budget, tapering."""

    clause: str = Field(..., min_length=1, description="clause number(s) of the 2020 Jiangsu policy")
    enabled: bool = False
    start: Month = "2020-04"
    end: Month | None = Field(None, description="last month the lever acts (inclusive); None = open")
    budget_yuan: Yuan | None = Field(
        None, description="total fiscal budget (yuan); the lever stops when spent; None = no cap"
    )
    taper_per_year: float = Field(0.0, ge=0.0, lt=1.0, description="yearly fall of the lever's rates after start")

    @model_validator(mode="after")
    def _end_after_start(self) -> Lever:
        if self.end is not None and parse_month(self.end) < parse_month(self.start):
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class BuildoutLever(Lever):
    """5G build-out support (clauses 1, 2)."""

    clause: str = "1, 2"
    target_new_stations: dict[str, NonNeg] = Field(
        default_factory=dict, description="year -> new stations the plan asks for, e.g. {'2020': 52000}"
    )
    target_compliance: Share = Field(0.8, description="share of the target gap operators close")
    power_cost_reduction: Share = Field(0.25, description="fall in power cost (direct supply, tariffs)")
    site_capex_reduction: Share = Field(0.10, description="fall in capex from free public sites")
    support_per_station_yuan: Yuan = Field(0.0, description="provincial fund per new station")


class GigabitLever(Lever):
    """'Dual-gigabit city' pilots (clauses 1, 13)."""

    clause: str = "1, 13"
    pilot_cities: list[str] = Field(default_factory=list)
    availability_gain_per_month: Share = Field(0.02, description="extra gigabit availability per month")
    fund_per_household_passed_yuan: Yuan = 50.0

    @field_validator("pilot_cities")
    @classmethod
    def _known_cities(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in CITIES]
        if bad:
            raise ValueError(f"unknown cities {bad}; allowed: {', '.join(CITIES)}")
        return v


class TerminalSubsidyLever(Lever):
    """Subsidy of a share of the sale price of 5G phones and smart devices (clauses 6, 7)."""

    clause: str = "6, 7"
    share_of_price: Share = 0.15
    cap_yuan: Yuan = 500.0
    max_price_yuan: Yuan = 6000.0
    products: list[Product] = Field(default_factory=lambda: ["phone5g", "smart_home", "tv4k"])
    trade_in_bonus_yuan: Yuan = Field(0.0, description="extra per 5G phone when an old phone is traded in")
    operator_cofund_share: Share = Field(0.3, description="share of the subsidy operators pay")


class VoucherWave(Strict):
    """One wave of information consumption vouchers."""

    month: Month
    face_value_yuan: Positive
    min_spend_yuan: NonNeg
    vouchers: int = Field(..., ge=0, description="vouchers issued in the wave (province total)")
    window_months: int = Field(2, ge=1, le=24, description="redemption window")

    @model_validator(mode="after")
    def _min_spend_covers_face(self) -> VoucherWave:
        if self.min_spend_yuan and self.min_spend_yuan < self.face_value_yuan:
            raise ValueError("min_spend_yuan must be 0 or at least face_value_yuan")
        return self


class VoucherLever(Lever):
    """City 'information consumption vouchers' (clause 27)."""

    clause: str = "27"
    waves: list[VoucherWave] = Field(default_factory=list)
    eligibility: Eligibility = "all"
    low_income_quintiles: int = Field(2, ge=1, le=5, description="'low income' = bottom N quintiles")
    claim_share: Share = Field(0.6, description="share of eligible households who try to claim")
    products: list[Product] = Field(default_factory=lambda: ["phone5g", "smart_home", "tv4k", "gigabit"])
    induced_purchase_coef: NonNeg = Field(
        1.0, le=50, description="home-product purchase hazard multiplier per unit face/min-spend ratio"
    )

    @model_validator(mode="after")
    def _waves_within_period(self) -> VoucherLever:
        for i, wave in enumerate(self.waves):
            month = parse_month(wave.month)
            if month < parse_month(self.start) or (self.end is not None and month > parse_month(self.end)):
                period = f"[{self.start}, {self.end or 'open'}]"
                raise ValueError(f"waves.{i}: month {wave.month} is outside the lever's period {period}")
        return self


class CloudIncentiveLever(Lever):
    """Cloud incentives (clauses 21, 23, 27, 28)."""

    clause: str = "21, 23, 27, 28"
    subsidy_share: Share = 0.3
    subsidy_cap_yuan: Yuan = 100_000.0
    star_reward_yuan: Yuan = 50_000.0
    rd_super_deduction: bool = True
    deduction_rate: Share = Field(0.75, description="extra deduction of informatisation spend")
    tax_rate: Share = 0.25
    peer_programme_boost: NonNeg = Field(0.3, le=10, description="demonstration/peer boost")


class AwarenessLever(Lever):
    """Experience centres and age-friendly programmes (clauses 8, 10, 11)."""

    clause: str = "8, 10, 11"
    experience_centres: int = Field(5, ge=0, le=1000)
    awareness_gain_per_centre: Share = 0.004
    cost_per_centre_yuan_month: Yuan = 500_000.0
    elderly_literacy_gain_per_month: Share = 0.01
    cost_per_elderly_household_yuan: Yuan = Field(2.0, description="yuan per elderly household per month")


class Levers(Strict):
    """The government's levers; each section names the clause it models."""

    buildout: BuildoutLever = BuildoutLever()
    gigabit: GigabitLever = GigabitLever()
    terminal_subsidy: TerminalSubsidyLever = TerminalSubsidyLever()
    vouchers: VoucherLever = VoucherLever()
    cloud_incentive: CloudIncentiveLever = CloudIncentiveLever()
    awareness: AwarenessLever = AwarenessLever()


LEVER_NAMES: tuple[str, ...] = tuple(Levers.model_fields)


class Scenario(Strict):
    """A complete, resolved scenario (after `extends` and overrides)."""

    name: str = Field(..., min_length=1)
    description: str = ""
    extends: str | None = None
    run: RunSettings = RunSettings()
    parameters: Parameters = Parameters()
    levers: Levers = Levers()

    @model_validator(mode="after")
    def _waves_not_before_run(self) -> Scenario:
        # A wave after the last simulated month is fine (a shorter run); one before the start never happens.
        for i, wave in enumerate(self.levers.vouchers.waves):
            if parse_month(wave.month) < parse_month(self.run.start):
                raise ValueError(
                    f"levers.vouchers.waves.{i}: month {wave.month} is before run.start ({self.run.start})"
                )
        return self
