"""The mechanism plug-ins: each hook on hand-built cases, and the registries they fill."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.accounts import FLOWS, platform_net, pot_balance
from sim.columns import COLUMNS
from sim.day import GROUP, LEADER, SOLO, Awareness, Books, Sale
from sim.kpis import KPIS, kpi
from sim.mechanisms import MECHANISMS, ordered
from sim.model import SocialCommerceModel

ROOT = Path(__file__).resolve().parent.parent
TINY = {"population.consumers": 60, "days": 30, "network.kind": "complete"}


def model_of(scenario: str = "baseline", **overrides: object) -> SocialCommerceModel:
    return SocialCommerceModel(sim.resolve(scenario, overrides={**TINY, **overrides}), seed=0)


def sale_of(buyers, paid, list_value, option=None, redeemed=None, first=None) -> Sale:
    """A day's purchases written by hand (what the purchase stage would hand to the books)."""
    buyers = np.asarray(buyers, np.int64)
    m = len(buyers)
    lv = np.asarray(list_value, float)
    return Sale(
        buyers=buyers,
        option=np.full(m, SOLO, np.int8) if option is None else np.asarray(option, np.int8),
        first=np.zeros(m, bool) if first is None else np.asarray(first, bool),
        brand=np.zeros(m, np.int64),
        list_value=lv,
        platform_disc=np.zeros(m),
        brand_disc=np.zeros(m),
        points_disc=np.zeros(m),
        paid=np.asarray(paid, float),
        subsidy=np.zeros(m),
        redeemed=np.zeros(m) if redeemed is None else np.asarray(redeemed, float),
        group=np.full(m, -1),
    )


def start(model: SocialCommerceModel, day: int = 0):
    """Run the start of ``day`` (shocks, switches) and return the day's Today."""
    model.day = day
    return model._start_day()


# --------------------------------------------------------------------------- loyalty points
def test_loyalty_redeems_only_above_the_threshold_and_caps_the_share():
    """100 points = 1 yuan, at least 100 points, at most 20% of the list price.
    Consumer 1 holds 50 points (below the threshold): nothing. Consumer 2 holds 1,000
    points = 10 yuan on a 100-yuan item: 10%. Consumer 3 holds 5,000 = 50 yuan: capped at 20%."""
    m = model_of("loyalty_points")
    loyalty = m.mechanisms["loyalty"]
    today = start(m)
    loyalty.balance[[1, 2, 3]] = [50.0, 1000.0, 5000.0]
    who = np.array([1, 2, 3])
    t = loyalty.price_terms(today, SOLO, who, np.zeros(3, bool), np.full(3, 100.0))
    np.testing.assert_allclose(t.points, [0.0, 0.10, 0.20])
    assert t.platform == 0.0 and t.brand == 0.0


def test_loyalty_points_are_a_switching_cost_in_the_choice():
    """Before the brand is chosen, points are priced against the mean list price of active
    brands: the platform's options get cheaper for a consumer holding points."""
    m = model_of("loyalty_points")
    loyalty = m.mechanisms["loyalty"]
    today = start(m)
    loyalty.balance[4] = 1000.0
    t = loyalty.price_terms(today, GROUP, np.array([4]), np.zeros(1, bool))
    mean_lp = today.list_price[m.brands.active].mean()
    assert t.points[0] == pytest.approx(min(0.2, 10.0 / mean_lp))


def test_loyalty_books_earning_spending_and_the_cost():
    """A buyer pays 80 yuan and redeems 20 yuan (2,000 points): earns 80 points, spends 2,000;
    the platform's flow ``points_redeemed`` is 20 yuan, charged to the buyer's contribution."""
    m = model_of("loyalty_points")
    loyalty = m.mechanisms["loyalty"]
    today = start(m)
    loyalty.balance[7] = 2500.0
    books = Books(flows=dict.fromkeys(FLOWS.names(), 0.0))
    loyalty.book(today, sale_of([7], [80.0], [100.0], redeemed=[20.0]), books)
    assert loyalty.balance[7] == pytest.approx(2500.0 + 80.0 - 2000.0)
    assert books.flows["points_redeemed"] == pytest.approx(20.0)
    (pos, amount, to_acquisition), *_ = books.purchase_costs
    assert pos.tolist() == [0] and amount.tolist() == [20.0] and not to_acquisition
    assert today.row["points_issued"] == pytest.approx(80.0)


