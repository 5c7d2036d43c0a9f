"""Write an optimisation as Markdown with figures (``docs/optimisation.md``).

Everything in the page is read from the optimisation folder (and its recheck), so the same
command regenerates it after the model changes or once a calibration exists::

    infosim optimise report results/optimise_jiangsu_2020 --out docs/optimisation.md
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from infosim.analysis.formatting import markdown_table
from infosim.experiments.store import atomic_write_bytes
from infosim.optimise.outputs import REFERENCE, display_table
from infosim.optimise.results import OptimisationResults, load_optimisation
from infosim.optimise.robust import Goal
from infosim.optimise.variables import variable_label


def plan_of(res: OptimisationResults) -> Any:
    """What the tables and figures need of a search's plan, rebuilt from its folder."""
    spec = res.spec
    return SimpleNamespace(spec=spec, columns=res.columns, goals=[Goal(o.metric, o.direction) for o in spec.objectives],
                           reference_name=res.reference, total_yuan=res.meta["definition"]["total_yuan"])


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _scaled(metric: str, value: float) -> str:
    from infosim.analysis.policy_effects import METRIC_BY_NAME

    m = METRIC_BY_NAME[metric]
    if not np.isfinite(value):
        return "–"
    if m.scale != 1.0:
        return f"{value / m.scale:.3g} {m.scale_label}"
    return f"{value:.3g}" + ("" if m.unit == "share" else f" {m.unit}")


def _objective_rows(plan: Any) -> str:
    from infosim.analysis.policy_effects import METRIC_BY_NAME

    rows = [{"objective": f"`{g.metric}`", "direction": g.direction, "what": METRIC_BY_NAME[g.metric].label,
             "how": METRIC_BY_NAME[g.metric].how} for g in plan.goals]
    return markdown_table(pd.DataFrame(rows))


def _variable_rows(plan: Any) -> str:
    rows = []
    for key, var in plan.spec.variables.items():
        bounds = var.values if var.values is not None else list(var.range or var.share or var.shift_months or [])
        rows.append({"variable": f"`{key}`", "label": variable_label(key, var), "kind": var.kind,
                     "bounds": ", ".join(str(b) for b in bounds) if var.values is not None else f"[{bounds[0]}, "
                     f"{bounds[1]}]" + (" (whole numbers)" if var.integer or var.kind == "shift" else "")})
    return markdown_table(pd.DataFrame(rows))


