"""What a sensitivity analysis runs: its outcomes, the scenarios they need, the stage-1 Morris
experiment, the stage-2 Sobol' blocks, and what it all costs.

Outcomes are grouped into *blocks* by the scenario they describe (a metric's policy scenario,
a level's scenario). Stage 1 runs every scenario any outcome needs at every Morris point.
Stage 2 runs one Sobol' experiment per block, with only that block's scenarios and the
parameters that mattered for its outcomes in stage 1; the other parameters stay at the
scenario's values.

Every design point and scenario shares the same replicate seeds (common random numbers), so
paired effects are paired and two design points differ only by their parameter values.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infosim.experiments.experiment import Experiment
from infosim.sensitivity.ranges import SampledRange, prior_range, sampling_ranges
from infosim.sensitivity.spec import SensitivitySpec
from infosim.sensitivity.stats import sobol_step

if TYPE_CHECKING:
    from infosim.analysis.policy_effects import PolicyMetric


@dataclass(frozen=True)
class OutcomeDef:
    """One analysed outcome: a paired policy metric, or a level of an outcome in a scenario.

    Attributes:
        id: unique name in tables (``voucher_multiplier``, ``users_5g_network@baseline``, ...).
        label, unit: for tables and figures.
        kind: ``ratio``, ``difference``, ``share`` (metrics) or ``level``.
        scenario: the scenario it describes (its block).
        scenarios: every scenario it needs.
        metric: the policy metric (None for a level).
        outcome: the outcome of a level (None for a metric).
    """

    id: str
    label: str
    unit: str
    kind: str
    scenario: str
    scenarios: tuple[str, ...]
    metric: PolicyMetric | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Block:
    """A stage-2 Sobol' experiment: a scenario's outcomes and the parameters that matter for them.

    Attributes:
        name: the block's scenario.
        scenarios: scenarios run at each point.
        outcomes: ids of its outcomes.
        parameters: the varied parameters, most influential first.
        dropped: parameters selected for an outcome but left out by ``max_params``.
        second_order: whether its design has the second-order rows.
    """

    name: str
    scenarios: tuple[str, ...]
    outcomes: tuple[str, ...]
    parameters: tuple[str, ...]
    dropped: tuple[str, ...] = ()
    second_order: bool = False

    @property
    def folder(self) -> str:
        """Its experiment's folder inside the analysis folder."""
        return "sobol-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name)


