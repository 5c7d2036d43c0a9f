"""The `infosim compare` and `infosim report` commands (registered by `infosim.interfaces.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from infosim.interfaces.cli_options import LazyConsole, new_table, stdout_console

if TYPE_CHECKING:
    from rich.table import Table

    from infosim.analysis import Comparison

console = stdout_console(piped_width=240)  # wide tables when piped
err_console = LazyConsole(stderr=True, soft_wrap=True)  # one line per message, for logs

Results = Annotated[Path, typer.Argument(help="results folder written by `infosim batch` or `infosim sweep`")]
Baseline = Annotated[str, typer.Option(help="the scenario every other is compared with")]


def _check_folder(results: Path) -> None:
    from infosim.analysis import AnalysisError

    if not results.is_dir():
        raise AnalysisError(f"{results}: no such results folder (run `infosim batch ... --out {results}` first)")


def compare_command(
    results: Results,
    baseline: Baseline = "baseline",
    horizon: Annotated[
        list[str] | None,
        typer.Option(help="'end' or a month YYYY-MM (repeatable; default 2020-12, 2021-12, end)"),
    ] = None,
    outcome: Annotated[list[str] | None, typer.Option(help="outcome to show (repeatable; default all)")] = None,
    out: Annotated[Path | None, typer.Option(help="also write the tidy effects table to this CSV file")] = None,
) -> None:
    """Paired effects of every scenario against the baseline, with 95% confidence intervals."""
    from infosim.analysis import compare

    _check_folder(results)
    cmp = compare(results, baseline, horizons=horizon or None, outcomes=outcome or None)
    for h in cmp.horizons:
        console.print(effects_table(cmp, h))
        console.print(headline_table(cmp, h))
    if not cmp.has_agent_data:
        err_console.print("deadweight not shown: the runs kept no agent-level records (batch --keep-agents)")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        cmp.effects.to_csv(out, index=False)
        err_console.print(f"wrote {out}")


def effects_table(cmp: Comparison, horizon: str) -> Table:
    """A rich table of effects at one horizon: one row per scenario and outcome."""
    frame = cmp.table(horizon)
    table = new_table(f"Effects against {cmp.baseline} at {horizon} (mean [95% CI] over paired replicates)")
    for col in frame.columns:
        if col != "horizon":
            table.add_column(col, justify="left" if col in ("scenario", "outcome") else "right",
                             no_wrap=col == "scenario")
    last = None
    for row in frame.itertuples(index=False):
        d = row._asdict()
        d.pop("horizon")
        table.add_row(*[str(v) if k != "scenario" or v != last else "" for k, v in d.items()])
        last = d["scenario"]
    return table


def headline_table(cmp: Comparison, horizon: str) -> Table:
    """A rich table of public money, main effects, the multiplier and deadweight per scenario."""
    frame = cmp.headline_table(horizon)
    table = new_table(f"Public money and what it bought, to {horizon}")
    for col in frame.columns:
        table.add_column(col, justify="left" if col == "Scenario" else "right", no_wrap=col == "Scenario")
    for row in frame.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    return table


def report_command(
    results: Results,
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = Path("report.html"),
    baseline: Baseline = "baseline",
    title: Annotated[str | None, typer.Option(help="report title (default: the experiment's name)")] = None,
) -> None:
    """Write one self-contained HTML report: tables, figures, scenarios as run, provenance."""
    from infosim.analysis import compare
    from infosim.analysis.report import write_report

    _check_folder(results)
    cmp = compare(results, baseline)
    path = write_report(cmp, out, title=title)
    err_console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, opens without network access)")


def register(app: typer.Typer) -> None:
    """Add the ``compare`` and ``report`` commands to the infosim CLI."""
    app.command(name="compare")(compare_command)
    app.command(name="report")(report_command)
