"""Readable numbers for tables: scaled values with their 95% interval, e.g. ``1.23 [0.98, 1.48]``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def decimals_for(x: float, digits: int = 3) -> int:
    """Decimals that show `x` to about `digits` significant digits (none for large numbers)."""
    if not np.isfinite(x) or x == 0:
        return max(digits - 1, 0)
    return int(max(0, digits - 1 - math.floor(math.log10(abs(x)))))


def fmt_num(x: float, decimals: int | None = None, digits: int = 3) -> str:
    """`x` with thousands separators and `decimals` (default: ~`digits` significant digits)."""
    if x is None or not np.isfinite(x):
        return "–"
    d = decimals_for(x, digits) if decimals is None else decimals
    text = f"{x:,.{d}f}"
    return "0" if text.strip("-0.,") == "" else text


def fmt_ci(mean: float, low: float, high: float, scale: float = 1.0, digits: int = 3) -> str:
    """``mean [low, high]`` divided by `scale`; the interval is left out when unknown."""
    m = mean / scale
    ref = max(abs(m), abs(low / scale) if np.isfinite(low) else 0.0, abs(high / scale) if np.isfinite(high) else 0.0)
    d = decimals_for(ref, digits)
    if np.isfinite(low) and np.isfinite(high):
        return f"{fmt_num(m, d)} [{fmt_num(low / scale, d)}, {fmt_num(high / scale, d)}]"
    return fmt_num(m, d)


def fmt_share(mean: float, low: float = float("nan"), high: float = float("nan")) -> str:
    """A share as a percentage, with its interval when known: ``42% [38, 46]``."""
    if mean is None or not np.isfinite(mean):
        return "–"
    if np.isfinite(low) and np.isfinite(high):
        return f"{100 * mean:.0f}% [{100 * low:.0f}, {100 * high:.0f}]"
    return f"{100 * mean:.0f}%"


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of `frame` (index not shown); numbers right-aligned."""
    cols = list(frame.columns)
    right = [pd.api.types.is_numeric_dtype(frame[c]) or _looks_numeric(frame[c]) for c in cols]
    lines = ["| " + " | ".join(str(c) for c in cols) + " |",
             "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def _looks_numeric(col: pd.Series) -> bool:
    text = col.astype(str).str.lstrip("-–")
    return bool(len(text)) and text.str[:1].str.isdigit().mean() > 0.5
