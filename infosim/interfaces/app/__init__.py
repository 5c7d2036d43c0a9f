"""The interactive explorer (Mesa SolaraViz): ``infosim app`` or ``solara run infosim/interfaces/app/page.py``.

Modules: :mod:`~infosim.interfaces.app.controls` (lever controls -> scenario keys),
:mod:`~infosim.interfaces.app.explorer` (the stepped model and its comparison run),
:mod:`~infosim.interfaces.app.charts` (Altair charts), :mod:`~infosim.interfaces.app.assets`
(browser assets served locally, for closed networks) and :mod:`~infosim.interfaces.app.page`
(the Solara page). Only ``page`` imports solara; nothing here is imported by ``infosim`` itself.
See docs/app.md.
"""
