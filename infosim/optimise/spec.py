"""Optimisation specifications: the TOML schema of ``infosim optimise SPEC.toml`` and its loader.

A spec names the base scenario the candidates extend, the decision variables (scenario keys of
levers, with bounds — the same names as ``--set``), the total budget shared between levers, the
objectives (paired policy metrics of :data:`infosim.analysis.policy_effects.METRICS`, each
maximised or minimised), the ensemble every candidate is evaluated over (prior draws from
``infosim/data/parameter_ranges.toml`` or posterior draws of a calibration), the scale of each
run and the search (NSGA-II / NSGA-III of pymoo). ``docs/optimisation.md`` documents every key;
so does :class:`OptimiseSpec`.

Errors are :class:`infosim.errors.SpecError`, one line per problem naming the file and the key.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infosim.errors import SpecError
from infosim.experiments.params import ParamSpec
from infosim.experiments.seeds import MAX_SEED
from infosim.experiments.spec import read_spec_file, scenario_key_error

_STRICT = ConfigDict(extra="forbid", frozen=True)

#: ``levers.<lever>.budget_yuan``: a lever's budget, the key a ``share`` variable sets.
BUDGET_KEY = re.compile(r"^levers\.([a-z_][a-z0-9_]*)\.budget_yuan$")
#: ``levers.<lever>.start``: a lever's first month, the key a ``shift_months`` variable moves.
START_KEY = re.compile(r"^levers\.([a-z_][a-z0-9_]*)\.start$")


class Variable(BaseModel):
    """One decision variable: a lever setting the optimiser chooses, within bounds.

    Exactly one of:

    * ``values = [...]`` — a choice among listed values (categorical: eligibility rules, months,
      whole lists of voucher waves, ...);
    * ``range = [low, high]`` — a number in the interval (``integer = true`` for whole numbers,
      ``scale = "log"`` to search it log-uniformly);
    * ``share = [low, high]`` — on ``levers.<lever>.budget_yuan`` only: the lever's share of the
      total budget (``[budget]``); the shares of all levers sum to 1 or less;
    * ``shift_months = [low, high]`` — on ``levers.<lever>.start`` only: move the lever's start,
      end and (vouchers) wave months by a whole number of months.

    Attributes:
        label: a short name for tables and figures (default: the key without ``levers.``).
    """

    model_config = _STRICT
    values: list[Any] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    integer: bool = False
    scale: Literal["linear", "log"] = "linear"
    share: tuple[float, float] | None = None
    shift_months: tuple[int, int] | None = None
    label: str | None = Field(None, max_length=60)

    @model_validator(mode="after")
    def _one_kind(self) -> Variable:
        given = [k for k in ("values", "range", "share", "shift_months") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of: values = [...], range = [low, high], share = [low, high] "
                             f"(budget_yuan keys), shift_months = [low, high] (start keys); got {given or 'none'}")
        if (self.integer or self.scale != "linear") and self.range is None:
            raise ValueError("integer and scale apply to range = [low, high] only")
        if self.range is not None:
            lo, hi = self.range
            if not lo < hi:
                raise ValueError(f"range must be [low, high] with low < high (got [{lo}, {hi}])")
            if self.scale == "log" and lo <= 0:
                raise ValueError("scale = 'log' needs a range with low > 0")
            if self.integer and not (float(lo).is_integer() and float(hi).is_integer()):
                raise ValueError("integer = true needs a range of whole numbers")
        if self.share is not None:
            lo, hi = self.share
            if not 0.0 <= lo <= hi <= 1.0 or lo == hi:
                raise ValueError(f"share must be [low, high] with 0 <= low < high <= 1 (got [{lo}, {hi}])")
        if self.shift_months is not None:
            lo, hi = self.shift_months
            if not lo < hi:
                raise ValueError(f"shift_months must be [low, high] with low < high (got [{lo}, {hi}])")
        if self.values is not None:
            ParamSpec(values=self.values)  # one kind of value (numbers, strings, lists, ...)
        return self

    @property
    def kind(self) -> str:
        """``values``, ``range``, ``share`` or ``shift``."""
        if self.values is not None:
            return "values"
        if self.range is not None:
            return "range"
        return "share" if self.share is not None else "shift"

    def param(self) -> ParamSpec:
        """The sweep declaration that maps [0, 1] to this variable's values (values and ranges)."""
        if self.values is not None:
            return ParamSpec(values=self.values)
        if self.range is not None:
            dist = "loguniform" if self.scale == "log" else None
            return ParamSpec(range=self.range, integer=self.integer, distribution=dist)
        if self.shift_months is not None:
            return ParamSpec(range=self.shift_months, integer=True)
        return ParamSpec(range=self.share)


