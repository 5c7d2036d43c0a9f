"""TOML text for generated scenario documents (tomllib reads TOML; nothing in the stdlib writes it)."""

from __future__ import annotations

import json
import math
from typing import Any


class Raw(str):
    """TOML text inserted as is (dates, deliberately broken values)."""


def toml_value(v: Any) -> str:
    """`v` written as a TOML value."""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_doc(entries: dict[str, Any]) -> str:
    """A document of dotted-key lines: ``a.b.c = value``."""
    lines = []
    for key, value in entries.items():
        dotted = ".".join(p if p.replace("_", "").isalnum() and p.isascii() else json.dumps(p) for p in key.split("."))
        lines.append(f"{dotted} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def schema_leaves() -> dict[str, Any]:
    """Every leaf key of a default scenario with its value (lists count as leaves)."""
    from infosim.scenario import Scenario

    out: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for k, v in node.items():
            if isinstance(v, dict) and v:
                walk(v, f"{prefix}{k}.")
            elif k != "clause":
                out[f"{prefix}{k}"] = v

    walk(Scenario(name="x").model_dump(mode="json"), "")
    return out


