"""What runs in a worker: execute one task, turn its result into Parquet bytes, catch failures.

:func:`execute_task` never raises for a failing run: the outcome carries the traceback, so one
bad run cannot stop an experiment. Results leave the worker as Parquet bytes with the run's id
columns (run_id, scenario, point, replicate, seed, one plain-named column per varied key)
already added, so the parent only writes files and never holds DataFrames.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from infosim.errors import SpecError
from infosim.experiments.experiment import RunTask
from infosim.experiments.numerics import numerics_fingerprint
from infosim.experiments.params import Kind
from infosim.scenario import scenario_from_dict

#: Datasets a run can write, in this order.
DATASETS = ("timeseries", "summary", "breakdowns", "ledger", "agents", "payments")

_ARROW_TYPES: dict[str, pa.DataType] = {
    "bool": pa.bool_(),
    "int": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
    "json": pa.string(),
}

RunFunction = Callable[..., Any]


@dataclass
class TaskOutcome:
    """What a worker sends back for one run."""

    run_id: str
    status: str  # "done" | "failed"
    files: dict[str, bytes] = field(default_factory=dict)
    started_at: float = 0.0
    finished_at: float = 0.0
    duration_s: float = 0.0
    worker: str = ""
    error_type: str | None = None
    error: str | None = None
    message: str | None = None
    numerics: str = ""  # the worker's numerical environment (infosim.experiments.numerics)


def default_run_function() -> RunFunction:
    """:func:`infosim.run.run_scenario` (imported lazily so tests can run without the model)."""
    from infosim.run import run_scenario

    return run_scenario


def execute_task(task: RunTask, run_function: RunFunction | None = None) -> TaskOutcome:
    """Run one task and return its outcome; exceptions become a ``failed`` outcome.

    Args:
        task: the run to execute.
        run_function: called as ``run_function(scenario, seed, households=, months=,
            keep_agents=)`` and returning an object shaped like :class:`infosim.run.RunResult`;
            default :func:`infosim.run.run_scenario`.

    Returns:
        The :class:`TaskOutcome` (Parquet bytes per dataset when done, traceback when failed).
    """
    fn = run_function or default_run_function()
    started, t0 = time.time(), time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        scenario = scenario_from_dict(task.scenario_data, source=f"run {task.run_id}")
        result = fn(
            scenario,
            task.record.seed,
            households=task.households,
            months=task.months,
            keep_agents=task.keep_agents,
        )
        files = {name: parquet_bytes(t) for name, t in result_tables(result, task).items()}
    except Exception as exc:
        return TaskOutcome(
            task.run_id,
            "failed",
            {},
            started,
            time.time(),
            time.perf_counter() - t0,
            worker,
            type(exc).__name__,
            traceback.format_exc(),
            str(exc),
            numerics_fingerprint(),
        )
    return TaskOutcome(
        task.run_id,
        "done",
        files,
        started,
        time.time(),
        time.perf_counter() - t0,
        worker,
        numerics=numerics_fingerprint(),
    )


# --------------------------------------------------------------------------------------------
# Result -> tables
# --------------------------------------------------------------------------------------------
def id_columns(task: RunTask) -> list[tuple[str, Any, pa.DataType]]:
    """The id columns every stored table starts with: name, value, Arrow type."""
    r = task.record
    cols: list[tuple[str, Any, pa.DataType]] = [
        ("run_id", r.run_id, pa.string()),
        ("scenario", r.scenario, pa.string()),
        ("point", r.point, pa.int64()),
        ("replicate", r.replicate, pa.int64()),
        ("seed", r.seed, pa.int64()),
    ]
    names = dict(task.columns)
    for key, value in r.values.items():
        kind: Kind = task.kinds[key]
        cols.append((names.get(key, key), value, _ARROW_TYPES[kind]))
    return cols


def with_ids(df: pd.DataFrame, task: RunTask) -> pa.Table:
    """`df` as an Arrow table with the run's id columns in front."""
    ids = id_columns(task)
    clash = [name for name, _, _ in ids if name in df.columns]
    if clash:
        raise ValueError(f"output columns {clash} clash with the id columns of the results store")
    n = len(df)
    id_arrays = {name: pa.array([value] * n, type=typ) for name, value, typ in ids}
    if len(df.columns) == 0:  # e.g. a summary whose outputs were all filtered out
        return pa.table(id_arrays)
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    for i, (name, array) in enumerate(id_arrays.items()):
        table = table.add_column(i, name, array)
    return table


def output_matches(name: str, pattern: str) -> bool:
    """True if output `name` is selected by `pattern`: equal, a glob match, or a statistic of
    it (``users_5g_network`` selects ``users_5g_network_end``, ``..._2020_12``, ``..._total``).
    """
    return name == pattern or fnmatchcase(name, pattern) or name.startswith(pattern + "_")


def _keep(name: str, patterns: tuple[str, ...] | None) -> bool:
    return patterns is None or any(output_matches(name, p) for p in patterns)


def result_tables(result: Any, task: RunTask) -> dict[str, pa.Table]:
    """The stored tables of a run result, filtered by the task's ``outputs``.

    ``outputs`` patterns select time-series columns, summary keys and breakdown metrics; the
    ledger is kept unless ``outputs`` is given without ``"ledger"``.

    Raises:
        SpecError: an ``outputs`` pattern that matches nothing the model produces.
    """
    pats = task.outputs
    ts: pd.DataFrame = result.timeseries
    ts_cols = [c for c in ts.columns if c != "month"]
    summary = {k: float(v) for k, v in result.summary.items()}
    bd: pd.DataFrame = result.breakdowns
    bd_metrics = list(dict.fromkeys(bd["metric"])) if "metric" in bd.columns else []
    if pats is not None:
        _check_patterns(pats, ts_cols, list(summary), bd_metrics, task.source)
    ts_keep = ["month"] * ("month" in ts.columns) + [c for c in ts_cols if _keep(c, pats)]
    tables = {
        "timeseries": with_ids(ts[ts_keep], task),
        "summary": with_ids(pd.DataFrame([{k: v for k, v in summary.items() if _keep(k, pats)}]), task),
    }
    if pats is not None and "metric" in bd.columns:
        bd = bd[bd["metric"].map(lambda m: _keep(str(m), pats))]
    tables["breakdowns"] = with_ids(bd, task)
    if pats is None or "ledger" in pats:
        tables["ledger"] = with_ids(result.ledger, task)
    if task.keep_agents:
        for name in ("agents", "payments"):
            df = getattr(result, name, None)
            if df is not None:
                tables[name] = with_ids(df, task)
    return tables


def _check_patterns(
    pats: tuple[str, ...], ts_cols: list[str], summary: list[str], metrics: list[str], source: str
) -> None:
    names = [*ts_cols, *summary, *metrics, "ledger"]
    unknown = [p for p in pats if not any(output_matches(n, p) for n in names)]
    if unknown:
        sample = ", ".join(sorted(set(ts_cols))[:40])
        raise SpecError(
            f"{source}: key outputs: {', '.join(map(repr, unknown))} match no output of the model; "
            f"time-series outputs are: {sample}{' ...' if len(set(ts_cols)) > 40 else ''}"
        )


def parquet_bytes(table: pa.Table) -> bytes:
    """`table` as the bytes of a zstd-compressed Parquet file."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()
