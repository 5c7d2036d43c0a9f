"""Targets files: validation (one line naming file, target and key), the date rules, evaluate()."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from infosim.calibration.errors import TargetError
from infosim.calibration.targets import (
    after,
    evaluate,
    load_targets,
    months_needed,
    select,
    source_keys,
)

FIXTURES = Path(__file__).parent / "fixtures"

GOOD = """\
[[targets]]
name = "stations_2020_12"
series = "base_stations_5g"
month = "2020-12"
value = 71000.0
sd = 3550.0
unit = "stations"
date = "2020-12"
source = "brief_stations"
kind = "observation"
sd_basis = "5%"
"""


def entry(**changes: object) -> str:
    """A [[targets]] table: GOOD with keys changed (None removes a key)."""
    lines = []
    keys = {}
    for line in GOOD.splitlines()[1:]:
        k, _, v = line.partition(" = ")
        keys[k] = v
    for k, v in changes.items():
        if v is None:
            keys.pop(k, None)
        else:
            keys[k] = v if isinstance(v, str) and v.startswith(("[", "{", '"')) else repr(v).replace("'", '"')
    lines.append("[[targets]]")
    lines += [f"{k} = {v}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "targets.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_fixture_files_load() -> None:
    targets = load_targets(FIXTURES / "targets.toml")
    holdout = load_targets(FIXTURES / "holdout.toml")
    assert [t.name for t in targets][:2] == ["stations_2020_12", "stations_2021_06"]
    assert all(t.date <= "2021-12" for t in targets) and all(t.date > "2021-12" for t in holdout)
    ratio = next(t for t in targets if t.per is not None)
    assert ratio.describe() == "vouchers_redeemed_cumulative@2020-12 / vouchers_issued_cumulative@2020-12"
    flow = next(t for t in targets if t.stat.is_range)
    assert (flow.stat.start, flow.stat.end, flow.is_plain_stock) == ("2020-01", "2020-12", False)


BAD = [
    pytest.param(entry(sd=None), "'stations_2020_12': key sd: missing", id="missing-key"),
    pytest.param(entry(colour='"red"'), "key colour: unknown key; allowed: name, series", id="unknown-key"),
    pytest.param(entry(month='"2020-13"'), "key month: must be a month written 'YYYY-MM'", id="bad-month"),
    pytest.param(entry(month=None, months='["2020-06", "2020-01"]'), "key months: the first month 2020-06 is after",
                 id="months-reversed"),
    pytest.param(entry(months='["2020-01", "2020-12"]'), "give exactly one of month", id="month-and-months"),
    pytest.param(entry(month=None), "key month: give exactly one of month", id="neither-month"),
    pytest.param(entry(sd=0.0), "key sd: must be > 0", id="sd-zero"),
    pytest.param(entry(value='"many"'), "key value: must be a finite number", id="value-text"),
    pytest.param(entry(kind='"guess"'), "key kind: must be one of observation, proxy, evaluation", id="bad-kind"),
    pytest.param(entry(source='"nowhere"'), "key source: 'nowhere' is not a key of infosim/data/SOURCES.md",
                 id="unknown-source"),
    pytest.param(entry(name='"Stations"'), "key name: must be snake_case", id="bad-name"),
    pytest.param(entry(per='{ series = "x", month = "2020-12", scale = 2 }'), "key per.scale: unknown key",
                 id="per-unknown-key"),
    pytest.param(entry(per='{ month = "2020-12" }'), "key per.series: missing", id="per-no-series"),
    pytest.param(entry() + entry(), "key name: used by an earlier target", id="duplicate-name"),
    pytest.param(entry(date='"2022-03"', month='"2022-03"'), "key date: 2022-03 is after 2021-12: a targets file",
                 id="targets-after-split"),
    pytest.param(entry(months='["2021-07", "2022-06"]', month=None), "key month: the statistic reads 2022-06",
                 id="targets-reads-after-split"),
    pytest.param("title = 'x'\n" + entry(), "key title: unknown top-level key", id="top-level-key"),
    pytest.param("# nothing\n", "key targets: no [[targets]] entries", id="empty"),
    pytest.param("[[targets]\nname = 1", "not valid TOML", id="bad-toml"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_entry_is_one_line_naming_file_target_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TargetError) as exc:
        load_targets(path)
    lines = str(exc.value).splitlines()
    assert any(message in line for line in lines), lines
    assert all(line.startswith(str(path)) for line in lines)


def test_every_problem_gets_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, entry(sd=-1.0, kind='"x"', unit=None))
    with pytest.raises(TargetError) as exc:
        load_targets(path)
    lines = str(exc.value).splitlines()
    assert len(lines) == 3
    assert {line.split("key ")[1].split(":")[0] for line in lines} == {"sd", "kind", "unit"}


@pytest.mark.parametrize(
    ("name", "date", "split", "ok"),
    [
        pytest.param("holdout.toml", "2022-01", None, True, id="holdout-after-split"),
        pytest.param("holdout.toml", "2021-12", None, False, id="holdout-at-split-refused"),
        pytest.param("targets.toml", "2021-12", None, True, id="targets-at-split"),
        pytest.param("targets.toml", "2021-01", "2020-12", False, id="explicit-split-moves-the-rule"),
        pytest.param("holdout.toml", "2021-01", "2020-12", True, id="explicit-split-holdout"),
    ],
)
def test_date_rules(tmp_path: Path, name: str, date: str, split: str | None, ok: bool) -> None:
    path = write(tmp_path, entry(date=f'"{date}"', month=f'"{date}"'), name)
    if ok:
        assert load_targets(path, split=split)[0].date == date
    else:
        with pytest.raises(TargetError, match="key date"):
            load_targets(path, split=split)


def test_role_any_has_no_date_rule(tmp_path: Path) -> None:
    path = write(tmp_path, entry(date='"2030-01"', month='"2030-01"'))
    assert load_targets(path, role="any")[0].date == "2030-01"


def test_cutoff_selects_and_after_complements() -> None:
    targets = load_targets(FIXTURES / "targets.toml")
    early = select(targets, "2020-12")
    late = after(targets, "2020-12")
    assert {t.name for t in early} | {t.name for t in late} == {t.name for t in targets}
    assert all(t.date <= "2020-12" for t in early) and all(t.date > "2020-12" for t in late)
    assert len(late) == 2
    assert select(targets, None) == targets


def test_months_needed() -> None:
    targets = load_targets(FIXTURES / "targets.toml")
    assert months_needed(targets, "2020-01") == 18  # up to 2021-06
    assert months_needed(select(targets, "2020-12"), "2020-01") == 12
    with pytest.raises(TargetError, match="before the run's start"):
        months_needed(targets, "2020-06")


def test_source_keys_are_read_from_sources_md() -> None:
    assert {"brief_stations", "brief_users", "census2020"} <= source_keys()


# ------------------------------------------------------------------------------------- evaluate
@pytest.fixture
def run() -> pd.DataFrame:
    """A hand-made run: 2020-01 .. 2020-06."""
    return pd.DataFrame({
        "month": ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"],
        "stock": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        "flow": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "issued": [0.0, 0.0, 100.0, 100.0, 200.0, 200.0],
        "redeemed": [0.0, 0.0, 10.0, 30.0, 50.0, 80.0],
    })


def targets_from(tmp_path: Path, *entries: str) -> list:
    return load_targets(write(tmp_path, "".join(entries)), role="any")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"series": '"stock"', "month": '"2020-04"'}, 40.0, id="stock"),
        pytest.param({"series": '"flow"', "month": None, "months": '["2020-02", "2020-05"]'}, 14.0, id="flow-sum"),
        pytest.param({"series": '"flow"', "month": None, "months": '["2020-03", "2020-03"]'}, 3.0, id="flow-1-month"),
        pytest.param({"series": '"redeemed"', "month": '"2020-06"', "per": '{ series = "issued", month = "2020-06" }'},
                     0.4, id="ratio-stock"),
        pytest.param({"series": '"flow"', "month": None, "months": '["2020-01", "2020-06"]',
                      "per": '{ series = "stock", months = ["2020-05", "2020-06"] }'}, 21.0 / 110.0, id="ratio-flows"),
    ],
)
def test_evaluate_known_values(tmp_path: Path, run: pd.DataFrame, changes: dict, expected: float) -> None:
    (t,) = targets_from(tmp_path, entry(**changes))
    assert evaluate(run, [t]) == {t.name: pytest.approx(expected)}


def test_ratio_over_zero_is_nan(tmp_path: Path, run: pd.DataFrame) -> None:
    (t,) = targets_from(tmp_path, entry(series='"redeemed"', month='"2020-02"',
                                        per='{ series = "issued", month = "2020-02" }'))
    assert math.isnan(evaluate(run, [t])[t.name])


def test_unknown_series_names_the_target_and_lists_the_columns(tmp_path: Path, run: pd.DataFrame) -> None:
    (t,) = targets_from(tmp_path, entry(series='"users_mobile"', month='"2020-02"'))
    with pytest.raises(TargetError) as exc:
        evaluate(run, [t])
    msg = str(exc.value)
    assert "target 'stations_2020_12': series 'users_mobile' is not a column of the run" in msg
    assert "stock, flow, issued, redeemed" in msg


def test_month_outside_the_run(tmp_path: Path, run: pd.DataFrame) -> None:
    (t,) = targets_from(tmp_path, entry(series='"flow"', month=None, months='["2020-05", "2020-08"]'))
    with pytest.raises(TargetError, match=r"outside the run, which covers 2020-01..2020-06"):
        evaluate(run, [t])


def test_evaluate_on_a_model_run(run_cached) -> None:
    """Every fixture target evaluates on a real run (its series exist in today's model)."""
    result = run_cached("jiangsu_2020", 0, 1000, 18)
    values = evaluate(result.timeseries, load_targets(FIXTURES / "targets.toml"))
    ts = result.timeseries.set_index("month")
    assert values["stations_2020_12"] == ts.loc["2020-12", "base_stations_5g"]
    assert values["info_consumption_2020"] == pytest.approx(ts.loc["2020-01":"2020-12", "info_consumption_yuan"].sum())
    assert values["voucher_redemption_2020"] == pytest.approx(
        ts.loc["2020-12", "vouchers_redeemed_cumulative"] / ts.loc["2020-12", "vouchers_issued_cumulative"]
    )
