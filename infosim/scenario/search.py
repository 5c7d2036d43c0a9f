"""Where scenario files are found: the search path, and safe resolution of `extends` / `include`.

The search path, first match wins:

1. folders given on the command line (``--scenarios DIR``, repeatable) or to
   :func:`configure`;
2. the folders in the environment variable ``INFOSIM_SCENARIO_PATH`` (separated by ``:``,
   ``;`` on Windows);
3. ``./scenarios`` in the current folder;
4. the scenarios shipped with infosim (package data ``infosim.scenarios``; in a source
   checkout, the repository's ``scenarios/`` folder).

A file's `extends` and `include` entries name a scenario (``"baseline"``,
``"levers/vouchers_2020"``: looked up beside the file, then on the search path) or a relative
``.toml`` path (from the file's folder). Either must land inside the file's folder or a folder
of the search path: absolute paths and ``..`` that leave them are refused unless the user opts
in (``--allow-outside-paths``), so a scenario file from someone else cannot read other files.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from infosim.errors import ScenarioError

ENV_VAR = "INFOSIM_SCENARIO_PATH"
ORIGIN_OPTION, ORIGIN_ENV, ORIGIN_CWD, ORIGIN_PACKAGE = "--scenarios", ENV_VAR, "current folder", "package"
#: A scenario name as referenced by `extends` / `include` / the command line: word characters,
#: '-' and '.', in '/'-separated segments (e.g. ``levers/vouchers_2020``); never '..'.
_NAME_RE = re.compile(r"^(?!.*(^|/)\.\.?(/|$))[\w][\w.-]*(/[\w][\w.-]*)*$")
MAX_SHOWN = 80


@dataclass(frozen=True)
class ScenarioDir:
    """One folder of the search path and where it comes from (``package``, ``--scenarios``, ...)."""

    path: Path
    origin: str


@dataclass(frozen=True)
class Settings:
    """Process-wide loader settings (the command line sets them from its options)."""

    extra_dirs: tuple[Path, ...] = ()
    allow_outside_paths: bool = False


_settings = Settings()


def configure(scenario_dirs: Sequence[str | Path] = (), *, allow_outside_paths: bool = False) -> None:
    """Set the extra scenario folders and the outside-paths opt-in for this process.

    Raises:
        ScenarioError: a folder that does not exist.
    """
    global _settings
    dirs = []
    for d in scenario_dirs:
        p = Path(d).expanduser()
        if not p.is_dir():
            raise ScenarioError(f"--scenarios {shorten(str(d))}: no such folder")
        dirs.append(p)
    _settings = Settings(tuple(dirs), allow_outside_paths)


@contextlib.contextmanager
def settings(scenario_dirs: Sequence[str | Path] = (), *, allow_outside_paths: bool = False) -> Iterator[None]:
    """Temporarily :func:`configure` the loader (for tests and notebooks)."""
    old = _settings
    configure(scenario_dirs, allow_outside_paths=allow_outside_paths)
    try:
        yield
    finally:
        _restore(old)


def _restore(old: Settings) -> None:
    global _settings
    _settings = old


def allow_outside_paths() -> bool:
    """True if `extends` / `include` may read files outside the safe folders."""
    return _settings.allow_outside_paths


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """`text` cut to `limit` characters (for echoing user input in messages)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def package_dir() -> Path | None:
    """The scenarios shipped with infosim: package data, else the source checkout's folder."""
    from importlib.resources import files

    shipped = files("infosim") / "scenarios"  # installed: package data infosim/scenarios/
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    checkout = Path(__file__).resolve().parents[2] / "scenarios"
    return checkout if checkout.is_dir() else None


def search_path() -> list[ScenarioDir]:
    """The folders searched for scenario names, first match first (see the module docstring)."""
    candidates = [ScenarioDir(p, ORIGIN_OPTION) for p in _settings.extra_dirs]
    env = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    candidates += [ScenarioDir(Path(p).expanduser(), ORIGIN_ENV) for p in env]
    candidates.append(ScenarioDir(Path.cwd() / "scenarios", ORIGIN_CWD))
    pkg = package_dir()
    if pkg is not None:
        candidates.append(ScenarioDir(pkg, ORIGIN_PACKAGE))
    pkg_real = pkg.resolve() if pkg is not None else None
    out: list[ScenarioDir] = []
    seen: dict[Path, int] = {}
    for c in candidates:
        try:
            if not c.path.is_dir():
                continue
            real = c.path.resolve()
        except OSError:
            continue
        if real in seen:
            continue
        origin = ORIGIN_PACKAGE if real == pkg_real else c.origin
        seen[real] = len(out)
        out.append(ScenarioDir(real, origin))
    return out


@dataclass(frozen=True)
class Found:
    """A scenario file found on the search path."""

    name: str
    path: Path
    origin: str
    shadows: tuple[str, ...] = ()


