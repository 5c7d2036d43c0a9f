"""An experiment definition and its plan: which runs (scenario, design point, replicate, seed).

:class:`Experiment` wraps a validated :class:`ExperimentSpec` with where it came from. It
resolves the base scenarios, builds the design, and yields light :class:`RunRecord` rows (for
the manifest) and, one at a time, heavy :class:`RunTask` objects (with the resolved scenario)
for the executors — the plan is never materialised as a list of scenarios.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from infosim.errors import ScenarioError, SpecError
from infosim.experiments.designs import Design, build_design
from infosim.experiments.params import Kind, ParamSpec
from infosim.experiments.seeds import replicate_seeds
from infosim.experiments.spec import ExperimentSpec, load_spec, read_spec_file, spec_from_dict
from infosim.scenario import Scenario, apply_overrides, load_scenario
from infosim.scenario.loader import normalise_overrides
from infosim.scenario.search import is_name, resolve_reference


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces) used for hashing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def sha256_json(obj: Any) -> str:
    """SHA-256 hex digest of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "x"


#: Column names the varied keys must not take (ids, manifest and long-table columns).
RESERVED_COLUMNS = frozenset(
    {
        "index", "run_id", "scenario", "point", "policy", "sample", "replicate", "seed", "arm", "month",
        "metric", "value", "dimension", "group", "lever", "city", "recipient", "yuan", "product", "kind",
        "agent_id", "status", "started_at", "finished_at", "duration_s", "worker", "error_type", "error",
        "scenario_sha256", "session", "numerics",
    }
)  # fmt: skip


def _plain(text: str) -> str:
    name = re.sub(r"[^0-9a-z_]+", "_", text.lower()).strip("_") or "key"
    return f"k_{name}" if name[0].isdigit() else name


