"""Fiscal metrics: deadweight with known answers (synthetic and from the real model's agent
pairing), public money that matches the ledger, and the consumption multiplier."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from infosim.analysis import compare
from infosim.analysis.fiscal import NEVER, classify_payments
from infosim.run import RunResult, run_scenario
from infosim.scenario import load_scenario

from .conftest import HOUSEHOLDS, MONTHS

pytestmark = pytest.mark.slow  # real model runs or subprocesses: run in CI, skipped by -m "not slow"

# A terminal subsidy that cannot change any decision: no pull-forward, price plays no part in the
# 4G/5G choice, phones only. Every phone it pays for is bought anyway.
NEUTRAL = ["parameters.phones.pull_forward_per_share=0", "parameters.phones.choice_price_coef=0",
           # operators build on the 5G plan share, which a subsidy's bundled plan (clause 6) raises
           "parameters.operators.profitability_elasticity=0"]


def _agents(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """Baseline agents: (kind, agent_id, first month of phone5g / core cloud)."""
    out = pd.DataFrame(rows, columns=["kind", "agent_id", "m"])
    out["m_phone5g"] = np.where(out["kind"] == "household", out["m"], np.nan)
    out["m_core"] = np.where(out["kind"] == "enterprise", out["m"], np.nan)
    return out.drop(columns="m")


def _pay(kind: str, agent: int, month: int, product: str, yuan: float = 100.0) -> dict:
    return {"kind": kind, "agent_id": agent, "month": month, "lever": "x", "product": product, "yuan": yuan}


@pytest.mark.parametrize(
    ("baseline_month", "paid_month", "product", "status"),
    [
        (5, 5, "phone5g", "deadweight"),            # adopts the same month anyway
        (3, 5, "phone5g", "deadweight"),            # adopted before
        (-1, 0, "phone5g", "deadweight"),           # owned before the run started
        (9, 5, "phone5g", "pulled_forward"),        # adopts later anyway
        (NEVER, 5, "phone5g", "never_in_run"),      # never adopts in the run
        (NEVER, 5, "services", "deadweight"),       # services are bought anyway
    ],
    ids=["same-month", "earlier", "owned-at-start", "later", "never", "services"],
)
def test_classify_household_payment(baseline_month: int, paid_month: int, product: str, status: str) -> None:
    base = _agents([("household", 0, baseline_month)])
    out = classify_payments(pd.DataFrame([_pay("household", 0, paid_month, product)]), base)
    assert out["status"].tolist() == [status]


def test_classify_firm_payments_and_skip_programme_payments() -> None:
    base = _agents([("enterprise", 0, 4), ("enterprise", 1, NEVER)])
    pay = pd.DataFrame([
        _pay("enterprise", 0, 4, "cloud_core"), _pay("enterprise", 1, 4, "super_deduction"),
        _pay("programme", 0, 4, "experience_centres"), _pay("operator", 0, 4, "stations"),
    ])
    out = classify_payments(pay, base)
    assert out["status"].tolist() == ["deadweight", "never_in_run"]


def _with_payments(base: RunResult, name: str, payments: pd.DataFrame) -> RunResult:
    """A copy of a baseline run that only differs in its (synthetic) payment log."""
    return dataclasses.replace(base, scenario=name, payments=payments)


@pytest.mark.parametrize(
    ("rule", "deadweight", "pulled", "never"),
    [("same_time_adopters", 1.0, 0.0, 0.0), ("never_adopters", 0.0, 0.0, 1.0), ("one_month_early", 0.0, 1.0, 0.0)],
    ids=["pays-same-time-adopters", "pays-never-adopters", "pays-a-month-early"],
)
def test_synthetic_lever_on_real_baseline_agents(
    small_runs: list[RunResult], rule: str, deadweight: float, pulled: float, never: float
) -> None:
    bases = [r for r in small_runs if r.scenario == "baseline"]
    scen = []
    for b in bases:
        hh = b.agents[b.agents["kind"] == "household"]
        m = hh["m_phone5g"].to_numpy()
        if rule == "same_time_adopters":
            sel, month = (m >= 0) & (m < NEVER), m
        elif rule == "never_adopters":
            sel, month = m >= NEVER, np.full(m.size, 7)
        else:
            sel, month = (m >= 1) & (m < NEVER), m - 1
        pay = pd.DataFrame({"kind": "household", "agent_id": hh["agent_id"].to_numpy()[sel],
                            "month": month[sel].astype(np.int16), "lever": "synthetic", "product": "phone5g",
                            "yuan": 300.0})
        assert len(pay) > 10
        scen.append(_with_payments(b, rule, pay))
    dw = compare(bases + scen, "baseline").deadweight
    row = dw[(dw["lever"] == "all") & (dw["product"] == "all")].iloc[0]
    assert row["n"] == 3
    assert row["deadweight_share"] == deadweight
    assert row["pulled_forward_share"] == pulled and row["never_in_run_share"] == never
    assert row["additionality"] == 1.0 - deadweight
    assert row["ci_low"] == deadweight and row["ci_high"] == deadweight


def test_real_model_pairing_neutral_subsidy_is_pure_deadweight() -> None:
    """Agent-level common random numbers: a subsidy that cannot change a decision leaves every
    agent's phone purchase as in the baseline, so all its money is deadweight."""
    sets = [*NEUTRAL, 'levers.terminal_subsidy.products=["phone5g"]']
    base_sc = load_scenario("baseline", NEUTRAL)
    scen_sc = load_scenario("terminal_subsidy_only", sets)
    results = [run_scenario(sc, seed, households=HOUSEHOLDS, months=MONTHS, keep_agents=True)
               for sc in (base_sc, scen_sc) for seed in (21, 22)]
    for seed in (21, 22):
        b, s = (next(r for r in results if r.scenario == n and r.seed == seed) for n in ("baseline",
                                                                                          "terminal_subsidy_only"))
        for col in ("m_phone5g", "m_gigabit", "m_smart_home", "m_tv4k", "m_core", "m_star"):
            np.testing.assert_array_equal(b.agents[col].to_numpy(), s.agents[col].to_numpy(), err_msg=col)
        assert len(s.payments) > 0
    cmp = compare(results, "baseline")
    dw = cmp.deadweight.set_index(["lever", "product"])
    assert dw.loc[("terminal_subsidy", "phone5g"), "deadweight_share"] == 1.0
    assert dw.loc[("terminal_subsidy", "phone5g"), "ci_high"] == 1.0
    phones = cmp.effects.query("outcome == 'users_5g_handset'")
    assert (phones["effect"] == 0.0).all()  # the money bought no phone


