"""Who benefits: effects and public money by household group (income quintile, urban/rural,
elderly, city) and firm group (size class, sector, city), and concentration indices of who
received the money versus who changed behaviour.

Group tables come from the runs' end-of-run breakdowns, so they need no agent-level data. Each
dimension gets a ``total`` row (the sum over its groups, per replicate), so the tables add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from infosim.analysis.data import RUN_COLUMNS, ComparisonData
from infosim.analysis.effects import effects_table, paired_differences, sort_like
from infosim.analysis.groups import DIMENSIONS, RANKED, dimension_kind, group_labels
from infosim.analysis.stats import LEVEL, summarise
from infosim.levers import levers_paying
from infosim.outcomes import fiscal_series

TOTAL = "total"


@dataclass(frozen=True)
class GroupOutcome:
    """An end-of-run outcome by group: a breakdown metric, or a share times the group's size."""

    name: str
    label: str
    unit: str
    metric: str
    times_population: bool = False


GROUP_OUTCOMES: tuple[GroupOutcome, ...] = (
    GroupOutcome("users_5g_handset", "5G handset users", "subscriptions", "users_5g_handset"),
    GroupOutcome("users_5g_network", "5G network users", "subscriptions", "users_5g_network"),
    GroupOutcome("households_gigabit", "Households on gigabit", "households", "share_gigabit", True),
    GroupOutcome("households_smart_home", "Households with smart home", "households", "share_smart_home", True),
    GroupOutcome("households_tv4k", "Households with a 4K TV", "households", "share_tv4k", True),
    GroupOutcome("info_consumption_yuan", "Information consumption, cumulative", "yuan", "info_consumption_yuan"),
    GroupOutcome("firms_core_cloud", "Firms with core business on cloud", "firms", "share_core_or_above", True),
    GroupOutcome("firms_star_cloud", "Star-rated cloud firms", "firms", "share_star_or_above", True),
)
GROUP_OUTCOME_BY_NAME = {g.name: g for g in GROUP_OUTCOMES}

#: Public money received by group, by lever (breakdown metric names).
GROUP_MONEY = {
    lv: fiscal_series(lv).name for lv in (*levers_paying("household"), *levers_paying("enterprise"))
}


def _population(wide: pd.DataFrame, dimension: pd.Series) -> pd.Series:
    hh = wide["households"] if "households" in wide else pd.Series(np.nan, index=wide.index)
    firms = wide["firms"] if "firms" in wide else pd.Series(np.nan, index=wide.index)
    return hh.where(dimension.map(dimension_kind) == "household", firms)


def breakdown_wide(data: ComparisonData, dimensions: Sequence[str] = DIMENSIONS) -> pd.DataFrame:
    """Breakdowns as one row per run, dimension and group, one column per metric."""
    bd = data.breakdowns
    bd = bd[bd["dimension"].isin(list(dimensions))]
    wide = bd.pivot_table(index=[*RUN_COLUMNS, "dimension", "group"], columns="metric", values="value",
                          aggfunc="first", sort=False).reset_index()
    wide.columns.name = None
    wide["population"] = _population(wide, wide["dimension"])
    return wide


