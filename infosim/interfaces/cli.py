"""The `infosim` command line: run scenarios, inspect and validate scenario files.

Experiment commands (batch, sweep) and analysis commands (compare, report) register themselves
from `cli_experiments.py` and `cli_analysis.py`. Every user error — a bad option, scenario,
value or folder — prints one line starting with ``error:`` and exits with code 2.
"""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from infosim.errors import InfosimError, ScenarioError
from infosim.interfaces.cli_options import (
    MAX_SEED,
    AllowOutside,
    Group,
    LazyConsole,
    ScenarioDirs,
    new_table,
    stdout_console,
    use_scenario_options,
)

if TYPE_CHECKING:
    from rich.table import Table


# Help is click's plain layout (rich_markup_mode=None): rich's help panels cost ~0.2 s per call.
app = typer.Typer(
    name="infosim",
    cls=Group,
    rich_markup_mode=None,
    context_settings={"max_content_width": 100},
    help="Agent-based simulation of information consumption under the 2020 Jiangsu policy levers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenarios_app = typer.Typer(
    cls=Group, rich_markup_mode=None, help="List, show and validate scenario files.", no_args_is_help=True
)
app.add_typer(scenarios_app, name="scenarios")

console = stdout_console(piped_width=200)  # whole names when piped
err_console = LazyConsole(stderr=True, soft_wrap=True)  # one line per message, for logs

Seed = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed (0 to 2^63-1)")]


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="scenario name (see `infosim scenarios list`) or TOML path")],
    seed: Seed = 0,
    households: Annotated[int | None, typer.Option(help="household agents (default: the scenario's)")] = None,
    months: Annotated[int | None, typer.Option(help="months to simulate (default: the scenario's)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, key.path=value (repeatable)")] = None,
    out: Annotated[str | None, typer.Option(help="output folder (default results/<scenario>)")] = None,
    keep_agents: Annotated[bool, typer.Option(help="also write agent-level records")] = False,
    scenarios: ScenarioDirs = None,
    allow_outside_paths: AllowOutside = False,
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

    The shipped scenarios run at the calibrated point estimate (scenarios/parameters/). With
    --posterior N, N posterior draws x --seeds-per-draw seeds add 5-50-95% bands of every series
    (timeseries_bands.parquet); --calibration DIR runs at another calibration's point estimate.
    """
    from infosim.interfaces.report_run import check_out_folder, write_run_folder
    from infosim.run import run_scenario
    from infosim.scenario import load_scenario

    use_scenario_options(scenarios, allow_outside_paths)
    scale = [f"run.{k}={v}" for k, v in (("households", households), ("months", months)) if v is not None]
    config = load_scenario(scenario, [*(set_ or []), *scale])  # validated together: --months may fix run.start
    calib_dir = None
    if posterior is not None or calibration is not None:
        from infosim.calibration.posterior import load_posterior, resolve_calibration_dir
        from infosim.scenario import apply_overrides

        calib_dir = resolve_calibration_dir(calibration, config.name)
        if calibration is not None:
            config = apply_overrides(config, load_posterior(calib_dir).point_estimate)
    out_text = out if out is not None else str(Path("results") / config.name)
    check_out_folder(out_text)
    out_dir = Path(out_text)
    n, m = config.run.households, config.run.months
    err_console.print(f"[bold]infosim[/] running [cyan]{config.name}[/] — {n:,} households, {m} months, seed {seed}")
    result = run_scenario(config, seed, keep_agents=keep_agents, progress=n >= 1_000_000)
    files, replaced = write_run_folder(result, config, out_dir)
    if posterior is not None:
        from infosim.calibration.predictive import posterior_run

        err_console.print(f"posterior bands: {posterior} draws x {seeds_per_draw} seed(s) from {calib_dir}")
        files += posterior_run(config, calib_dir, posterior, out_dir, seeds_per_draw=seeds_per_draw, seed=seed)
    console.print(summary_table(result))
    err_console.print(f"finished in {result.elapsed_s:.2f} s; wrote:")
    for f in files:
        err_console.print(f"  {f}", highlight=False)
    if replaced:
        err_console.print(f"replaced the previous results in {out_dir}", highlight=False)


def summary_table(result: Any) -> Table:
    """A rich table of the headline outcomes (``infosim.outcomes.CLI_SUMMARY``): stocks at end-2020,
    end-2021 and the end of the run, flows summed over each calendar year."""
    from infosim.outcomes import CLI_SUMMARY, SERIES_BY_NAME

    ts = result.timeseries
    end_label = ts["month"].iloc[-1]
    table = new_table(f"{result.scenario} (seed {result.seed}) — province totals")
    table.add_column("outcome")
    cols = [lab for lab in ("2020-12", "2021-12") if lab in set(ts["month"])] + [end_label]
    cols = list(dict.fromkeys(cols))
    for lab in cols:
        table.add_column(lab, justify="right")
    for name in CLI_SUMMARY:
        o = SERIES_BY_NAME[name]
        if o.is_flow:
            vals = [ts.loc[ts["month"].str.startswith(lab[:4]), name].sum() / o.scale for lab in cols]
            title = f"{o.label} in the year ({o.scale_label})"
        else:
            vals = [ts.loc[ts["month"] == lab, name].iloc[0] / o.scale for lab in cols]
            title = f"{o.label} ({o.scale_label or o.unit})"
        digits = 2 if o.is_flow else 1
        table.add_row(title, *[f"{v:,.{digits}f}" for v in vals])
    return table


@scenarios_app.command("list")
def scenarios_list(scenarios: ScenarioDirs = None, allow_outside_paths: AllowOutside = False) -> None:
    """List the scenarios on the search path and where each comes from."""
    from infosim.scenario import load_scenario, scenario_sources, search_path

    use_scenario_options(scenarios, allow_outside_paths)
    table = new_table("scenarios")
    for col in ("name", "from", "extends", "levers on", "description"):
        table.add_column(col, no_wrap=col in ("name", "from"))
    for name, found in scenario_sources().items():
        origin = found.origin + (f" (hides {', '.join(found.shadows)})" if found.shadows else "")
        try:
            sc = load_scenario(found.path)
        except InfosimError as exc:
            table.add_row(name, origin, "", "[red]invalid[/]", exc.problems[0])
            continue
        on = [k for k, v in sc.levers if v.enabled]
        table.add_row(name, origin, sc.extends or "", ", ".join(on) or "-", sc.description)
    console.print(table)
    for d in search_path():
        console.print(f"  searched {d.path} ({d.origin})", highlight=False, soft_wrap=True)


@scenarios_app.command("show")
def scenarios_show(
    name: Annotated[str, typer.Argument(help="scenario name or TOML path")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, key.path=value")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the resolved scenario as JSON only")] = False,
    scenarios: ScenarioDirs = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Print the resolved scenario, each value with where it came from (default, file or --set)."""
    from infosim.scenario import explain_scenario

    use_scenario_options(scenarios, allow_outside_paths)
    sc, sources = explain_scenario(name, set_ or [])
    data = sc.model_dump(mode="json")
    if as_json:
        console.print_json(json.dumps(data))
        return
    lines = [(key, _toml_text(_lookup(data, key)), _describe_source(src)) for key, src in sources.items()]
    width = min(max(len(k) + len(v) + 3 for k, v, _ in lines), 90)
    for key, value, src in lines:
        console.print(f"{f'{key} = {value}':<{width}}  # {src}", highlight=False, markup=False, soft_wrap=True)


