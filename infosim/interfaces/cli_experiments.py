"""The `infosim batch` and `infosim sweep` commands (registered by `infosim.interfaces.cli`)."""

from __future__ import annotations

import warnings
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from infosim.errors import SpecError
from infosim.interfaces.cli_options import MAX_SEED, AllowOutside, LazyConsole, ScenarioDirs, use_scenario_options

if TYPE_CHECKING:
    from infosim.experiments import Experiment

err_console = LazyConsole(stderr=True, soft_wrap=True)  # one line per message, for logs


class ExecutorName(StrEnum):
    """Where runs execute."""

    serial = "serial"
    processes = "processes"
    dask = "dask"


# Options shared by both commands --------------------------------------------------------------
Replicates = Annotated[
    int | None, typer.Option("--replicates", "-r", min=1, help="replicates per scenario and point")
]
Seed = Annotated[
    int | None, typer.Option(min=0, max=MAX_SEED, help="root seed; replicate seeds are spawned from it")
]
Households = Annotated[int | None, typer.Option(help="household agents per run (default: the scenario's)")]
Months = Annotated[int | None, typer.Option(help="months per run (default: the scenario's)")]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="override for every run, key.path=value (repeatable)"),
]
Executor = Annotated[ExecutorName, typer.Option(help="where runs execute")]
Workers = Annotated[int | None, typer.Option(min=1, help="worker processes (default: all cores)")]
Scheduler = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (with --executor dask)"),
]
Out = Annotated[str | None, typer.Option(help="results folder (default results/<name>)")]
Resume = Annotated[bool, typer.Option(help="continue the experiment in --out; finished runs are kept")]
Overwrite = Annotated[bool, typer.Option(help="delete the experiment already in --out first")]
KeepAgents = Annotated[
    bool | None,
    typer.Option("--keep-agents/--no-keep-agents", help="also store agent-level records"),
]
Outputs = Annotated[str | None, typer.Option(help="keep only these outputs, comma-separated names or globs")]
Progress = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="progress bar (default: on a terminal)"),
]
DryRun = Annotated[bool, typer.Option(help="print the plan (runs, varied keys) and exit")]


def _outputs(text: str | None) -> list[str] | None:
    return [p.strip() for p in text.split(",") if p.strip()] if text else None


def _run(
    exp: Experiment,
    *,
    executor: ExecutorName,
    workers: int | None,
    scheduler: str | None,
    out: str | None,
    resume: bool,
    overwrite: bool,
    progress: bool | None,
    dry_run: bool,
) -> None:
    """Run (or describe) an experiment and report; exit 1 if any run failed."""
    from infosim.experiments import run_experiment
    from infosim.experiments.executors import make_executor

    exp.validate()
    if dry_run:
        typer.echo(exp.describe())
        typer.echo(exp.plan_table().head(20).to_string(index=False))
        return
    try:
        ex = make_executor(executor.value, workers, scheduler)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    if out is not None and not out.strip():
        raise SpecError("--out: empty folder name; give a folder, e.g. --out results/mine")
    target = Path(out) if out is not None else Path("results") / exp.name
    err_console.print(f"[bold]infosim[/] {exp.describe().splitlines()[0]} on {ex.describe()} -> {target}")
    try:
        with warnings.catch_warnings():  # printed below as notes
            warnings.filterwarnings("ignore", message="the runs span", category=RuntimeWarning)
            report = run_experiment(exp, target, executor=ex, resume=resume, overwrite=overwrite, progress=progress)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished runs are stored; continue with --resume --out {target}")
        raise
    for note in report.notes:
        err_console.print(f"note: {note}", highlight=False, markup=False)
    line = report.summary_line()
    err_console.print(line, highlight=False, markup=False)
    if report.failed:
        for run_id, error in report.failures[:5]:
            err_console.print(f"  failed {run_id}: {error}", highlight=False, markup=False)
        err_console.print(
            f"{report.failed} run(s) failed; tracebacks are in {target}/manifest.parquet (column "
            "'error'); rerun them with --resume",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(code=1)


def batch(
    scenarios: Annotated[list[str], typer.Argument(help="scenario names or TOML paths")],
    replicates: Replicates = None,
    seed: Seed = None,
    households: Households = None,
    months: Months = None,
    set_: Sets = None,
    executor: Executor = ExecutorName.processes,
    workers: Workers = None,
    scheduler: Scheduler = None,
    out: Out = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
    keep_agents: KeepAgents = None,
    outputs: Outputs = None,
    name: Annotated[str | None, typer.Option(help="experiment name (default batch-<scenarios>)")] = None,
    progress: Progress = None,
    dry_run: DryRun = False,
    scenarios_dir: ScenarioDirs = None,
    allow_outside_paths: AllowOutside = False,
    posterior: Annotated[
        int | None, typer.Option(min=1, help="N replicates, replicate r running posterior draw r (all scenarios)")
    ] = None,
    calibration: Annotated[
        Path | None, typer.Option(help="calibration folder for --posterior (default calibration/<scenario>)")
    ] = None,
) -> None:
    """Run scenarios side by side: R replicates each, paired seeds (common random numbers)."""
    from infosim.experiments import Experiment

    use_scenario_options(scenarios_dir, allow_outside_paths)
    exp = Experiment.batch(
        scenarios,
        replicates=1 if replicates is None else replicates,
        seed=0 if seed is None else seed,
        households=households,
        months=months,
        overrides=set_ or None,
        keep_agents=bool(keep_agents),
        outputs=_outputs(outputs),
        name=name,
    )
    if posterior is not None:
        from infosim.calibration.batch import with_posterior

        exp = with_posterior(exp, calibration, posterior)
    _run(
        exp,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        out=out,
        resume=resume,
        overwrite=overwrite,
        progress=progress,
        dry_run=dry_run,
    )


def sweep(
    spec: Annotated[Path, typer.Argument(help="sweep spec TOML file (see experiments/)")],
    replicates: Replicates = None,
    seed: Seed = None,
    households: Households = None,
    months: Months = None,
    set_: Sets = None,
    executor: Executor = ExecutorName.processes,
    workers: Workers = None,
    scheduler: Scheduler = None,
    out: Out = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
    keep_agents: KeepAgents = None,
    outputs: Outputs = None,
    samples: Annotated[int | None, typer.Option(min=1, help="override the spec's samples")] = None,
    progress: Progress = None,
    dry_run: DryRun = False,
    scenarios_dir: ScenarioDirs = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Run a sweep described in a spec file: scenarios x design points x replicates."""
    from infosim.experiments import Experiment

    use_scenario_options(scenarios_dir, allow_outside_paths)
    exp = Experiment.from_toml(spec, overrides=set_ or None)
    exp = exp.with_options(
        replicates=replicates,
        seed=seed,
        households=households,
        months=months,
        keep_agents=keep_agents,
        outputs=_outputs(outputs),
        samples=samples,
    )
    _run(
        exp,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        out=out,
        resume=resume,
        overwrite=overwrite,
        progress=progress,
        dry_run=dry_run,
    )


def register(app: typer.Typer) -> None:
    """Add the ``batch`` and ``sweep`` commands to the infosim CLI."""
    app.command(name="batch")(batch)
    app.command(name="sweep")(sweep)