class Budget(BaseModel):
    """The total budget the ``share`` variables divide.

    Attributes:
        total_yuan: yuan, or ``"base"``: the sum of the base scenario's budgets of the levers
            with a ``share`` variable (the same total as the base policy).
        spend: ``"all"``: the shares sum to 1 (the whole budget is allocated); ``"at_most"``:
            they sum to 1 or less (money may stay unallocated).
        voucher_counts: ``"follow_budget"`` (default): the vouchers of each wave are set so the
            waves issue the vouchers' budget, in the proportions of the base waves (otherwise a
            bigger budget issues no more vouchers); ``"fixed"``: keep the counts.
    """

    model_config = _STRICT
    total_yuan: float | Literal["base"] = "base"
    spend: Literal["all", "at_most"] = "all"
    voucher_counts: Literal["follow_budget", "fixed"] = "follow_budget"

    @field_validator("total_yuan")
    @classmethod
    def _positive(cls, v: float | str) -> float | str:
        if not isinstance(v, str) and not v > 0:
            raise ValueError(f"must be a positive number of yuan or 'base' (got {v})")
        return v


class Objective(BaseModel):
    """One objective: a paired policy metric of the candidate against the baseline.

    Attributes:
        metric: a name of :data:`infosim.analysis.policy_effects.METRICS`.
        direction: ``max`` or ``min``.
    """

    model_config = _STRICT
    metric: str
    direction: Literal["max", "min"]

    @field_validator("metric")
    @classmethod
    def _known(cls, v: str) -> str:
        from infosim.analysis.policy_effects import METRIC_BY_NAME

        if v not in METRIC_BY_NAME:
            raise ValueError(f"unknown metric {v!r}; known: {', '.join(METRIC_BY_NAME)}")
        return v


class Algorithm(BaseModel):
    """The search (pymoo).

    Attributes:
        name: ``auto`` (NSGA-II for up to 3 objectives, NSGA-III beyond), ``nsga2`` or ``nsga3``.
        population: candidates per generation (NSGA-III: at least its reference directions).
        generations: generations, the first being the initial Latin-hypercube population.
        partitions: NSGA-III reference directions (Das-Dennis partitions); default: the most
            whose directions fit in the population.
    """

    model_config = _STRICT
    name: Literal["auto", "nsga2", "nsga3"] = "auto"
    population: int = Field(36, ge=4, le=10_000)
    generations: int = Field(10, ge=1, le=10_000)
    partitions: int | None = Field(None, ge=1, le=100)


class Robustness(BaseModel):
    """What the search optimises over the ensemble, and the robustness metrics reported.

    Attributes:
        optimise: ``mean`` (best on average) or ``percentile`` (never bad: the low percentile of
            each objective over the draws, the high one for minimised objectives).
        percentile: the low percentile (10 = the 10th percentile of the draws).
    """

    model_config = _STRICT
    optimise: Literal["mean", "percentile"] = "mean"
    percentile: float = Field(10.0, gt=0.0, lt=50.0)


class WriteBack(BaseModel):
    """Which policies are written back as scenario files, and where.

    Attributes:
        policies: ``chosen`` (the best on average for each objective, the balanced one closest
            to the ideal point, and the never-bad one with the smallest worst-case regret),
            ``pareto`` (every policy of the best-on-average Pareto set) or ``none``.
        folder: where the files go (``<folder>/<name>_<k>.toml``); relative to the current folder.
    """

    model_config = _STRICT
    policies: Literal["chosen", "pareto", "none"] = "chosen"
    folder: str = "scenarios/optimised"


