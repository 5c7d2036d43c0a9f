"""Public names imported on first use (PEP 562), so importing a package stays fast.

A package lists ``_LAZY = {"public_name": "module.that.defines.it"}`` and ends with
``__getattr__, __dir__ = lazy_exports(__name__, _LAZY)``. No exported name may equal one of the
package's submodules (``tests/test_architecture.py`` checks): importing the submodule would
replace the export by the module.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of `package` for its lazily imported `names`."""
    namespace = sys.modules[package].__dict__

    def get_attribute(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def names_in_dir() -> list[str]:
        return sorted({*namespace, *names})

    return get_attribute, names_in_dir