def _lookup(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


def _toml_text(value: Any) -> str:
    if value is None:
        return "(not set)"
    return json.dumps(value, ensure_ascii=False)


def _describe_source(source: str) -> str:
    from infosim.scenario import search_path

    if source.startswith(("default", "--set", "file name")):
        return source
    path = Path(source)
    for d in search_path():
        try:
            return f"{path.relative_to(d.path)} ({d.origin})"
        except ValueError:
            continue
    return source


@scenarios_app.command("validate")
def scenarios_validate(
    files: Annotated[list[Path], typer.Argument(help="scenario TOML files")],
    scenarios: ScenarioDirs = None,
    allow_outside_paths: AllowOutside = False,
) -> None:
    """Validate scenario files; print every problem and exit 2 if any file is invalid."""
    from infosim.scenario import load_scenario

    use_scenario_options(scenarios, allow_outside_paths)
    bad = 0
    for f in files:
        try:
            load_scenario(f)
            console.print(f"[green]ok[/] {f}")
        except InfosimError as exc:
            bad += 1
            for line in exc.problems[:50]:
                err_console.print(f"invalid: {line}", highlight=False, markup=False, soft_wrap=True)
            if len(exc.problems) > 50:
                err_console.print(f"invalid: ... and {len(exc.problems) - 50} more problems in {f}", markup=False)
    if bad:
        raise InfosimError(f"{bad} of {len(files)} scenario file(s) invalid (problems listed above)")


def _register_optional(module: str) -> None:
    try:
        mod = importlib.import_module(f"infosim.interfaces.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"infosim.interfaces.{module}":
            raise
        return
    mod.register(app)


for _module in ("cli_experiments", "cli_analysis", "cli_app", "cli_sensitivity", "cli_calibration", "cli_optimise"):
    _register_optional(_module)


# --------------------------------------------------------------------------------------------
# Entry point: every user error is one line
# --------------------------------------------------------------------------------------------
def _click_exception_types() -> tuple[type[BaseException], ...]:
    """The usage-error classes of the click that typer uses (its own vendored copy, or click)."""
    types: list[type[BaseException]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            types.append(importlib.import_module(module).ClickException)
        except (ImportError, AttributeError):
            continue
    return tuple(types)


def _exit_types(name: str) -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [getattr(typer, name)]
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            types.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(types)


def usage_error_line(exc: BaseException) -> str:
    """One line for a click usage error: the command, the problem, where to read more."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    message = " ".join(message.split()).replace("Value error, ", "")
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "infosim"
    return f"{command}: {message} (see '{command} --help')"


def fail(message: str, code: int = 2) -> None:
    """Print ``error: <message>`` (one line) on stderr and exit with `code`."""
    err_console.print(f"error: {' '.join(message.split())}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(code)


def _warning_line(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> str:
    """Warnings on the command line: ``warning: <message>``, without Python's source line."""
    return f"warning: {message}\n"


def main() -> None:
    """Entry point: run the Typer app; user errors become one line on stderr and exit code 2."""
    warnings.formatwarning = _warning_line
    try:
        code = app(standalone_mode=False)
    except InfosimError as exc:
        fail(exc.one_line("`infosim scenarios validate FILE` lists them all" if isinstance(exc, ScenarioError) else ""))
    except _exit_types("Exit") as exc:
        sys.exit(getattr(exc, "exit_code", 0))
    except _exit_types("Abort"):
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except _click_exception_types() as exc:
        fail(usage_error_line(exc))
    except OSError as exc:  # a path the user gave cannot be read or written
        if exc.filename is None:
            raise
        fail(f"{str(exc.filename)[:200]}: {exc.strerror or exc}")
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
