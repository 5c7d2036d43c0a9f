"""Fiscal metrics: public money by lever, cost per additional adopter, the consumption multiplier,
and deadweight / additionality of subsidy and voucher money at agent level.

Deadweight of a payment to agent *a* in month *m* for product *p*: in the paired baseline run
(same seed, so the same agent facing the same draws), *a* had adopted *p* by month *m* anyway.
Vouchers spent on services (no minimum spend) pay for what is bought anyway: always deadweight.
A payment to an agent who adopts *later* in the baseline counts as additional (pulled forward)
and is reported separately. Additionality = 1 - deadweight, money-weighted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from infosim.analysis.data import ComparisonData
from infosim.analysis.effects import horizon_values, paired_differences
from infosim.analysis.groups import agent_group
from infosim.analysis.stats import LEVEL, ratio_of_means, summarise
from infosim.levers import LEVER_NAMES
from infosim.outcomes import BY_NAME, CONSUMPTION, DEFAULT_HORIZONS, MONEY, Outcome, fiscal_series

NEVER = 32767  # first-adoption month of an agent that never adopted (int16 max, as in the model)

#: Product paid for -> the agent's first-adoption column that says whether it was bought anyway.
PRODUCT_FIRST_MONTH = {
    "phone5g": "m_phone5g", "smart_home": "m_smart_home", "tv4k": "m_tv4k", "gigabit": "m_gigabit",
    "cloud_core": "m_core", "cloud_star": "m_star", "super_deduction": "m_core",
}
#: Products whose payments are always deadweight: routine goods (and services) bought anyway.
ALWAYS_DEADWEIGHT = frozenset({"goods", "services"})
#: Products whose payments are always additional: goods bought only to reach a voucher's minimum.
ALWAYS_ADDITIONAL = frozenset({"goods_topup"})
AGENT_KINDS = ("household", "enterprise")
STATUSES = ("deadweight", "pulled_forward", "never_in_run")


# --------------------------------------------------------------------------------------------
# Money by lever, cost-effectiveness
# --------------------------------------------------------------------------------------------
def spend_by_lever(
    data: ComparisonData, horizons: Sequence[str] = DEFAULT_HORIZONS, level: float = LEVEL
) -> pd.DataFrame:
    """Public money paid by each lever, cumulative to each horizon (mean and CI per scenario).

    Returns:
        ``scenario, lever, horizon, n, mean, se, ci_low, ci_high``; lever ``total`` is all
        public money and ``operator_cofund`` the operators' share of terminal subsidies (not
        public money, shown for completeness).
    """
    items = [fiscal_series(lv) for lv in LEVER_NAMES]
    items += [Outcome(MONEY, "total", "yuan", "flow"),
              Outcome("operator_cofund_yuan", "operator_cofund", "yuan", "flow")]
    values = horizon_values(data, items, horizons)
    names = dict(zip((o.name for o in items), (*LEVER_NAMES, "total", "operator_cofund"), strict=True))
    values["lever"] = values["outcome"].map(names)
    out = summarise(values, ["arm", "lever", "horizon"], "value", level)
    return out.rename(columns={"arm": "scenario"}).drop(columns=["sd"])


def cost_effectiveness(
    data: ComparisonData,
    baseline: str,
    outcomes: Sequence[Outcome],
    horizons: Sequence[str] = DEFAULT_HORIZONS,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Additional consumption per yuan of public money, and public money per additional adopter.

    Both are ratios of replicate means of paired differences (scenario minus baseline):
    ``multiplier = mean(delta consumption) / mean(delta public money)`` and, per adoption outcome,
    ``cost_per_additional = mean(delta public money) / mean(delta adopters)``, with delta-method
    intervals (NaN when the denominator's interval covers zero).

    Returns:
        ``scenario, horizon, measure, outcome, unit, n, ratio, se, ci_low, ci_high, bounded,
        numerator_mean, denominator_mean``.
    """
    adopters = [o for o in outcomes if o.adopters]
    items = {o.name: o for o in (*adopters, BY_NAME[MONEY], BY_NAME[CONSUMPTION])}
    values = horizon_values(data, list(items.values()), horizons)
    diffs = paired_differences(values, data, baseline, ["outcome", "horizon"])
    wide = diffs.pivot_table(index=["arm", "run_id", "horizon"], columns="outcome", values="diff", sort=False)
    wide = wide.reset_index()
    parts = []
    if MONEY in wide and CONSUMPTION in wide:
        r = ratio_of_means(wide, ["arm", "horizon"], CONSUMPTION, MONEY, level)
        parts.append(r.assign(measure="multiplier", outcome=CONSUMPTION, unit="yuan per yuan"))
    for o in adopters:
        if o.name in wide and MONEY in wide:
            r = ratio_of_means(wide, ["arm", "horizon"], MONEY, o.name, level)
            parts.append(r.assign(measure="cost_per_additional", outcome=o.name, unit=f"yuan per {o.unit[:-1]}"))
    cols = ["scenario", "horizon", "measure", "outcome", "unit", "n", "ratio", "se", "ci_low", "ci_high",
            "bounded", "numerator_mean", "denominator_mean"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True).rename(columns={"arm": "scenario"})
    return out[cols]


