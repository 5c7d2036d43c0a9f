"""Build the synthetic population: household and enterprise state arrays from the data files.

Households are drawn city by city (sorted by city, which keeps the social network local in
memory), urban/rural by the city's region, then income, size, elderly head, digital literacy and
the initial stock of phones and devices. Enterprises are drawn by city, sector and size class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infosim.agents.households.rules import cumulative_replacement_hazard, stationary_phone_ages
from infosim.data import load_table, values
from infosim.world.geography import CITIES
from infosim.world.state import EnterpriseState, HouseholdState, UserState

REGIONS = ("south", "central", "north")
BEFORE_START = -1  # first-adoption month of agents owning a product at the start


@dataclass(frozen=True)
class CityTable:
    """Per-city inputs in the order of `CITIES`."""

    names: tuple[str, ...]
    population: np.ndarray
    region: np.ndarray  # index into REGIONS
    urban_share: np.ndarray
    income_factor: np.ndarray
    firm_density: np.ndarray


def city_table() -> CityTable:
    """City inputs joined with their region's urbanisation, income and firm-density factors."""
    pop = values(load_table("population"))
    ent = values(load_table("enterprises"))
    regions = pop["regions"]
    cities = pop["cities"]
    region_idx = np.array([REGIONS.index(cities[c]["region"]) for c in CITIES], dtype=np.int8)
    return CityTable(
        names=CITIES,
        population=np.array([cities[c]["population"] for c in CITIES], dtype=np.float64),
        region=region_idx,
        urban_share=np.array([regions[REGIONS[r]]["urban_share"] for r in region_idx]),
        income_factor=np.array([regions[REGIONS[r]]["income_factor"] for r in region_idx]),
        firm_density=np.array([ent["regions"][f"{REGIONS[r]}_firm_density"] for r in region_idx], dtype=np.float64),
    )


