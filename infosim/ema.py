"""EMA Workbench adapter: infosim as an ``ema_workbench.Model``, and sweep results as EMA results.

::

    from ema_workbench import MultiprocessingEvaluator, perform_experiments
    from infosim.ema import ema_model, from_sweep

    model = ema_model("jiangsu_2020", households=20_000, months=36)
    experiments, outcomes = perform_experiments(model, scenarios=100, policies=4)
    with MultiprocessingEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(100, 4)

    experiments, outcomes = from_sweep("results/lhs_uncertainty")   # an `infosim sweep` folder

**Uncertainties** are the scenario's uncertain parameters (``[parameters.*]``) with their
documented ranges, read at run time from :func:`infosim.data.parameter_ranges`:

* a linear range -> ``RealParameter(low, high)`` (uniform);
* a log-scale range (e.g. the Bass innovation hazard) -> ``RealParameter.from_dist(name,
  scipy.stats.loguniform(low, high))``: EMA's samplers draw it uniformly in the logarithm;
* an integer range -> ``IntegerParameter(low, high)`` (linear).

**Levers** are the main policy knobs, for the levers the scenario switches on (see
:data:`LEVER_RANGES`): each voucher wave's face value and minimum spend on its own
(``levers.vouchers.waves[0].face_value_yuan``, ...), budgets, voucher eligibility
(``CategoricalParameter``), the terminal subsidy's share and cap, the cloud subsidy share and the
build-out targets. Their ranges are exploration ranges (assumptions), not data. Face values
(20-200 yuan) and minimum spends (200-1,000 yuan) do not overlap, so every sampled wave is valid
(a minimum spend must be 0 or at least the face value).

**Outcomes** are the headline outcomes of :mod:`infosim.outcomes`, each a ``ScalarOutcome`` at
each horizon (a stock's level in that month, a flow's total from the first month through it),
named ``<outcome>_end`` or ``<outcome>_2021_12``; with ``timeseries=True`` also a
``TimeSeriesOutcome`` per outcome (the monthly level, flows cumulated) plus ``TIME``.

**Names.** EMA names must be Python identifiers, so a scenario key is written with ``__`` for
``.`` and ``_N`` for ``[N]`` (:func:`ema_name`): ``parameters.phones.life_months`` ->
``parameters__phones__life_months``, ``levers.vouchers.waves[0].face_value_yuan`` ->
``levers__vouchers__waves_0__face_value_yuan``. The model keeps the mapping back in
``model.scenario_keys`` (EMA name -> scenario key); :func:`from_sweep` puts it in
``experiments.attrs["scenario_keys"]``.

**Seeds.** Every experiment runs with the same seed (``seed``, default 0): common random numbers,
so differences between experiments come from their inputs. ``replications=R`` returns a
``ReplicatorModel`` whose replications use the seeds of :func:`infosim.experiments.seeds.replicate_seeds`
(``seed`` is then the root seed), and each outcome is the mean over the replications (EMA
keeps one kind of outcome per name in a process, so they stay ``ScalarOutcome`` /
``TimeSeriesOutcome``; for per-replication values, run a sweep and use :func:`from_sweep`).

ema-workbench is an optional extra (``pip install 'infosim[ema]'``), imported when these
functions are called.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import numpy as np
import pandas as pd

from infosim.errors import InfosimError
from infosim.levers.vouchers import Eligibility
from infosim.outcomes import END, Outcome, get_outcomes, province_households
from infosim.scenario import Scenario, apply_overrides, load_scenario

if TYPE_CHECKING:
    import ema_workbench


class EMAAdapterError(InfosimError):
    """ema-workbench is missing, or an argument names no scenario key, outcome or horizon."""


@dataclass(frozen=True)
class LeverRange:
    """The exploration range of one lever knob (an assumption, not data).

    Attributes:
        low, high: numeric range (ignored for categories).
        integer: whole numbers.
        categories: the choices of a categorical lever.
    """

    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    categories: tuple[str, ...] = ()


WAVE_FIELDS: dict[str, LeverRange] = {
    "face_value_yuan": LeverRange(20.0, 200.0),
    "min_spend_yuan": LeverRange(200.0, 1000.0),
}
"""Per voucher wave (``levers.vouchers.waves[i].<field>``); the ranges do not overlap, so a wave is always valid."""

LEVER_RANGES: dict[str, LeverRange] = {
    "levers.vouchers.budget_yuan": LeverRange(1e8, 2e9),
    "levers.vouchers.eligibility": LeverRange(categories=get_args(Eligibility)),
    "levers.terminal_subsidy.share_of_price": LeverRange(0.0, 0.3),
    "levers.terminal_subsidy.cap_yuan": LeverRange(0.0, 1000.0),
    "levers.terminal_subsidy.budget_yuan": LeverRange(2.5e8, 3e9),
    "levers.cloud_incentive.subsidy_share": LeverRange(0.0, 0.6),
    "levers.cloud_incentive.budget_yuan": LeverRange(5e8, 6e9),
    "levers.buildout.target_new_stations.2020": LeverRange(30_000, 80_000, integer=True),
    "levers.buildout.target_new_stations.2021": LeverRange(30_000, 80_000, integer=True),
}
"""Exploration ranges of the main lever knobs (assumption: from switching a knob nearly off to
several times the 2020 package's value in scenarios/jiangsu_2020.toml); voucher waves are added
per wave from :data:`WAVE_FIELDS`."""

DEFAULT_HORIZONS = (END,)


def _ema():
    try:
        import ema_workbench
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] != "ema_workbench":
            raise
        raise EMAAdapterError(
            "infosim.ema needs EMA Workbench: pip install 'infosim[ema]' (ema-workbench>=3,<4)"
        ) from None
    return ema_workbench


# ------------------------------------------------------------------------------------ names
def ema_name(key: str) -> str:
    """The EMA name (a Python identifier) of a scenario key or of an outcome at a horizon.

    ``levers.vouchers.waves[0].face_value_yuan`` -> ``levers__vouchers__waves_0__face_value_yuan``;
    ``users_5g_network`` at ``2021-12`` is named ``users_5g_network_2021_12`` by :func:`outcome_name`.
    """
    name = re.sub(r"\[(\d+)\]", r"_\1", key).replace("[*]", "_all").replace(".", "__").replace("-", "_")
    if not name.isidentifier():
        raise EMAAdapterError(f"{key!r}: cannot be written as an EMA name (got {name!r})")
    return name


def outcome_name(outcome: str, horizon: str) -> str:
    """``users_5g_network`` at ``end`` -> ``users_5g_network_end``; at ``2021-12`` -> ``users_5g_network_2021_12``."""
    return f"{outcome}_{horizon.replace('-', '_')}"


# ------------------------------------------------------------------------------------ outcomes
def outcome_series(timeseries: pd.DataFrame, outcome: Outcome) -> np.ndarray:
    """An outcome's monthly values in a run's time series: stocks as levels, flows cumulated."""
    values = timeseries[outcome.source].to_numpy(dtype=np.float64)
    if outcome.households_share:
        values = values * province_households()
    return np.cumsum(values) if outcome.kind == "flow" else values


def outcome_values(
    timeseries: pd.DataFrame, outcomes: Sequence[Outcome], horizons: Sequence[str], *, timeseries_outcomes: bool
) -> dict[str, Any]:
    """EMA outcome values of one run: scalars at each horizon (and the monthly series)."""
    months = list(timeseries["month"])
    out: dict[str, Any] = {}
    for o in outcomes:
        series = outcome_series(timeseries, o)
        for h in horizons:
            i = len(months) - 1 if h == END else months.index(h)
            out[outcome_name(o.name, h)] = float(series[i])
        if timeseries_outcomes:
            out[o.name] = series
    if timeseries_outcomes:
        out["TIME"] = np.arange(len(months), dtype=np.float64)
    return out


def _check_horizons(horizons: Sequence[str], start: str, months: int) -> tuple[str, ...]:
    from infosim.calendar import month_label

    labels = [month_label(m, start) for m in range(months)]
    for h in horizons:
        if h != END and h not in labels:
            raise EMAAdapterError(f"horizon {h!r}: expected 'end' or a month from {labels[0]} to {labels[-1]}")
    return tuple(dict.fromkeys(horizons))


# ------------------------------------------------------------------------------------ the model
@dataclass(frozen=True)
class InfosimRun:
    """The model function EMA calls (picklable, for the multiprocessing evaluator).

    Called with EMA names as keyword arguments, it applies them to the scenario as overrides,
    runs it and returns the outcome values.
    """

    scenario: Scenario
    scenario_keys: Mapping[str, str]
    outcomes: tuple[str, ...]
    horizons: tuple[str, ...]
    timeseries: bool
    seed: int
    households: int | None
    months: int | None

    def __call__(self, **inputs: Any) -> dict[str, Any]:
        """Run one experiment (``seed`` among `inputs` overrides the default seed)."""
        from infosim.run import run_scenario

        seed = int(inputs.pop("seed", self.seed))
        unknown = sorted(set(inputs) - set(self.scenario_keys))
        if unknown:
            raise EMAAdapterError(f"unknown EMA input(s) {', '.join(unknown)}; known: {', '.join(self.scenario_keys)}")
        overrides = {self.scenario_keys[n]: _plain(v) for n, v in inputs.items()}
        scenario = apply_overrides(self.scenario, overrides) if overrides else self.scenario
        result = run_scenario(scenario, seed, households=self.households, months=self.months)
        return outcome_values(
            result.timeseries, get_outcomes(list(self.outcomes)), self.horizons, timeseries_outcomes=self.timeseries
        )


def _mean(values: Sequence[float]) -> float:
    """Mean over replications (module-level, so the model pickles for worker processes)."""
    return float(np.mean(values))


def _mean_series(values: Sequence[np.ndarray]) -> np.ndarray:
    """Month-by-month mean over replications."""
    return np.mean(np.asarray(values, dtype=np.float64), axis=0)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def default_levers(scenario: Scenario) -> dict[str, LeverRange]:
    """The lever knobs for `scenario`: those of :data:`LEVER_RANGES` whose lever is on, plus
    each voucher wave's face value and minimum spend."""
    on = {name for name, lever in scenario.levers if lever.enabled}
    out: dict[str, LeverRange] = {}
    if "vouchers" in on:
        for i in range(len(scenario.levers.vouchers.waves)):
            for field, rng in WAVE_FIELDS.items():
                out[f"levers.vouchers.waves[{i}].{field}"] = rng
    for key, rng in LEVER_RANGES.items():
        if key.split(".")[1] in on:
            out[key] = rng
    return out


def _lever_ranges(scenario: Scenario, levers: Sequence[str] | Mapping[str, Any] | None) -> dict[str, LeverRange]:
    if levers is None:
        return default_levers(scenario)
    known = {**default_levers(scenario), **LEVER_RANGES}
    for i in range(len(scenario.levers.vouchers.waves)):
        known.update({f"levers.vouchers.waves[{i}].{f}": r for f, r in WAVE_FIELDS.items()})
    out: dict[str, LeverRange] = {}
    items = levers.items() if isinstance(levers, Mapping) else ((k, None) for k in levers)
    for key, spec in items:
        if spec is None:
            if key not in known:
                raise EMAAdapterError(
                    f"lever {key!r} has no default range; give one, e.g. levers={{{key!r}: (low, high)}}, "
                    f"or use one of: {', '.join(known)}"
                )
            out[key] = known[key]
        elif isinstance(spec, LeverRange):
            out[key] = spec
        elif isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(x, int | float) for x in spec):
            out[key] = LeverRange(float(spec[0]), float(spec[1]), integer=all(isinstance(x, int) for x in spec))
        else:
            out[key] = LeverRange(categories=tuple(spec))
    for key in out:  # every key must address the scenario
        probe = out[key].categories[0] if out[key].categories else out[key].low
        try:
            apply_overrides(scenario, {key: int(probe) if out[key].integer else probe})
        except InfosimError as exc:
            raise EMAAdapterError(f"lever {key!r}: {str(exc).splitlines()[0]}") from None
    return out


