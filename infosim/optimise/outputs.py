"""What a finished search writes: robustness metrics, the Pareto sets, the comparison with the
reference policy, figures, and the chosen policies as scenario files."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.experiments.store import atomic_write_bytes, atomic_write_parquet
from infosim.optimise.robust import choose, paired_comparison, pareto_flags, robustness_table
from infosim.optimise.variables import variable_label
from infosim.optimise.writeback import extends_reference, write_scenario

#: The ``set`` column of the Pareto table.
BOTH, MEAN_ONLY, ROBUST_ONLY, REFERENCE = "both", "best on average", "never bad", "reference"


def candidate_flags(robust: pd.DataFrame, goals: list[Any], pool: list[str], reference: str) -> pd.DataFrame:
    """Pareto flags of the candidates among themselves; the reference is flagged as on a front
    when no candidate beats it there (it never removes a candidate from a front)."""
    cands = [n for n in pool if n != reference]
    flags = pareto_flags(robust, goals, cands) if cands else pd.DataFrame(
        columns=["candidate", "pareto_mean", "pareto_robust"])
    if reference in pool:
        with_ref = pareto_flags(robust, goals, pool).set_index("candidate")
        row = pd.DataFrame({"candidate": [reference], "pareto_mean": [bool(with_ref.at[reference, "pareto_mean"])],
                            "pareto_robust": [bool(with_ref.at[reference, "pareto_robust"])]})
        flags = pd.concat([flags, row], ignore_index=True)
    return flags.astype({"pareto_mean": bool, "pareto_robust": bool})


def pareto_table(opt: Any, robust: pd.DataFrame, flags: pd.DataFrame, chosen: dict[str, list[str]],
                 files: dict[str, str]) -> pd.DataFrame:
    """One row per policy of either Pareto set (and the reference): settings, objectives with
    their robustness metrics, which set, why chosen and its scenario file."""
    plan = opt.plan
    ref = plan.reference_name
    keep = flags[flags["pareto_mean"] | flags["pareto_robust"] | (flags["candidate"] == ref)]
    settings = {r.name: r.candidate.values for r in opt.archive.values() if r.candidate.valid}
    settings[ref] = plan.space.settings_of(plan.reference)
    gens = {r.name: r.generation for r in opt.archive.values()}
    rows = []
    for f in keep.itertuples(index=False):
        name = f.candidate
        kind = REFERENCE if name == ref else BOTH if f.pareto_mean and f.pareto_robust else (
            MEAN_ONLY if f.pareto_mean else ROBUST_ONLY)
        row: dict[str, Any] = {"policy": name, "set": kind, "pareto_mean": bool(f.pareto_mean),
                               "pareto_robust": bool(f.pareto_robust), "generation": gens.get(name, -1),
                               "chosen": "; ".join(chosen.get(name, [])), "scenario_file": files.get(name, "")}
        for key, col in plan.columns.items():
            v = settings[name].get(key)
            row[col] = json.dumps(v) if isinstance(v, list | dict) else v
        mine = robust[robust["candidate"] == name].set_index("objective")
        for g in plan.goals:
            for stat in ("mean", "ci_low", "ci_high", "low", "regret_mean", "regret_max"):
                row[f"{g.metric}_{stat}"] = float(mine.at[g.metric, stat])
        rows.append(row)
    out = pd.DataFrame(rows)
    first = plan.goals[0]
    order = out[f"{first.metric}_mean"] * -first.sign
    return out.assign(_o=order, _r=out["set"] == REFERENCE).sort_values(["_r", "_o"]).drop(columns=["_o", "_r"]) \
        .reset_index(drop=True)


def _header(opt: Any, name: str, reasons: list[str], file_name: str, robust: pd.DataFrame) -> str:
    from infosim.analysis.policy_effects import METRIC_BY_NAME

    spec, plan = opt.spec, opt.plan
    src = plan.source.as_posix() if plan.source is not None else f"spec {spec.name!r}"
    objectives = []
    for g in plan.goals:
        r = robust[(robust["candidate"] == name) & (robust["objective"] == g.metric)].iloc[0]
        m = METRIC_BY_NAME[g.metric]
        scale = m.scale if m.scale != 1.0 else 1.0
        unit = m.scale_label or m.unit
        objectives.append(f"{g.metric} ({g.direction}) {r['mean'] / scale:.4g} {unit} [95% CI "
                          f"{r['ci_low'] / scale:.4g}, {r['ci_high'] / scale:.4g}]")
    lever_constants = {k: v for k, v in spec.constants.items() if k.startswith("levers.")}
    other = [k for k in spec.constants if not k.startswith("levers.")]
    also = f" (and the spec constants {', '.join(lever_constants)})" if lever_constants else ""
    text = (
        f"{file_name}: found by `infosim optimise {src}` on {time.strftime('%Y-%m-%d')} (policy {name} of "
        f"{opt.out.as_posix()}): {'; '.join(reasons)}.\n"
        f"Search: {spec.algorithm_name.upper()}, {spec.algorithm.population} candidates x "
        f"{spec.algorithm.generations} generations, each evaluated on {spec.draws} {spec.ensemble} parameter draws x "
        f"{spec.replicates} seed(s) at {spec.households or 'scenario'} households to {spec.horizon}, paired with "
        f"{plan.baseline.name!r} (root seed {spec.seed}).\n"
        f"Objectives, mean over the draws: {'; '.join(objectives)}.\n"
        f"Only the decision variables are set here{also}; "
        f"everything else comes from {plan.base.name!r}."
        + (f" Evaluated with constants not written here (not policy): {', '.join(other)}." if other else "")
    )
    return text


def write_scenarios(opt: Any, chosen: list[tuple[str, list[str]]], robust: pd.DataFrame,
                    folder: str | Path | None) -> dict[str, str]:
    """Write the chosen policies as ``<folder>/<name>_<k>.toml``; returns policy -> file."""
    spec, plan = opt.spec, opt.plan
    if spec.write_back.policies == "none" or not chosen:
        return {}
    folder = Path(folder if folder is not None else spec.write_back.folder)
    by_name = {r.name: r.candidate for r in opt.archive.values() if r.candidate.valid}
    extends = extends_reference(plan.base_ref, plan.base.name, folder)
    lever_constants = {k: v for k, v in spec.constants.items() if k.startswith("levers.")}
    files = {}
    for k, (name, reasons) in enumerate(chosen):
        cand = by_name[name]
        scen_name = f"{spec.name}_{k}"
        path = folder / f"{scen_name}.toml"
        settings = {**lever_constants, **cand.overrides}
        description = f"Policy {name} of the optimisation {spec.name}: {'; '.join(reasons)}."
        write_scenario(path, name=scen_name, description=description, extends=extends, settings=settings,
                       header=_header(opt, name, reasons, path.name, robust))
        files[name] = path.as_posix()
    return files


def write_outputs(opt: Any, scenarios_out: str | Path | None = None) -> dict[str, Any]:
    """Robustness, Pareto sets, comparison with the reference, figures and scenario files.

    Returns:
        A summary (also stored in ``optimisation.json`` under ``results``).
    """
    from infosim.optimise import plots

    plan, spec = opt.plan, opt.spec
    values = pd.concat([opt.values, opt.reference_values], ignore_index=True)
    valid = [r.name for r in opt.archive.values() if r.candidate.valid and r.name]
    names = [*valid, plan.reference_name]
    robust = robustness_table(values, plan.goals, names, spec.robustness.percentile)
    defined = robust.groupby("candidate")["low"].apply(lambda s: bool(np.isfinite(s).all()))
    pool = [n for n in names if defined.get(n, False)]
    robust = robustness_table(values, plan.goals, pool, spec.robustness.percentile)
    flags = candidate_flags(robust, plan.goals, pool, plan.reference_name)
    chosen_list = choose(robust, flags[flags["candidate"] != plan.reference_name], plan.goals)
    if spec.write_back.policies == "pareto":
        front = list(flags.loc[flags["pareto_mean"] & (flags["candidate"] != plan.reference_name), "candidate"])
        why = dict(chosen_list)
        chosen_list = [(n, why.get(n, ["on the best-on-average Pareto front"])) for n in front]
    files = write_scenarios(opt, chosen_list, robust, scenarios_out)
    table = pareto_table(opt, robust, flags, dict(chosen_list), files)
    members = [p for p in table["policy"] if p != plan.reference_name]
    comparison = paired_comparison(values, plan.goals, members, plan.reference_name) if members else pd.DataFrame()
    out = opt.out
    atomic_write_parquet(out / "robustness.parquet", robust.merge(flags, on="candidate", how="left"))
    atomic_write_parquet(out / "pareto.parquet", table)
    atomic_write_bytes(out / "pareto.csv", table.to_csv(index=False).encode())
    atomic_write_bytes(out / "pareto.md", (pareto_markdown(opt, table) + "\n").encode())
    if len(comparison):
        atomic_write_parquet(out / "comparison.parquet", comparison)
    figs = plots.write_figures(opt, table, robust, flags, out / "figures")
    summary = {
        "evaluated": len(valid), "invalid": sum(1 for r in opt.archive.values() if not r.candidate.valid),
        "undefined": len(valid) - len([n for n in pool if n != plan.reference_name]),
        "pareto_mean": int(flags["pareto_mean"].sum()), "pareto_robust": int(flags["pareto_robust"].sum()),
        "reference_on_front": bool(flags.loc[flags["candidate"] == plan.reference_name, "pareto_mean"].any()),
        "chosen": [{"policy": n, "reasons": r, "file": files.get(n, "")} for n, r in chosen_list],
        "figures": figs,
    }
    opt.meta["results"] = summary
    opt.save_meta()
    opt.log(f"{len(valid)} candidates evaluated; best-on-average front {summary['pareto_mean']}, never-bad front "
            f"{summary['pareto_robust']}; reference {plan.reference_name} "
            f"{'is' if summary['reference_on_front'] else 'is not'} on the front; wrote {len(files)} scenario file(s)")
    return summary


def pareto_markdown(opt: Any, table: pd.DataFrame, max_rows: int | None = None) -> str:
    """The Pareto table as Markdown: settings and objective means with 95% intervals."""
    from infosim.analysis.formatting import markdown_table

    return markdown_table(display_table(opt.plan, table, max_rows))


def display_table(plan: Any, table: pd.DataFrame, max_rows: int | None = None) -> pd.DataFrame:
    """Readable columns: policy, set, settings (shares in %), objectives ``mean [CI]`` scaled."""
    from infosim.analysis.policy_effects import METRIC_BY_NAME

    rows = []
    shown = table if max_rows is None else table.head(max_rows)
    for r in shown.to_dict("records"):
        row = {"policy": r["policy"], "set": r["set"]}
        for key, col in plan.columns.items():
            var = plan.spec.variables[key]
            v = r[col]
            if var.kind == "share":
                v = f"{v:.0%}" if v is not None and np.isfinite(v) else "–"
            elif isinstance(v, float):
                v = f"{v:.4g}"
            row[variable_label(key, var)] = "–" if v is None else v
        for g in plan.goals:
            m = METRIC_BY_NAME[g.metric]
            s = m.scale if m.scale != 1.0 else 1.0
            unit = f" ({m.scale_label})" if m.scale_label else ""
            row[f"{g.metric}{unit}"] = (f"{r[f'{g.metric}_mean'] / s:.3g} [{r[f'{g.metric}_ci_low'] / s:.3g}, "
                                        f"{r[f'{g.metric}_ci_high'] / s:.3g}]")
        rows.append(row)
    return pd.DataFrame(rows)
