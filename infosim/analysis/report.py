"""A self-contained HTML report of a comparison: tables, figures embedded as base64 PNG, the
scenarios as run and the provenance of the results. It needs no network to open.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from infosim.analysis import plots
from infosim.analysis.compare import Comparison, compare
from infosim.analysis.distribution import GROUP_OUTCOME_BY_NAME, TOTAL
from infosim.analysis.formatting import fmt_ci, fmt_num, fmt_share
from infosim.analysis.groups import DIMENSION_LABELS, dimension_kind
from infosim.outcomes import BY_NAME, CONSUMPTION

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 72em; padding: 0 1em; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
h3 { margin-top: 1.4em; } .meta { color: #555; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.86em; }
th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.55em; text-align: right; vertical-align: top; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.9em; } pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto;
font-size: 0.8em; } .note { background: #fff8e1; border-left: 4px solid #e6a700; padding: 0.5em 0.8em; }
@media print { body { max-width: none; } h2 { page-break-before: auto; } figure { page-break-inside: avoid; } }
"""

METHOD = """
<p>Each scenario is run with the same replicate seeds as the baseline. A seed fixes the synthetic
population and every month's random draws per agent and purpose, so a scenario and its baseline run
differ only where the policy changes an agent's situation (common random numbers). An <em>effect</em>
is the scenario minus its same-seed baseline run; the tables show its mean over replicates with a
95% confidence interval from the t-distribution (n - 1 degrees of freedom). Stocks (users, firms,
stations) are read at the horizon month; flows (information consumption, public money) are summed
from the first simulated month through the horizon.</p>
<p><em>Consumption per public yuan</em> is mean additional information consumption divided by mean
public money; <em>cost per additional adopter</em> is mean public money divided by the mean number of
additional adopters (all public money of the scenario, every lever). Their intervals use the delta
method and are left blank when the denominator's interval includes zero.</p>
<p><em>Deadweight</em> is the share of the money paid to households and firms that went to agents who,
in the paired baseline run, had bought the product the payment was for by the month it was paid
(vouchers spent on services without a minimum spend count as deadweight). Payments to agents who buy
later in the baseline run are <em>pulled forward</em>; to agents who never buy within the run,
<em>not bought in the baseline run</em>. Additionality = 1 - deadweight. Programme and operator payments
(stations, gigabit build-out, experience centres, literacy courses) are outside this measure.</p>
<p>The <em>concentration index</em> ranks households by income quintile (poorest first) and firms by
size (micro first): 0 means money (or change) proportional to numbers, negative means concentrated on
the poorer or smaller, positive on the richer or larger (at most ±0.8 with quintiles).</p>
"""


