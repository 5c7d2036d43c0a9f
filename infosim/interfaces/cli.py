"""The `infosim` command line: run scenarios, inspect and validate scenario files.

Experiment commands (batch, sweep) and analysis commands (compare, report) register themselves
from `cli_experiments.py` and `cli_analysis.py`. User errors print one line and exit 2.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from infosim.errors import InfosimError

app = typer.Typer(
    name="infosim",
    help="Agent-based simulation of information consumption under the 2020 Jiangsu policy levers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenarios_app = typer.Typer(help="List, show and validate scenario files.", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")

console = Console()
err_console = Console(stderr=True)

SUMMARY_ROWS = (
    ("5G base stations (cumulative)", "base_stations_5g", 1e3, "thousand"),
    ("5G handset users", "users_5g_handset", 1e6, "million"),
    ("5G network users", "users_5g_network", 1e6, "million"),
    ("Households with gigabit", "share_gigabit_households", 0.01, "%"),
    ("Households with smart home", "share_smart_home_households", 0.01, "%"),
    ("Firms with core business on cloud", "firms_core_cloud", 1e3, "thousand"),
    ("Star-rated cloud firms", "firms_star_cloud", 1e3, "thousand"),
)


def _parse_sets(sets: list[str] | None) -> list[str]:
    return list(sets or [])


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="scenario name (see `infosim scenarios list`) or TOML path")],
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    households: Annotated[int | None, typer.Option(help="household agents (default: the scenario's)")] = None,
    months: Annotated[int | None, typer.Option(help="months to simulate (default: the scenario's)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, key.path=value (repeatable)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default results/<scenario>)")] = None,
    keep_agents: Annotated[bool, typer.Option(help="also write agent-level records")] = False,
    posterior: Annotated[
        int | None, typer.Option(min=1, help="also run N posterior draws and write timeseries_bands.parquet")
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option(help="run at this calibration's point estimate (with --posterior default calibration/<scenario>)"),
    ] = None,
    seeds_per_draw: Annotated[int, typer.Option(min=1, help="seeds per posterior draw (with --posterior)")] = 1,
) -> None:
    """Run one scenario: print a summary, write the monthly series (Parquet, CSV) and a chart.

    With --posterior N the run uses the calibration's point estimate, and N posterior draws x
    --seeds-per-draw seeds add 5-50-95% bands of every series (timeseries_bands.parquet).
    """
    from infosim.interfaces.report_run import plot_run, write_run
    from infosim.run import run_scenario
    from infosim.scenario import apply_overrides, load_scenario

    config = load_scenario(scenario, _parse_sets(set_))
    updates = {k: v for k, v in (("run.households", households), ("run.months", months)) if v is not None}
    if updates:
        config = apply_overrides(config, updates)
    calib_dir = None
    if posterior is not None or calibration is not None:
        from infosim.calibration.posterior import load_posterior, resolve_calibration_dir

        calib_dir = resolve_calibration_dir(calibration, config.name)
        config = apply_overrides(config, load_posterior(calib_dir).point_estimate)
    n, m = config.run.households, config.run.months
    err_console.print(f"[bold]infosim[/] running [cyan]{config.name}[/] — {n:,} households, {m} months, seed {seed}")
    result = run_scenario(config, seed, keep_agents=keep_agents, progress=n >= 1_000_000)
    out_dir = out or Path("results") / config.name
    files = write_run(result, config, out_dir)
    files.append(plot_run(result, out_dir / "timeseries.png"))
    if posterior is not None:
        from infosim.calibration.predictive import posterior_run

        err_console.print(f"posterior bands: {posterior} draws x {seeds_per_draw} seed(s) from {calib_dir}")
        files += posterior_run(config, calib_dir, posterior, out_dir, seeds_per_draw=seeds_per_draw, seed=seed)
    console.print(summary_table(result))
    err_console.print(f"finished in {result.elapsed_s:.2f} s; wrote:")
    for f in files:
        err_console.print(f"  {f}")


def summary_table(result) -> Table:
    """A rich table of the headline outcomes at end-2020, end-2021 and the end of the run."""
    ts = result.timeseries
    end_label = ts["month"].iloc[-1]
    table = Table(title=f"{result.scenario} (seed {result.seed}) — province totals")
    table.add_column("outcome")
    cols = [lab for lab in ("2020-12", "2021-12") if lab in set(ts["month"])] + [end_label]
    cols = list(dict.fromkeys(cols))
    for lab in cols:
        table.add_column(lab, justify="right")
    for title, key, scale, unit in SUMMARY_ROWS:
        vals = [ts.loc[ts["month"] == lab, key].iloc[0] / scale for lab in cols]
        table.add_row(f"{title} ({unit})", *[f"{v:,.1f}" for v in vals])
    info = {lab[:4]: ts.loc[ts["month"].str.startswith(lab[:4]), "info_consumption_yuan"].sum() / 1e9 for lab in cols}
    fiscal = {lab[:4]: ts.loc[ts["month"].str.startswith(lab[:4]), "fiscal_spend_yuan"].sum() / 1e9 for lab in cols}
    table.add_row("Information consumption in the year (bn yuan)", *[f"{info[lab[:4]]:,.1f}" for lab in cols])
    table.add_row("Public spending in the year (bn yuan)", *[f"{fiscal[lab[:4]]:,.2f}" for lab in cols])
    return table


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List the scenarios found in ./scenarios and the package's scenarios folder."""
    from infosim.scenario import list_scenarios, load_scenario

    table = Table(title="scenarios")
    table.add_column("name")
    table.add_column("extends")
    table.add_column("levers on")
    table.add_column("description")
    for name, path in list_scenarios().items():
        try:
            sc = load_scenario(path)
        except InfosimError as exc:
            table.add_row(name, "", "[red]invalid[/]", str(exc).splitlines()[0])
            continue
        on = [k for k, v in sc.levers if v.enabled]
        table.add_row(name, sc.extends or "", ", ".join(on) or "-", sc.description)
    console.print(table)


@scenarios_app.command("show")
def scenarios_show(
    name: Annotated[str, typer.Argument(help="scenario name or TOML path")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, key.path=value")] = None,
) -> None:
    """Print the fully resolved scenario (after `extends` and overrides) as JSON."""
    from infosim.scenario import load_scenario

    sc = load_scenario(name, _parse_sets(set_))
    console.print_json(json.dumps(sc.model_dump(mode="json")))


@scenarios_app.command("validate")
def scenarios_validate(files: Annotated[list[Path], typer.Argument(help="scenario TOML files")]) -> None:
    """Validate scenario files; print one line per problem and exit 2 if any is invalid."""
    from infosim.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            load_scenario(f)
            console.print(f"[green]ok[/] {f}")
        except InfosimError as exc:
            bad += 1
            for line in str(exc).splitlines():
                err_console.print(f"invalid: {line}", highlight=False, markup=False, soft_wrap=True)
    if bad:
        raise typer.Exit(code=2)


def _register_optional(module: str) -> None:
    try:
        mod = importlib.import_module(f"infosim.interfaces.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"infosim.interfaces.{module}":
            raise
        return
    mod.register(app)


for _module in ("cli_experiments", "cli_analysis", "cli_calibration"):
    _register_optional(_module)


def main() -> None:
    """Entry point: run the Typer app; user errors become one line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except InfosimError as exc:
        for line in str(exc).splitlines():
            err_console.print(f"error: {line}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
