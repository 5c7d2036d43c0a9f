"""Sensitivity specifications: the TOML schema of ``infosim sensitivity SPEC.toml`` and its loader.

A spec names the outcomes (paired policy-effect metrics from
:data:`infosim.analysis.policy_effects.METRICS`, and levels of outcomes in a scenario), the
uncertain parameters (default: every parameter of :func:`infosim.data.parameter_ranges`, read
when the analysis runs), the scale of each run, the replicates per design point, and the
options of the two stages (Morris screening, then Sobol' on what matters) and of the replicate
coverage check. ``docs/sensitivity.md`` documents every key; :class:`SensitivitySpec` too.

Errors are :class:`infosim.errors.SpecError`, one line per problem naming the file and the key.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infosim.errors import SpecError
from infosim.experiments.seeds import MAX_SEED
from infosim.experiments.spec import read_spec_file, scenario_key_error

_STRICT = ConfigDict(extra="forbid", frozen=True)


class MetricEntry(BaseModel):
    """A policy metric, optionally computed for another scenario pair than its default."""

    model_config = _STRICT
    name: str
    scenario: str | None = None
    baseline: str | None = None


class LevelEntry(BaseModel):
    """An outcome level (not an effect) in one scenario at the horizon, e.g. baseline 5G users."""

    model_config = _STRICT
    outcome: str
    scenario: str = "baseline"


class MorrisOptions(BaseModel):
    """Stage 1, Morris screening (SALib): r trajectories of D+1 points each.

    Attributes:
        trajectories: r (10 to 20 is usual; convergence is shown at r/4, r/2, r).
        levels: grid levels.
        select_share: a parameter goes to stage 2 for an outcome when its mu* is at least this
            share of the largest mu* for that outcome.
        max_params: at most this many parameters per stage-2 block (the largest mu* first).
        replicates: paired replicates per point in this stage (default: the spec's).
    """

    model_config = _STRICT
    replicates: int | None = Field(None, ge=1, le=10_000)
    trajectories: int = Field(10, ge=2, le=10_000)
    levels: int = Field(4, ge=2, le=100)
    select_share: float = Field(0.1, gt=0.0, le=1.0)
    max_params: int = Field(6, ge=1, le=100)


class SobolOptions(BaseModel):
    """Stage 2, Sobol' indices (Saltelli design, SALib) of the selected parameters.

    Attributes:
        samples: base sample N, a power of 2 (N*(2k+2) points with second order, N*(k+2) without).
        second_order: compute second-order indices...
        second_order_max_params: ...only for blocks of at most this many parameters (their cost
            is N*k extra points).
        bootstrap: bootstrap resamples of the intervals.
        tolerance: an index has converged when its interval half-width at N and its change
            since N/2 are both at most this.
        replicates: paired replicates per point in this stage (default: the spec's; >= 2
            measures the seed-noise share).
    """

    model_config = _STRICT
    replicates: int | None = Field(None, ge=1, le=10_000)
    samples: int = Field(256, ge=4, le=1_048_576)
    second_order: bool = True
    second_order_max_params: int = Field(6, ge=2, le=100)
    bootstrap: int = Field(1000, ge=50, le=100_000)
    tolerance: float = Field(0.05, gt=0.0, le=1.0)

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, v: int) -> int:
        if v & (v - 1):
            lo = 1 << (v.bit_length() - 1)
            raise ValueError(f"must be a power of 2 (got {v}; try {lo} or {2 * lo})")
        return v


class ReplicateOptions(BaseModel):
    """The coverage check that sets the replicate count (``infosim sensitivity replicates``).

    Attributes:
        pool: replicates run per scenario at the default parameters.
        n: replicate counts checked (each at most pool / 4, so the reference stays precise).
        metrics: metrics checked (names or tables as in ``metrics``; default: the spec's).
        households, months: scale of its runs (default: the spec's).
        permutations: random splits of the pool per n.
        tolerance: intervals count as calibrated unless their coverage is significantly more than
            this below the target.
        min_width_ratio: ... and as reliable when 19 in 20 are at least this share of the typical
            width (see :func:`~infosim.sensitivity.stats.recommended_replicates`).
    """

    model_config = _STRICT
    pool: int = Field(200, ge=8, le=100_000)
    n: list[int] = Field(default_factory=lambda: [2, 3, 5, 10, 20], min_length=1)
    metrics: list[str | MetricEntry] | None = None
    households: int | None = Field(None, ge=100)
    months: int | None = Field(None, ge=1)
    permutations: int = Field(20, ge=1, le=10_000)
    tolerance: float = Field(0.02, ge=0.0, le=1.0)
    min_width_ratio: float = Field(0.5, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _check_n(self) -> ReplicateOptions:
        bad = [n for n in self.n if n < 2 or 4 * n > self.pool]
        if bad:
            raise ValueError(f"n must be between 2 and pool / 4 = {self.pool // 4} (got {bad})")
        return self


class SensitivitySpec(BaseModel):
    """A two-stage global sensitivity analysis of paired policy effects.

    Attributes:
        name: results go to ``results/<name>`` by default.
        description: free text.
        baseline: the scenario effects are paired against (metrics may name another).
        horizon: month ``YYYY-MM`` (or ``end``) at which effects are read.
        seed: root seed; replicate seeds are spawned from it and shared by every design point
            and scenario (common random numbers).
        households, months: scale of every run (months must reach the horizon).
        replicates: paired replicates per design point (>= 2 to measure seed noise); each
            stage may set its own.
        constants: fixed ``key.path = value`` overrides for every run.
        parameters: glob patterns of the parameters to vary (default: all of
            ``infosim.data.parameter_ranges()``, read at run time).
        exclude: glob patterns of parameters not to vary.
        ranges: where the sampled ranges come from: ``prior`` (every parameter's
            ``parameter_ranges()`` range) or ``posterior:<calibration folder>`` (the calibrated
            parameters' weighted posterior 5-95% interval, the others their prior range; the folder
            is read from the spec file's folder, else the working directory).
        metrics: policy metrics (names, or tables with ``name`` and optional ``scenario``,
            ``baseline``); default: every registered metric.
        levels: outcome levels to analyse too (``outcome``, ``scenario``).
        confidence: level of the intervals.
        morris, sobol, replicate_check: stage options.
    """

    model_config = _STRICT
    name: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=120)
    description: str = ""
    baseline: str = "baseline"
    horizon: str = "2021-12"
    seed: int = Field(0, ge=0, le=MAX_SEED)
    households: int | None = Field(None, ge=100)
    months: int | None = Field(None, ge=1)
    replicates: int = Field(2, ge=1, le=10_000)
    constants: dict[str, Any] = Field(default_factory=dict)
    parameters: list[str] | None = Field(None, min_length=1)
    exclude: list[str] = Field(default_factory=list)
    ranges: str = "prior"
    metrics: list[str | MetricEntry] | None = None
    levels: list[LevelEntry] = Field(default_factory=list)
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    morris: MorrisOptions = Field(default_factory=MorrisOptions)
    sobol: SobolOptions = Field(default_factory=SobolOptions)
    replicate_check: ReplicateOptions = Field(default_factory=ReplicateOptions)

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: str) -> str:
        from infosim.calendar import check_horizon

        return check_horizon(v)

    @field_validator("ranges")
    @classmethod
    def _ranges(cls, v: str) -> str:
        from infosim.sensitivity.ranges import posterior_folder

        posterior_folder(v)
        return v

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, v: list[str | MetricEntry] | None) -> list[str | MetricEntry] | None:
        from infosim.analysis.policy_effects import METRIC_BY_NAME

        for entry in v or []:
            name = entry if isinstance(entry, str) else entry.name
            if name not in METRIC_BY_NAME:
                raise ValueError(f"unknown metric {name!r}; known: {', '.join(METRIC_BY_NAME)}")
        return v

    @field_validator("levels")
    @classmethod
    def _known_outcomes(cls, v: list[LevelEntry]) -> list[LevelEntry]:
        from infosim.outcomes import BY_NAME

        for entry in v:
            if entry.outcome not in BY_NAME:
                raise ValueError(f"unknown outcome {entry.outcome!r}; known: {', '.join(BY_NAME)}")
        return v

    def parameter_keys(self) -> list[str]:
        """The varied parameters: those of ``parameter_ranges()`` the patterns select, in its order."""
        from infosim.data import parameter_ranges

        keys = list(parameter_ranges())
        if self.parameters is not None:
            keys = [k for k in keys if any(fnmatch.fnmatchcase(k, p) for p in self.parameters)]
        return [k for k in keys if not any(fnmatch.fnmatchcase(k, p) for p in self.exclude)]


def check_spec(spec: SensitivitySpec, source: str) -> None:
    """Checks that need the data files: parameter patterns, constants' key paths."""
    from infosim.data import parameter_ranges

    lines = []
    known = list(parameter_ranges())
    for section in ("parameters", "exclude"):
        for pattern in getattr(spec, section) or []:
            if not any(fnmatch.fnmatchcase(k, pattern) for k in known):
                lines.append(f"{source}: key {section}: {pattern!r} matches no parameter of "
                             f"infosim/data/parameter_ranges.toml (e.g. {known[0]})")
    if not lines and not spec.parameter_keys():
        lines.append(f"{source}: key parameters: no parameter left to vary")
    for key in spec.constants:
        why = scenario_key_error(key)
        if why:
            lines.append(f'{source}: key constants."{key}": not a scenario key: {why}')
    if lines:
        raise SpecError("\n".join(lines))


def _allowed(loc: tuple[Any, ...]) -> list[str]:
    """Keys allowed at `loc` of a sensitivity spec."""
    node: Any = SensitivitySpec
    for part in loc:
        if isinstance(part, int) or not hasattr(node, "model_fields") or part not in node.model_fields:
            continue
        node = next((a for a in _flatten(node.model_fields[part].annotation) if hasattr(a, "model_fields")), None)
    return sorted(node.model_fields) if node is not None and hasattr(node, "model_fields") else []


def _flatten(ann: Any) -> list[Any]:
    """`ann` and every type inside it (list[str | MetricEntry] -> list, str, MetricEntry, ...)."""
    out = [ann]
    for arg in getattr(ann, "__args__", ()):
        out += _flatten(arg)
    return out


def format_errors(source: str, exc: ValidationError) -> str:
    """One line per problem: ``<file>: key <key>: <message>``."""
    lines = []
    errors = exc.errors()
    # A table given where a name-or-table is allowed: report the table's problem, not "not a string".
    tables = {e["loc"][:2] for e in errors if "MetricEntry" in e["loc"]}
    for err in errors:
        if "str" in err["loc"] and err["loc"][:2] in tables:
            continue
        loc = tuple(p for p in err["loc"] if p not in ("str", "MetricEntry"))
        where = ".".join(str(p) for p in loc) or "(top level)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key; allowed here: {', '.join(_allowed(loc[:-1]))}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif not isinstance(err.get("input"), dict | list) and err["type"] not in ("value_error", "assertion_error"):
            msg += f" (got {err.get('input')!r})"
        lines.append(f"{source}: key {where}: {msg}")
    return "\n".join(dict.fromkeys(lines))


def spec_from_dict(raw: dict[str, Any], source: str = "<spec>") -> SensitivitySpec:
    """Validate a sensitivity spec given as a dict; `source` names it in errors.

    Raises:
        SpecError: one line per problem, naming `source` and the key.
    """
    try:
        spec = SensitivitySpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(format_errors(source, exc)) from None
    check_spec(spec, source)
    return spec


def load_sensitivity_spec(path: str | Path, **changes: Any) -> SensitivitySpec:
    """Load a sensitivity spec file; `changes` override top-level keys (None leaves a key).

    Raises:
        SpecError: naming the file, the key and what is allowed.
    """
    raw = read_spec_file(path)
    raw.update({k: v for k, v in changes.items() if v is not None})
    return spec_from_dict(raw, str(path))