def figure_data_uri(fig: Figure) -> str:
    """A figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure_html(fig: Figure | None, caption: str) -> str:
    if fig is None:
        return ""
    alt = html.escape(caption, quote=True)
    return (f'<figure><img src="{figure_data_uri(fig)}" alt="{alt}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table_html(frame: pd.DataFrame) -> str:
    if frame is None or frame.empty:
        return "<p class='meta'>(no rows)</p>"
    return frame.to_html(index=False, escape=True, border=0, na_rep="–")


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------
def spend_table(cmp: Comparison, horizon: str) -> pd.DataFrame:
    """Public money by lever (bn yuan, mean [95% CI]) per scenario at `horizon`."""
    sp = cmp.spend[(cmp.spend["horizon"] == horizon) & (cmp.spend["scenario"].isin(cmp.scenarios))]
    rows = []
    for sc in cmp.scenarios:
        part = sp[sp["scenario"] == sc].set_index("lever")
        row = {"scenario": sc}
        for lever, r in part.iterrows():
            if lever != "total" and r["mean"] == 0 and r["ci_high"] == 0:
                continue
            row[lever] = fmt_ci(r["mean"], r["ci_low"], r["ci_high"], 1e9)
        rows.append(row)
    out = pd.DataFrame(rows).fillna("–")
    cols = ["scenario", *[c for c in out.columns if c not in ("scenario", "total", "operator_cofund")]]
    cols += [c for c in ("total", "operator_cofund") if c in out.columns]
    names = {"total": "all public money", "operator_cofund": "operator co-funding (not public)"}
    return out[cols].rename(columns=names)


def cost_effectiveness_table(cmp: Comparison) -> pd.DataFrame:
    """Multiplier and cost per additional adopter, per scenario and horizon."""
    ce = cmp.cost_effectiveness
    rows = []
    for (sc, h), part in ce.groupby(["scenario", "horizon"], sort=False):
        row = {"scenario": sc, "horizon": h}
        for r in part.itertuples(index=False):
            if r.measure == "multiplier":
                key = "consumption per public yuan"
            else:
                key = f"yuan per additional: {BY_NAME[r.outcome].label.lower()}"
            row[key] = fmt_ci(r.ratio, r.ci_low, r.ci_high) if np.isfinite(r.ratio) else "–"
        rows.append(row)
    return pd.DataFrame(rows)


def deadweight_table(cmp: Comparison) -> pd.DataFrame:
    """Deadweight, pulled-forward and additionality shares by scenario, lever and product."""
    dw = cmp.deadweight
    return pd.DataFrame({
        "scenario": dw["scenario"], "lever": dw["lever"], "product": dw["product"],
        "paid to agents, m yuan": [fmt_num(v / 1e6) for v in dw["paid_yuan"]],
        "deadweight [95% CI]": [fmt_share(m, lo, hi) for m, lo, hi in zip(dw["deadweight_share"], dw["ci_low"],
                                                                           dw["ci_high"], strict=True)],
        "pulled forward": [fmt_share(v) for v in dw["pulled_forward_share"]],
        "not bought in baseline run": [fmt_share(v) for v in dw["never_in_run_share"]],
        "additionality": [fmt_share(v) for v in dw["additionality"]],
        "n": dw["n"],
    })


def distribution_table(cmp: Comparison, dimension: str, metrics: Iterable[str]) -> pd.DataFrame:
    """Effects per 1,000 units and shares of the effect by group, with money per unit."""
    dist = cmp.distribution[cmp.distribution["dimension"] == dimension]
    money = cmp.money_by_group
    money = money[(money["dimension"] == dimension) & (money["lever"] == "all")].set_index(["scenario", "group"])
    rows = []
    for (sc, grp), part in dist.groupby(["scenario", "group"], sort=False):
        row: dict[str, Any] = {"scenario": sc, "group": grp}
        pop = part["population"].iloc[0]
        unit = "households" if dimension_kind(dimension) == "household" else "firms"
        row[unit] = fmt_num(pop, 0)
        for m in metrics:
            r = part[part["metric"] == m]
            if r.empty:
                continue
            r = r.iloc[0]
            g = GROUP_OUTCOME_BY_NAME[m]
            # Money per unit reads best per household; counts per 1,000 households.
            per, per_text = (1.0, f"yuan per {unit[:-1]}") if g.unit == "yuan" else (1000.0, f"per 1,000 {unit}")
            row[f"Δ {g.label.lower()}, {per_text}"] = fmt_ci(r["effect"] / pop * per, r["ci_low"] / pop * per,
                                                             r["ci_high"] / pop * per)
            row[f"share of Δ {g.label.lower()}"] = fmt_share(r["share_of_effect"]) if grp != TOTAL else "100%"
        if (sc, grp) in money.index:
            mr = money.loc[(sc, grp)]
            row[f"public money, yuan per {unit[:-1]}"] = fmt_ci(mr["per_unit"], mr["ci_low"] / pop, mr["ci_high"] / pop)
            row["share of money"] = fmt_share(mr["share_of_money"])
        rows.append(row)
    return pd.DataFrame(rows)


def concentration_table(cmp: Comparison) -> pd.DataFrame:
    """Concentration indices (mean [95% CI]) of money and of change, by scenario."""
    c = cmp.concentration
    c = c[c["n"] > 0]
    return pd.DataFrame({
        "scenario": c["scenario"], "ranked by": c["dimension"].map(lambda d: DIMENSION_LABELS.get(d, d)),
        "quantity": c["quantity"], "concentration index": [
            fmt_ci(m, lo, hi) for m, lo, hi in zip(c["mean"], c["ci_low"], c["ci_high"], strict=True)],
        "n": c["n"],
    })


# --------------------------------------------------------------------------------------------
# Scenarios and provenance
# --------------------------------------------------------------------------------------------
def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def scenario_differences(scenario: Mapping[str, Any], baseline: Mapping[str, Any]) -> pd.DataFrame:
    """The keys (``levers.vouchers.budget_yuan``, ...) whose values differ from the baseline's."""
    a, b = _flatten(scenario), _flatten(baseline)
    skip = {"name", "description", "extends"}
    rows = [{"key": k, "value": json.dumps(a.get(k), default=str), "baseline": json.dumps(b.get(k), default=str)}
            for k in sorted(set(a) | set(b)) if k not in skip and a.get(k) != b.get(k)]
    return pd.DataFrame(rows, columns=["key", "value", "baseline"])


