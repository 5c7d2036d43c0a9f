"""InfoConsumptionModel: builds the Jiangsu world for a scenario and runs its staged monthly step.

Each month (from January 2020):

1. operators build 5G stations and price plans;
2. the government's levers act (voucher waves issued, subsidies offered, programmes run,
   gigabit pilots extend availability);
3. households decide (learn, replace phones and choose 4G/5G, take plans, adopt home
   products, redeem vouchers, spend);
4. enterprises decide (climb cloud stages, claim deductions, spend);
5. payments settle in the ledger (station support, lapsed vouchers);
6. data are collected.
"""

from __future__ import annotations

import sys
import time

import mesa
import numpy as np

from infosim.agents.context import (
    STREAM_ENTERPRISES,
    STREAM_HOUSEHOLDS,
    STREAM_POPULATION,
    EnterpriseDraw,
    HouseholdDraw,
    MonthContext,
    MonthDraws,
)
from infosim.agents.enterprises import Enterprise, Enterprises
from infosim.agents.households import Household, Households
from infosim.agents.operators import Operator, RadioNetwork, operator_table
from infosim.calendar import month_label, parse_month
from infosim.data import load_table, values
from infosim.levers import Government
from infosim.outputs import OutputCollector
from infosim.population import build_enterprises, build_households, city_table, small_world_contacts
from infosim.run import RunResult
from infosim.scenario import Scenario, load_scenario
from infosim.scenario.schema import CITIES

VIEW_LIMIT = 200_000  # 'auto' agent views: Mesa objects only up to this many agents of a kind