def column_names(keys: Iterable[str]) -> dict[str, str]:
    """A plain column name for each varied scenario key (usable in SQL without quotes).

    The key path without its first part (``run``, ``parameters`` or ``levers``), lower case,
    with every other character than letters, digits and ``_`` turned into ``_``:
    ``levers.vouchers.budget_yuan`` -> ``vouchers_budget_yuan``,
    ``levers.vouchers.waves[0].face_value_yuan`` -> ``vouchers_waves_0_face_value_yuan``. If that
    name is reserved (an id or table column) or already taken, the whole path is used
    (``levers_vouchers_budget_yuan``), then a numbered suffix.

    Returns:
        key -> column name, in the order of `keys`.
    """
    out: dict[str, str] = {}
    taken = set(RESERVED_COLUMNS)
    for key in keys:
        head, _, rest = key.partition(".")
        candidates = [_plain(rest if rest and head in ("run", "parameters", "levers") else key), _plain(key)]
        name = next((c for c in candidates if c not in taken), None)
        if name is None:
            n = 2
            while f"{candidates[-1]}_{n}" in taken:
                n += 1
            name = f"{candidates[-1]}_{n}"
        out[key] = name
        taken.add(name)
    return out


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One planned run (light: ids and varied values only)."""

    index: int
    run_id: str
    scenario: str
    point: int
    policy: int
    sample: int
    replicate: int
    seed: int
    params: dict[str, Any]
    values: dict[str, Any]

    def ids(self) -> dict[str, Any]:
        """The run's identifying columns: index, run_id, scenario, point, policy, sample, replicate, seed."""
        return {
            "index": self.index,
            "run_id": self.run_id,
            "scenario": self.scenario,
            "point": self.point,
            "policy": self.policy,
            "sample": self.sample,
            "replicate": self.replicate,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class RunTask:
    """Everything a worker needs to execute one run (picklable, self-contained).

    The resolved scenario travels with the task, so workers need no scenario files.
    """

    record: RunRecord
    scenario_data: dict[str, Any]
    scenario_sha256: str
    kinds: dict[str, Kind]
    households: int | None = None
    months: int | None = None
    keep_agents: bool = False
    outputs: tuple[str, ...] | None = None
    source: str = "<experiment>"
    columns: tuple[tuple[str, str], ...] = ()

    @property
    def run_id(self) -> str:
        """The run's id (also its file name in the store)."""
        return self.record.run_id


class Experiment:
    """A batch or sweep: scenarios x design points x replicates.

    Build one with :meth:`batch`, :meth:`sweep` or :meth:`from_toml`; run it with
    :func:`infosim.experiments.run_experiment`.

    Example:
        >>> exp = Experiment.batch(["baseline", "jiangsu_2020"], replicates=5, seed=42)
        >>> exp.n_runs
        10
    """

    def __init__(self, spec: ExperimentSpec, *, source: str | Path | None = None, kind: str = "sweep"):
        """Wrap a validated spec.

        Args:
            spec: the experiment spec.
            source: the spec file it was read from (names it in errors; relative scenario
                paths are read from its folder).
            kind: ``batch`` or ``sweep`` (informational).
        """
        self.spec = spec
        self.source = Path(source) if source is not None else None
        self.kind = kind

    # ---------------------------------------------------------------------------- constructors
    @classmethod
    def batch(
        cls,
        scenarios: Iterable[str | Path],
        replicates: int = 1,
        seed: int = 0,
        *,
        households: int | None = None,
        months: int | None = None,
        overrides: Iterable[str] | Mapping[str, Any] | None = None,
        keep_agents: bool = False,
        outputs: list[str] | None = None,
        name: str | None = None,
    ) -> Experiment:
        """Scenarios side by side, each with the same replicate seeds.

        Args:
            scenarios: scenario names or TOML paths.
            replicates: runs per scenario.
            seed: root seed.
            households: household agents per run (default: the scenario's).
            months: months per run (default: the scenario's).
            overrides: ``key.path=value`` strings or a dict, applied to every scenario.
            keep_agents: also store agent-level records and payments.
            outputs: keep only these outputs (names or glob patterns).
            name: experiment name (default ``batch-<scenario>-<scenario>...``).

        Returns:
            The experiment.
        """
        scen = [str(s) for s in scenarios]
        if not scen:
            raise SpecError("batch: name at least one scenario")
        default = "batch-" + "-".join(_safe_name(Path(s).stem) for s in scen)
        if len(default) > 80:
            default = f"batch-{len(scen)}-scenarios-{sha256_json(scen)[:8]}"
        raw: dict[str, Any] = {
            "name": name or default,
            "scenarios": scen,
            "replicates": replicates,
            "seed": seed,
            "households": households,
            "months": months,
            "keep_agents": keep_agents,
            "outputs": outputs,
            "constants": _overrides_dict(overrides),
        }
        spec = spec_from_dict({k: v for k, v in raw.items() if v is not None}, "batch")
        return cls(spec, kind="batch")

    @classmethod
    def sweep(
        cls,
        name: str,
        scenarios: Iterable[str | Path],
        *,
        uncertainties: Mapping[str, Mapping[str, Any] | ParamSpec] | None = None,
        levers: Mapping[str, Mapping[str, Any] | ParamSpec] | None = None,
        design: str = "grid",
        samples: int | None = None,
        replicates: int = 1,
        seed: int = 0,
        **options: Any,
    ) -> Experiment:
        """A sweep defined in Python (the same keys as a spec file).

        Args:
            name: experiment name.
            scenarios: base scenario names or TOML paths.
            uncertainties: key path -> ``{"range": [lo, hi]}`` / ``{"values": [...]}`` / ...
            levers: key path -> the same forms, for policy levers.
            design: ``grid``, ``lhs``, ``sobol`` or ``morris``.
            samples: samples of a sampled design.
            replicates: replicates per scenario and point.
            seed: root seed.
            **options: other spec keys (``combine``, ``constants``, ``households``, ``months``,
                ``outputs``, ``keep_agents``, ``sobol_second_order``, ``morris_levels``).

        Returns:
            The experiment.
        """

        def dump(params: Mapping[str, Any] | None) -> dict[str, Any]:
            return {
                k: (v.model_dump(exclude_none=True) if isinstance(v, ParamSpec) else dict(v))
                for k, v in (params or {}).items()
            }

        raw = {
            "name": name,
            "scenarios": [str(s) for s in scenarios],
            "design": design,
            "samples": samples,
            "replicates": replicates,
            "seed": seed,
            "uncertainties": dump(uncertainties),
            "levers": dump(levers),
            **options,
        }
        spec = spec_from_dict({k: v for k, v in raw.items() if v is not None}, f"sweep {name!r}")
        return cls(spec, kind="sweep")

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Iterable[str] | Mapping[str, Any] | None = None) -> Experiment:
        """Read a sweep spec file; `overrides` (``--set``) join its ``constants``."""
        if not overrides:
            return cls(load_spec(path), source=path, kind="sweep")
        raw = read_spec_file(path)
        raw["constants"] = {**raw.get("constants", {}), **_overrides_dict(overrides)}
        return cls(spec_from_dict(raw, f"{path} (with --set overrides)"), source=path, kind="sweep")

    def with_options(self, *, overrides: Iterable[str] | Mapping[str, Any] | None = None, **changes: Any) -> Experiment:
        """A copy with spec keys changed (e.g. ``replicates=10, households=20_000``).

        ``None`` values leave a key as it is; `overrides` join the ``constants``.
        """
        raw = self.spec.model_dump(exclude_none=True)
        raw.update({k: v for k, v in changes.items() if v is not None})
        if overrides:
            raw["constants"] = {**raw.get("constants", {}), **_overrides_dict(overrides)}
        return Experiment(spec_from_dict(raw, self.label), source=self.source, kind=self.kind)

    # ------------------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.spec.name

    @property
    def label(self) -> str:
        """How errors name this experiment: its spec file, or ``batch`` / ``sweep 'name'``."""
        return str(self.source) if self.source else (self.kind if self.kind == "batch" else f"sweep {self.name!r}")

    @cached_property
    def design(self) -> Design:
        """The design points."""
        return build_design(self.spec)

    @cached_property
    def seeds(self) -> list[int]:
        """Replicate seeds (the same for every scenario and point)."""
        return replicate_seeds(self.spec.seed, self.spec.replicates)

    @cached_property
    def base_scenarios(self) -> dict[str, Scenario]:
        """Resolved base scenarios by name (constants, households and months applied)."""
        over = dict(self.spec.constants)
        if self.spec.households is not None:
            over["run.households"] = self.spec.households
        if self.spec.months is not None:
            over["run.months"] = self.spec.months
        out: dict[str, Scenario] = {}
        for entry in self.spec.scenarios:
            try:
                scenario = load_scenario(self.scenario_ref(entry), overrides=over)
            except ScenarioError as exc:
                raise SpecError(f"{self.label}: key scenarios ({entry}): {exc}") from None
            if scenario.name in out:
                raise SpecError(f"{self.label}: key scenarios: two entries are named {scenario.name!r}")
            out[scenario.name] = scenario
        return out

    def scenario_ref(self, entry: str) -> str | Path:
        """Where a `scenarios` entry is loaded from: a name (the search path), or a path.

        A path in a spec file is read from the spec's folder and, like a scenario's `extends`,
        must stay inside it or the scenario search path (``--allow-outside-paths`` lifts this):
        a spec file from someone else cannot make infosim read other files.
        """
        if self.source is None or is_name(entry):
            return entry
        return resolve_reference(entry, self.source, "scenarios")

    @cached_property
    def columns(self) -> dict[str, str]:
        """Varied key -> its plain column name in the stored tables (see :func:`column_names`)."""
        return column_names(self.design.keys)

    @property
    def n_runs(self) -> int:
        """Number of runs: scenarios x points x replicates."""
        return len(self.spec.scenarios) * len(self.design) * self.spec.replicates

    # ------------------------------------------------------------------------------------ plan
    def records(self) -> Iterator[RunRecord]:
        """The planned runs, replicate by replicate (so a half-done sweep has whole replicates)."""
        design, names = self.design, list(self.base_scenarios)
        wp = max(3, len(str(len(design) - 1)))
        wr = max(2, len(str(self.spec.replicates - 1)))
        index = 0
        for rep, seed in enumerate(self.seeds):
            for point, params in enumerate(design.points):
                for name in names:
                    run_id = f"{_safe_name(name)}-p{point:0{wp}d}-r{rep:0{wr}d}"
                    yield RunRecord(
                        index,
                        run_id,
                        name,
                        point,
                        design.policy[point],
                        design.sample[point],
                        rep,
                        seed,
                        params,
                        design.columns[point],
                    )
                    index += 1

    def task(self, record: RunRecord) -> RunTask:
        """The self-contained task of a planned run (its scenario resolved)."""
        scenario = self.base_scenarios[record.scenario]
        if record.params:
            scenario = apply_overrides(scenario, record.params)
        data = scenario.model_dump(mode="json")
        return RunTask(
            record=record,
            scenario_data=data,
            scenario_sha256=sha256_json(data),
            kinds=dict(self.design.kinds),
            households=self.spec.households,
            months=self.spec.months,
            keep_agents=self.spec.keep_agents,
            outputs=tuple(self.spec.outputs) if self.spec.outputs else None,
            source=self.label,
            columns=tuple(self.columns.items()),
        )

    def tasks(self, skip: set[str] | frozenset[str] = frozenset()) -> Iterator[RunTask]:
        """Tasks of the planned runs not in `skip`, built lazily."""
        for record in self.records():
            if record.run_id not in skip:
                yield self.task(record)

    def validate(self) -> None:
        """Check every design point gives a valid scenario; SpecError naming the key if not."""
        bases = self.base_scenarios
        for point, params in enumerate(self.design.points):
            if not params:
                continue
            for name, base in bases.items():
                try:
                    apply_overrides(base, params)
                except ScenarioError as exc:
                    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
                    raise SpecError(
                        f"{self.label}: design point {point} ({shown}) is not valid for scenario "
                        f"{name!r}: {str(exc).split(': ', 1)[-1]}; narrow the range, or give a "
                        "distribution a range = [low, high] to truncate it"
                    ) from None

    def plan_table(self) -> pd.DataFrame:
        """The planned runs as a DataFrame (ids, seed and one column per varied key)."""
        cols = self.columns
        rows = [{**r.ids(), **{cols[k]: v for k, v in r.values.items()}} for r in self.records()]
        return pd.DataFrame(rows)

    def design_table(self) -> pd.DataFrame:
        """The design points with plain column names (``unit:<key>`` coordinates keep the key)."""
        return self.design.table().rename(columns=self.columns)

    def definition(self) -> dict[str, Any]:
        """What determines the results: spec, resolved base scenarios, design points (JSON)."""
        return {
            "kind": self.kind,
            "spec": self.spec.model_dump(mode="json", exclude_none=True),
            "scenarios": {n: s.model_dump(mode="json") for n, s in self.base_scenarios.items()},
            "design_sha256": sha256_json(self.design.points),
            "seeds": self.seeds,
            "columns": {column: key for key, column in self.columns.items()},
        }

    def describe(self) -> str:
        """One paragraph: scenarios x points x replicates = runs, and what varies."""
        spec, design = self.spec, self.design
        lines = [
            f"{self.kind} {self.name!r}: {len(spec.scenarios)} scenario(s) x "
            f"{len(design)} point(s) x {spec.replicates} replicate(s) = {self.n_runs} runs "
            f"(design {spec.design}, seed {spec.seed})"
        ]
        for key, p in spec.varied().items():
            lines.append(f"  {spec.role(key):<11} {key}: {p.describe()}")
        for key, value in spec.constants.items():
            lines.append(f"  constant    {key} = {value!r}")
        return "\n".join(lines)


def _overrides_dict(overrides: Iterable[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        return dict(overrides)
    try:
        return normalise_overrides(overrides)
    except ScenarioError as exc:
        raise SpecError(str(exc)) from None
