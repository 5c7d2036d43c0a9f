"""An interrupted stage still records its session's wall time (the analysis's cost counts it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infosim.sensitivity import run_sensitivity
from infosim.sensitivity.spec import spec_from_dict

from .toy import KEYS, toy_run

CALLS = {"n": 0}


def interrupting_run(scenario, seed: int, **kwargs):
    """The toy run, then Ctrl-C at the fifth call."""
    CALLS["n"] += 1
    if CALLS["n"] == 5:
        raise KeyboardInterrupt
    return toy_run(scenario, seed, **kwargs)


def test_interrupted_stage_records_its_session(tmp_path: Path) -> None:
    spec = spec_from_dict({"name": "toy", "seed": 4, "households": 200, "months": 3, "horizon": "end",
                           "replicates": 1, "metrics": ["buildout_5g_network_users"], "parameters": list(KEYS),
                           "morris": {"trajectories": 4}})
    with pytest.raises(KeyboardInterrupt):
        run_sensitivity(spec, tmp_path / "toy", executor="serial", run_function=interrupting_run, progress=False,
                        log=lambda _: None)
    sessions = json.loads((tmp_path / "toy" / "sensitivity.json").read_text())["sessions"]
    assert [(s["stage"], s.get("interrupted")) for s in sessions] == [("morris", True)]
    assert sessions[0]["elapsed_s"] >= 0
