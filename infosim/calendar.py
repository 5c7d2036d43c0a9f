"""Model time: month indices from the simulation start, and 'YYYY-MM' labels."""

from __future__ import annotations

import re

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(label: str) -> tuple[int, int]:
    """Parse 'YYYY-MM' into (year, month); raise ValueError otherwise."""
    match = _MONTH_RE.match(label)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{label!r} is not a month of the form 'YYYY-MM'")
    return int(match.group(1)), int(match.group(2))


def check_horizon(value: str) -> str:
    """`value` if it is ``"end"`` or a month ``YYYY-MM``.

    Raises:
        ValueError: otherwise, saying what is allowed.
    """
    if value != "end":
        try:
            parse_month(value)
        except ValueError:
            raise ValueError(f"expected 'end' or a month 'YYYY-MM' (got {value!r})") from None
    return value


def month_index(label: str, start: str) -> int:
    """Months from `start` to `label` (both 'YYYY-MM'); may be negative."""
    y, m = parse_month(label)
    y0, m0 = parse_month(start)
    return (y - y0) * 12 + (m - m0)


def month_label(index: int, start: str) -> str:
    """The 'YYYY-MM' label of month `index` counted from `start`."""
    y0, m0 = parse_month(start)
    total = y0 * 12 + (m0 - 1) + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_labels(n: int, start: str) -> list[str]:
    """Labels of the first `n` months from `start`."""
    return [month_label(i, start) for i in range(n)]
