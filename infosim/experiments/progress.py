"""Progress of an experiment: a rich progress bar on an interactive terminal, silence elsewhere."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Counts finished runs; shows a bar with done, failed and ETA when enabled."""

    def __init__(self, enabled: bool | None = None, description: str = "runs"):
        """Configure the bar.

        Args:
            enabled: show a bar; None = only when stderr is a terminal.
            description: label in front of the bar.
        """
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.description = description
        self.done = 0
        self.failed = 0
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int, already_done: int = 0) -> None:
        """Begin counting `total` runs of which `already_done` finished earlier (resume)."""
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=total, completed=already_done, failed=0)

    def advance(self, status: str) -> None:
        """Count one finished run (``done`` or ``failed``)."""
        if status == "failed":
            self.failed += 1
        else:
            self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)

    def close(self) -> None:
        """Stop the bar."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
