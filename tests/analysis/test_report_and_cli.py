"""`infosim compare` and `infosim report`: tables on the terminal, a CSV, and one self-contained
HTML file whose figures are all embedded (it opens with no network)."""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from infosim.analysis import compare
from infosim.analysis.plots import plot_deadweight
from infosim.analysis.report import headline_html
from infosim.interfaces.cli import main
from infosim.run import RunResult

pytestmark = pytest.mark.slow  # real model runs or subprocesses: run in CI, skipped by -m "not slow"


def run_cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run ``infosim ARGS`` in-process; return the exit code."""
    monkeypatch.setattr(sys, "argv", ["infosim", *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture(scope="module")
def report_html(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    with pytest.MonkeyPatch.context() as mp:
        assert run_cli(mp, "report", str(store_dir), "--out", str(out), "--baseline", "baseline") == 0
    return out.read_text(encoding="utf-8")


def test_report_embeds_every_figure(report_html: str) -> None:
    sources = re.findall(r'<img[^>]*\ssrc="([^"]+)"', report_html)
    # curves, effect curves, cost-effectiveness, deadweight, 3 distribution charts, 13-city panel
    assert len(sources) == report_html.count("<figure>") == 8
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_needs_no_network(report_html: str) -> None:
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', report_html)
    assert all(r.startswith("data:") or r.startswith("#") for r in refs), refs
    assert "<script" not in report_html and "<link" not in report_html and "@import" not in report_html


@pytest.mark.parametrize(
    "text",
    ["Scenarios as run", "same_as_baseline", "terminal_subsidy_only", "levers.terminal_subsidy.enabled",
     "Provenance", "analysis-test", "plan_sha256", "Deadweight and additionality", "By income quintile",
     "Concentration", "Method"],
)
def test_report_has_its_sections(report_html: str, text: str) -> None:
    assert text in report_html


def test_report_without_agent_data_says_how_to_get_deadweight(small_runs: list[RunResult]) -> None:
    import dataclasses

    plain = [dataclasses.replace(r, agents=None, payments=None) for r in small_runs if r.scenario != "jiangsu_2020"]
    cmp = compare(plain, "baseline")
    assert not cmp.has_agent_data and cmp.deadweight.empty
    assert plot_deadweight(cmp) is None  # the report leaves the figure out
    assert "--keep-agents" in headline_html(cmp)


def test_compare_prints_tables_and_writes_csv(
    store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "effects.csv"
    code = run_cli(monkeypatch, "compare", str(store_dir), "--baseline", "baseline", "--horizon", "2021-12",
                   "--out", str(csv))
    assert code == 0
    shown = capsys.readouterr().out
    assert "Effects against baseline at 2021-12" in shown and "vouchers_only" in shown
    table = pd.read_csv(csv)
    assert set(table["horizon"]) == {"2021-12"}
    assert set(table["scenario"]) == {"same_as_baseline", "terminal_subsidy_only", "vouchers_only"}
    assert (table.loc[table["scenario"] == "same_as_baseline", "effect"] == 0).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--baseline", "nope"], "baseline 'nope' is not among the scenarios"),
        (["--horizon", "2040-01"], "horizon 2040-01 is outside the runs"),
    ],
    ids=["unknown-baseline", "horizon-outside"],
)
def test_compare_user_errors_exit_2_with_one_line(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:
    assert run_cli(monkeypatch, "compare", str(store_dir), *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1


def test_compare_missing_folder_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, "compare", str(tmp_path / "nothing")) == 2
    assert "no such results folder" in capsys.readouterr().err