def _findings(res: OptimisationResults, plan: Any) -> list[str]:
    s, summ = res.spec, res.meta.get("results", {})
    ref = res.reference
    comp = res.comparison
    lines = []
    total = plan.total_yuan
    budget = f"a total budget of **{total / 1e9:.3g} bn yuan** ({s.budget.spend} of it allocated)" if total else ""
    lines.append(f"Over {summ.get('evaluated', '?')} candidate policies ({budget}; {len(s.objectives)} objectives: "
                 f"{', '.join(f'{o.direction} `{o.metric}`' for o in s.objectives)}; each on {s.draws} {s.ensemble} "
                 f"draws x {s.replicates} seed(s), horizon {s.horizon}):")
    lines.append("")
    lines.append(f"* the best-on-average Pareto set has **{summ.get('pareto_mean', '?')}** policies and the never-bad "
                 f"set (Pareto on the {s.robustness.percentile:g}th percentile of each objective over the draws) "
                 f"**{summ.get('pareto_robust', '?')}**;")
    on = "**on** the best-on-average front (no candidate beats it on every objective)" if summ.get(
        "reference_on_front") else "**not** on the best-on-average front: other policies do better on every objective"
    rob = res.robustness
    ranks = []
    for g in plan.goals:
        col = rob[rob["objective"] == g.metric].set_index("candidate")["mean"]
        if ref in col.index:
            rank = int((g.sign * col > g.sign * col[ref]).sum()) + 1
            ranks.append(f"{rank} for `{g.metric}`")
    where = f" — its means rank {', '.join(ranks)} among the {rob['candidate'].nunique()} policies evaluated" if ranks \
        else ""
    lines.append(f"* the reference policy `{ref}` (the base's split of the same budget) is {on}{where};")
    if len(comp):
        members = comp["candidate"].unique()
        better_all = [c for c in members if (comp[comp["candidate"] == c]["better"] == "yes").all()]
        lines.append(f"* {len(better_all)} of the {len(members)} Pareto policies are **significantly better than "
                     f"`{ref}` on every objective** (paired over the same draws and seeds, 95% intervals);")
        if better_all:
            best = _best_dominating(res, better_all, plan)
            diffs = comp[comp["candidate"] == best].set_index("objective")
            shown = "; ".join(f"{g.metric} {_interval(g.metric, diffs.loc[g.metric], 'diff')}" for g in plan.goals)
            lines.append(f"  e.g. `{best}`: {shown};")
        lines += _no_worse(res, plan)
    ens = res.meta.get("definition", {}).get("ensemble", {})
    info = ens.get("info", {})
    if str(ens.get("source", "")).startswith("posterior:"):
        extra = info.get("prior_parameters") or []
        lines.append(f"* the ensemble: {s.draws} draws of calibration `{info.get('calibration', '?')}` "
                     f"({info.get('particles', '?')} particles, effective sample size "
                     f"{info.get('effective_size', float('nan')):.1f}) for its {len(ens.get('keys', [])) - len(extra)} "
                     f"calibrated parameters, and {len(extra)} other parameters drawn from their plausible ranges;")
    rc = res.recheck
    if rc:
        lines.append(f"* re-evaluated with fresh seeds, **{rc['significantly_reversed']} of {rc['pairs']}** pairwise "
                     f"orders of the reported policies are significantly reversed "
                     f"({rc['significantly_reversed_share']:.2%}) and {rc['not_reproduced']} of {rc['estimates']} "
                     f"estimates fall outside their fresh interval ({rc['not_reproduced_share']:.1%}): the ranking "
                     f"{'holds' if rc['ranking_holds'] else '**does not hold**'} within its confidence intervals "
                     f"(at most {rc.get('chance_reversed_share', 0.025):.1%} of orders significantly reversed, what "
                     "noise alone reverses between two equally good policies).")
    else:
        lines.append("* the recheck with fresh seeds has not been run (`infosim optimise recheck RESULTS`).")
    return lines


def _no_worse(res: OptimisationResults, plan: Any) -> list[str]:
    """Lines on the Pareto policies significantly better than the reference on some objective and
    significantly worse on none, with the one better on the most objectives (then the largest
    smallest relative gain) as an example."""
    comp, ref = res.comparison, res.reference
    better = comp.pivot(index="candidate", columns="objective", values="better")
    keep = better[(better != "no").all(axis=1) & (better == "yes").any(axis=1)]
    n_all = len(better)
    if keep.empty:
        return [f"* none of the {n_all} Pareto policies is significantly better than `{ref}` on one objective "
                "without being significantly worse on another: the 2020 split is one of the trade-offs, not dominated;"]
    means = res.robustness[res.robustness["candidate"] == ref].set_index("objective")["mean"]
    diff = comp.set_index(["candidate", "objective"])
    score = {n: ((keep.loc[n] == "yes").sum(),
                 min(g.sign * diff.at[(n, g.metric), "diff"] / max(abs(means[g.metric]), 1e-12) for g in plan.goals
                     if keep.at[n, g.metric] == "yes")) for n in keep.index}
    best = max(score, key=lambda k: score[k])
    d = diff.loc[best]
    shown = "; ".join(f"{g.metric} {_interval(g.metric, d.loc[g.metric], 'diff')}" for g in plan.goals)
    settings = res.pareto.set_index("policy").loc[best]
    split = ", ".join(f"{c.removeprefix('share_')} {settings[c]:.0%}" for c in plan.columns.values()
                      if c.startswith("share_") and c in settings)
    return [f"* **{len(keep)} of the {n_all}** Pareto policies are significantly better than `{ref}` on at least one "
            "objective and significantly worse on none (95% paired intervals); the one better on the most "
            f"objectives by the largest margin, `{best}` (budget: {split}), differs from `{ref}` by: {shown};"]


