"""The `infosim app` command: serve the interactive explorer (registered by `infosim.interfaces.cli`)."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from infosim.interfaces.cli_options import LazyConsole

err_console = LazyConsole(stderr=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(
    host: Annotated[str, typer.Option(help="address to listen on (127.0.0.1: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8765,
    scenario: Annotated[str, typer.Option(help="scenario shown first (name or TOML path)")] = "jiangsu_2020",
    households: Annotated[
        int | None, typer.Option(help="household agents of the first model (default: the scenario's; at least 100)")
    ] = None,
) -> None:
    """Serve the interactive explorer (Mesa SolaraViz) at http://HOST:PORT; Ctrl-C stops it.

    Every browser asset is served from this machine (solara-assets), so the page works with no
    internet access. See docs/app.md.
    """
    from infosim.interfaces.app.assets import PAGE, TITLE, AppError, offline_environment
    from infosim.scenario import load_scenario

    load_scenario(scenario)  # a bad name stops here with one line, exit 2
    if households is not None and households < 100:
        raise AppError(f"--households {households}: must be at least 100")
    env = offline_environment()  # raises AppError (one line, exit 2) without a matching solara-assets
    os.environ.update(env)
    os.environ["INFOSIM_APP_SCENARIO"] = scenario
    if households is not None:
        os.environ["INFOSIM_APP_HOUSEHOLDS"] = str(households)
    if not _is_loopback(host):
        err_console.print(
            f"[yellow]warning:[/] listening on {host}: anyone who can reach this address can use the "
            "explorer (it has no login)"
        )
    err_console.print(f"{TITLE}: http://{host}:{port} (scenario {scenario}; Ctrl-C stops it)")
    from solara.__main__ import cli as solara_cli  # after the environment: solara reads it on import

    solara_cli.main(
        [
            "run", str(PAGE), "--host", host, "--port", str(port), "--production", "--no-open",
            "--no-check-version", "--log-level-uvicorn", "warning",
        ],
        standalone_mode=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``app`` command to the infosim CLI."""
    app.command(name="app")(app_command)
