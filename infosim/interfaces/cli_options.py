"""Options shared by the `infosim` commands that read scenarios, and the consoles every command
module prints through (rich is imported on first use, so ``infosim --help`` starts fast)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.table import Table

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


class Group(typer.core.TyperGroup):
    """A Typer group whose help shows flags (``--help``, ``--keep-agents``) without a type and
    each command's first sentence in full."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The group's parameters, flags untyped."""
        return untyped_flags(super().get_params(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """A subcommand, its flags untyped (so its ``--help`` shows them as flags)."""
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None:
            untyped_flags(cmd.get_params(ctx))
        return cmd

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands and their first sentence, wrapped rather than cut at the terminal width."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class RunByDefault(Group):
    """A group whose first argument, when it is not a subcommand, is the spec of ``run``
    (``infosim sensitivity SPEC`` = ``infosim sensitivity run SPEC``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Insert ``run`` before a first argument that names no subcommand."""
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def untyped_flags(params: list[Any]) -> list[Any]:
    """Give flag options an empty metavar: help then lists them without a ``<bool>`` type."""
    for param in params:
        if getattr(param, "is_flag", False) and getattr(param, "metavar", "") is None:
            param.metavar = ""
    return params


class LazyConsole:
    """A :class:`rich.console.Console` made on first use, with the given keyword arguments.

    rich costs ~50 ms to import and ``infosim --help`` never prints through it, so the command
    modules hold these instead of consoles.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._kwargs)
        return getattr(self._console, name)


def stdout_console(piped_width: int) -> LazyConsole:
    """The console for tables on stdout: the terminal's width, or `piped_width` when piped."""
    return LazyConsole() if sys.stdout.isatty() else LazyConsole(width=piped_width)


def new_table(title: str) -> Table:
    """An empty :class:`rich.table.Table` with `title` (rich imported on first use)."""
    from rich.table import Table

    return Table(title=title)
