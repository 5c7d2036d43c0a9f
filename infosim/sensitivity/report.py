"""Write a sensitivity analysis as Markdown with figures (``docs/sensitivity.md``).

Everything in the page is read from the analysis folder (and the coverage check's folder),
so the same command regenerates it after the model changes::

    infosim sensitivity report results/sensitivity_jiangsu_2020 --out docs/sensitivity.md
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.analysis.formatting import fmt_num, markdown_table
from infosim.experiments.store import atomic_write_bytes
from infosim.sensitivity.results import SensitivityResults, load_sensitivity, short_name


def _ci(v: float, c: float) -> str:
    if not np.isfinite(v):
        return "–"
    return f"{v:.2f} ± {c:.2f}" if np.isfinite(c) else f"{v:.2f}"


def _hours(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def top_assumptions_table(res: SensitivityResults, k: int = 3) -> pd.DataFrame:
    """One row per outcome: its `k` most influential parameters with index and status."""
    top = res.top_assumptions(k)
    rows = []
    for oid in res.outcome_ids:
        part = top[top["outcome"] == oid]
        row: dict[str, Any] = {"Effect": res.outcome(oid)["label"]}
        for r in range(1, k + 1):
            hit = part[part["rank"] == r]
            if hit.empty:
                row[f"#{r}"] = "–"
                continue
            h = hit.iloc[0]
            conf = f" ± {h['conf']:.2f}" if np.isfinite(h["conf"]) else ""
            row[f"#{r}"] = f"`{short_name(h['key'])}` ({h['measure']} {h['value']:.2f}{conf})"
        if part.empty:
            status = "–"
        elif part["measure"].iloc[0] != "ST":
            status = "screening only (Morris)"
        else:
            status = "converged" if res.converged(oid) else "NOT converged (provisional)"
        noise = res.noise[(res.noise["outcome"] == oid) & (res.noise["stage"] == "sobol")] if len(res.noise) else []
        if len(noise) and noise["share_crn"].iloc[0] > NOISE_TARGET:
            status += f"; seed noise {noise['share_crn'].iloc[0]:.0%} of its variance"
        row["status"] = status
        rows.append(row)
    return pd.DataFrame(rows)


def posterior_keys(definition: dict[str, Any]) -> list[str]:
    """The parameters an analysis sampled over a calibration's posterior interval."""
    return [k for k, v in definition["parameters"].items() if v.get("origin") == "posterior"]


def ranges_sentence(definition: dict[str, Any], source: str | None = None) -> str:
    """Where the sampled ranges came from, naming the parameters with posterior ranges.

    Args:
        definition: the analysis definition (``sensitivity.json``).
        source: the spec file, to name a relative calibration folder from the working directory.
    """
    post = posterior_keys(definition)
    prior = "`infosim/data/parameter_ranges.toml`"
    if not post:
        return f"every range from {prior}"
    folder = str(definition["spec"].get("ranges", "")).removeprefix("posterior:")
    if source and not Path(folder).is_absolute() and (Path(source).parent / folder).is_dir():
        folder = Path(os.path.normpath(Path(source).parent / folder)).as_posix()
    return (f"{len(post)} calibrated parameters over their weighted posterior 5-95% interval from the "
            f"calibration `{folder}` ({', '.join(f'`{short_name(k)}`' for k in post)}), the other "
            f"{len(definition['parameters']) - len(post)} over their prior range from {prior}")


def _range_cell(v: dict[str, Any]) -> str:
    text = f"{fmt_num(v['low'])} – {fmt_num(v['high'])}"
    if v.get("origin") == "posterior" and v.get("prior_low") is not None:
        text += f" (prior {fmt_num(v['prior_low'])} – {fmt_num(v['prior_high'])})"
    return text


