"""InfoConsumptionModel: builds the Jiangsu world for a scenario and runs its staged monthly step.

Each month (from January 2020):

1. operators build 5G stations and price plans (the levers first set their cost factors);
2. the government's levers act (voucher waves issued, programmes run, gigabit pilots extend
   availability); households take part in the programmes and see coverage and gigabit;
3. households decide (learn; their users replace phones, choose 4G or 5G, take or leave 5G
   plans; adopt home products; shop; spend), asking the levers for offers on each purchase;
4. enterprises decide (climb cloud stages, report cloud spending, spend);
5. payments due at the end of the month settle (station support, lapsed vouchers);
6. data are collected.
"""

from __future__ import annotations

import sys
import time

import mesa
import numpy as np
import pandas as pd

from infosim.agents import Enterprise, Enterprises, Household, Households, Operator, RadioNetwork
from infosim.agents.operators import operator_table
from infosim.calendar import month_label, parse_month
from infosim.data import load_table, values
from infosim.levers import Government
from infosim.outputs import OutputCollector
from infosim.population import build_enterprises, build_households, build_users, city_table, small_world_ties
from infosim.results import RunResult
from infosim.scenario import Scenario, load_scenario
from infosim.scenario.schema import MIN_ENTERPRISE_AGENTS
from infosim.world import World
from infosim.world.background import in_background
from infosim.world.context import (
    HOUSEHOLD_DRAWS_EVERY_MONTH,
    STREAM_ENTERPRISES,
    STREAM_HOUSEHOLDS,
    STREAM_POPULATION,
    EnterpriseDraw,
    HouseholdDraw,
    MonthContext,
    MonthDraws,
)
from infosim.world.geography import N_AREAS
from infosim.world.infrastructure import GigabitAvailability
from infosim.world.market import market_path

VIEW_LIMIT = 200_000  # 'auto' agent views: Mesa objects only up to this many agents of a kind

#: Model reporters of :attr:`InfoConsumptionModel.datacollector` (Mesa's DataCollector).
MODEL_REPORTERS = (
    "users_5g_handset",
    "users_5g_network",
    "base_stations_5g",
    "share_gigabit_households",
    "firms_core_cloud",
    "info_consumption_yuan",
    "fiscal_spend_yuan",
)


def resolve_seed(seed: int | None, rng: object = None) -> int:
    """The integer seed a run uses: `seed`, else an integer `rng`, else fresh entropy (or drawn from a Generator)."""
    if seed is not None and rng is not None:
        raise ValueError("pass either seed or rng, not both")
    chosen = seed if seed is not None else rng
    if chosen is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(chosen, np.random.Generator):
        return int(chosen.integers(2**63))
    if isinstance(chosen, int | np.integer) and not isinstance(chosen, bool):
        if chosen < 0:
            raise ValueError(f"seed must be a non-negative integer (got {chosen})")
        return int(chosen)
    raise TypeError(f"seed/rng must be an integer, a numpy Generator or None (got {type(chosen).__name__})")


