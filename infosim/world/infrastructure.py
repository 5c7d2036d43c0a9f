"""Infrastructure households live with: where gigabit fixed broadband can be ordered.

Gigabit availability is kept per area (city x urban/rural). It spreads nationally without any
provincial policy (operators' FTTH / 10G-PON upgrades); the 'dual-gigabit' pilots lever adds to
it where it pays (``infosim.levers.gigabit``). 5G coverage is the operators' radio network
(``infosim.agents.operators``).
"""

from __future__ import annotations

import numpy as np

from infosim.world.geography import N_AREAS, urban_areas


class GigabitAvailability:
    """Share of households in each area where gigabit broadband can be ordered.

    Args:
        urban_2020, rural_2020: availability at the start in urban and rural areas.
        growth_per_month: share of the remaining gap closed each month by national upgrades.
    """

    def __init__(self, urban_2020: float, rural_2020: float, growth_per_month: float) -> None:
        self.by_area = np.where(urban_areas(), urban_2020, rural_2020).astype(np.float64)
        self.growth = growth_per_month
        assert self.by_area.size == N_AREAS

    def grow_nationally(self) -> None:
        """This month's national upgrades (with or without the pilots)."""
        self.by_area = np.minimum(1.0, self.by_area + self.growth * (1.0 - self.by_area))