def _what_was_run(res: SensitivityResults) -> list[str]:
    d = res.meta["definition"]
    s = d["spec"]
    cost = res.runs_and_time()
    total_runs, total_wall = int(cost["runs"].sum()), float(cost["wall_s"].sum())
    where = ranges_sentence(d, res.meta.get("source"))
    lines = [
        f"Spec `{s['name']}`: {len(d['parameters'])} uncertain parameters ({where}; sampled uniformly, log-uniformly "
        "where the scale is log), outcomes at horizon "
        f"{s['horizon']}, {s['households'] or 'scenario'} household agents per run, "
        f"{s['months'] or 'scenario'} months, root seed {s['seed']}; every design point and scenario runs the "
        "same replicate seeds (common random numbers), so each effect is a paired difference and two points "
        "differ only by their parameter values.",
        "",
        f"In all: **{total_runs:,} simulations, {_hours(total_wall)} of wall time** on this machine "
        f"({res.meta.get('estimate', {}).get('workers', '?')} workers).",
        "",
    ]
    if len(cost):
        show = cost.assign(wall=cost["wall_s"].map(_hours), run=cost["run_s_mean"].map(lambda v: f"{v:.2f} s"))
        lines += [markdown_table(show[["stage", "runs", "wall", "run"]].rename(
            columns={"wall": "wall time", "run": "mean time per run (in its worker)"})), ""]
    return lines


def _outcomes_table(res: SensitivityResults) -> str:
    spread = res.spread
    rows = []
    for o in res.outcomes:
        row = {"Outcome": f"`{o['id']}`", "What": o["label"], "Unit": o["unit"],
               "Scenarios": " vs ".join(o["scenarios"]), "How": o["how"]}
        sp = spread[(spread["outcome"] == o["id"]) & (spread["stage"] == "morris")] if len(spread) else spread
        if len(sp):
            r = sp.iloc[0]
            row["Over the Morris design: median [5%, 95%]"] = (
                f"{fmt_num(r['p50'])} [{fmt_num(r['p5'])}, {fmt_num(r['p95'])}]")
        rows.append(row)
    return markdown_table(pd.DataFrame(rows))


def _some(keys: list[str], shown: int = 5) -> str:
    """The first `shown` parameters, and how many more."""
    if not keys:
        return "–"
    text = ", ".join(f"`{short_name(k)}`" for k in keys[:shown])
    return text + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def _morris_section(res: SensitivityResults, fig: str) -> list[str]:
    m = res.morris
    s = res.meta["definition"]["spec"]["morris"]
    lines = ["## Stage 1: Morris screening", "",
             f"{s['trajectories']} trajectories on a {s['levels']}-level grid over every parameter (effects per "
             "whole range of each parameter). A parameter goes to stage 2 for an outcome when its mu* is at "
             f"least {s['select_share']:.0%} of the largest mu* for that outcome; each block keeps at most "
             f"{s['max_params']} (largest first).", "", f"![Morris mu* against sigma]({fig})", ""]
    full = m[m["fraction"] == 1.0]
    rows = []
    for oid in res.outcome_ids:
        part = full[full["outcome"] == oid].nlargest(5, "mu_star")
        top = part["mu_star"].max()
        rows.append({"Outcome": f"`{oid}`", "Largest mu* (share of max, ± 95% bootstrap)": ", ".join(
            f"`{short_name(r.key)}` {r.mu_star_norm:.2f} ± {r.mu_star_conf / top:.2f}" for r in part.itertuples()),
            "Selected": int(full[(full["outcome"] == oid)]["selected"].sum())})
    lines += [markdown_table(pd.DataFrame(rows)), ""]
    # Screening stability: does the top 5 at half the trajectories equal the top 5 at all?
    rows = []
    for oid in res.outcome_ids:
        part = m[m["outcome"] == oid]
        tops = {f: set(part[part["fraction"] == f].nlargest(5, "mu_star")["key"]) for f in (0.5, 1.0)}
        rows.append({"Outcome": f"`{oid}`", "top 5 shared by r/2 and r": f"{len(tops[0.5] & tops[1.0])} of 5"})
    lines += ["Screening stability (the top five parameters by mu* at half and at all trajectories):", "",
              markdown_table(pd.DataFrame(rows)), ""]
    blocks = res.meta.get("blocks", [])
    if blocks:
        rows = [{"Block (scenario)": b["name"], "Outcomes": ", ".join(f"`{o}`" for o in b["outcomes"]),
                 "Parameters to stage 2": ", ".join(f"`{short_name(k)}`" for k in b["parameters"]),
                 "Left out by the cap": _some(b["dropped"]),
                 "Second order": "yes" if b["second_order"] else "no"} for b in blocks]
        lines += ["Selection:", "", markdown_table(pd.DataFrame(rows)), ""]
    return lines