def test_real_subsidy_has_partial_deadweight(small_runs: list[RunResult]) -> None:
    dw = compare(small_runs, "baseline").deadweight.set_index(["scenario", "lever", "product"])
    share = dw.loc[("jiangsu_2020", "terminal_subsidy", "phone5g"), "deadweight_share"]
    assert 0.0 < share < 1.0
    total = dw.loc[("jiangsu_2020", "all", "all")]
    parts = total[["deadweight_share", "pulled_forward_share", "never_in_run_share"]].sum()
    assert parts == pytest.approx(1.0)


def test_deadweight_to_a_horizon_counts_only_earlier_payments(small_runs: list[RunResult]) -> None:
    cmp = compare(small_runs, "baseline")
    whole = cmp.deadweight.query("lever == 'all'").set_index("scenario")["paid_yuan"]
    early = cmp.deadweight_at("2020-12").query("lever == 'all'").set_index("scenario")["paid_yuan"]
    assert (early < whole).all() and (early > 0).all()


def test_public_money_by_lever_matches_the_ledger(small_runs: list[RunResult]) -> None:
    spend = compare(small_runs, "baseline").spend.query("horizon == 'end'").set_index(["scenario", "lever"])
    for name in ("jiangsu_2020", "vouchers_only"):
        ledgers = [r.ledger for r in small_runs if r.scenario == name]
        by_lever = pd.concat(ledgers).groupby("lever")["yuan"].sum() / len(ledgers)
        for lever, yuan in by_lever.items():
            assert spend.loc[(name, lever), "mean"] == pytest.approx(yuan, rel=1e-9)
        assert spend.loc[(name, "total"), "mean"] == pytest.approx(by_lever.sum(), rel=1e-9)


def test_multiplier_and_cost_per_adopter_are_ratios_of_mean_differences(small_runs: list[RunResult]) -> None:
    ce = compare(small_runs, "baseline").cost_effectiveness.query("scenario == 'jiangsu_2020' and horizon == 'end'")
    ce = ce.set_index(["measure", "outcome"])
    s = {(r.scenario, r.seed): r.summary for r in small_runs}

    def delta(key: str) -> float:
        return float(np.mean([s[("jiangsu_2020", k)][key] - s[("baseline", k)][key] for k in (11, 12, 13)]))

    money, cons = delta("fiscal_spend_yuan_total"), delta("info_consumption_yuan_total")
    assert ce.loc[("multiplier", "info_consumption_yuan"), "ratio"] == pytest.approx(cons / money, rel=1e-9)
    users = delta("users_5g_network_end")
    assert ce.loc[("cost_per_additional", "users_5g_network"), "ratio"] == pytest.approx(money / users, rel=1e-9)
