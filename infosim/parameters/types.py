"""Validated value types every schema shares: strict models, shares, yuan, months, products.

Bottom of the package: the parameter schema, the lever schemas and the scenario schema all build
on these, and this module imports nothing from infosim but the calendar.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Yuan = Annotated[float, Field(ge=0.0, description="yuan")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="'YYYY-MM'")]

#: Household products a policy offer can apply to.
Product = Literal["phone5g", "smart_home", "tv4k", "gigabit"]


class Strict(BaseModel):
    """Base: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