def _sobol_section(res: SensitivityResults, figs: dict[str, str], conv_fig: str | None) -> list[str]:
    s = res.meta["definition"]["spec"]["sobol"]
    lines = ["## Stage 2: Sobol' indices", "",
             f"Saltelli design with base sample N = {s['samples']} per block (N·(2k+2) points with second-order "
             "indices, N·(k+2) without), on the selected parameters only; the others stay at the scenario's "
             f"values. Intervals: {s['bootstrap']} bootstrap resamples, 95%. An index has **converged** when its "
             f"half-width at N and its change since N/2 are both at most {s['tolerance']}; anything else is shown "
             "as provisional.", ""]
    for block in dict.fromkeys(res.sobol["block"]):
        lines += [f"### {block}", "", f"![Sobol' indices, {block}]({figs[block]})", ""]
        full = res.sobol[(res.sobol["block"] == block) & (res.sobol["fraction"] == 1.0)]
        conv = res.convergence[res.convergence["block"] == block]
        ok = {(r.outcome, r.key, r.index): r.converged for r in conv.itertuples()}
        rows = []
        for r in full.itertuples():
            rows.append({"Outcome": f"`{r.outcome}`", "Parameter": f"`{short_name(r.key)}`",
                         "S1": _ci(r.S1, r.S1_conf) + ("" if ok.get((r.outcome, r.key, "S1")) else " *"),
                         "ST": _ci(r.ST, r.ST_conf) + ("" if ok.get((r.outcome, r.key, "ST")) else " *")})
        lines += [markdown_table(pd.DataFrame(rows)), "", "\\* not converged.", ""]
        s2 = res.sobol2[(res.sobol2["block"] == block) & (res.sobol2["fraction"] == 1.0)] if len(res.sobol2) else []
        if len(s2):
            top = s2.reindex(s2["S2"].abs().sort_values(ascending=False).index).head(6)
            rows = [{"Outcome": f"`{r.outcome}`", "Pair": f"`{short_name(r.key_1)}` × `{short_name(r.key_2)}`",
                     "S2": _ci(r.S2, r.S2_conf)} for r in top.itertuples()]
            lines += ["Largest second-order indices:", "", markdown_table(pd.DataFrame(rows)), ""]
    if conv_fig:
        lines += ["### Convergence", "", "Total indices at N/4, N/2 and N (the first quarter and half of a Sobol' "
                  "sequence are balanced samples themselves, so the check costs no extra run):", "",
                  f"![Indices against sample size]({conv_fig})", ""]
        both, total = res.needed_samples(), res.needed_samples(index="ST")
        if len(both):
            show = pd.DataFrame({
                "block": both["block"], "N": both["N"],
                "worst half-width or change, ST": total["worst_conf"].map(lambda v: f"{v:.3f}"),
                "N needed, ST": total["needed_N"], "runs needed, ST": total["runs_needed"].map(lambda v: f"{v:,.0f}"),
                "worst, S1 and ST": both["worst_conf"].map(lambda v: f"{v:.3f}"),
                "N needed, S1 and ST": both["needed_N"],
                "runs needed, S1 and ST": both["runs_needed"].map(lambda v: f"{v:,.0f}")})
            lines += ["The largest half-width or change since N/2 per block, and the N that would bring it under "
                      "the tolerance, extrapolating that both shrink as 1/√N (rounded up to a power of 2). Total "
                      "indices (which rank the assumptions) converge sooner than first-order ones:", "",
                      markdown_table(show), ""]
    return lines


#: Seed-noise share of the analysed output above which an outcome's indices are flagged.
NOISE_TARGET = 0.1