def ema_model(
    scenario: str | Path | Scenario = "jiangsu_2020",
    *,
    households: int | None = None,
    months: int | None = None,
    uncertainties: Sequence[str] | None = None,
    levers: Sequence[str] | Mapping[str, Any] | None = None,
    outcomes: Sequence[str] | None = None,
    horizons: Sequence[str] = DEFAULT_HORIZONS,
    timeseries: bool = False,
    seed: int = 0,
    replications: int | None = None,
    name: str | None = None,
) -> ema_workbench.Model:
    """An EMA Workbench model of one infosim scenario.

    Args:
        scenario: scenario name, TOML path or :class:`Scenario`.
        households, months: scale of every run (default: the scenario's ``run`` section).
        uncertainties: parameter keys to vary (default: every key of
            :func:`infosim.data.parameter_ranges`, with its documented range).
        levers: lever keys to vary: None for :func:`default_levers`; a list of keys with
            default ranges (:data:`LEVER_RANGES`, voucher waves); or ``{key: (low, high)}`` /
            ``{key: [category, ...]}`` for your own ranges.
        outcomes: outcome names of :mod:`infosim.outcomes` (default: all).
        horizons: ``'end'`` and/or months ``'YYYY-MM'`` at which scalar outcomes are read.
        timeseries: also return each outcome's monthly series (``TimeSeriesOutcome``).
        seed: the seed of every experiment (common random numbers).
        replications: run each experiment with this many seeds (a ``ReplicatorModel``).
        name: the EMA model name (an identifier; default from the scenario name).

    Returns:
        An ``ema_workbench.Model`` (or ``ReplicatorModel``) with ``scenario_keys`` (EMA name
        -> scenario key) set on it.

    Raises:
        EMAAdapterError: ema-workbench missing, or an unknown key, outcome or horizon.
    """
    ema = _ema()
    from scipy import stats

    from infosim.data import parameter_ranges

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    ranges = parameter_ranges()
    if uncertainties is None:
        unc_keys = list(ranges)
    else:
        missing = [k for k in uncertainties if k not in ranges]
        if missing:
            raise EMAAdapterError(
                f"uncertainties {', '.join(missing)}: no documented range; known: {', '.join(ranges)}"
            )
        unc_keys = list(uncertainties)
    lever_ranges = _lever_ranges(sc, levers)
    try:
        chosen = [o.name for o in get_outcomes(list(outcomes) if outcomes is not None else None)]
    except KeyError as exc:
        raise EMAAdapterError(str(exc.args[0])) from None
    n_months = months or sc.run.months
    hz = _check_horizons(horizons, sc.run.start, n_months)

    keys: dict[str, str] = {}
    params = []
    for key in unc_keys:
        r = ranges[key]
        n = ema_name(key)
        keys[n] = key
        if r.integer:
            params.append(ema.IntegerParameter(n, int(r.low), int(r.high)))
        elif r.scale == "log":
            params.append(ema.RealParameter.from_dist(n, stats.loguniform(r.low, r.high)))
        else:
            params.append(ema.RealParameter(n, r.low, r.high))
    lever_params = []
    for key, r in lever_ranges.items():
        n = ema_name(key)
        keys[n] = key
        if r.categories:
            lever_params.append(ema.CategoricalParameter(n, list(r.categories)))
        elif r.integer:
            lever_params.append(ema.IntegerParameter(n, int(r.low), int(r.high)))
        else:
            lever_params.append(ema.RealParameter(n, r.low, r.high))

    run = InfosimRun(sc, keys, tuple(chosen), hz, timeseries, seed, households, months)
    model_name = name or ema_name(sc.name)
    if replications is None:
        model = ema.Model(model_name, function=run)
    else:
        from infosim.experiments.seeds import replicate_seeds

        model = ema.ReplicatorModel(model_name, function=run)
        model.replications = [{"seed": s} for s in replicate_seeds(seed, replications)]
    model.uncertainties = params
    model.levers = lever_params
    # with replications, EMA hands each outcome the list of the replications' values: average them
    reduce_scalar = None if replications is None else _mean
    reduce_series = None if replications is None else _mean_series
    scalar = [ema.ScalarOutcome(outcome_name(o, h), function=reduce_scalar) for o in chosen for h in hz]
    series = [ema.TimeSeriesOutcome(o, function=reduce_series) for o in chosen] if timeseries else []
    model.outcomes = scalar + series
    model.scenario_keys = dict(keys)
    return model


