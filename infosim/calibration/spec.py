"""Calibration specs: which scenario, which parameters with which priors, which targets, how.

A spec is a TOML file (see ``docs/calibration.md``)::

    scenario = "jiangsu_2020"
    targets = "targets.toml"          # relative to this file
    cutoff = "2020-12"                # optional: use only targets dated <= cutoff (time split)
    households = 20000
    seed = 2020

    [parameters."parameters.phones.life_months"]            # prior from parameter_ranges()
    [parameters."parameters.diffusion.bass_q"]
    prior = { dist = "lognormal", median = 0.03, sigma = 0.5, basis = "bass_meta" }

    [abc]
    population_size = 200
    generations = 8
    max_simulations = 5000

:func:`load_calibration` reads it, resolves the scenario, the targets and the priors, and
returns a :class:`Calibration`. Every problem is one line naming the file, the key and what is
allowed (:class:`~infosim.calibration.errors.CalibrationError`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infosim.calibration.errors import CalibrationError, TargetError
from infosim.calibration.priors import Prior, check_args
from infosim.calibration.targets import SPLIT, Target, load_targets, months_needed, select
from infosim.errors import ScenarioError
from infosim.experiments.seeds import MAX_SEED

Month = str
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class AbcSettings(BaseModel):
    """How ABC-SMC runs.

    Attributes:
        population_size: accepted particles per generation.
        generations: most generations. With the default ``stochastic`` distance the temperature
            reaches 1 (exact inference under the Gaussian noise model) in the last one.
        distance: ``stochastic`` (default): pyabc's StochasticAcceptor with an
            IndependentNormalKernel of variance sd**2 per target and an adaptive Temperature;
            ``adaptive_pnorm``: an AdaptivePNormDistance with a MedianEpsilon.
        transition: how each generation proposes particles: ``normal`` (default) from one
            multivariate normal fitted to the weighted population, its covariance times
            ``transition_scaling`` (smooth, so importance weights stay usable with many
            parameters); ``kde``: pyabc's default kernel density estimate around each particle
            (Silverman bandwidth), whose weights degenerate with many parameters and few particles
            (see ``infosim.calibration.transition``).
        transition_scaling: covariance inflation of the ``normal`` transition.
        min_epsilon: stop when epsilon falls below this (``adaptive_pnorm`` only).
        max_simulations: simulation budget; a generation that would exceed it is not completed.
            ``--resume`` may change it and the other stopping rules (:data:`STOPPING_RULES`).
        min_acceptance_rate: stop when a generation's acceptance rate falls below this.
        predictive_draws: posterior draws re-simulated for the posterior-predictive check.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    population_size: int = Field(200, ge=2, le=1_000_000)
    generations: int = Field(8, ge=1, le=1000)
    distance: Literal["stochastic", "adaptive_pnorm"] = "stochastic"
    transition: Literal["normal", "kde"] = "normal"
    transition_scaling: float = Field(1.5, gt=0, le=100)
    min_epsilon: float | None = Field(None, ge=0)
    max_simulations: int | None = Field(None, ge=1)
    min_acceptance_rate: float = Field(0.0, ge=0, le=1)
    predictive_draws: int = Field(100, ge=0, le=100_000)


#: The ABC settings that are pure stopping rules: they decide only when the run stops (pyabc's
#: ``max_total_nr_simulations``, ``min_acceptance_rate``, ``minimum_epsilon``), never what a
#: generation that completes contains, so ``--resume`` may change them. ``generations`` is one only
#: with ``adaptive_pnorm``: with the ``stochastic`` distance pyabc's temperature scheme plans its
#: decay over the generations (``ExpDecayFixedIterScheme``) and forces temperature 1 in the last,
#: so it changes every generation after the first.
STOPPING_RULES = ("max_simulations", "min_acceptance_rate", "min_epsilon")


def stopping_rules(settings: AbcSettings) -> dict[str, Any]:
    """The stopping rules of `settings` (``generations`` included with ``adaptive_pnorm``)."""
    keys = STOPPING_RULES + (("generations",) if settings.distance == "adaptive_pnorm" else ())
    return {k: getattr(settings, k) for k in keys}


def without_stopping_rules(definition: dict[str, Any]) -> dict[str, Any]:
    """`definition` (of :meth:`Calibration.definition`) without its stopping rules."""
    abc = dict(definition.get("spec", {}).get("abc", {}))
    keys = STOPPING_RULES + (("generations",) if abc.get("distance") == "adaptive_pnorm" else ())
    for key in keys:
        abc.pop(key, None)
    return {**definition, "spec": {**definition.get("spec", {}), "abc": abc}} if "spec" in definition else definition


