"""Offline assets for the explorer, and the `infosim app` command's errors."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from infosim.interfaces.app import assets

REPO = Path(__file__).resolve().parents[2]


def test_asset_folder_links_solara_assets_and_maps_the_vega_ranges(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    source = assets.solara_assets_dir()
    assert (source / "requirejs@2.3.6" / "require.js").is_file()
    folder = assets.asset_dir()
    assert folder == tmp_path / "infosim" / f"solara-cdn-{metadata.version('solara-assets')}"
    for entry in source.iterdir():
        assert (folder / entry.name).resolve() == entry.resolve()
    # the ranges Solara's Vega-Lite widget asks for resolve to the releases solara-assets ships
    for path in ("vega@5/build/vega.min.js", "vega-lite@5/build/vega-lite.min.js",
                 "vega-embed@6/build/vega-embed.min.js"):
        assert (folder / path).is_file(), path
    assert assets.asset_dir() == folder  # idempotent
    env = assets.offline_environment()
    assert env["SOLARA_ASSETS_PROXY"] == "true" and env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(folder)
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")  # a miss never leaves the machine
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"


@pytest.mark.parametrize(
    ("versions", "fragment"),
    [
        ({"solara": "1.58.2", "solara-assets": None, "mesa": "3.5.1"}, "solara-assets is not installed"),
        ({"solara": "1.64.0", "solara-assets": "1.58.2", "mesa": "3.5.1"}, "solara 1.64.0 needs solara-assets 1.64.0"),
        ({"solara": None, "solara-assets": None, "mesa": "3.5.1"}, "pip install 'infosim[app]'"),
    ],
    ids=["assets-missing", "mismatch", "no-app-extra"],
)
def test_missing_or_mismatched_assets_is_one_line(monkeypatch, versions, fragment) -> None:
    monkeypatch.setattr(assets, "_version", lambda dist: versions.get(dist))
    with pytest.raises(assets.AppError) as err:
        assets.solara_assets_dir()
    assert fragment in str(err.value) and "\n" not in str(err.value)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infosim.interfaces.cli", *args],
        capture_output=True, text=True, cwd=REPO, check=False, env={**os.environ, "COLUMNS": "200"},
    )


@pytest.mark.slow
def test_app_command_errors_and_help() -> None:
    bad = _cli("app", "--scenario", "nope")
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown scenario 'nope'; known: baseline, ")
    assert "jiangsu_2020" in lines[0]
    few = _cli("app", "--households", "5")
    assert few.returncode == 2 and "--households" in few.stderr
    helptext = _cli("app", "--help").stdout
    for option in ("--host", "--port", "--scenario", "--households", "127.0.0.1"):
        assert option in helptext
