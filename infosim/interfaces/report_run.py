"""Write one run's outputs to a folder (atomically) and draw its overview chart."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from infosim.run import RunResult
from infosim.scenario import Scenario


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
    }
    files.append(
        atomic_write(
            out / "summary.json",
            lambda p: p.write_text(json.dumps({"summary": result.summary, "run": meta}, indent=2, default=float)),
        )
    )
    if result.agents is not None:
        files.append(atomic_write(out / "agents.parquet", lambda p: result.agents.to_parquet(p, index=False)))
    if result.payments is not None:
        files.append(atomic_write(out / "payments.parquet", lambda p: result.payments.to_parquet(p, index=False)))
    return files


def plot_run(result: RunResult, path: Path) -> Path:
    """A 2x2 overview: 5G stations and users, household shares, firms on cloud, money."""
    ts = result.timeseries.copy()
    ts["date"] = pd.to_datetime(ts["month"])
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), constrained_layout=True)
    ax = axes[0, 0]
    ax.plot(ts["date"], ts["users_5g_handset"] / 1e6, label="5G handset users (m)")
    ax.plot(ts["date"], ts["users_5g_network"] / 1e6, label="5G network users (m)")
    ax.plot(ts["date"], ts["base_stations_5g"] / 1e3, "--", label="5G base stations (k)")
    ax.set_title("5G")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    for col, lab in (
        ("share_gigabit_households", "gigabit"),
        ("share_smart_home_households", "smart home"),
        ("share_tv4k_households", "4K TV"),
        ("coverage_5g_households", "5G coverage"),
    ):
        ax.plot(ts["date"], ts[col] * 100, label=lab)
    ax.set_title("Households (%)")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.plot(ts["date"], ts["firms_core_cloud"] / 1e3, label="core business on cloud")
    ax.plot(ts["date"], ts["firms_star_cloud"] / 1e3, label="star-rated")
    ax.set_title("Enterprises (thousand)")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    ax.plot(ts["date"], ts["info_consumption_yuan"] / 1e9, label="information consumption (bn yuan/month)")
    ax2 = ax.twinx()
    levers = [c for c in ts.columns if c.startswith("fiscal_spend_") and c != "fiscal_spend_yuan"]
    bottom = None
    for col in levers:
        vals = ts[col] / 1e6
        if vals.sum() > 0:
            ax2.bar(
                ts["date"],
                vals,
                width=25,
                bottom=bottom,
                alpha=0.5,
                label=col.removeprefix("fiscal_spend_").removesuffix("_yuan"),
            )
            bottom = vals if bottom is None else bottom + vals
    ax.set_title("Consumption and public spending")
    ax.set_ylabel("bn yuan / month")
    ax2.set_ylabel("public spending, m yuan / month")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
    for a in axes.flat:
        a.grid(alpha=0.3)
    fig.suptitle(f"infosim — {result.scenario} (seed {result.seed})")
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return path
