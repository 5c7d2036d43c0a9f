"""Experiment specifications (batches and sweeps): the TOML schema, its loader and its checks.

A sweep spec names base scenarios, the scenario keys to vary — uncertain model parameters
(``[uncertainties."key.path"]``) and policy levers (``[levers."key.path"]``), declared apart as
in EMA Workbench — the design that picks their values, replicates and a root seed. See
``docs/experiments.md`` for the format; :class:`ExperimentSpec` documents every key.

Every error is an :class:`infosim.errors.SpecError` with one line per problem naming the file,
the key and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from infosim.errors import SpecError
from infosim.experiments.params import ParamSpec
from infosim.experiments.seeds import MAX_SEED
from infosim.scenario import Scenario

DesignName = Literal["grid", "lhs", "sobol", "morris"]
SAMPLED_DESIGNS = ("lhs", "sobol", "morris")


class ExperimentSpec(BaseModel):
    """An experiment: scenarios x design points x replicates.

    Attributes:
        name: experiment name; results go to ``results/<name>`` by default.
        description: free text.
        scenarios: base scenario names (from ``scenarios/``) or TOML paths (relative paths are
            read from the spec file's folder).
        design: how points are chosen: ``grid`` (full factorial), ``lhs`` (Latin hypercube,
            scipy.stats.qmc), ``sobol`` (Saltelli scheme, SALib; ``samples`` = base sample N,
            a power of 2, giving N*(2D+2) points, or N*(D+2) without second order) or
            ``morris`` (SALib; ``samples`` = trajectories, giving N*(D+1) points).
        samples: number of samples of a sampled design (not used by ``grid``).
        combine: ``cross`` (default): every combination of the levers' values (a grid) is run
            with every sample of the uncertainties, as EMA Workbench crosses policies with
            scenarios; ``joint``: levers and uncertainties are sampled together by one design.
        replicates: runs per scenario and point, with seeds spawned from ``seed``.
        seed: root seed of the experiment.
        households: household agents per run (default: each scenario's ``run.households``).
        months: months per run (default: each scenario's ``run.months``).
        keep_agents: also store agent-level records and payments (large).
        outputs: keep only these outputs (names or glob patterns such as ``"users_5g*"``);
            matched against time-series columns, summary keys and breakdown metrics.
        constants: fixed ``key.path = value`` overrides for every run (like ``--set``).
        uncertainties: uncertain model parameters to vary, by scenario key path.
        levers: policy levers to vary, by scenario key path.
        sobol_second_order: compute the Saltelli points for second-order indices.
        morris_levels: grid levels of the Morris design.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=120)
    description: str = ""
    scenarios: list[str] = Field(..., min_length=1)
    design: DesignName = "grid"
    samples: int | None = Field(None, ge=1, le=10_000_000)
    combine: Literal["cross", "joint"] = "cross"
    replicates: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    households: int | None = Field(None, ge=100)
    months: int | None = Field(None, ge=1)
    keep_agents: bool = False
    outputs: list[str] | None = Field(None, min_length=1)
    constants: dict[str, Any] = Field(default_factory=dict)
    uncertainties: dict[str, ParamSpec] = Field(default_factory=dict)
    levers: dict[str, ParamSpec] = Field(default_factory=dict)
    sobol_second_order: bool = True
    morris_levels: int = Field(4, ge=2, le=100)

    @model_validator(mode="after")
    def _check_design(self) -> ExperimentSpec:
        both = sorted(set(self.uncertainties) & set(self.levers))
        if both:
            raise ValueError(f"{', '.join(both)} declared both as uncertainty and as lever")
        fixed = sorted(set(self.constants) & (set(self.uncertainties) | set(self.levers)))
        if fixed:
            raise ValueError(f"{', '.join(fixed)} is both a constant and varied")
        if len(set(self.scenarios)) != len(self.scenarios):
            raise ValueError("scenarios are listed more than once")
        sampled = self.sampled_keys()
        if self.design == "grid":
            self._check_grid()
        elif not sampled:
            hint = "declare [uncertainties...]" + (
                " or set combine = 'joint' to sample the levers" if self.levers else ""
            )
            raise ValueError(f"design {self.design!r} has nothing to sample: {hint}")
        elif self.samples is None:
            raise ValueError(f"design {self.design!r} needs 'samples'")
        elif self.design == "sobol" and self.samples & (self.samples - 1):
            lo = 1 << (self.samples.bit_length() - 1)
            raise ValueError(
                f"samples must be a power of 2 for design 'sobol' (got {self.samples}; try {lo} or {2 * lo})"
            )
        if self.combine == "cross" and self.design != "grid":
            bad = [k for k, p in self.levers.items() if not p.gridable]
            if bad:
                raise ValueError(
                    f"levers {', '.join(bad)} need 'values' or 'levels' to be crossed with the "
                    "uncertainty design (or set combine = 'joint')"
                )
        return self

    def _check_grid(self) -> None:
        if self.samples is not None:
            raise ValueError("'samples' is not used by design 'grid' (remove it, or pick lhs/sobol/morris)")
        bad = [k for k, p in self.varied().items() if not p.gridable]
        if bad:
            raise ValueError(f"design 'grid' needs 'values' or 'levels' for {', '.join(bad)}")

    def varied(self) -> dict[str, ParamSpec]:
        """All varied keys: uncertainties first, then levers, in declaration order."""
        return {**self.uncertainties, **self.levers}

    def sampled_keys(self) -> list[str]:
        """Keys placed by the design's sampler (all varied keys for ``combine = 'joint'``)."""
        if self.combine == "joint":
            return list(self.varied())
        return list(self.uncertainties)

    def role(self, key: str) -> str:
        """``uncertainty`` or ``lever``."""
        return "lever" if key in self.levers else "uncertainty"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
def _loc_text(loc: tuple[Any, ...]) -> str:
    parts = []
    for p in loc:
        s = str(p)
        parts.append(f'"{s}"' if "." in s else s)
    return ".".join(parts) or "(top level)"


def format_spec_errors(source: str, exc: ValidationError) -> str:
    """One line per problem: ``<file>: key <key>: <message>``."""
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key; allowed here: {', '.join(_allowed_here(loc[:-1]))}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            got = err.get("input")
            if not isinstance(got, dict) and err["type"] not in ("value_error", "assertion_error"):
                msg += f" (got {got!r})"
        lines.append(f"{source}: key {_loc_text(loc)}: {msg}" if loc else f"{source}: {msg}")
    return "\n".join(lines)


def _allowed_here(loc: tuple[Any, ...]) -> list[str]:
    if not loc:
        return sorted(ExperimentSpec.model_fields)
    if loc[0] in ("uncertainties", "levers"):
        return sorted(ParamSpec.model_fields)
    return []


_FREE_TABLE = object()  # a dict field: any key below it is allowed


def scenario_key_error(key: str) -> str | None:
    """Why `key` is not a scenario key path (None if it is one).

    Walks the :class:`infosim.scenario.Scenario` schema; a table with free keys (a ``dict``
    field such as ``levers.buildout.target_new_stations``) accepts one more part.
    """
    node: Any = Scenario
    parts = key.split(".")
    for i, segment in enumerate(parts):
        where = ".".join(parts[:i]) or "the top level"
        part, _, index = segment.partition("[")  # 'waves[0]' indexes a list (see scenario.key_parts)
        if node is _FREE_TABLE:
            last = i == len(parts) - 1
            return None if last and not index else f"{'.'.join(parts[: i + 1])} is a value, not a table"
        fields = getattr(node, "model_fields", None)
        if fields is None:
            return f"{where} is a value, not a table"
        if part not in fields:
            return f"{part!r} is not a key of {where}; allowed: {', '.join(sorted(fields))}"
        ann = fields[part].annotation
        if index and getattr(ann, "__origin__", None) is not list:
            return f"{'.'.join((*parts[:i], part))} is not a list; only a list takes an index such as [0]"
        node = _child_node(ann)
    return None


def _child_node(ann: Any) -> Any:
    """The schema node below a field: a nested model, a free table, or None for a value."""
    nested = next((a for a in (ann, *getattr(ann, "__args__", ())) if hasattr(a, "model_fields")), None)
    if nested is not None:
        return nested
    return _FREE_TABLE if getattr(ann, "__origin__", None) is dict else None


def check_key_paths(spec: ExperimentSpec, source: str) -> None:
    """Raise SpecError if a constant, uncertainty or lever key is not a scenario key."""
    lines = []
    for section in ("constants", "uncertainties", "levers"):
        for key in getattr(spec, section):
            if key in ("name", "description", "extends"):
                lines.append(f"{source}: key {section}.{_loc_text((key,))}: cannot vary {key!r}")
                continue
            why = scenario_key_error(key)
            if why:
                lines.append(f"{source}: key {section}.{_loc_text((key,))}: not a scenario key: {why}")
    if lines:
        raise SpecError("\n".join(lines))


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------
def spec_from_dict(raw: dict[str, Any], source: str = "<spec>") -> ExperimentSpec:
    """Validate a spec given as a dict; `source` names it in errors.

    Raises:
        SpecError: one line per problem, naming `source` and the key.
    """
    try:
        spec = ExperimentSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(format_spec_errors(source, exc)) from None
    check_key_paths(spec, source)
    return spec


def read_spec_file(path: str | Path) -> dict[str, Any]:
    """Read a spec TOML file; a missing file or bad TOML is a SpecError naming it."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise SpecError(f"{p}: no such spec file") from None
    except IsADirectoryError:
        raise SpecError(f"{p}: is a folder, not a spec file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{p}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{p}: not UTF-8 text (byte at position {exc.start}); spec files are UTF-8 TOML") from None
    except RecursionError:
        raise SpecError(f"{p}: nested too deeply; not a spec file") from None
    except OSError as exc:
        raise SpecError(f"{p}: cannot read: {exc.strerror or exc}") from None
    raw.setdefault("name", p.stem)
    return raw


def load_spec(path: str | Path) -> ExperimentSpec:
    """Load and validate a sweep spec file (the name defaults to the file's stem).

    Raises:
        SpecError: naming the file, the key and what is allowed.
    """
    return spec_from_dict(read_spec_file(path), str(path))
