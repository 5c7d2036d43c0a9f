"""The `infosim calibrate` and `infosim validate` commands (registered by `infosim.interfaces.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infosim.interfaces.cli_experiments import ExecutorName
from infosim.interfaces.cli_options import LazyConsole

err_console = LazyConsole(stderr=True, soft_wrap=True)

Executor = Annotated[ExecutorName, typer.Option(help="where simulations execute")]
Workers = Annotated[int | None, typer.Option(min=1, help="worker processes (default: all cores)")]
Scheduler = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (with --executor dask)"),
]


def _households_list(text: str) -> list[int]:
    from infosim.calibration.errors import CalibrationError

    try:
        values = [int(float(p)) for p in text.split(",") if p.strip()]
    except ValueError:
        raise CalibrationError(f"--noise-households {text!r}: expected comma-separated whole numbers") from None
    if not values or min(values) < 100:
        raise CalibrationError(f"--noise-households {text!r}: give household counts of at least 100")
    return values


def calibrate_command(
    spec: Annotated[Path, typer.Argument(help="calibration spec TOML file (see docs/calibration.md)")],
    out: Annotated[Path | None, typer.Option(help="calibration folder (default <spec folder>/<name>)")] = None,
    executor: Executor = ExecutorName.processes,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Annotated[bool, typer.Option(help="continue the calibration in --out; stored generations kept (the "
                                         "spec may raise its stopping rules, e.g. abc.max_simulations)")] = False,
    overwrite: Annotated[bool, typer.Option(help="delete the calibration already in --out first")] = False,
    particles: Annotated[int | None, typer.Option(min=2, help="override abc.population_size")] = None,
    generations: Annotated[int | None, typer.Option(min=1, help="override abc.generations")] = None,
    households: Annotated[int | None, typer.Option(min=100, help="override the spec's households")] = None,
    noise_check: Annotated[
        bool,
        typer.Option("--noise-check", help="only measure the targets' seed noise against their sds and exit"),
    ] = False,
    noise_households: Annotated[
        str, typer.Option(help="household counts for --noise-check, comma-separated")
    ] = "5000,10000,20000,50000",
    noise_seeds: Annotated[int, typer.Option(min=2, help="seeds per household count for --noise-check")] = 10,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="progress lines on stderr")] = True,
) -> None:
    """Calibrate a scenario's uncertain parameters against observed targets (pyabc ABC-SMC)."""
    if noise_check:
        _noise(spec, _households_list(noise_households), noise_seeds, executor, workers, scheduler, out)
        return
    from infosim.calibration.api import calibrate

    report = calibrate(
        spec,
        out=out,
        executor=executor.value,
        workers=workers,
        scheduler=scheduler,
        resume=resume,
        overwrite=overwrite,
        particles=particles,
        generations=generations,
        households=households,
        progress=progress,
    )
    err_console.print(report.summary_line(), highlight=False, markup=False)
    for f in report.files:
        err_console.print(f"  {f}", highlight=False, markup=False)


def _noise(spec: Path, households: list[int], seeds: int, executor: ExecutorName, workers: int | None,
           scheduler: str | None, out: Path | None) -> None:
    from infosim.calibration.noise import noise_check, noise_summary
    from infosim.calibration.spec import load_calibration
    from infosim.experiments.store import atomic_write_bytes

    frame = noise_check(spec, households=households, seeds=seeds, executor=executor.value, workers=workers,
                        scheduler=scheduler)
    typer.echo(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    typer.echo("")
    typer.echo(noise_summary(frame).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    folder = out or load_calibration(spec).default_out()
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / "noise_check.csv", frame.to_csv(index=False).encode())
    err_console.print(f"wrote {folder / 'noise_check.csv'}", highlight=False, markup=False)


def validate_command(
    calibration: Annotated[
        Path | None, typer.Option(help="calibration folder (default calibration/jiangsu_2020)")
    ] = None,
    time_split: Annotated[
        Path | None, typer.Option(help="a second calibration folder whose spec sets cutoff: the time-split test")
    ] = None,
    holdout: Annotated[
        Path | None, typer.Option(help="holdout file (default holdout.toml beside the targets file)")
    ] = None,
    out: Annotated[Path, typer.Option(help="the report; figures go to <its folder>/figures/validation")] = Path(
        "docs/validation.md"
    ),
    notes: Annotated[Path | None, typer.Option(help="narrative notes (default <out folder>/validation_notes.md)")] = (
        None
    ),
    draws: Annotated[int, typer.Option(min=1, help="posterior draws per calibration")] = 100,
    seeds_per_draw: Annotated[int, typer.Option(min=1, help="seeds per posterior draw")] = 1,
    seed: Annotated[int, typer.Option(min=0, help="root seed of the draws and their seeds")] = 0,
    executor: Executor = ExecutorName.processes,
    workers: Workers = None,
    readme: Annotated[
        Path | None, typer.Option(help="also write the anchor table between the anchor-table markers of this README")
    ] = None,
) -> None:
    """Write the validation report: targets, holdout and time-split checks, posterior, identification."""
    from infosim.calibration.posterior import resolve_calibration_dir
    from infosim.calibration.validate import validate

    files = validate(
        resolve_calibration_dir(calibration),
        time_split=time_split,
        holdout=holdout,
        out=out,
        notes=notes,
        draws=draws,
        seeds_per_draw=seeds_per_draw,
        seed=seed,
        executor=executor.value,
        workers=workers,
        readme=readme,
    )
    err_console.print(f"wrote {files[0]} and {len(files) - 1} other file(s):", highlight=False, markup=False)
    for f in files[1:]:
        err_console.print(f"  {f}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` and ``validate`` commands to the infosim CLI."""
    app.command(name="calibrate")(calibrate_command)
    app.command(name="validate")(validate_command)
