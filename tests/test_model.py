"""Whole-model invariants: determinism, accounting, state counts, agents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.accounts import platform_net, pot_balance
from sim.agents import Brand, Consumer, Leader, PlatformAgent
from sim.model import SocialCommerceModel
from tests.conftest import SMALL

SCENARIOS = ["baseline", "subsidy_group_buying", "symbiotic_partner", "hybrid", "loyalty_points"]


@pytest.fixture(scope="module", params=SCENARIOS)
def result(request) -> sim.RunResult:
    return sim.run(request.param, seed=3, overrides=SMALL)


def test_same_seed_identical_different_seed_differs():
    a = sim.run("symbiotic_partner", seed=11, overrides=SMALL)
    b = sim.run("symbiotic_partner", seed=11, overrides=SMALL)
    c = sim.run("symbiotic_partner", seed=12, overrides=SMALL)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    assert a.kpis.keys() == b.kpis.keys()
    for k in a.kpis:
        assert a.kpis[k] == b.kpis[k] or (np.isnan(a.kpis[k]) and np.isnan(b.kpis[k])), k
    assert not a.daily["active"].equals(c.daily["active"])


def test_money_is_accounted_every_day(result):
    acc = result.accounts
    # what funds purchases (consumers, subsidies, points) = what brands, platform, leaders get
    np.testing.assert_allclose(pot_balance(acc), 0.0, atol=1e-6)
    lhs = acc["consumer_paid"] + acc["subsidies"] + acc["points_redeemed"]
    rhs = acc["brand_receipts"] + acc["commissions"] + acc["leader_commissions"]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-6)
    # the platform's cash moves by its income less its costs, as registered
    net = platform_net(acc)
    np.testing.assert_allclose(np.cumsum(net), result.daily["platform_cash"], rtol=1e-9, atol=1e-6)
    written_out = (
        acc["commissions"]
        - acc["subsidies"]
        - acc["rewards"]
        - acc["operator_fees"]
        - acc["ad_spend"]
        - acc["winback_spend"]
        - acc["points_redeemed"]
    )
    np.testing.assert_allclose(net, written_out, rtol=1e-9, atol=1e-6)


def test_consumer_side_totals_match_books(result):
    cons = result.consumers
    assert cons["spend"].sum() == pytest.approx(result.accounts["consumer_paid"].sum())
    assert cons["purchases"].sum() == result.daily["orders"].sum()
    # rewards: consumers' balances = ledger payouts = the platform's reward outflow
    ledger_total = result.ledger.total_paid()
    assert cons["reward_balance"].sum() == pytest.approx(ledger_total)
    assert result.accounts["rewards"].sum() == pytest.approx(ledger_total)
    assert result.ledger.verify() is None


def test_leader_income_matches_commissions_and_fees(result):
    m = result.model
    paid = result.accounts["leader_commissions"].sum() + result.accounts["operator_fees"].sum()
    assert m.leaders.income_total.sum() == pytest.approx(paid)


def test_state_counts_add_up(result):
    d = result.daily
    n = result.scenario.population.consumers
    assert (d["households"] <= n).all()
    # everyone present is unaware, aware but not yet a customer, or a customer; customers
    # (ever) are active or lapsed, and some of them have moved away
    present = d["unaware"] + d["aware_not_customer"] + d["active"] + d["lapsed"]
    assert (present == d["households"] + d["moved_away_customers"]).all()
    assert (d["customers"] == d["active"] + d["lapsed"]).all()
    assert (d["customers"].diff().fillna(d["customers"].iloc[0]) == d["new_customers"]).all()
    # each consumer is acquired once: the cohort sizes add up to the customers
    assert result.cohorts["size"].sum() == d["customers"].iloc[-1]


def test_active_definition_from_purchases(result):
    m = result.model
    pop, w = m.pop, result.scenario.population.churn_window
    last_day = m.day - 1
    expect = (pop.purchases > 0) & (pop.last_purchase > last_day - w)
    assert expect.sum() == result.daily["active"].iloc[-1]


def test_agents_by_type_and_consumer_views():
    m = SocialCommerceModel(sim.load_scenario("symbiotic_partner").with_overrides(SMALL), seed=1)
    m.run(10)
    c = m.consumer(5)
    assert isinstance(c, Consumer) and c.index == 5
    assert c.purchases == int(m.pop.purchases[5])
    c.trust = 0.9
    assert m.pop.trust[5] == 0.9
    types = m.agents_by_type
    assert len(types[Consumer]) == m.n
    assert len(types[Leader]) == m.graph.n_communities
    assert len(types[Brand]) == m.scenario.brands.count
    assert len(types[PlatformAgent]) == 1
    assert m.consumer(5).as_dict()["trust"] == 0.9


def test_no_program_means_no_subsidy_rewards_or_groups():
    r = sim.run("baseline", seed=2, overrides=SMALL)
    k = r.kpis
    assert k["subsidy_spend"] == 0 and k["rewards_paid"] == 0
    assert r.daily["group_orders"].sum() == 0 and r.daily["leader_orders"].sum() == 0
    assert len(r.ledger) == 0


def test_subsidy_budget_is_never_exceeded():
    r = sim.run(
        "subsidy_group_buying",
        seed=4,
        overrides={**SMALL, "policy.group_buying.budget": 1500.0},
    )
    assert r.kpis["subsidy_spend"] == pytest.approx(1500.0, abs=1e-6)
    assert r.model.subsidy_exhausted_day is not None


def test_mechanism_window_switches_off_groups():
    r = sim.run(
        "subsidy_group_buying",
        seed=4,
        overrides={**SMALL, "policy.group_buying.end_day": 30},
    )
    assert r.daily.loc[31:, "group_orders"].sum() == 0
    assert r.daily.loc[:29, "group_orders"].sum() > 0


def test_shocks_act():
    # half the town aware from day 0, so the six leaders have a living to lose
    base = {**SMALL, "shocks": [], "population.initial_aware": 0.5}
    calm = sim.run("symbiotic_partner", seed=5, overrides=base)
    exodus = sim.run(
        "symbiotic_partner",
        seed=5,
        overrides={**base, "shocks": [{"kind": "leader_exodus", "day": 50, "magnitude": 1.0}]},
    )
    assert exodus.daily.loc[51, "active_leaders"] == 0
    assert exodus.daily.loc[60:, "leader_orders"].sum() == 0
    assert calm.daily.loc[60:, "leader_orders"].sum() > 0
    # a scandal drops the brand's quality at once; the brand then closes the gap to its
    # equilibrium quality day by day (it fixes the fault), so the drop fades
    scandal = [{"kind": "quality_scandal", "day": 40, "magnitude": 0.4, "brand": 0}]
    hit = SocialCommerceModel(sim.resolve("baseline", overrides={**base, "shocks": scandal}), 5)
    calm = SocialCommerceModel(sim.resolve("baseline", overrides=base), 5)
    gaps = []
    for days in (41, 79):
        hit.run(days)
        calm.run(days)
        gaps.append(calm.brands.quality[0] - hit.brands.quality[0])
    assert gaps[0] > 0.3 and 0 < gaps[1] < gaps[0]


def test_incremental_indices_match_a_full_recount():
    """The model's derived indices (kept up to date from each day's changes) equal a fresh
    recount from the population arrays."""
    sc = sim.load_scenario("symbiotic_partner").with_overrides(SMALL)
    m = SocialCommerceModel(sc, seed=8)
    m.run(40)
    idx = m.index
    kept = {
        name: getattr(idx, name).copy() for name in ("active", "customer", "referable", "unaware")
    }
    counts = (idx.n_active, idx.n_customers)
    unaware_nb = idx.active_nb[idx.unaware].copy()
    buyers_on = {d: b.copy() for d, b in idx.buyers_on.items()}
    m.resync()
    for name, arr in kept.items():
        np.testing.assert_array_equal(arr, getattr(idx, name), err_msg=name)
    assert counts == (idx.n_active, idx.n_customers)
    np.testing.assert_array_equal(unaware_nb, idx.active_nb[idx.unaware])
    # buyers still inside the churn window, by their last purchase day
    for d, b in idx.buyers_on.items():
        kept_b = buyers_on[d][m.pop.last_purchase[buyers_on[d]] == d]
        np.testing.assert_array_equal(np.sort(kept_b), np.sort(b), err_msg=f"buyers on {d}")
    assert m.mechanisms["partner"].n_partners == int(m.pop.partner.sum())


def test_editing_a_consumer_view_is_seen_by_the_next_day():
    sc = sim.load_scenario("symbiotic_partner").with_overrides(SMALL)
    m = SocialCommerceModel(sc, seed=2)
    m.run(20)
    c = m.consumer(3)
    c.trust = 1.7  # out of range: the daily clip must still catch it
    c.purchases = 0  # and the derived indices must be rebuilt
    c.last_purchase = -(10**6)
    m.step()
    assert m.pop.trust[3] <= 1.0
    assert m.today["customers"] == int((m.pop.purchases > 0).sum())


def test_agent_collection_is_opt_in_sampled_and_changes_nothing():
    sc = sim.load_scenario("symbiotic_partner").with_overrides({**SMALL, "days": 31})
    plain = SocialCommerceModel(sc, seed=4)
    plain.run()
    sampled = SocialCommerceModel(sc, seed=4, collect_agents=50, agent_every=10)
    sampled.run()
    pd.testing.assert_frame_equal(
        plain.datacollector.get_model_vars_dataframe(),
        sampled.datacollector.get_model_vars_dataframe(),
    )
    agents = sampled.datacollector.get_agent_vars_dataframe()
    assert list(agents.columns) == ["satisfaction", "attachment", "active"]
    assert len(agents) == 50 * 4  # days 0, 10, 20, 30 (the last)
    ids = agents.index.get_level_values("AgentID")
    assert ids.nunique() == 50 and ids.max() < sampled.n
    last = agents.xs(sampled.steps, level="Step")
    np.testing.assert_array_equal(last["satisfaction"], sampled.pop.satisfaction[last.index])
    np.testing.assert_array_equal(last["active"], sampled.index.active[last.index])
    with pytest.raises(UserWarning):
        plain.datacollector.get_agent_vars_dataframe()
    everyone = SocialCommerceModel(sc, seed=4, collect_agents=True)
    everyone.run(2)
    assert len(everyone.datacollector.get_agent_vars_dataframe()) == 2 * everyone.n
    with pytest.raises(ValueError, match="collect_agents"):
        SocialCommerceModel(sc, seed=4, collect_agents=-3)


# --------------------------------------------------------------------------- common random numbers
SHOCK_CASES = [
    {"kind": "subsidy_end", "day": 40},
    {"kind": "competitor_entry", "day": 40, "duration": 30, "magnitude": 1.0},
    {"kind": "downturn", "day": 40, "duration": 30, "magnitude": 0.3},
    {"kind": "quality_scandal", "day": 40, "magnitude": 0.3, "brand": 0},
    {"kind": "leader_exodus", "day": 40, "magnitude": 0.5},
]


def _run_with(shocks: list[dict]) -> pd.DataFrame:
    # a third of the town aware on day 0: leaders are recruited before the shocks strike
    over = {**SMALL, "days": 70, "population.initial_aware": 0.3, "shocks": shocks}
    return sim.run("subsidy_group_buying", seed=6, overrides=over).daily


@pytest.mark.parametrize("shock", SHOCK_CASES, ids=lambda s: s["kind"])
def test_removing_a_shock_changes_nothing_before_its_day(shock):
    """Each stage, mechanism and shock draws from its own stream: without the shock the run
    is bit-identical until the shock's day (and a shock changes something after it)."""
    with_shock = _run_with([shock])
    without = _run_with([])
    pd.testing.assert_frame_equal(with_shock.iloc[:40], without.iloc[:40])
    assert not with_shock.iloc[40:].equals(without.iloc[40:])