def test_loyalty_points_expire_after_a_year_without_a_purchase():
    """Consumer 5 buys on day 0 and never again: on day 365 the balance expires (breakage).
    Consumer 6 buys on day 0 and on day 10: nothing expires on day 365."""
    m = model_of("loyalty_points", days=400)
    loyalty = m.mechanisms["loyalty"]
    books = Books(flows=dict.fromkeys(FLOWS.names(), 0.0))
    today = start(m, 0)
    m.pop.last_purchase[[5, 6]] = 0
    loyalty.book(today, sale_of([5, 6], [50.0, 50.0], [50.0, 50.0]), books)
    today = start(m, 10)
    m.pop.last_purchase[6] = 10
    loyalty.book(today, sale_of([6], [30.0], [30.0]), books)
    today = start(m, 365)
    loyalty.book(today, sale_of([], [], []), books)
    assert loyalty.balance[5] == 0.0 and loyalty.balance[6] == pytest.approx(80.0)
    assert today.row["points_expired"] == pytest.approx(50.0)
    assert loyalty.expired == pytest.approx(50.0) and loyalty.issued == pytest.approx(130.0)
    assert loyalty.outstanding == pytest.approx(80.0)


def test_loyalty_run_keeps_the_books_and_wins_needs_from_the_outside_option():
    """A whole run: the accounting identities hold with points, the program's outputs, KPIs
    and flows appear through the registries, and a generous program (10% back, up to half a
    purchase payable with points) wins a larger share of customers' needs from the outside
    option (same seeds). Points build no attachment (DESIGN §3a), so they do not slow
    dropout: total orders move little, as field studies of points programs find (Sharp &
    Sharp 1997)."""
    generous = {
        "population.consumers": 1500,
        "policy.loyalty.points_per_yuan": 10.0,
        "policy.loyalty.max_redeem_share": 0.5,
    }
    on = [sim.run("loyalty_points", seed=s, overrides=generous) for s in (3, 4)]
    off = [sim.run("baseline", seed=s, overrides={"population.consumers": 1500}) for s in (3, 4)]
    r = on[0]
    np.testing.assert_allclose(pot_balance(r.accounts), 0.0, atol=1e-6)
    np.testing.assert_allclose(np.cumsum(platform_net(r.accounts)), r.daily["platform_cash"])
    assert r.kpis["points_redeemed"] > 0 and "points_redeemed" in r.accounts
    assert r.daily["points_issued"].sum() > 0 and r.kpis["points_liability"] > 0
    assert off[0].kpis["points_redeemed"] == 0

    def share_of_needs(runs: list) -> float:
        orders = sum(x.kpis["orders"] for x in runs)
        return orders / (orders + sum(x.daily["outside_choices"].sum() for x in runs))

    assert share_of_needs(on) > 1.2 * share_of_needs(off)


# --------------------------------------------------------------------------- other plug-ins
def test_group_buying_terms_split_the_discount_and_the_coupon():
    """35% group discount, 70% platform-funded; 15% coupon on first purchases while subsidies
    run: a first group purchase gets 0.35*0.7 + 0.15 from the platform and 0.105 from the
    brand; a repeat solo purchase gets nothing."""
    m = model_of("subsidy_group_buying")
    gb = m.mechanisms["group_buying"]
    today = start(m)
    t = gb.price_terms(today, GROUP, np.array([1, 2]), np.array([True, False]))
    np.testing.assert_allclose(t.platform, [0.35 * 0.7 + 0.15, 0.35 * 0.7])
    assert t.brand == pytest.approx(0.35 * 0.3)
    solo = gb.price_terms(today, SOLO, np.array([3]), np.array([False]))
    np.testing.assert_allclose(solo.platform, [0.0])


def test_subsidy_end_shock_stops_platform_funding_but_not_the_brand_share():
    m = model_of("subsidy_group_buying")
    gb = m.mechanisms["group_buying"]
    day = m.scenario.shocks[0].day + 10  # after the scenario's subsidy_end
    assert m.scenario.shocks[0].kind == "subsidy_end"
    today = start(m, day)
    assert not gb.subsidy_on
    t = gb.price_terms(today, GROUP, np.array([1]), np.array([True]))
    assert t.platform == 0.0 and t.brand == pytest.approx(0.35 * 0.3)


def test_leader_orders_get_the_brand_funded_discount_and_pay_commission():
    m = model_of("subsidy_group_buying")
    leaders = m.mechanisms["leaders"]
    today = start(m)
    assert leaders.price_terms(today, LEADER, np.array([1]), np.array([False])).brand == 0.10
    sale = sale_of([1, 2], [90.0, 100.0], [100.0, 100.0], option=[LEADER, SOLO])
    leaders.split(today, sale)
    np.testing.assert_allclose(sale.leader_commission, [9.0, 0.0])


