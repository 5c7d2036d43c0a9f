"""The outcomes a comparison reports, how each is read from a run's monthly series, and its unit.

A *stock* (5G users, firms on cloud, stations) is read as its level at a horizon month; a
*flow* (information consumption, public spending) as its cumulative total from the run's
first month through the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from infosim.data import load_table, values

END = "end"
DEFAULT_HORIZONS = ("2020-12", "2021-12", END)


@cache
def province_households() -> float:
    """Real households in the province (the census figure the model scales agents to)."""
    return float(values(load_table("population"))["province"]["households"])


@dataclass(frozen=True)
class Outcome:
    """One reported outcome.

    Attributes:
        name: the outcome's name in tables (``outcome`` column).
        label: a readable label.
        unit: what one unit counts (persons, households, firms, stations, yuan).
        kind: ``stock`` (level at the horizon) or ``flow`` (cumulative to the horizon).
        column: the time-series column it is read from (default: `name`).
        households_share: the column is a share of households; multiply by the province's.
        adopters: an adoption outcome (gets a cost per additional adopter).
        scale: divisor for display (e.g. 1e6 to show millions).
        scale_label: unit shown with the scaled value.
    """

    name: str
    label: str
    unit: str
    kind: Literal["stock", "flow"]
    column: str | None = None
    households_share: bool = False
    adopters: bool = False
    scale: float = 1.0
    scale_label: str = ""

    @property
    def source(self) -> str:
        """The time-series column."""
        return self.column or self.name


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("users_5g_handset", "5G handset users", "persons", "stock", adopters=True,
            scale=1e6, scale_label="million"),
    Outcome("users_5g_network", "5G network users", "persons", "stock", adopters=True,
            scale=1e6, scale_label="million"),
    Outcome("households_gigabit", "Households on gigabit broadband", "households", "stock",
            column="share_gigabit_households", households_share=True, adopters=True,
            scale=1e3, scale_label="thousand"),
    Outcome("households_smart_home", "Households with smart-home devices", "households", "stock",
            column="share_smart_home_households", households_share=True, adopters=True,
            scale=1e3, scale_label="thousand"),
    Outcome("households_tv4k", "Households with a 4K TV", "households", "stock",
            column="share_tv4k_households", households_share=True, adopters=True,
            scale=1e3, scale_label="thousand"),
    Outcome("firms_core_cloud", "Firms with core business on cloud", "firms", "stock", adopters=True,
            scale=1e3, scale_label="thousand"),
    Outcome("firms_star_cloud", "Star-rated cloud firms", "firms", "stock", adopters=True,
            scale=1e3, scale_label="thousand"),
    Outcome("base_stations_5g", "5G base stations", "stations", "stock", scale=1e3, scale_label="thousand"),
    Outcome("info_consumption_yuan", "Information consumption, cumulative", "yuan", "flow",
            scale=1e9, scale_label="bn yuan"),
    Outcome("fiscal_spend_yuan", "Public money spent, cumulative", "yuan", "flow",
            scale=1e9, scale_label="bn yuan"),
)

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
MONEY = "fiscal_spend_yuan"
CONSUMPTION = "info_consumption_yuan"


def get_outcomes(names: list[str] | tuple[str, ...] | None) -> list[Outcome]:
    """The outcomes named (all when None), in the order given.

    Raises:
        KeyError: naming an unknown outcome and listing the known ones.
    """
    if names is None:
        return list(OUTCOMES)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise KeyError(f"unknown outcome(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    return [BY_NAME[n] for n in names]
