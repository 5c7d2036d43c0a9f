"""The `infosim sensitivity` commands (registered by `infosim.interfaces.cli`).

    infosim sensitivity SPEC.toml [--estimate] [--resume] [--docs docs/sensitivity.md]
    infosim sensitivity replicates SPEC.toml      # coverage check: how many replicates
    infosim sensitivity report RESULTS [--out docs/sensitivity.md]

``infosim sensitivity SPEC.toml`` is short for ``infosim sensitivity run SPEC.toml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from infosim.errors import SpecError
from infosim.interfaces.cli_experiments import (
    Executor,
    ExecutorName,
    Overwrite,
    Progress,
    Resume,
    Scheduler,
    Workers,
)
from infosim.interfaces.cli_options import LazyConsole, RunByDefault, new_table, stdout_console

console = stdout_console(piped_width=240)  # wide tables when piped
err_console = LazyConsole(stderr=True, soft_wrap=True)


sensitivity_app = typer.Typer(
    cls=RunByDefault,
    rich_markup_mode=None,
    help="Global sensitivity of the paired policy effects: Morris screening, then Sobol' indices, with "
    "convergence and seed-noise checks; `replicates` measures how many replicates intervals need.",
    no_args_is_help=True,
)

Spec = Annotated[Path, typer.Argument(help="sensitivity spec TOML file (see experiments/sensitivity_*.toml)")]
Out = Annotated[Path | None, typer.Option(help="results folder (default results/<name>)")]
Households = Annotated[int | None, typer.Option(help="override the spec's households per run")]
Seed = Annotated[int | None, typer.Option(help="override the spec's root seed")]


def _log(line: str) -> None:
    err_console.print(line, highlight=False, markup=False)


def _executor(name: ExecutorName, workers: int | None, scheduler: str | None) -> Any:
    from infosim.experiments.executors import make_executor

    try:
        return make_executor(name.value, workers, scheduler)
    except ValueError as exc:
        raise SpecError(str(exc)) from None


def _spec(path: Path, **changes: Any) -> Any:
    from infosim.sensitivity.spec import load_sensitivity_spec, spec_from_dict

    spec = load_sensitivity_spec(path, **{k: v for k, v in changes.items() if k in ("households", "seed",
                                                                                   "replicates", "months")})
    nested = {"morris": {"trajectories": changes.get("trajectories")},
              "sobol": {"samples": changes.get("samples")},
              "replicate_check": {"pool": changes.get("pool")}}
    raw = spec.model_dump(mode="json")
    changed = False
    for section, values in nested.items():
        for key, value in values.items():
            if value is not None:
                raw[section][key] = value
                changed = True
    return spec_from_dict(raw, f"{path} (with options)") if changed else spec


@sensitivity_app.command("run")
def run_command(
    spec: Spec,
    out: Out = None,
    executor: Executor = ExecutorName.processes,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
    progress: Progress = None,
    estimate: Annotated[bool, typer.Option("--estimate", help="print the plan and its cost, then exit")] = False,
    screening_only: Annotated[bool, typer.Option("--screening-only", help="stop after the Morris stage")] = False,
    docs: Annotated[Path | None, typer.Option(help="also write the analysis as Markdown here")] = None,
    households: Households = None,
    seed: Seed = None,
    trajectories: Annotated[int | None, typer.Option(help="override the Morris trajectories")] = None,
    samples: Annotated[int | None, typer.Option(help="override the Sobol' base sample N (a power of 2)")] = None,
) -> None:
    """Run a sensitivity analysis: Morris over every uncertain parameter, then Sobol' on what matters."""
    parsed = _spec(spec, households=households, seed=seed, trajectories=trajectories, samples=samples)
    ex = _executor(executor, workers, scheduler)
    from infosim.sensitivity.run import estimate_sensitivity, run_sensitivity  # heavy: after the checks

    if estimate:
        typer.echo(estimate_sensitivity(parsed, source=spec, workers=ex.workers if executor.value != "serial" else 1))
        return
    target = out or Path("results") / parsed.name
    try:
        folder = run_sensitivity(parsed, target, executor=ex, resume=resume, overwrite=overwrite, progress=progress,
                                 stages=("morris",) if screening_only else ("morris", "sobol"), source=spec,
                                 log=_log)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished runs are stored; continue with --resume --out {target}")
        raise
    _print_summary(folder)
    if docs is not None:
        from infosim.sensitivity.report import write_sensitivity_docs

        err_console.print(f"wrote {write_sensitivity_docs(folder, docs)}")


def _print_summary(folder: Path) -> None:
    from infosim.sensitivity.report import top_assumptions_table
    from infosim.sensitivity.results import load_sensitivity

    frame = top_assumptions_table(load_sensitivity(folder))
    table = new_table(f"What each effect depends on most ({folder})")
    for col in frame.columns:
        table.add_column(col)
    for row in frame.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)


@sensitivity_app.command("replicates")
def replicates_command(
    spec: Spec,
    out: Annotated[Path | None, typer.Option(help="results folder (default results/<name>-replicates)")] = None,
    executor: Executor = ExecutorName.processes,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
    progress: Progress = None,
    pool: Annotated[int | None, typer.Option(help="override the spec's replicate pool")] = None,
    households: Households = None,
    seed: Seed = None,
) -> None:
    """Coverage check: do intervals from n replicates cover the many-replicate value ~95% of the time?"""
    from infosim.sensitivity.replicates import replicate_check

    parsed = _spec(spec, seed=seed, pool=pool)
    if households is not None:
        raw = parsed.model_dump(mode="json")
        raw["replicate_check"]["households"] = households
        from infosim.sensitivity.spec import spec_from_dict

        parsed = spec_from_dict(raw, f"{spec} (with options)")
    table = replicate_check(parsed, out, executor=_executor(executor, workers, scheduler), resume=resume,
                            overwrite=overwrite, progress=progress, source=spec, log=_log)
    show = new_table("Coverage of the replicate intervals (95%)")
    for col in ("metric", "n", "coverage", "[low, high]", "target", "median half-width", "relative", "narrowest"):
        show.add_column(col, justify="left" if col == "metric" else "right")
    for r in table.itertuples(index=False):
        show.add_row(str(r.metric), str(r.n), f"{r.coverage:.1%}", f"[{r.coverage_low:.0%}, {r.coverage_high:.0%}]",
                     f"{r.target:.1%}", f"{r.half_width:.4g}", f"{r.rel_half_width:.1%}", f"{r.narrow_ratio:.2f}")
    console.print(show)
    rec = table.attrs.get("recommended")
    console.print(f"recommended replicates: {rec}" if rec else "no n checked reaches the target coverage")


@sensitivity_app.command("report")
def report_command(
    results: Annotated[Path, typer.Argument(help="analysis folder written by `infosim sensitivity`")],
    out: Annotated[Path, typer.Option(help="the Markdown file to write")] = Path("docs/sensitivity.md"),
    replicates: Annotated[Path | None, typer.Option(help="coverage-check folder (default RESULTS-replicates)")] = None,
) -> None:
    """Write the analysis as Markdown with figures (tables and figures from the stored results)."""
    from infosim.sensitivity.report import write_sensitivity_docs
    from infosim.sensitivity.results import load_sensitivity

    path = write_sensitivity_docs(load_sensitivity(results, replicates), out)
    err_console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``sensitivity`` command group to the infosim CLI."""
    app.add_typer(sensitivity_app, name="sensitivity")
