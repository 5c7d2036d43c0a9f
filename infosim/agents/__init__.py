"""Agents: households and enterprises (columnar state + vectorised behaviour + Mesa views) and
operators (ordinary Mesa agents)."""

from infosim.agents.enterprises import Enterprise, Enterprises
from infosim.agents.households import Household, Households
from infosim.agents.operators import Operator, RadioNetwork

__all__ = ["Enterprise", "Enterprises", "Household", "Households", "Operator", "RadioNetwork"]
