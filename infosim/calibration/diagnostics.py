"""A calibration's diagnostics: ``diagnostics.md`` and figures in ``figures/``.

* per generation: epsilon or temperature, acceptance rate, effective sample size, simulations;
* posterior marginals against the priors;
* pairwise posterior correlations (on ABC's sampling scale): strongly correlated pairs are
  combinations the targets pin down while the parameters alone are not identified;
* prior-to-posterior 90% width ratio per parameter (near 1: the data say little);
* the posterior-predictive check of every target (fresh runs at posterior draws).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.calibration.checks import check_table, coverage_summary, markdown_table, plot_check, save_figure
from infosim.calibration.posterior import Posterior
from infosim.calibration.wstats import ess, fmt

CORRELATION_FLAG = 0.5
WIDTH_FLAG = 0.8
#: The last generation's ESS is flagged below max(ESS_FLOOR, ESS_SHARE x particles).
ESS_FLOOR = 10
ESS_SHARE = 0.1


def generations_table(folder: Path) -> pd.DataFrame:
    """One row per stored generation: t, epsilon, particles, evaluations, acceptance rate, ESS,
    cumulative simulations (the prior calibration sample included) and wall time."""
    import pyabc

    from infosim.calibration.engine import history_url

    history = pyabc.History(history_url(folder), create=False)
    pops = history.get_all_populations().sort_values("t")
    rows = []
    cum = 0
    for _, r in pops.iterrows():
        cum += int(r["samples"])
        t = int(r["t"])
        if t < 0:
            continue
        _, w = history.get_distribution(m=0, t=t)
        rows.append({
            "generation": t,
            "epsilon": float(r["epsilon"]),
            "particles": int(r["particles"]),
            "evaluations": int(r["samples"]),
            "acceptance_rate": int(r["particles"]) / int(r["samples"]),
            "ess": ess(w),
            "simulations": cum,
            "wall_time_s": float(r["wall_time"]) if r["wall_time"] == r["wall_time"] else math.nan,
        })
    return pd.DataFrame(rows)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    return save_figure(fig, path)


def plot_generations(gens: pd.DataFrame, path: Path, stochastic: bool) -> Path:
    """Epsilon/temperature, acceptance rate, ESS and cumulative simulations per generation."""
    plt = _plt()
    fig, axes = plt.subplots(1, 4, figsize=(13, 2.8), constrained_layout=True)
    x = gens["generation"]
    axes[0].plot(x, gens["epsilon"], "o-")
    axes[0].set_yscale("log")
    axes[0].set_title("temperature" if stochastic else "epsilon", fontsize=9)
    axes[1].plot(x, 100 * gens["acceptance_rate"], "o-")
    axes[1].set_title("acceptance rate (%)", fontsize=9)
    axes[2].plot(x, gens["ess"], "o-")
    axes[2].set_ylim(0, max(1.0, float(gens["particles"].max())) * 1.05)
    axes[2].set_title("effective sample size", fontsize=9)
    axes[3].plot(x, gens["simulations"], "o-")
    axes[3].set_title("simulations (cumulative)", fontsize=9)
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("generation", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    return _save(fig, path)


def plot_marginals(post: Posterior, path: Path) -> Path:
    """Weighted posterior histograms against the prior density, one panel per parameter."""
    plt = _plt()
    n = len(post.priors)
    cols = min(3, max(n, 1))
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.7 * rows), squeeze=False, constrained_layout=True)
    for ax, p in zip(axes.flat, post.priors, strict=False):
        v = post.draws[p.path].to_numpy(dtype=float)
        lo_q, hi_q = p.quantiles((0.001, 0.999))
        lo, hi = min(lo_q, v.min()), max(hi_q, v.max())
        if p.log:
            from matplotlib.ticker import LogFormatterSciNotation, NullFormatter

            bins = np.geomspace(lo, hi, 30)
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(LogFormatterSciNotation())
            ax.xaxis.set_minor_formatter(NullFormatter())
            grid = np.geomspace(lo, hi, 300)
        else:
            bins = np.linspace(lo, hi, 30)
            grid = np.linspace(lo, hi, 300)
        ax.hist(v, bins=bins, weights=post.weights, density=True, alpha=0.55, label="posterior")
        ax.plot(grid, p.pdf_values(grid), "k-", lw=1, label="prior")
        if p.default is not None:
            ax.axvline(p.default, color="C3", ls="--", lw=0.8, label="scenario default")
        ax.set_title(p.path.removeprefix("parameters."), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if n:
        axes.flat[0].legend(fontsize=6)
    return _save(fig, path)


def plot_correlations(post: Posterior, path: Path) -> Path:
    """Heat map of the weighted posterior correlations (sampling scale)."""
    plt = _plt()
    corr = post.correlations()
    n = len(corr)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * n + 2.5, 0.55 * n + 1.8), constrained_layout=True)
    im = ax.imshow(corr.to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
    labels = [c.removeprefix("parameters.") for c in corr.columns]
    ax.set_xticks(range(n))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n))
    ax.set_yticklabels(labels, fontsize=7)
    for i in range(n):
        for j in range(n):
            val = corr.iloc[i, j]
            if i != j and val == val:
                ax.text(j, i, f"{val:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title("posterior correlations (log scale for log-prior parameters)", fontsize=9)
    return _save(fig, path)


def correlated_pairs(post: Posterior, threshold: float = CORRELATION_FLAG) -> pd.DataFrame:
    """Parameter pairs with |weighted posterior correlation| >= threshold, strongest first."""
    corr = post.correlations()
    rows = []
    names = list(corr.columns)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            r = corr.iloc[i, j]
            if r == r and abs(r) >= threshold:
                rows.append({"parameter_a": names[i], "parameter_b": names[j], "correlation": float(r)})
    return pd.DataFrame(rows, columns=["parameter_a", "parameter_b", "correlation"]).sort_values(
        "correlation", key=lambda s: -s.abs()
    )


def identification_lines(post: Posterior) -> list[str]:
    """Markdown bullets: weakly identified parameters and strongly correlated pairs."""
    lines = []
    ratios = post.width_ratios()
    weak = [(k, r) for k, r in ratios.items() if r == r and r >= WIDTH_FLAG]
    for k, r in sorted(weak, key=lambda kv: -kv[1]):
        lines.append(f"- `{k}`: the posterior 90% interval is {r:.0%} as wide as the prior's — the targets say "
                     "little about it; its value comes from the prior.")
    for _, row in correlated_pairs(post).iterrows():
        sign = "trade off against each other" if row["correlation"] < 0 else "move together"
        lines.append(f"- `{row['parameter_a']}` and `{row['parameter_b']}` {sign} (correlation "
                     f"{row['correlation']:+.2f}): the targets fix a combination of the two more than either alone.")
    if not lines:
        lines.append(f"- No parameter keeps {WIDTH_FLAG:.0%} of its prior width and no pair has |correlation| >= "
                     f"{CORRELATION_FLAG}.")
    return lines


def posterior_markdown(post: Posterior) -> str:
    """The posterior table: prior, default, median, 90% interval, width ratio."""
    tab = post.table()
    tab["interval"] = [f"{fmt(a)} – {fmt(b)}" for a, b in zip(tab["q05"], tab["q95"], strict=True)]
    tab["prior_range"] = [f"{fmt(a)} – {fmt(b)}" for a, b in zip(tab["prior_q05"], tab["prior_q95"], strict=True)]
    return markdown_table(tab, {
        "parameter": "parameter", "prior": "prior", "prior_range": "prior 90%", "default": "scenario default",
        "median": "posterior median", "interval": "posterior 90%", "width_ratio": "width ratio",
    }, {"width_ratio": "{:.2f}"})


def predictive_from_file(folder: Path) -> dict[str, np.ndarray]:
    """Simulated statistics of the posterior-predictive check, by target."""
    path = folder / "predictive.parquet"
    if not path.is_file():
        return {}
    frame = pd.read_parquet(path)
    return {name: g["value"].to_numpy(dtype=float) for name, g in frame.groupby("target", sort=False)}


def write_diagnostics(folder: Path, post: Posterior, cal: Any, outcome: Any) -> list[Path]:
    """Write ``diagnostics.md`` and its figures; return the files."""
    from infosim.experiments.store import atomic_write_bytes

    figs = folder / "figures"
    stochastic = cal.spec.abc.distance == "stochastic"
    gens = generations_table(folder)
    files = [
        plot_generations(gens, figs / "generations.png", stochastic),
        plot_marginals(post, figs / "marginals.png"),
        plot_correlations(post, figs / "correlations.png"),
    ]
    sims = predictive_from_file(folder)
    check = check_table(sims, cal.targets)
    if not check.empty:
        files.append(plot_check(check, figs / "predictive.png", f"{cal.name}: posterior-predictive check"))
    cov = coverage_summary(check)
    word = "temperature" if stochastic else "epsilon"
    final = float(outcome.final_epsilon)
    lines = [
        f"# Calibration diagnostics: {cal.name}",
        "",
        f"Scenario `{cal.scenario.name}`, {cal.spec.households:,} households, {cal.months} months from "
        f"{cal.scenario.run.start}; {len(cal.priors)} parameters; {len(cal.targets)} targets from "
        f"`{cal.targets_file}`" + (f" dated up to {cal.spec.cutoff}" if cal.spec.cutoff else "") + ". "
        f"pyabc ABC-SMC, distance `{cal.spec.abc.distance}`, {cal.spec.abc.population_size} particles, root seed "
        f"{cal.spec.seed}.",
        "",
        f"**Stopped:** {outcome.stop_reason}. {outcome.generations} generation(s), final {word} {final:.4g}, "
        f"{outcome.simulations:,} simulations (prior calibration sample included).",
        "",
    ]
    if stochastic and final > 1.0 + 1e-9:
        lines += [f"> **Warning:** the final temperature is {final:.3g} > 1: the posterior is tempered (wider than "
                  "the posterior under the stated noise model). Run more generations or a larger budget.", ""]
    last_ess = float(gens["ess"].iloc[-1]) if len(gens) else math.nan
    n_particles = int(gens["particles"].iloc[-1]) if len(gens) else 0
    if last_ess == last_ess and last_ess < max(ESS_FLOOR, ESS_SHARE * n_particles):
        lines += [f"> **Warning:** the last generation's effective sample size is {last_ess:.0f} of {n_particles} "
                  "particles: the posterior rests on a few heavily weighted particles and its quantiles are "
                  "unreliable. Importance weights degenerate when many calibrated parameters are not informed by "
                  "the targets (see the width ratios): calibrate fewer parameters, add informative targets, or "
                  "raise population_size.", ""]
    lines += [
        "## Generations",
        "",
        "![generations](figures/generations.png)",
        "",
        markdown_table(gens, {
            "generation": "generation", "epsilon": word, "particles": "particles", "evaluations": "evaluations",
            "acceptance_rate": "acceptance rate", "ess": "ESS", "simulations": "simulations (cum.)",
            "wall_time_s": "wall time (s)",
        }, {"generation": "{:.0f}", "acceptance_rate": "{:.1%}", "ess": "{:.0f}", "particles": "{:.0f}",
            "evaluations": "{:,.0f}", "simulations": "{:,.0f}", "wall_time_s": "{:.1f}"}),
        "",
        "## Posterior",
        "",
        "Width ratio: posterior 90% interval / prior 90% interval (on the log scale for log-uniform and "
        "log-normal priors). Near 1: the targets barely inform the parameter.",
        "",
        posterior_markdown(post),
        "",
        "![marginals](figures/marginals.png)",
        "",
        "## What the data do not identify",
        "",
        *identification_lines(post),
        "",
        "![correlations](figures/correlations.png)",
        "",
        "## Posterior-predictive check",
        "",
    ]
    if check.empty:
        lines += ["No predictive check (abc.predictive_draws = 0).", ""]
    else:
        n_draws = len(next(iter(sims.values())))
        lines += [
            f"{n_draws} posterior draws re-simulated with fresh seeds. Model band: 5-50-95% of the simulated "
            "statistic. Covered: the observation lies inside the 90% predictive interval of an observation "
            "(simulation + N(0, sd²), the calibration's noise model; PIT between 0.05 and 0.95). "
            f"Coverage {cov['coverage90']:.0%} of {cov['n']} targets; mean |z| {cov['mean_abs_z']:.2f}.",
            "",
            markdown_table(check, {
                "target": "target", "date": "date", "observed": "observed", "sd": "sd", "p05": "p05",
                "p50": "p50", "p95": "p95", "z": "z", "pit": "PIT", "covered90": "covered",
            }, {"z": "{:+.2f}", "pit": "{:.2f}"}),
            "",
            "![predictive](figures/predictive.png)",
            "",
        ]
    atomic_write_bytes(folder / "diagnostics.md", "\n".join(lines).encode())
    return [folder / "diagnostics.md", *files]
