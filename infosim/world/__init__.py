"""The world every part of the model stands on: geography, the agents' columnar state, each month's
context and random draws, social ties, infrastructure, and the interface agents use to ask the
levers for offers. Nothing here imports agents, levers, population or the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infosim.world.infrastructure import GigabitAvailability
from infosim.world.state import EnterpriseState, HouseholdState


@dataclass
class World:
    """The populations and the infrastructure of one run.

    Attributes:
        households, enterprises: the agents' state arrays.
        household_weight, enterprise_weight: real households / firms each agent stands for.
        households_by_area: real households per area (city * 2 + urban).
        gigabit: gigabit availability by area.
    """

    households: HouseholdState
    enterprises: EnterpriseState
    household_weight: float
    enterprise_weight: float
    households_by_area: np.ndarray
    gigabit: GigabitAvailability

    @property
    def households_by_city(self) -> np.ndarray:
        """Real households per city."""
        return self.households_by_area.reshape(-1, 2).sum(axis=1)


__all__ = ["World"]