class ParameterEntry(BaseModel):
    """One calibrated parameter: an optional explicit prior and integer flag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prior: dict[str, Any] | None = None
    integer: bool | None = None


class CalibrationSpec(BaseModel):
    """A calibration spec file (see the module docstring and ``docs/calibration.md``).

    Attributes:
        name: calibration name; outputs go to ``<spec folder>/<name>/`` by default.
        description: free text.
        scenario: scenario name or TOML path (relative to the spec file).
        targets: targets file, relative to the spec file.
        cutoff: use only targets dated up to this month (the time-split test).
        split: the last in-sample month of the targets file's date rule (default 2021-12).
        households: household agents per simulation.
        months: months per simulation (default: up to the latest target used).
        seed: root seed; every simulation's seed is spawned from it.
        replicates: simulations per particle (their statistics are averaged).
        constants: fixed ``"key.path" = value`` overrides for every simulation.
        parameters: the calibrated scenario keys (globs allowed in the list form), each with an
            optional prior (default: ``parameter_ranges()``).
        abc: ABC-SMC settings.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=120)
    description: str = ""
    scenario: str
    targets: str
    cutoff: Month | None = Field(None, pattern=_MONTH)
    split: Month = Field(SPLIT, pattern=_MONTH)
    households: int = Field(20_000, ge=100, le=40_000_000)
    months: int | None = Field(None, ge=1, le=240)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    replicates: int = Field(1, ge=1, le=1000)
    constants: dict[str, Any] = Field(default_factory=dict)
    parameters: list[str] | dict[str, ParameterEntry] = Field(..., min_length=1)
    abc: AbcSettings = AbcSettings()


