"""The household 5G-adoption rule written the way a typical Mesa user would (the docking reference).

One Python object per household (a ``mesa.Agent``), neighbours as a list of agent objects, each
month ``model.agents.shuffle_do("step")`` then ``model.agents.do("advance")`` (decide on the state
at the start of the month, then commit: Mesa's simultaneous-activation idiom, which is also what
the engine's staged month does). Every draw is the agent's own ``random.random()`` call.

The rule, per household and month, with the formulas and parameters of
``infosim/agents/households/rules.py`` (written out again here per agent, on purpose):

1. it lives under 5G coverage if its location quantile is below its area's coverage;
2. it looks at its contacts: the share ``s`` with a 5G phone;
3. it learns: awareness += (growth + peer_weight * s) * (1 - awareness);
4. its phone is replaced with the discrete Weibull hazard of its age; a 5G owner stays on 5G, a
   4G owner picks 5G with a logit probability (national supply trend, price relative to income,
   peer share, coverage, awareness x literacy), else 4G;
5. a 4G owner whose phone is not replaced may upgrade early (the Bass channel): probability
   ``1 - exp(-H(s) m)``, H the Bass hazard integrated over the month, m the affordability,
   coverage and awareness multiplier.

The engine never imports it: it is the oracle of the docking test (``tests/test_docking_reference.py``)
and the baseline of the speed comparison (``benchmarks/harness.py``). The population, contacts and the
exogenous market path (coverage by area, 5G phone price, national 5G share of supply) come from
the engine, so both start from identical inputs; only the random numbers differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from infosim.model import InfoConsumptionModel
from infosim.parameters import Parameters
from infosim.scenario import Scenario, load_scenario

MAX_PHONE_AGE = 600  # months; the engine caps phone ages at the same value


@dataclass(frozen=True)
class MarketPath:
    """What households take as given, month by month (identical in the engine and the reference).

    Attributes:
        coverage: ``(months, areas)`` share of households covered by 5G, after the month's build.
        price_5g: list price of a 5G phone, yuan, by month.
        national_share: national 5G share of phone shipments, by month.
    """

    coverage: np.ndarray
    price_5g: np.ndarray
    national_share: np.ndarray


def market_path(model: InfoConsumptionModel, months: int) -> MarketPath:
    """Step only the operators of a fresh engine model and record the households' environment.

    In scenarios without household feedback into operators (all shipped ones), coverage, prices
    and the national trend do not depend on what households do.
    """
    coverage, price, share = [], [], []
    for _ in range(months):
        model.ctx = model.begin_month()
        model.operators_build_and_price()
        coverage.append(model.network.coverage())
        price.append(model.ctx.price_5g)
        share.append(model.ctx.national_5g_share)
        model.month += 1
    return MarketPath(np.array(coverage), np.array(price), np.array(share))


class PhoneHousehold(mesa.Agent):
    """A household deciding, each month, whether its next phone is 5G.

    Args:
        model: the reference model.
        area: index of its (city, urban/rural) area.
        loc_u: location quantile (covered when below the area's coverage).
        income_per_user: monthly income per mobile user, yuan.
        literacy: digital literacy, 0-1.
        awareness: awareness of 5G, 0-1.
        has_5g: owns a 5G phone.
        phone_age: age of its phone, months.
    """

    def __init__(
        self,
        model: ReferenceModel,
        area: int,
        loc_u: float,
        income_per_user: float,
        literacy: float,
        awareness: float,
        has_5g: bool,
        phone_age: int,
    ) -> None:
        super().__init__(model)
        self.area = area
        self.loc_u = loc_u
        self.income_per_user = income_per_user
        self.literacy = literacy
        self.awareness = awareness
        self.has_5g = has_5g
        self.phone_age = phone_age
        self.neighbours: list[PhoneHousehold] = []
        self.next_has_5g = has_5g
        self.next_phone_age = phone_age

    def peer_share(self) -> float:
        """Share of contacts with a 5G phone (everyone's share under full mixing)."""
        if not self.neighbours:
            return self.model.share_5g
        return sum(1 for other in self.neighbours if other.has_5g) / len(self.neighbours)

    def step(self) -> None:
        """Look, learn, then decide this month's phone (committed in :meth:`advance`)."""
        model = self.model
        covered = self.loc_u < model.coverage[self.area]
        peer = self.peer_share()
        self.awareness += (model.awareness_growth + model.awareness_peer_weight * peer) * (1.0 - self.awareness)
        aware_lit = self.awareness * self.literacy
        price_x = math.log(max(model.price_5g, 1.0) / self.income_per_user) - model.log_ref_price
        bought_5g = False
        if self.random.random() < model.replacement_hazard(self.phone_age):
            bought_5g = self.has_5g or self.random.random() < model.choose_5g(price_x, peer, covered, aware_lit)
            self.next_phone_age = 0
        elif not self.has_5g and self.random.random() < model.bass_upgrade(price_x, peer, covered, aware_lit):
            bought_5g = True
            self.next_phone_age = 0
        else:
            self.next_phone_age = min(self.phone_age + 1, MAX_PHONE_AGE)
        self.next_has_5g = self.has_5g or bought_5g

    def advance(self) -> None:
        """Commit the month's decision."""
        self.has_5g = self.next_has_5g
        self.phone_age = self.next_phone_age


class ReferenceModel(mesa.Model):
    """Households with phones, a small-world contact list and a market they take as given.

    Args:
        params: the scenario's parameters (phones, diffusion, household awareness).
        path: the market path (coverage, price, national share by month).
        area, loc_u, income_per_user, literacy, awareness, has_5g, phone_age: per-household
            starting values (sequences of equal length).
        contacts: ``(n, degree)`` contact indices, or ``(n, 0)`` for full mixing.
        seed: seed of the model's (Python) random generator.
    """

    def __init__(
        self,
        params: Parameters,
        path: MarketPath,
        *,
        area: np.ndarray,
        loc_u: np.ndarray,
        income_per_user: np.ndarray,
        literacy: np.ndarray,
        awareness: np.ndarray,
        has_5g: np.ndarray,
        phone_age: np.ndarray,
        contacts: np.ndarray,
        seed: int = 0,
    ) -> None:
        super().__init__(rng=seed)
        self.phones, self.diffusion = params.phones, params.diffusion
        self.awareness_growth = params.households.awareness_growth_per_month
        self.awareness_peer_weight = params.households.awareness_peer_weight
        self.path = path
        self.month = 0
        self.ref_income = float(np.mean(np.asarray(income_per_user, dtype=np.float64)))
        self.weibull_scale = self.phones.life_months / math.gamma(1.0 + 1.0 / self.phones.life_shape)
        households = [
            PhoneHousehold(self, int(a), float(lu), float(inc), float(lit), float(aw), bool(h5), int(age))
            for a, lu, inc, lit, aw, h5, age in zip(
                area, loc_u, income_per_user, literacy, awareness, has_5g, phone_age, strict=True
            )
        ]
        for household, row in zip(households, contacts.tolist(), strict=True):
            household.neighbours = [households[j] for j in row]
        self.households = households
        self.share_5g = self.count_5g() / len(households)
        self.shares: list[float] = []
        self.set_month_inputs()

    def count_5g(self) -> int:
        """Households with a 5G phone."""
        return sum(1 for h in self.households if h.has_5g)

    def set_month_inputs(self) -> None:
        """This month's coverage, price and national trend (the logit intercept)."""
        m = self.month
        self.coverage = self.path.coverage[m].tolist()
        self.price_5g = float(self.path.price_5g[m])
        self.log_ref_price = math.log(self.price_5g / self.ref_income)
        share = min(max(float(self.path.national_share[m]), 1e-6), 1 - 1e-6)
        self.intercept = math.log(share / (1 - share)) if self.phones.national_trend else 0.0

    # ----------------------------------------------------------------- the rule's formulas
    def replacement_hazard(self, age: int) -> float:
        """Discrete Weibull hazard: P(replaced at age in [age, age + 1) | not replaced before age)."""
        if not self.phones.replacement:
            return 0.0
        k, scale = self.phones.life_shape, self.weibull_scale
        return 1.0 - math.exp((age / scale) ** k - ((age + 1) / scale) ** k)

    def choose_5g(self, price_x: float, peer: float, covered: bool, aware_lit: float) -> float:
        """Logit probability that a replacement phone is 5G."""
        p = self.phones
        z = (
            self.intercept
            + p.choice_price_coef * price_x
            + p.choice_peer_coef * (peer - p.choice_peer_ref)
            + p.choice_coverage_coef * (float(covered) - p.choice_coverage_ref)
            + p.choice_awareness_coef * (aware_lit - p.choice_awareness_ref)
        )
        return 1.0 / (1.0 + math.exp(-z))

    def bass_upgrade(self, price_x: float, peer: float, covered: bool, aware_lit: float) -> float:
        """Monthly probability of an early (discretionary) upgrade to 5G."""
        d = self.diffusion
        mult = 1.0
        if d.price_effect:
            mult *= min(math.exp(self.phones.choice_price_coef * price_x), d.price_multiplier_cap)
        if d.coverage_effect:
            mult *= 1.0 if covered else d.uncovered_factor
        if d.awareness_effect:
            mult *= min(max(aware_lit / self.phones.choice_awareness_ref, 0.0), d.awareness_multiplier_cap)
        return 1.0 - math.exp(-self.bass_month_hazard(peer) * mult)

    def bass_month_hazard(self, peer: float) -> float:
        """Bass hazard integrated over the month, following the peer share along dF/dt = (p + qF)(1 - F)."""
        p, q = max(self.diffusion.bass_p, 1e-12), self.diffusion.bass_q
        f0 = min(max(peer, 0.0), 1.0 - 1e-6)
        a = (1.0 - f0) / (1.0 + f0 * q / p)
        e = math.exp(-(p + q))
        f1 = (1.0 - a * e) / (1.0 + (q / p) * a * e)
        return math.log((1.0 - f0) / max(1.0 - f1, 1e-12))

    # ----------------------------------------------------------------- the month
    def step(self) -> None:
        """One month: every household decides (random order), then all commit."""
        self.set_month_inputs()
        self.agents.shuffle_do("step")
        self.agents.do("advance")
        self.share_5g = self.count_5g() / len(self.households)
        self.shares.append(self.share_5g)
        self.month += 1


def reference_from_engine(
    scenario: Scenario | str, seed: int, households: int, months: int, reference_seed: int | None = None
) -> ReferenceModel:
    """A reference model on the engine's population, contacts and market path for (scenario, seed).

    Args:
        scenario: scenario (or name) whose parameters both sides use.
        seed: the engine seed (population, contacts and market path derive from it).
        households: number of households.
        months: months of market path to prepare.
        reference_seed: seed of the reference's own random numbers (default: `seed`).
    """
    config = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    engine = InfoConsumptionModel(config, seed=seed, households=households, months=months)
    hh, s = engine.households, engine.households.state
    population = {
        "area": hh.area.copy(), "loc_u": s.loc_u.copy(), "income_per_user": hh.income_per_user.copy(),
        "literacy": s.literacy.copy(), "awareness": s.awareness.copy(), "has_5g": s.phone5g.copy(),
        "phone_age": s.phone_age.copy(), "contacts": hh.contacts.copy(),
    }
    path = market_path(engine, months)
    return ReferenceModel(engine.params, path, seed=seed if reference_seed is None else reference_seed, **population)


def engine_phone_rule(model: InfoConsumptionModel, months: int) -> None:
    """Step only what the reference does, in the engine: the month's draws and coverage, peer
    counts, awareness learning and the phone rule (no plans, home products, spending, firms).

    This is the engine-side half of the side-by-side benchmark: the same households, the same
    rule and, in the baseline scenario (no offers), the same work per household-month as
    :class:`ReferenceModel`.
    """
    hh, gov = model.households, model.government
    for _ in range(months):
        model.ctx = model.begin_month()
        model.operators_build_and_price()
        hh.observe(model.network.coverage(), model.gigabit_availability)
        hh.look_at_peers()
        hh.learn()
        hh.replace_phones(model.ctx, gov)
        model.month += 1
