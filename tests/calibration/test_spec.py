"""Calibration specs: priors from parameter_ranges() or explicit, months, cutoff, bad specs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from infosim.calibration.errors import CalibrationError
from infosim.calibration.priors import Prior
from infosim.calibration.spec import load_calibration
from infosim.data import parameter_ranges

FIXTURES = Path(__file__).parent / "fixtures"


def spec_file(tmp_path: Path, body: str, params: str = '[parameters."parameters.phones.life_months"]\n') -> Path:
    (tmp_path / "targets.toml").write_text((FIXTURES / "targets.toml").read_text())
    path = tmp_path / "spec.toml"
    path.write_text('scenario = "jiangsu_2020"\ntargets = "targets.toml"\nhouseholds = 1000\n' + body + "\n" + params)
    return path


def first_range(scale: str) -> str:
    """A parameter whose range has this scale (read at run time: the list of parameters grows)."""
    return next(k for k, r in parameter_ranges().items() if r.scale == scale and not r.integer)


@pytest.mark.parametrize("scale", ["linear", "log"])
def test_default_prior_comes_from_parameter_ranges(tmp_path: Path, scale: str) -> None:
    path = first_range(scale)
    rng = parameter_ranges()[path]
    cal = load_calibration(spec_file(tmp_path, "", f'parameters = ["{path}"]'))
    (prior,) = cal.priors
    assert prior.dist == ("loguniform" if scale == "log" else "uniform")
    assert prior.args == {"low": rng.low, "high": rng.high}
    assert prior.basis == rng.basis
    lo, hi = prior.quantiles((0.0, 1.0))
    assert lo == pytest.approx(rng.low) and hi == pytest.approx(rng.high)
    mid = prior.quantiles((0.5,))[0]
    expected = math.sqrt(rng.low * rng.high) if scale == "log" else (rng.low + rng.high) / 2
    assert mid == pytest.approx(expected)
    assert prior.log == (scale == "log")


def test_globs_expand_over_parameter_ranges(tmp_path: Path) -> None:
    cal = load_calibration(spec_file(tmp_path, "", 'parameters = ["parameters.phones.life_*"]'))
    expected = [k for k in parameter_ranges() if k.startswith("parameters.phones.life_")]
    assert [p.path for p in cal.priors] == expected and len(expected) >= 2


@pytest.mark.parametrize(
    ("prior", "q", "expected"),
    [
        pytest.param('{ dist = "uniform", low = 30, high = 50 }', 0.25, 35.0, id="uniform"),
        pytest.param('{ dist = "loguniform", low = 30, high = 50 }', 0.5, math.sqrt(1500), id="loguniform"),
        pytest.param('{ dist = "normal", mean = 40, sd = 4 }', 0.5, 40.0, id="normal"),
        pytest.param('{ dist = "normal", mean = 40, sd = 4, low = 40, high = 60 }', 0.0, 40.0, id="normal-truncated"),
        pytest.param('{ dist = "lognormal", median = 40, sigma = 0.1 }', 0.5, 40.0, id="lognormal"),
        pytest.param('{ dist = "beta", a = 2, b = 2, low = 30, high = 50 }', 0.5, 40.0, id="beta"),
    ],
)
def test_explicit_priors(tmp_path: Path, prior: str, q: float, expected: float) -> None:
    params = f'[parameters."parameters.phones.life_months"]\nprior = {prior[:-1]}, basis = "test" }}\n'
    cal = load_calibration(spec_file(tmp_path, "", params))
    (p,) = cal.priors
    assert p.basis == "test"
    assert p.quantiles((q,))[0] == pytest.approx(expected, rel=1e-6)
    from infosim.scenario import load_scenario

    assert p.default == load_scenario("jiangsu_2020").parameters.phones.life_months  # kept for reports


@pytest.mark.parametrize(
    ("prior", "key", "sampling"),
    [
        pytest.param(Prior("parameters.diffusion.bass_q", "loguniform", {"low": 0.01, "high": 0.04}),
                     "loglogit_diffusion_bass_q", "loglogit", id="loguniform"),
        pytest.param(Prior("parameters.phones.life_months", "uniform", {"low": 30, "high": 54}),
                     "logit_phones_life_months", "logit", id="uniform"),
        pytest.param(Prior("parameters.diffusion.bass_q", "lognormal", {"median": 0.02, "sigma": 0.3}),
                     "log_diffusion_bass_q", "log", id="lognormal"),
        pytest.param(Prior("parameters.phones.life_months", "normal", {"mean": 40, "sd": 3}),
                     "phones_life_months", "identity", id="normal"),
    ],
)
def test_sampling_scale_round_trips_and_matches_the_prior(prior: Prior, key: str, sampling: str) -> None:
    """ABC samples on an unbounded scale for bounded uniform priors; the sampling-scale prior maps
    back to the stated prior (same quantiles), and values map to the sampling scale and back."""
    import numpy as np
    from scipy import stats

    assert (prior.key, prior.sampling) == (key, sampling)
    for value in prior.quantiles((0.1, 0.5, 0.9)):
        assert prior.to_value(prior.to_sampling(value)) == pytest.approx(value)
    rv = prior.rv()
    for q in (0.1, 0.5, 0.9):
        assert prior.to_value(rv.ppf(q)) == pytest.approx(prior.quantiles((q,))[0], rel=1e-9)
    if sampling in ("logit", "loglogit"):
        assert rv.name == "logistic"  # full support: no proposal falls outside the range
        assert prior.to_value(-800.0) == pytest.approx(prior.args["low"])
        assert prior.to_value(800.0) == pytest.approx(prior.args["high"])
    lo, hi = prior.quantiles((0.001, 0.999))
    grid = np.linspace(lo, hi, 20001)
    assert np.trapezoid(prior.pdf_values(grid), grid) == pytest.approx(0.998, rel=2e-3)
    assert stats  # scipy is what pyabc's RV wraps


def test_integer_parameters_are_rounded() -> None:
    p = Prior("parameters.x.n", "normal", {"mean": 5, "sd": 2}, integer=True)
    assert p.to_value(3.6) == 4.0
    u = Prior("parameters.x.n", "uniform", {"low": 0, "high": 10}, integer=True)
    assert u.to_value(u.to_sampling(3.6)) == 4.0


def test_months_follow_the_latest_target_and_the_cutoff(tmp_path: Path) -> None:
    cal = load_calibration(spec_file(tmp_path, ""))
    assert cal.months == 18 and cal.scenario.run.months == 18 and cal.scenario.run.households == 1000
    cut = load_calibration(spec_file(tmp_path, 'cutoff = "2020-12"'))
    assert cut.months == 12
    assert [t.date <= "2020-12" for t in cut.targets] == [True] * len(cut.targets)
    assert len(cut.all_targets) == len(cal.targets) > len(cut.targets)


def test_command_line_options_override_the_spec(tmp_path: Path) -> None:
    cal = load_calibration(spec_file(tmp_path, "[abc]\npopulation_size = 50\n"), households=2000, particles=7,
                           generations=3)
    assert (cal.spec.households, cal.spec.abc.population_size, cal.spec.abc.generations) == (2000, 7, 3)
    assert cal.scenario.run.households == 2000


def test_definition_hash_changes_with_the_targets(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "")
    a = load_calibration(path).definition_sha256()
    assert load_calibration(path).definition_sha256() == a
    targets = tmp_path / "targets.toml"
    targets.write_text(targets.read_text().replace("value = 71000.0", "value = 72000.0"))
    assert load_calibration(path).definition_sha256() != a


BAD = [
    pytest.param("colour = 'red'", None, "key colour: unknown key; allowed here:", id="unknown-key"),
    pytest.param("[abc]\nparticles = 5", None, "key abc.particles: unknown key", id="unknown-abc-key"),
    pytest.param("[abc]\ndistance = 'euclid'", None, "key abc.distance", id="bad-distance"),
    pytest.param("cutoff = '2020-13'", None, "key cutoff: must be a month written 'YYYY-MM'", id="bad-cutoff"),
    pytest.param("cutoff = '2019-12'", None, "key cutoff: no target", id="cutoff-excludes-all"),
    pytest.param("months = 6", None, "key months: 6 months from 2020-01 do not reach", id="months-too-short"),
    pytest.param("[abc]\nmin_epsilon = 0.1", None, "key abc.min_epsilon: only used with", id="min-eps-stochastic"),
    pytest.param("", '[parameters."parameters.phones.lifemonths"]', "not a numeric scenario key", id="unknown-param"),
    pytest.param("", 'parameters = ["parameters.nothing.*"]', "matches no parameter", id="glob-matches-nothing"),
    pytest.param("", '[parameters."run.households"]', "no range in infosim/data/parameter_ranges.toml",
                 id="no-range-no-prior"),
    pytest.param("", '[parameters."parameters.phones.life_months"]\nprior = { dist = "uniform", low = 1, high = 2 }',
                 "key basis: missing", id="prior-without-basis"),
    pytest.param("", '[parameters."parameters.phones.life_months"]\nprior = { dist = "gamma", basis = "x" }',
                 "dist must be one of", id="unknown-dist"),
    pytest.param("", '[parameters."parameters.phones.life_months"]\nprior = { dist = "normal", mean = 1, basis = "x" }',
                 "normal needs mean, sd", id="prior-missing-arg"),
    pytest.param("", '[parameters."parameters.phones.pull_forward_per_share"]\n'
                 'prior = { dist = "normal", mean = 0.1, sd = 1.0, basis = "x" }',
                 "is not a valid scenario value", id="prior-gives-invalid-values"),
    pytest.param("constants = { 'parameters.phones.life_months' = 40 }", None, "also set in constants",
                 id="calibrated-and-constant"),
]


@pytest.mark.parametrize(("body", "params", "message"), BAD)
def test_bad_spec_is_one_line_naming_file_and_key(tmp_path: Path, body: str, params: str | None, message: str) -> None:
    path = spec_file(tmp_path, body, params) if params is not None else spec_file(tmp_path, body)
    with pytest.raises(CalibrationError) as exc:
        load_calibration(path)
    text = str(exc.value)
    assert message in text
    assert text.startswith(str(path))


def test_bad_targets_file_is_reported_through_the_spec(tmp_path: Path) -> None:
    path = spec_file(tmp_path, "")
    targets = tmp_path / "targets.toml"
    targets.write_text(targets.read_text().replace('kind = "proxy"', 'kind = "guess"'))
    with pytest.raises(CalibrationError, match=r"key targets: .*: target 'info_consumption_2020': key kind"):
        load_calibration(path)


def test_a_spec_can_extend_another(tmp_path: Path) -> None:
    base = spec_file(tmp_path, 'name = "main"\nseed = 4\n[abc]\npopulation_size = 50\ngenerations = 7')
    child = tmp_path / "split.toml"
    child.write_text(f'extends = "{base.name}"\ncutoff = "2020-12"\n[abc]\ngenerations = 3\n')
    cal = load_calibration(child)
    assert (cal.name, cal.spec.cutoff, cal.spec.seed) == ("split", "2020-12", 4)
    assert (cal.spec.abc.population_size, cal.spec.abc.generations) == (50, 3)
    assert [p.path for p in cal.priors] == ["parameters.phones.life_months"]
    loop = tmp_path / "loop.toml"
    loop.write_text('extends = "loop.toml"\n')
    with pytest.raises(CalibrationError, match=r"key extends: loop\.toml forms a cycle"):
        load_calibration(loop)


def test_a_target_on_a_missing_series_stops_before_any_simulation(tmp_path: Path) -> None:
    from infosim.calibration.api import calibrate

    path = spec_file(tmp_path, "")
    targets = tmp_path / "targets.toml"
    targets.write_text(targets.read_text().replace('series = "users_5g_network"', 'series = "users_on_mars"'))
    with pytest.raises(CalibrationError) as exc:
        calibrate(path, out=tmp_path / "out", executor="serial", progress=False)
    msg = str(exc.value)
    assert "target 'network_users_2021_03': series 'users_on_mars' is not a column of the run" in msg
    assert "the run's columns are:" in msg and "base_stations_5g" in msg
    assert not (tmp_path / "out" / "history.db").exists()


@pytest.mark.parametrize(
    ("path", "resumable"),
    [
        ("parameters.phones.life_months", True),  # calibrated: every proposal overrides it
        ("parameters.phones.life_shape", False),  # not calibrated: it changes the result
    ],
    ids=["calibrated-parameter", "other-parameter"],
)
def test_resume_ignores_only_the_base_values_of_calibrated_parameters(path: str, resumable: bool) -> None:
    """A calibration stays resumable when its base scenario's *calibrated* values change (the shipped
    scenarios include the calibration's own point estimate), and only then."""
    from infosim.calibration.api import _same_but_calibrated_values

    cal = load_calibration(FIXTURES / "tiny.toml")
    stored = cal.definition()
    group, name = path.split(".")[1:]
    stored["scenario"]["parameters"][group][name] = stored["scenario"]["parameters"][group][name] * 1.1
    assert _same_but_calibrated_values(stored, cal) is resumable
    assert _same_but_calibrated_values(cal.definition(), cal) is True