def _scenarios_html(cmp: Comparison) -> str:
    scen = cmp.data.scenarios
    if not scen:
        return "<p class='note'>The scenarios as run were not recorded with these results (in-memory runs " \
               "without <code>scenarios=</code>).</p>"
    base = scen.get(cmp.baseline, {})
    parts = []
    for arm in cmp.data.arms:
        sc = scen.get(arm)
        if sc is None:
            continue
        on = [name for name, lever in sc.get("levers", {}).items() if lever.get("enabled")]
        parts.append(f"<h3>{html.escape(arm)}</h3>")
        if sc.get("description"):
            parts.append(_p(sc["description"]))
        run = sc.get("run", {})
        parts.append(_p(f"Levers on: {', '.join(on) or 'none'}. Run: from {run.get('start')}, "
                        f"{run.get('months')} months, {fmt_num(run.get('households') or np.nan, 0)} household agents."))
        if arm != cmp.baseline and base:
            parts.append("<p>Differences from the baseline as run:</p>")
            parts.append(_table_html(scenario_differences(sc, base)))
        parts.append("<details><summary>full resolved scenario (JSON)</summary><pre>"
                     + html.escape(json.dumps(sc, indent=1, default=str)) + "</pre></details>")
    return "\n".join(parts)


def _provenance_html(cmp: Comparison) -> str:
    prov = dict(cmp.data.provenance)
    rows = []
    for key in ("experiment", "kind", "runs_done", "runs_planned", "replicates", "root_seed", "households", "months",
                "constants", "created_at", "git", "python", "platform", "numerics", "command", "plan_sha256"):
        if prov.get(key) not in (None, {}, []):
            rows.append({"item": key, "value": json.dumps(prov[key], default=str) if isinstance(prov[key], dict | list)
                         else str(prov[key])})
    rows.append({"item": "source", "value": cmp.data.source})
    out = [_table_html(pd.DataFrame(rows))]
    if prov.get("versions"):
        out.append("<h3>Library versions</h3>" + _table_html(
            pd.DataFrame([{"library": k, "version": v} for k, v in prov["versions"].items()])))
    if prov.get("seeds"):
        out.append(_p(f"Replicate seeds: {', '.join(str(s) for s in prov['seeds'])}"))
    files = prov.get("scenario_files") or {}
    if files:
        frows = [{"scenario": name, "file": f.get("path", ""), "sha256": f.get("sha256", f.get("error", ""))}
                 for name, fl in files.items() for f in fl]
        out.append("<h3>Scenario files</h3>" + _table_html(pd.DataFrame(frows)))
    if prov.get("sessions"):
        srows = [{"session": s.get("id"), "started": s.get("started_at"), "executor": s.get("executor"),
                  "command": s.get("command")} for s in prov["sessions"]]
        out.append("<h3>Sessions</h3>" + _table_html(pd.DataFrame(srows)))
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------
def report_figures(cmp: Comparison) -> list[tuple[Figure | None, str]]:
    """The report's figures with their captions."""
    figs: list[tuple[Figure | None, str]] = [
        (plots.plot_curves(cmp), "Adoption and consumption per scenario (mean, 95% band over replicates)."),
        (plots.plot_curves(cmp, effect=True), f"Effects against {cmp.baseline}, month by month (paired, 95% band)."),
        (plots.plot_cost_effectiveness(cmp), "Public money against what it bought, end of run (95% error bars)."),
        (plots.plot_deadweight(cmp), "Where agent payments went: deadweight, pulled forward, not bought in baseline."),
        (plots.plot_distribution(cmp, "income_quintile", CONSUMPTION),
         "Additional consumption and public money per household, by income quintile."),
        (plots.plot_distribution(cmp, "urban_rural", "users_5g_network"),
         "Additional 5G network users and public money per household, rural and urban."),
        (plots.plot_distribution(cmp, "size_class", "firms_core_cloud"),
         "Additional firms with core business on cloud and public money per firm, by firm size."),
        (plots.plot_city_panel(cmp), "Additional 5G network users per 1,000 households in each of the 13 cities."),
    ]
    return [(f, c) for f, c in figs if f is not None]