@pytest.mark.parametrize("shock", SHOCK_CASES, ids=lambda s: s["kind"])
def test_a_shock_of_magnitude_zero_is_no_shock(shock):
    pd.testing.assert_frame_equal(_run_with([{**shock, "magnitude": 0.0}]), _run_with([]))


def test_removing_one_shock_does_not_move_another():
    """Two exoduses: dropping the first (day 20) leaves the second's draws (day 40) alone, so
    the runs agree until day 20 and the second one's stream is the same."""
    a = {"kind": "leader_exodus", "day": 20, "magnitude": 0.5}
    b = {"kind": "leader_exodus", "day": 40, "magnitude": 0.5}
    from sim.shocks import shock_stream

    m1 = SocialCommerceModel(
        sim.resolve("subsidy_group_buying", overrides={**SMALL, "shocks": [a, b]})
    )
    m2 = SocialCommerceModel(
        sim.resolve("subsidy_group_buying", overrides={**SMALL, "shocks": [b]})
    )
    assert shock_stream(m1, 1) == shock_stream(m2, 0)


# --------------------------------------------------------------------------- the transaction log
def test_the_transaction_log_accounts_for_every_purchase_and_every_yuan(result):
    """One row per order; its money adds up to the books; margins, acquisition costs and
    customer costs together are the platform's net (before ads)."""
    from sim.analytics import validate_customer_costs, validate_transactions

    tx, costs, d, acc = result.transactions, result.customer_costs, result.daily, result.accounts
    validate_transactions(tx, result.observation_end)
    validate_customer_costs(costs, result.observation_end)
    assert len(tx) == d["orders"].sum()
    assert tx["first"].sum() == d["new_customers"].sum() == result.kpis["customers"]
    assert tx["amount"].sum() == pytest.approx(acc["consumer_paid"].sum())
    assert tx["subsidy"].sum() == pytest.approx(acc["subsidies"].sum())
    assert tx["redeemed"].sum() == pytest.approx(acc["points_redeemed"].sum())
    assert (tx["channel"] == "group").sum() == d["group_orders"].sum()
    net = tx["margin"].sum() - tx["acquisition_cost"].sum() - costs["amount"].sum()
    assert net == pytest.approx(acc["platform_net"].sum() + acc["ad_spend"].sum(), abs=1e-6)
    cons = result.consumers
    assert cons["contribution"].sum() == pytest.approx(
        tx["margin"].sum() - costs["amount"].sum(), abs=1e-6
    )