# --------------------------------------------------------------------------------------------
# Deadweight
# --------------------------------------------------------------------------------------------
def classify_payments(payments: pd.DataFrame, baseline_agents: pd.DataFrame) -> pd.DataFrame:
    """Label each payment to a household or firm by what its agent did in the paired baseline.

    Args:
        payments: ``kind, agent_id, month, lever, product, yuan`` of the scenario run.
        baseline_agents: agent records of the same-seed baseline run (``kind, agent_id`` and
            the first-adoption columns ``m_*``: month index, -1 = owned at the start,
            32767 = never).

    Returns:
        The payments to agents with ``baseline_month`` (when the baseline agent adopted what
        was paid for) and ``status``: ``deadweight`` (adopted by the payment month anyway),
        ``pulled_forward`` (adopted later in the baseline run), ``never_in_run`` (not adopted
        within the run), or ``unclassified`` (a product with no adoption record).
    """
    pay = payments[payments["kind"].astype(str).isin(AGENT_KINDS)].copy()
    pay["kind"] = pay["kind"].astype(str)
    pay["product"] = pay["product"].astype(str)
    pay["lever"] = pay["lever"].astype(str)
    baseline_month = np.full(len(pay), np.nan)
    ids = pay["agent_id"].to_numpy(np.int64)
    for kind in AGENT_KINDS:
        agents = baseline_agents[baseline_agents["kind"].astype(str) == kind]
        if agents.empty:
            continue
        n = int(agents["agent_id"].max()) + 1
        for product, column in PRODUCT_FIRST_MONTH.items():
            sel = ((pay["kind"] == kind) & (pay["product"] == product)).to_numpy()
            if not sel.any() or column not in agents.columns:
                continue
            table = np.full(n, float(NEVER))
            table[agents["agent_id"].to_numpy(np.int64)] = agents[column].to_numpy(np.float64)
            baseline_month[sel] = table[ids[sel]]
    month = pay["month"].to_numpy(np.float64)
    status = np.full(len(pay), "unclassified", dtype=object)
    known = ~np.isnan(baseline_month)
    status[known & (baseline_month <= month)] = "deadweight"
    status[known & (baseline_month > month) & (baseline_month < NEVER)] = "pulled_forward"
    status[known & (baseline_month >= NEVER)] = "never_in_run"
    status[pay["product"].isin(ALWAYS_DEADWEIGHT).to_numpy()] = "deadweight"
    status[pay["product"].isin(ALWAYS_ADDITIONAL).to_numpy()] = "never_in_run"
    pay["baseline_month"] = baseline_month
    pay["status"] = status
    return pay.reset_index(drop=True)


def _first_month_columns() -> list[str]:
    return list(dict.fromkeys(PRODUCT_FIRST_MONTH.values()))


