"""infosim as an EMA Workbench model, and sweep results as EMA's (experiments, outcomes)."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest
from scipy import stats

from infosim.data import parameter_ranges
from infosim.ema import (
    LEVER_RANGES,
    EMAAdapterError,
    InfosimRun,
    ema_model,
    ema_name,
    from_sweep,
    outcome_name,
)
from infosim.experiments import Experiment, run_experiment
from infosim.outcomes import OUTCOMES
from infosim.run import run_scenario
from infosim.scenario import apply_overrides, load_scenario

SMALL = {"households": 1500, "months": 13}


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("parameters.phones.life_months", "parameters__phones__life_months"),
        ("levers.vouchers.waves[0].face_value_yuan", "levers__vouchers__waves_0__face_value_yuan"),
        ("levers.buildout.target_new_stations.2020", "levers__buildout__target_new_stations__2020"),
    ],
    ids=["parameter", "wave", "year-key"],
)
def test_names_are_identifiers(key: str, name: str) -> None:
    assert ema_name(key) == name and name.isidentifier()
    assert outcome_name("users_5g_network", "2021-12") == "users_5g_network_2021_12"


@pytest.mark.slow
def test_model_declares_parameters_levers_and_outcomes() -> None:
    import ema_workbench as ema

    model = ema_model("jiangsu_2020", **SMALL, horizons=("2020-12", "end"))
    ranges = parameter_ranges()
    unc = {u.name: u for u in model.uncertainties}
    assert set(unc) == {ema_name(k) for k in ranges}
    assert {model.scenario_keys[n] for n in unc} == set(ranges)
    for key, r in ranges.items():
        u = unc[ema_name(key)]
        if r.integer:
            assert isinstance(u, ema.IntegerParameter) and (u.lower_bound, u.upper_bound) == (r.low, r.high)
        elif r.scale == "log":  # sampled uniformly in the logarithm
            assert isinstance(u.dist.dist, type(stats.loguniform))
            assert u.dist.ppf(0.5) == pytest.approx(math.sqrt(r.low * r.high))
        else:
            assert (u.lower_bound, u.upper_bound) == (r.low, r.high)
    levers = {lv.name: lv for lv in model.levers}
    for i in range(3):  # each wave addressable on its own
        name = f"levers__vouchers__waves_{i}__face_value_yuan"
        assert model.scenario_keys[name] == f"levers.vouchers.waves[{i}].face_value_yuan"
    assert isinstance(levers["levers__vouchers__eligibility"], ema.CategoricalParameter)
    assert isinstance(levers["levers__buildout__target_new_stations__2020"], ema.IntegerParameter)
    assert {ema_name(k) for k in LEVER_RANGES} <= set(levers)
    names = [o.name for o in model.outcomes]
    assert names == [outcome_name(o.name, h) for o in OUTCOMES for h in ("2020-12", "end")]


@pytest.mark.slow
def test_levers_follow_the_scenario_and_bad_arguments_are_clear() -> None:
    assert ema_model("baseline", **SMALL).levers.keys() == set()  # no lever is on in baseline
    only = ema_model("vouchers_only", **SMALL, levers=["levers.vouchers.waves[1].min_spend_yuan"])
    assert [lv.name for lv in only.levers] == ["levers__vouchers__waves_1__min_spend_yuan"]
    custom = ema_model("jiangsu_2020", **SMALL, levers={"levers.vouchers.claim_share": (0.3, 0.9)})
    assert (custom.levers["levers__vouchers__claim_share"].lower_bound, custom.levers[
        "levers__vouchers__claim_share"].upper_bound) == (0.3, 0.9)
    with pytest.raises(EMAAdapterError, match=r"index 5 is out of range: levers.vouchers.waves has 3"):
        ema_model("jiangsu_2020", levers={"levers.vouchers.waves[5].face_value_yuan": (10.0, 20.0)})
    with pytest.raises(EMAAdapterError, match="no default range"):
        ema_model("jiangsu_2020", levers=["levers.vouchers.claim_share"])
    with pytest.raises(EMAAdapterError, match="no documented range"):
        ema_model("jiangsu_2020", uncertainties=["parameters.phones.lifemonths"])
    with pytest.raises(EMAAdapterError, match="unknown outcome"):
        ema_model("jiangsu_2020", outcomes=["users"])
    with pytest.raises(EMAAdapterError, match="horizon '2030-01'"):
        ema_model("jiangsu_2020", **SMALL, horizons=("2030-01",))


def test_missing_ema_workbench_is_one_clear_error(monkeypatch) -> None:
    real_import = builtins.__import__

    def no_ema(name, *args, **kwargs):
        if name == "ema_workbench" or name.startswith("ema_workbench."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ema)
    with pytest.raises(EMAAdapterError, match=r"pip install 'infosim\[ema\]'"):
        ema_model("jiangsu_2020")


@pytest.mark.slow
def test_model_function_is_infosim_run_with_overrides() -> None:
    model = ema_model(
        "jiangsu_2020", **SMALL, seed=5, timeseries=True, outcomes=["users_5g_network", "fiscal_spend_yuan"]
    )
    run: InfosimRun = model.function
    inputs = {
        "parameters__phones__life_months": 36.0,
        "levers__vouchers__waves_0__face_value_yuan": 150.0,
        "levers__vouchers__eligibility": "rural",
    }
    out = run(**inputs)
    sc = apply_overrides(load_scenario("jiangsu_2020"), {model.scenario_keys[k]: v for k, v in inputs.items()})
    assert sc.levers.vouchers.waves[0].face_value_yuan == 150.0 and sc.levers.vouchers.waves[1].face_value_yuan == 100.0
    ts = run_scenario(sc, 5, **SMALL).timeseries
    assert out["users_5g_network_end"] == ts["users_5g_network"].iloc[-1]
    assert out["fiscal_spend_yuan_end"] == pytest.approx(ts["fiscal_spend_yuan"].sum())  # a flow: cumulative
    np.testing.assert_allclose(out["fiscal_spend_yuan"], np.cumsum(ts["fiscal_spend_yuan"]))
    assert len(out["TIME"]) == 13


@pytest.mark.slow
def test_perform_experiments_sequential_and_multiprocessing_agree() -> None:
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments

    model = ema_model("jiangsu_2020", **SMALL, outcomes=["users_5g_network", "fiscal_spend_yuan"])
    kwargs = {"uncertainty_sampling_kwargs": {"rng": 11}, "lever_sampling_kwargs": {"rng": 12}}
    exp_a, out_a = perform_experiments(model, 10, 2, **kwargs)
    with SequentialEvaluator(model) as ev:
        exp_b, out_b = ev.perform_experiments(10, 2, **kwargs)
    with MultiprocessingEvaluator(model, n_processes=2) as ev:
        exp_c, out_c = ev.perform_experiments(10, 2, **kwargs)
    assert len(exp_a) == 20
    for col in ("parameters__phones__life_months", "levers__vouchers__waves_0__face_value_yuan"):
        np.testing.assert_array_equal(exp_a[col], exp_b[col])
        np.testing.assert_array_equal(exp_a[col], exp_c[col])
    for out in (out_b, out_c):
        for name in ("users_5g_network_end", "fiscal_spend_yuan_end"):
            np.testing.assert_array_equal(out[name], out_a[name])
    assert np.ptp(out_a["users_5g_network_end"]) > 0  # the inputs matter
    # two policies over the same ten scenarios: fiscal spend differs between policies
    spend = out_a["fiscal_spend_yuan_end"].reshape(-1)
    assert len(set(np.round(spend, 3))) > 10


@pytest.mark.slow
def test_replicator_model_averages_replicate_seeds() -> None:
    from ema_workbench import perform_experiments

    from infosim.experiments.seeds import replicate_seeds

    model = ema_model("vouchers_only", **SMALL, outcomes=["info_consumption_yuan"], replications=2, levers=[],
                      uncertainties=["parameters.phones.life_months"])
    seeds = replicate_seeds(0, 2)
    assert model.replications == [{"seed": s} for s in seeds]
    experiments, out = perform_experiments(model, 2, uncertainty_sampling_kwargs={"rng": 1})
    assert out["info_consumption_yuan_end"].shape == (2,)
    life = experiments["parameters__phones__life_months"].iloc[0]
    # a yuan flow, not a head count: two seeds of 1,500 households can tie on a count
    runs = [model.function(seed=s, parameters__phones__life_months=life)["info_consumption_yuan_end"] for s in seeds]
    assert runs[0] != runs[1]
    assert out["info_consumption_yuan_end"][0] == pytest.approx(np.mean(runs))


@pytest.mark.slow
def test_sweep_folder_converts_to_ema_results(tmp_path) -> None:
    exp = Experiment.sweep(
        "ema_conv",
        ["jiangsu_2020"],
        design="grid",
        uncertainties={"parameters.phones.life_months": {"values": [36.0, 48.0]}},
        levers={"levers.vouchers.waves[0].face_value_yuan": {"values": [50.0, 150.0]}},
        replicates=1,
        seed=3,
        **SMALL,
    )
    run_experiment(exp, out=tmp_path / "sweep", executor="serial")
    experiments, outcomes = from_sweep(tmp_path / "sweep", horizons=("2020-12", "end"), timeseries=True)
    assert len(experiments) == 4
    assert experiments.attrs["scenario_keys"] == {
        "parameters__phones__life_months": "parameters.phones.life_months",
        "levers__vouchers__waves_0__face_value_yuan": "levers.vouchers.waves[0].face_value_yuan",
    }
    assert list(experiments.columns[-3:]) == ["scenario", "policy", "model"]
    assert set(experiments["model"]) == {"jiangsu_2020"}
    assert sorted(experiments["levers__vouchers__waves_0__face_value_yuan"]) == [50.0, 50.0, 150.0, 150.0]
    assert outcomes["users_5g_network_end"].shape == (4,)
    assert outcomes["users_5g_network"].shape == (4, 13) and outcomes["TIME"].shape == (4, 13)
    # the same numbers as the EMA model function gives for those inputs and that seed
    model = ema_model("jiangsu_2020", **SMALL, horizons=("2020-12", "end"))
    row = experiments.iloc[2]
    seed = int(exp.seeds[0])
    direct = model.function(
        seed=seed,
        parameters__phones__life_months=row["parameters__phones__life_months"],
        levers__vouchers__waves_0__face_value_yuan=row["levers__vouchers__waves_0__face_value_yuan"],
    )
    for name in ("users_5g_network_end", "fiscal_spend_yuan_2020_12", "info_consumption_yuan_end"):
        assert outcomes[name][2] == pytest.approx(direct[name], rel=1e-12)
