"""Fixtures for the experiments tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import write_toy_scenarios


@pytest.fixture(scope="session")
def toy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with two small scenario files (toy_b extends toy_a and enables vouchers)."""
    return write_toy_scenarios(tmp_path_factory.mktemp("toy_scenarios"))