def _interval(metric: str, row: Any, col: str) -> str:
    """``value [low, high]`` of `col` with its ``_low``/``_high`` (or ``ci_low``/``ci_high`` for ``mean``)."""
    lo, hi = (f"{col}_low", f"{col}_high") if f"{col}_low" in row else ("ci_low", "ci_high")
    return f"{_scaled(metric, row[col])} [{_scaled(metric, row[lo])}, {_scaled(metric, row[hi])}]"


def _best_dominating(res: OptimisationResults, names: list[str], plan: Any) -> str:
    """Among `names`, the one whose smallest relative improvement over the reference is largest."""
    comp = res.comparison.set_index(["candidate", "objective"])
    ref = res.robustness[res.robustness["candidate"] == res.reference].set_index("objective")["mean"]
    score = {}
    for n in names:
        rel = [g.sign * comp.at[(n, g.metric), "diff"] / max(abs(ref[g.metric]), 1e-12) for g in plan.goals]
        score[n] = min(rel)
    return max(score, key=lambda k: score[k])


def _comparison_section(res: OptimisationResults, plan: Any, fig: str | None) -> list[str]:
    ref = res.reference
    lines = ["## The 2020 split against the Pareto front", "",
             f"The reference `{ref}` is the base scenario as written (its own budgets, voucher terms and timing); "
             "every candidate divides the same total budget and is paired with it on the same draws and seeds, so "
             "the differences below are paired (95% t intervals over the draws).", ""]
    if fig:
        lines += [f"![Budget split of the chosen policies and the 2020 package]({fig})", ""]
    chosen = res.pareto[(res.pareto["chosen"] != "") | (res.pareto["set"] == REFERENCE)]
    show = display_table(plan, chosen)
    show.insert(2, "why", list(chosen["chosen"].replace("", "the 2020 package as written")))
    lines += ["Chosen policies (written back as scenario files) and the reference:", "", markdown_table(show), ""]
    comp = res.comparison
    if len(comp):
        rows = []
        for cand, part in comp.groupby("candidate", sort=False):
            p = part.set_index("objective")
            row = {"policy": cand}
            for g in plan.goals:
                d = p.loc[g.metric]
                row[f"{g.metric} − ref"] = _interval(g.metric, d, "diff")
            row["better on all"] = "yes" if (p["better"] == "yes").all() else "no"
            rows.append(row)
        table = pd.DataFrame(rows)
        lines += [f"Every Pareto policy minus `{ref}` (paired):", "", markdown_table(table), ""]
    return lines


def _robustness_section(res: OptimisationResults, plan: Any) -> list[str]:
    s = res.spec
    rob = res.robustness
    chosen = list(res.pareto.loc[(res.pareto["chosen"] != "") | (res.pareto["set"] == REFERENCE), "policy"])
    rows = []
    for name in chosen:
        mine = rob[rob["candidate"] == name].set_index("objective")
        for g in plan.goals:
            r = mine.loc[g.metric]
            rows.append({"policy": name, "objective": g.metric, "mean [95% CI]": _interval(g.metric, r, "mean"),
                         f"p{s.robustness.percentile:g} (bad case)": _scaled(g.metric, r["low"]),
                         "mean regret": _scaled(g.metric, r["regret_mean"]),
                         "worst regret": _scaled(g.metric, r["regret_max"])})
    return [
        "## Robustness", "",
        f"Each policy runs on the same {s.draws} parameter draws ({s.ensemble}). Per objective: the **mean** over the "
        f"draws (what the search optimised: `{s.robustness.optimise}`) with a 95% t interval; the **bad case**, the "
        f"{s.robustness.percentile:g}th percentile over the draws (the {100 - s.robustness.percentile:g}th for a "
        "minimised objective); the **regret** on a draw, how far the policy is from the best evaluated policy on "
        "that draw, averaged and at its worst. *Best on average* is the Pareto set of the means; *never bad* the "
        "Pareto set of the bad cases.", "", markdown_table(pd.DataFrame(rows)), ""]


