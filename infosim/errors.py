"""Error types that interfaces turn into one clear line (no traceback), with exit code 2."""

from __future__ import annotations

from collections.abc import Sequence


class InfosimError(Exception):
    """Base class for user-facing errors: the message is meant to be shown as is.

    An error may list several problems (one per line of ``str(exc)``); :meth:`one_line`
    gives the first with a count of the others, for the command line's single ``error:`` line.
    """

    def __init__(self, message: str = "", *, problems: Sequence[str] = ()):
        """Create the error from a message (one problem per line) or a list of problems."""
        items = [p for p in (problems or str(message).splitlines()) if p.strip()]
        self.problems: list[str] = items or [str(message)]
        super().__init__("\n".join(self.problems))

    def one_line(self, hint: str = "") -> str:
        """The first problem, and how many more there are (with `hint` on where to see them)."""
        first = " ".join(self.problems[0].split("\n"))
        more = len(self.problems) - 1
        if not more:
            return first
        return f"{first} (and {more} more problem{'s' * (more > 1)}{'; ' + hint if hint else ''})"


class ScenarioError(InfosimError, ValueError):
    """A scenario file or override is invalid: the message names the file, the key and what is allowed."""


class SpecError(InfosimError, ValueError):
    """An experiment (sweep) specification is invalid."""


class OutputError(InfosimError):
    """Results cannot be written where asked (the folder is a file, read-only, not empty, ...)."""