def outcome_defs(spec: SensitivitySpec, resolve: Callable[[str], str] = str) -> list[OutcomeDef]:
    """The analysed outcomes of a spec, metrics first.

    Args:
        spec: the spec.
        resolve: scenario entry (name or TOML path) -> the scenario's name.
    """
    from infosim.analysis.policy_effects import METRIC_BY_NAME, METRICS
    from infosim.outcomes import BY_NAME

    entries = spec.metrics if spec.metrics is not None else [m.name for m in METRICS]
    out: list[OutcomeDef] = []
    for entry in entries:
        name = entry if isinstance(entry, str) else entry.name
        m = METRIC_BY_NAME[name]
        scen = None if isinstance(entry, str) else entry.scenario
        base = None if isinstance(entry, str) else entry.baseline
        base = resolve(base or spec.baseline)
        m = m.for_scenario(resolve(scen or m.scenario), base)
        oid = m.name if scen is None else f"{m.name}@{m.scenario}"
        needs = (m.scenario,) if m.kind == "share" else (m.scenario, m.baseline)
        out.append(OutcomeDef(oid, m.label, m.unit, m.kind, m.scenario, needs, metric=m))
    for lv in spec.levels:
        o = BY_NAME[lv.outcome]
        scen = resolve(lv.scenario)
        out.append(OutcomeDef(f"{o.name}@{scen}", f"{o.label} ({scen})", o.unit, "level", scen, (scen,),
                              outcome=o.name))
    ids = [o.id for o in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        from infosim.errors import SpecError

        raise SpecError(f"outcomes listed twice: {', '.join(dup)}")
    return out


def needed_outputs(outcomes: Iterable[OutcomeDef]) -> list[str]:
    """The run outputs the outcomes read (the experiments' ``outputs`` filter)."""
    from infosim.analysis.policy_effects import BREAKDOWN_QUANTITIES, quantity_outcome
    from infosim.outcomes import BY_NAME

    names: list[str] = []
    for o in outcomes:
        if o.metric is not None:
            for q in o.metric.quantities:
                src = quantity_outcome(q)
                names += [src.source] if src is not None else list(BREAKDOWN_QUANTITIES[q][2])
        else:
            names.append(BY_NAME[o.outcome or ""].source)
    return list(dict.fromkeys(names))


def uncertainty(key: str, sampled: SampledRange | None = None) -> dict[str, Any]:
    """The sweep declaration of a parameter: from `sampled`, else from its documented (prior) range."""
    return (sampled or prior_range(key)).declaration()


@dataclass
class SensitivityPlan:
    """The experiments of a spec.

    Attributes:
        spec: the sensitivity spec.
        source: the spec file (relative scenario paths are read from its folder).
        outcomes: the analysed outcomes.
        parameters: the stage-1 parameters (from ``parameter_ranges()`` at run time).
        ranges: each parameter's sampled range (the spec's ``ranges``: prior, or a calibration's
            posterior interval for the calibrated parameters).
    """

    spec: SensitivitySpec
    source: str | Path | None = None
    outcomes: list[OutcomeDef] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)
    ranges: dict[str, SampledRange] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.outcomes:
            self.outcomes = outcome_defs(self.spec, self.resolve)
        if not self.parameters:
            self.parameters = self.spec.parameter_keys()
        if not self.ranges:
            self.ranges = sampling_ranges(self.parameters, self.spec.ranges, self.source)

    @property
    def posterior_parameters(self) -> list[str]:
        """The parameters sampled over a calibration's posterior interval."""
        return [k for k in self.parameters if self.ranges[k].origin == "posterior"]

    def resolve(self, entry: str) -> str:
        """The name of the scenario `entry` names (a scenario name, or a TOML path read from the
        spec file's folder); remembers where to load it from."""
        from infosim.errors import ScenarioError, SpecError
        from infosim.scenario import load_scenario

        ref = entry
        if entry.endswith(".toml") and self.source is not None and not Path(entry).is_absolute():
            near = Path(self.source).parent / entry
            ref = str(near) if near.is_file() else entry
        try:
            name = load_scenario(ref).name
        except ScenarioError as exc:
            raise SpecError(f"{self.source or '<spec>'}: scenario {entry!r}: {exc}") from None
        self.refs.setdefault(name, ref)
        return name

    def check_horizon(self) -> None:
        """Raise SpecError if the runs stop before the horizon."""
        from infosim.calendar import month_label
        from infosim.errors import SpecError
        from infosim.scenario import load_scenario

        if self.spec.horizon == "end":
            return
        for name in self.scenarios:
            sc = load_scenario(self.refs.get(name, name))
            months = self.spec.months or sc.run.months
            last = month_label(months - 1, sc.run.start)
            if last < self.spec.horizon:
                raise SpecError(f"{self.source or '<spec>'}: key months: runs of {name!r} end {last}, before the "
                                f"horizon {self.spec.horizon}; raise months")

    @property
    def scenarios(self) -> list[str]:
        """Every scenario an outcome needs, baseline first."""
        names = [s for o in self.outcomes for s in o.scenarios]
        names = sorted(set(names), key=lambda s: (s != self.spec.baseline, names.index(s)))
        return names

    @property
    def block_names(self) -> list[str]:
        """The blocks' scenarios, in outcome order."""
        return list(dict.fromkeys(o.scenario for o in self.outcomes))

    def replicates(self, stage: str) -> int:
        """Paired replicates per design point in `stage` (``morris`` or ``sobol``)."""
        own = getattr(self.spec, stage).replicates
        return own if own is not None else self.spec.replicates

    def _sweep(self, name: str, scenarios: Iterable[str], design: str, samples: int,
               params: Iterable[str], **options: Any) -> Experiment:
        s = self.spec
        exp = Experiment.sweep(
            name, [self.refs.get(n, n) for n in scenarios],
            uncertainties={k: uncertainty(k, self.ranges.get(k)) for k in params},
            design=design, samples=samples, replicates=self.replicates(design), seed=s.seed,
            households=s.households, months=s.months, constants=dict(s.constants) or None,
            outputs=needed_outputs(self.outcomes), **options,
        )
        return exp

    def morris_experiment(self) -> Experiment:
        """Stage 1: Morris trajectories over every parameter, every needed scenario."""
        m = self.spec.morris
        return self._sweep(f"{self.spec.name}-morris", self.scenarios, "morris", m.trajectories, self.parameters,
                           morris_levels=m.levels)

    def blocks(self, selected: Mapping[str, list[str]], importance: Mapping[str, Mapping[str, float]]) -> list[Block]:
        """Stage-2 blocks from the Morris selection.

        Args:
            selected: outcome id -> parameters selected for it.
            importance: outcome id -> parameter -> normalised mu* (ranks a block's union).

        Returns:
            One block per scenario with at least one selected parameter.
        """
        out = []
        opts = self.spec.sobol
        for name in self.block_names:
            mine = [o for o in self.outcomes if o.scenario == name]
            union = list(dict.fromkeys(k for o in mine for k in selected.get(o.id, [])))
            score = {k: max(importance.get(o.id, {}).get(k, 0.0) for o in mine) for k in union}
            ranked = sorted(union, key=lambda k: -score[k])
            keep = ranked[: self.spec.morris.max_params]
            if not keep:
                continue
            scen = tuple(dict.fromkeys(s for o in mine for s in o.scenarios))
            scen = tuple(sorted(scen, key=lambda s: s != self.spec.baseline))
            second = opts.second_order and 2 <= len(keep) <= opts.second_order_max_params
            out.append(Block(name, scen, tuple(o.id for o in mine), tuple(keep), tuple(ranked[len(keep):]), second))
        return out

    def sobol_experiment(self, block: Block) -> Experiment:
        """Stage 2: the Saltelli design of one block."""
        return self._sweep(f"{self.spec.name}-{block.folder}", block.scenarios, "sobol", self.spec.sobol.samples,
                           block.parameters, sobol_second_order=block.second_order)

    # ------------------------------------------------------------------------------ cost
    def morris_runs(self) -> int:
        """Runs of stage 1."""
        s = self.spec
        return len(self.scenarios) * s.morris.trajectories * (len(self.parameters) + 1) * self.replicates("morris")

    def sobol_runs(self, blocks: Iterable[Block] | None = None) -> int:
        """Runs of stage 2: of the given blocks, or the most it can take (every block at
        ``max_params`` parameters) before stage 1 has selected them."""
        s = self.spec
        if blocks is None:
            k = min(s.morris.max_params, len(self.parameters))
            second = s.sobol.second_order and k <= s.sobol.second_order_max_params
            blocks = [Block(n, tuple(dict.fromkeys(x for o in self.outcomes if o.scenario == n for x in o.scenarios)),
                            (), tuple(self.parameters[:k]), (), second) for n in self.block_names]
        return sum(len(b.scenarios) * s.sobol.samples * sobol_step(len(b.parameters), b.second_order)
                   * self.replicates("sobol") for b in blocks)

    def describe(self) -> str:
        """What the analysis runs, in a few lines."""
        s = self.spec
        lines = [
            f"sensitivity {s.name!r}: {len(self.outcomes)} outcome(s), {len(self.parameters)} parameter(s), "
            f"{len(self.scenarios)} scenario(s) ({', '.join(self.scenarios)}), horizon {s.horizon}, "
            f"{s.households or 'scenario'} households, {s.months or 'scenario'} months, seed {s.seed}",
            f"  stage 1 Morris: {s.morris.trajectories} trajectories x {len(self.parameters) + 1} points x "
            f"{len(self.scenarios)} scenarios x {self.replicates('morris')} paired replicate(s) = "
            f"{self.morris_runs():,} runs",
            f"  stage 2 Sobol': N = {s.sobol.samples}, <= {s.morris.max_params} parameters per block, "
            f"{len(self.block_names)} block(s), {self.replicates('sobol')} paired replicate(s): at most "
            f"{self.sobol_runs():,} runs",
        ]
        post = self.posterior_parameters
        lines.append(f"  ranges: {s.ranges}" + (
            f" ({len(post)} of {len(self.parameters)} parameters over their posterior 5-95% interval: "
            f"{', '.join(k.removeprefix('parameters.') for k in post)}; the others their prior range)"
            if post else " (every parameter over its parameter_ranges() range)"))
        for o in self.outcomes:
            lines.append(f"  outcome {o.id}: {o.label} [{o.unit}] ({' vs '.join(o.scenarios)})")
        return "\n".join(lines)


