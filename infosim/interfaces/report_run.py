"""Write one run's outputs to a folder (atomically) and draw its overview chart.

A run's files are written into a hidden staging folder beside the output folder, then moved
into place with one rename (after moving any previous run aside): a reader never sees a mix
of two runs' files, and a kill leaves either the previous results or the new ones (plus a
hidden staging folder that the next run removes).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infosim.errors import OutputError
from infosim.scenario.search import shorten

if TYPE_CHECKING:
    import pandas as pd

    from infosim.run import RunResult
    from infosim.scenario import Scenario

#: Written last: a folder holding it holds a complete run.
RUN_MARKER = "summary.json"
RUN_FILES = (
    "timeseries.parquet",
    "timeseries.csv",
    "breakdowns.parquet",
    "breakdowns.csv",
    "ledger.parquet",
    "agents.parquet",
    "payments.parquet",
    "timeseries.png",
    RUN_MARKER,
)


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through `write(tmp_path)` into a temp file beside `path`, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_run(result: RunResult, scenario: Scenario, out: Path) -> list[Path]:
    """Write the run's tables (Parquet + CSV), summary and the scenario as run.

    Returns:
        The files written.
    """
    from infosim.experiments.numerics import numerics_fingerprint
    from infosim.experiments.store import json_safe

    out.mkdir(parents=True, exist_ok=True)
    files = [
        atomic_write(out / "timeseries.parquet", lambda p: result.timeseries.to_parquet(p, index=False)),
        atomic_write(out / "timeseries.csv", lambda p: result.timeseries.to_csv(p, index=False)),
        atomic_write(out / "breakdowns.parquet", lambda p: result.breakdowns.to_parquet(p, index=False)),
        atomic_write(out / "breakdowns.csv", lambda p: result.breakdowns.to_csv(p, index=False)),
        atomic_write(out / "ledger.parquet", lambda p: result.ledger.to_parquet(p, index=False)),
    ]
    meta = {
        "scenario": scenario.model_dump(mode="json"),
        "seed": result.seed,
        "elapsed_s": result.elapsed_s,
        **{k: v for k, v in result.meta.items()},
        "numerics": numerics_fingerprint(),  # bit-identical reruns need the same (docs/experiments.md)
    }
    if result.agents is not None:
        files.append(atomic_write(out / "agents.parquet", lambda p: result.agents.to_parquet(p, index=False)))
    if result.payments is not None:
        files.append(atomic_write(out / "payments.parquet", lambda p: result.payments.to_parquet(p, index=False)))
    text = json.dumps(json_safe({"summary": result.summary, "run": meta}), indent=2, allow_nan=False)
    files.append(atomic_write(out / RUN_MARKER, lambda p: p.write_text(text, encoding="utf-8")))
    return files


def check_out_folder(out: str | Path) -> bool:
    """Check that a run's results can go to `out` (before the run starts).

    Returns:
        True if `out` holds a previous run (it will be replaced), False if it is new or empty.

    Raises:
        OutputError: `out` is empty text, a file, below a file, not writable, or a non-empty
            folder that holds no infosim run (nothing of the user's is ever overwritten).
    """
    shown = shorten(str(out))
    if isinstance(out, str) and not out.strip():
        raise OutputError("--out: empty folder name; give a folder, e.g. --out results/mine")
    out = Path(out)
    try:
        here = Path.cwd().resolve()
        if out.resolve() in (here, *here.parents):
            raise OutputError(
                f"--out {shown}: the current folder (or one above it) cannot hold a run; name a subfolder"
            )
        if out.exists() or out.is_symlink():
            if not out.is_dir():
                raise OutputError(f"--out {shown}: is a file, not a folder")
            entries = sorted(p.name for p in out.iterdir())
            if not entries:
                return False
            # Only a folder of run files (and temp files of an interrupted write) is replaced.
            if all(n in RUN_FILES or (n.startswith(".") and n.endswith(".tmp")) for n in entries):
                return True
            raise OutputError(
                f"--out {shown}: folder is not empty and holds no infosim run ({', '.join(entries[:3])}"
                f"{', ...' if len(entries) > 3 else ''}); choose a new or empty folder"
            )
        parent = out.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise OutputError(f"--out {shown}: {parent} is a file, not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"--out {shown}: cannot create it, {parent} is not writable")
    except OSError as exc:
        raise OutputError(f"--out {shown}: {exc.strerror or exc}") from None
    return False


def write_run_folder(
    result: RunResult, scenario: Scenario, out: Path, *, chart: bool = True
) -> tuple[list[Path], bool]:
    """Write a run's files and chart to `out`, replacing a previous run there as one step.

    Returns:
        The files written (under `out`) and whether a previous run was replaced.

    Raises:
        OutputError: the folder cannot be written (see :func:`check_out_folder`).
    """
    replaced = check_out_folder(out)
    stage = old = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(out)
        stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
        written = write_run(result, scenario, stage)
        if chart:
            written.append(plot_run(result, stage / "timeseries.png"))
        stage.chmod(0o755)  # mkdtemp makes it private; results are meant to be shared
        if out.exists():
            old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(out, old)
        os.rename(stage, out)
        stage = None
    except OSError as exc:
        raise OutputError(f"cannot write results to {shorten(str(out))}: {exc.strerror or exc}") from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return [out / p.name for p in written], replaced


def _remove_leftovers(out: Path) -> None:
    """Staging and old folders of an earlier write to `out` that was killed."""
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for p in out.parent.glob(pattern):
            shutil.rmtree(p, ignore_errors=True)


def plot_run(result: RunResult, path: Path) -> Path:
    """A 2x2 overview: 5G stations and users, household shares, firms on cloud, money.

    Drawn on a bare :class:`~matplotlib.figure.Figure` (no pyplot, no global state) with
    fractional years on the x axis and public spending as one stacked step area per lever: a
    few dozen artists, so the chart costs a fraction of a second (a bar per lever and month,
    pyplot and date axes made it cost about a second).
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    ts = result.timeseries
    year_month = ts["month"].str.split("-", expand=True).astype(int)
    x = (year_month[0] + (year_month[1] - 1) / 12).to_numpy()
    # Fixed margins: a layout engine measures every text several times and doubles the cost.
    fig = Figure(figsize=(11, 7.5))
    fig.subplots_adjust(left=0.05, right=0.93, bottom=0.05, top=0.92, wspace=0.22, hspace=0.22)
    axes = fig.subplots(2, 2)
    ax = axes[0, 0]
    ax.plot(x, ts["users_5g_handset"] / 1e6, label="5G handset users (m)")
    ax.plot(x, ts["users_5g_network"] / 1e6, label="5G network users (m)")
    ax.plot(x, ts["base_stations_5g"] / 1e3, "--", label="5G base stations (k)")
    ax.set_title("5G")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    for col, lab in (
        ("share_gigabit_households", "gigabit"),
        ("share_smart_home_households", "smart home"),
        ("share_tv4k_households", "4K TV"),
        ("coverage_5g_households", "5G coverage"),
    ):
        ax.plot(x, ts[col] * 100, label=lab)
    ax.set_title("Households (%)")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.plot(x, ts["firms_core_cloud"] / 1e3, label="core business on cloud")
    ax.plot(x, ts["firms_star_cloud"] / 1e3, label="star-rated")
    ax.set_title("Enterprises (thousand)")
    ax.legend(fontsize=8)
    _plot_money(axes[1, 1], ts, x)
    for a in axes.flat:
        a.grid(alpha=0.3)
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"infosim — {result.scenario} (seed {result.seed})")
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    return path


def _plot_money(ax: Any, ts: pd.DataFrame, x: Any) -> None:
    """Consumption (line, left axis) over public spending per lever (stacked steps, right axis)."""
    import numpy as np

    spend = ax.twinx()
    ax.set_zorder(spend.get_zorder() + 1)  # the consumption line above the spending areas
    ax.patch.set_visible(False)
    levers = [c for c in ts.columns if c.startswith("fiscal_spend_") and c != "fiscal_spend_yuan"]
    bottom = np.zeros(len(ts))
    for i, col in enumerate(levers):
        vals = ts[col].to_numpy(dtype=float) / 1e6
        if vals.sum() > 0:
            spend.fill_between(x, bottom, bottom + vals, step="post", alpha=0.5, linewidth=0, color=f"C{i + 1}",
                               label=col.removeprefix("fiscal_spend_").removesuffix("_yuan"))
            bottom = bottom + vals
    spend.set_ylim(bottom=0)
    ax.plot(x, ts["info_consumption_yuan"] / 1e9, color="C0", label="information consumption (bn yuan/month)")
    ax.set_title("Consumption and public spending")
    ax.set_ylabel("bn yuan / month")
    spend.set_ylabel("public spending, m yuan / month")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = spend.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
