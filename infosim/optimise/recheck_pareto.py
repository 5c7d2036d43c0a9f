"""Re-evaluate a reported Pareto set with fresh seeds (``infosim optimise recheck RESULTS``).

A search picks the candidates that did best on its seeds, so part of their lead can be seed noise
it selected for (the winner's curse). The recheck runs every policy of the reported Pareto sets,
the reference and the baseline again on the same ensemble draws with *fresh* replicate seeds
(spawned from another stream of the root seed) and asks:

* **estimates**: per policy and objective, the fresh minus the original value, draw by draw —
  does its 95% t interval cover 0? (If the search had not selected for noise, about 5% would not.)
* **ranking**: for every pair of policies and every objective, the fresh paired difference
  (both on the same fresh seeds) — is the original order *significantly reversed* (its 95%
  interval entirely on the other side of 0)? The ranking holds "within its confidence
  intervals" when no more pairs are than the 2.5% a 95% interval reverses by chance between two
  equally good policies (``ranking_holds_strictly``: none is); the share of pairs that are is
  reported, and Kendall's tau of the two rankings per objective;
* **front**: how many policies of the best-on-average set stay non-dominated within it.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.experiments.store import atomic_write_json, atomic_write_parquet
from infosim.optimise.ensemble import Ensemble
from infosim.optimise.evaluate import (
    CPU_KEY,
    EnsembleExperiment,
    combine,
    cpu_seconds,
    needed_outputs,
    objective_values,
    run_ensemble,
    timed_run,
)
from infosim.optimise.robust import Goal, draw_matrix, non_dominated, t_interval
from infosim.optimise.variables import DecisionSpace

#: Extra entropy word of the recheck's replicate seeds (independent of the search's).
RECHECK_STREAM = 0x726563  # "rec"
#: Relative size below which a change is floating-point rounding, not a change.
TOLERANCE = 1e-9


def fresh_seed(root: int, attempt: int = 0) -> int:
    """A root seed for the recheck's replicates, independent of the search's seeds."""
    state = np.random.SeedSequence([root, RECHECK_STREAM, attempt]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def _ensemble(res: Any) -> Ensemble:
    ens = res.meta["definition"]["ensemble"]
    keys = list(ens["keys"])
    kinds = {k: "int" if all(isinstance(p[k], int) for p in ens["points"]) else "float" for k in keys}
    return Ensemble(ens["source"], keys, [dict(p) for p in ens["points"]], kinds)  # type: ignore[arg-type]


def _scenarios(res: Any, policies: list[str]) -> dict[str, Any]:
    """The policies' scenarios, rebuilt from the stored settings (checked against their keys)."""
    import json

    from infosim.errors import InfosimError
    from infosim.scenario import scenario_from_dict

    d = res.meta["definition"]
    base = scenario_from_dict(d["base"], f"{res.path} (base)")
    space = DecisionSpace(res.spec, base, d["total_yuan"])
    cands = res.candidates.set_index("candidate")
    out = {}
    for p in policies:
        if p == res.reference:
            out[p] = scenario_from_dict(d["reference"], f"{res.path} (reference)")
            continue
        c = space.candidate(json.loads(cands.at[p, "settings"]))
        if c.key != cands.at[p, "key"] or c.scenario is None:
            raise InfosimError(f"{res.path}: policy {p} no longer gives the scenario it was evaluated as")
        out[p] = c.scenario.model_copy(update={"name": p})
    return out


def estimate_table(orig: pd.DataFrame, fresh: pd.DataFrame, goals: list[Goal], policies: list[str],
                   level: float = 0.95) -> pd.DataFrame:
    """Per policy and objective: original and fresh means, fresh minus original (paired by draw)
    with its interval, and whether the interval covers 0 (``reproduced``)."""
    rows = []
    for g in goals:
        A, B = draw_matrix(orig, g, policies), draw_matrix(fresh, g, policies)
        for i, p in enumerate(policies):
            d, d_lo, d_hi = t_interval(B[i] - A[i], level)
            f, f_lo, f_hi = t_interval(B[i], level)
            tol = TOLERANCE * max(float(np.nanmax(np.abs(A[i]))), 1.0)
            ok = bool(np.isfinite(d_lo) and d_lo <= tol and d_hi >= -tol)
            rows.append({"policy": p, "objective": g.metric, "original": float(np.nanmean(A[i])), "fresh": f,
                         "fresh_ci_low": f_lo, "fresh_ci_high": f_hi, "change": d, "change_low": d_lo,
                         "change_high": d_hi, "reproduced": ok})
    return pd.DataFrame(rows)