def classified_payments(
    data: ComparisonData, baseline: str, dimensions: Sequence[str] = ()
) -> pd.DataFrame:
    """Every arm run's agent payments, classified against its paired baseline run.

    Args:
        data: the runs (with agent-level records).
        baseline: the baseline scenario.
        dimensions: also label each payment's agent by these group dimensions.

    Returns:
        The classified payments with ``arm, run_id, replicate, month_label`` (empty when no
        run kept agent-level data).
    """
    parts = []
    group_cols = ["income_quintile", "urban", "elderly", "city", "sector", "size_class"] if dimensions else []
    months = {rid: np.sort(part.to_numpy(dtype=str)) for rid, part in data.timeseries.groupby("run_id")["month"]}
    for pair in data.pairs(baseline).itertuples(index=False):
        pay = data.payments(pair.run_id)
        if pay is None:
            continue
        pay = pay[["kind", "agent_id", "month", "lever", "product", "yuan"]]
        wanted = ["kind", "agent_id", *_first_month_columns(), *group_cols]
        base = data.agents(pair.baseline_run_id)
        if base is None:
            continue
        base = base[[c for c in wanted if c in base.columns]]
        out = classify_payments(pay, base)
        for dim in dimensions:
            labels = agent_group(base, dim)
            lookup = {k: pd.Series(labels[(base["kind"] == k).to_numpy()].to_numpy(),
                                   index=base.loc[base["kind"] == k, "agent_id"].to_numpy()) for k in AGENT_KINDS}
            col = np.full(len(out), np.nan, dtype=object)
            for k, series in lookup.items():
                sel = (out["kind"] == k).to_numpy()
                if sel.any() and len(series):
                    col[sel] = series.reindex(out.loc[sel, "agent_id"].to_numpy()).to_numpy()
            out[dim] = col
        labels = months.get(pair.run_id)
        if labels is not None and len(labels):
            out["month_label"] = labels[np.clip(out["month"].to_numpy(np.int64), 0, len(labels) - 1)]
        parts.append(out.assign(arm=pair.arm, run_id=pair.run_id, replicate=pair.replicate))
    if not parts:
        return pd.DataFrame(columns=["arm", "run_id", "replicate", "kind", "agent_id", "month", "lever",
                                     "product", "yuan", "baseline_month", "status", "month_label"])
    return pd.concat(parts, ignore_index=True)


def _shares(classified: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per run and group: yuan paid and the money-weighted shares of each status."""
    c = classified[classified["status"] != "unclassified"]
    keys = ["arm", "run_id", *by]
    grouped = c.groupby(keys, sort=False, observed=True)
    totals = pd.DataFrame({"paid_yuan": grouped["yuan"].sum(), "payments": grouped.size()})
    per = c.pivot_table(index=keys, columns="status", values="yuan", aggfunc="sum", fill_value=0.0, sort=False)
    per = per.reindex(columns=list(STATUSES), fill_value=0.0)
    out = totals.join(per).reset_index()
    for s in STATUSES:
        out[f"{s}_share"] = np.where(out["paid_yuan"] > 0, out[s] / out["paid_yuan"], np.nan)
    return out


def deadweight(
    classified: pd.DataFrame, by: Sequence[str] = ("lever", "product"), level: float = LEVEL
) -> pd.DataFrame:
    """Deadweight and additionality of agent payments, money-weighted, per scenario and `by`.

    Rows for every lever (``product = 'all'``) and for all levers together (``lever = 'all'``)
    are added when `by` is ``("lever", "product")``.

    Args:
        classified: output of :func:`classified_payments`.
        by: grouping columns besides the scenario.
        level: confidence level.

    Returns:
        ``scenario, *by, n, paid_yuan, payments, deadweight_share, ci_low, ci_high,
        pulled_forward_share, never_in_run_share, additionality`` (shares of money; the
        interval is clipped to [0, 1]; ``payments`` is the mean number of payments per run).
    """
    by = list(by)
    if classified.empty:
        return pd.DataFrame(columns=["scenario", *by, "n", "paid_yuan", "deadweight_share", "ci_low",
                                     "ci_high", "pulled_forward_share", "never_in_run_share", "additionality"])
    frames = [classified]
    if by == ["lever", "product"]:
        frames.append(classified.assign(product="all"))
        frames.append(classified.assign(lever="all", product="all"))
    shares = pd.concat([_shares(f, by) for f in frames], ignore_index=True)
    dw = summarise(shares, ["arm", *by], "deadweight_share", level)
    extra = shares.groupby(["arm", *by], sort=False, observed=True)[
        ["paid_yuan", "pulled_forward_share", "never_in_run_share", "payments"]].mean().reset_index()
    out = dw.merge(extra, on=["arm", *by], how="left").rename(columns={"arm": "scenario", "mean": "deadweight_share"})
    # A share's interval beyond [0, 1] says nothing more than [0, 1] (few replicates, wide t).
    out[["ci_low", "ci_high"]] = out[["ci_low", "ci_high"]].clip(0.0, 1.0)
    out["additionality"] = 1.0 - out["deadweight_share"]
    cols = ["scenario", *by, "n", "paid_yuan", "payments", "deadweight_share", "ci_low", "ci_high",
            "pulled_forward_share", "never_in_run_share", "additionality"]
    return out[cols]
