"""Compare interventions: :func:`compare` is the public entry point.

Example:
    >>> from infosim.analysis import compare
    >>> cmp = compare("results/batch-baseline-jiangsu_2020", baseline="baseline")
    >>> cmp.effects.query("outcome == 'users_5g_network' and horizon == 'end'")
    >>> cmp.headline("2021-12")        # one row per scenario: money, effects, multiplier, deadweight
    >>> cmp.deadweight                 # needs runs stored with keep_agents
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from infosim.analysis import distribution, effects, fiscal
from infosim.analysis.data import AnalysisError, ComparisonData, comparison_data
from infosim.analysis.formatting import fmt_ci, fmt_share
from infosim.analysis.groups import DIMENSIONS, group_labels
from infosim.analysis.stats import LEVEL
from infosim.outcomes import CONSUMPTION, DEFAULT_HORIZONS, END, MONEY, Outcome, get_outcomes

#: Columns of :meth:`Comparison.headline` (raw values; see :meth:`Comparison.headline_table`).
HEADLINE_OUTCOMES = (MONEY, CONSUMPTION, "users_5g_network", "households_gigabit", "firms_core_cloud")


class Comparison:
    """Scenarios compared with a baseline over paired replicates.

    Every table is a tidy DataFrame computed on first use. Effects are scenario minus the
    same-seed baseline run, averaged over replicates, with t-based 95% intervals.

    Attributes:
        data: the runs (:class:`~infosim.analysis.data.ComparisonData`).
        baseline: the baseline scenario's name.
        horizons: horizons reported (``'2020-12'``, ``'2021-12'``, ``'end'``, ...).
        outcomes: the outcomes reported.
        level: confidence level of the intervals.
    """

    def __init__(
        self,
        data: ComparisonData,
        baseline: str,
        horizons: Sequence[str] = DEFAULT_HORIZONS,
        outcomes: Sequence[Outcome] | None = None,
        level: float = LEVEL,
        strict_horizons: bool = False,
    ) -> None:
        data.check_baseline(baseline)
        self.data = data
        self.baseline = baseline
        self.horizons = effects.check_horizons(horizons)
        self.outcomes = list(outcomes) if outcomes is not None else get_outcomes(None)
        self.level = level
        data.pairs(baseline)  # fail early when nothing pairs
        if strict_horizons:
            effects.horizon_values(data, self.outcomes[:1], self.horizons, strict=True)

    # ------------------------------------------------------------------------------ effects
    @property
    def scenarios(self) -> list[str]:
        """The compared scenarios (arms), baseline excluded."""
        return [a for a in self.data.arms if self.data.arm_scenario(a) != self.baseline]

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Paired effects per scenario, outcome and horizon (see :data:`effects.EFFECT_COLUMNS`)."""
        return effects.paired_effects(self.data, self.baseline, self.outcomes, self.horizons, level=self.level)

    @cached_property
    def levels(self) -> pd.DataFrame:
        """Outcome levels per scenario (baseline included) and horizon, with intervals."""
        return effects.levels(self.data, self.outcomes, self.horizons, self.level)

    def curves(self, outcomes: Sequence[str] | None = None, *, effect: bool = False) -> pd.DataFrame:
        """Monthly means with confidence bands: levels of every scenario, or paired effects.

        Args:
            outcomes: outcome names (default: all reported outcomes).
            effect: effects against the baseline instead of levels.
        """
        chosen = get_outcomes(list(outcomes)) if outcomes is not None else self.outcomes
        return effects.monthly_curves(self.data, chosen, self.baseline if effect else None, self.level)

    # ------------------------------------------------------------------------------ fiscal
    @cached_property
    def spend(self) -> pd.DataFrame:
        """Public money by lever, cumulative to each horizon (mean and CI per scenario)."""
        return fiscal.spend_by_lever(self.data, self.horizons, self.level)

    @cached_property
    def cost_effectiveness(self) -> pd.DataFrame:
        """Consumption multiplier and cost per additional adopter, per scenario and horizon."""
        return fiscal.cost_effectiveness(self.data, self.baseline, self.outcomes, self.horizons, self.level)

    @cached_property
    def has_agent_data(self) -> bool:
        """True if the runs kept agent-level records (needed for deadweight)."""
        return self.data.has_agent_data()

    @cached_property
    def payments(self) -> pd.DataFrame:
        """Agent payments of every scenario run, classified against the paired baseline run."""
        return fiscal.classified_payments(self.data, self.baseline, DIMENSIONS)

    @cached_property
    def deadweight(self) -> pd.DataFrame:
        """Deadweight and additionality by scenario, lever and product over the whole run
        (empty without agent data)."""
        return fiscal.deadweight(self.payments, ("lever", "product"), self.level)

    def deadweight_at(self, horizon: str) -> pd.DataFrame:
        """:attr:`deadweight` of the payments made up to `horizon` (``'end'``: all)."""
        if horizon == END:
            return self.deadweight
        pay = self.payments
        return fiscal.deadweight(pay[pay["month_label"] <= horizon], ("lever", "product"), self.level)

    def deadweight_by_group(self, dimension: str) -> pd.DataFrame:
        """Deadweight of all agent payments by scenario, lever and group of `dimension`
        (lever ``all`` included; empty without agent data)."""
        if dimension not in DIMENSIONS:
            raise AnalysisError(f"unknown dimension {dimension!r}; known: {', '.join(DIMENSIONS)}")
        pay = self.payments
        pay = pay[pay[dimension].notna()] if dimension in pay else pay.iloc[0:0].assign(**{dimension: []})
        both = pd.concat([pay, pay.assign(lever="all")], ignore_index=True)
        out = fiscal.deadweight(both, ("lever", dimension), self.level)
        return effects.sort_like(out, scenario=self.data.arms, lever=[*sorted(set(pay["lever"])), "all"],
                                 **{dimension: list(group_labels(dimension))})

    # ------------------------------------------------------------------------------ who benefits
    @cached_property
    def distribution(self) -> pd.DataFrame:
        """End-of-run effects by household and firm group (with ``total`` rows)."""
        return distribution.group_effects(self.data, self.baseline, DIMENSIONS, self.level)

    @cached_property
    def money_by_group(self) -> pd.DataFrame:
        """Public money received by group and lever (with ``total`` rows)."""
        return distribution.group_payments(self.data, self.baseline, DIMENSIONS, self.level)

    @cached_property
    def concentration(self) -> pd.DataFrame:
        """Concentration indices of money received and behaviour change (income, firm size)."""
        return distribution.concentration(self.data, self.baseline, self.level)

    # ------------------------------------------------------------------------------ summaries
    @cached_property
    def _headline_effects(self) -> pd.DataFrame:
        chosen = get_outcomes(list(HEADLINE_OUTCOMES))
        if all(o in self.outcomes for o in chosen):
            return self.effects
        return effects.paired_effects(self.data, self.baseline, chosen, self.horizons, level=self.level)

    def headline(self, horizon: str = END) -> pd.DataFrame:
        """One row per scenario at `horizon`: public money, main effects, multiplier, deadweight.

        Returns:
            Columns ``scenario``, then for each of :data:`HEADLINE_OUTCOMES` its effect and
            interval (``<outcome>``, ``<outcome>_low``, ``<outcome>_high``), ``multiplier`` with
            interval, and ``deadweight`` with interval (NaN without agent data).
        """
        if horizon not in self.horizons:
            raise AnalysisError(f"horizon {horizon!r} not computed; this comparison has {', '.join(self.horizons)}")
        eff = self._headline_effects
        eff = eff[eff["horizon"] == horizon].set_index(["scenario", "outcome"])
        ce = self.cost_effectiveness
        mult = ce[(ce["horizon"] == horizon) & (ce["measure"] == "multiplier")].set_index("scenario")
        dw = self.deadweight_at(horizon)
        dw = dw[(dw["lever"] == "all") & (dw["product"] == "all")].set_index("scenario") if len(dw) else dw
        rows = []
        for sc in self.scenarios:
            row: dict[str, Any] = {"scenario": sc, "n": np.nan}
            for name in HEADLINE_OUTCOMES:
                if (sc, name) in eff.index:
                    e = eff.loc[(sc, name)]
                    row.update({name: e["effect"], f"{name}_low": e["ci_low"], f"{name}_high": e["ci_high"]})
                    row["n"] = e["n"]
            m = mult.loc[sc] if sc in mult.index else None
            row.update({"multiplier": m["ratio"] if m is not None else np.nan,
                        "multiplier_low": m["ci_low"] if m is not None else np.nan,
                        "multiplier_high": m["ci_high"] if m is not None else np.nan})
            d = dw.loc[sc] if len(dw) and sc in dw.index else None
            row.update({"deadweight": d["deadweight_share"] if d is not None else np.nan,
                        "deadweight_low": d["ci_low"] if d is not None else np.nan,
                        "deadweight_high": d["ci_high"] if d is not None else np.nan})
            rows.append(row)
        return pd.DataFrame(rows)

    def headline_table(self, horizon: str = END) -> pd.DataFrame:
        """:meth:`headline` formatted for reading: scaled values with their 95% intervals."""
        h = self.headline(horizon)
        cols = {
            MONEY: ("Public money, bn yuan", 1e9),
            CONSUMPTION: ("Δ information consumption, bn yuan", 1e9),
            "users_5g_network": ("Δ 5G network users, million", 1e6),
            "households_gigabit": ("Δ gigabit households, thousand", 1e3),
            "firms_core_cloud": ("Δ firms with core business on cloud, thousand", 1e3),
        }
        out = pd.DataFrame({"Scenario": h["scenario"]})
        for name, (title, scale) in cols.items():
            if name in h:
                out[title] = [fmt_ci(r[name], r[f"{name}_low"], r[f"{name}_high"], scale) for _, r in h.iterrows()]
        out["Consumption per public yuan"] = [
            fmt_ci(r["multiplier"], r["multiplier_low"], r["multiplier_high"]) for _, r in h.iterrows()]
        if h["deadweight"].notna().any():
            out["Deadweight (share of agent payments)"] = [
                fmt_share(r["deadweight"], r["deadweight_low"], r["deadweight_high"]) for _, r in h.iterrows()]
        return out

    def table(self, horizon: str = END, outcomes: Sequence[str] | None = None) -> pd.DataFrame:
        """Effects at one horizon as a readable wide table: one row per scenario and outcome."""
        eff = self.effects[self.effects["horizon"] == horizon]
        if outcomes is not None:
            eff = eff[eff["outcome"].isin(list(outcomes))]
        scale = {o.name: (o.scale, o.scale_label) for o in self.outcomes}
        rows = []
        for r in eff.itertuples(index=False):
            s, lab = scale[r.outcome]
            rows.append({
                "scenario": r.scenario, "outcome": f"{r.label} ({lab})", "horizon": r.horizon,
                "baseline": fmt_ci(r.baseline_mean, np.nan, np.nan, s),
                "scenario value": fmt_ci(r.scenario_mean, np.nan, np.nan, s),
                "effect [95% CI]": fmt_ci(r.effect, r.ci_low, r.ci_high, s),
                "relative": f"{100 * r.rel_effect:+.2f}%" if np.isfinite(r.rel_effect) else "–",
                "n": int(r.n),
            })
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        reps = self.data.runs.groupby("arm")["seed"].nunique()
        return (f"Comparison({len(self.scenarios)} scenario(s) vs {self.baseline!r}, "
                f"{int(reps.min()) if len(reps) else 0}-{int(reps.max()) if len(reps) else 0} replicates, "
                f"horizons {', '.join(self.horizons)}; from {self.data.source})")


