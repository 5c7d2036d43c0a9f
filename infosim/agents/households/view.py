"""The household Mesa agent: a view onto one row of the household arrays.

Reading an attribute reads the array, so Mesa tools (AgentSet.select, agg, DataCollector agent
reporters) see the current state without per-agent stepping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from infosim.world.state import HouseholdState

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel


class Household(mesa.Agent):
    """A household agent: a view onto row `index` of the household arrays."""

    def __init__(self, model: InfoConsumptionModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _s(self) -> HouseholdState:
        return self.model.households.state

    city = property(lambda self: int(self._s.city[self.index]), doc="city index")
    urban = property(lambda self: bool(self._s.urban[self.index]), doc="urban household")
    elderly = property(lambda self: bool(self._s.elderly[self.index]), doc="head aged 60+")
    income_quintile = property(lambda self: int(self._s.quintile[self.index]), doc="0 = poorest")
    has_5g_phone = property(lambda self: bool(self._s.phone5g[self.index]), doc="owns a 5G phone")
    has_5g_plan = property(lambda self: bool(self._s.plan5g[self.index]), doc="on a 5G plan")
    has_gigabit = property(lambda self: bool(self._s.gigabit[self.index]), doc="gigabit broadband")
    has_smart_home = property(lambda self: bool(self._s.smart_home[self.index]), doc="smart-home device")
    awareness = property(lambda self: float(self._s.awareness[self.index]), doc="0-1")
    spend_total = property(lambda self: float(self._s.spend_total[self.index]), doc="yuan so far")
