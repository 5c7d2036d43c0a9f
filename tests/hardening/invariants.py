"""What a valid run's outputs must satisfy, checked on a results folder written by `infosim run`.

Shared by the property tests and the fuzzing script (``tests/hardening/fuzz.py``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SHARE_PREFIXES = ("share_", "coverage_")
SHARE_COLUMNS = ("awareness_mean",)


def _reject_constant(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token}")


def strict_json(text: str) -> Any:
    """Parse JSON as a strict parser would (no NaN / Infinity tokens)."""
    return json.loads(text, parse_constant=_reject_constant)


def run_output_problems(out: Path) -> list[str]:
    """Problems with the outputs of one `infosim run` folder (empty list: all invariants hold).

    Checks: every time-series number is finite and non-negative; shares lie in [0, 1]; no lever
    spent more than its budget; the ledger adds up to the time series' spending per lever and in
    total; ``summary.json`` is strict JSON.
    """
    problems: list[str] = []
    try:
        meta = strict_json((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"summary.json: {exc}"]
    ts = pd.read_parquet(out / "timeseries.parquet")
    ledger = pd.read_parquet(out / "ledger.parquet")
    numeric = ts.drop(columns=["month"]).astype("float64")
    for col in numeric.columns:
        values = numeric[col].to_numpy()
        if not np.isfinite(values).all():
            problems.append(f"timeseries.{col}: not finite")
        elif (values < 0).any():
            problems.append(f"timeseries.{col}: negative ({values.min()})")
        if (col.startswith(SHARE_PREFIXES) or col in SHARE_COLUMNS) and ((values < 0) | (values > 1 + 1e-12)).any():
            problems.append(f"timeseries.{col}: share outside [0, 1]")
    levers = meta["run"]["scenario"]["levers"]
    total = 0.0
    for lever, cfg in levers.items():
        col = f"fiscal_spend_{lever}_yuan"
        if col not in numeric.columns:
            problems.append(f"timeseries: no column {col}")
            continue
        spent = float(numeric[col].sum())
        total += spent
        budget = cfg.get("budget_yuan")
        if budget is not None and spent > budget * (1 + 1e-9) + 1e-6:
            problems.append(f"{lever}: spent {spent} > budget {budget}")
        paid = float(ledger.loc[ledger["lever"] == lever, "yuan"].sum()) if len(ledger) else 0.0
        if not math.isclose(paid, spent, rel_tol=1e-9, abs_tol=1e-6):
            problems.append(f"{lever}: ledger {paid} != time series {spent}")
    if not math.isclose(total, float(numeric["fiscal_spend_yuan"].sum()), rel_tol=1e-9, abs_tol=1e-6):
        problems.append("fiscal_spend_yuan != sum of the levers' spending")
    for key, value in meta.get("summary", {}).items():
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"summary.{key}: not finite")
    return problems


def error_lines(stderr: str) -> list[str]:
    """The lines of `stderr` that start with 'error:'."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def is_clean_error(code: int | None, stderr: str) -> bool:
    """Exit code 2, exactly one 'error:' line and no traceback."""
    return code == 2 and len(error_lines(stderr)) == 1 and "Traceback" not in stderr
