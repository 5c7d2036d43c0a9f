"""Write chosen policies back as ordinary scenario files (``scenarios/optimised/<name>_<k>.toml``).

A file extends the optimisation's base scenario and sets only the decision variables (a list
such as the voucher waves is written whole), with a header comment saying how it was found, so
``infosim run``, ``batch``, ``compare`` and ``report`` use it like any other scenario.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infosim.experiments.store import atomic_write_bytes

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, else quoted."""
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """A TOML value: booleans, numbers, strings, arrays and inline tables (None is not allowed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = [f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_document(top: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """Top-level keys, then one ``[table]`` per group of dotted `settings` paths."""
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in top.items() if v is not None]
    tables: dict[str, list[str]] = {}
    for path, value in settings.items():
        if value is None:
            continue
        table, _, key = path.rpartition(".")
        tables.setdefault(table, []).append(f"{toml_key(key)} = {toml_value(value)}")
    for table, entries in tables.items():
        header = ".".join(toml_key(p) for p in table.split("."))
        lines += ["", f"[{header}]", *entries]
    return "\n".join(lines) + "\n"


def extends_reference(base_ref: str, base_name: str, folder: Path) -> str:
    """How a file in `folder` names the base scenario: by name when the name finds it, else by a
    path relative to the folder."""
    from infosim.errors import ScenarioError
    from infosim.scenario.search import find_scenario, is_name

    if is_name(base_ref):
        return base_ref
    try:
        if find_scenario(base_name).resolve() == Path(base_ref).resolve():
            return base_name
    except ScenarioError:
        pass
    return Path(os.path.relpath(Path(base_ref).resolve(), folder.resolve())).as_posix()


def comment_block(text: str, width: int = 100) -> list[str]:
    """`text` as ``# `` comment lines of at most `width` characters."""
    out = []
    for para in text.split("\n"):
        line = "#"
        for word in para.split():
            if len(line) + 1 + len(word) > width and line != "#":
                out.append(line)
                line = "#"
            line += " " + word
        out.append(line)
    return out


def write_scenario(path: Path, *, name: str, description: str, extends: str, settings: Mapping[str, Any],
                   header: str) -> Path:
    """Write a scenario file atomically: header comment, name, description, extends, settings."""
    text = "\n".join(comment_block(header)) + "\n" + toml_document(
        {"name": name, "description": description, "extends": extends}, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, text.encode("utf-8"))
    return path
