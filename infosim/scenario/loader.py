"""Load scenario TOML files: resolve `extends` and `include`, apply `key.path=value` overrides, validate.

A scenario file may name a parent (``extends = "baseline"``) and fragments to merge in
(``include = ["levers/vouchers_2020"]``): the parent first, then each include in order, then
the file's own keys; tables merge, other values (numbers, strings, lists) replace. ``name`` and
``description`` are never inherited (a file without ``name`` is named after the file). An
included file holds sections only (``run``, ``parameters``, ``levers``, ``include``). Where
references are looked up and which files they may reach: :mod:`infosim.scenario.search`.
Every value remembers where it came from (:func:`explain_scenario`), which ``infosim scenarios
show`` prints.

Errors are raised as :class:`infosim.errors.ScenarioError`, one problem per line, each naming
the file, the key and what is allowed. Values read from a parent or an included file are not
echoed in messages (only the file that holds them is named), so a scenario cannot make infosim
print another file's contents.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import EllipsisType
from typing import Any

from pydantic import ValidationError

from infosim.errors import ScenarioError
from infosim.scenario.schema import Scenario
from infosim.scenario.search import (
    ENV_VAR,
    ScenarioDir,
    configure,
    find_scenario,
    resolve_reference,
    scenario_sources,
    search_path,
    settings,
    shorten,
)

__all__ = [
    "ENV_VAR",
    "ScenarioDir",
    "apply_overrides",
    "configure",
    "explain_scenario",
    "find_scenario",
    "list_scenarios",
    "load_scenario",
    "parse_override",
    "scenario_files",
    "scenario_from_dict",
    "search_path",
    "settings",
]

#: Largest scenario file read (bytes): scenario files are a few kB.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of tables and arrays in a scenario document or a --set value.
MAX_DEPTH = 16
#: Keys an included file may hold (it is a fragment: sections only).
INCLUDE_KEYS = ("run", "parameters", "levers", "include")
SOURCE_DEFAULT, SOURCE_SET, SOURCE_FILE_NAME = "default", "--set", "file name"
_NAME_RE = re.compile(r"^\w[\w .-]{0,99}$")


def list_scenarios() -> dict[str, Path]:
    """All scenario names on the search path, mapped to their files (first folder wins)."""
    return {name: found.path for name, found in scenario_sources().items()}


# --------------------------------------------------------------------------------------------
# Reading one file
# --------------------------------------------------------------------------------------------
def _depth(value: Any) -> int:
    """Nesting depth of tables and arrays (iterative: safe on any depth)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((c, level + 1) for c in children)
    return deepest


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; every failure becomes a ScenarioError naming the file (never its content)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_FILE_BYTES // 1000} kB; not a scenario file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
            "scenario files are TOML saved as UTF-8"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested more than {MAX_DEPTH} levels deep; not a scenario file") from None
    if _depth(raw) > MAX_DEPTH:
        raise ScenarioError(f"{path}: nested more than {MAX_DEPTH} levels deep; not a scenario file")
    return raw


# --------------------------------------------------------------------------------------------
# Merging with provenance
# --------------------------------------------------------------------------------------------
@dataclass
class Resolved:
    """A merged scenario document and where each of its values came from.

    Attributes:
        raw: the merged document (``include`` removed).
        sources: dotted key of every value set by a file -> that file (lists count as one value).
        files: every file read, in the order merged.
    """

    raw: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def merge(self, other: Mapping[str, Any], source: str, sources: Mapping[str, str] | None = None) -> None:
        """Merge `other` in (tables merge, other values replace), recording the sources."""
        _merge_into(self.raw, other, (), self.sources, source, sources or {})


def _merge_into(
    base: dict[str, Any],
    over: Mapping[str, Any],
    prefix: tuple[str, ...],
    sources: dict[str, str],
    source: str,
    over_sources: Mapping[str, str],
) -> None:
    for key, value in over.items():
        path = (*prefix, str(key))
        dotted = ".".join(path)
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge_into(base[key], value, path, sources, source, over_sources)
            continue
        for old in [k for k in sources if k == dotted or k.startswith(dotted + ".")]:
            del sources[old]
        base[key] = copy.deepcopy(value)
        if isinstance(value, Mapping):
            for leaf in _leaf_keys(value, path):
                sources[leaf] = over_sources.get(leaf, source)
        else:
            sources[dotted] = over_sources.get(dotted, source)


def _leaf_keys(node: Mapping[str, Any], prefix: tuple[str, ...]) -> Iterable[str]:
    for key, value in node.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            yield from _leaf_keys(value, path)
        else:
            yield ".".join(path)


