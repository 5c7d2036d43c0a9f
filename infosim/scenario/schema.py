"""The scenario schema: run settings, uncertain parameters and policy levers, validated by pydantic.

A scenario is three kinds of thing kept apart (as in EMA Workbench):

* ``run`` — how much to simulate (start month, months, number of household agents);
* ``parameters`` — uncertain behavioural and market parameters (``infosim.parameters``; what a
  sweep or a calibration varies);
* ``levers`` — the government's policy levers, one section per lever module of
  ``infosim.levers`` (each module names the policy clause it models).

Every field has a unit in its name or description; values derived from data cite their source
in ``infosim/data/SOURCES.md`` or say they are an assumption.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from infosim.calendar import month_label, parse_month
from infosim.levers import LEVER_NAMES, Levers
from infosim.parameters import Parameters
from infosim.parameters.types import LAST_MONTH, Month, Strict
from infosim.world.geography import CITIES

__all__ = ["CITIES", "LEVER_NAMES", "Levers", "Parameters", "RunSettings", "Scenario"]

MIN_ENTERPRISE_AGENTS = 20_000  # enterprise agents at least (star-rated counts need the resolution)


# --------------------------------------------------------------------------------------------
# Run settings
# --------------------------------------------------------------------------------------------
class RunSettings(Strict):
    """How much to simulate."""

    start: Month = "2020-01"
    months: int = Field(72, ge=1, le=240, description="number of monthly steps")
    households: int = Field(
        100_000,
        ge=100,
        le=40_000_000,
        description="household agents; each stands for (province households / households) real ones",
    )
    enterprises: int | None = Field(
        None,
        ge=50,
        le=5_000_000,
        description=f"enterprise agents; None = same sampling ratio as households, at least {MIN_ENTERPRISE_AGENTS:,}",
    )
    agent_views: Literal["auto", "all", "none"] = Field(
        "auto",
        description="Mesa agent objects (views onto the arrays) for households and enterprises: "
        "'auto' creates them up to 200,000 agents of a kind",
    )

    @model_validator(mode="after")
    def _ends_within_calendar(self) -> RunSettings:
        last = month_label(self.months - 1, self.start)
        if parse_month(last) > parse_month(LAST_MONTH):
            raise ValueError(
                f"start {self.start} + {self.months} months ends in {last}, after {LAST_MONTH} "
                "(the calendar infosim supports)"
            )
        return self


class Scenario(Strict):
    """A complete, resolved scenario (after `extends` and overrides)."""

    name: str = Field(..., min_length=1)
    description: str = ""
    extends: str | None = None
    run: RunSettings = RunSettings()
    parameters: Parameters = Parameters()
    levers: Levers = Field(default_factory=Levers)

    @model_validator(mode="after")
    def _levers_fit_the_run(self) -> Scenario:
        for name in LEVER_NAMES:
            try:
                getattr(self.levers, name).check_against_run(self.run.start)
            except ValueError as exc:
                raise ValueError(f"levers.{name}.{exc}") from None
        return self
