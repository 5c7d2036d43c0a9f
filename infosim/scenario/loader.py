"""Load scenario TOML files: resolve `extends`, apply `key.path=value` overrides, validate.

Errors are raised as :class:`infosim.errors.ScenarioError` with one line per problem that names
the file, the key and what is allowed.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import EllipsisType
from typing import Any

from pydantic import ValidationError

from infosim.errors import ScenarioError
from infosim.scenario.schema import Scenario

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def scenario_dirs() -> list[Path]:
    """Folders searched for scenario names: $INFOSIM_SCENARIO_PATH, ./scenarios, the repo's."""
    dirs = [Path(p) for p in os.environ.get("INFOSIM_SCENARIO_PATH", "").split(os.pathsep) if p]
    dirs += [Path.cwd() / "scenarios", PACKAGE_ROOT / "scenarios"]
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.append(d.resolve())
    return seen


def list_scenarios() -> dict[str, Path]:
    """All scenario names found, mapped to their files (first folder wins)."""
    found: dict[str, Path] = {}
    for d in scenario_dirs():
        for f in sorted(d.glob("*.toml")):
            found.setdefault(f.stem, f)
    return found


def find_scenario(name_or_path: str | Path) -> Path:
    """Resolve a scenario name or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise ScenarioError(f"{p}: no such scenario file")
        return p
    known = list_scenarios()
    if str(name_or_path) in known:
        return known[str(name_or_path)]
    raise ScenarioError(f"unknown scenario {name_or_path!r}; known: {', '.join(sorted(known)) or '(none)'}")


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a ScenarioError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Recursively merge `override` into a copy of `base` (tables merge, other values replace)."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw dict of a scenario file with its `extends` chain merged in."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ScenarioError(f"{path}: 'extends' forms a cycle: {cycle}")
    raw = read_toml(path)
    parent = raw.get("extends")
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: key 'extends' must be a scenario name (string)")
    parent_path = path.parent / f"{parent}.toml"
    if not parent_path.is_file():
        parent_path = find_scenario(parent)
    base = resolve_raw(parent_path, (*_chain, path))
    base.pop("description", None)
    return deep_merge(base, raw)


_KEY_PART = re.compile(r"^([^\[\]\s=*]+)((?:\[(?:\d+|\*)\])*)$")
_INDEX = re.compile(r"\[(\d+|\*)\]")
EVERY = Ellipsis
"""The ``[*]`` part of a key: every element of the list."""

KeyPart = str | int | EllipsisType


def key_parts(key: str) -> list[KeyPart]:
    """Split a dotted scenario key into table keys (str), list indexes (int) and ``[*]`` (EVERY).

    ``"levers.vouchers.waves[0].face_value_yuan"`` -> ``["levers", "vouchers", "waves", 0,
    "face_value_yuan"]``; ``waves[*]`` gives :data:`EVERY` (every element). A dotted part that
    is a number (``target_new_stations.2021``) stays a table key; only ``[N]`` indexes a list.

    Raises:
        ScenarioError: naming the key, if a part is empty or an index is not ``[N]`` (N >= 0) or ``[*]``.
    """
    parts: list[KeyPart] = []
    for segment in key.strip().split("."):
        match = _KEY_PART.match(segment)
        if match is None:
            raise ScenarioError(
                f"override {key}: {segment!r} is not a key name, optionally followed by list indexes "
                "such as waves[0] (whole numbers from 0) or waves[*] (every element)"
            )
        parts.append(match.group(1))
        parts.extend(EVERY if i == "*" else int(i) for i in _INDEX.findall(match.group(2)))
    return parts


def key_text(parts: Iterable[KeyPart]) -> str:
    """The dotted key of `parts` (inverse of :func:`key_parts`): ``a.b[0].c``, ``a.b[*].c``."""
    out = ""
    for part in parts:
        if part is EVERY:
            out += "[*]"
        elif isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def parse_override(text: str) -> tuple[str, Any]:
    """Parse 'key.path=value'; the value is read as a TOML value, else kept as a string.

    The key may index list elements: ``levers.vouchers.waves[0].face_value_yuan=50``, or all
    of them: ``levers.vouchers.waves[*].face_value_yuan=50``.
    """
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected key.path=value")
    key, _, value = text.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError(f"--set {text!r}: empty key")
    key_parts(key)  # syntax check, one clear line
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key, parsed


def set_path(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key in a nested dict, creating tables as needed.

    ``[N]`` addresses element N of an existing list (``levers.vouchers.waves[0].month``) and
    ``[*]`` every element of it; lists are never created or extended here (set the whole list
    to change its length).

    Raises:
        ScenarioError: one line naming the key, if a part is a value where a table is needed,
            an index is out of range (with the list's length), or a non-list is indexed.
    """
    _set_parts(raw, key, key_parts(key), 0, value)