def test_rfm_summary_is_the_logs(tmp_path):
    r = sim.run("symbiotic_partner", seed=2, overrides=SMALL, counterfactual=False)
    r.save(tmp_path, figures=False)
    from sim.analytics import rfm_summary

    again = rfm_summary(pd.read_parquet(tmp_path / "transactions.parquet"), r.observation_end)
    pd.testing.assert_frame_equal(again, pd.read_parquet(tmp_path / "rfm.parquet"))
    assert list(r.rfm.columns) == ["customer_id", "frequency", "recency", "T", "monetary_value"]
    assert len(r.rfm) == r.kpis["customers"]


def test_counterfactual_resilience_is_one_for_a_shock_of_size_zero():
    over = {**SMALL, "days": 110}
    for shock in SHOCK_CASES:
        r = sim.run(
            "subsidy_group_buying",
            seed=5,
            overrides={**over, "shocks": [{**shock, "magnitude": 0}]},
        )
        kind = shock["kind"]
        assert r.kpis[f"resilience_{kind}_0"] == 1.0, kind
        assert r.kpis[f"resilience_gap_{kind}_0"] == 0.0, kind


def test_counterfactual_resilience_measures_the_shock_not_the_market():
    """The cut is compared with the same run without it: the ratio is active customers 60
    days after over the counterfactual's, the gap the customer-days between the curves."""
    over = {**SMALL, "days": 110, "shocks": [{"kind": "subsidy_end", "day": 40}]}
    r = sim.run("subsidy_group_buying", seed=5, overrides=over)
    cf = sim.run("subsidy_group_buying", seed=5, overrides={**over, "shocks": []})
    a, c = r.daily["active"].to_numpy(), cf.daily["active"].to_numpy()
    assert r.kpis["resilience_subsidy_end_0"] == pytest.approx(a[100] / c[100])
    assert r.kpis["resilience_gap_subsidy_end_0"] == pytest.approx((c[40:100] - a[40:100]).sum())
    assert r.resilience.loc[0, "counterfactual"] == c[100]
    skipped = sim.run("subsidy_group_buying", seed=5, overrides=over, counterfactual=False)
    assert "resilience_subsidy_end_0" not in skipped.kpis


