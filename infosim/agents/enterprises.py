"""Enterprises: cloud stages (none, basic, core business on cloud, star-rated), peer effects within
sector x city groups, IT spending; and the Mesa agent view. Firms see offers on a cloud move as
money off its cost; they do not know the incentive rules.

Information consumption of a firm (docs/ODD.md, section 7.3): its IT budget, which already
contains the cloud spend of the stage it was at when the run began, grows exogenously
(``parameters.spending.growth_per_year``); a firm that climbs adds only its *incremental* cloud
spend, ``(cloud share of its stage now - cloud share of its stage at the start) x IT budget`` —
the part of enterprise information consumption that responds to the levers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from infosim.data import load_table, values
from infosim.parameters import Parameters
from infosim.world.context import EnterpriseDraw as D
from infosim.world.context import MonthContext
from infosim.world.policy import Decision, Policy, Purchase, Spending
from infosim.world.state import EnterpriseState

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel

OUTSIDE_CLUSTERS = "other"  # the sector of firms outside the 13 manufacturing clusters


class Enterprises:
    """The enterprise population: state arrays plus vectorised behaviours.

    Args:
        state: the enterprises' state arrays.
        params: the scenario's uncertain parameters.
        weight: real enterprises each agent stands for.
    """

    def __init__(self, state: EnterpriseState, params: Parameters, weight: float) -> None:
        self.state = state
        self.params = params
        self.weight = weight
        data = values(load_table("enterprises"))
        cloud = data["cloud"]
        self.spend_share = np.asarray(cloud["spend_share_by_stage"], dtype=np.float32)
        self.gain_share = np.asarray(cloud["gain_share_by_stage"], dtype=np.float32)
        self.n_groups = int(state.group.max()) + 1 if state.n else 1
        self.manufacturer = state.sector != list(data["sectors"]["names"]).index(OUTSIDE_CLUSTERS)
        self.month_spend = np.zeros(state.n, dtype=np.float32)
        self.stage_at_start = state.stage.copy()  # its cloud spend is inside the IT budget
        # Star rating needs a minimum cloud spend: firms too small for it stay at 'core'.
        self.star_eligible = self.spend_share[3] * state.it_budget >= cloud["star_min_cloud_spend_yuan"]
        self._start_share = self.spend_share[self.stage_at_start]  # cloud share of the IT budget at the start
        # By stage: the spend and gain shares one stage up add (the top stage adds nothing).
        above = np.minimum(np.arange(4) + 1, 3)
        self._step_spend_share = self.spend_share[above] - self.spend_share
        self._step_gain_share = self.gain_share[above] - self.gain_share
        ep = params.enterprises
        self._base_hazard = ep.base_hazard * state.hazard_factor * state.digital  # a firm's climb hazard before peers
        self._group_row = state.group.astype(np.intp) * 4  # a firm's group's row in (group, stage) tables, flat

    def peer_share_next_stage(self) -> np.ndarray:
        """Share of each firm's sector-city peers already at the stage above its own."""
        s = self.state
        counts = np.bincount(self._group_row + s.stage, minlength=self.n_groups * 4)
        counts = counts.reshape(self.n_groups, 4).astype(np.float32)
        at_least = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]  # firms at stage >= k
        share = at_least / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        next_stage = np.minimum(s.stage + 1, 3)
        return np.take(share.ravel(), self._group_row + next_stage)

    def climb_cloud_stages(self, ctx: MonthContext, policy: Policy) -> None:
        """Firms move up one cloud stage when the expected gain beats the cost net of offers."""
        s, ep = self.state, self.params.enterprises
        can = (s.stage < 2) | ((s.stage == 2) & self.star_eligible)
        nxt = np.minimum(s.stage + 1, 3)
        extra_spend = self._step_spend_share[s.stage] * s.it_budget
        gain = self._step_gain_share[s.stage] * s.it_budget
        to_star = nxt == 3
        peer = self.peer_share_next_stage()
        base = self._base_hazard * np.where(to_star, ep.star_hazard_factor, 1.0)
        u = ctx.ent_draws[D.CLIMB]

        def climbs(offer: np.ndarray, pull: float) -> np.ndarray:
            # Net cost per yuan of IT budget, bounded: no offer makes a move certain.
            clip = ep.net_cost_clip
            net_cost = np.clip((extra_spend - gain - offer) / np.maximum(s.it_budget, 1.0), -clip, clip)
            hazard = base * (1.0 + ep.peer_weight * (peer + pull)) * np.exp(-ep.net_cost_coef * net_cost)
            return can & (u < hazard)

        climb_b = climbs(np.zeros_like(extra_spend), 0.0)
        attrs = {"extra_spend": extra_spend, "next_stage": nxt, "manufacturer": self.manufacturer}
        purchase = Purchase("enterprise", "cloud_stage", extra_spend, attrs=attrs)
        offer = policy.offer(ctx, purchase)
        money = offer.per_agent(s.n) if offer.any else np.zeros_like(extra_spend)
        pull = offer.pull
        climb_a = climbs(money, pull) if (money.any() or pull) else climb_b
        final = climb_b
        if offer.any:
            final = policy.settle(ctx, purchase, offer, Decision(climb_b, climb_a)).final
        s.stage = np.where(final, nxt, s.stage).astype(np.int8)
        for stage, first in ((1, s.m_basic), (2, s.m_core), (3, s.m_star)):
            first[final & (nxt == stage)] = ctx.month

    def monthly_it_budget(self, ctx: MonthContext) -> np.ndarray:
        """This month's IT budget of one real firm per agent (yuan): the budget / 12, grown by the trend."""
        growth = (1 + self.params.spending.growth_per_year) ** ctx.years
        return (self.state.it_budget * np.float32(growth / 12.0)).astype(np.float32)

    def cloud_spending(self, ctx: MonthContext) -> tuple[np.ndarray, np.ndarray]:
        """(cloud spend now, cloud spend at the stage held at the start) this month, yuan per firm."""
        return self._month_spending(ctx)[1:]

    def _month_spending(self, ctx: MonthContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(IT budget, cloud spend now, cloud spend at the start stage) this month, yuan per firm."""
        budget = self.monthly_it_budget(ctx)
        return budget, self.spend_share[self.state.stage] * budget, self._start_share * budget

    def report_cloud_spending(self, ctx: MonthContext, policy: Policy) -> None:
        """Tell the levers the month's cloud spending and what it was at the start stage (tax
        deductions pay on qualifying spending; the lever says which)."""
        now, at_start = self.cloud_spending(ctx)
        attrs = {
            "stage": self.state.stage,
            "stage_at_start": self.stage_at_start,
            "yuan_at_start": at_start,
            "manufacturer": self.manufacturer,
        }
        policy.pay_on_spending(ctx, Spending("enterprise", "cloud", now, attrs))

    def spend(self, ctx: MonthContext) -> np.ndarray:
        """This month's information spending of one real firm per agent: the IT budget (which holds
        the cloud spend of the start stage) plus the incremental cloud spend of the stages climbed."""
        budget, now, at_start = self._month_spending(ctx)
        total = (budget + (now - at_start)).astype(np.float32)
        self.state.spend_total += total
        self.month_spend = total
        return total


class Enterprise(mesa.Agent):
    """An enterprise agent: a view onto row `index` of the enterprise arrays."""

    def __init__(self, model: InfoConsumptionModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _s(self) -> EnterpriseState:
        return self.model.enterprises.state

    city = property(lambda self: int(self._s.city[self.index]), doc="city index")
    sector = property(lambda self: int(self._s.sector[self.index]), doc="sector index")
    size_class = property(lambda self: int(self._s.size_class[self.index]), doc="0 large .. 3 micro")
    cloud_stage = property(lambda self: int(self._s.stage[self.index]), doc="0 none .. 3 star")