def _set_parts(node: Any, key: str, parts: list[KeyPart], i: int, value: Any) -> None:
    part = parts[i]
    here = key_text(parts[:i]) or "the top level"
    last = i == len(parts) - 1
    if part is EVERY or isinstance(part, int):
        shown = "[*]" if part is EVERY else f"[{part}]"
        if not isinstance(node, list):
            kind = "a table" if isinstance(node, dict) else "a value"
            raise ScenarioError(f"override {key}: {here} is {kind}, not a list; it cannot be indexed with {shown}")
        if part is EVERY:
            if not node:
                raise ScenarioError(f"override {key}: {here} has 0 elements, so [*] sets nothing")
            for j in range(len(node)):
                _set_parts(node, key, [*parts[:i], j, *parts[i + 1 :]], i, value)
            return
        if part >= len(node):
            valid = f" (indexes 0-{len(node) - 1})" if node else ""
            raise ScenarioError(
                f"override {key}: index {part} is out of range: {here} has {len(node)} element(s){valid}"
            )
    elif not isinstance(node, dict):
        if isinstance(node, list):
            raise ScenarioError(
                f"override {key}: {here} is a list of {len(node)} element(s); address one as {here}[0].{part} "
                f"or all as {here}[*].{part}"
            )
        raise ScenarioError(f"override {key}: {here} is a value, not a table")
    if last:
        node[part] = value
        return
    child = node[part] if isinstance(part, int) else node.get(part)
    if child is None:
        nxt = parts[i + 1]
        if nxt is EVERY or isinstance(nxt, int):
            shown = "[*]" if nxt is EVERY else f"[{nxt}]"
            raise ScenarioError(
                f"override {key}: {key_text(parts[: i + 1])} is not set in this scenario, so it has no "
                f"element {shown}; set the whole list first"
            )
        child = node[part] = {}
    _set_parts(child, key, parts, i + 1, value)


def _normalise_overrides(overrides: Iterable[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        return dict(overrides)
    return dict(parse_override(o) for o in overrides)


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem: '<source>: key a.b.c: <message> (got <value>)'."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            parent = err["loc"][:-1]
            msg = f"unknown key; allowed here: {', '.join(_allowed_keys(parent))}"
            if len(err["loc"]) == 3 and err["loc"][0] == "levers" and err["loc"][2] == "clause":
                msg = "the policy clause a lever models is fixed by the lever module (infosim/levers); remove the key"
            lines.append(f"{source}: key {loc}: {msg}")
            continue
        if err["type"] == "string_pattern_mismatch" and "\\d{4}-" in str(err.get("ctx", {}).get("pattern", "")):
            msg = "must be a month written 'YYYY-MM'"
        got = err.get("input")
        got_text = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{source}: key {loc}: {msg}{got_text}")
    return "\n".join(lines)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        model = next((a for a in (ann, *args) if hasattr(a, "model_fields")), None)
        if model is None:
            return []
    return sorted(getattr(model, "model_fields", {}))


def validate_raw(raw: Mapping[str, Any], source: str) -> Scenario:
    """Validate a raw scenario dict; `source` names it in error messages."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(source, exc)) from None


def load_scenario(
    name_or_path: str | Path,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
) -> Scenario:
    """Load a scenario by name (from `scenarios/`) or path, resolve `extends`, apply overrides.

    Args:
        name_or_path: a scenario name such as ``"jiangsu_2020"`` or a path to a TOML file.
        overrides: ``["levers.vouchers.enabled=false", ...]`` or ``{"run.months": 24}``.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: with the file, the key and what is allowed.
    """
    path = find_scenario(name_or_path)
    raw = resolve_raw(path)
    raw.setdefault("name", path.stem)
    over = _normalise_overrides(overrides)
    for key, value in over.items():
        set_path(raw, key, value)
    source = str(path) + (" (with --set overrides)" if over else "")
    return validate_raw(raw, source)


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any] | Iterable[str]) -> Scenario:
    """A copy of `scenario` with dotted-key overrides applied and re-validated."""
    raw = scenario.model_dump(mode="python")
    for key, value in _normalise_overrides(overrides).items():
        set_path(raw, key, value)
    return validate_raw(raw, f"scenario {scenario.name!r} (overrides)")


def scenario_from_dict(raw: Mapping[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a plain dict (e.g. read back from a results manifest)."""
    return validate_raw(dict(raw), source)
