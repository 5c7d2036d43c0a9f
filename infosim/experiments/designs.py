"""Experimental designs: which values of the varied keys each design point uses.

Samplers work on the unit hypercube and each :class:`ParamSpec` maps its coordinate to a value
(inverse CDF), so every design works with lists, ranges and distributions alike:

* ``grid`` — full factorial of the listed values / ``levels`` grid points;
* ``lhs`` — Latin hypercube (``scipy.stats.qmc.LatinHypercube``): ``samples`` points, one in
  each of ``samples`` equal strata of every dimension;
* ``sobol`` — Saltelli's scheme (``SALib.sample.sobol``) for Sobol' indices: N*(2D+2) points
  (N*(D+2) without second-order indices);
* ``morris`` — Morris trajectories (``SALib.sample.morris``): N*(D+1) points.

With ``combine = "cross"`` the levers' grid (the policies) is crossed with the uncertainty
design: point = policy * n_samples + sample.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from infosim.experiments.params import Kind, ParamSpec
from infosim.experiments.seeds import design_seed
from infosim.experiments.spec import ExperimentSpec


@dataclass(frozen=True)
class Design:
    """The design points of an experiment.

    Attributes:
        name: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        keys: varied key paths, uncertainties first, in declaration order.
        roles: key -> ``uncertainty`` or ``lever``.
        kinds: key -> column type of its values.
        points: one dict of key -> value per point (the scenario overrides).
        columns: one dict of key -> stored value per point (labels, lists as JSON text).
        policy: per point, the index of its lever combination (0 if levers are sampled jointly).
        sample: per point, the index of its uncertainty sample.
        unit: unit-hypercube coordinates of the sampled keys per point (None for a grid).
        unit_keys: the keys the columns of ``unit`` belong to.
    """

    name: str
    keys: list[str]
    roles: dict[str, str]
    kinds: dict[str, Kind]
    points: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    policy: list[int]
    sample: list[int]
    unit: np.ndarray | None = None
    unit_keys: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.points)

    @property
    def n_samples(self) -> int:
        """Uncertainty samples per policy."""
        return max(self.sample) + 1 if self.sample else 1

    def problem(self) -> dict[str, Any]:
        """The SALib problem of the sampled keys (on unit bounds, as sampled)."""
        return {
            "num_vars": len(self.unit_keys),
            "names": list(self.unit_keys),
            "bounds": [[0.0, 1.0]] * len(self.unit_keys),
        }

    def table(self) -> pd.DataFrame:
        """One row per point: ``point, policy, sample``, the values, then ``unit:<key>`` columns."""
        columns: dict[str, object] = {"point": range(len(self.points)), "policy": self.policy, "sample": self.sample}
        for key in self.keys:
            columns[key] = [c[key] for c in self.columns]
        if self.unit is not None:
            for j, key in enumerate(self.unit_keys):
                columns[f"unit:{key}"] = self.unit[:, j]
        return pd.DataFrame(columns)  # built at once: inserting ~70 columns one by one fragments the frame


# --------------------------------------------------------------------------------------------
# Unit-hypercube samplers
# --------------------------------------------------------------------------------------------
def lhs_unit(d: int, n: int, seed: int) -> np.ndarray:
    """``n`` Latin-hypercube points in ``[0, 1)^d``."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)


def _unit_problem(d: int) -> dict[str, Any]:
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def sobol_unit(d: int, n: int, seed: int, second_order: bool = True) -> np.ndarray:
    """Saltelli points for Sobol' indices: ``n*(2d+2)`` rows (``n*(d+2)`` without 2nd order)."""
    from SALib.sample import sobol

    return sobol.sample(_unit_problem(d), n, calc_second_order=second_order, seed=seed)


def morris_unit(d: int, n: int, seed: int, levels: int = 4) -> np.ndarray:
    """``n`` Morris trajectories: ``n*(d+1)`` rows on a ``levels``-level grid."""
    from SALib.sample import morris

    return morris.sample(_unit_problem(d), n, num_levels=levels, seed=seed)


def unit_sample(spec: ExperimentSpec, d: int) -> np.ndarray:
    """The unit-hypercube sample of the spec's design for ``d`` sampled keys."""
    n = spec.samples or 1
    seed = design_seed(spec.seed)
    if spec.design == "lhs":
        return lhs_unit(d, n, seed)
    if spec.design == "sobol":
        return sobol_unit(d, n, seed, spec.sobol_second_order)
    if spec.design == "morris":
        return morris_unit(d, n, seed, spec.morris_levels)
    raise ValueError(f"design {spec.design!r} is not a sampled design")


def grid_product(params: Mapping[str, ParamSpec]) -> list[dict[str, Any]]:
    """Full factorial of the parameters' grid values (``[{}]`` when there are none)."""
    keys = list(params)
    grids = [params[k].grid_values() for k in keys]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grids)]


def map_unit(params: Mapping[str, ParamSpec], unit: np.ndarray) -> list[dict[str, Any]]:
    """Values of each unit-hypercube row (columns in the order of `params`)."""
    columns = {k: p.from_unit(unit[:, j]) for j, (k, p) in enumerate(params.items())}
    return [{k: columns[k][i] for k in params} for i in range(unit.shape[0])]


# --------------------------------------------------------------------------------------------
# The design of a spec
# --------------------------------------------------------------------------------------------
def build_design(spec: ExperimentSpec) -> Design:
    """The design points of a spec (deterministic given the spec, including its seed).

    Args:
        spec: a validated experiment spec.

    Returns:
        The :class:`Design`; a spec that varies nothing has one empty point.
    """
    varied = spec.varied()
    unit: np.ndarray | None = None
    unit_keys: list[str] = []
    if spec.design == "grid" and spec.combine == "joint":
        policies, samples = [{}], grid_product(varied)
    elif spec.design == "grid":
        policies, samples = grid_product(spec.levers), grid_product(spec.uncertainties)
    else:
        unit_keys = spec.sampled_keys()
        sampled = {k: varied[k] for k in unit_keys}
        policies = [{}] if spec.combine == "joint" else grid_product(spec.levers)
        unit = unit_sample(spec, len(sampled))
        samples = map_unit(sampled, unit)
    points, policy, sample = [], [], []
    for i, pol in enumerate(policies):
        for j, smp in enumerate(samples):
            merged = {**pol, **smp}
            points.append({k: merged[k] for k in varied})
            policy.append(i)
            sample.append(j)
    if unit is not None:
        unit = np.tile(unit, (len(policies), 1))
    return Design(
        name=spec.design,
        keys=list(varied),
        roles={k: spec.role(k) for k in varied},
        kinds={k: p.kind for k, p in varied.items()},
        points=points,
        columns=[{k: varied[k].column(v) for k, v in p.items()} for p in points],
        policy=policy,
        sample=sample,
        unit=unit,
        unit_keys=unit_keys,
    )