def replicates_for(share: float, replicates: float, target: float = NOISE_TARGET) -> str:
    """Replicates per point that bring a seed-noise share measured with `replicates` down to
    `target` (noise variance falls as 1/R; the parameters' part stays)."""
    if not np.isfinite(share) or share <= target:
        return f"{int(replicates)} (met)" if np.isfinite(share) else "–"
    if share >= 0.99:
        return "no signal above the noise"
    need = replicates * share / (1 - share) * (1 - target) / target
    return str(int(np.ceil(need)))


def _noise_section(res: SensitivityResults, fig: str) -> list[str]:
    n = res.noise
    lines = ["## Seed noise", "",
             "Each design point runs R paired replicates. With the law of total variance, the share of an "
             "outcome's variance over the design that is seed noise is E[Var(replicates | point)] / Var(all "
             "runs) for one paired run, and (E[Var | point] / R) / Var(point means) for the replicate mean the "
             "indices are computed on. Common random numbers make every point share the seeds, so seed noise "
             "that does not depend on the parameters is a shift every point shares and cancels out of the "
             "indices; a two-way decomposition (points x replicates) gives the part that moves with the "
             "parameters, which does not.", ""]
    shown = n[np.isfinite(n["share"])] if len(n) else n
    if len(shown):
        lines += [f"![Seed-noise share]({fig})", ""]
        rows = [{"Stage": r.stage, "Block": r.block, "Outcome": f"`{r.outcome}`", "Replicates": int(r.replicates),
                 "Share, one run": f"{r.share:.1%}", "Share, replicate mean": f"{r.share_of_mean:.1%}",
                 "of which moves with the parameters": f"{r.share_crn:.1%}",
                 f"replicates for <= {NOISE_TARGET:.0%}": replicates_for(r.share_crn, r.replicates)}
                for r in shown.itertuples()]
        lines += [markdown_table(pd.DataFrame(rows)), ""]
        noisy = shown[shown["share_crn"] > NOISE_TARGET]
        if len(noisy):
            lines += [f"**Seed noise dominates** {', '.join(f'`{o}`' for o in noisy['outcome'])}: more than "
                      f"{NOISE_TARGET:.0%} of the variance the indices decompose is seed-by-parameter noise, which "
                      "the indices attribute to the parameters. Raise the replicates per point (the table's last "
                      "column, at this scale) or the households per run (seed-noise variance falls about as "
                      "1 / (replicates x households)) before reading them.", ""]
    else:
        lines += ["Not measured: the stages ran one replicate per point.", ""]
    return lines


def _coverage_section(res: SensitivityResults, fig: str | None) -> list[str]:
    c, meta = res.coverage, res.coverage_meta
    if c.empty:
        return ["## How many replicates", "", "The coverage check has not been run "
                "(`infosim sensitivity replicates SPEC.toml`).", ""]
    lines = ["## How many replicates", "",
             f"{meta['pool']} paired replicates of every scenario at the default parameters "
             f"({meta['households']:,} households, {meta['months']} months). For each n, the pool is split "
             f"into disjoint blocks of n replicates (independent seeds, {meta.get('permutations', 20)} random "
             "splits); each block gives the interval the reports print (paired t for differences, delta-method "
             "ratio of means for ratios and shares), and the reference is the estimate from the other "
             "replicates. `target` is the coverage a correct interval has against that finite reference (just "
             "under 95%); `[low, high]` counts only one split's blocks as independent. `narrowest` is the 5th "
             "percentile of the half-widths over their median: one interval in twenty looks that much more "
             "precise than the typical one.", ""]
    rec = meta.get("recommended")
    rule = (f"intervals calibrated (coverage not significantly more than {meta['tolerance']:.0%} below target) "
            f"and reliable (`narrowest` at least {meta.get('min_width_ratio', 0.5):.2f}) for every metric, "
            "at this n and every larger one checked")
    lines += [f"**Recommended replicates: {rec}** — {rule}." if rec else
              f"**No n checked qualifies** ({rule}).", ""]
    if fig:
        lines += [f"![Coverage against replicates]({fig})", ""]
    rows = [{"Metric": f"`{r.metric}`", "n": int(r.n), "coverage [low, high]":
             f"{r.coverage:.1%} [{r.coverage_low:.0%}, {r.coverage_high:.0%}]", "target": f"{r.target:.1%}",
             "median half-width": fmt_num(r.half_width), "relative": f"{r.rel_half_width:.1%}",
             "narrowest": f"{r.narrow_ratio:.2f}",
             "per-replicate sd": fmt_num(r.replicate_sd)} for r in c.itertuples()]
    lines += [markdown_table(pd.DataFrame(rows)), ""]
    return lines


