"""Serve the explorer's browser assets locally, so the page renders with no internet access.

Solara's page loads its JavaScript, CSS and fonts (Vue/Vuetify app, require.js, Vega for the
charts, Font Awesome) from a CDN unless its server proxies them from a local folder. The
``solara-assets`` package ships that folder (``<prefix>/share/solara/cdn``); it must be the
same release as ``solara``. :func:`offline_environment` gives the settings that make the
server use it and never reach out:

=================================== ==========================================================
``SOLARA_ASSETS_PROXY=true``        the page loads assets from the server (``/_solara/cdn/``)
``SOLARA_ASSETS_PROXY_CACHE_DIR``   ... which reads them from :func:`asset_dir`
``SOLARA_ASSETS_CDN``               where the server would fetch a missing asset: set to a
                                    closed local port, so a missing asset is an error, never
                                    a download
``SOLARA_TELEMETRY_MIXPANEL_ENABLE`` no usage statistics sent
=================================== ==========================================================

:func:`asset_dir` is a folder of symbolic links to solara-assets' folder plus three aliases:
Solara 1.58's Vega-Lite widget asks for ``vega@5``, ``vega-lite@5`` and ``vega-embed@6`` (a CDN
resolves such a range to a release), while solara-assets ships them as ``vega@5.21.0``,
``vega-lite@5.2.0`` and ``vega-embed@6.20.2``; the aliases point the ranges at those releases.

``infosim app`` also runs Solara with ``--production`` (no once-per-machine check page loaded
from solara.dev) and ``--no-check-version`` (no PyPI look-up).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import warnings
from importlib import metadata
from pathlib import Path

from infosim.errors import InfosimError

PAGE = Path(__file__).with_name("page.py")
OFFLINE_CDN = "http://127.0.0.1:9/infosim-offline-no-cdn/"
"""Where Solara would download an asset missing from solara-assets: a closed local port."""


TITLE = "infosim explorer"


class AppError(InfosimError):
    """The explorer cannot start (a missing or mismatched optional dependency)."""


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def solara_assets_dir() -> Path:
    """The folder of browser assets installed by ``solara-assets``.

    Raises:
        AppError: if solara or solara-assets is missing, or their releases differ.
    """
    solara_v, assets_v = _version("solara"), _version("solara-assets")
    if solara_v is None or _version("mesa") is None:
        raise AppError(
            "the explorer needs the app extra: pip install 'infosim[app]' (mesa[viz], solara, solara-assets)"
        )
    if assets_v is None:
        raise AppError(
            f"solara-assets is not installed: pip install 'solara-assets=={solara_v}' "
            "(the page's assets are served locally, so it renders without internet access)"
        )
    if assets_v != solara_v:
        raise AppError(
            f"solara {solara_v} needs solara-assets {solara_v}, found {assets_v}: "
            f"pip install 'solara=={assets_v}' or 'solara-assets=={solara_v}'"
        )
    dist = metadata.distribution("solara-assets")
    for f in dist.files or ():
        text = str(f).replace("\\", "/")
        if "share/solara/cdn/" in text:
            full = Path(dist.locate_file(f)).resolve()
            parts = full.parts
            cut = max(i for i in range(len(parts) - 2) if parts[i : i + 3] == ("share", "solara", "cdn"))
            return Path(*parts[: cut + 3])
    raise AppError(f"solara-assets {assets_v} lists no files under share/solara/cdn; reinstall it")


VERSION_ALIASES = {"vega": "5", "vega-lite": "5", "vega-embed": "6"}
"""Version ranges Solara's Vega-Lite widget requests, resolved to the release solara-assets ships."""


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "infosim"


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() and os.readlink(link) == str(target):
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    with contextlib.suppress(FileExistsError):  # another server created it meanwhile
        link.symlink_to(target, target_is_directory=target.is_dir())


def _release_key(path: Path) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", path.name.rpartition("@")[2])]


def asset_dir() -> Path:
    """The folder the server serves assets from: solara-assets' folder, linked, plus version aliases.

    Made (or refreshed) under ``$XDG_CACHE_HOME/infosim`` (default ``~/.cache/infosim``), or in a
    temporary folder if that is not writable.

    Raises:
        AppError: if solara-assets is missing or mismatched (see :func:`solara_assets_dir`).
    """
    source = solara_assets_dir()
    name = f"solara-cdn-{metadata.version('solara-assets')}"
    try:
        folder = _cache_root() / name
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"infosim-{os.getuid() if hasattr(os, 'getuid') else 0}-{name}"
        folder.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        _link(folder / entry.name, entry)
    for package, major in VERSION_ALIASES.items():
        releases = sorted(source.glob(f"{package}@{major}.*"), key=_release_key)
        if not releases:
            raise AppError(f"solara-assets in {source} has no {package}@{major}.x: the charts would not load")
        _link(folder / f"{package}@{major}", releases[-1])
    return folder


def offline_environment() -> dict[str, str]:
    """Environment variables for a Solara server that serves every asset locally (see module doc)."""
    return {
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(asset_dir()),
        "SOLARA_ASSETS_CDN": OFFLINE_CDN,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_THEME_TITLE": TITLE,
        "SOLARA_THEME_SHOW_BANNER": "false",
    }


def configure_running_server() -> None:
    """Apply the offline settings to a Solara server already started (``solara run page.py``).

    The asset folder and CDN fallback are read at request time, so setting them when the page
    module is imported works; what happened before (a start-up telemetry event) is out of
    reach, so ``infosim app`` sets the environment before the server starts instead.
    """
    import solara.server.settings as server_settings
    import solara.settings

    try:
        folder = asset_dir()
    except AppError as exc:
        warnings.warn(f"infosim explorer: {exc}; the page's assets will come from Solara's CDN", stacklevel=2)
        return
    solara.settings.assets.proxy = True
    solara.settings.assets.cdn = OFFLINE_CDN
    server_settings.assets.proxy_cache_dir = folder
    server_settings.telemetry.mixpanel_enable = False
    server_settings.theme.title = TITLE
    server_settings.theme.show_banner = False