def _cost_section(res: OptimisationResults) -> list[str]:
    s = res.spec
    h = res.history
    sessions = res.runs_and_time()
    runs = int(h["runs"].sum()) if len(h) else 0
    base_runs = 2 * s.draws * s.replicates
    wall = float(sessions["wall_s"].sum()) if "wall_s" in sessions else float("nan")
    lines = ["## What was run", "",
             f"{len(h)} generations of {s.algorithm.population} candidates ({s.algorithm_name.upper()}), "
             f"{runs + base_runs:,} simulations in all ({base_runs} for the baseline and the reference), "
             f"{s.households or 'scenario'} households per run, {s.months or 'scenario'} months."]
    if np.isfinite(wall):
        load = ", ".join(f"{x.get('load_average_start', '?')}→{x.get('load_average_end', '?')}"
                         for x in res.meta.get("sessions", []))
        lines[-1] += (f" Wall time {_duration(wall)} with {sessions['workers'].iloc[-1]} worker(s) (load average "
                      f"at start→end of each session: {load}).")
    if len(h):
        cols = [c for c in ("generation", "new", "seen_before", "invalid", "runs", "wall_s", "front") if c in h]
        lines += ["", markdown_table(h[cols].assign(generation=h["generation"] + 1))]
    return [*lines, ""]


def _recheck_section(res: OptimisationResults) -> list[str]:
    rc = res.recheck
    if not rc:
        return ["## Re-evaluation with fresh seeds", "", "Not run yet: `infosim optimise recheck "
                f"{res.path.as_posix()}`.", ""]
    taus = ", ".join(f"{k} {v:.2f}" for k, v in rc["kendall_tau"].items())
    est = res.recheck_table("estimates")
    lines = ["## Re-evaluation with fresh seeds", "",
             f"Every policy of the table above and the baseline ran again on the same draws with fresh seeds "
             f"({rc['replicates']} per draw, root seed {rc['seed']}, {rc['runs']:,} runs).", "",
             f"* pairwise orders: {rc['pairs']} (every pair of policies, every objective); **{rc['reversed']}** "
             f"reversed in point estimate, **{rc['significantly_reversed']}** significantly reversed "
             f"({rc['significantly_reversed_share']:.2%}), {rc['significantly_same']} significantly confirmed;",
             f"* estimates: {rc['not_reproduced']} of {rc['estimates']} (policy x objective) moved by more than their "
             f"95% interval ({rc['not_reproduced_share']:.1%}; about 5% expected from noise alone, more when the "
             "search selected for lucky seeds);",
             f"* Kendall's tau between the original and fresh ranking of the best-on-average set: {taus};",
             f"* {rc['front_still_non_dominated']} of {rc['front']} best-on-average policies stay non-dominated "
             "within the set.", ""]
    if len(est):
        by = est.groupby("objective")["reproduced"].agg(["size", "sum"]).reset_index()
        by["outside"] = by["size"] - by["sum"]
        lines += [markdown_table(by.rename(columns={"size": "estimates", "sum": "inside"})), ""]
    return lines


