"""Errors of the calibration package (shown as one line by the CLI, exit code 2)."""

from __future__ import annotations

from infosim.errors import InfosimError


class CalibrationError(InfosimError, ValueError):
    """A calibration spec, targets file or calibration folder is invalid or cannot be used."""


class TargetError(CalibrationError):
    """A targets file is invalid, or a target cannot be evaluated on a run."""