def resolve(path: Path, _chain: tuple[Path, ...] = (), *, fragment: bool = False) -> Resolved:
    """The merged document of a scenario file (or an included fragment) and its sources."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ScenarioError(f"{_chain[-1]}: 'extends'/'include' form a cycle: {cycle}")
    raw = read_toml(path)
    if fragment:
        stray = [k for k in raw if k not in INCLUDE_KEYS]
        if stray:
            raise ScenarioError(
                f"{path}: an included file holds sections only ({', '.join(INCLUDE_KEYS)}); "
                f"found key {shorten(stray[0])!r}"
            )
    chain = (*_chain, path)
    out = Resolved()
    parent = raw.get("extends")
    if parent is not None and not fragment:
        base = resolve(resolve_reference(parent, path, "extends"), chain)
        for own in ("name", "description"):  # a scenario's own: never inherited
            base.raw.pop(own, None)
            base.sources.pop(own, None)
        out = base
    includes = raw.get("include", [])
    if not isinstance(includes, list):
        raise ScenarioError(f"{path}: key include: must be a list of scenario names, e.g. [\"levers/vouchers_2020\"]")
    for i, ref in enumerate(includes):
        part = resolve(resolve_reference(ref, path, f"include[{i}]"), chain, fragment=True)
        out.merge(part.raw, str(path), part.sources)
        out.files.extend(part.files)
    out.merge({k: v for k, v in raw.items() if k != "include"}, str(path))
    out.files.append(path)
    return out


def resolve_raw(path: Path) -> dict[str, Any]:
    """The raw dict of a scenario file with its `extends` chain and includes merged in."""
    return resolve(Path(path)).raw


def scenario_files(name_or_path: str | Path) -> list[Path]:
    """The files a scenario is built from: its parents and includes, then the file itself."""
    return list(dict.fromkeys(resolve(find_scenario(name_or_path)).files))


# --------------------------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------------------------
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


def _plain(value: Any) -> Any:
    """`value` with numpy scalars turned into Python numbers (designs produce them)."""
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _parse_one(text: str) -> tuple[str, Any]:
    try:
        key, value = parse_override(text)
    except RecursionError:
        raise ScenarioError(f"--set {shorten(text)!r}: value nested more than {MAX_DEPTH} levels deep") from None
    if _depth(value) > MAX_DEPTH:
        raise ScenarioError(f"--set {shorten(text)!r}: value nested more than {MAX_DEPTH} levels deep")
    if any(not part.strip() for part in key.split(".")):
        raise ScenarioError(f"--set {shorten(text)!r}: empty part in key {shorten(key)!r}")
    return key, value


def normalise_overrides(overrides: Iterable[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """``--set`` strings (checked: depth, empty key parts) or a mapping, as ``{key: value}``."""
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        return {str(k): _plain(v) for k, v in overrides.items()}
    if isinstance(overrides, str):
        overrides = [overrides]
    return dict(_parse_one(o) for o in overrides)


def _apply(raw: dict[str, Any], over: Mapping[str, Any], sources: dict[str, str] | None = None) -> None:
    for key, value in over.items():
        if key.split(".")[0] in ("extends", "include"):
            raise ScenarioError(f"--set {shorten(key)}: set 'extends' and 'include' in a scenario file, not with --set")
        set_path(raw, key, value)
        if sources is not None:
            for old in [k for k in sources if k == key or k.startswith(key + ".")]:
                del sources[old]
            leaves = _leaf_keys(value, tuple(key.split("."))) if isinstance(value, Mapping) and value else [key]
            sources.update(dict.fromkeys(leaves, SOURCE_SET))


# --------------------------------------------------------------------------------------------
# Validation and messages
# --------------------------------------------------------------------------------------------
def _shown_value(got: Any) -> str:
    text = repr(got)
    return shorten(text, 60)


def format_validation_error(source: str, exc: ValidationError, hidden: Mapping[str, str] | None = None) -> str:
    """One line per problem: '<source>: key a.b.c: <message> (got <value>)'.

    Unknown keys under one table are reported on one line. Values listed in `hidden` (key ->
    file) are not echoed: the message names the file that holds them instead.
    """
    lines: list[str] = []
    unknown: dict[tuple[Any, ...], list[str]] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            if len(loc) == 3 and loc[0] == "levers" and loc[2] == "clause":
                lines.append(f"{source}: key {key}: the policy clause a lever models is fixed by the lever module "
                             "(infosim/levers); remove the key")
                continue
            unknown.setdefault(loc[:-1], []).append(str(loc[-1]))
            continue
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "string_pattern_mismatch" and "\\d{4}-" in str(err.get("ctx", {}).get("pattern", "")):
            msg = "must be a month written 'YYYY-MM'"
        lines.append(f"{source}: key {shorten(key)}: {msg}{_got(err.get('input'), key, hidden or {})}")
    for parent, keys in unknown.items():
        where = ".".join(str(p) for p in (*parent, keys[0]))
        allowed = ", ".join(_allowed_keys(parent)) or "(none)"
        if len(keys) == 1:
            lines.insert(0, f"{source}: key {shorten(where)}: unknown key; allowed here: {allowed}")
        else:
            shown = ", ".join(shorten(k, 30) for k in keys[:5]) + (", ..." if len(keys) > 5 else "")
            table = ".".join(str(p) for p in parent) or "the top level"
            lines.insert(
                0, f"{source}: {len(keys)} unknown keys in {shorten(table)} ({shown}); allowed here: {allowed}"
            )
    return "\n".join(lines)


def _got(value: Any, key: str, hidden: Mapping[str, str]) -> str:
    if isinstance(value, dict):
        return ""
    holder = next((f for k, f in hidden.items() if key == k or key.startswith(k + ".")), None)
    if holder is not None:
        return f" (value set in {holder})"
    return f" (got {_shown_value(value)})"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field_info = getattr(model, "model_fields", {}).get(part)
        if field_info is None:
            return []
        ann = field_info.annotation
        args = getattr(ann, "__args__", ())
        model = next((a for a in (ann, *args) if hasattr(a, "model_fields")), None)
        if model is None:
            return []
    return sorted(getattr(model, "model_fields", {}))


def _check_name(raw: Mapping[str, Any], source: str) -> None:
    name = raw.get("name")
    if isinstance(name, str) and not _NAME_RE.match(name):
        raise ScenarioError(
            f"{source}: key name: must be 1 to 100 letters, digits, spaces, '_', '-' or '.', starting with a "
            f"letter or digit (it names the results folder); got {shorten(repr(name), 40)}"
        )


def validate_raw(raw: Mapping[str, Any], source: str, hidden: Mapping[str, str] | None = None) -> Scenario:
    """Validate a raw scenario dict; `source` names it in error messages.

    Args:
        raw: the merged document.
        source: how errors name it (a file, with "(with overrides)" if any).
        hidden: key -> file for values that must not be echoed (from parents and includes).
    """
    _check_name(raw, source)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(source, exc, hidden)) from None
    except RecursionError:
        raise ScenarioError(f"{source}: nested too deeply") from None


def _hidden(sources: Mapping[str, str], top: Path) -> dict[str, str]:
    """Keys whose values came from a file other than `top` (not echoed in messages)."""
    return {k: f for k, f in sources.items() if f not in (str(top), SOURCE_SET)}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def explain_scenario(
    name_or_path: str | Path,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
) -> tuple[Scenario, dict[str, str]]:
    """Load a scenario and say where each value came from.

    Returns:
        The validated scenario, and for every leaf key of its dump (``levers.vouchers.waves``
        counts as one) its source: a file path, ``"--set"``, ``"file name"`` (the name taken
        from the file's name) or ``"default"`` (the schema's default).
    """
    path = find_scenario(name_or_path)
    res = resolve(path)
    raw, sources = res.raw, res.sources
    if "name" not in raw:
        raw["name"] = path.stem
        sources["name"] = SOURCE_FILE_NAME
    over = normalise_overrides(overrides)
    _apply(raw, over, sources)
    source = str(path) + (" (with overrides)" if over else "")
    scenario = validate_raw(raw, source, _hidden(sources, path.resolve()))
    leaves = _leaf_keys(scenario.model_dump(mode="json"), ())
    return scenario, {k: _source_of(k, sources) for k in leaves}


def _source_of(key: str, sources: Mapping[str, str]) -> str:
    parts = key.split(".")
    whole = next(
        (sources[p] for p in (".".join(parts[:i]) for i in range(len(parts), 0, -1)) if p in sources),
        SOURCE_DEFAULT,
    )  # the key itself, or a table set as a whole (e.g. an inline table)
    partial = [v for k, v in sources.items() if k.startswith(key + "[")]  # one element of a list
    return f"{whole}, then {partial[-1]}" if partial else whole


def load_scenario(
    name_or_path: str | Path,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
) -> Scenario:
    """Load a scenario by name (from the search path) or path; resolve `extends` and `include`;
    apply overrides.

    Args:
        name_or_path: a scenario name such as ``"jiangsu_2020"`` or a path to a TOML file.
        overrides: ``["levers.vouchers.enabled=false", ...]`` or ``{"run.months": 24}``.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: with the file, the key and what is allowed.
    """
    return explain_scenario(name_or_path, overrides)[0]


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any] | Iterable[str]) -> Scenario:
    """A copy of `scenario` with dotted-key overrides applied and re-validated."""
    raw = scenario.model_dump(mode="python")
    _apply(raw, normalise_overrides(overrides))
    return validate_raw(raw, f"scenario {scenario.name!r} (overrides)")


def scenario_from_dict(raw: Mapping[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a plain dict (e.g. read back from a results manifest)."""
    return validate_raw(dict(raw), source)
