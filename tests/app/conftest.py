"""Fixtures for the explorer's tests: a Solara kernel context to render components in."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def kernel_context():
    """A fresh Solara virtual kernel, as `solara run` gives each browser tab (state is per kernel).

    """
    import solara.server.app  # noqa: F401  (patches ipywidgets so widgets live in a virtual kernel)
    from solara.server.kernel import Kernel
    from solara.server.kernel_context import VirtualKernelContext

    context = VirtualKernelContext(id=f"test-{uuid.uuid4().hex[:8]}", kernel=Kernel(), session_id="test-session")
    try:
        with context:
            yield context
    finally:
        with context:  # widgets are closed through the kernel that created them
            context.close()