def _counts(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing to `total`, proportional to `shares` (largest remainder)."""
    raw = shares / shares.sum() * total
    counts = np.floor(raw).astype(np.int64)
    short = total - counts.sum()
    if short:
        counts[np.argsort(raw - counts)[::-1][:short]] += 1
    return counts


def build_households(n: int, rng: np.random.Generator, homogeneous: bool = False) -> HouseholdState:
    """Draw `n` household agents standing for the province's family households.

    Args:
        n: number of household agents.
        rng: the population random generator.
        homogeneous: identical households (used for docking against analytic models).
    """
    pop = values(load_table("population"))
    prov, dig = pop["province"], pop["digital"]
    cities = city_table()
    per_city = _counts(n, cities.population)
    city = np.repeat(np.arange(len(CITIES), dtype=np.int8), per_city)
    urban = rng.random(n) < cities.urban_share[city]
    size_shares = np.asarray(prov["household_size_shares"])
    size = (rng.choice(len(size_shares), size=n, p=size_shares / size_shares.sum()) + 1).astype(np.int8)
    base_income = np.where(urban, prov["income_urban_per_capita_yuan"], prov["income_rural_per_capita_yuan"])
    sd = prov["income_log_sd"]
    income_pc = base_income * cities.income_factor[city] * np.exp(rng.normal(-0.5 * sd * sd, sd, n))
    elderly_p = np.where(urban, prov["elderly_head_share_urban"], prov["elderly_head_share_rural"])
    elderly = rng.random(n) < elderly_p
    literacy = dig["literacy_base"] * np.where(urban, 1.0, dig["literacy_rural_factor"])
    literacy = literacy * np.where(elderly, dig["literacy_elderly_factor"], 1.0)
    lit_lo, lit_hi = dig["literacy_spread"]
    literacy = np.clip(literacy * rng.uniform(lit_lo, lit_hi, n), dig["literacy_min"], 1.0)
    aw_lo, aw_hi = dig["awareness_spread"]
    awareness = np.clip(dig["awareness_2020"] * rng.uniform(aw_lo, aw_hi, n), 0.0, 1.0)
    if homogeneous:
        urban[:] = True
        size[:] = 3
        elderly[:] = False
        income_pc[:] = prov["income_urban_per_capita_yuan"]
        literacy[:] = 1.0
        awareness[:] = 1.0
    state = HouseholdState.empty(n)
    state.city[:] = city
    state.urban[:] = urban
    state.size[:] = size
    state.income_pc[:] = income_pc
    state.elderly[:] = elderly
    state.literacy[:] = literacy
    state.awareness[:] = awareness
    state.loc_u[:] = rng.random(n, dtype=np.float32)
    state.gig_u[:] = rng.random(n, dtype=np.float32)
    state.quintile[:] = income_quintiles(income_pc)
    _initial_stock(state, rng, dig, homogeneous)
    return state


def income_quintiles(income: np.ndarray) -> np.ndarray:
    """Quintile (0 = poorest) of each value, ties broken by order.

    The quintile of the value ranked r (0-based, stable) is ``5 r // n``; it is found from the
    four cut values (a partition, not a full sort) with ties at a cut split in index order.
    """
    n = income.size
    quintile = np.zeros(n, dtype=np.int8)
    if n == 0:
        return quintile
    cuts = [-(-k * n // 5) for k in range(1, 5)]  # first rank of quintile k: ceil(k n / 5)
    cuts = [c for c in cuts if c < n]
    values_at = np.partition(income, cuts)[cuts] if cuts else []
    for rank, value in zip(cuts, values_at, strict=True):
        quintile += income > value
        tied = np.flatnonzero(income == value)
        below = int(np.count_nonzero(income < value))
        quintile[tied[rank - below :]] += 1
    return quintile


def _initial_stock(state: HouseholdState, rng: np.random.Generator, dig: dict, homogeneous: bool) -> None:
    """Broadband and home devices owned at the start (January 2020); phones belong to the users."""
    n = state.n
    if homogeneous:
        return
    state.broadband[:] = rng.random(n) < dig["broadband_share"]
    avail = np.where(state.urban, dig["gigabit_available_urban_2020"], dig["gigabit_available_rural_2020"])
    state.gigabit[:] = (
        state.broadband
        & (state.gig_u < avail)
        & (rng.random(n) < dig["gigabit_share_2020"] / max(float(np.mean(avail)), 1e-9))
    )
    # ownership relative to the mean rises linearly from the poorest to the richest income quintile
    by_income = dig["device_share_poorest_factor"] + dig["device_share_income_rise"] * state.quintile / 4
    state.smart_home[:] = rng.random(n) < dig["smart_home_share_2020"] * by_income
    state.tv4k[:] = rng.random(n) < dig["tv4k_share_2020"] * by_income
    for flag, first in (
        (state.gigabit, state.m_gigabit),
        (state.smart_home, state.m_smart_home),
        (state.tv4k, state.m_tv4k),
    ):
        first[flag] = BEFORE_START


def build_users(
    hh: HouseholdState,
    rng: np.random.Generator,
    users_per_household: float,
    growth_per_year: float,
    months: int,
    phone_life: tuple[float, float],
    homogeneous: bool = False,
) -> UserState:
    """The mobile users (subscriptions) of the households, with their phones and plans at the start.

    Users per household are proportional to household size (a household of average size has
    `users_per_household`), rounded at random so the mean is exact, at least one. Subscriptions
    grow by `growth_per_year`: slots for the users who join during the run belong to households
    drawn in proportion to their size and become active in the month the growth path reaches
    them. Phone ages at the start follow the stationary age distribution of the replacement
    process; the replacement clock is the cumulative hazard of that age and the threshold is drawn
    beyond it (so the first replacement has exactly the right distribution).

    Args:
        hh: the households.
        rng: the population random generator.
        users_per_household: mean subscriptions per household at the start.
        growth_per_year: yearly growth of subscriptions.
        months: months the run lasts (slots are made for the users joining within them).
        phone_life: (mean life in months, Weibull shape).
        homogeneous: one user per household, no 5G at the start (docking tests).
    """
    pop = values(load_table("population"))
    dig, persons = pop["digital"], pop["province"]["persons_per_household"]
    size = hh.size.astype(np.float64)
    if homogeneous:
        first = np.ones(hh.n, dtype=np.int64)
    else:
        expected = size * users_per_household / persons
        first = np.maximum(1, np.floor(expected + rng.random(hh.n))).astype(np.int64)
    start_users = int(first.sum())
    extra = 0
    if growth_per_year > 0 and not homogeneous:
        extra = round(start_users * ((1 + growth_per_year) ** (months / 12) - 1))
    joiners = rng.choice(hh.n, size=extra, p=size / size.sum()) if extra else np.zeros(0, dtype=np.int64)
    # month the path start * (1 + g) ** (t / 12) reaches the joiner's rank among the joiners
    rank = (np.arange(extra) + rng.random(extra)) / max(extra, 1)
    join_month = np.ceil(12 * np.log1p(rank * extra / max(start_users, 1)) / np.log1p(max(growth_per_year, 1e-12)))
    household = np.concatenate([np.repeat(np.arange(hh.n), first), joiners])
    active_from = np.concatenate([np.full(start_users, -1), np.clip(join_month, 0, months)]).astype(np.int16)
    order = np.argsort(household, kind="stable")
    users = UserState.empty(household.size)
    users.household[:] = household[order]
    users.active_from[:] = active_from[order]
    start = users.active_from < 0
    n_start = int(start.sum())
    ages = stationary_phone_ages(n_start, *phone_life, rng)
    has_5g = np.zeros(n_start, dtype=bool) if homogeneous else rng.random(n_start) < dig["handset_5g_share_2020"]
    ages[has_5g] = rng.integers(0, 6, int(has_5g.sum()))  # 5G phones were on sale from mid-2019 only
    users.phone_from[start] = -ages
    users.phone5g[start] = has_5g
    clock = cumulative_replacement_hazard(ages, *phone_life)
    users.life_threshold[start] = clock + rng.exponential(size=n_start).astype(np.float32)
    users.replace_at[:] = users.active_from  # new subscriptions buy a phone when they start
    if not homogeneous:
        on_plan = np.where(has_5g, dig["plan_5g_share_of_handsets_2020"], dig["plan_5g_share_without_handset_2020"])
        users.plan5g[start] = rng.random(n_start) < on_plan
    users.plan_threshold[:] = rng.exponential(size=users.n).astype(np.float32)
    hh.phone5g[:] = np.bincount(users.household[users.phone5g], minlength=hh.n) > 0
    hh.plan5g[:] = np.bincount(users.household[users.plan5g], minlength=hh.n) > 0
    hh.m_phone5g[hh.phone5g] = BEFORE_START
    hh.m_plan5g[hh.plan5g] = BEFORE_START
    return users


def build_enterprises(n: int, rng: np.random.Generator) -> EnterpriseState:
    """Draw `n` enterprise agents by city (population x regional firm density), sector and size."""
    ent = values(load_table("enterprises"))
    cities = city_table()
    per_city = _counts(n, cities.population * cities.firm_density)
    city = np.repeat(np.arange(len(CITIES), dtype=np.int8), per_city)
    sec_shares = np.asarray(ent["sectors"]["shares"], dtype=np.float64)
    sector = rng.choice(sec_shares.size, size=n, p=sec_shares / sec_shares.sum()).astype(np.int8)
    classes = list(ent["size_classes"])
    size_shares = np.array([ent["size_classes"][c]["share"] for c in classes])
    size_class = rng.choice(len(classes), size=n, p=size_shares / size_shares.sum()).astype(np.int8)
    budget = np.array([ent["size_classes"][c]["it_budget_yuan"] for c in classes])[size_class]
    sd = ent["totals"]["it_budget_log_sd"]
    budget = budget * np.exp(rng.normal(-0.5 * sd**2, sd, n))
    stage_p = np.array([ent["size_classes"][c]["initial_stage_shares"] for c in classes])
    cum = np.cumsum(stage_p / stage_p.sum(axis=1, keepdims=True), axis=1)[size_class]
    stage = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, 3).astype(np.int8)
    state = EnterpriseState.empty(n)
    state.city[:] = city
    state.sector[:] = sector
    state.size_class[:] = size_class
    state.it_budget[:] = budget
    state.stage[:] = stage
    state.digital[:] = np.asarray(ent["sectors"]["digital_factor"])[sector]
    state.hazard_factor[:] = np.array([ent["size_classes"][c]["hazard_factor"] for c in classes])[size_class]
    for s, first in ((1, state.m_basic), (2, state.m_core), (3, state.m_star)):
        first[stage >= s] = BEFORE_START
    state.group[:] = sector.astype(np.int32) * len(CITIES) + city
    return state
