"""The mechanism plug-ins: each hook on hand-built cases, and the registries they fill."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.accounts import FLOWS
from sim.columns import COLUMNS
from sim.day import GROUP, LEADER, SOLO, Books, Sale
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
    today = start(m, 100)  # subsidy_end on day 90
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
    wb.exposure(today, None)
    assert (pop.winback_until[[1, 2, 3]] == [-1, day + 7, -1]).all()
    assert today.row["winback_contacts"] == 1 and today.row["winback_spend"] == 0.2
    books = Books(flows=dict.fromkeys(FLOWS.names(), 0.0))
    wb.book(today, sale_of([], [], []), books)
    assert books.flows["winback_spend"] == pytest.approx(0.2)


def test_cocreation_gain_is_rate_per_percent_of_buyers_giving_feedback():
    """Brand 0: 1 of 4 buyers gave feedback (25%) -> gain 25 * rate; brand 1: none."""
    m = model_of("symbiotic_partner")
    cc = m.mechanisms["cocreation"]
    today = start(m)
    sale = sale_of([1, 2, 3, 4, 5], [1.0] * 5, [1.0] * 5)
    sale.brand = np.array([0, 0, 0, 0, 1])
    from sim.day import Acts

    acts = Acts(feedback=np.array([1.0, 0, 0, 0, 0]))
    gain = cc.quality_gain(today, sale, acts)
    assert gain[0] == pytest.approx(25 * m.scenario.policy.cocreation.rate) and gain[1] == 0.0


# --------------------------------------------------------------------------- registries
def test_every_mechanism_has_a_row_in_the_odd_mechanism_table():
    odd = (ROOT / "docs" / "odd.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", odd, flags=re.M))
    assert {m.name for m in MECHANISMS} <= rows


def test_mechanisms_run_in_a_fixed_documented_order():
    orders = [m.order for m in ordered()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_every_output_column_and_kpi_is_registered():
    r = sim.run("symbiotic_partner", seed=1, overrides=TINY)
    assert set(r.daily.columns) == set(COLUMNS.names())
    for key in r.kpis:
        assert key in KPIS or key.startswith("resilience_"), key
    assert kpi("resilience_subsidy_end_0").label.startswith("Resilience: subsidy end")


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