METHOD = """## Method

**Decision variables** are lever settings, named by their scenario keys (the names `--set` uses): budget shares
(`share = [low, high]` on `levers.<lever>.budget_yuan`), voucher terms (`levers.vouchers.waves[*].face_value_yuan`,
`...min_spend_yuan`), eligibility (`values = [...]`, categorical), subsidy rates and caps, cloud incentive rates, and
timing (`shift_months` on `levers.<lever>.start` moves the lever's start, end and voucher waves together). The search
works on the unit cube: a listed value is a bin, a whole number or a listed value is snapped to the centre of its bin,
other numbers are rounded to 4 significant digits, so two points that give the same scenario are the same candidate
and are never run twice.

**The budget constraint** is handled explicitly by a pymoo `Repair`: the levers' shares of the total budget B are
projected onto `sum <= 1` (`spend = "at_most"`) or `sum = 1` (`spend = "all"`) within their bounds (too much is taken
from each share in proportion to how far it is above its lower bound; too little given in proportion to its room),
rounded to 0.1% of B; each lever's budget is `floor(share x B)` yuan, so the budgets never sum to more than B. A pymoo
inequality constraint `sum(shares) - 1 <= 0` is kept as a check. With `voucher_counts = "follow_budget"` (default) the
vouchers of each wave are set so that the waves issue the vouchers' budget in the base waves' proportions — otherwise
a bigger voucher budget would issue no more vouchers.

**Evaluation on common random numbers.** Every candidate is an ordinary scenario (the base with the settings
applied) run on the same ensemble draws and the same replicate seeds as every other candidate and as the baseline,
through the experiments' executors (serial, processes, Dask) and store. Each objective is a paired policy metric of
`infosim.analysis.policy_effects` (`for_scenario` points it at the candidate): on each draw, the mean paired
difference over the draw's seeds (or the ratio of the means for ratios and shares). A candidate whose settings do not
give a valid scenario, or whose objective is undefined on a draw (e.g. a share of money when none was paid), gets a
constraint violation and loses every tournament.

**The ensemble** is either a Latin hypercube over the plausible ranges of `infosim/data/parameter_ranges.toml`
(`ensemble = "prior"`, read at run time, so new parameters join) or draws of a calibration (`ensemble =
"posterior:calibration/<name>"`): the folder written by `infosim calibrate` is opened with
`infosim.calibration.load_posterior` and sampled with `Posterior.sample(draws, seed)` and `Posterior.overrides` —
the weighted resampling of the last ABC-SMC generation's particles that `infosim batch --posterior` uses, from the
same root seed. Only the calibrated parameters vary then; parameters listed in `ensemble_parameters` that the
calibration did not touch are drawn from their ranges as well. The posterior needs `posterior.parquet` and
`calibration.json` of the folder (not `history.db`).

**Why pymoo.** The search must hand each generation to our own executors and results store (so it runs on processes
or Dask, resumes after a kill and keeps provenance) and evaluate candidates as pairs on common random numbers. pymoo's
ask-and-tell interface does exactly that: it proposes a population, we run it as an ordinary experiment and tell it
the objectives. It is maintained, documented, has NSGA-II and NSGA-III with constraint handling and repair operators,
and no heavy dependencies. EMA Workbench's optimisation (`optimize`, `robust_optimize`, on platypus) drives the model
through its own evaluator and callback, which would bypass the store and our pairing, and its robust variant fixes
the scenarios per call rather than letting us reuse one baseline over the whole search.

**The algorithm** (pymoo): NSGA-II for up to three objectives — its crowding distance spreads the front well in two
or three dimensions; NSGA-III beyond — with four or more objectives most of a population is non-dominated and the
crowding distance no longer separates it, while NSGA-III's reference directions (Das-Dennis) keep the front spread.
The initial population is a Latin hypercube; SBX crossover and polynomial mutation are pymoo's defaults. The
algorithm draws from its own generator seeded by the spec, so the same spec proposes the same candidates whatever the
executor and worker count (the stored runs are identical too), and a killed search resumes by replaying the search
and reading back every candidate evaluated before.

**Robustness.** The search optimises the mean over the draws (`robustness.optimise = "mean"`) or the bad case
(`"percentile"`); both Pareto sets are reported whichever it optimises: *best on average* (Pareto on the means) and
*never bad* (Pareto on the bad case), with the regret against the best evaluated policy on each draw.
"""

SPEC_FORMAT = """## Spec format

```toml
name = "optimise_jiangsu_2020"      # results/<name>; scenario files <name>_<k>.toml
base = "jiangsu_2020"               # candidates extend it; also evaluated as the reference policy
baseline = "baseline"               # every candidate is paired with it (same draws, same seeds)
horizon = "2021-12"                 # objectives read here ('end' = the runs' last month)
seed = 2020                         # replicate seeds and ensemble draws spawn from it
households = 20000                  # scale of every run; months must reach the horizon
months = 24
replicates = 1                      # seeds per ensemble draw
ensemble = "prior"                  # or "posterior:calibration/jiangsu_2020"
draws = 8                           # ensemble members every candidate runs on
# ensemble_parameters = ["parameters.phones.*"]   # globs (prior only; default: every range)
# constants = { "run.enterprises" = 20000 }       # fixed overrides of every run

[budget]
total_yuan = "base"                 # or yuan; "base" = the base's budgets of the share levers
spend = "all"                       # or "at_most"
voucher_counts = "follow_budget"    # or "fixed"

[variables."levers.vouchers.budget_yuan"]
share = [0.0, 1.0]                  # share of total_yuan
[variables."levers.vouchers.waves[*].face_value_yuan"]
range = [20, 300]
integer = true                      # also: scale = "log"
[variables."levers.vouchers.eligibility"]
values = ["all", "low_income", "rural", "elderly", "rural_or_elderly"]
[variables."levers.vouchers.start"]
shift_months = [-3, 9]              # moves start, end and waves

[[objectives]]
metric = "extra_consumption"        # a name of infosim.analysis.policy_effects.METRICS
direction = "max"                   # or "min"

[algorithm]
name = "auto"                       # NSGA-II up to 3 objectives, NSGA-III beyond; or "nsga2", "nsga3"
population = 36
generations = 10
# partitions = 4                    # NSGA-III reference directions (default: the most that fit)

[robustness]
optimise = "mean"                   # or "percentile"
percentile = 10

[write_back]
policies = "chosen"                 # or "pareto", "none"
folder = "scenarios/optimised"
```

Bad input stops before anything runs with one line naming the file and the key (exit code 2), e.g. a variable that is
not a lever key, a share on a key other than a budget, a lever switched off in the base, bounds no allocation fits, a
missing posterior.
"""