def test_a_fork_goes_on_as_the_run_without_the_shock_would():
    """The counterfactual twin starts from a copy of the run on the shock's day; it must be
    the very run a fresh model without the shock makes: every daily column, every order."""
    over = {
        **SMALL,
        "days": 120,
        "shocks": [
            {"kind": "leader_exodus", "day": 30, "magnitude": 0.5},
            {"kind": "subsidy_end", "day": 50},
        ],
    }
    sc = sim.resolve("subsidy_group_buying", overrides=over)
    alt = sc.with_overrides({"shocks": over["shocks"][:1]})
    calls = []
    model = SocialCommerceModel(sc, seed=4, model_reporters={"probe": lambda m: calls.append(1)})
    model.run(days=50)
    twin = model.fork(alt)
    twin.run(days=70)
    model.run(days=70)  # the original goes on with its own shock, untouched by the twin
    fresh = SocialCommerceModel(alt, seed=4)
    fresh.run()
    got = twin.datacollector.get_model_vars_dataframe()
    assert "probe" not in got and len(calls) == 120  # the twin runs no user reporter
    pd.testing.assert_frame_equal(got, fresh.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(
        twin.transactions.frame(twin.pop), fresh.transactions.frame(fresh.pop)
    )
    again = SocialCommerceModel(sc, seed=4)
    again.run()
    pd.testing.assert_frame_equal(
        model.datacollector.get_model_vars_dataframe().drop(columns="probe"),
        again.datacollector.get_model_vars_dataframe(),
    )


def test_a_fork_refuses_a_scenario_that_differs_before_today():
    sc = sim.resolve(
        "subsidy_group_buying",
        overrides={**SMALL, "days": 60, "shocks": [{"kind": "subsidy_end", "day": 10}]},
    )
    model = SocialCommerceModel(sc, seed=1)
    model.run(days=20)
    with pytest.raises(ValueError, match="started before day 20"):
        model.fork(sc.with_overrides({"shocks": []}))
    with pytest.raises(ValueError, match="only in its shocks"):
        model.fork(sc.with_overrides({"platform.commission_rate": 0.2}))


def test_a_finished_run_keeps_no_model_alive():
    """Mesa 3 keys its agent-id counters by model in a class-level dict; ours hold the model
    weakly, so a sweep worker does not keep every run's arrays (it grew by GBs)."""
    import gc
    import weakref

    refs = []
    for seed in range(3):
        r = sim.run("symbiotic_partner", seed=seed, overrides=SMALL)
        refs.append(weakref.ref(r.model))
        del r
    gc.collect()
    assert all(ref() is None for ref in refs)
