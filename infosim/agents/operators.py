"""Telecom operators (ordinary Mesa agents) and the 5G radio network they build.

Areas are (city, urban/rural) pairs. An area's household coverage rises with its stations as
``1 - exp(-2 S / N)``, N being the stations one station per `households_per_station` would need.

Each month operator o builds (docs/ODD.md, section 7.1)

    B_o = commercial_o + top-up_o
    commercial_o = share_o x s_J x N(t) x (pi(t) / pi_ref) ** eps x exp(sd z_o - sd^2 / 2)

* N(t): national net additions of 5G stations per month (MIIT, ``market.toml``), interpolated
  between mid-years; after the last data year it changes by ``national_pace_change_after_data``
  a year. s_J: Jiangsu's share of the national build at the run's start conditions.
* pi = R / C, the profitability of the next station: R = 12 x households it newly covers (averaged
  over where stations go) x mobile users per household x expected 5G plan take-up x plan
  premium (yuan a year); C = capex x capex factor / payback years + opex x (1 - power share x
  (1 - power factor)), the factors set by the build-out lever (clauses 1, 2). pi_ref: pi at the
  run's start without the lever. Expected take-up = s + (1 - s) x ``take_up_expectation``, s the
  share of mobile users on a 5G plan at the end of last month (:func:`mobile_market`).
* z_o: a standard normal per operator and month from the stream (seed, STREAM_OPERATORS, month).
* top-up_o: a policy target T for the calendar year is an instrument, not a forecast: operators
  close ``target_compliance`` of the gap between their share of T and their projected commercial
  build of the year (:func:`target_top_up`). Nothing else depends on the target.

Stations go to areas in proportion to the value of the marginal coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import mesa
import numpy as np

from infosim.data import load_table, values
from infosim.parameters import OperatorParams, Parameters
from infosim.world.context import STREAM_OPERATORS, MonthContext
from infosim.world.market import plan_premium_path

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel


# ---------------------------------------------------------------------- the pieces of the rule
class NationalPace:
    """National net additions of 5G stations per month, from the yearly MIIT figures.

    Linear between mid-years (the year's additions / 12 at mid-year), the first year's rate
    before its mid-year, and ``rate_last x (1 + change_after_data) ** (t - mid-year of the last
    year)`` after the last data year.

    Args:
        additions_by_year: calendar year -> national net additions of stations in that year.
        change_after_data: yearly relative change of the pace after the last data year.
    """

    def __init__(self, additions_by_year: dict[int, float], change_after_data: float) -> None:
        years = sorted(additions_by_year)
        self.mid_years = np.array([y + 0.5 for y in years])
        self.rates = np.array([additions_by_year[y] / 12.0 for y in years])
        self.change_after_data = change_after_data

    def per_month(self, t: float) -> float:
        """Stations per month nationally at fractional calendar year `t` (e.g. 2021.5 = mid-2021)."""
        last = self.mid_years[-1]
        if t <= last:
            return float(np.interp(t, self.mid_years, self.rates))
        return float(self.rates[-1] * (1.0 + self.change_after_data) ** (t - last))


@cache
def national_additions() -> dict[int, float]:
    """National net additions of 5G stations by calendar year: year-end stocks (``market.toml``)
    minus the stock a year earlier."""
    stocks = {int(y): float(n) for y, n in values(load_table("market"))["national"]["stations_5g_end_of_year"].items()}
    return {y: stocks[y] - stocks[y - 1] for y in sorted(stocks) if y - 1 in stocks}


def annual_cost_per_station(p: OperatorParams, capex_factor: float = 1.0, power_factor: float = 1.0) -> float:
    """Annualised cost of one station, yuan a year: capex / payback years + opex.

    Args:
        p: operator parameters.
        capex_factor: station capex relative to no policy (free public sites lower it).
        power_factor: power cost relative to no policy (direct supply, peak-valley tariffs).
    """
    opex = p.opex_per_station_yuan_year * (1.0 - p.power_share_of_opex * (1.0 - power_factor))
    return p.capex_per_station_yuan * capex_factor / p.payback_years + opex


def expected_take_up(plan_share: float, expectation: float) -> float:
    """Share of newly covered users operators expect on a 5G plan: s + (1 - s) x expectation."""
    return plan_share + (1.0 - plan_share) * expectation


def station_profitability(
    households_covered: float,
    users_per_household: float,
    take_up: float,
    premium_yuan: float,
    annual_cost_yuan: float,
) -> float:
    """Expected 5G revenue of the next station per yuan of its annualised cost.

    Revenue = 12 x households it newly covers x mobile users per household x expected 5G plan
    take-up x monthly plan premium (yuan a year).
    """
    revenue = 12.0 * households_covered * users_per_household * take_up * premium_yuan
    return revenue / annual_cost_yuan


def target_top_up(
    target: float,
    compliance: float,
    commercial_so_far: float,
    commercial_this_month: float,
    top_up_so_far: float,
    months_left: int,
) -> float:
    """Stations an operator adds this month on top of its commercial build to move toward a target.

    The operator projects its commercial build of the year (built so far + this month's plan for
    every month left, this one included), aims to close ``compliance`` of the gap between that
    and its `target`, and spreads what it has not yet added over the months left. In December
    (one month left) the year's top-up reaches ``compliance x (target - commercial build)``
    unless more was added earlier on a lower projection (stations are not unbuilt). With
    compliance 0 or no target it is 0.

    Args:
        target: the operator's share of the year's target (stations; 0 = no target).
        compliance: share of the gap it closes.
        commercial_so_far: commercial stations it built this calendar year before this month.
        commercial_this_month: its commercial plan this month.
        top_up_so_far: target top-up stations it built this year before this month.
        months_left: months left in the year, this one included.
    """
    if target <= 0.0 or compliance <= 0.0:
        return 0.0
    months_left = max(months_left, 1)
    projected = commercial_so_far + commercial_this_month * months_left
    wanted = compliance * max(0.0, target - projected)
    return max(0.0, wanted - top_up_so_far) / months_left


def build_shocks(seed: int, month: int, n_operators: int, sd: float) -> np.ndarray:
    """Each operator's multiplicative build shock this month: lognormal with mean 1 and log-sd `sd`.

    Drawn from the stream keyed by (seed, STREAM_OPERATORS, month): the same seed gives the same
    shocks, whatever the scenario (common random numbers across paired runs).
    """
    seq = np.random.SeedSequence(seed, spawn_key=(STREAM_OPERATORS, month))
    z = np.random.Generator(np.random.PCG64(seq)).standard_normal(n_operators)
    return np.exp(sd * z - 0.5 * sd * sd)


def plan_premium_at(params: Parameters, years: float) -> float:
    """5G plan premium after `years` (``infosim.world.market.plan_premium_path``)."""
    return float(plan_premium_path(params, np.array([years]))[0])


@dataclass(frozen=True)
class MobileMarket:
    """What operators read of the households' state: users per household and the 5G plan share."""

    users_per_household: float
    plan_share: float


def mobile_market(model: InfoConsumptionModel) -> MobileMarket:
    """Mobile users per household and the share of them on a 5G plan, at the end of last month.

    The one place the operators read the households' state: their users and the users' plans.
    """
    hh = model.households
    total = float(hh.active_users.sum(dtype=np.float64))
    on_plan = float(hh.count_plan.sum(dtype=np.int64))
    return MobileMarket(total / max(hh.state.n, 1), on_plan / total if total > 0 else 0.0)


@dataclass(frozen=True)
class BuildOutlook:
    """The market operators see at the start of a month, before anyone builds (shared by all)."""

    month: int
    national_per_month: float
    households_covered: float  # households the next station newly covers
    users_per_household: float
    take_up: float  # expected 5G plan take-up of newly covered users
    shocks: np.ndarray  # one multiplicative build shock per operator


# ---------------------------------------------------------------------- network and operators
class RadioNetwork:
    """5G stations by operator and area, and the household coverage they give.

    Args:
        households_by_area: real households per area (index = city * 2 + urban).
        income_by_area: mean income factor of each area (value of covering it).
        params: operator parameters.
        n_operators: number of operators.
        build_shares: each operator's share of the initial stations.

    Attributes:
        national_pace: national net additions of stations per month (:class:`NationalPace`).
        outlook: the current month's :class:`BuildOutlook` (set by the first operator to build).
        reference_profitability: station profitability at the run's start without the lever.
    """

    def __init__(
        self,
        households_by_area: np.ndarray,
        income_by_area: np.ndarray,
        params: OperatorParams,
        n_operators: int,
        build_shares: np.ndarray,
    ) -> None:
        self.households = households_by_area.astype(np.float64)
        urban = np.arange(households_by_area.size) % 2 == 1
        per_station = np.where(urban, params.households_per_station_urban, params.households_per_station_rural)
        self.needed = np.maximum(self.households / per_station, 1e-9)
        self.value = income_by_area * np.where(urban, 1.0, params.rural_value_factor)
        self.stations = np.zeros((n_operators, households_by_area.size))
        initial = self.allocate(params.stations_2019, rural_weight=params.initial_rural_weight)
        self.stations += np.outer(build_shares, initial)
        self.national_pace = NationalPace(national_additions(), params.national_pace_change_after_data)
        self.outlook: BuildOutlook | None = None
        self.reference_profitability: float | None = None

    @property
    def total(self) -> np.ndarray:
        """Stations per area (all operators)."""
        return self.stations.sum(axis=0)

    def coverage(self) -> np.ndarray:
        """Share of households covered by 5G in each area."""
        return 1.0 - np.exp(-2.0 * self.total / self.needed)

    def marginal_households(self) -> np.ndarray:
        """Households one more station newly covers in each area: d(households covered) / d(stations)."""
        return 2.0 * self.households / self.needed * np.exp(-2.0 * self.total / self.needed)

    def placement_weights(self, rural_weight: float = 1.0) -> np.ndarray:
        """Where new stations go: the value of the marginal coverage of each area."""
        weights = self.marginal_households() * self.value
        weights[::2] *= rural_weight
        return weights

    def households_covered_per_station(self) -> float:
        """Households the next station newly covers, averaged over where new stations go."""
        weights = self.placement_weights()
        total = weights.sum()
        return float(np.dot(weights, self.marginal_households()) / total) if total > 0 else 0.0

    def allocate(self, n_new: float, rural_weight: float = 1.0) -> np.ndarray:
        """Split `n_new` stations over areas in proportion to the value of the marginal coverage."""
        if n_new <= 0:
            return np.zeros_like(self.needed)
        weights = self.placement_weights(rural_weight)
        total = weights.sum()
        return n_new * weights / total if total > 0 else np.zeros_like(weights)


class Operator(mesa.Agent):
    """A telecom operator: builds 5G stations and prices 5G plans.

    Attributes:
        name: operator name.
        build_share: its share of the stations the province's operators build.
        plan_premium: current 5G plan premium over a 4G plan, yuan per user per month.
        built_this_month: stations built this month (commercial + target top-up).
        commercial_this_month, top_up_this_month: the two parts of it.
        commercial_this_year, top_up_this_year: the same, summed over the calendar year so far.
    """

    def __init__(self, model: InfoConsumptionModel, index: int, name: str, build_share: float) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.build_share = build_share
        self.plan_premium = model.params.plans.premium_yuan_per_user
        self.built_this_month = 0.0
        self.commercial_this_month = 0.0
        self.top_up_this_month = 0.0
        self.year: int | None = None
        self.commercial_this_year = 0.0
        self.top_up_this_year = 0.0

    def outlook(self, ctx: MonthContext) -> BuildOutlook:
        """The month's market outlook, computed once per month before anyone builds (and, in the
        run's first month, the reference profitability)."""
        model, network = self.model, self.model.network
        if network.outlook is not None and network.outlook.month == ctx.month:
            return network.outlook
        p = model.params.operators
        market = mobile_market(model)
        year, month_of_year = ctx.calendar_year, 13 - ctx.months_left_in_year
        outlook = BuildOutlook(
            month=ctx.month,
            national_per_month=network.national_pace.per_month(year + (month_of_year - 0.5) / 12.0),
            households_covered=network.households_covered_per_station(),
            users_per_household=market.users_per_household,
            take_up=expected_take_up(market.plan_share, p.take_up_expectation),
            shocks=build_shocks(model.seed, ctx.month, len(model.operators), p.build_shock_sd),
        )
        if network.reference_profitability is None:
            network.reference_profitability = station_profitability(
                outlook.households_covered,
                outlook.users_per_household,
                outlook.take_up,
                plan_premium_at(model.params, 0.0),
                annual_cost_per_station(p),
            )
        network.outlook = outlook
        return outlook

    def commercial_stations(self, ctx: MonthContext) -> float:
        """Stations this operator builds this month on commercial grounds (see the module docstring)."""
        p = self.model.params.operators
        outlook = self.outlook(ctx)
        profit = station_profitability(
            outlook.households_covered,
            outlook.users_per_household,
            outlook.take_up,
            self.plan_premium,
            annual_cost_per_station(p, ctx.capex_factor, ctx.power_factor),
        )
        reference = self.model.network.reference_profitability
        ratio = profit / reference if reference and reference > 0 else 1.0
        pace = p.jiangsu_share_of_national_build * outlook.national_per_month
        return self.build_share * pace * ratio**p.profitability_elasticity * float(outlook.shocks[self.index])

    def build_and_price(self) -> None:
        """Set this month's plan premium, then build the commercial plan plus any target top-up."""
        model = self.model
        ctx = model.ctx
        self.price_plans(ctx.years)
        if self.year != ctx.calendar_year:
            self.year, self.commercial_this_year, self.top_up_this_year = ctx.calendar_year, 0.0, 0.0
        plan = self.commercial_stations(ctx)
        top_up = target_top_up(
            self.build_share * ctx.station_target,
            model.params.operators.target_compliance,
            self.commercial_this_year,
            plan,
            self.top_up_this_year,
            ctx.months_left_in_year,
        )
        model.network.stations[self.index] += model.network.allocate(plan + top_up)
        self.commercial_this_month, self.top_up_this_month = plan, top_up
        self.commercial_this_year += plan
        self.top_up_this_year += top_up
        self.built_this_month = plan + top_up

    def price_plans(self, years: float) -> None:
        """Lower the 5G plan premium as the network matures, down to a floor share of the launch
        premium (the rule of ``infosim.world.market.plan_premium_path``, which households expect)."""
        self.plan_premium = plan_premium_at(self.model.params, years)


def operator_table() -> tuple[list[str], np.ndarray]:
    """Operator names and build shares from `market.toml`."""
    ops = values(load_table("market"))["operators"]
    return list(ops["names"]), np.asarray(ops["build_shares"])