# ------------------------------------------------------------------------------------ sweeps
def from_sweep(
    path: str | Path,
    *,
    outcomes: Sequence[str] | None = None,
    horizons: Sequence[str] = DEFAULT_HORIZONS,
    timeseries: bool = False,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """An `infosim sweep` (or batch) results folder as EMA's ``(experiments, outcomes)``.

    One experiment per finished run, in the manifest's run order. ``experiments`` has one column
    per varied scenario key (EMA names, mapping in ``experiments.attrs["scenario_keys"]``) and
    EMA's ``scenario`` (the sweep's uncertainty sample), ``policy`` (its lever point) and
    ``model`` (the base scenario) columns; outcomes are computed from each run's time series
    exactly as :func:`ema_model` computes them.

    Args:
        path: the results folder.
        outcomes, horizons, timeseries: as for :func:`ema_model`.

    Raises:
        EMAAdapterError: no finished runs, an unknown outcome or a horizon outside the runs.
    """
    from infosim.experiments import load_results

    res = load_results(path)
    summary = res.summary
    if summary.empty:
        raise EMAAdapterError(f"{path}: no finished runs to convert")
    try:
        chosen = get_outcomes(list(outcomes) if outcomes is not None else None)
    except KeyError as exc:
        raise EMAAdapterError(str(exc.args[0])) from None
    manifest = res.manifest.set_index("run_id")
    run_ids = list(summary["run_id"])
    spec = res.experiment.get("definition", res.experiment).get("spec", {})
    varied = [*spec.get("uncertainties", {}), *spec.get("levers", {})]
    keys = {ema_name(k): k for k in varied}
    stored = {key: column for column, key in res.columns.items()}  # plain column names of the store
    columns = {}
    for name, key in keys.items():  # the store names a varied key's column (plain name, the key or its EMA name)
        column = next((c for c in (stored.get(key), key, name) if c in summary.columns), None)
        if column is None:
            raise EMAAdapterError(f"{path}: no column for the varied key {key!r} in the summary")
        columns[name] = summary[column].to_numpy()
    experiments = pd.DataFrame(columns, index=pd.RangeIndex(len(summary)))
    experiments["scenario"] = manifest.loc[run_ids, "sample"].to_numpy()
    experiments["policy"] = manifest.loc[run_ids, "policy"].to_numpy()
    experiments["model"] = summary["scenario"].to_numpy()
    experiments.attrs["scenario_keys"] = keys
    experiments.attrs["run_ids"] = run_ids

    ts = res.timeseries.sort_values(["run_id", "month"], kind="stable")
    by_run = {rid: frame for rid, frame in ts.groupby("run_id", sort=False)}
    months = sorted(set(ts["month"]))
    hz = tuple(dict.fromkeys(horizons))
    for h in hz:
        if h != END and h not in months:
            raise EMAAdapterError(f"horizon {h!r}: expected 'end' or a month from {months[0]} to {months[-1]}")
    rows = [outcome_values(by_run[rid], chosen, hz, timeseries_outcomes=timeseries) for rid in run_ids]
    out: dict[str, np.ndarray] = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        out[name] = np.asarray(values, dtype=np.float64) if name != "TIME" else np.asarray(values[0])
    if timeseries:
        out["TIME"] = np.tile(out["TIME"], (len(rows), 1))
    return experiments, out