def _add_totals(long: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Append a ``total`` group per run, dimension and `keys`: the sum over groups."""
    total = long.groupby([*RUN_COLUMNS, "dimension", *keys], sort=False, observed=True)[["value", "population"]]
    total = total.sum(min_count=1).reset_index().assign(group=TOTAL)
    return pd.concat([long, total[long.columns]], ignore_index=True)


def group_values(data: ComparisonData, dimensions: Sequence[str] = DIMENSIONS) -> pd.DataFrame:
    """End-of-run outcomes by group (with ``total`` rows).

    Returns:
        Long table: run columns, ``dimension, group, metric, value, population``.
    """
    wide = breakdown_wide(data, dimensions)
    parts = []
    for g in GROUP_OUTCOMES:
        if g.metric not in wide:
            continue
        value = wide[g.metric] * wide["population"] if g.times_population else wide[g.metric]
        part = wide[[*RUN_COLUMNS, "dimension", "group", "population"]].assign(metric=g.name, value=value)
        parts.append(part[part["value"].notna()])
    if not parts:
        return pd.DataFrame(columns=[*RUN_COLUMNS, "dimension", "group", "metric", "value", "population"])
    long = pd.concat(parts, ignore_index=True)[[*RUN_COLUMNS, "dimension", "group", "metric", "value", "population"]]
    return _add_totals(long, ["metric"])


def _order(frame: pd.DataFrame, data: ComparisonData, dimensions: Sequence[str], extra: dict) -> pd.DataFrame:
    groups = [lab for d in dimensions for lab in group_labels(d)] + [TOTAL]
    return sort_like(frame, scenario=data.arms, dimension=list(dimensions), **extra,
                     group=list(dict.fromkeys(groups)))


def group_effects(
    data: ComparisonData, baseline: str, dimensions: Sequence[str] = DIMENSIONS, level: float = LEVEL
) -> pd.DataFrame:
    """Paired effects by group at the end of the run.

    Returns:
        ``scenario, baseline, dimension, group, metric, n, scenario_mean, baseline_mean,
        effect, se, ci_low, ci_high, rel_effect, population, effect_per_1000, share_of_effect``.
        ``population`` counts households (household dimensions) or firms; ``share_of_effect``
        is the group's share of the dimension's total effect.
    """
    values = group_values(data, dimensions)
    diffs = paired_differences(values, data, baseline, ["dimension", "group", "metric"])
    out = effects_table(diffs, ["arm", "dimension", "group", "metric"], baseline, level)
    pop = diffs.groupby(["arm", "dimension", "group", "metric"], sort=False)["population"].mean()
    out = out.merge(pop.rename("population").reset_index().rename(columns={"arm": "scenario"}),
                    on=["scenario", "dimension", "group", "metric"], how="left")
    out["effect_per_1000"] = out["effect"] / out["population"] * 1000.0
    total = out[out["group"] == TOTAL].set_index(["scenario", "dimension", "metric"])["effect"]
    denom = np.asarray(out.set_index(["scenario", "dimension", "metric"]).index.map(total), dtype=float)
    out["share_of_effect"] = np.where(denom != 0, out["effect"] / np.where(denom != 0, denom, 1.0), np.nan)
    return _order(out, data, dimensions, {"metric": [g.name for g in GROUP_OUTCOMES]})


def money_values(data: ComparisonData, dimensions: Sequence[str] = DIMENSIONS) -> pd.DataFrame:
    """Public money received by group, by lever and in all (with ``total`` rows).

    Returns:
        Long table: run columns, ``dimension, group, lever, value, population``.
    """
    wide = breakdown_wide(data, dimensions)
    parts = []
    levers = [lv for lv, metric in GROUP_MONEY.items() if metric in wide]
    for lv in levers:
        part = wide[[*RUN_COLUMNS, "dimension", "group", "population"]].assign(lever=lv, value=wide[GROUP_MONEY[lv]])
        parts.append(part[part["value"].notna()])
    if not parts:
        return pd.DataFrame(columns=[*RUN_COLUMNS, "dimension", "group", "lever", "value", "population"])
    long = pd.concat(parts, ignore_index=True)
    every = long.groupby([*RUN_COLUMNS, "dimension", "group"], sort=False, observed=True)
    every = every.agg(value=("value", "sum"), population=("population", "first")).reset_index().assign(lever="all")
    long = pd.concat([long, every[long.columns]], ignore_index=True)
    return _add_totals(long, ["lever"])


def group_payments(
    data: ComparisonData, baseline: str | None = None, dimensions: Sequence[str] = DIMENSIONS,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Public money received by each group, per scenario (mean and CI across replicates).

    Args:
        data: the runs.
        baseline: left out of the table when given.
        dimensions: group dimensions.
        level: confidence level.

    Returns:
        ``scenario, dimension, group, lever, n, mean, se, ci_low, ci_high, population,
        per_unit, share_of_money`` (``per_unit``: yuan per household or firm of the group).
    """
    values = money_values(data, dimensions)
    if baseline is not None:
        values = values[values["scenario"] != baseline]
    out = summarise(values, ["arm", "dimension", "group", "lever"], "value", level).drop(columns=["sd"])
    pop = values.groupby(["arm", "dimension", "group", "lever"], sort=False)["population"].mean()
    out = out.merge(pop.rename("population").reset_index(), on=["arm", "dimension", "group", "lever"], how="left")
    out = out.rename(columns={"arm": "scenario"})
    out["per_unit"] = out["mean"] / out["population"]
    total = out[out["group"] == TOTAL].set_index(["scenario", "dimension", "lever"])["mean"]
    denom = np.asarray(out.set_index(["scenario", "dimension", "lever"]).index.map(total), dtype=float)
    out["share_of_money"] = np.where(denom > 0, out["mean"] / np.where(denom > 0, denom, 1.0), np.nan)
    levers = [*GROUP_MONEY, "all"]
    return _order(out, data, dimensions, {"lever": levers})


# --------------------------------------------------------------------------------------------
# Concentration
# --------------------------------------------------------------------------------------------
def concentration_index(values: Sequence[float], population: Sequence[float]) -> float:
    """Concentration index of `values` over groups ranked poorest (smallest) first.

    C = 2 * sum_k s_k R_k - 1, with s_k the group's share of the total and R_k its mid-point
    cumulative population share (grouped-data formula of Kakwani, Wagstaff & van Doorslaer 1997).
    C = 0 when every unit gets the same; C < 0 when the total goes mostly to the lower-ranked
    groups; with quintiles C lies in [-0.8, 0.8]. NaN when the total is not positive.

    Args:
        values: total received (or change) per group, in rank order.
        population: units per group, same order.
    """
    v = np.asarray(values, dtype=np.float64)
    f = np.asarray(population, dtype=np.float64)
    total = v.sum()
    if not np.isfinite(total) or total <= 0 or f.sum() <= 0:
        return float("nan")
    f = f / f.sum()
    rank = np.cumsum(f) - f / 2
    return float(2.0 * np.sum(v / total * rank) - 1.0)


#: Changes whose concentration is compared with that of the money, per ranked dimension.
CONCENTRATION_CHANGES = {
    "income_quintile": ("info_consumption_yuan", "users_5g_handset", "users_5g_network",
                        "households_gigabit", "households_smart_home", "households_tv4k"),
    "size_class": ("firms_core_cloud", "firms_star_cloud", "info_consumption_yuan"),
}


def concentration(data: ComparisonData, baseline: str, level: float = LEVEL) -> pd.DataFrame:
    """Concentration indices of money received and of behaviour change, per scenario.

    Households are ranked by income quintile (poorest first), firms by size (micro first).
    "money" is the public money the group's agents received; each other quantity is the
    group's paired change against the baseline.

    Returns:
        ``scenario, dimension, quantity, n, mean, se, ci_low, ci_high`` (the index).
    """
    dims = [d for d in RANKED if d in set(data.breakdowns.get("dimension", pd.Series(dtype=str)))]
    if not dims:
        return pd.DataFrame(columns=["scenario", "dimension", "quantity", "n", "mean", "se", "ci_low", "ci_high"])
    money = money_values(data, dims)
    money = money[(money["lever"] == "all") & (money["scenario"] != baseline) & (money["group"] != TOTAL)]
    money = money.assign(quantity="money received")[["arm", "run_id", "dimension", "group", "quantity", "value",
                                                     "population"]]
    values = group_values(data, dims)
    diffs = paired_differences(values[values["group"] != TOTAL], data, baseline, ["dimension", "group", "metric"])
    diffs = diffs.assign(quantity="change in " + diffs["metric"], value=diffs["diff"])
    wanted = {(d, q) for d, qs in CONCENTRATION_CHANGES.items() for q in qs}
    diffs = diffs[[(d, m) in wanted for d, m in zip(diffs["dimension"], diffs["metric"], strict=True)]]
    both = pd.concat([money, diffs[money.columns]], ignore_index=True)
    rows = []
    for (arm, run_id, dim, qty), part in both.groupby(["arm", "run_id", "dimension", "quantity"], sort=False):
        ranked = part.set_index("group").reindex(list(RANKED[dim]))
        rows.append({"arm": arm, "run_id": run_id, "dimension": dim, "quantity": qty,
                     "value": concentration_index(ranked["value"].to_numpy(), ranked["population"].to_numpy())})
    per_run = pd.DataFrame(rows)
    out = summarise(per_run, ["arm", "dimension", "quantity"], "value", level).drop(columns=["sd"])
    return out.rename(columns={"arm": "scenario"})
