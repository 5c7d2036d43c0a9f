"""The one registry of outcomes: every monthly series a run reports, its unit, label, whether it
is a stock or a flow, and how it is shown.

The collector writes exactly these series (``infosim.outputs``), the run summary sums the flows
and reads the stocks at horizons, the command line prints :data:`CLI_SUMMARY`, the analysis
compares :data:`OUTCOMES` and the plots label them from here. A *stock* (5G users, firms on
cloud, stations, prices, shares) is read as its level at a horizon month; a *flow* (information
consumption, public spending, stations built) as its total from the run's first month through the
horizon. Series that exist once per lever or per operator are made by :func:`series_outcomes`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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


def slug(name: str) -> str:
    """'China Mobile' -> 'china_mobile'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class Outcome:
    """One reported outcome.

    Attributes:
        name: the outcome's name (a time-series column, or the ``outcome`` of a comparison).
        label: a readable label.
        unit: what one unit counts (persons, households, firms, stations, yuan, share, yuan/month).
        kind: ``stock`` (level at the horizon) or ``flow`` (cumulative to the horizon).
        column: the time-series column it is read from (default: `name`).
        households_share: the column is a share of households; multiply by the province's.
        adopters: an adoption outcome (gets a cost per additional adopter).
        scale: divisor for display (e.g. 1e6 to show millions; 0.01 to show a share in %).
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

    @property
    def is_flow(self) -> bool:
        """Whether the outcome accumulates over months (summed to a horizon)."""
        return self.kind == "flow"


def _share(name: str, label: str) -> Outcome:
    return Outcome(name, label, "share", "stock", scale=0.01, scale_label="%")


#: The monthly series every run writes, in column order (per-lever and per-operator series and the
#: levers' own series are added by :func:`series_outcomes`).
SERIES: tuple[Outcome, ...] = (
    Outcome("base_stations_5g", "5G base stations", "stations", "stock", scale=1e3, scale_label="thousand"),
    Outcome("new_base_stations_5g", "New 5G base stations", "stations", "flow", scale=1e3, scale_label="thousand"),
    _share("coverage_5g_households", "Households under 5G coverage"),
    Outcome("users_mobile", "Mobile users", "subscriptions", "stock", scale=1e6, scale_label="million"),
    Outcome("users_4g", "Users not on a 5G plan (4G users)", "subscriptions", "stock", scale=1e6,
            scale_label="million"),
    Outcome("users_5g_handset", "5G handset users", "subscriptions", "stock", adopters=True,
            scale=1e6, scale_label="million"),
    Outcome("users_5g_plan", "5G plan users", "subscriptions", "stock", scale=1e6, scale_label="million"),
    Outcome("users_5g_network", "5G network users", "subscriptions", "stock", adopters=True,
            scale=1e6, scale_label="million"),
    Outcome("phones_sold", "Phones bought", "phones", "flow", scale=1e6, scale_label="million"),
    _share("share_5g_of_phone_sales", "5G share of phones bought"),
    _share("share_5g_handset_households", "Households with a 5G phone"),
    _share("share_gigabit_households", "Households with gigabit"),
    _share("share_smart_home_households", "Households with smart home"),
    _share("share_tv4k_households", "Households with a 4K TV"),
    _share("awareness_mean", "Mean awareness of 5G offers"),
    Outcome("firms_cloud_basic", "Firms on cloud (basic or above)", "firms", "stock",
            scale=1e3, scale_label="thousand"),
    Outcome("firms_core_cloud", "Firms with core business on cloud", "firms", "stock", adopters=True,
            scale=1e3, scale_label="thousand"),
    Outcome("firms_star_cloud", "Star-rated cloud firms", "firms", "stock", adopters=True,
            scale=1e3, scale_label="thousand"),
    Outcome("info_consumption_households_yuan", "Information consumption of households", "yuan", "flow",
            scale=1e9, scale_label="bn yuan"),
    Outcome("info_consumption_enterprises_yuan", "Information consumption of enterprises", "yuan", "flow",
            scale=1e9, scale_label="bn yuan"),
    Outcome("plan_premium_yuan", "5G plan premium over 4G", "yuan/month", "stock"),
    Outcome("price_5g_phone_yuan", "Average 5G phone price", "yuan", "stock"),
    Outcome("info_consumption_yuan", "Information consumption", "yuan", "flow", scale=1e9, scale_label="bn yuan"),
    Outcome("fiscal_spend_yuan", "Public money spent", "yuan", "flow", scale=1e9, scale_label="bn yuan"),
    Outcome("operator_cofund_yuan", "Operators' co-funding of terminal subsidies", "yuan", "flow",
            scale=1e9, scale_label="bn yuan"),
)


def fiscal_series(lever: str) -> Outcome:
    """The monthly public spending of one lever (the one name of that money everywhere)."""
    return Outcome(f"fiscal_spend_{lever}_yuan", f"Public money spent: {lever}", "yuan", "flow",
                   scale=1e9, scale_label="bn yuan")


def induced_series(lever: str) -> Outcome:
    """The household spending one lever induced (purchases its payments made happen, top-ups to a
    voucher's minimum, freed money spent)."""
    return Outcome(f"induced_spending_{lever}_yuan", f"Spending induced: {lever}", "yuan", "flow",
                   scale=1e9, scale_label="bn yuan")


def operator_series(operator: str) -> Outcome:
    """The 5G base stations of one operator."""
    return Outcome(f"base_stations_5g_{slug(operator)}", f"5G base stations: {operator}", "stations", "stock",
                   scale=1e3, scale_label="thousand")


def series_outcomes(
    levers: Sequence[str],
    operators: Sequence[str],
    lever_series: Sequence[Outcome] = (),
    household_levers: Sequence[str] = (),
) -> tuple[Outcome, ...]:
    """Every monthly series of a run with these levers and operators, in column order
    (`household_levers`: the levers that pay households, whose induced spending is reported)."""
    return (
        *SERIES,
        *(operator_series(op) for op in operators),
        *(fiscal_series(lv) for lv in levers),
        *(induced_series(lv) for lv in household_levers),
        *lever_series,
    )


SERIES_BY_NAME: dict[str, Outcome] = {o.name: o for o in SERIES}


def _households(name: str, label: str, column: str) -> Outcome:
    """Households owning something: a share-of-households series times the province's households."""
    return Outcome(name, label, "households", "stock", column=column, households_share=True, adopters=True,
                   scale=1e3, scale_label="thousand")


#: Outcomes a comparison reports by default (stocks at horizons, flows cumulated to them).
OUTCOMES: tuple[Outcome, ...] = (
    SERIES_BY_NAME["users_5g_handset"],
    SERIES_BY_NAME["users_5g_network"],
    _households("households_gigabit", "Households on gigabit broadband", "share_gigabit_households"),
    _households("households_smart_home", "Households with smart-home devices", "share_smart_home_households"),
    _households("households_tv4k", "Households with a 4K TV", "share_tv4k_households"),
    SERIES_BY_NAME["firms_core_cloud"],
    SERIES_BY_NAME["firms_star_cloud"],
    SERIES_BY_NAME["base_stations_5g"],
    SERIES_BY_NAME["info_consumption_yuan"],
    SERIES_BY_NAME["fiscal_spend_yuan"],
)
BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
MONEY = "fiscal_spend_yuan"
CONSUMPTION = "info_consumption_yuan"

#: The rows of the command line's run summary: series shown at end-2020, end-2021 and the end
#: (stocks), or summed over the calendar year (flows).
CLI_SUMMARY: tuple[str, ...] = (
    "base_stations_5g",
    "users_5g_handset",
    "users_5g_network",
    "share_gigabit_households",
    "share_smart_home_households",
    "firms_core_cloud",
    "firms_star_cloud",
    "info_consumption_yuan",
    "fiscal_spend_yuan",
)


def get_outcomes(names: list[str] | tuple[str, ...] | None) -> list[Outcome]:
    """The comparison outcomes named (all when None), in the order given.

    Raises:
        KeyError: naming an unknown outcome and listing the known ones.
    """
    if names is None:
        return list(OUTCOMES)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise KeyError(f"unknown outcome(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    return [BY_NAME[n] for n in names]
