"""Telecom operators (ordinary Mesa agents) and the 5G radio network they build.

Areas are (city, urban/rural) pairs. An area's household coverage rises with its stations as
``1 - exp(-2 S / N)``, N being the stations one station per `households_per_station` would need.
Each month an operator plans how many stations to build (the national pace, scaled by how the
policy lowers its cost, raised toward the provincial target) and places them where the marginal
covered households are worth most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from infosim.data import load_table, values
from infosim.parameters import OperatorParams
from infosim.world.market import plan_premium_path

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel


class RadioNetwork:
    """5G stations by operator and area, and the household coverage they give.

    Args:
        households_by_area: real households per area (index = city * 2 + urban).
        income_by_area: mean income factor of each area (value of covering it).
        params: operator parameters.
        n_operators: number of operators.
        build_shares: each operator's share of the initial stations.
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

    @property
    def total(self) -> np.ndarray:
        """Stations per area (all operators)."""
        return self.stations.sum(axis=0)

    def coverage(self) -> np.ndarray:
        """Share of households covered by 5G in each area."""
        return 1.0 - np.exp(-2.0 * self.total / self.needed)

    def allocate(self, n_new: float, rural_weight: float = 1.0) -> np.ndarray:
        """Split `n_new` stations over areas in proportion to the value of the marginal coverage."""
        if n_new <= 0:
            return np.zeros_like(self.needed)
        marginal = self.households / self.needed * np.exp(-2.0 * self.total / self.needed)
        weights = marginal * self.value
        weights[::2] *= rural_weight
        total = weights.sum()
        return n_new * weights / total if total > 0 else np.zeros_like(weights)


class Operator(mesa.Agent):
    """A telecom operator: builds 5G stations and prices 5G plans.

    Attributes:
        name: operator name.
        build_share: its share of the stations the province's operators build.
        plan_premium: current 5G plan premium over a 4G plan, yuan per user per month.
    """

    def __init__(self, model: InfoConsumptionModel, index: int, name: str, build_share: float) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.build_share = build_share
        self.plan_premium = model.params.plans.premium_yuan_per_user
        self.built_this_month = 0.0

    def planned_stations(self, years: float, capex_factor: float, power_factor: float) -> float:
        """Stations this operator would build this month on commercial grounds.

        The national pace declines year by year; a lower cost per station (cheaper power, free
        sites) raises the number of stations that pay back, in proportion to the cost saving.
        """
        p = self.model.params.operators
        annual_cost_ref = p.capex_per_station_yuan / p.payback_years + p.opex_per_station_yuan_year
        opex = p.opex_per_station_yuan_year * (1.0 - p.power_share_of_opex * (1.0 - power_factor))
        annual_cost = p.capex_per_station_yuan * capex_factor / p.payback_years + opex
        pace = p.base_build_per_month * (1.0 - p.build_decline_per_year) ** years
        return self.build_share * pace * annual_cost_ref / annual_cost

    def build_and_price(self) -> None:
        """Decide this month's stations (commercial plan raised toward the target) and plan price."""
        model = self.model
        ctx = model.ctx
        plan = self.planned_stations(ctx.years, ctx.capex_factor, ctx.power_factor)
        required = self.build_share * ctx.target_per_month
        n_new = plan + max(0.0, required - plan)
        placed = model.network.allocate(n_new)
        model.network.stations[self.index] += placed
        self.built_this_month = n_new
        self.price_plans(ctx.years)

    def price_plans(self, years: float) -> None:
        """Lower the 5G plan premium as the network matures, down to a floor share of the launch
        premium (the rule of ``infosim.world.market.plan_premium_path``, which households expect)."""
        self.plan_premium = float(plan_premium_path(self.model.params, np.array([years]))[0])


def operator_table() -> tuple[list[str], np.ndarray]:
    """Operator names and build shares from `market.toml`."""
    ops = values(load_table("market"))["operators"]
    return list(ops["names"]), np.asarray(ops["build_shares"])