class InfoConsumptionModel(mesa.Model):
    """Households, enterprises and operators responding to the Jiangsu 2020 levers, month by month.

    Args:
        scenario: a validated :class:`Scenario` or a scenario name / path (default ``baseline``).
        seed: integer seed; the population and every month's draws derive from it. None (and no
            `rng`) draws fresh entropy; the seed used is then ``model.seed``.
        rng: Mesa 3.5's keyword for the same thing (an integer or a numpy Generator); give
            `seed` or `rng`, not both.
        households: household agents (default: ``scenario.run.households``).
        months: months to simulate (default: ``scenario.run.months``).
        keep_agents: keep agent-level records and the payment log for the results.

    Attributes:
        config: the scenario as run.
        world: the populations and infrastructure.
        households, enterprises: the populations (arrays + vectorised behaviours).
        network: 5G stations by operator and area.
        government: the levers and their ledger.
        datacollector: a Mesa DataCollector with the headline series as model reporters
            (so ``mesa.batch_run`` works on this model); the full monthly series are in
            :meth:`timeseries`.
    """

    def __init__(
        self,
        scenario: Scenario | str = "baseline",
        *,
        seed: int | None = None,
        rng: object = None,
        households: int | None = None,
        months: int | None = None,
        keep_agents: bool = False,
    ) -> None:
        run_seed = resolve_seed(seed, rng)
        super().__init__(rng=run_seed)
        config = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        updates = {k: v for k, v in (("households", households), ("months", months)) if v is not None}
        if updates:
            config = config.model_copy(update={"run": config.run.model_copy(update=updates)})
        self.config = config
        self.params = config.parameters
        self.seed = run_seed
        self.keep_agents = keep_agents
        self.n_months = config.run.months
        self.start = config.run.start
        self.month = 0
        self.ctx: MonthContext | None = None
        self._draw_buffers: tuple[np.ndarray, np.ndarray] | None = None
        self._build_world()
        self._build_operators()
        self.government = Government(config.levers, self.start, self.n_months, self.world, keep_agents)
        self._build_agent_views()
        self.collector = OutputCollector(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _latest(name) for name in MODEL_REPORTERS}
        )
        self.running = True

    # ------------------------------------------------------------------ world building
    def _build_world(self) -> None:
        run = self.config.run
        prov = values(load_table("population"))["province"]
        ent_total = values(load_table("enterprises"))["totals"]["enterprises"]
        n_h = run.households
        n_e = run.enterprises or max(round(n_h * ent_total / prov["households"]), min(ent_total, MIN_ENTERPRISE_AGENTS))
        self.household_weight = prov["households"] / n_h
        self.enterprise_weight = ent_total / n_e
        pop_seq = np.random.SeedSequence(self.seed, spawn_key=(STREAM_POPULATION,))
        hh_seq, net_seq, ent_seq = pop_seq.spawn(3)
        phones = self.params.phones
        hh_rng = np.random.default_rng(hh_seq)
        homogeneous = self.params.households.homogeneous
        hh_state = build_households(n_h, hh_rng, homogeneous)
        net = self.params.network
        ties_made = None
        if net.mode == "small_world":  # built on a second core while the users are made
            net_rng = np.random.default_rng(net_seq)
            ties_made = in_background(small_world_ties, hh_state.city, net.degree, net.rewire, net.cross_city, net_rng)
        users = build_users(
            hh_state,
            hh_rng,
            phones.mobile_users_per_household,
            phones.users_growth_per_year,
            self.n_months,
            (phones.life_months, phones.life_shape),
            homogeneous,
        )
        province_income = float(np.average(hh_state.income_pc, weights=hh_state.size)) if n_h else 1.0
        self.market = market_path(self.params, self.start, self.n_months, province_income)
        ties = ties_made.result() if ties_made is not None else None
        self.households = Households(hh_state, users, ties, self.params, self.household_weight, self.market)
        self.enterprises = Enterprises(
            build_enterprises(n_e, np.random.default_rng(ent_seq)), self.params, self.enterprise_weight
        )
        households_by_area = np.bincount(self.households.area, minlength=N_AREAS) * self.household_weight
        dig = values(load_table("population"))["digital"]
        gigabit = GigabitAvailability(
            dig["gigabit_available_urban_2020"],
            dig["gigabit_available_rural_2020"],
            dig["gigabit_availability_growth_per_month"],
        )
        self.world = World(
            households=hh_state,
            enterprises=self.enterprises.state,
            household_weight=self.household_weight,
            enterprise_weight=self.enterprise_weight,
            households_by_area=households_by_area,
            gigabit=gigabit,
        )

    def _build_operators(self) -> None:
        names, build_shares = operator_table()
        cities = city_table()
        income_by_area = np.repeat(cities.income_factor, 2)
        self.network = RadioNetwork(
            self.world.households_by_area, income_by_area, self.params.operators, len(names), build_shares
        )
        self.operators = [
            Operator(self, i, name, float(share))
            for i, (name, share) in enumerate(zip(names, build_shares, strict=True))
        ]
        self.operator_set = mesa.agent.AgentSet(self.operators, random=self.random)

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
        """Calendar, market prices, the levers' cost factors and this month's random draws."""
        m = self.month
        label = month_label(m, self.start)
        year, month_of_year = parse_month(label)
        mk = self.market
        ctx = MonthContext(
            month=m,
            label=label,
            seed=self.seed,
            years=m / 12.0,
            calendar_year=year,
            months_left_in_year=13 - month_of_year,
            national_5g_share=float(mk.shelf_share[m]),
            price_5g=float(mk.price_5g[m]),
            price_4g=float(mk.price_4g[m]),
            demand_index=float(mk.demand_index[m]),
            national_handset_share=float(mk.national_handset_share[m]),
            national_coverage=float(mk.national_coverage[m]),
        )
        self.government.prepare_month(ctx)
        if self._draw_buffers is None:  # one buffer per stream, refilled every month
            self._draw_buffers = (
                np.empty((len(HouseholdDraw), self.households.state.n), dtype=np.float32),
                np.empty((len(EnterpriseDraw), self.enterprises.state.n), dtype=np.float32),
            )
        hh_out, ent_out = self._draw_buffers
        n_h, n_e = self.households.state.n, self.enterprises.state.n
        ctx.hh_draws = MonthDraws(
            self.seed, m, STREAM_HOUSEHOLDS, len(HouseholdDraw), n_h, hh_out, ahead=HOUSEHOLD_DRAWS_EVERY_MONTH
        )
        ctx.ent_draws = MonthDraws(self.seed, m, STREAM_ENTERPRISES, len(EnterpriseDraw), n_e, ent_out)
        return ctx

    def operators_build_and_price(self) -> None:
        """Stage 1: each operator builds stations and sets its 5G plan premium."""
        before = self.network.total
        self.operator_set.do("build_and_price")
        self.ctx.new_stations_by_area = self.network.total - before
        shares = np.array([op.build_share for op in self.operators])
        self.ctx.plan_premium = float(np.dot(shares, [op.plan_premium for op in self.operators]) / shares.sum())

    def government_acts(self) -> None:
        """Stage 2: the levers act; households take part in programmes and see coverage and gigabit."""
        self.world.gigabit.grow_nationally()
        effects = self.government.act(self.ctx)
        self.households.take_part_in_programmes(effects)
        self.households.observe(self.network.coverage(), self.world.gigabit.by_area, self.ctx.month)

    def households_decide(self) -> None:
        """Stage 3: the households' behaviours, in order."""
        hh, ctx, gov = self.households, self.ctx, self.government
        hh.start_month(ctx.month)
        hh.look_at_peers()
        hh.learn()
        hh.replace_phones(ctx, gov)
        hh.take_up_plans(ctx)
        hh.adopt_home_products(ctx, gov)
        hh.shop(ctx, gov)
        hh.spend(ctx)
        if ctx.month + 1 < self.n_months:
            hh.count_peers_ahead()  # next month's, on a second core while the month's other stages run

    def enterprises_decide(self) -> None:
        """Stage 4: the enterprises' behaviours, in order."""
        ent, ctx, gov = self.enterprises, self.ctx, self.government
        ent.climb_cloud_stages(ctx, gov)
        ent.report_cloud_spending(ctx, gov)
        ent.spend(ctx)

    def settle_payments(self) -> None:
        """Stage 5: payments due at the end of the month (station support); lapsed vouchers."""
        self.government.close_month(self.ctx)

    def step(self) -> None:
        """One month: build -> levers act -> households -> enterprises -> settle -> collect."""
        self.ctx = self.begin_month()
        self.operators_build_and_price()
        self.government_acts()
        self.households_decide()
        self.enterprises_decide()
        self.settle_payments()
        self.collector.collect(self.ctx)
        self.datacollector.collect(self)
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

    def timeseries(self) -> pd.DataFrame:
        """The monthly province totals collected so far (one row per simulated month)."""
        return self.collector.timeseries()

    def breakdowns(self) -> pd.DataFrame:
        """Values by group (income quintile, urban/rural, elderly, city, firm size, sector) now:
        ``dimension, group, metric, value`` (what :meth:`results` reports at the end of the run)."""
        return self.collector.breakdowns()

    def results(self) -> RunResult:
        """The run's outputs (time series, summary, breakdowns, ledger, agent records)."""
        return self.collector.result()


def _latest(name: str):
    """A model reporter: the series' value in the month just collected."""
    return lambda model: model.collector.rows[-1][name]