def scenario_sources() -> dict[str, Found]:
    """Every scenario name on the search path with its file and origin (first folder wins)."""
    found: dict[str, Found] = {}
    for d in search_path():
        for f in sorted(d.path.glob("*.toml")):
            if f.stem in found:
                first = found[f.stem]
                found[f.stem] = replace(first, shadows=(*first.shadows, d.origin))
            else:
                found[f.stem] = Found(f.stem, f, d.origin)
    return found


def is_name(ref: str) -> bool:
    """True if `ref` is a scenario name (``baseline``, ``levers/vouchers_2020``), not a path."""
    return bool(_NAME_RE.match(ref)) and not ref.endswith(".toml")


def find_scenario(name_or_path: str | Path) -> Path:
    """Resolve a scenario the user named: a name on the search path, or a path to a TOML file.

    A path given by the user (on the command line or in Python) may be anywhere: the user chose
    it. Only `extends` and `include` inside files are confined (see :func:`resolve_reference`).

    Raises:
        ScenarioError: unknown name, or a path that is not a regular file.
    """
    text = str(name_or_path)
    if not text.strip():
        raise ScenarioError("scenario: empty name; give a scenario name (see `infosim scenarios list`) or a TOML path")
    if isinstance(name_or_path, Path) or not is_name(text):
        return check_file(Path(text), text)
    for d in search_path():
        candidate = d.path / f"{text}.toml"
        if is_file(candidate):
            return candidate
    if is_file(Path(text)):  # a file without the .toml suffix, named relative to the current folder
        return Path(text)
    known = ", ".join(sorted(scenario_sources())) or "(none)"
    raise ScenarioError(
        f"unknown scenario {shorten(text)!r}; known: {known} (folders searched: {describe_search_path()})"
    )


def describe_search_path() -> str:
    """The search path for messages: ``dir (origin), ...``."""
    return ", ".join(f"{d.path} ({d.origin})" for d in search_path()) or "(none)"


def check_file(path: Path, shown: str) -> Path:
    """`path` if it is a regular file; ScenarioError naming `shown` otherwise."""
    try:
        if path.is_file():
            return path
        if path.exists():
            raise ScenarioError(f"{shorten(shown)}: not a scenario file (it is a folder or a device)")
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{shorten(shown)}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    raise ScenarioError(f"{shorten(shown)}: no such scenario file")


def is_file(path: Path) -> bool:
    """``path.is_file()``, False for names the OS refuses (too long, invalid)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def safe_folders(from_file: Path) -> list[Path]:
    """Folders a file's `extends` / `include` may read from: its own and the search path's."""
    return [from_file.resolve().parent, *(d.path for d in search_path())]


def resolve_reference(ref: object, from_file: Path, key: str) -> Path:
    """The file an `extends` or `include` entry of `from_file` refers to.

    Args:
        ref: the entry as read from the file.
        from_file: the file that holds it.
        key: ``extends`` or ``include`` (named in errors).

    Raises:
        ScenarioError: naming `from_file` and `key`: not a string, not found, or outside the
            safe folders without the user's opt-in.
    """
    where = f"{from_file}: key {key}"
    if not isinstance(ref, str) or not ref.strip():
        got = "an empty string" if isinstance(ref, str) else f"a {type(ref).__name__}"
        raise ScenarioError(
            f"{where}: must be a scenario name (e.g. \"baseline\") or a relative .toml path; got {got}"
        )
    if is_name(ref):
        candidates = [from_file.resolve().parent / f"{ref}.toml", *(d.path / f"{ref}.toml" for d in search_path())]
        for candidate in candidates:
            if is_file(candidate):
                return _confined(candidate, from_file, where, ref)
        raise ScenarioError(
            f"{where}: no scenario {shorten(ref)!r} beside this file or in the search path "
            f"({describe_search_path()})"
        )
    if not ref.endswith(".toml"):
        raise ScenarioError(
            f"{where}: {shorten(ref)!r} is neither a scenario name (letters, digits, '_', '-', '/') nor a .toml path"
        )
    path = Path(ref).expanduser()
    if path.is_absolute() and not allow_outside_paths():
        raise ScenarioError(
            f"{where}: absolute path {shorten(ref)!r} refused; use a scenario name or a path relative to "
            "this file (or pass --allow-outside-paths)"
        )
    candidate = path if path.is_absolute() else from_file.resolve().parent / path
    return _confined(check_file(candidate, f"{where}: {ref}"), from_file, where, ref)


def _confined(candidate: Path, from_file: Path, where: str, ref: str) -> Path:
    """`candidate` if it lies inside a safe folder (or the user opted in); ScenarioError if not."""
    real = candidate.resolve()
    if allow_outside_paths() or any(_inside(real, folder) for folder in safe_folders(from_file)):
        return real
    raise ScenarioError(
        f"{where}: {shorten(ref)!r} leads outside this file's folder and the scenario search path; "
        "refused (pass --allow-outside-paths to allow it)"
    )
