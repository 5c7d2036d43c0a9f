"""Run the `infosim` command line inside this process (what the executable runs, minus start-up)."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class CaseTimeoutError(Exception):
    """The command ran longer than allowed."""


@dataclass
class Outcome:
    """What a command did: exit code (None: it raised), stdout, stderr."""

    code: int | None
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        """Lines of stderr that start with 'error:'."""
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


@contextlib.contextmanager
def working_dir(path: Path) -> Iterator[None]:
    """Run the block with `path` as the current folder."""
    here = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(here)


def _alarm(signum: int, frame: Any) -> None:
    raise CaseTimeoutError()


def invoke(argv: list[str], cwd: Path | None = None, timeout_s: int = 300) -> Outcome:
    """Call ``infosim.interfaces.cli.main()`` with `argv`; an exception shows as a traceback line."""
    from infosim.interfaces import cli
    from infosim.scenario import configure

    out, err = io.StringIO(), io.StringIO()
    old_argv = sys.argv
    sys.argv = ["infosim", *argv]
    code: int | None
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout_s)
    try:
        with contextlib.ExitStack() as stack:
            if cwd is not None:
                stack.enter_context(working_dir(cwd))
            stack.enter_context(contextlib.redirect_stdout(out))
            stack.enter_context(contextlib.redirect_stderr(err))
            try:
                cli.main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # what a real process would show as a traceback
        code = None
        err.write(f"Traceback (in-process): {type(exc).__name__}: {str(exc)[:300]}\n")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        sys.argv = old_argv
        configure()  # the command's --scenarios / --allow-outside-paths end with it
    return Outcome(code, out.getvalue(), err.getvalue())