OUTPUTS = """## Outputs

```
results/<name>/
  optimisation.json     spec, definition hash, ensemble, sessions (time, workers, load), results summary
  ensemble.parquet      the parameter draws
  runs/baseline/        baseline and reference on every draw and seed (an ordinary experiment folder)
  runs/gen-NNN/         each generation's new candidates (ordinary experiment folders: resumable, provenance)
  candidates.parquet    every candidate: generation, settings, valid or why not
  values.parquet        every candidate's objectives on every draw; reference.parquet: the reference's
  history.parquet       per generation: new, seen before, invalid, runs, time, front size, best so far
  robustness.parquet    every policy x objective: mean, CI, bad case, regret, both Pareto flags
  pareto.parquet/.csv/.md   both Pareto sets and the reference: settings, objectives, robustness, chosen, file
  comparison.parquet    each Pareto policy minus the reference, paired
  figures/              parallel.png, tradeoffs.png, budget.png
  recheck/              `infosim optimise recheck`: fresh-seed runs, estimates, pairs, recheck.json
scenarios/optimised/<name>_<k>.toml   the chosen policies as scenario files
```

A scenario file extends the base and sets only the decision variables (a list such as the voucher waves is written
whole), with a header saying how it was found; `infosim run`, `batch`, `compare` and `report` use it like any other:
`infosim run scenarios/optimised/optimise_jiangsu_2020_0.toml` or, from the repository, by name
`infosim batch baseline optimised/optimise_jiangsu_2020_0 jiangsu_2020`.
"""

READING = """## How to read the output

* **The Pareto table** has one row per policy of either Pareto set plus the reference. `set` says which set it is in:
  *best on average* (no evaluated policy has a better mean on every objective), *never bad* (the same on the bad
  case, the low percentile over the draws), *both*, or *reference*. The `share_*` columns are the budget split, the
  other setting columns the lever terms; objectives are the mean over the draws with a 95% interval. `chosen` says why
  a policy was written back (best on average for one objective, balanced: closest to the ideal point on the
  normalised means, never bad: the smallest worst-case regret), `scenario_file` where.
* **The parallel-coordinates plot** draws each Pareto policy as a line across its settings and objectives (each axis
  scaled from its smallest to its largest value in the set); the reference is the thick dotted line. Lines that cross
  between two objective axes are trade-offs; settings on which the whole set agrees are what the objectives ask for
  whatever the weights.
* **The trade-off plots** show every pair of objectives: grey dots are all evaluated policies, coloured ones the
  Pareto sets, the star the reference. A reference below and left of the front (for maximised objectives) can be
  bettered on both objectives at no extra cost.
* **Robustness**: a policy with a high mean and a low bad case is *best on average*; a policy with a modest mean and
  a small worst regret is *never bad*. Prefer the second when the ensemble's spread is a real risk.
* **Against the reference**: paired differences over the same draws and seeds; `better on all` = every objective
  significantly better (95% intervals), the honest form of "the 2020 split could have been improved".
* **The recheck**: the share of pairwise orders significantly reversed with fresh seeds is how often the reported
  ranking does not hold; a few percent is noise, much more means the search selected lucky seeds — raise
  `replicates` or `draws`.
"""