@dataclass(frozen=True)
class CostEstimate:
    """What an analysis will cost on this machine.

    Attributes:
        runs: simulations.
        seconds_per_run: measured mean time of one run at the spec's scale (this process).
        workers: parallel workers.
        wall_s: estimated wall time (runs x seconds per run / workers, plus store overhead).
    """

    runs: int
    seconds_per_run: float
    workers: int
    wall_s: float

    def line(self, what: str) -> str:
        """One line for the console."""
        return (f"{what}: {self.runs:,} runs x {self.seconds_per_run:.2f} s / {self.workers} worker(s) "
                f"~ {_duration(self.wall_s)}")


#: Time the parent and workers spend per run outside the model (serialising, writing files).
STORE_OVERHEAD_S = 0.05


def time_one_run(plan: SensitivityPlan, scenarios: Iterable[str] | None = None) -> float:
    """Mean seconds of one run of each scenario at the spec's scale, measured now in this process."""
    from infosim.run import run_scenario
    from infosim.scenario import load_scenario

    s = plan.spec
    names = list(scenarios or plan.scenarios)
    run_scenario(load_scenario(plan.refs.get(names[0], names[0])), 0, households=200, months=1)  # warm up
    took = []
    for name in names:
        sc = load_scenario(plan.refs.get(name, name), dict(s.constants) or None)
        t0 = time.perf_counter()
        run_scenario(sc, 0, households=s.households, months=s.months)
        took.append(time.perf_counter() - t0)
    return sum(took) / len(took) + STORE_OVERHEAD_S


def estimate(runs: int, seconds_per_run: float, workers: int) -> CostEstimate:
    """:class:`CostEstimate` of `runs` runs."""
    return CostEstimate(runs, seconds_per_run, workers, runs * seconds_per_run / max(workers, 1))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
