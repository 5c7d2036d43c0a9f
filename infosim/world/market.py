"""The national market around the province, month by month: what phones are on the shelf and what
they cost, how many phones China buys, and how far 5G has spread in the rest of China.

These are exogenous inputs (``infosim/data/market.toml``, each sourced): the province moves with
them even without its own package, and its households deviate from the national average only
through what the model represents (price relative to income, coverage, contacts, awareness).
The national 5G handset share and the national coverage are the reference points of those
deviations: the share follows from the national shelf share and replacement (a mean-field of the
households' own replacement rule at national conditions), the coverage from the national station
count and the same coverage formula the province uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infosim.calendar import month_index, month_label
from infosim.data import load_table, values
from infosim.parameters import Parameters


def _interp_months(points: dict[str, float], start: str, months: int) -> np.ndarray:
    """Values at each month of the run, linear between dated points ('YYYY-MM'), flat beyond them."""
    xs = np.array([month_index(m, start) for m in points], dtype=float)
    ys = np.array(list(points.values()), dtype=float)
    order = np.argsort(xs)
    return np.interp(np.arange(months), xs[order], ys[order])


def _mid_year(annual: dict[str, float]) -> dict[str, float]:
    """Annual values placed at mid-year (June)."""
    return {f"{year}-06": v for year, v in annual.items()}


@dataclass(frozen=True)
class MarketPath:
    """Monthly national inputs of one run (arrays indexed by month).

    Attributes:
        shelf_share: 5G share of phones on sale (national shipments).
        demand_index: national handset demand relative to its 2019-2021 mean (1 = average).
        price_5g, price_4g: average list prices of a 5G and a 4G phone, yuan.
        national_handset_share: share of national mobile users with a 5G phone.
        national_coverage: share of national households under 5G coverage.
        plan_premium: the 5G plan premium over a 4G plan, yuan per user and month (operators
            lower it as the network matures, down to a floor).
        income_ratio: national per-capita income relative to the province's (a constant).
    """

    shelf_share: np.ndarray
    demand_index: np.ndarray
    price_5g: np.ndarray
    price_4g: np.ndarray
    national_handset_share: np.ndarray
    national_coverage: np.ndarray
    plan_premium: np.ndarray
    income_ratio: float


def market_path(params: Parameters, start: str, months: int, province_income_per_capita: float) -> MarketPath:
    """The national inputs for a run of `months` from `start`, under the scenario's parameters."""
    market = values(load_table("market"))
    phones, national, mp = market["phones"], market["national"], params.market
    shelf_points = {**_mid_year(phones["national_5g_share_of_shipments"]), **phones["national_5g_share_monthly"]}
    shelf = _interp_months(shelf_points, start, months)
    if mp.shelf_share_logit_shift:
        shelf = 1.0 / (1.0 + np.exp(-(np.log(shelf / (1 - shelf)) + mp.shelf_share_logit_shift)))
    demand = _demand_index(phones, start, months) * mp.demand_scale
    years = np.array([_fractional_year(month_label(m, start)) for m in range(months)])
    price_5g = _price_path(params, years)
    price_4g = np.full(months, params.phones.price_4g_yuan)
    handset = _national_handset_share(shelf, demand, params.phones.life_months,
                                      phones["national_5g_handset_share_2019_12"], start)
    coverage = _national_coverage(params, national, start, months)
    ratio = national["income_per_capita_2020_yuan"] / province_income_per_capita
    premium = plan_premium_path(params, np.arange(months) / 12.0)
    return MarketPath(shelf, demand, price_5g, price_4g, handset, coverage, premium, ratio)


def plan_premium_path(params: Parameters, years: np.ndarray) -> np.ndarray:
    """The 5G plan premium `years` after the run's start: the launch premium falling linearly,
    never below a floor share of it."""
    pp = params.plans
    return pp.premium_yuan_per_user * np.maximum(pp.premium_floor_share, 1.0 - pp.premium_decline_per_year * years)


def _fractional_year(label: str) -> float:
    year, month = int(label[:4]), int(label[5:])
    return year + (month - 0.5) / 12.0


def _price_path(params: Parameters, years: np.ndarray) -> np.ndarray:
    """Average 5G phone price: the 2020 level until mid-2020, then an exponential approach to a
    floor (the 5G price meets the market average once 5G is the mass market)."""
    p = params.phones
    t = np.maximum(0.0, years - 2020.5)
    return p.price_5g_floor_yuan + (p.price_5g_2020_yuan - p.price_5g_floor_yuan) * np.exp(
        -p.price_5g_convergence_per_year * t
    )


def _demand_index(phones: dict, start: str, months: int) -> np.ndarray:
    """National handset shipments per month relative to the 2019-2021 monthly mean."""
    annual = phones["shipments_annual_100m"]
    reference = np.mean([annual[y] for y in ("2019", "2020", "2021")]) * 1e8 / 12
    points = {m: v * 1e8 / 12 for m, v in _mid_year(annual).items() if not m.startswith("2020")}
    points.update({m: v * 1e4 for m, v in phones["shipments_2020_monthly_10k"].items()})
    index = np.empty(months)
    for m in range(months):  # months with a monthly figure use it; others interpolate the annual points
        label = month_label(m, start)
        index[m] = points.get(label, np.nan)
    missing = np.isnan(index)
    if missing.any():
        index[missing] = _interp_months(points, start, months)[missing]
    return index / reference


def _national_handset_share(
    shelf: np.ndarray, demand: np.ndarray, life_months: float, share_2019_12: float, start: str
) -> np.ndarray:
    """Share of national users with a 5G phone: each month a fraction demand / life of users
    replaces a phone and takes the shelf's mix (the households' replacement rule, averaged)."""
    share = np.empty(shelf.size)
    s = share_2019_12
    first = month_index("2020-01", start)
    for m in range(shelf.size):
        if m >= first:
            s = s + demand[m] / life_months * (shelf[m] - s)
        share[m] = s
    return share


def _national_coverage(params: Parameters, national: dict, start: str, months: int) -> np.ndarray:
    """Share of national households under 5G coverage, with the province's coverage formula."""
    op = params.operators
    u = national["urban_share"]
    per_household = u / op.households_per_station_urban + (1 - u) / op.households_per_station_rural
    needed = national["family_households"] * per_household
    stations = _interp_months({f"{y}-12": v for y, v in national["stations_5g_end_of_year"].items()}, start, months)
    return 1.0 - np.exp(-2.0 * stations / needed)


__all__ = ["MarketPath", "market_path"]