def headline_html(cmp: Comparison) -> str:
    """The headline section: money, main effects, multiplier and deadweight at each horizon."""
    parts = ["<h2>Headline</h2>"]
    for h in cmp.horizons:
        parts.append(f"<h3>Horizon {html.escape(h)}</h3>" + _table_html(cmp.headline_table(h)))
    if not cmp.has_agent_data:
        parts.append("<p class='note'>Deadweight needs agent-level records: rerun the batch with "
                     "<code>--keep-agents</code>.</p>")
    return "\n".join(parts)


def render_report(cmp: Comparison, title: str | None = None) -> str:
    """The report as one HTML string (figures embedded)."""
    data = cmp.data
    prov = data.provenance
    title = title or f"infosim comparison: {prov.get('experiment') or data.source}"
    reps = data.runs.groupby("arm")["seed"].nunique()
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{len(cmp.scenarios)} scenario(s) against <b>{html.escape(cmp.baseline)}</b>; "
        f"{int(reps.min())}–{int(reps.max())} paired replicates; "
        f"{html.escape(str(prov.get('households') or 'scenario default'))} household agents; "
        f"{html.escape(str(prov.get('months') or 'scenario default'))} months; source "
        f"<code>{html.escape(data.source)}</code>; generated "
        f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}.</p>",
        headline_html(cmp),
        "<h2>Figures</h2>",
    ]
    parts += [_figure_html(f, c) for f, c in report_figures(cmp)]
    parts.append("<h2>Effects by outcome</h2>")
    for h in cmp.horizons:
        parts.append(f"<h3>Horizon {html.escape(h)}</h3>" + _table_html(cmp.table(h)))
    parts.append("<h2>Public money and cost-effectiveness</h2>")
    for h in cmp.horizons:
        parts.append(f"<h3>Public money by lever to {html.escape(h)} (bn yuan)</h3>" + _table_html(spend_table(cmp, h)))
    parts.append("<h3>Cost-effectiveness</h3>" + _table_html(cost_effectiveness_table(cmp)))
    if cmp.has_agent_data:
        parts.append("<h3>Deadweight and additionality</h3>" + _table_html(deadweight_table(cmp)))
    parts.append("<h2>Who benefits</h2>")
    household = ["info_consumption_yuan", "users_5g_network", "households_gigabit"]
    for dim in ("income_quintile", "urban_rural", "elderly", "city"):
        parts.append(f"<h3>By {DIMENSION_LABELS[dim]}</h3>" + _table_html(distribution_table(cmp, dim, household)))
    for dim in ("size_class", "sector"):
        parts.append(f"<h3>By {DIMENSION_LABELS[dim]}</h3>"
                     + _table_html(distribution_table(cmp, dim, ["firms_core_cloud", "info_consumption_yuan"])))
    parts.append("<h3>Concentration: who received the money versus who changed behaviour</h3>"
                 + _table_html(concentration_table(cmp)))
    parts.append("<h2>Scenarios as run</h2>" + _scenarios_html(cmp))
    parts.append("<h2>Provenance</h2>" + _provenance_html(cmp))
    parts.append("<h2>Method</h2>" + METHOD)
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    results: Any, out: str | Path, *, baseline: str = "baseline", title: str | None = None
) -> Path:
    """Write the self-contained HTML report of a comparison.

    Args:
        results: a :class:`Comparison`, or anything :func:`compare` accepts.
        out: the HTML file to write (its folder is created).
        baseline: the baseline scenario (when `results` is not a Comparison).
        title: the report's title (default from the experiment's name).

    Returns:
        The path written.
    """
    cmp = results if isinstance(results, Comparison) else compare(results, baseline)
    text = render_report(cmp, title)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