def pair_table(orig: pd.DataFrame, fresh: pd.DataFrame, goals: list[Goal], policies: list[str],
               level: float = 0.95) -> pd.DataFrame:
    """Every pair of policies per objective: the original order and the fresh paired difference."""
    rows = []
    for g in goals:
        A, B = g.sign * draw_matrix(orig, g, policies), g.sign * draw_matrix(fresh, g, policies)
        ma = np.nanmean(A, axis=1)
        for i, j in itertools.combinations(range(len(policies)), 2):
            first, second = (i, j) if ma[i] >= ma[j] else (j, i)
            d, lo, hi = t_interval(B[first] - B[second], level)  # > 0: the original order holds
            tol = TOLERANCE * max(float(np.nanmax(np.abs(A[[first, second]]))), 1.0)
            rows.append({"objective": g.metric, "better": policies[first], "worse": policies[second],
                         "original_diff": float(ma[first] - ma[second]), "fresh_diff": d,
                         "reversed": bool(d < -tol), "significantly_reversed": bool(np.isfinite(hi) and hi < -tol),
                         "significantly_same": bool(np.isfinite(lo) and lo > tol)})
    return pd.DataFrame(rows)


#: Share of pairwise orders a 95% interval reverses "significantly" by chance alone when the two
#: policies are equally good (one tail of the interval): the ranking holds when no more are.
CHANCE_REVERSED = 0.025


def summary(estimates: pd.DataFrame, pairs: pd.DataFrame, orig: pd.DataFrame, fresh: pd.DataFrame,
            goals: list[Goal], front: list[str]) -> dict[str, Any]:
    """How often the re-evaluation disagrees with the search."""
    from scipy.stats import kendalltau

    taus = {}
    for g in goals:
        a = np.nanmean(draw_matrix(orig, g, front), axis=1)
        b = np.nanmean(draw_matrix(fresh, g, front), axis=1)
        taus[g.metric] = float(kendalltau(a, b).statistic) if len(front) > 1 else float("nan")
    signs = np.array([g.sign for g in goals])
    F = -signs * np.column_stack([np.nanmean(draw_matrix(fresh, g, front), axis=1) for g in goals]) if front else \
        np.zeros((0, len(goals)))
    stays = int(non_dominated(F).sum()) if len(front) else 0
    n_est, n_pairs = len(estimates), len(pairs)
    return {
        "estimates": n_est, "not_reproduced": int((~estimates["reproduced"]).sum()) if n_est else 0,
        "not_reproduced_share": float((~estimates["reproduced"]).mean()) if n_est else float("nan"),
        "pairs": n_pairs, "reversed": int(pairs["reversed"].sum()) if n_pairs else 0,
        "significantly_reversed": int(pairs["significantly_reversed"].sum()) if n_pairs else 0,
        "significantly_reversed_share": float(pairs["significantly_reversed"].mean()) if n_pairs else float("nan"),
        "significantly_same": int(pairs["significantly_same"].sum()) if n_pairs else 0,
        "kendall_tau": taus, "front": len(front), "front_still_non_dominated": stays,
        "ranking_holds": bool(n_pairs == 0 or pairs["significantly_reversed"].mean() <= CHANCE_REVERSED),
        "ranking_holds_strictly": bool(n_pairs == 0 or not pairs["significantly_reversed"].any()),
        "chance_reversed_share": CHANCE_REVERSED,
    }