@dataclass
class Calibration:
    """A resolved calibration: the spec with its scenario, targets and priors.

    Attributes:
        spec: the spec (CLI options applied).
        source: the spec file (None for a spec given in Python).
        name: the calibration's name.
        scenario: the resolved scenario (constants, households and months applied).
        scenario_ref: where the scenario was loaded from.
        targets_file: the targets file.
        all_targets: every target of the file.
        targets: the targets used (dated up to the cutoff).
        priors: one per calibrated parameter, in spec order.
        months: months per simulation.
    """

    spec: CalibrationSpec
    source: Path | None
    name: str
    scenario: Any
    scenario_ref: str | Path
    targets_file: Path
    all_targets: list[Target]
    targets: list[Target]
    priors: list[Prior]
    months: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How errors name this calibration."""
        return str(self.source) if self.source else f"calibration {self.name!r}"

    def default_out(self) -> Path:
        """``<spec folder>/<name>`` (``calibration/jiangsu_2020``)."""
        base = self.source.parent if self.source else Path("calibration")
        return base / self.name

    def targets_sha256(self) -> str:
        """SHA-256 of the targets file."""
        return hashlib.sha256(self.targets_file.read_bytes()).hexdigest()

    def definition(self) -> dict[str, Any]:
        """Everything that determines the result (JSON-able); it guards --resume, where only the
        stopping rules (:func:`stopping_rules`) may differ."""
        return {
            "spec": self.spec.model_dump(mode="json"),
            "scenario": self.scenario.model_dump(mode="json"),
            "targets_sha256": self.targets_sha256(),
            "targets": [t.name for t in self.targets],
            "priors": [{"path": p.path, "dist": p.dist, "args": p.args, "integer": p.integer} for p in self.priors],
            "months": self.months,
        }

    def definition_sha256(self) -> str:
        """Hash of :meth:`definition` without the stopping rules: it names the calibration problem,
        and stays the same when a resume raises the budget."""
        text = json.dumps(without_stopping_rules(self.definition()), sort_keys=True, separators=(",", ":"),
                          default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _format_validation(source: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            parent = err["loc"][:-1]
            model: Any = CalibrationSpec
            for part in parent:
                fld = getattr(model, "model_fields", {}).get(part)
                model = fld.annotation if fld is not None else None
            allowed = ", ".join(getattr(model, "model_fields", {})) if model is not None else ""
            lines.append(f"{source}: key {loc}: unknown key; allowed here: {allowed}")
            continue
        msg = err["msg"]
        if err["type"] == "string_pattern_mismatch" and "\\d{4}" in str(err.get("ctx", {}).get("pattern", "")):
            msg = "must be a month written 'YYYY-MM'"
        got = err.get("input")
        lines.append(f"{source}: key {loc}: {msg}" + ("" if isinstance(got, dict | list) else f" (got {got!r})"))
    return "\n".join(dict.fromkeys(lines))


def parse_spec(raw: dict[str, Any], source: str) -> CalibrationSpec:
    """Validate a spec dict; `source` names it in errors."""
    try:
        return CalibrationSpec.model_validate(raw)
    except ValidationError as exc:
        raise CalibrationError(_format_validation(source, exc)) from None


def read_spec(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw contents of a spec file, with its ``extends = "other.toml"`` chain merged in.

    A spec that extends another (a path relative to it) takes every key of the other and
    overrides what it sets itself (tables merge), e.g. the time-split spec is the main spec plus
    ``cutoff`` and ``name``. The other's ``name`` is not inherited.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no such calibration spec") from None
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{path}: not valid TOML: {exc}") from None
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise CalibrationError(f"{path}: key extends: must be the path of another spec file (a string)")
    parent_path = (path.parent / parent).resolve()
    if parent_path in _chain or parent_path == path.resolve():
        raise CalibrationError(f"{path}: key extends: {parent} forms a cycle")
    base = read_spec(parent_path, (*_chain, path.resolve()))
    base.pop("name", None)
    if "parameters" in raw and "parameters" in base and type(raw["parameters"]) is not type(base["parameters"]):
        base.pop("parameters")
    return _merge(base, raw)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` merged into a copy of `base`: tables merge, other values replace."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _expand(parameters: list[str] | dict[str, ParameterEntry], label: str) -> dict[str, ParameterEntry]:
    """The list form (with globs over parameter_ranges()) as a table of entries."""
    from infosim.data import parameter_ranges

    if isinstance(parameters, dict):
        return dict(parameters)
    known = list(parameter_ranges())
    out: dict[str, ParameterEntry] = {}
    for pattern in parameters:
        if any(ch in pattern for ch in "*?["):
            hits = [k for k in known if fnmatch.fnmatchcase(k, pattern)]
            if not hits:
                raise CalibrationError(f"{label}: key parameters: {pattern!r} matches no parameter of "
                                       "parameter_ranges.toml")
            for k in hits:
                out.setdefault(k, ParameterEntry())
        else:
            out.setdefault(pattern, ParameterEntry())
    return out


def _prior(path: str, entry: ParameterEntry, default: Any, label: str) -> Prior:
    from infosim.data import parameter_ranges

    where = f"{label}: key parameters.\"{path}\""
    rng = parameter_ranges().get(path)
    integer = entry.integer if entry.integer is not None else bool(rng and rng.integer)
    dflt = float(default) if isinstance(default, int | float) and not isinstance(default, bool) else None
    if entry.prior is None:
        if rng is None:
            raise CalibrationError(f"{where}: no range in infosim/data/parameter_ranges.toml; give an explicit "
                                   "prior = { dist = ..., basis = ... }")
        dist = "loguniform" if rng.scale == "log" else "uniform"
        return Prior(path, dist, {"low": float(rng.low), "high": float(rng.high)}, rng.basis, integer, dflt)
    spec = dict(entry.prior)
    dist = spec.pop("dist", None)
    basis = spec.pop("basis", None)
    if not isinstance(basis, str) or not basis.strip():
        raise CalibrationError(f"{where}.prior: key basis: missing; state where the prior comes from (a source "
                               "key, or 'assumption: ...')")
    problem = check_args(str(dist), spec)
    if problem:
        raise CalibrationError(f"{where}.prior: {problem}")
    return Prior(path, str(dist), {k: float(v) for k, v in spec.items()}, basis, integer, dflt)


def _check_value(scenario: Any, prior: Prior, label: str) -> None:
    """The prior's quantiles must give valid scenarios (catches wrong keys and impossible values)."""
    from infosim.scenario import apply_overrides

    for q in (0.001, 0.5, 0.999):
        value = prior.quantiles((q,))[0]
        v: Any = int(value) if prior.integer else value
        try:
            apply_overrides(scenario, {prior.path: v})
        except ScenarioError as exc:
            msg = str(exc).splitlines()[0].split(": ", 1)[-1]
            raise CalibrationError(f"{label}: key parameters.\"{prior.path}\": the prior's {q:g} quantile {v!r} is "
                                   f"not a valid scenario value: {msg}") from None


