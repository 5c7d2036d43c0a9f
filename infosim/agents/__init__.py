"""Agents: households and enterprises (columnar state + vectorised behaviour + Mesa views) and
operators (ordinary Mesa agents). They read the world (``infosim.world``) and ask the levers for
offers through ``infosim.world.policy``; they do not import the levers."""

from infosim.agents.enterprises import Enterprise, Enterprises
from infosim.agents.households import Household, Households
from infosim.agents.operators import Operator, RadioNetwork

__all__ = ["Enterprise", "Enterprises", "Household", "Households", "Operator", "RadioNetwork"]