class OptimiseSpec(BaseModel):
    """A multi-objective, robust policy search.

    Attributes:
        name: results go to ``results/<name>`` by default; scenario files are ``<name>_<k>``.
        description: free text.
        base: the scenario candidates extend (a name or a TOML path); its settings that are not
            decision variables are kept, and it is also evaluated as the reference policy.
        baseline: the scenario every candidate is paired against (same draws, same seeds).
        horizon: month ``YYYY-MM`` (or ``end``) at which the objectives are read.
        seed: root seed: replicate seeds and ensemble draws are spawned from it; every
            candidate runs on the same draws and seeds (common random numbers).
        households, months: scale of every run (months must reach the horizon).
        replicates: seeds per ensemble draw.
        ensemble: ``"prior"`` (draws from parameter_ranges()) or ``"posterior:<folder>"`` (a
            calibration folder written by ``infosim calibrate``; draws taken as ``batch --posterior``).
        draws: ensemble members every candidate is evaluated on.
        ensemble_parameters, ensemble_exclude: glob patterns of the parameters a prior ensemble
            varies (default: all of parameter_ranges(), read at run time); with a posterior
            ensemble, the listed parameters the calibration did not calibrate are drawn from
            their ranges too (default: only the calibrated ones vary).
        constants: fixed ``key.path = value`` overrides of every run (candidates, reference, baseline).
        budget: the total budget the ``share`` variables divide (needed when there is one).
        variables: decision variables by scenario key.
        objectives: what to maximise or minimise.
        algorithm, robustness, write_back: see their classes.
    """

    model_config = _STRICT
    name: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    description: str = ""
    base: str
    baseline: str = "baseline"
    horizon: str = "2021-12"
    seed: int = Field(0, ge=0, le=MAX_SEED)
    households: int | None = Field(None, ge=100)
    months: int | None = Field(None, ge=1)
    replicates: int = Field(1, ge=1, le=1000)
    ensemble: str = "prior"
    draws: int = Field(8, ge=1, le=10_000)
    ensemble_parameters: list[str] | None = Field(None, min_length=1)
    ensemble_exclude: list[str] = Field(default_factory=list)
    constants: dict[str, Any] = Field(default_factory=dict)
    budget: Budget | None = None
    variables: dict[str, Variable] = Field(..., min_length=1)
    objectives: list[Objective] = Field(..., min_length=1, max_length=10)
    algorithm: Algorithm = Field(default_factory=Algorithm)
    robustness: Robustness = Field(default_factory=Robustness)
    write_back: WriteBack = Field(default_factory=WriteBack)

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: str) -> str:
        from infosim.calendar import check_horizon

        return check_horizon(v)

    @field_validator("ensemble")
    @classmethod
    def _ensemble(cls, v: str) -> str:
        if v != "prior" and not (v.startswith("posterior:") and v.removeprefix("posterior:").strip()):
            raise ValueError(f"expected 'prior' or 'posterior:<calibration folder>' (got {v!r})")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> OptimiseSpec:
        names = [o.metric for o in self.objectives]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"objectives list {', '.join(dup)} more than once")
        shares = self.share_keys()
        if shares and self.budget is None:
            raise ValueError(f"share variables ({', '.join(shares)}) need a [budget] table with total_yuan")
        if self.budget is not None and not shares:
            raise ValueError("[budget] is set but no variable has share = [low, high] on a "
                             "levers.<lever>.budget_yuan key")
        if shares:
            lows = sum(self.variables[k].share[0] for k in shares)  # type: ignore[index]
            highs = sum(self.variables[k].share[1] for k in shares)  # type: ignore[index]
            if lows > 1.0 + 1e-12:
                raise ValueError(f"the share lower bounds sum to {lows:g} > 1: no allocation fits the budget")
            if self.budget and self.budget.spend == "all" and highs < 1.0 - 1e-12:
                raise ValueError(f"spend = 'all' but the share upper bounds sum to {highs:g} < 1")
        return self

    @property
    def algorithm_name(self) -> str:
        """The algorithm used: NSGA-II for up to 3 objectives, NSGA-III beyond (``auto``)."""
        if self.algorithm.name != "auto":
            return self.algorithm.name
        return "nsga2" if len(self.objectives) <= 3 else "nsga3"

    def share_keys(self) -> list[str]:
        """The ``levers.<lever>.budget_yuan`` keys with a share variable, in spec order."""
        return [k for k, v in self.variables.items() if v.kind == "share"]

    def ensemble_keys(self) -> list[str]:
        """The parameters a prior ensemble varies, in the order of ``parameter_ranges()``."""
        from infosim.data import parameter_ranges

        keys = list(parameter_ranges())
        if self.ensemble_parameters is not None:
            keys = [k for k in keys if any(fnmatch.fnmatchcase(k, p) for p in self.ensemble_parameters)]
        return [k for k in keys if not any(fnmatch.fnmatchcase(k, p) for p in self.ensemble_exclude)]