def load_calibration(
    spec: str | Path | CalibrationSpec | dict[str, Any],
    *,
    households: int | None = None,
    particles: int | None = None,
    generations: int | None = None,
    base_dir: str | Path | None = None,
) -> Calibration:
    """Read, check and resolve a calibration spec.

    Args:
        spec: a spec file, a :class:`CalibrationSpec` or its dict.
        households: override the spec's households.
        particles: override ``abc.population_size``.
        generations: override ``abc.generations``.
        base_dir: folder relative paths are read from (default: the spec file's folder, or the
            current folder).

    Returns:
        The resolved :class:`Calibration`.

    Raises:
        CalibrationError: one line naming the file, the key and what is allowed.
    """
    from infosim.scenario import apply_overrides, find_scenario, load_scenario

    source: Path | None = None
    if isinstance(spec, str | Path):
        source = Path(spec)
        raw = read_spec(source)
        label = str(source)
    elif isinstance(spec, CalibrationSpec):
        raw, label = spec.model_dump(mode="python", exclude_none=True), "calibration spec"
    else:
        raw, label = dict(spec), "calibration spec"
    changes: dict[str, Any] = {}
    if households is not None:
        changes["households"] = households
    raw = {**raw, **changes}
    abc_changes = {k: v for k, v in (("population_size", particles), ("generations", generations)) if v is not None}
    if abc_changes:
        raw["abc"] = {**raw.get("abc", {}), **abc_changes}
    parsed = parse_spec(raw, label + (" (with command-line options)" if changes or abc_changes else ""))
    base = Path(base_dir) if base_dir is not None else (source.parent if source else Path.cwd())
    name = parsed.name or (source.stem if source else "calibration")
    if parsed.abc.distance == "stochastic" and parsed.abc.min_epsilon is not None:
        raise CalibrationError(f"{label}: key abc.min_epsilon: only used with distance = 'adaptive_pnorm' (the "
                               "stochastic acceptor stops at temperature 1)")

    # scenario ------------------------------------------------------------------------------
    ref: str | Path = parsed.scenario
    near = base / parsed.scenario
    if parsed.scenario.endswith(".toml") and near.is_file():
        ref = near
    try:
        find_scenario(ref)
        scenario = load_scenario(ref, overrides=dict(parsed.constants))
    except ScenarioError as exc:
        raise CalibrationError(f"{label}: key scenario/constants: {exc}") from None

    # targets -------------------------------------------------------------------------------
    targets_file = base / parsed.targets
    try:
        all_targets = load_targets(targets_file, role="targets", split=parsed.split)
    except TargetError as exc:
        raise CalibrationError(f"{label}: key targets: {exc}") from None
    used = select(all_targets, parsed.cutoff)
    if not used:
        raise CalibrationError(f"{label}: key cutoff: no target of {targets_file} is dated up to {parsed.cutoff}")
    start = scenario.run.start
    try:
        need = months_needed(used, start)
    except TargetError as exc:
        raise CalibrationError(f"{label}: key targets: {exc}") from None
    months = parsed.months or need
    if months < need:
        raise CalibrationError(f"{label}: key months: {months} months from {start} do not reach the latest target "
                               f"({need} needed)")
    try:
        scenario = apply_overrides(scenario, {"run.households": parsed.households, "run.months": months})
    except ScenarioError as exc:
        raise CalibrationError(f"{label}: key households/months: {exc}") from None

    # priors --------------------------------------------------------------------------------
    data = scenario.model_dump(mode="python")
    priors = []
    for path, entry in _expand(parsed.parameters, label).items():
        if path in parsed.constants:
            raise CalibrationError(f"{label}: key parameters.\"{path}\": also set in constants; a key is either "
                                   "fixed or calibrated")
        default = _get_path(data, path)
        if default is None or isinstance(default, dict | list | bool | str):
            raise CalibrationError(f"{label}: key parameters.\"{path}\": not a numeric scenario key")
        prior = _prior(path, entry, default, label)
        _check_value(scenario, prior, label)
        priors.append(prior)
    keys = [p.key for p in priors]
    if len(set(keys)) != len(keys):
        raise CalibrationError(f"{label}: key parameters: two parameters share the internal name "
                               f"{next(k for k in keys if keys.count(k) > 1)!r}")
    return Calibration(parsed, source, name, scenario, ref, targets_file, all_targets, used, priors, months)
