"""The users' phone rule written the way a typical Mesa user would (the docking reference).

One Python object per household (a ``mesa.Agent``) holding its users as small Python objects,
neighbours as a list of household objects, each month ``model.agents.shuffle_do("step")`` then
``model.agents.do("advance")`` (decide on the state at the start of the month, then commit:
Mesa's simultaneous-activation idiom, which is also what the engine's staged month does). Every
draw is the agent's own ``random.random()`` call.

The rule, per user and month, with the formulas and parameters of
``infosim/agents/households/rules.py`` (written out again here per agent, on purpose):

1. the household lives under 5G coverage if its location quantile is below its area's coverage;
2. it looks at its contacts: the share ``s`` of them with a 5G phone; it learns:
   awareness += (growth + peer_weight * s) * (1 - awareness);
3. each active user's phone is replaced with the discrete Weibull hazard of its age, scaled by
   national handset demand (users joining this month buy a phone); the new phone is 5G with
   the logit probability around the national 5G share of phones on sale, shifted by the
   household's gaps to the national household in price relative to income, contacts' 5G share
   and coverage, by awareness x literacy, and by whether the old phone was 5G. The national
   household's contacts' share treats its users as independent at the national handset share,
   with as many users as the province's households have active this month (the users joining
   later in the run do not count yet).

The engine never imports it: it is the oracle of the docking test (``tests/test_docking_reference.py``)
and the baseline of the speed comparison (``benchmarks/harness.py``). The population, users,
contacts and the market path come from the engine, so both start from identical inputs; only
the random numbers differ. Coverage is an input too, but not an exogenous one in the engine
(operators build on the households' plan take-up): the reference takes the coverage of the
engine's full run of the same seed (:func:`market_path`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from infosim.model import InfoConsumptionModel
from infosim.parameters import Parameters
from infosim.scenario import Scenario, load_scenario
from infosim.world.market import MarketPath as NationalPath

MAX_PHONE_AGE = 600  # months; the engine caps phone ages at the same value


@dataclass(frozen=True)
class MarketPath:
    """What households take as given, month by month (identical in the engine and the reference).

    Attributes:
        coverage: ``(months, areas)`` share of households covered by 5G, after the month's build.
        national: the national market path (shelf share, prices, demand, national references).
    """

    coverage: np.ndarray
    national: NationalPath


def market_path(model: InfoConsumptionModel, months: int) -> MarketPath:
    """Run a fresh engine model for `months` and record the coverage its households saw each month.

    Coverage is not independent of what households do: operators build on their expected take-up,
    which follows the households' 5G plan share, and plans follow phones (a 5G phone under
    coverage takes up a plan fastest). The reference models neither plans nor operators, so it
    takes the coverage path from the full engine run of the same seed: the coverage the engine's
    households actually lived under. (Stepping only the operators, with the plan share frozen at
    its start, gives coverage about 1.9 points lower by month 36 at the calibrated point.)
    """
    coverage = []
    for _ in range(months):
        model.step()
        coverage.append(model.network.coverage())
    return MarketPath(np.array(coverage), model.market)


class User:
    """One mobile subscription: its phone and when it joins."""

    __slots__ = ("active_from", "age", "has_5g", "next_age", "next_has_5g")

    def __init__(self, active_from: int, has_5g: bool, age: int) -> None:
        self.active_from = active_from
        self.has_5g = has_5g
        self.age = age
        self.next_has_5g = has_5g
        self.next_age = age


class PhoneHousehold(mesa.Agent):
    """A household whose users decide, each month, whether to replace their phones and with what.

    Args:
        model: the reference model.
        area: index of its (city, urban/rural) area.
        loc_u: location quantile (covered when below the area's coverage).
        log_income_gap: log(national income / household income).
        literacy: digital literacy, 0-1.
        awareness: awareness of 5G, 0-1.
        users: its users.
    """

    def __init__(
        self,
        model: ReferenceModel,
        area: int,
        loc_u: float,
        log_income_gap: float,
        literacy: float,
        awareness: float,
        users: list[User],
    ) -> None:
        super().__init__(model)
        self.area = area
        self.loc_u = loc_u
        self.log_income_gap = log_income_gap
        self.literacy = literacy
        self.awareness = awareness
        self.users = users
        self.neighbours: list[PhoneHousehold] = []

    @property
    def has_5g(self) -> bool:
        """Some user has a 5G phone."""
        return any(u.has_5g for u in self.users)

    def peer_share(self) -> float:
        """Share of contacts with a 5G phone (everyone's share under full mixing)."""
        if not self.neighbours:
            return self.model.household_share_5g
        return sum(1 for other in self.neighbours if other.has_5g) / len(self.neighbours)

    def step(self) -> None:
        """Look, learn, then decide this month's phones (committed in :meth:`advance`)."""
        model = self.model
        covered = self.loc_u < model.coverage[self.area]
        peer = self.peer_share()
        self.awareness += (model.awareness_growth + model.awareness_peer_weight * peer) * (1.0 - self.awareness)
        aware_lit = self.awareness * self.literacy
        for user in self.users:
            if user.active_from > model.month:
                continue
            joining = user.active_from == model.month
            if joining or self.random.random() < model.replacement_hazard(user.age):
                prob = model.choose_5g(self.log_income_gap, peer, covered, aware_lit, user.has_5g)
                user.next_has_5g = self.random.random() < prob
                user.next_age = 0
            else:
                user.next_has_5g = user.has_5g
                user.next_age = min(user.age + 1, MAX_PHONE_AGE)

    def advance(self) -> None:
        """Commit the month's decisions."""
        for user in self.users:
            user.has_5g, user.age = user.next_has_5g, user.next_age


class ReferenceModel(mesa.Model):
    """Households with users' phones, a small-world contact list and a market they take as given.

    Args:
        params: the scenario's parameters (phones, household awareness).
        path: the market path (coverage by area, national market by month).
        households: per-household starting values (area, loc_u, log_income_gap, literacy,
            awareness) and its users' (active_from, has_5g, age) tuples.
        contacts: ``(n, degree)`` contact indices, or ``(n, 0)`` for full mixing.
        seed: seed of the model's (Python) random generator.
    """

    def __init__(
        self,
        params: Parameters,
        path: MarketPath,
        *,
        households: list[tuple[int, float, float, float, float, list[tuple[int, bool, int]]]],
        contacts: np.ndarray,
        seed: int = 0,
    ) -> None:
        super().__init__(rng=seed)
        self.phones = params.phones
        self.awareness_growth = params.households.awareness_growth_per_month
        self.awareness_peer_weight = params.households.awareness_peer_weight
        self.path = path
        self.month = 0
        self.weibull_scale = self.phones.life_months / math.gamma(1.0 + 1.0 / self.phones.life_shape)
        agents = [
            PhoneHousehold(self, area, loc_u, gap, lit, aw, [User(*u) for u in users])
            for area, loc_u, gap, lit, aw, users in households
        ]
        for household, row in zip(agents, contacts.tolist(), strict=True):
            household.neighbours = [agents[j] for j in row]
        self.households = agents
        self.household_share_5g = self._household_share()
        self.shares: list[float] = []
        self.set_month_inputs()

    def _household_share(self) -> float:
        return sum(1 for h in self.households if h.has_5g) / len(self.households)

    def mean_active_users(self) -> float:
        """Subscriptions active this month (those starting now included) per household."""
        m = self.month
        return sum(1 for h in self.households for u in h.users if u.active_from <= m) / max(len(self.households), 1)

    def user_share(self) -> float:
        """Share of active users with a 5G phone."""
        active = [u for h in self.households for u in h.users if u.active_from <= self.month - 1]
        return sum(1 for u in active if u.has_5g) / max(len(active), 1)

    def set_month_inputs(self) -> None:
        """This month's coverage and national market (the logit's starting point and references)."""
        m, nat = self.month, self.path.national
        self.coverage = self.path.coverage[m].tolist()
        self.demand = float(nat.demand_index[m])
        share = min(max(float(nat.shelf_share[m]), 1e-6), 1 - 1e-6)
        self.intercept = math.log(share / (1 - share)) if self.phones.national_trend else 0.0
        self.national_coverage = float(nat.national_coverage[m])
        # a national household has as many users as the province's households have now
        self.national_peer = 1.0 - (1.0 - float(nat.national_handset_share[m])) ** self.mean_active_users()

    # ----------------------------------------------------------------- the rule's formulas
    def replacement_hazard(self, age: int) -> float:
        """Discrete Weibull hazard of `age`, scaled by national demand (as a hazard rate)."""
        if not self.phones.replacement:
            return 0.0
        k, scale = self.phones.life_shape, self.weibull_scale
        rate = ((age + 1) / scale) ** k - (age / scale) ** k
        return 1.0 - math.exp(-rate * self.demand)

    def choose_5g(self, log_income_gap: float, peer: float, covered: bool, aware_lit: float, owns: bool) -> float:
        """Logit probability that a replacement phone is 5G."""
        p = self.phones
        z = (
            self.intercept
            + p.choice_price_coef * log_income_gap
            + p.choice_peer_coef * (peer - self.national_peer)
            + p.choice_coverage_coef * (float(covered) - self.national_coverage)
            + p.choice_awareness_coef * (aware_lit - p.choice_awareness_ref)
            + p.choice_repeat_coef * float(owns)
        )
        return 1.0 / (1.0 + math.exp(-z))

    # ----------------------------------------------------------------- the month
    def step(self) -> None:
        """One month: every household decides (random order), then all commit."""
        self.set_month_inputs()
        self.agents.shuffle_do("step")
        self.agents.do("advance")
        self.month += 1
        self.household_share_5g = self._household_share()
        self.shares.append(self.user_share())


def reference_from_engine(
    scenario: Scenario | str, seed: int, households: int, months: int, reference_seed: int | None = None
) -> ReferenceModel:
    """A reference model on the engine's population, users, contacts and market path for (scenario, seed).

    Args:
        scenario: scenario (or name) whose parameters both sides use.
        seed: the engine seed (population, contacts and market path derive from it).
        households: number of households.
        months: months of market path to prepare.
        reference_seed: seed of the reference's own random numbers (default: `seed`).
    """
    config = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    engine = InfoConsumptionModel(config, seed=seed, households=households, months=months)
    hh, s, u = engine.households, engine.households.state, engine.households.users
    users: list[list[tuple[int, bool, int]]] = [[] for _ in range(s.n)]
    for household, start, has_5g, bought in zip(
        u.household.tolist(), u.active_from.tolist(), u.phone5g.tolist(), u.phone_from.tolist(), strict=True
    ):
        users[household].append((start, has_5g, max(-bought, 0)))  # phones owned at the start: age = -bought
    rows = zip(
        hh.area.tolist(),
        s.loc_u.tolist(),
        hh.log_income_gap.tolist(),
        s.literacy.tolist(),
        s.awareness.tolist(),
        users,
        strict=True,
    )
    contacts = hh.contacts.copy()
    path = market_path(engine, months)
    return ReferenceModel(
        engine.params,
        path,
        households=list(rows),
        contacts=contacts,
        seed=seed if reference_seed is None else reference_seed,
    )


def engine_phone_rule(model: InfoConsumptionModel, months: int) -> None:
    """Step only what the reference does, in the engine: the month's context and coverage, peer
    counts, awareness learning and the users' phone rule (no plans, home products, spending, firms).

    This is the engine-side half of the side-by-side benchmark: the same households, the same
    rule and, in the baseline scenario (no offers), the same work per household-month as
    :class:`ReferenceModel`.
    """
    hh, gov = model.households, model.government
    for _ in range(months):
        model.ctx = model.begin_month()
        model.operators_build_and_price()
        hh.observe(model.network.coverage(), model.world.gigabit.by_area, model.ctx.month)
        hh.start_month(model.ctx.month)
        hh.look_at_peers()
        hh.learn()
        hh.replace_phones(model.ctx, gov)
        model.month += 1
