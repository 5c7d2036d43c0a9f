"""The notebooks in experiments/ run top to bottom at small scale (INFOSIM_NB_SCALE=small), from a
folder outside the repository, twice in a row, writing only under ./results of that folder."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "experiments").glob("0*.ipynb"))
#: What a notebook must have written under ./results beyond its experiment.json files.
WRITES = {"05_budget_allocation": ["nb05_budget/pareto.parquet", "nb05_budget/recheck/recheck.json",
                                   "nb05_docs/optimisation.md", "nb05_scenarios/nb05_budget_*.toml"]}


def test_the_notebooks_are_there() -> None:
    assert [p.stem for p in NOTEBOOKS] == ["01_quickstart", "02_compare_levers", "03_targeting_vouchers",
                                           "04_sensitivity", "05_budget_allocation"]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
@pytest.mark.parametrize("path", ["experiments/results/nb01_quickstart/experiment.json", "results/x/summary.json"])
def test_notebook_results_are_git_ignored(path: str) -> None:
    proc = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", path], check=False)
    assert proc.returncode == 0, f"{path} is not git-ignored"


def execute(path: Path, cwd: Path) -> list[dict]:
    book = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in book.cells if c.cell_type == "code"), "commit notebooks without outputs"
    NotebookClient(book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_twice_from_any_folder(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFOSIM_NB_SCALE", "small")
    monkeypatch.delenv("INFOSIM_NB_RESULTS", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The kernel runs in a temporary folder outside the repository; make sure it imports this checkout.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    for attempt in (1, 2):
        errors = execute(path, tmp_path)
        assert not errors, f"run {attempt}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert any(p.name == "experiment.json" for p in (tmp_path / "results").rglob("*"))
    for pattern in WRITES.get(path.stem, []):
        assert any((tmp_path / "results").glob(pattern)), f"{path.stem} wrote no results/{pattern}"


@pytest.mark.slow
def test_sensitivity_notebook_runs_twice_from_another_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """04 overwrites its own results, so it runs again as is; the second run starts in another folder."""
    path = ROOT / "experiments" / "04_sensitivity.ipynb"
    monkeypatch.setenv("INFOSIM_NB_SCALE", "small")
    monkeypatch.setenv("INFOSIM_NB_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    for cwd in (tmp_path, tmp_path / "elsewhere"):
        cwd.mkdir(exist_ok=True)
        book = nbformat.read(path, as_version=4)
        NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
        errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors
    assert (tmp_path / "results" / "nb04_sensitivity" / "tables" / "sobol.parquet").is_file()
    assert (tmp_path / "results" / "nb04_docs" / "sensitivity.md").is_file()


@pytest.mark.parametrize("name", ["04_sensitivity", "05_budget_allocation"])
def test_notebooks_write_under_results_by_default(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFOSIM_NB_RESULTS", raising=False)
    monkeypatch.setenv("INFOSIM_NB_SCALE", "small")
    book = nbformat.read(ROOT / "experiments" / f"{name}.ipynb", as_version=4)
    setup = next(c.source for c in book.cells if c.cell_type == "code")
    names: dict = {}
    exec(setup.replace("RESULTS.mkdir(parents=True, exist_ok=True)", ""), names)
    assert names["RESULTS"] == Path("results")
