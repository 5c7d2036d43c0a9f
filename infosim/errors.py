"""Error types that interfaces turn into one clear line (no traceback)."""


class InfosimError(Exception):
    """Base class for user-facing errors: the message is meant to be shown as is."""


class ScenarioError(InfosimError, ValueError):
    """A scenario file or override is invalid: the message names the file, the key and what is allowed."""


class SpecError(InfosimError, ValueError):
    """An experiment (sweep) specification is invalid."""
