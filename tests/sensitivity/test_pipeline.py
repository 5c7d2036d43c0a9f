"""The whole pipeline (store, designs, outcome values, indices, tables, docs) against known answers:
a toy model with analytic Sobol' indices, and a model parameter that provably does not move an
outcome."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infosim.experiments.store import StoreError
from infosim.sensitivity import load_sensitivity, run_sensitivity, write_sensitivity_docs
from infosim.sensitivity.plan import Block, SensitivityPlan
from infosim.sensitivity.run import SensitivityRun
from infosim.sensitivity.spec import spec_from_dict

from .toy import KEYS, S1, S2_13, ST, toy_run

pytestmark = pytest.mark.slow


def toy_spec(**changes) -> dict:
    raw = {
        "name": "toy", "seed": 4, "households": 200, "months": 3, "horizon": "end", "replicates": 1,
        "metrics": ["buildout_5g_network_users"], "parameters": list(KEYS),
        "morris": {"trajectories": 10, "replicates": 2, "select_share": 0.05},
        "sobol": {"samples": 64, "bootstrap": 300, "second_order_max_params": 3},
    }
    raw.update(changes)
    return raw


@pytest.fixture(scope="module")
def toy_analysis(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sens") / "toy"
    run_sensitivity(spec_from_dict(toy_spec()), out, executor="serial", run_function=toy_run, progress=False,
                    log=lambda _: None)
    return out


def within(value: float, truth: float, conf: float, slack: float = 0.03) -> bool:
    return abs(value - truth) <= conf + slack


def test_toy_indices_match_the_analytic_values(toy_analysis: Path) -> None:
    res = load_sensitivity(toy_analysis)
    block = res.meta["blocks"][0]
    assert set(block["parameters"]) == set(KEYS[:3])  # the inert fourth was screened out
    full = res.sobol[res.sobol["fraction"] == 1.0].set_index("key")
    assert (full["n_base"] == 64).all()
    for key in KEYS[:3]:
        assert within(full.at[key, "S1"], S1[key], full.at[key, "S1_conf"]), (key, full.loc[key])
        assert within(full.at[key, "ST"], ST[key], full.at[key, "ST_conf"]), (key, full.loc[key])
    s2 = res.sobol2[res.sobol2["fraction"] == 1.0]
    pair = s2[s2["key_1"].isin([KEYS[0], KEYS[2]]) & s2["key_2"].isin([KEYS[0], KEYS[2]])]
    assert within(pair["S2"].iloc[0], S2_13, pair["S2_conf"].iloc[0])
    top = res.top_assumptions()
    assert top.iloc[0]["key"] == KEYS[0] and top.iloc[0]["measure"] == "ST"


def test_toy_morris_screens_out_the_inert_parameter(toy_analysis: Path) -> None:
    m = load_sensitivity(toy_analysis).morris
    full = m[m["fraction"] == 1.0].set_index("key")
    assert full.at[KEYS[3], "mu_star"] == 0.0
    assert not full.at[KEYS[3], "selected"] and full.loc[list(KEYS[:3]), "selected"].all()


def test_toy_seed_noise_is_measured_and_cancels_under_common_random_numbers(toy_analysis: Path) -> None:
    noise = load_sensitivity(toy_analysis).noise.set_index("stage")
    morris = noise.loc["morris"]
    assert morris["replicates"] == 2
    assert morris["share"] > 0.0  # the replicates differ ...
    assert morris["share_crn"] == pytest.approx(0.0, abs=1e-9)  # ... by a shift every point shares
    assert np.isnan(noise.loc["sobol", "share"])  # one replicate in stage 2: not measurable there


def test_rerun_with_resume_recomputes_nothing(toy_analysis: Path) -> None:
    before = {p: p.read_bytes() for p in (toy_analysis / "morris" / "runs").glob("*.json")}
    with pytest.raises(StoreError, match="pass --resume"):
        run_sensitivity(spec_from_dict(toy_spec()), toy_analysis, executor="serial", run_function=toy_run,
                        progress=False, log=lambda _: None)
    run_sensitivity(spec_from_dict(toy_spec()), toy_analysis, executor="serial", run_function=toy_run,
                    progress=False, resume=True, log=lambda _: None)
    meta = json.loads((toy_analysis / "sensitivity.json").read_text())
    last = meta["sessions"][-2:]
    assert [s["done"] for s in last] == [0, 0] and all(s["skipped"] > 0 for s in last)
    assert {p: p.read_bytes() for p in (toy_analysis / "morris" / "runs").glob("*.json")} == before


def test_docs_are_written_from_the_tables(toy_analysis: Path, tmp_path: Path) -> None:
    md = write_sensitivity_docs(toy_analysis, tmp_path / "docs" / "sensitivity.md")
    text = md.read_text()
    for heading in ("## What each headline effect depends on most", "## Stage 1: Morris screening",
                    "## Stage 2: Sobol' indices", "### Convergence", "## Seed noise", "## How many replicates"):
        assert heading in text
    assert "`phones.life_shape` (ST" in text
    figures = sorted(p.name for p in (tmp_path / "docs" / "figures").glob("*.png"))
    assert figures == ["sensitivity_convergence.png", "sensitivity_morris.png", "sensitivity_noise.png",
                       "sensitivity_sobol_buildout_only.png"]


# --------------------------------------------------------------------------------------------
# The real model: a parameter that provably does not move an outcome
# --------------------------------------------------------------------------------------------
INERT = ("parameters.enterprises.base_hazard", "parameters.enterprises.peer_weight")
ACTIVE = "parameters.spending.freed_money_spend_share"


@pytest.fixture(scope="module")
def model_analysis(tmp_path_factory: pytest.TempPathFactory) -> SensitivityRun:
    spec = spec_from_dict({
        "name": "inert", "seed": 9, "households": 1500, "months": 24, "replicates": 1,
        "constants": {"run.enterprises": 300}, "metrics": ["voucher_multiplier"],
        "parameters": [ACTIVE, *INERT], "morris": {"trajectories": 4}, "sobol": {"samples": 8, "bootstrap": 200},
    })
    out = tmp_path_factory.mktemp("sens") / "inert"
    run_sensitivity(spec, out, executor="serial", progress=False, stages=("morris",), estimate_cost=False,
                    log=lambda _: None)
    run = SensitivityRun(SensitivityPlan(spec), out, log=lambda _: None)
    run.prepare(resume=True, overwrite=False)
    # Stage 2 on a block that keeps the inert parameters on purpose (screening drops them).
    run.sobol_block(Block("vouchers_only", ("baseline", "vouchers_only"), ("voucher_multiplier",),
                          (ACTIVE, *INERT), (), True), "serial", False, None, None)
    return run


def test_firms_parameters_get_zero_morris_effect(model_analysis: SensitivityRun) -> None:
    m = pd.read_parquet(model_analysis.tables / "morris.parquet")
    full = m[m["fraction"] == 1.0].set_index("key")
    assert full.at[ACTIVE, "mu_star"] > 0
    for key in INERT:
        assert full.at[key, "mu_star_norm"] < 1e-6, full.loc[key]
        assert not full.at[key, "selected"]


def test_firms_parameters_get_sobol_indices_indistinguishable_from_zero(model_analysis: SensitivityRun) -> None:
    s = pd.read_parquet(model_analysis.tables / "sobol.parquet")
    full = s[s["fraction"] == 1.0].set_index("key")
    for key in INERT:
        assert abs(full.at[key, "ST"]) < 1e-6, full.loc[key]
        assert abs(full.at[key, "S1"]) <= full.at[key, "S1_conf"] + 1e-6, full.loc[key]
    assert full.at[ACTIVE, "ST"] > 0.5  # the one parameter that matters here takes the variance