HONESTY = """## Honesty checks

* **A known optimum, through the same plumbing** (`tests/optimise/test_toy.py`): a toy run function whose
  paired effects are an analytic bi-objective function of two lever settings goes through the spec, the encoding,
  the store, the metrics and NSGA-II; the front found lies on the analytic front and spans it, and the setting that
  only costs is driven to its optimum.
* **A real-model problem with an obvious answer** (`tests/optimise/test_real.py`): one objective, extra core-on-cloud
  firms, and a budget split between vouchers and the cloud incentive: only the cloud incentive moves the objective, so
  the search must give it (nearly) all the budget — it does.
* **The budget is never exceeded**: every evaluated candidate's lever budgets sum to at most B (property test on the
  repair, and on every stored candidate).
* **Fresh seeds** (`infosim optimise recheck`): see above; the tests check the recheck on the toy problem, where
  the reported order must survive.
* **Determinism and resume**: the same spec and seed give the same Pareto set serially and on two worker processes;
  a search killed mid-generation and resumed gives the same results as one never interrupted.
"""


def write_optimisation_docs(results: OptimisationResults | str | Path, out: str | Path,
                            figures: str | Path | None = None) -> Path:
    """Write the optimisation as Markdown with PNG figures.

    Args:
        results: the optimisation folder (or its loaded results).
        out: the Markdown file.
        figures: folder of the figures (default ``<out folder>/figures/<out stem>``: for
            ``docs/optimisation.md``, ``docs/figures/optimisation/{parallel,tradeoffs,budget}.png``).

    Returns:
        The Markdown file.
    """
    from infosim.optimise import plots

    res = results if isinstance(results, OptimisationResults) else load_optimisation(results)
    md = Path(out)
    md.parent.mkdir(parents=True, exist_ok=True)
    fig_dir = Path(figures) if figures is not None else md.parent / "figures" / md.stem
    fig_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_of(res)
    files: dict[str, str] = {}
    if res.finished and len(res.pareto):
        rob = res.robustness
        flags = rob[["candidate", "pareto_mean", "pareto_robust"]].drop_duplicates("candidate")
        figs = {"parallel": plots.plot_parallel(plan, res.pareto, rob, flags),
                "tradeoffs": plots.plot_tradeoffs(plan, rob, flags), "budget": plots.plot_budget(plan, res.pareto)}
        for name, fig in figs.items():
            if fig is not None:
                path = fig_dir / f"{name}.png"
                fig.savefig(path, dpi=110)
                files[name] = _rel(path, md.parent)
    s = res.spec
    src = res.meta.get("sessions", [{}])[-1].get("command", "") if res.meta.get("sessions") else ""
    lines = [f"# Policy design: the best use of a fixed budget ({s.name})", "",
             "Generated by `infosim optimise report` from the results folder "
             f"`{res.path.as_posix()}`; regenerate with `infosim optimise report {res.path.as_posix()} --out "
             f"{md.as_posix()}`. The search itself: `{src or 'infosim optimise SPEC.toml'}`.", ""]
    if s.description:
        lines += [f"> {s.description}", ""]
    if not res.finished:
        lines += ["**The search has not finished**: the tables below are partial.", ""]
    lines += ["## What the analysis finds", "", *_findings(res, plan), ""]
    lines += ["### Decision variables", "", _variable_rows(plan), "", "### Objectives", "", _objective_rows(plan), ""]
    lines += _comparison_section(res, plan, files.get("budget"))
    lines += ["## The Pareto sets", ""]
    if "parallel" in files:
        lines += [f"![Parallel coordinates of the Pareto sets]({files['parallel']})", "",
                  f"![Trade-offs between the objectives]({files['tradeoffs']})", ""]
    if len(res.pareto):
        lines += ["Both sets (best on average: Pareto on the means; never bad: Pareto on the bad case) and the "
                  "reference; objectives as mean [95% CI] over the draws:", "",
                  markdown_table(display_table(plan, res.pareto)), ""]
    lines += _robustness_section(res, plan) if len(res.robustness) else []
    lines += _recheck_section(res)
    lines += _cost_section(res)
    lines += [METHOD, SPEC_FORMAT, OUTPUTS, READING, HONESTY]
    atomic_write_bytes(md, ("\n".join(lines).rstrip() + "\n").encode())
    return md