def test_winback_messages_lapsed_customers_and_charges_them():
    """On a win-back day, customers who lapsed less than 180 days ago get a message (a week
    of utility lift) and cost 0.2 yuan each; active and long-gone customers get none."""
    m = model_of("symbiotic_partner", days=400)
    wb = m.mechanisms["winback"]
    pop = m.pop
    day = 14 * 10
    pop.purchases[[1, 2, 3]] = 1
    pop.acq_day[[1, 2, 3]] = 0
    pop.last_purchase[[1, 2, 3]] = [day - 5, day - 60, day - 200]  # active, lapsed, gone
    m.day = day
    m.resync()
    today = m._start_day()
    nobody = np.empty(0, np.int64)
    awareness = Awareness(nobody, nobody, nobody)
    wb.exposure(today, awareness)
    assert (pop.winback_until[[1, 2, 3]] == [-1, day + 7, -1]).all()
    np.testing.assert_array_equal(np.concatenate(awareness.messaged), [2])
    assert today.row["winback_contacts"] == 1 and today.row["winback_spend"] == 0.2
    books = Books(flows=dict.fromkeys(FLOWS.names(), 0.0))
    wb.book(today, sale_of([], [], []), books)
    assert books.flows["winback_spend"] == pytest.approx(0.2)


def test_cocreation_gain_is_rate_per_percent_of_buyers_giving_feedback():
    """Brand 0: 1 of 4 buyers gave feedback (25%) -> its 30-day feedback average moves 1/30
    of the way to 25% and the uplift is rate x that average; brand 1: none. Thirty more such
    days bring the average most of the way (1 - (29/30)^31 ~ 65%) to 25%."""
    m = model_of("symbiotic_partner")
    cc = m.mechanisms["cocreation"]
    today = start(m)
    sale = sale_of([1, 2, 3, 4, 5], [1.0] * 5, [1.0] * 5)
    sale.brand = np.array([0, 0, 0, 0, 1])
    from sim.day import Acts

    acts = Acts(feedback=np.array([1.0, 0, 0, 0, 0]))
    rate = m.scenario.policy.cocreation.rate
    gain = cc.quality_gain(today, sale, acts)
    assert gain[0] == pytest.approx(25 / 30 * rate) and gain[1] == 0.0
    for _ in range(30):
        gain = cc.quality_gain(today, sale, acts)
    assert gain[0] == pytest.approx(25 * (1 - (29 / 30) ** 31) * rate) and gain[1] == 0.0


# --------------------------------------------------------------------------- registries
def test_every_mechanism_has_a_row_in_the_odd_mechanism_table():
    odd = (ROOT / "docs" / "odd.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", odd, flags=re.M))
    assert {m.name for m in MECHANISMS} <= rows


def test_mechanisms_run_in_a_fixed_documented_order():
    orders = [m.order for m in ordered()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_every_output_column_and_kpi_is_registered():
    r = sim.run("loyalty_points", seed=1, overrides=TINY)
    assert set(r.daily.columns) == set(COLUMNS.names())
    for key in r.kpis:
        assert key in KPIS or key.startswith("resilience_"), key
    assert kpi("resilience_subsidy_end_0").label.startswith("Resilience: subsidy end")


def test_a_new_mechanism_shows_up_in_levers_params_and_outputs():
    """The loyalty program is registered only in its own module and schema section: the
    dashboard's levers, `symbiosim params` and the outputs list it without edits there."""
    from typer.testing import CliRunner

    from sim.cli import app
    from sim.dashboard import core

    assert "policy.loyalty.points_per_yuan" in core.LEVER_BY_PATH
    assert "Loyalty points (积分)" in core.GROUPS
    res = CliRunner().invoke(app, ["params"])
    assert res.exit_code == 0 and "policy.loyalty.expiry_days" in res.output
    assert "points_redeemed" in FLOWS and "points_redeemed" in COLUMNS


# --------------------------------------------------------------------------- Mesa reporters
def test_a_users_mesa_reporter_is_collected():
    m = SocialCommerceModel(
        sim.resolve("baseline", overrides=TINY),
        seed=1,
        model_reporters={"awake": lambda mod: int(mod.pop.aware.sum())},
    )
    m.datacollector.add_model_reporter("day_plus_one", lambda mod: mod.day + 1)
    m.datacollector.model_reporters["half"] = lambda mod: mod.day / 2  # Mesa's own dict
    m.run(5)
    df = m.datacollector.get_model_vars_dataframe()
    assert df["awake"].tolist() == df["aware"].astype(int).tolist()
    assert df["day_plus_one"].tolist() == [1, 2, 3, 4, 5]
    assert df["half"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    r = sim.run("baseline", overrides=TINY, model_reporters={"n": lambda mod: mod.n})
    assert (r.daily["n"] == 60).all()
    with pytest.raises(ValueError, match="already reports"):
        m.datacollector.add_model_reporter("active", lambda mod: 0)
