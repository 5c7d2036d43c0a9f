"""Validated value types every schema shares: strict models, shares, yuan, months, products.

Bottom of the package: the parameter schema, the lever schemas and the scenario schema all build
on these, and this module imports nothing from infosim but the calendar.

Numbers are strict: a number is never read from a string ("12") or a boolean, nor an integer
from a float; NaN and infinities are refused, and every number must lie within ±NUMBER_LIMIT
(yuan within 0..YUAN_LIMIT). Months lie in the calendar infosim supports.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from infosim.calendar import parse_month

#: Largest magnitude of any number in a scenario. Beyond it no value is meaningful here (the
#: province's yearly GDP is about 1e13 yuan, its households 3e7) and arithmetic would overflow.
NUMBER_LIMIT = 1e12
#: Largest yuan amount (one trillion yuan), for budgets and prices alike.
YUAN_LIMIT = 1e12
#: The calendar infosim supports: every month in a scenario lies in this window.
FIRST_MONTH, LAST_MONTH = "2000-01", "2100-12"


def _yuan_bound(value: float) -> float:
    if value > YUAN_LIMIT:
        raise ValueError(f"must be at most {YUAN_LIMIT:.0e} yuan (one trillion: the upper bound of any yuan amount)")
    return value


def _month_in_window(value: str) -> str:
    if not parse_month(FIRST_MONTH) <= parse_month(value) <= parse_month(LAST_MONTH):
        raise ValueError(f"must be a month between {FIRST_MONTH} and {LAST_MONTH} (the calendar infosim supports)")
    return value


def _check_bounded(value: Any) -> None:
    """Raise ValueError if `value` (or a number inside a list or table) is beyond NUMBER_LIMIT."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
            raise ValueError(f"numbers must lie between -{NUMBER_LIMIT:.0e} and {NUMBER_LIMIT:.0e}")
    elif isinstance(value, list | tuple):
        for item in value:
            _check_bounded(item)
    elif isinstance(value, dict):
        for item in value.values():
            _check_bounded(item)


Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Yuan = Annotated[float, Field(ge=0.0, description="yuan"), AfterValidator(_yuan_bound)]
#: A list price the model divides by (net / list price, offer / price): strictly positive.
Price = Annotated[float, Field(gt=0.0, description="yuan, > 0"), AfterValidator(_yuan_bound)]
Month = Annotated[
    str,
    Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description=f"'YYYY-MM', {FIRST_MONTH} to {LAST_MONTH}"),
    AfterValidator(_month_in_window),
]

#: Household products a policy offer can apply to.
Product = Literal["phone5g", "smart_home", "tv4k", "gigabit"]


class Strict(BaseModel):
    """Base: unknown keys are errors, assignments are validated, types are strict.

    Strict types: a number is never read from a string ("12") or a boolean, nor an integer
    from a float; NaN and infinities are refused, and every number must lie within
    ±NUMBER_LIMIT.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _numbers_bounded(cls, value: Any) -> Any:
        _check_bounded(value)
        return value
