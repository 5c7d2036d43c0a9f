"""Paired effects: each scenario minus its same-seed baseline run, per replicate, summarised as a
mean with a 95% confidence interval, at horizons (end-2020, end-2021, end of run) and by month.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from infosim.analysis.data import RUN_COLUMNS, AnalysisError, ComparisonData
from infosim.analysis.stats import LEVEL, summarise
from infosim.calendar import parse_month
from infosim.outcomes import DEFAULT_HORIZONS, END, Outcome, province_households

EFFECT_COLUMNS = (
    "scenario", "baseline", "outcome", "label", "unit", "horizon", "month", "n",
    "scenario_mean", "baseline_mean", "effect", "se", "ci_low", "ci_high", "rel_effect",
)


def check_horizons(horizons: Sequence[str]) -> list[str]:
    """Validate horizon labels: ``'end'`` or ``'YYYY-MM'``.

    Raises:
        AnalysisError: naming the bad label.
    """
    out = []
    for h in horizons:
        if h != END:
            try:
                parse_month(h)
            except ValueError:
                raise AnalysisError(f"horizon {h!r}: expected 'end' or a month 'YYYY-MM'") from None
        out.append(h)
    return list(dict.fromkeys(out))


def monthly_values(data: ComparisonData, outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Each outcome per run and month (flows cumulated from the run's first month).

    Returns:
        Long table: run columns, ``month, outcome, value``. Outcomes whose column the runs
        did not store are left out.
    """
    ts = data.timeseries.sort_values(["run_id", "month"], kind="stable")
    wide = ts[[*RUN_COLUMNS, "month"]].copy()
    for o in outcomes:
        if o.source not in ts.columns:
            continue
        col = ts[o.source].astype(np.float64)
        if o.households_share:
            col = col * province_households()
        if o.kind == "flow":
            col = col.groupby(ts["run_id"], sort=False).cumsum()
        wide[o.name] = col.to_numpy()
    names = [o.name for o in outcomes if o.name in wide.columns]
    return wide.melt(id_vars=[*RUN_COLUMNS, "month"], value_vars=names, var_name="outcome", value_name="value")


def horizon_values(
    data: ComparisonData, outcomes: Sequence[Outcome], horizons: Sequence[str] = DEFAULT_HORIZONS,
    *, strict: bool = False,
) -> pd.DataFrame:
    """Each outcome per run at each horizon (level of stocks, cumulative total of flows).

    Args:
        data: the runs.
        outcomes: what to read.
        horizons: ``'end'`` and/or months ``'YYYY-MM'``.
        strict: raise if a month horizon lies outside the runs (else it is skipped).

    Returns:
        Long table: run columns, ``outcome, horizon, month, value``.
    """
    horizons = check_horizons(horizons)
    monthly = monthly_values(data, outcomes)
    months = set(monthly["month"])
    parts = []
    for h in horizons:
        if h == END:
            last = monthly.groupby("run_id")["month"].transform("max")
            part = monthly[monthly["month"] == last]
        elif h in months:
            part = monthly[monthly["month"] == h]
        elif strict:
            span = f"{min(months)} to {max(months)}" if months else "no months"
            raise AnalysisError(f"horizon {h} is outside the runs ({span})")
        else:
            continue
        parts.append(part.assign(horizon=h))
    if not parts:
        return pd.DataFrame(columns=[*RUN_COLUMNS, "month", "outcome", "value", "horizon"])
    return pd.concat(parts, ignore_index=True)


def paired_differences(
    values: pd.DataFrame, data: ComparisonData, baseline: str, on: Sequence[str]
) -> pd.DataFrame:
    """Join each arm's run to its baseline run of the same seed and take the difference.

    Args:
        values: long table with ``run_id``, the `on` columns and ``value``.
        data: the runs (for the pairing).
        baseline: the baseline scenario.
        on: columns that must match besides the pairing (e.g. outcome, horizon).

    Returns:
        One row per arm run and `on` key: run columns, `on`, ``value, baseline_value, diff``.
    """
    on = list(on)
    pairs = data.pairs(baseline)[["run_id", "baseline_run_id"]]
    arm = values.merge(pairs, on="run_id", how="inner")
    base = values.loc[values["run_id"].isin(pairs["baseline_run_id"]), ["run_id", *on, "value"]]
    base = base.rename(columns={"run_id": "baseline_run_id", "value": "baseline_value"})
    out = arm.merge(base, on=["baseline_run_id", *on], how="inner")
    out["diff"] = out["value"] - out["baseline_value"]
    return out