# --------------------------------------------------------------------------------------------
# Checks that need the model's schema and data files
# --------------------------------------------------------------------------------------------
def check_spec(spec: OptimiseSpec, source: str) -> None:
    """Keys of variables and constants, parameter patterns; SpecError with one line per problem."""
    from infosim.data import parameter_ranges
    from infosim.levers import LEVER_NAMES

    lines = []
    for key, var in spec.variables.items():
        where = f'{source}: key variables."{key}"'
        if not key.startswith("levers."):
            lines.append(f"{where}: decision variables are lever settings (keys under levers.); uncertain "
                         "parameters belong to the ensemble")
            continue
        why = scenario_key_error(key)
        if why:
            lines.append(f"{where}: not a scenario key: {why}")
            continue
        budget, start = BUDGET_KEY.match(key), START_KEY.match(key)
        if var.kind == "share" and (budget is None or budget.group(1) not in LEVER_NAMES):
            lines.append(f"{where}: share = [...] applies to levers.<lever>.budget_yuan keys only")
        if var.kind == "shift" and (start is None or start.group(1) not in LEVER_NAMES):
            lines.append(f"{where}: shift_months = [...] applies to levers.<lever>.start keys only")
        if budget is not None and var.kind != "share":
            lines.append(f"{where}: a lever's budget is chosen as a share of [budget] total_yuan: "
                         "use share = [low, high]")
    for key in spec.constants:
        why = scenario_key_error(key)
        if why:
            lines.append(f'{source}: key constants."{key}": not a scenario key: {why}')
        elif key in spec.variables:
            lines.append(f'{source}: key constants."{key}": is also a decision variable')
    known = list(parameter_ranges())
    for section in ("ensemble_parameters", "ensemble_exclude"):
        for pattern in getattr(spec, section) or []:
            if not any(fnmatch.fnmatchcase(k, pattern) for k in known):
                lines.append(f"{source}: key {section}: {pattern!r} matches no parameter of "
                             f"infosim/data/parameter_ranges.toml (e.g. {known[0]})")
    if spec.ensemble == "prior" and not lines and not spec.ensemble_keys():
        lines.append(f"{source}: key ensemble_parameters: no parameter left to vary")
    if lines:
        raise SpecError("\n".join(lines))


def format_errors(source: str, exc: ValidationError) -> str:
    """One line per problem: ``<file>: key <key>: <message>``."""
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        where = ".".join(f'"{p}"' if isinstance(p, str) and "." in p else str(p) for p in loc) or "(top level)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key; allowed here: {', '.join(_allowed(loc[:-1]))}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif not isinstance(err.get("input"), dict | list) and err["type"] not in ("value_error", "assertion_error"):
            msg += f" (got {err.get('input')!r})"
        lines.append(f"{source}: key {where}: {msg}")
    return "\n".join(dict.fromkeys(lines))


def _allowed(loc: tuple[Any, ...]) -> list[str]:
    """Keys allowed at `loc` of an optimisation spec."""
    node: Any = OptimiseSpec
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        fields = getattr(node, "model_fields", {})
        if part not in fields:
            if node is OptimiseSpec:
                return []
            continue
        ann = fields[part].annotation
        nested = [a for a in _flatten(ann) if hasattr(a, "model_fields")]
        node = nested[0] if nested else None
        if part == "variables" and parts:  # variables."<key>": skip the free key
            parts.pop(0)
        if node is None:
            return []
    return sorted(node.model_fields)


def _flatten(ann: Any) -> list[Any]:
    out = [ann]
    for arg in getattr(ann, "__args__", ()):
        out += _flatten(arg)
    return out


def spec_from_dict(raw: dict[str, Any], source: str = "<spec>") -> OptimiseSpec:
    """Validate an optimisation spec given as a dict; `source` names it in errors.

    Raises:
        SpecError: one line per problem, naming `source` and the key.
    """
    try:
        spec = OptimiseSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(format_errors(source, exc)) from None
    check_spec(spec, source)
    return spec


def load_optimise_spec(path: str | Path, **changes: Any) -> OptimiseSpec:
    """Load an optimisation spec file; `changes` override top-level keys (None leaves a key).

    Keys ``population`` and ``generations`` go to the ``[algorithm]`` table.

    Raises:
        SpecError: naming the file, the key and what is allowed.
    """
    raw = read_spec_file(path)
    algo = {k: changes.pop(k) for k in ("population", "generations") if changes.get(k) is not None}
    if algo:
        raw["algorithm"] = {**raw.get("algorithm", {}), **algo}
    raw.update({k: v for k, v in changes.items() if v is not None})
    return spec_from_dict(raw, str(path) + (" (with options)" if algo or any(v is not None for v in changes.values())
                                            else ""))
