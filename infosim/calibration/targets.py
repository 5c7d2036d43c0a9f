"""Calibration targets: observed values with their uncertainty, and how a run is scored on them.

A targets file (format: ``calibration/README.md`` and ``docs/calibration.md``) is a list of
``[[targets]]`` tables. Each names a monthly series of a run and either one month (a stock: the
series' value in that month) or an inclusive range of months (a flow: the sum over the months),
optionally divided by another such statistic (``per``), with the observed value, its standard
deviation, unit, date, source and kind.

Two files share the format and are kept apart by date: ``targets.toml`` holds observations dated
up to the split month (2021-12: the only data calibration reads); ``holdout.toml`` holds later
observations, read only by the validation report. The loader refuses an entry on the wrong side.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from infosim.calendar import month_index, parse_month
from infosim.calibration.errors import TargetError

#: The last month calibration may use: observations after it are out-of-sample (holdout).
SPLIT = "2021-12"
KINDS = ("observation", "proxy", "evaluation")
Role = Literal["targets", "holdout", "any"]

REQUIRED = ("name", "series", "value", "sd", "unit", "date", "source", "kind", "sd_basis")
OPTIONAL = ("month", "months", "per", "note")
PER_KEYS = ("series", "month", "months")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def source_keys() -> frozenset[str]:
    """The source keys of ``infosim/data/SOURCES.md`` (a target's ``source`` must be one)."""
    text = resources.files("infosim.data").joinpath("SOURCES.md").read_text(encoding="utf-8")
    return frozenset(re.findall(r"^\| `([A-Za-z0-9_]+)` \|", text, flags=re.M))


@dataclass(frozen=True)
class Span:
    """A statistic of one series: its value in one month, or its sum over a range of months.

    Attributes:
        series: the time-series column.
        start: first month ('YYYY-MM').
        end: last month (inclusive; equal to `start` for a one-month value).
    """

    series: str
    start: str
    end: str

    @property
    def is_range(self) -> bool:
        """True for a sum over several months (a flow)."""
        return self.start != self.end

    def describe(self) -> str:
        """``series@2020-12`` or ``series[2020-01..2020-12]``."""
        return f"{self.series}@{self.start}" if not self.is_range else f"{self.series}[{self.start}..{self.end}]"


@dataclass(frozen=True)
class Target:
    """One observed value.

    Attributes:
        name: unique id (snake_case).
        stat: the statistic's numerator (series and month or months).
        per: the denominator of a ratio, or None.
        value: the observed value, in `unit`.
        sd: its observational uncertainty (one standard deviation), in `unit`.
        unit: what `value` counts.
        date: the month the observation refers to.
        source: a key of ``infosim/data/SOURCES.md``.
        kind: ``observation``, ``proxy`` or ``evaluation``.
        sd_basis: why this sd.
        note: free text.
        file: the file it was read from.
    """

    name: str
    stat: Span
    value: float
    sd: float
    unit: str
    date: str
    source: str
    kind: str
    sd_basis: str
    per: Span | None = None
    note: str = ""
    file: str = field(default="", compare=False)

    @property
    def series(self) -> str:
        """The numerator's series."""
        return self.stat.series

    @property
    def last_month(self) -> str:
        """The latest month the statistic reads."""
        months = [self.stat.end] + ([self.per.end] if self.per else [])
        return max(months)

    @property
    def first_month(self) -> str:
        """The earliest month the statistic reads."""
        months = [self.stat.start] + ([self.per.start] if self.per else [])
        return min(months)

    @property
    def is_plain_stock(self) -> bool:
        """True for a one-month value of a series without a ratio (plotted on the series)."""
        return self.per is None and not self.stat.is_range

    def describe(self) -> str:
        """The statistic, e.g. ``vouchers_redeemed_cumulative@2020-12 / vouchers_issued_cumulative@2020-12``."""
        return self.stat.describe() + (f" / {self.per.describe()}" if self.per else "")


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------
def infer_role(path: Path) -> Role:
    """``holdout`` for a file whose name contains 'holdout', else ``targets``."""
    return "holdout" if "holdout" in path.stem.lower() else "targets"


def _is_month(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_month(value)
    except ValueError:
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Problems:
    """Collects one line per problem: '<file>: target <id>: key <key>: <message>'."""

    def __init__(self, source: str):
        self.source = source
        self.lines: list[str] = []

    def add(self, who: str, key: str | None, message: str) -> None:
        where = f"target {who}" + (f": key {key}" if key else "")
        self.lines.append(f"{self.source}: {where}: {message}")


def _span(raw: Mapping[str, Any], series: Any, who: str, prefix: str, problems: _Problems) -> Span | None:
    """The month or months of a statistic (`prefix` names the table in messages: '' or 'per.')."""
    has_month, has_months = "month" in raw, "months" in raw
    if has_month == has_months:
        problems.add(who, f"{prefix}month", "give exactly one of month = 'YYYY-MM' (a stock) or "
                     "months = ['YYYY-MM', 'YYYY-MM'] (a flow summed over the months, inclusive)")
        return None
    if not isinstance(series, str) or not series:
        return None
    if has_month:
        month = raw["month"]
        if not _is_month(month):
            problems.add(who, f"{prefix}month", f"must be a month written 'YYYY-MM' (got {month!r})")
            return None
        return Span(series, month, month)
    months = raw["months"]
    if not (isinstance(months, list) and len(months) == 2 and all(_is_month(m) for m in months)):
        problems.add(who, f"{prefix}months", f"must be ['YYYY-MM', 'YYYY-MM'] (first and last month, inclusive; "
                     f"got {months!r})")
        return None
    if months[0] > months[1]:
        problems.add(who, f"{prefix}months", f"the first month {months[0]} is after the last {months[1]}")
        return None
    return Span(series, months[0], months[1])


def _target(raw: Any, index: int, problems: _Problems, file: str) -> Target | None:
    """Validate one [[targets]] entry; record problems and return None if it is invalid."""
    if not isinstance(raw, dict):
        problems.add(f"#{index + 1}", None, "each [[targets]] entry must be a table")
        return None
    name = raw.get("name")
    who = repr(name) if isinstance(name, str) and name else f"#{index + 1}"
    before = len(problems.lines)
    allowed = (*REQUIRED, *OPTIONAL)
    for key in raw:
        if key not in allowed:
            problems.add(who, key, f"unknown key; allowed: {', '.join(allowed)}")
    for key in REQUIRED:
        if key not in raw:
            problems.add(who, key, "missing")
    if isinstance(name, str) and not _NAME_RE.match(name):
        problems.add(who, "name", "must be snake_case: lower-case letters, digits and '_', starting with a letter")
    for key in ("series", "unit", "sd_basis", "source"):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            problems.add(who, key, f"must be a non-empty string (got {raw[key]!r})")
    if "note" in raw and not isinstance(raw["note"], str):
        problems.add(who, "note", f"must be a string (got {raw['note']!r})")
    for key in ("value", "sd"):
        if key in raw and not _is_number(raw[key]):
            problems.add(who, key, f"must be a finite number (got {raw[key]!r})")
    if _is_number(raw.get("sd")) and raw["sd"] <= 0:
        problems.add(who, "sd", f"must be > 0: the observational uncertainty, one standard deviation "
                     f"(got {raw['sd']!r})")
    if "date" in raw and not _is_month(raw["date"]):
        problems.add(who, "date", f"must be a month written 'YYYY-MM' (got {raw['date']!r})")
    if "kind" in raw and raw["kind"] not in KINDS:
        problems.add(who, "kind", f"must be one of {', '.join(KINDS)} (got {raw['kind']!r})")
    if isinstance(raw.get("source"), str) and raw["source"].strip() and raw["source"] not in source_keys():
        problems.add(who, "source", f"{raw['source']!r} is not a key of infosim/data/SOURCES.md (add the "
                     "reference there)")
    stat = _span(raw, raw.get("series"), who, "", problems)
    per = None
    if "per" in raw:
        p = raw["per"]
        if not isinstance(p, dict):
            problems.add(who, "per", "must be a table: { series = '...', month = 'YYYY-MM' } or with months = [...]")
        else:
            for key in p:
                if key not in PER_KEYS:
                    problems.add(who, f"per.{key}", f"unknown key; allowed: {', '.join(PER_KEYS)}")
            if not (isinstance(p.get("series"), str) and p.get("series")):
                problems.add(who, "per.series", "missing (the series to divide by)")
            per = _span(p, p.get("series"), who, "per.", problems)
    if len(problems.lines) > before or stat is None:
        return None
    return Target(
        name=name,
        stat=stat,
        per=per,
        value=float(raw["value"]),
        sd=float(raw["sd"]),
        unit=raw["unit"],
        date=raw["date"],
        source=raw["source"],
        kind=raw["kind"],
        sd_basis=raw["sd_basis"],
        note=raw.get("note", ""),
        file=file,
    )


def _check_side(target: Target, role: Role, split: str, problems: _Problems) -> None:
    """Targets are dated (and read data) up to `split`; holdout observations are dated after it."""
    who = repr(target.name)
    if role == "targets":
        if target.date > split:
            problems.add(who, "date", f"{target.date} is after {split}: a targets file holds observations dated up "
                         f"to {split} only (later ones belong in the holdout file)")
        elif target.last_month > split:
            problems.add(who, "month", f"the statistic reads {target.last_month}, after {split}: calibration may "
                         f"use data up to {split} only")
    elif role == "holdout" and target.date <= split:
        problems.add(who, "date", f"{target.date} is not after {split}: a holdout file holds only observations "
                     f"dated after {split} (earlier ones belong in the targets file)")


def parse_targets(raw: Mapping[str, Any], source: str, *, role: Role = "targets", split: str = SPLIT) -> list[Target]:
    """Validate the contents of a targets file (see :func:`load_targets`)."""
    problems = _Problems(source)
    for key in raw:
        if key != "targets":
            problems.lines.append(f"{source}: key {key}: unknown top-level key; a targets file holds [[targets]] "
                                  "tables only")
    entries = raw.get("targets")
    if not isinstance(entries, list) or not entries:
        problems.lines.append(f"{source}: key targets: no [[targets]] entries")
        raise TargetError("\n".join(problems.lines))
    out: list[Target] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        target = _target(entry, i, problems, source)
        if target is None:
            continue
        if target.name in seen:
            problems.add(repr(target.name), "name", "used by an earlier target; names must be unique")
            continue
        seen.add(target.name)
        _check_side(target, role, split, problems)
        out.append(target)
    if problems.lines:
        raise TargetError("\n".join(problems.lines))
    return out


def load_targets(path: str | Path, *, role: Role | None = None, split: str | None = None) -> list[Target]:
    """Read and validate a targets file.

    Args:
        path: the TOML file.
        role: ``targets`` (entries must be dated up to `split`), ``holdout`` (dated after it) or
            ``any`` (no date rule); default: ``holdout`` if the file name contains 'holdout'.
        split: the last in-sample month (default ``2021-12``); give it explicitly to move the rule.

    Returns:
        The targets, in file order.

    Raises:
        TargetError: one line per problem, naming the file, the target and the key.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise TargetError(f"{path}: no such targets file") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    split = split or SPLIT
    if not _is_month(split):
        raise TargetError(f"split {split!r}: must be a month written 'YYYY-MM'")
    return parse_targets(raw, str(path), role=role or infer_role(path), split=split)


def select(targets: Iterable[Target], cutoff: str | None) -> list[Target]:
    """The targets dated up to `cutoff` (all of them when None)."""
    return [t for t in targets if cutoff is None or t.date <= cutoff]


def after(targets: Iterable[Target], cutoff: str) -> list[Target]:
    """The targets dated after `cutoff` (what a calibration with that cutoff did not see)."""
    return [t for t in targets if t.date > cutoff]


def months_needed(targets: Sequence[Target], start: str) -> int:
    """Months a run starting at `start` must simulate to evaluate every target."""
    if not targets:
        return 1
    first = min(t.first_month for t in targets)
    if first < start:
        raise TargetError(f"target {next(t.name for t in targets if t.first_month == first)!r} reads {first}, "
                          f"before the run's start {start}")
    return month_index(max(t.last_month for t in targets), start) + 1


# --------------------------------------------------------------------------------------------
# Evaluation on a run
# --------------------------------------------------------------------------------------------
def _value(ts: pd.DataFrame, span: Span, target: Target, months: pd.Series) -> float:
    if span.series not in ts.columns or span.series == "month":
        cols = ", ".join(c for c in ts.columns if c != "month")
        raise TargetError(f"target {target.name!r}: series {span.series!r} is not a column of the run; the run's "
                          f"columns are: {cols}")
    mask = (months >= span.start) & (months <= span.end)
    want = month_index(span.end, span.start) + 1
    if int(mask.sum()) != want:
        raise TargetError(f"target {target.name!r}: {span.describe()} is outside the run, which covers "
                          f"{months.iloc[0]}..{months.iloc[-1]} (simulate more months)")
    return float(ts.loc[mask, span.series].sum())


def statistic(timeseries: pd.DataFrame, target: Target) -> float:
    """The run's value of one target's statistic (NaN for a ratio over zero)."""
    months = timeseries["month"].astype(str)
    num = _value(timeseries, target.stat, target, months)
    if target.per is None:
        return num
    den = _value(timeseries, target.per, target, months)
    return num / den if den != 0 else math.nan


def evaluate(timeseries: pd.DataFrame, targets: Iterable[Target]) -> dict[str, float]:
    """The statistic of every target on one run.

    Args:
        timeseries: a run's monthly series (a ``month`` column 'YYYY-MM' and numeric columns).
        targets: the targets.

    Returns:
        ``{target name: value}``: a stock's value in its month, a flow's sum over its months,
        divided by the ``per`` statistic when given (NaN when that is zero).

    Raises:
        TargetError: a series the run does not have (the message lists the run's columns), or
            months outside the run.
    """
    return {t.name: statistic(timeseries, t) for t in targets}
