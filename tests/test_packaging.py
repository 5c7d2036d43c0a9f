"""infosim installs as a library: the wheel carries every package and the shipped scenarios, and an
installed infosim runs a scenario by name from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject lists the packages (to map scenarios/ into the package): none may be missing."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "infosim").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"infosim.scenarios": "scenarios"}


def test_public_api_imports_from_the_top() -> None:
    code = (
        "import sys, infosim; from infosim import load_results, run_scenario, load_scenario, Scenario; "
        "print(sorted(m for m in ('pandas', 'mesa', 'pyarrow', 'matplotlib') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert "mesa" not in proc.stdout and "matplotlib" not in proc.stdout  # the model loads on first use


@pytest.mark.slow
def test_wheel_installs_and_runs_a_scenario_from_any_folder(tmp_path: Path) -> None:
    """Build the wheel, install it (without dependencies) into a fresh venv whose dependencies come
    from this environment's site-packages (a .pth line: no downloads), run a scenario from an empty
    folder."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(dist)],
        check=True,
        timeout=600,
    )
    (wheel,) = dist.glob("infosim-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        timeout=600,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "infosim_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "elsewhere"
    work.mkdir()
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "INFOSIM_SCENARIO_PATH")}

    def infosim(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(env_dir / "bin" / "infosim"), *args], capture_output=True, text=True, cwd=work, env=clean_env,
            timeout=600,
        )  # fmt: skip

    code = "import infosim, infosim.scenario.search as s; print(infosim.__file__); print(s.package_dir())"
    where = subprocess.run(
        [str(python), "-c", code],
        capture_output=True, text=True, cwd=work, env=clean_env, check=True,
    ).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(env_dir) for p in where), where
    listing = infosim("scenarios", "list")
    assert listing.returncode == 0, listing.stderr
    assert "jiangsu_2020" in listing.stdout and "package" in listing.stdout
    run = infosim("run", "jiangsu_2020", "--households", "500", "--months", "6", "--out", "out")
    assert run.returncode == 0, run.stderr
    assert (work / "out" / "summary.json").is_file()
    assert sorted(p.name for p in work.iterdir()) == ["out"]