def write_sensitivity_docs(
    results: SensitivityResults | str | Path,
    out: str | Path = "docs/sensitivity.md",
    figures: str | Path | None = None,
) -> Path:
    """Write the analysis as Markdown with PNG figures.

    Args:
        results: a loaded analysis or its folder.
        out: the Markdown file.
        figures: folder of the figures (default ``<out folder>/figures``).

    Returns:
        The Markdown file's path.
    """
    res = results if isinstance(results, SensitivityResults) else load_sensitivity(results)
    from infosim.sensitivity import plots

    md = Path(out)
    md.parent.mkdir(parents=True, exist_ok=True)
    fig_dir = Path(figures) if figures is not None else md.parent / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    stem = "sensitivity"

    def save(fig: Any, name: str) -> str:
        path = fig_dir / f"{stem}_{name}.png"
        fig.savefig(path, dpi=110)
        return _rel(path, md.parent)

    name = res.meta["definition"]["spec"]["name"]
    spec_file = res.meta.get("source") or f"{name}.toml"
    lines = [f"# Sensitivity of the policy effects ({name})", "",
             "Which assumptions is each policy effect hostage to? A two-stage global sensitivity analysis of "
             "**paired policy effects** (policy run minus its same-seed baseline run), written by "
             f"`infosim sensitivity` from the results in `{res.path.as_posix()}`. Regenerate this page with", "",
             "```console", f"$ infosim sensitivity {spec_file} --resume --docs {md.as_posix()}",
             f"$ infosim sensitivity report {res.path.as_posix()} --out {md.as_posix()}   # from stored results",
             "```", ""]
    lines += ["## What each headline effect depends on most", "",
              "The three parameters with the largest total Sobol' index (ST: the share of the effect's variance "
              "over the parameter ranges that involves the parameter, alone or with others); where an outcome "
              "had no Sobol' stage, the Morris ranking (mu* over the largest mu*). Rankings that rest on indices "
              "that have not converged are marked provisional.", "",
              markdown_table(top_assumptions_table(res)), ""]
    lines += ["## What was run", "", *_what_was_run(res)]
    lines += ["Outcomes (`infosim.analysis.policy_effects`):", "", _outcomes_table(res), ""]
    if len(res.morris):
        lines += _morris_section(res, save(plots.plot_morris(res), "morris"))
    if len(res.sobol):
        figs = {b: save(plots.plot_sobol(res, b), f"sobol_{b}") for b in dict.fromkeys(res.sobol["block"])}
        lines += _sobol_section(res, figs, save(plots.plot_convergence(res), "convergence"))
    if len(res.noise):
        lines += _noise_section(res, save(plots.plot_noise(res), "noise"))
    lines += _coverage_section(res, save(plots.plot_coverage(res), "coverage") if len(res.coverage) else None)
    where = ranges_sentence(res.meta["definition"], res.meta.get("source"))
    lines += ["## Parameters and ranges", "", f"Sampled ranges: {where}.", "",
              markdown_table(pd.DataFrame(
                  [{"Parameter": f"`{short_name(k)}`", "Range": _range_cell(v), "From": v.get("origin", "prior"),
                    "Scale": v["scale"], "Basis": v["basis"]}
                   for k, v in res.meta["definition"]["parameters"].items()])), ""]
    atomic_write_bytes(md, "\n".join(lines).encode("utf-8"))
    return md
