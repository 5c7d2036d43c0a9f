"""Sensitivity indices of stored sweeps: :func:`sobol_indices`, :func:`morris_indices` — indices of
one summary column of a ``sobol`` / ``morris`` sweep (``infosim sweep``), averaged over replicates
at each point, on the unit scale the design used.

The two-stage analysis of paired policy effects (``infosim sensitivity``) is ``infosim.sensitivity``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from infosim.experiments.results import Results

__all__ = ["morris_indices", "sobol_indices"]


def _block(res: Results, outcome: str, scenario: str | None, policy: int | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Design rows of one scenario and policy (in sampler order) and the mean outcome at each."""
    spec = res.experiment["definition"]["spec"]
    scenarios = list(res.experiment["definition"]["scenarios"])
    if scenario is None:
        if len(scenarios) > 1:
            raise ValueError(f"name the scenario: one of {', '.join(scenarios)}")
        scenario = scenarios[0]
    design = res.design
    policies = sorted(design["policy"].unique())
    if policy is None:
        if len(policies) > 1:
            raise ValueError(f"name the policy (lever combination): one of {policies}")
        policy = int(policies[0])
    rows = design[design["policy"] == policy].sort_values("sample")
    summary = res.summary
    if outcome not in summary.columns:
        raise KeyError(f"{outcome!r} is not a summary output; see Results.summary.columns")
    mine = summary[summary["scenario"] == scenario]
    means = mine.groupby("point")[outcome].mean()
    missing = sorted(set(rows["point"]) - set(means.index))
    if missing:
        raise ValueError(
            f"{len(missing)} design points have no finished run (e.g. point {missing[0]}); "
            f"{spec.get('design')} indices need every point — rerun with --resume"
        )
    return rows, means.loc[rows["point"]].to_numpy(dtype=float)


def _problem(rows: pd.DataFrame) -> tuple[dict[str, Any], np.ndarray]:
    unit_cols = [c for c in rows.columns if c.startswith("unit:")]
    names = [c.removeprefix("unit:") for c in unit_cols]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    return problem, rows[unit_cols].to_numpy(dtype=float)


def sobol_indices(
    res: Results,
    outcome: str,
    *,
    scenario: str | None = None,
    policy: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of `outcome` for each sampled key.

    Args:
        res: results of a ``design = "sobol"`` experiment.
        outcome: a summary column.
        scenario: which scenario (needed if the experiment has several).
        policy: which lever combination (needed if levers were crossed with the design).
        seed: seed of SALib's bootstrap confidence intervals.

    Returns:
        One row per key: ``S1, S1_conf, ST, ST_conf``.
    """
    from SALib.analyze import sobol

    spec = res.experiment["definition"]["spec"]
    if spec.get("design") != "sobol":
        raise ValueError(f"sobol_indices needs a sobol design (this one is {spec.get('design')!r})")
    rows, y = _block(res, outcome, scenario, policy)
    problem, _ = _problem(rows)
    si = sobol.analyze(problem, y, calc_second_order=spec.get("sobol_second_order", True), seed=seed)
    keys = ("S1", "S1_conf", "ST", "ST_conf")
    return pd.DataFrame({k: si[k] for k in keys}, index=pd.Index(problem["names"], name="key"))


def morris_indices(
    res: Results,
    outcome: str,
    *,
    scenario: str | None = None,
    policy: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris elementary-effect statistics of `outcome` for each sampled key.

    Args:
        res: results of a ``design = "morris"`` experiment.
        outcome: a summary column.
        scenario: which scenario (needed if the experiment has several).
        policy: which lever combination (needed if levers were crossed with the design).
        seed: seed of SALib's bootstrap confidence intervals.

    Returns:
        One row per key: ``mu, mu_star, sigma, mu_star_conf`` (effects per unit of the [0, 1]
        design scale).
    """
    from SALib.analyze import morris

    spec = res.experiment["definition"]["spec"]
    if spec.get("design") != "morris":
        raise ValueError(f"morris_indices needs a morris design (this one is {spec.get('design')!r})")
    rows, y = _block(res, outcome, scenario, policy)
    problem, x = _problem(rows)
    si = morris.analyze(problem, x, y, num_levels=spec.get("morris_levels", 4), seed=seed)
    keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    return pd.DataFrame(
        {k: np.asarray(si[k], dtype=float) for k in keys},
        index=pd.Index(problem["names"], name="key"),
    )
