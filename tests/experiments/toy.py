"""A toy run function shaped like ``infosim.run.run_scenario``, for testing the machinery.

It is fast, deterministic in (scenario, seed, scale), reads a few real scenario keys, and can
be told to fail, to die, to sleep or to log each start to a counter file:

* ``parameters.phones.life_months == 13`` -> raises ``RuntimeError`` (a failing run);
* ``parameters.phones.life_months == 14`` -> the worker process exits hard (``os._exit``);
* env ``INFOSIM_TOY_SLEEP`` -> seconds to sleep per run;
* env ``INFOSIM_TOY_COUNTER`` -> a file to which every run start appends one line.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from infosim.calendar import month_labels
from infosim.run import RunResult

FAIL_LIFE = 13.0
DIE_LIFE = 14.0


def run_key(scenario, seed: int) -> str:
    """Identifies a run in the counter file."""
    return f"{scenario.name}|{seed}|{scenario.parameters.phones.life_months:g}|{scenario.levers.vouchers.claim_share:g}"


def toy_run(scenario, seed: int, *, households=None, months=None, keep_agents=False) -> RunResult:
    """Simulate nothing much, deterministically."""
    counter = os.environ.get("INFOSIM_TOY_COUNTER")
    if counter:
        with open(counter, "a") as fh:
            fh.write(f"{run_key(scenario, seed)}|{os.getpid()}|{time.time():.6f}\n")
    life = scenario.parameters.phones.life_months
    if life == FAIL_LIFE:
        raise RuntimeError(f"toy failure for life_months={life}")
    if life == DIE_LIFE:
        os._exit(3)
    time.sleep(float(os.environ.get("INFOSIM_TOY_SLEEP", "0")))
    n = months or scenario.run.months
    hh = households or scenario.run.households
    rng = np.random.default_rng(seed)
    share = scenario.levers.vouchers.claim_share if scenario.levers.vouchers.enabled else 0.0
    hazard = 1.0 / life + 0.05 * share
    adopters = np.cumsum(rng.binomial(hh, hazard / 10, size=n))
    spend = rng.gamma(2.0, 100.0, size=n) * hh
    ts = pd.DataFrame(
        {
            "month": month_labels(n, scenario.run.start),
            "adopters": adopters.astype("int64"),
            "spend_yuan": spend,
            "fiscal_spend_yuan": np.full(n, 1000.0 * share),
        }
    )
    summary = {
        "adopters_end": float(adopters[-1]),
        "spend_total_yuan": float(spend.sum()),
        "fiscal_spend_total_yuan": float(1000.0 * share * n),
    }
    groups = ["urban", "rural"]
    breakdowns = pd.DataFrame(
        {
            "dimension": ["area"] * 4,
            "group": groups * 2,
            "metric": ["adopters_end"] * 2 + ["spend_total_yuan"] * 2,
            "value": rng.random(4),
        }
    )
    ledger = pd.DataFrame(
        {
            "lever": ["vouchers"] * 2,
            "month": month_labels(2, scenario.run.start),
            "city": ["Nanjing", "Suzhou"],
            "recipient": ["household", "household"],
            "yuan": [100.0 * share, 50.0 * share],
        }
    )
    agents = payments = None
    if keep_agents:
        agents = pd.DataFrame({"agent_id": np.arange(5), "income": rng.random(5)})
        payments = pd.DataFrame(
            {
                "kind": ["household"],
                "agent_id": [1],
                "month": ["2020-05"],
                "lever": ["vouchers"],
                "product": ["phone5g"],
                "yuan": [50.0],
            }
        )
    return RunResult(
        scenario=scenario.name,
        seed=seed,
        timeseries=ts,
        summary=summary,
        breakdowns=breakdowns,
        ledger=ledger,
        agents=agents,
        payments=payments,
    )