RESUME_CHANGES = [
    # (distance, stored [abc] lines, refused change or "" if a resume may make it)
    pytest.param("stochastic", "max_simulations = 100", "", id="budget"),
    pytest.param("stochastic", "min_acceptance_rate = 0.2", "", id="min-acceptance-rate"),
    pytest.param("adaptive_pnorm", "generations = 2", "", id="pnorm-generations"),
    pytest.param("adaptive_pnorm", "min_epsilon = 0.5", "", id="pnorm-min-epsilon"),
    pytest.param("stochastic", "generations = 2", "abc.generations: 2 -> 8 (with distance = 'stochastic' the "
                 "generations set the temperature schedule", id="stochastic-generations"),
    pytest.param("stochastic", "population_size = 50", "abc.population_size: 50 -> 200", id="population-size"),
    pytest.param("stochastic", "transition_scaling = 2.0", "abc.transition_scaling: 2.0 -> 1.5", id="transition"),
    pytest.param("stochastic", "predictive_draws = 7", "abc.predictive_draws: 7 -> 100", id="predictive-draws"),
]


@pytest.mark.parametrize(("distance", "stored", "refused"), RESUME_CHANGES)
def test_resume_may_change_only_the_stopping_rules(tmp_path: Path, distance: str, stored: str,
                                                   refused: str) -> None:
    """The definition stored by a session with `stored` in [abc] against the current spec (the
    defaults): only pure stopping rules may differ; anything else is named with both values."""
    from infosim.calibration.api import definition_changes

    now = load_calibration(spec_file(tmp_path, f'[abc]\ndistance = "{distance}"'))
    old = load_calibration(spec_file(tmp_path, f'[abc]\ndistance = "{distance}"\n{stored}'))
    changes = definition_changes(old.definition(), now)
    if refused:
        assert len(changes) == 1 and changes[0].startswith(refused), changes
    else:
        assert changes == []
    assert (old.definition_sha256() == now.definition_sha256()) is (not refused)
    assert (old.definition() == now.definition()) is False


def test_resume_names_every_other_changed_key(tmp_path: Path) -> None:
    from infosim.calibration.api import definition_changes

    now = load_calibration(spec_file(tmp_path, "seed = 12\n[abc]\nmax_simulations = 900"))
    old = load_calibration(spec_file(tmp_path, "seed = 11\n[abc]\nmax_simulations = 500"))
    assert definition_changes(old.definition(), now) == ["seed: 11 -> 12"]
    more = load_calibration(spec_file(tmp_path, "seed = 11\n[abc]\nmax_simulations = 500"), households=2000)
    assert definition_changes(old.definition(), more) == ["households: 1000 -> 2000",
                                                          "scenario.run.households: 1000 -> 2000"]