def compare(
    results: Any,
    baseline: str = "baseline",
    *,
    horizons: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    level: float = LEVEL,
    scenarios: Mapping[str, Any] | None = None,
) -> Comparison:
    """Compare every scenario in `results` with `baseline`, replicate by replicate.

    Args:
        results: a results folder, ``load_results(...)``, an ``ExperimentReport``, or
            RunResults (from :func:`infosim.run.run_scenario`, the same seeds per scenario).
        baseline: the scenario every other is compared with.
        horizons: ``'end'`` and/or months ``'YYYY-MM'`` (default end-2020, end-2021, end of
            run; months outside the runs are skipped unless given explicitly).
        outcomes: outcome names (default all; see :data:`infosim.outcomes.OUTCOMES`).
        level: confidence level of the intervals.
        scenarios: for in-memory runs, the scenarios as run (shown in reports).

    Returns:
        A :class:`Comparison` whose tables (``effects``, ``spend``, ``cost_effectiveness``,
        ``deadweight``, ``distribution``, ``money_by_group``, ``concentration``) are tidy
        DataFrames.

    Raises:
        AnalysisError: unknown baseline, outcome or horizon, or no paired replicates.
    """
    data = comparison_data(results, scenarios)
    try:
        chosen = get_outcomes(list(outcomes)) if outcomes is not None else None
    except KeyError as exc:
        raise AnalysisError(str(exc.args[0])) from None
    return Comparison(data, baseline, horizons or DEFAULT_HORIZONS, chosen, level,
                      strict_horizons=horizons is not None)