def effects_table(diffs: pd.DataFrame, by: Sequence[str], baseline: str, level: float = LEVEL) -> pd.DataFrame:
    """Summarise paired differences: scenario and baseline means, effect with its interval.

    Args:
        diffs: output of :func:`paired_differences`.
        by: grouping columns (``arm`` first).
        baseline: the baseline's name (a column of the result).
        level: confidence level.
    """
    by = list(by)
    eff = summarise(diffs, by, "diff", level).rename(columns={"mean": "effect"})
    means = diffs.groupby(by, sort=False, observed=True)[["value", "baseline_value"]].mean().reset_index()
    means = means.rename(columns={"value": "scenario_mean", "baseline_value": "baseline_mean"})
    out = eff.merge(means, on=by, how="left").rename(columns={"arm": "scenario"})
    out.insert(1, "baseline", baseline)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_effect"] = np.where(out["baseline_mean"] != 0, out["effect"] / out["baseline_mean"], np.nan)
    return out.drop(columns=["sd"])


def paired_effects(
    data: ComparisonData,
    baseline: str,
    outcomes: Sequence[Outcome],
    horizons: Sequence[str] = DEFAULT_HORIZONS,
    *,
    strict: bool = False,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Effects of every arm against the baseline at each horizon, with confidence intervals.

    Returns:
        Tidy table with the columns of :data:`EFFECT_COLUMNS`, one row per scenario, outcome
        and horizon.
    """
    values = horizon_values(data, outcomes, horizons, strict=strict)
    diffs = paired_differences(values, data, baseline, ["outcome", "horizon"])
    month = diffs.groupby(["arm", "outcome", "horizon"], sort=False)["month"].first().reset_index()
    out = effects_table(diffs, ["arm", "outcome", "horizon"], baseline, level)
    out = out.merge(month.rename(columns={"arm": "scenario"}), on=["scenario", "outcome", "horizon"], how="left")
    meta = {o.name: (o.label, o.unit) for o in outcomes}
    out["label"] = out["outcome"].map(lambda n: meta[n][0])
    out["unit"] = out["outcome"].map(lambda n: meta[n][1])
    out = sort_like(out, scenario=data.arms, horizon=check_horizons(horizons), outcome=[o.name for o in outcomes])
    return out[list(EFFECT_COLUMNS)].reset_index(drop=True)


def sort_like(frame: pd.DataFrame, **orders: Sequence[str]) -> pd.DataFrame:
    """Sort `frame` by the given columns, each in the order of the sequence given for it."""
    keys = {col: frame[col].map({v: i for i, v in enumerate(order)}) for col, order in orders.items()}
    ranked = frame.assign(**{f"_rank_{c}": k for c, k in keys.items()})
    ranked = ranked.sort_values([f"_rank_{c}" for c in keys], kind="stable")
    return ranked.drop(columns=[f"_rank_{c}" for c in keys]).reset_index(drop=True)


def levels(
    data: ComparisonData, outcomes: Sequence[Outcome], horizons: Sequence[str] = DEFAULT_HORIZONS,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Each arm's outcome levels at the horizons (mean and interval across replicates)."""
    values = horizon_values(data, outcomes, horizons)
    out = summarise(values, ["arm", "outcome", "horizon"], "value", level)
    return out.rename(columns={"arm": "scenario"}).drop(columns=["sd"])


def monthly_curves(
    data: ComparisonData, outcomes: Sequence[Outcome], baseline: str | None = None, level: float = LEVEL
) -> pd.DataFrame:
    """Monthly means with confidence bands: levels of every arm, or effects against `baseline`.

    Returns:
        Long table: ``scenario, outcome, month, n, mean, se, ci_low, ci_high``.
    """
    values = monthly_values(data, outcomes)
    if baseline is None:
        out = summarise(values, ["arm", "outcome", "month"], "value", level)
    else:
        diffs = paired_differences(values, data, baseline, ["outcome", "month"])
        out = summarise(diffs, ["arm", "outcome", "month"], "diff", level)
    return out.rename(columns={"arm": "scenario"}).drop(columns=["sd"])