def recheck(
    results: str | Path,
    *,
    replicates: int | None = None,
    seed: int | None = None,
    executor: str | Any = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    run_function: Any = None,
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> dict[str, Any]:
    """Re-evaluate the reported Pareto sets with fresh seeds and compare (see the module docstring).

    Args:
        results: an optimisation folder.
        replicates: seeds per draw (default: the search's).
        seed: root seed of the fresh replicate seeds (default: a stream of the search's root seed
            independent of its replicate seeds).
        executor, workers, scheduler, progress: as for :func:`~infosim.optimise.optimise`.
        run_function: replaces the model run (tests).
        log: where progress lines go.

    Returns:
        The summary (also written to ``<results>/recheck/recheck.json``, with the tables
        ``estimates.parquet`` and ``pairs.parquet``).
    """
    from infosim.optimise.results import load_optimisation
    from infosim.optimise.run import RUNS

    res = load_optimisation(results)
    if not res.finished or res.pareto.empty:
        from infosim.errors import InfosimError

        raise InfosimError(f"{res.path}: the search has not finished (no Pareto set yet); run it to the end first")
    t0 = time.perf_counter()
    spec, d = res.spec, res.meta["definition"]
    goals = [Goal(o.metric, o.direction) for o in spec.objectives]
    policies = list(res.pareto["policy"])
    front = list(res.pareto.loc[res.pareto["pareto_mean"] & (res.pareto["set"] != "reference"), "policy"])
    from infosim.scenario import scenario_from_dict

    baseline = scenario_from_dict(d["baseline"], f"{res.path} (baseline)")
    scenarios = {baseline.name: baseline, **_scenarios(res, policies)}
    root = fresh_seed(spec.seed) if seed is None else seed
    n = replicates or spec.replicates
    timed = run_function is None
    outputs = needed_outputs(g.metric for g in goals) + ([CPU_KEY] if timed else [])
    exp = EnsembleExperiment(f"{spec.name}-recheck", scenarios, _ensemble(res), replicates=n, seed=root,
                             households=spec.households, months=spec.months, outputs=outputs,
                             description="recheck with fresh seeds")
    folder = res.path / "recheck"
    log(f"recheck: {len(policies)} policies (both Pareto sets and the reference) x {len(exp.design)} draws x {n} "
        f"fresh seed(s) (root {root}) + baseline = {exp.n_runs} runs")
    report = run_ensemble(exp, folder / RUNS, executor=executor, workers=workers, scheduler=scheduler,
                          progress=progress, run_function=timed_run if timed else run_function)
    data = combine(folder / RUNS)
    fresh = objective_values(data, [g.metric for g in goals], policies, baseline.name, spec.horizon)
    orig = pd.concat([res.values, res._table("reference")], ignore_index=True)
    estimates = estimate_table(orig, fresh, goals, policies)
    pairs = pair_table(orig, fresh, goals, policies)
    out = summary(estimates, pairs, orig, fresh, goals, front)
    out.update(seed=root, replicates=n, runs=exp.n_runs, runs_done_now=report.done,
               wall_s=round(time.perf_counter() - t0, 1), run_cpu_s=round(cpu_seconds(data), 1),
               policies=len(policies))
    atomic_write_parquet(folder / "estimates.parquet", estimates)
    atomic_write_parquet(folder / "pairs.parquet", pairs)
    atomic_write_parquet(folder / "values.parquet", fresh)
    atomic_write_json(folder / "recheck.json", out)
    log(recheck_line(out))
    return out


def recheck_line(s: dict[str, Any]) -> str:
    """One line: how often the fresh seeds disagree with the search."""
    return (f"recheck: {s['significantly_reversed']} of {s['pairs']} pairwise orders significantly reversed "
            f"({s['significantly_reversed_share']:.1%}), {s['reversed']} reversed within their intervals; "
            f"{s['not_reproduced']} of {s['estimates']} estimates outside the fresh interval "
            f"({s['not_reproduced_share']:.1%}); {s['front_still_non_dominated']} of {s['front']} best-on-average "
            f"policies still non-dominated; ranking {'holds' if s['ranking_holds'] else 'does NOT hold'} (at most "
            f"{s['chance_reversed_share']:.1%} of orders reversed, what noise reverses between equal policies)")