class InfoConsumptionModel(mesa.Model):
    """Households, enterprises and operators responding to the Jiangsu 2020 levers, month by month.

    Args:
        scenario: a validated :class:`Scenario` or a scenario name / path (default ``baseline``).
        seed: integer seed; the population and every month's draws derive from it.
        households: household agents (default: ``scenario.run.households``).
        months: months to simulate (default: ``scenario.run.months``).
        keep_agents: keep agent-level records and the payment log for the results.

    Attributes:
        config: the scenario as run.
        households, enterprises: the populations (arrays + vectorised behaviours).
        network: 5G stations by operator and area.
        government: the levers and their ledger.
    """

    def __init__(
        self,
        scenario: Scenario | str = "baseline",
        *,
        seed: int = 0,
        households: int | None = None,
        months: int | None = None,
        keep_agents: bool = False,
    ) -> None:
        super().__init__(rng=seed)
        config = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        updates = {k: v for k, v in (("households", households), ("months", months)) if v is not None}
        if updates:
            config = config.model_copy(update={"run": config.run.model_copy(update=updates)})
        self.config = config
        self.params = config.parameters
        self.seed = int(seed)
        self.keep_agents = keep_agents
        self.n_months = config.run.months
        self.start = config.run.start
        self.month = 0
        self.ctx: MonthContext | None = None
        self._draw_buffers: tuple[np.ndarray, np.ndarray] | None = None
        self._build_population()
        self._build_operators()
        self.government = Government.from_scenario(config.levers, self.start, self.n_months, keep_agents)
        self._build_agent_views()
        self.collector = OutputCollector(self)
        self.running = True

    # ------------------------------------------------------------------ world building
    def _build_population(self) -> None:
        run = self.config.run
        prov = values(load_table("population"))["province"]
        ent_total = values(load_table("enterprises"))["totals"]["enterprises"]
        n_h = run.households
        n_e = run.enterprises or max(round(n_h * ent_total / prov["households"]), min(ent_total, 20_000))
        self.household_weight = prov["households"] / n_h
        self.enterprise_weight = ent_total / n_e
        pop_seq = np.random.SeedSequence(self.seed, spawn_key=(STREAM_POPULATION,))
        hh_seq, net_seq, ent_seq = pop_seq.spawn(3)
        phones = self.params.phones
        hh_state = build_households(
            n_h,
            np.random.default_rng(hh_seq),
            self.params.households.homogeneous,
            (phones.life_months, phones.life_shape),
        )
        net = self.params.network
        if net.mode == "small_world":
            contacts = small_world_contacts(
                hh_state.city, net.degree, net.rewire, net.cross_city, np.random.default_rng(net_seq)
            )
        else:
            contacts = np.zeros((n_h, 0), dtype=np.int32)
        self.households = Households(hh_state, contacts, self.params, self.household_weight)
        self.enterprises = Enterprises(
            build_enterprises(n_e, np.random.default_rng(ent_seq)), self.params, self.enterprise_weight
        )
        area = self.households.area
        self.households_by_area = np.bincount(area, minlength=2 * len(CITIES)) * self.household_weight
        self.households_by_city = self.households_by_area.reshape(-1, 2).sum(axis=1)
        dig = values(load_table("population"))["digital"]
        urban_area = np.arange(2 * len(CITIES)) % 2 == 1
        self.gigabit_availability = np.where(
            urban_area, dig["gigabit_available_urban_2020"], dig["gigabit_available_rural_2020"]
        ).astype(np.float64)
        self.gigabit_growth = dig["gigabit_availability_growth_per_month"]

    def _build_operators(self) -> None:
        names, build_shares = operator_table()
        cities = city_table()
        income_by_area = np.repeat(cities.income_factor, 2)
        self.network = RadioNetwork(
            self.households_by_area, income_by_area, self.params.operators, len(names), build_shares
        )
        self.operators = [
            Operator(self, i, name, float(share))
            for i, (name, share) in enumerate(zip(names, build_shares, strict=True))
        ]
        self.operator_set = mesa.agent.AgentSet(self.operators, random=self.random)
        self.built_by_year: dict[int, float] = {}
        market = values(load_table("market"))
        self.national_share = {int(y): v for y, v in market["phones"]["national_5g_share_of_shipments"].items()}

    def _build_agent_views(self) -> None:
        """Household and enterprise Mesa agents (views onto the arrays).

        'all' creates them now; 'auto' creates them the first time anyone looks at
        ``model.agents`` or ``model.agents_by_type`` (up to VIEW_LIMIT agents of a kind), so
        runs that never look pay nothing; 'none' never creates them.
        """
        self._views_pending = self.config.run.agent_views != "none"
        if self.config.run.agent_views == "all":
            self._materialise_views()

    def _materialise_views(self) -> None:
        if not getattr(self, "_views_pending", False):
            return
        self._views_pending = False
        eager = self.config.run.agent_views == "all"
        for cls, n in ((Household, self.households.state.n), (Enterprise, self.enterprises.state.n)):
            if eager or n <= VIEW_LIMIT:
                for i in range(n):
                    cls(self, i)

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All agents (household and enterprise views are created on first access)."""
        self._materialise_views()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        """Agents by class: Household, Enterprise, Operator (views created on first access)."""
        self._materialise_views()
        return super().agents_by_type

    # ------------------------------------------------------------------ the month
    def begin_month(self) -> MonthContext:
        """Calendar, market prices, policy cost factors and this month's random draws."""
        m = self.month
        label = month_label(m, self.start)
        year, month_of_year = parse_month(label)
        years = m / 12.0
        p = self.params.phones
        capex_f, power_f = self.government.buildout.cost_factors(m)
        ctx = MonthContext(
            month=m,
            label=label,
            years=years,
            calendar_year=year,
            months_left_in_year=13 - month_of_year,
            national_5g_share=self._national_share(year + (month_of_year - 0.5) / 12.0),
            price_5g=p.price_5g_2020_yuan
            * (1 - p.price_5g_decline_per_year) ** max(0.0, year + month_of_year / 12 - 2020.5),
            capex_factor=capex_f,
            power_factor=power_f,
        )
        ctx.target_per_month = self.government.buildout.monthly_target(
            m, year, self.built_by_year.get(year, 0.0), ctx.months_left_in_year
        )
        if self._draw_buffers is None:  # one buffer per stream, refilled every month
            self._draw_buffers = (
                np.empty((len(HouseholdDraw), self.households.state.n), dtype=np.float32),
                np.empty((len(EnterpriseDraw), self.enterprises.state.n), dtype=np.float32),
            )
        hh_out, ent_out = self._draw_buffers
        n_h, n_e = self.households.state.n, self.enterprises.state.n
        ctx.hh_draws = MonthDraws(self.seed, m, STREAM_HOUSEHOLDS, len(HouseholdDraw), n_h, hh_out)
        ctx.ent_draws = MonthDraws(self.seed, m, STREAM_ENTERPRISES, len(EnterpriseDraw), n_e, ent_out)
        return ctx

    def _national_share(self, t: float) -> float:
        """National 5G share of phone shipments at fractional year t (linear between mid-years)."""
        years = sorted(self.national_share)
        xs = [y + 0.5 for y in years]
        return float(np.interp(t, xs, [self.national_share[y] for y in years]))

    def operators_build_and_price(self) -> None:
        """Stage 1: each operator builds stations and sets its 5G plan premium."""
        before = self.network.total
        self.operator_set.do("build_and_price")
        self.new_stations_by_area = self.network.total - before
        new = float(self.new_stations_by_area.sum())
        self.built_by_year[self.ctx.calendar_year] = self.built_by_year.get(self.ctx.calendar_year, 0.0) + new
        shares = np.array([op.build_share for op in self.operators])
        self.ctx.plan_premium = float(np.dot(shares, [op.plan_premium for op in self.operators]) / shares.sum())

    def government_acts(self) -> None:
        """Stage 2: voucher waves, awareness programmes, gigabit pilots; households see the result."""
        m, hh, gov = self.month, self.households, self.government
        if gov.vouchers.issues_in(m):
            gov.vouchers.issue(
                m,
                hh.state,
                self.ctx.hh_draws[HouseholdDraw.VOUCHER_CLAIM],
                self.ctx.hh_draws[HouseholdDraw.ORDER],
                self.household_weight,
            )
        gov.awareness.apply(m, hh.state, self.households_by_city, self.household_weight)
        self._extend_gigabit()
        hh.observe(self.network.coverage(), self.gigabit_availability)

    def _extend_gigabit(self) -> None:
        """National growth of gigabit availability, plus the pilots' extra where their fund pays for it."""
        gigabit = self.government.gigabit
        before = self.gigabit_availability
        national = np.minimum(1.0, before + self.gigabit_growth * (1.0 - before))
        gain_city = gigabit.availability_gain(self.month)
        pilot = np.minimum(1.0, national + np.repeat(gain_city, 2) * (1.0 - national)) - national
        passed_by_city = (pilot * self.households_by_area).reshape(-1, 2).sum(axis=1)
        funded = gigabit.pay_passed(self.month, passed_by_city)
        self.gigabit_availability = national + pilot * np.repeat(funded, 2)

    def households_decide(self) -> None:
        """Stage 3: the households' behaviours, in order."""
        hh, ctx, gov = self.households, self.ctx, self.government
        hh.look_at_peers()
        hh.learn()
        hh.replace_phones(ctx, gov)
        hh.take_up_plans(ctx)
        hh.adopt_home_products(ctx, gov)
        hh.redeem_service_vouchers(ctx, gov)
        hh.spend(ctx)

    def enterprises_decide(self) -> None:
        """Stage 4: the enterprises' behaviours, in order."""
        ent, ctx, gov = self.enterprises, self.ctx, self.government
        ent.climb_cloud_stages(ctx, gov)
        ent.claim_deductions(ctx, gov)
        ent.spend(ctx)

    def settle_payments(self) -> None:
        """Stage 5: station support to operators; lapsed vouchers release their budget."""
        new_by_city = self.new_stations_by_area.reshape(-1, 2).sum(axis=1)
        self.government.buildout.pay_support(self.month, new_by_city)
        self.government.vouchers.expire(self.month, self.households.state, self.household_weight)

    def step(self) -> None:
        """One month: build -> levers act -> households -> enterprises -> settle -> collect."""
        self.ctx = self.begin_month()
        self.operators_build_and_price()
        self.government_acts()
        self.households_decide()
        self.enterprises_decide()
        self.settle_payments()
        self.collector.collect(self.ctx)
        self.month += 1
        if self.month >= self.n_months:
            self.running = False

    def run(self, progress: bool = False) -> None:
        """Step until the scenario's last month."""
        t0 = time.perf_counter()
        while self.running:
            self.step()
            if progress and (self.month % 12 == 0 or not self.running):
                print(
                    f"  simulated {self.month}/{self.n_months} months ({time.perf_counter() - t0:.1f} s)",
                    file=sys.stderr,
                    flush=True,
                )

    def timeseries(self):
        """The monthly province totals collected so far (one row per simulated month)."""
        return self.collector.timeseries()

    def results(self) -> RunResult:
        """The run's outputs (time series, summary, breakdowns, ledger, agent records)."""
        return self.collector.result()
