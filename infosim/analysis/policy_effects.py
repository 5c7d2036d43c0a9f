"""Paired policy-effect metrics: scalar effects of one policy against its same-seed baseline run.

Each :class:`PolicyMetric` turns a policy run and its baseline run on the same seed (common
random numbers) into one number at a horizon (default end-2021): the voucher multiplier, the
public cost per additional 5G user of the terminal subsidy, the effect of the build-out on 5G
network users, the share of voucher money reaching the two lowest income quintiles, ... The
registry (:data:`METRICS`) names them for the sensitivity analysis, the optimiser and reports.

Three kinds of metric:

* ``ratio``: ``mean(Δ numerator) / mean(Δ denominator)`` over replicates, Δ = policy run minus
  its baseline run (e.g. extra consumption per extra public yuan), with the delta-method
  interval of :func:`infosim.analysis.stats.ratio_of_means` — the same estimator as
  :func:`infosim.analysis.fiscal.cost_effectiveness`;
* ``difference``: ``mean(Δ numerator)`` with a paired t interval (:func:`~infosim.analysis.stats.summarise`);
* ``share``: ``mean(numerator) / mean(denominator)`` of the policy runs alone (who received the
  money), with the same ratio interval.

Example:
    >>> from infosim.analysis.policy_effects import metric_values, metric_table
    >>> values = metric_values("results/levers", ["voucher_multiplier", "subsidy_cost_per_5g_network_user"])
    >>> metric_table(values)        # one row per metric (and design point): estimate [95% CI]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from infosim.analysis.data import AnalysisError, ComparisonData, comparison_data
from infosim.analysis.effects import check_horizons, horizon_values, paired_differences
from infosim.analysis.stats import LEVEL, ratio_of_means, summarise
from infosim.levers import LEVER_NAMES, levers_paying
from infosim.outcomes import BY_NAME, CONSUMPTION, END, MONEY, Outcome, fiscal_series

#: Default horizon of the metrics: end-2021 (calibration data end there).
DEFAULT_HORIZON = "2021-12"

MetricKind = Literal["ratio", "difference", "share"]

#: Columns of :func:`metric_values` (one row per metric, arm and replicate).
VALUE_COLUMNS = ("metric", "scenario", "baseline", "arm", "point", "replicate", "seed", "horizon",
                 "numerator", "denominator", "value")
#: Columns of :func:`metric_table`.
TABLE_COLUMNS = ("metric", "label", "unit", "scenario", "arm", "point", "horizon", "n", "estimate", "se",
                 "ci_low", "ci_high", "bounded", "sd_replicate", "numerator_mean", "denominator_mean")


# --------------------------------------------------------------------------------------------
# Quantities: what a metric reads from one run
# --------------------------------------------------------------------------------------------
#: Time-series quantities beyond the outcome registry: public money by lever.
_EXTRA_OUTCOMES = {o.name: o for o in map(fiscal_series, LEVER_NAMES)}

#: Public money paid to households, by lever (breakdown metrics).
_HOUSEHOLD_MONEY = tuple(fiscal_series(lv).name for lv in levers_paying("household"))

#: Breakdown quantities: (dimension, groups or None for all, breakdown metrics summed).
#: Breakdowns are end-of-run totals.
BREAKDOWN_QUANTITIES: dict[str, tuple[str, tuple[str, ...] | None, tuple[str, ...]]] = {
    "voucher_yuan_q1_q2": ("income_quintile", ("Q1", "Q2"), (fiscal_series("vouchers").name,)),
    "voucher_yuan_all": ("income_quintile", None, (fiscal_series("vouchers").name,)),
    "household_yuan_q1_q2": ("income_quintile", ("Q1", "Q2"), _HOUSEHOLD_MONEY),
    "household_yuan_all": ("income_quintile", None, _HOUSEHOLD_MONEY),
}


def quantity_outcome(name: str) -> Outcome | None:
    """The time-series outcome a quantity is read from (None for a breakdown quantity).

    Raises:
        KeyError: an unknown quantity.
    """
    if name in BREAKDOWN_QUANTITIES:
        return None
    if name in BY_NAME:
        return BY_NAME[name]
    if name in _EXTRA_OUTCOMES:
        return _EXTRA_OUTCOMES[name]
    known = [*BY_NAME, *_EXTRA_OUTCOMES, *BREAKDOWN_QUANTITIES]
    raise KeyError(f"unknown quantity {name!r}; known: {', '.join(known)}")


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyMetric:
    """One scalar policy effect.

    Attributes:
        name: identifier (used by specs, tables and the optimiser).
        label: readable label.
        unit: unit of the value.
        kind: ``ratio``, ``difference`` or ``share`` (see the module docstring).
        numerator: quantity read per run (an outcome of :data:`infosim.outcomes.OUTCOMES`,
            ``fiscal_spend_<lever>_yuan`` or a breakdown quantity).
        denominator: quantity of the denominator (``ratio`` and ``share``).
        scenario: the policy scenario it is computed for by default.
        baseline: the scenario it is paired with (``share`` metrics read the policy runs only).
        how: one sentence: how it is computed, for docs and reports.
        scale: divisor for display.
        scale_label: unit shown with the scaled value.
    """

    name: str
    label: str
    unit: str
    kind: MetricKind
    numerator: str
    denominator: str | None
    scenario: str
    how: str
    baseline: str = "baseline"
    scale: float = 1.0
    scale_label: str = ""

    @property
    def scenarios(self) -> tuple[str, str]:
        """The scenario pair it needs: (policy, baseline)."""
        return (self.scenario, self.baseline)

    @property
    def quantities(self) -> tuple[str, ...]:
        """The quantities read per run."""
        return (self.numerator,) + ((self.denominator,) if self.denominator else ())

    @property
    def uses_breakdowns(self) -> bool:
        """True if it reads end-of-run breakdowns (the value covers the whole run, not the horizon)."""
        return any(q in BREAKDOWN_QUANTITIES for q in self.quantities)

    def for_scenario(self, scenario: str, baseline: str | None = None) -> PolicyMetric:
        """The same metric computed for another policy scenario (e.g. an optimiser's candidate)."""
        return dataclasses.replace(self, scenario=scenario, baseline=baseline or self.baseline)


METRICS: tuple[PolicyMetric, ...] = (
    PolicyMetric(
        "voucher_multiplier", "Voucher multiplier", "yuan per yuan", "ratio",
        CONSUMPTION, "fiscal_spend_vouchers_yuan", "vouchers_only",
        "extra information consumption (households and firms, cumulative from the run's start) per "
        "extra public yuan of vouchers, both paired against the same-seed baseline run",
    ),
    PolicyMetric(
        "subsidy_cost_per_5g_network_user", "Terminal subsidy: public yuan per additional 5G network user",
        "yuan per person", "ratio", "fiscal_spend_terminal_subsidy_yuan", "users_5g_network",
        "terminal_subsidy_only",
        "public money paid by the terminal subsidy (government share, all subsidised products) per "
        "additional 5G network user (5G phone, 5G plan and coverage) at the horizon",
    ),
    PolicyMetric(
        "subsidy_cost_per_5g_handset_user", "Terminal subsidy: public yuan per additional 5G handset user",
        "yuan per person", "ratio", "fiscal_spend_terminal_subsidy_yuan", "users_5g_handset",
        "terminal_subsidy_only",
        "public money paid by the terminal subsidy per additional person with a 5G phone at the horizon",
    ),
    PolicyMetric(
        "cloud_cost_per_core_firm", "Cloud incentive: public yuan per additional core-on-cloud firm",
        "yuan per firm", "ratio", "fiscal_spend_cloud_incentive_yuan", "firms_core_cloud",
        "cloud_incentive_only",
        "public money paid by the cloud incentives (subsidies, star rewards, super-deduction) per "
        "additional firm with core business on cloud at the horizon",
    ),
    PolicyMetric(
        "buildout_5g_network_users", "Build-out: additional 5G network users", "persons", "difference",
        "users_5g_network", None, "buildout_only",
        "5G network users at the horizon minus those of the same-seed baseline run",
        scale=1e6, scale_label="million",
    ),
    PolicyMetric(
        "voucher_share_bottom_40", "Share of voucher money reaching the two lowest income quintiles",
        "share", "share", "voucher_yuan_q1_q2", "voucher_yuan_all", "vouchers_only",
        "voucher money received by households of income quintiles Q1 and Q2 over all voucher money "
        "received, over the whole run (from the end-of-run breakdowns of the policy runs)",
    ),
    PolicyMetric(
        "package_multiplier", "Whole package: consumption per public yuan", "yuan per yuan", "ratio",
        CONSUMPTION, MONEY, "jiangsu_2020",
        "extra information consumption per extra public yuan of all levers together, paired "
        "against the same-seed baseline run",
    ),
    # Whole-policy effects of any scenario (e.g. an optimiser's candidate, via for_scenario).
    PolicyMetric(
        "extra_consumption", "Additional information consumption", "yuan", "difference", CONSUMPTION, None,
        "jiangsu_2020", "information consumption cumulated to the horizon minus the same-seed baseline run's",
        scale=1e9, scale_label="bn yuan",
    ),
    PolicyMetric(
        "extra_5g_network_users", "Additional 5G network users", "persons", "difference", "users_5g_network",
        None, "jiangsu_2020", "5G network users at the horizon minus the same-seed baseline run's",
        scale=1e6, scale_label="million",
    ),
    PolicyMetric(
        "extra_core_cloud_firms", "Additional firms with core business on cloud", "firms", "difference",
        "firms_core_cloud", None, "jiangsu_2020",
        "firms with core business on cloud at the horizon minus the same-seed baseline run's",
        scale=1e3, scale_label="thousand",
    ),
    PolicyMetric(
        "public_money", "Public money spent", "yuan", "difference", MONEY, None, "jiangsu_2020",
        "public money of all levers cumulated to the horizon (the baseline spends none)",
        scale=1e9, scale_label="bn yuan",
    ),
    PolicyMetric(
        "household_money_share_bottom_40",
        "Share of household subsidy and voucher money reaching the two lowest income quintiles", "share",
        "share", "household_yuan_q1_q2", "household_yuan_all", "jiangsu_2020",
        "voucher and terminal-subsidy money received by households of income quintiles Q1 and Q2 over all "
        "such money received, over the whole run (end-of-run breakdowns of the policy runs)",
    ),
)
METRIC_BY_NAME: dict[str, PolicyMetric] = {m.name: m for m in METRICS}


def get_metrics(names: Iterable[str | PolicyMetric] | None = None) -> list[PolicyMetric]:
    """The metrics named (all when None); PolicyMetric objects pass through.

    Raises:
        KeyError: naming an unknown metric and listing the known ones.
    """
    if names is None:
        return list(METRICS)
    out = []
    for n in names:
        if isinstance(n, PolicyMetric):
            out.append(n)
        elif n in METRIC_BY_NAME:
            out.append(METRIC_BY_NAME[n])
        else:
            raise KeyError(f"unknown policy metric {n!r}; known: {', '.join(METRIC_BY_NAME)}")
    return out


def registry_table() -> pd.DataFrame:
    """The registry as a table: name, label, unit, kind, scenario pair and how it is computed."""
    return pd.DataFrame([{"name": m.name, "label": m.label, "unit": m.unit, "kind": m.kind,
                          "scenario": m.scenario, "baseline": m.baseline, "how": m.how} for m in METRICS])


# --------------------------------------------------------------------------------------------
# Values per replicate
# --------------------------------------------------------------------------------------------
def _quantity_values(data: ComparisonData, names: Sequence[str], horizon: str) -> pd.DataFrame:
    """Each quantity per run: run columns, ``outcome, value`` (time series at the horizon,
    breakdown sums over the whole run)."""
    outcomes = [o for o in (quantity_outcome(n) for n in names) if o is not None]
    parts = []
    if outcomes:
        hv = horizon_values(data, outcomes, [horizon], strict=horizon != END)
        parts.append(hv.drop(columns=["horizon", "month"]))
    wanted = [n for n in names if n in BREAKDOWN_QUANTITIES]
    if wanted:
        bd = data.breakdowns
        if bd.empty or "metric" not in bd.columns:
            raise AnalysisError(f"{data.source}: the runs stored no breakdowns (needed for {', '.join(wanted)})")
        for n in wanted:
            dim, groups, metrics = BREAKDOWN_QUANTITIES[n]
            sel = bd[(bd["dimension"] == dim) & bd["metric"].isin(metrics)]
            if groups is not None:
                sel = sel[sel["group"].isin(groups)]
            sums = sel.groupby("run_id", sort=False)["value"].sum()
            part = data.runs.assign(outcome=n, value=data.runs["run_id"].map(sums).fillna(0.0).to_numpy())
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def metric_values(
    results: Any,
    metrics: Iterable[str | PolicyMetric] | None = None,
    *,
    horizon: str = DEFAULT_HORIZON,
    skip_missing: bool = False,
) -> pd.DataFrame:
    """Each metric per paired replicate (and design point, for sweeps).

    Args:
        results: a results folder, ``load_results(...)``, RunResults or ComparisonData holding
            each metric's policy scenario and baseline run on the same seeds.
        metrics: metric names or :class:`PolicyMetric` objects (default: all whose scenarios
            are in `results`).
        horizon: ``'YYYY-MM'`` or ``'end'``; stocks are read at it, flows cumulated to it.
            Breakdown-based metrics cover the whole run.
        skip_missing: leave out named metrics whose scenarios are not in `results` (else raise).

    Returns:
        One row per metric, policy run: ``metric, scenario, baseline, arm, point, replicate,
        seed, horizon, numerator, denominator, value`` — ``numerator``/``denominator`` are paired
        differences (``ratio``, ``difference``) or policy-run values (``share``); ``value`` is
        their ratio for that replicate alone (or the difference).

    Raises:
        AnalysisError: a scenario a metric needs is missing, or runs are not paired.
    """
    data = comparison_data(results)
    horizon = check_horizons([horizon])[0]
    have = set(data.scenario_names)
    chosen = get_metrics(metrics) if metrics is not None else [m for m in METRICS if set(m.scenarios) <= have]
    ready = [m for m in chosen if set(m.scenarios) <= have]
    missing = [m for m in chosen if m not in ready]
    if missing and not skip_missing:
        m = missing[0]
        raise AnalysisError(
            f"metric {m.name!r} needs scenarios {m.scenario!r} and {m.baseline!r}; {data.source} has "
            f"{', '.join(sorted(have))}"
        )
    if not ready:
        return pd.DataFrame(columns=list(VALUE_COLUMNS))
    quantities = list(dict.fromkeys(q for m in ready for q in m.quantities))
    values = _quantity_values(data, quantities, horizon)
    parts = [_one_metric(m, data, values, horizon) for m in ready]
    return pd.concat(parts, ignore_index=True)[list(VALUE_COLUMNS)]


def _one_metric(m: PolicyMetric, data: ComparisonData, values: pd.DataFrame, horizon: str) -> pd.DataFrame:
    mine = values[values["outcome"].isin(m.quantities)]
    if m.kind == "share":
        runs = mine[mine["scenario"] == m.scenario]
        wide = runs.pivot_table(index=["run_id", "arm", "point", "replicate", "seed"], columns="outcome",
                                values="value", sort=False).reset_index()
    else:
        diffs = paired_differences(mine.rename(columns={"outcome": "quantity"}), data, m.baseline, ["quantity"])
        diffs = diffs[diffs["scenario"] == m.scenario]
        wide = diffs.pivot_table(index=["run_id", "arm", "point", "replicate", "seed"], columns="quantity",
                                 values="diff", sort=False).reset_index()
    out = wide[["arm", "point", "replicate", "seed"]].copy()
    out["numerator"] = wide[m.numerator].to_numpy(np.float64)
    if m.denominator:
        out["denominator"] = wide[m.denominator].to_numpy(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = np.where(out["denominator"] != 0, out["numerator"] / out["denominator"], np.nan)
    else:
        out["denominator"] = np.nan
        out["value"] = out["numerator"]
    return out.assign(metric=m.name, scenario=m.scenario, baseline=m.baseline, horizon=horizon)


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------
def metric_table(values: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Estimate and confidence interval of each metric per arm (scenario or design point).

    Ratios and shares are ratios of replicate means with delta-method intervals (NaN when the
    denominator's interval covers zero); differences are means with paired t intervals.

    Args:
        values: output of :func:`metric_values`.
        level: confidence level.

    Returns:
        Columns of :data:`TABLE_COLUMNS`; ``sd_replicate`` is the standard deviation of the
        per-replicate values (seed noise of a single paired run).
    """
    if values.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    keys = ["metric", "scenario", "arm", "point", "horizon"]
    parts = []
    for name, part in values.groupby("metric", sort=False):
        m = METRIC_BY_NAME.get(str(name))
        kind = m.kind if m is not None else ("difference" if part["denominator"].isna().all() else "ratio")
        if kind == "difference":
            s = summarise(part, keys, "numerator", level).rename(columns={"mean": "estimate"})
            s["bounded"] = True
            s["numerator_mean"] = s["estimate"]
            s["denominator_mean"] = np.nan
            s = s.drop(columns=["sd"])
        else:
            s = ratio_of_means(part, keys, "numerator", "denominator", level).rename(columns={"ratio": "estimate"})
        sd = part.groupby(keys, sort=False)["value"].std().rename("sd_replicate").reset_index()
        parts.append(s.merge(sd, on=keys, how="left"))
    out = pd.concat(parts, ignore_index=True)
    out["label"] = out["metric"].map(lambda n: METRIC_BY_NAME[n].label if n in METRIC_BY_NAME else n)
    out["unit"] = out["metric"].map(lambda n: METRIC_BY_NAME[n].unit if n in METRIC_BY_NAME else "")
    return out[list(TABLE_COLUMNS)]


def policy_effects(
    results: Any,
    metrics: Iterable[str | PolicyMetric] | None = None,
    *,
    horizon: str = DEFAULT_HORIZON,
    level: float = LEVEL,
) -> pd.DataFrame:
    """:func:`metric_table` of :func:`metric_values`: every metric with its interval, per arm."""
    return metric_table(metric_values(results, metrics, horizon=horizon), level)


def point_estimates(values: pd.DataFrame) -> pd.DataFrame:
    """Each metric's estimate per design point (ratio of replicate means, or mean difference).

    Args:
        values: output of :func:`metric_values`.

    Returns:
        A table indexed by ``point`` with one column per metric.
    """
    g = values.groupby(["metric", "point"], sort=False)
    num = g["numerator"].mean()
    den = g["denominator"].mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(den.isna(), num, num / den.where(den != 0))
    out = pd.Series(est, index=num.index).unstack("metric")
    return out.sort_index()[list(dict.fromkeys(values["metric"]))]
