"""Households: columnar state with vectorised behaviours (``households.py`` and one module per
behaviour: ``phones.py``, ``home_products.py``, ``spending.py``), the decision formulas they use
(``rules.py``) and the Mesa agent view (``view.py``)."""

from infosim.agents.households.households import Households
from infosim.agents.households.view import Household

__all__ = ["Household", "Households"]
