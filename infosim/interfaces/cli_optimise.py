"""The `infosim optimise` commands (registered by `infosim.interfaces.cli`).

    infosim optimise SPEC.toml [--estimate] [--resume] [--docs docs/optimisation.md]
    infosim optimise recheck RESULTS              # re-evaluate the Pareto set with fresh seeds
    infosim optimise report RESULTS [--out docs/optimisation.md]

``infosim optimise SPEC.toml`` is short for ``infosim optimise run SPEC.toml``.
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
from infosim.interfaces.cli_options import MAX_SEED, LazyConsole, RunByDefault, stdout_console

console = stdout_console(240)
err_console = LazyConsole(stderr=True, soft_wrap=True)


optimise_app = typer.Typer(
    cls=RunByDefault,
    rich_markup_mode=None,
    help="Policy design: the best use of a fixed budget (multi-objective search over lever settings, robust over "
    "an ensemble of parameter draws); `recheck` re-evaluates the Pareto set with fresh seeds.",
    no_args_is_help=True,
)

Spec = Annotated[Path, typer.Argument(help="optimisation spec TOML file (see experiments/optimise_*.toml)")]
Results = Annotated[Path, typer.Argument(help="optimisation folder written by `infosim optimise`")]
Out = Annotated[Path | None, typer.Option(help="results folder (default results/<name>)")]
Seed = Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="override the spec's root seed")]


def _log(line: str) -> None:
    err_console.print(line, highlight=False, markup=False)


def _executor(name: ExecutorName, workers: int | None, scheduler: str | None) -> Any:
    from infosim.experiments.executors import make_executor

    try:
        return make_executor(name.value, workers, scheduler)
    except ValueError as exc:
        raise SpecError(str(exc)) from None


@optimise_app.command("run")
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
    docs: Annotated[Path | None, typer.Option(help="also write the results as Markdown here")] = None,
    scenarios_out: Annotated[Path | None, typer.Option(
        help="folder of the chosen policies' scenario files (default: the spec's write_back.folder)")] = None,
    households: Annotated[int | None, typer.Option(min=100, help="override the spec's households per run")] = None,
    seed: Seed = None,
    draws: Annotated[int | None, typer.Option(min=1, help="override the spec's ensemble draws")] = None,
    population: Annotated[int | None, typer.Option(min=4, help="override the spec's population")] = None,
    generations: Annotated[int | None, typer.Option(min=1, help="override the spec's generations")] = None,
) -> None:
    """Search lever settings for the best trade-offs of the objectives, robust over the ensemble."""
    from infosim.optimise.spec import load_optimise_spec

    parsed = load_optimise_spec(spec, households=households, seed=seed, draws=draws, population=population,
                                generations=generations)
    ex = _executor(executor, workers, scheduler)
    from infosim.optimise.run import estimate_optimisation, optimise  # heavy: after the checks

    if estimate:
        typer.echo(estimate_optimisation(parsed, source=spec, workers=ex.workers if executor.value != "serial" else 1))
        return
    target = out or Path("results") / parsed.name
    try:
        folder = optimise(parsed, target, executor=ex, resume=resume, overwrite=overwrite, progress=progress,
                          scenarios_out=scenarios_out, source=spec, log=_log)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished runs are stored; continue with --resume --out {target}")
        raise
    _print_summary(folder)
    if docs is not None:
        from infosim.optimise.report import write_optimisation_docs

        err_console.print(f"wrote {write_optimisation_docs(folder, docs)}")


def _print_summary(folder: Path) -> None:
    from infosim.optimise.outputs import display_table
    from infosim.optimise.report import plan_of
    from infosim.optimise.results import load_optimisation

    res = load_optimisation(folder)
    chosen = res.pareto[(res.pareto["chosen"] != "") | (res.pareto["set"] == "reference")]
    frame = display_table(plan_of(res), chosen)
    frame.insert(2, "why", list(chosen["chosen"].replace("", "the 2020 package as it is")))
    frame.insert(3, "file", list(chosen["scenario_file"]))
    from rich.table import Table

    table = Table(title=f"Chosen policies and the reference ({folder})")
    for col in frame.columns:
        table.add_column(str(col))
    for row in frame.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)


@optimise_app.command("recheck")
def recheck_command(
    results: Results,
    executor: Executor = ExecutorName.processes,
    workers: Workers = None,
    scheduler: Scheduler = None,
    progress: Progress = None,
    replicates: Annotated[int | None, typer.Option(min=1, help="fresh seeds per draw (default: the search's)")] = None,
    seed: Seed = None,
) -> None:
    """Re-evaluate the reported Pareto sets with fresh seeds: does the ranking hold within its intervals?"""
    from infosim.optimise.recheck_pareto import recheck
    from infosim.optimise.results import load_optimisation

    load_optimisation(results)  # one clear line if it is not an optimisation folder
    out = recheck(results, replicates=replicates, seed=seed, executor=_executor(executor, workers, scheduler),
                  progress=progress, log=_log)
    typer.echo(f"pairs significantly reversed: {out['significantly_reversed']} of {out['pairs']}; estimates outside "
               f"the fresh interval: {out['not_reproduced']} of {out['estimates']}; ranking "
               f"{'holds' if out['ranking_holds'] else 'does NOT hold'} (limit: "
               f"{out['chance_reversed_share']:.1%} reversed by chance)")


@optimise_app.command("report")
def report_command(
    results: Results,
    out: Annotated[Path, typer.Option(help="the Markdown file to write")] = Path("docs/optimisation.md"),
) -> None:
    """Write the results as Markdown with figures (method, Pareto sets, robustness, 2020 comparison)."""
    from infosim.optimise.report import write_optimisation_docs
    from infosim.optimise.results import load_optimisation

    path = write_optimisation_docs(load_optimisation(results), out)
    err_console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``optimise`` command group to the infosim CLI."""
    app.add_typer(optimise_app, name="optimise")
