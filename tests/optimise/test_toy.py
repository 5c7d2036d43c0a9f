"""The optimiser against a known answer: a toy model with an analytic Pareto front, through the same
plumbing (spec, encoding, store, paired metrics, NSGA-II); its robustness tables, the recheck,
determinism across executors and resume after an interruption."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from infosim.data import parameter_ranges
from infosim.experiments.store import StoreError
from infosim.optimise import load_optimisation, optimise, recheck
from infosim.optimise.spec import spec_from_dict

from .toy import DRAW_KEY, FAIL_ENV, X1, X2, toy_run, toy_spec

pytestmark = pytest.mark.slow

QUIET = {"progress": False, "log": lambda _: None, "run_function": toy_run}


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("opt") / "toy"
    optimise(spec_from_dict(toy_spec(replicates=1)), out, executor="serial", **QUIET)
    return out


def mean_factor(res) -> float:
    r = parameter_ranges()[DRAW_KEY]
    return float(np.mean(1 + 0.5 * (res.ensemble[DRAW_KEY] - r.low) / (r.high - r.low)))


def test_the_front_found_is_the_analytic_front_and_spans_it(toy: Path) -> None:
    res = load_optimisation(toy)
    p = res.pareto
    front = p[p["pareto_mean"] & (p["set"] != "reference")]
    assert len(front) >= 10
    x1 = front["extra_consumption_mean"] / X1
    ideal = X2 * mean_factor(res) * (1 - x1**2)
    gap = (ideal - front["extra_5g_network_users_mean"]) / X2
    assert (gap >= -1e-9).all(), "nothing can beat the analytic front"
    assert np.median(gap) < 0.01 and gap.max() < 0.06
    assert x1.min() < 0.1 and x1.max() > 0.9  # spread along the whole front
    near = front[x1 < 0.8]
    assert np.median((near["cloud_incentive_subsidy_share"] - 0.3).abs()) < 0.03  # the cost-only setting at its optimum


def test_robustness_tables_and_both_pareto_sets(toy: Path) -> None:
    res = load_optimisation(toy)
    rob = res.robustness
    assert set(rob["objective"]) == {"extra_consumption", "extra_5g_network_users"}
    assert (rob["regret_max"] >= rob["regret_mean"] - 1e-9).all() and (rob["regret_mean"] >= -1e-9).all()
    five_g = rob[rob["objective"] == "extra_5g_network_users"]
    assert (five_g["low"] <= five_g["mean"] + 1e-6).all()  # the bad case of a maximised objective is lower
    # every policy is evaluated on the same 2 draws; the toy's draws scale 5G users up, so regret > 0 for most
    assert (rob["draws"] == 2).all()
    assert res.pareto["set"].isin(["both", "best on average", "never bad", "reference"]).all()
    ref = res.pareto[res.pareto["set"] == "reference"].iloc[0]
    assert ref["policy"] == "jiangsu_2020" and ref["terminal_subsidy_share_of_price"] == pytest.approx(0.10)
    assert ref["extra_consumption_mean"] == pytest.approx(0.10 * X1)  # the toy at the 2020 settings
    assert (toy / "figures" / "parallel.png").is_file() and (toy / "figures" / "tradeoffs.png").is_file()
    assert len(res.history) == 15 and res.history["runs"].sum() == 2 * len(res.candidates)


def test_the_recheck_confirms_the_toy_ranking(toy: Path) -> None:
    out = recheck(toy, executor="serial", **QUIET)
    # seed noise is common to every scenario of a seed: the paired effects are exact, the ranking cannot move
    assert out["ranking_holds"] and out["significantly_reversed"] == 0 and out["not_reproduced"] == 0
    assert out["pairs"] == 2 * len(load_optimisation(toy).pareto) * (len(load_optimisation(toy).pareto) - 1) // 2
    assert load_optimisation(toy).recheck["seed"] == out["seed"]


def test_the_recheck_can_fail(toy: Path, tmp_path: Path) -> None:
    """Mirror the stored values along the front (first <-> last, second <-> second last, ...): the fresh
    seeds must contradict the search on far more pairs than chance reverses."""
    import shutil

    copy = tmp_path / "toy"
    shutil.copytree(toy, copy, ignore=shutil.ignore_patterns("recheck"))
    res = load_optimisation(copy)
    front = res.pareto[res.pareto["pareto_mean"] & (res.pareto["set"] != "reference")]
    names = list(front["policy"])
    v = res.values.copy()
    swap = v["candidate"].map(dict(zip(names, names[::-1], strict=True))).fillna(v["candidate"])
    v["candidate"] = swap
    v.to_parquet(copy / "values.parquet")
    out = recheck(copy, executor="serial", **QUIET)
    assert not out["ranking_holds"] and not out["ranking_holds_strictly"] and out["not_reproduced"] >= 2
    assert out["significantly_reversed_share"] > out["chance_reversed_share"]


@pytest.mark.parametrize(("executor", "workers"), [pytest.param("processes", 2, id="processes-2"),
                                                   pytest.param("dask", 2, id="dask-localcluster-2")])
def test_same_spec_and_seed_same_pareto_set_whatever_the_executor(tmp_path: Path, executor: str,
                                                                  workers: int) -> None:
    spec = spec_from_dict(toy_spec(algorithm={"population": 8, "generations": 3}))
    optimise(spec, tmp_path / "serial", executor="serial", **QUIET)
    optimise(spec, tmp_path / "two", executor=executor, workers=workers, **QUIET)
    for table in ("candidates", "values", "pareto", "robustness"):
        assert_frame_equal(pd.read_parquet(tmp_path / "serial" / f"{table}.parquet"),
                           pd.read_parquet(tmp_path / "two" / f"{table}.parquet"))


def test_another_seed_proposes_other_candidates(tmp_path: Path) -> None:
    for seed in (11, 12):
        optimise(spec_from_dict(toy_spec(seed=seed, algorithm={"population": 8, "generations": 2})),
                 tmp_path / str(seed), executor="serial", **QUIET)
    keys = [set(pd.read_parquet(tmp_path / str(seed) / "candidates.parquet")["key"]) for seed in (11, 12)]
    assert keys[0] != keys[1] and len(keys[0]) == len(keys[1]) == 16


@pytest.mark.filterwarnings("ignore:toy-gen-001")
def test_an_interrupted_search_resumes_without_recomputing_and_gives_the_same_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_from_dict(toy_spec(algorithm={"population": 8, "generations": 3}))
    optimise(spec, tmp_path / "whole", executor="serial", **QUIET)
    monkeypatch.setenv(FAIL_ENV, "cand-0011")  # a candidate of the second generation
    with pytest.raises(StoreError, match="did not finish"):
        optimise(spec, tmp_path / "cut", executor="serial", **QUIET)
    runs = tmp_path / "cut" / "runs" / "gen-001" / "runs"
    before = {p.name: p.read_bytes() for p in runs.glob("*.json") if json.loads(p.read_bytes())["status"] == "done"}
    assert 0 < len(before) < 32  # 8 candidates x 2 draws x 2 seeds, 4 runs failed
    monkeypatch.delenv(FAIL_ENV)
    with pytest.raises(StoreError, match="pass --resume"):
        optimise(spec, tmp_path / "cut", executor="serial", **QUIET)
    optimise(spec, tmp_path / "cut", executor="serial", resume=True, **QUIET)
    after = {p.name: p.read_bytes() for p in runs.glob("*.json")}
    assert all(after[name] == raw for name, raw in before.items())  # finished runs untouched
    for table in ("candidates", "values", "pareto"):
        assert_frame_equal(pd.read_parquet(tmp_path / "whole" / f"{table}.parquet"),
                           pd.read_parquet(tmp_path / "cut" / f"{table}.parquet"))
    meta = json.loads((tmp_path / "cut" / "optimisation.json").read_text())
    assert meta["status"] == "done" and len(meta["sessions"]) == 2
