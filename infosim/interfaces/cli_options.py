"""Options shared by the `infosim` commands that read scenarios (imported by each command module)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

MAX_SEED = 2**63 - 1

ScenarioDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--scenarios",
        metavar="DIR",
        help="a folder of scenario files, searched first (repeatable; see also $INFOSIM_SCENARIO_PATH)",
    ),
]
AllowOutside = Annotated[
    bool,
    typer.Option(
        "--allow-outside-paths",
        help="let `extends`/`include` in scenario files read files outside their folder and the search path",
    ),
]


def use_scenario_options(dirs: list[Path] | None, allow_outside_paths: bool) -> None:
    """Apply ``--scenarios`` and ``--allow-outside-paths`` to the scenario loader."""
    from infosim.scenario import configure

    configure(dirs or [], allow_outside_paths=allow_outside_paths)
