"""The customer-base mechanisms on hand-built cases: heterogeneous buying and dropout, the
open market, acquisition as a decision, states that settle, incentives with intensity."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.brands import BrandBook
from sim.day import GROUP, OUTSIDE
from sim.leaders import LeaderBook
from sim.mechanisms.market import draw_stays, initial_share
from sim.model import SocialCommerceModel
from sim.population import draw_population
from sim.scenario import Brands, Population
from sim.submodels.attachment import update_attachment
from sim.submodels.fulfilment import trust_level, update_satisfaction_trust

TINY = {"population.consumers": 400, "days": 60}


def model_of(scenario: str = "baseline", seed: int = 0, **over: object) -> SocialCommerceModel:
    return SocialCommerceModel(sim.resolve(scenario, overrides={**TINY, **over}), seed=seed)


def drawn(n: int, seed: int, **segment: object):
    """A population of ``n`` from one segment (plain traits, then ``segment``'s)."""
    traits = {
        "share": 1.0,
        "price_sensitivity": 1,
        "quality_sensitivity": 1,
        "need_rate": 0.05,
        "content_propensity": 0.1,
        "partner_propensity": 0.1,
        **segment,
    }
    cfg = Population(segments={"all": traits})
    return draw_population(cfg, n, np.zeros(n, np.int32), np.random.default_rng(seed))


# --------------------------------------------------------------------------- buying and dropout
def test_need_rates_have_the_segments_long_tail():
    """A gamma with shape k has coefficient of variation 1/sqrt(k); its top 20% hold
    1 - F_{k+1}(F_k^-1(0.8)) of the total (F_k the Gamma(k) CDF): 65% for k = 0.5 (CV 1.41),
    30% for k = 10."""

    def top20(shape: float) -> float:
        r = np.sort(drawn(50_000, 0, need_shape=shape).need_rate)[::-1]
        return r[: len(r) // 5].sum() / r.sum()

    assert top20(0.5) == pytest.approx(0.650, abs=0.01)
    assert top20(10.0) == pytest.approx(0.295, abs=0.01)


def test_dropout_chances_are_beta_with_the_segment_mean():
    """Beta(mean 0.3, a + b = 2): mean 0.3, variance m(1 - m)/(a + b + 1) = 0.07."""
    pop = drawn(40_000, 1, dropout=0.3, dropout_concentration=2.0)
    assert pop.dropout.mean() == pytest.approx(0.3, abs=0.01)
    assert pop.dropout.var() == pytest.approx(0.3 * 0.7 / 3, abs=0.005)


def test_a_consumer_whose_dropout_probability_is_one_never_buys_again():
    over = {
        "days": 200,
        "dropout.social_revival": 0.0,
        "dropout.attachment_weight": 0.0,
        "dropout.experience_weight": 0.0,
        "dropout.network_weight": 0.0,
        "dropout.embedding_weight": 0.0,
        "market.enabled": False,
        "population.initial_aware": 0.3,
    }
    for seg in ("price_hunter", "quality_seeker", "community_minded"):
        over[f"population.segments.{seg}.dropout"] = 0.999999
        over[f"population.segments.{seg}.dropout_concentration"] = 1e6
    r = sim.run("baseline", seed=2, overrides={**TINY, **over}, counterfactual=False)
    assert r.kpis["customers"] > 50
    assert (r.transactions.groupby("consumer").size() == 1).all()


def test_without_dropout_nobody_drops_out():
    r = sim.run(
        "baseline", seed=2, overrides={**TINY, "dropout.enabled": False}, counterfactual=False
    )
    assert r.daily["dropouts"].sum() == 0 and r.model.pop.alive.all()


def test_friends_draw_a_dropped_out_customer_back_but_not_at_once():
    """Every neighbour uses the platform and susceptibility is 1: the daily chance of coming
    back is 1 - exp(-social_revival); nobody comes back within revival_delay days."""
    m = model_of(
        "baseline",
        **{
            "dropout.social_revival": 0.5,
            "dropout.revival_exponent": 2.0,
            "dropout.revival_delay": 30,
            "market.enabled": False,
            "network.kind": "complete",
        },
    )
    pop, mech = m.pop, m.mechanisms["dropout"]
    pop.social_susceptibility[:] = 1.0
    pop.purchases[:] = 1
    pop.last_purchase[:] = 0
    m.resync()  # everyone a user ...
    gone = np.arange(0, 200)
    pop.drop_out(gone, 0)  # ... but for these, who just dropped out
    m.index.user_nb[:] = m.index.degree  # make every neighbour count as a user
    for day, expect_any in ((10, False), (40, True)):
        m.day = day
        today = m._start_day()
        from sim.day import Awareness

        before = (~pop.alive).sum()
        mech.exposure(
            today, Awareness(np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64))
        )
        back = before - (~pop.alive).sum()
        if expect_any:
            assert back == pytest.approx(len(gone) * (1 - math.exp(-0.5)), rel=0.25)
        else:
            assert back == 0


def test_dropout_chance_falls_with_experience_attachment_and_reach():
    """q = p exp(-w_e e - w_a a - w_r [referrer active] - w_n R), capped at 1."""
    from sim.mechanisms.dropout import dropout_chance

    cfg = sim.load_scenario("baseline").dropout
    p = np.array([0.5, 0.5, 0.5, 0.9])
    e = np.array([0.0, 0.4, 0.0, -1.0])
    a = np.array([0.0, 0.0, 0.5, 0.0])
    q = dropout_chance(p, e, a, np.zeros(4, bool), 0.0, cfg)
    assert q[0] == pytest.approx(0.5)
    assert q[1] == pytest.approx(0.5 * math.exp(-cfg.experience_weight * 0.4))
    assert q[2] == pytest.approx(0.5 * math.exp(-cfg.attachment_weight * 0.5))
    assert q[3] == 1.0  # capped
    assert dropout_chance(p, e, a, np.zeros(4, bool), 0.5, cfg)[0] == pytest.approx(
        0.5 * math.exp(-cfg.network_weight * 0.5)
    )


# --------------------------------------------------------------------------- the open market
def test_the_market_grows_at_its_net_rate_and_households_move_away():
    """Growth 10% a year, 5% leave a year, 3 years: N0 = n / (1 + (g + x)(e^{gT} - 1)/g)
    with daily g = ln 1.1 / 365, x = -ln 0.95 / 365; the present count grows ~10%/yr."""
    n, days = 60_000, 1095
    share = initial_share(0.10, 0.05, days)
    g, x = math.log(1.1) / 365, -math.log(0.95) / 365
    assert share == pytest.approx(1 / (1 + (g + x) * math.expm1(g * days) / g))
    entry, exit_day = draw_stays(n, days, 0.10, 0.05, np.random.default_rng(3))
    assert (entry == 0).sum() == round(n * share)
    present = lambda d: int(((entry <= d) & (exit_day > d)).sum())  # noqa: E731
    assert present(730) / present(365) == pytest.approx(1.10, abs=0.01)
    stayed = exit_day[entry == 0] >= 365
    assert stayed.mean() == pytest.approx(0.95, abs=0.01)


def test_newcomers_arrive_unaware_and_leavers_stop_buying():
    r = sim.run(
        "subsidy_group_buying",
        seed=4,
        overrides={**TINY, "days": 300, "market.growth": 0.5, "market.exit_rate": 0.3},
        counterfactual=False,
    )
    d, pop = r.daily, r.model.pop
    assert d["entrants"].sum() > 0 and d["leavers"].sum() > 0
    assert (d["households"].diff().dropna() == (d["entrants"] - d["leavers"]).iloc[1:]).all()
    tx = r.transactions
    left = np.flatnonzero(~pop.present & (pop.purchases > 0))
    # nobody bought after moving away: each leaver's last purchase precedes their exit
    market = r.model.mechanisms["market"]
    exits = {int(c): int(day) for day, cs in market.left_on.items() for c in cs}
    for c in left[:50]:
        assert tx.loc[tx["consumer"] == c, "day"].max() < exits[int(c)]


def test_without_an_open_market_everyone_is_there_all_along():
    r = sim.run(
        "baseline", seed=1, overrides={**TINY, "market.enabled": False}, counterfactual=False
    )
    assert (r.daily["households"] == 400).all() and r.model.pop.present.all()


# --------------------------------------------------------------------------- acquisition as a decision
def test_an_invitee_without_a_need_declines():
    m = model_of("subsidy_group_buying")
    gb = m.mechanisms["group_buying"]
    gb._today = m._start_day()
    who = np.arange(10)
    m.pop.need_rate[who[:5]] = 0.0
    p = gb._accept(who)
    assert (p[:5] == 0).all() and (p[5:] > 0).all()


def test_a_better_deal_and_a_friend_who_asks_make_invitees_join():
    m = model_of("subsidy_group_buying")
    gb = m.mechanisms["group_buying"]
    gb._today = today = m._start_day()
    who = np.arange(40)
    m.pop.need_rate[who] = 0.2
    base = gb._accept(who).mean()
    m.scenario.behaviour.invite_weight = 3.0
    assert gb._accept(who).mean() > base
    u = m.utilities(today, who)
    assert np.isfinite(u[:, GROUP]).all() and np.isfinite(u[:, OUTSIDE]).all()


def test_groups_that_fail_stop_being_chosen():
    """A community whose groups keep failing learns it: its perceived fill chance falls and
    the group option's utility with it (ln of the chance)."""
    m = model_of("subsidy_group_buying")
    gb = m.mechanisms["group_buying"]
    comm = m.pop.community
    members = np.flatnonzero(comm == 0)[:5]
    before = gb.fill_chance[0]
    for _ in range(30):  # each day closes 10% of the gap to 0: 0.9^30 = 4%
        gb._learn_fill(np.zeros(0, np.int64), members)
    assert gb.fill_chance[0] == pytest.approx(before * 0.9**30)
    assert gb.fill_chance[1] == before  # other communities saw nothing


def test_ads_reach_the_aware_too():
    """Untargeted ads: the daily budget is spent on everyone present (the aware included),
    so each present consumer is reached with probability budget / (cost x present)."""
    from sim.submodels.exposure import ad_rate

    assert ad_rate(1000, 100.0, 2.0) == pytest.approx(0.05)
    assert ad_rate(0, 100.0, 2.0) == 0.0
    r = sim.run(
        "baseline", seed=1, overrides={**TINY, "market.enabled": False}, counterfactual=False
    )
    budget = r.scenario.platform.ad_spend_per_day * 400 / 5000
    assert r.daily["ad_spend"].iloc[-1] == pytest.approx(budget)  # spent even when all know


# --------------------------------------------------------------------------- states that settle
def test_trust_converges_to_the_level_its_experiences_imply():
    trust, sat = np.array([0.1, 0.9]), np.zeros(2)
    for _ in range(400):
        update_satisfaction_trust(sat, trust, np.array([0, 1]), np.array([0.4, 0.4]), 0.3, 0.05)
    np.testing.assert_allclose(trust, trust_level(0.4))
    np.testing.assert_allclose(sat, 0.4)


def test_reference_prices_drift_to_the_market_without_purchases():
    pop = draw_population(Population(), 3, np.zeros(3, np.int32), np.random.default_rng(0))
    pop.reference_price[:] = [0.6, 1.0, 0.95]
    pop.reference_day[:] = 10
    r = pop.reference_today(np.arange(3), 80, anchor=0.95, drift=0.01)
    np.testing.assert_allclose(r, 0.95 + (np.array([0.6, 1.0, 0.95]) - 0.95) * 0.99**70)


def test_brand_quality_settles_where_the_discount_puts_it():
    """A brand funding 20% of list (cushion 8%) settles at q0 - depth x 12%."""
    b = BrandBook(Brands(count=1, quality_spread=0.0), np.random.default_rng(0))
    q0 = b.base_quality[0]
    lp = np.full(10, b.list_price[0])
    for d in range(3000):
        b.settle(d, np.zeros(10, np.int64), lp * 0.8, lp * 0.2, lp)
    assert b.quality[0] == pytest.approx(q0 - 4.0 * 0.12, abs=1e-3)


def test_leaders_outside_wage_scales_with_their_community():
    lb = LeaderBook(np.array([3, 7]), 0.08, np.array([50, 200]))
    np.testing.assert_allclose(lb.wage, [4.0, 16.0])


# --------------------------------------------------------------------------- incentives with intensity
def test_referral_effort_rises_with_the_reward_concavely_and_stops_at_zero():
    m = model_of("symbiotic_partner")
    pt = m.mechanisms["partner"]
    pt.year_value = 500.0
    efforts = []
    for share, bonus in ((0.0, 0.0), (0.01, 5.0), (0.05, 5.0), (0.2, 5.0)):
        pt.cfg.share, pt.cfg.referral_bonus = share, bonus
        efforts.append(pt.referral_effort())
    assert efforts[0] == 0.0
    assert efforts[1] < efforts[2] < efforts[3] < pt.cfg.referral_rate
    gains = np.diff(efforts[1:]) / np.diff([0.01 * 500 + 5, 0.05 * 500 + 5, 0.2 * 500 + 5])
    assert gains[1] < gains[0]  # concave


def test_a_partner_below_the_activity_threshold_lapses_on_the_anniversary():
    m = model_of("symbiotic_partner", **{"days": 800})
    pt, pop = m.mechanisms["partner"], m.pop
    who = np.arange(20)
    pop.partner[who] = True
    pop.alive[who] = pop.present[who] = True  # still customers, still in the market
    pop.partner_day[who] = 0
    pt._joined[0] = who
    pt.n_partners = 20
    pop.last_purchase[who[:10]] = 300  # inactive for 65 days on day 365: renews (< 180)
    pop.last_purchase[who[10:]] = 100  # inactive 265 days: lapses
    pop.reward_balance[who[:10]] = 1e6  # earned a lot: essentially never lapses by choice
    m.day = 365
    today = m._start_day()
    pt._anniversaries(today)
    assert pop.partner[who[:10]].all() and not pop.partner[who[10:]].any()
    table = pt.tables()["partner_renewals"]
    assert len(table) == 20 and table["renewed"].sum() == 10


def test_rewards_bind_more_the_bigger_they_are_but_saturate():
    gains = []
    for amount in (1.0, 5.0, 50.0, 500.0):
        a = np.zeros(1)
        update_attachment(
            a,
            np.zeros(0, np.int64),
            np.zeros(0),
            np.array([0]),
            np.array([amount]),
            decay=0.0,
            gain_relational=0.1,
            gain_reward=0.05,
            reward_scale=5.0,
        )
        gains.append(a[0])
    assert gains[0] < gains[1] < gains[2] < gains[3] <= 0.05
    assert gains[3] - gains[2] < gains[1] - gains[0]


# --------------------------------------------------------------------------- referral match quality
def test_weighted_neighbour_picks_in_proportion_to_weight():
    from sim.sampling import CompleteNeighbourhood, Neighbourhood

    # a star: node 0's neighbours 1, 2, 3 with weights 1, 3, 0; node 3 ineligible anyway
    nb = Neighbourhood(np.array([0, 3, 4, 5, 6]), np.array([1, 2, 3, 0, 0, 0]))
    w = np.array([5.0, 1.0, 3.0, 0.0])
    eligible = np.array([True, True, True, True])
    rng = np.random.default_rng(1)
    pick = nb.weighted_neighbour(np.zeros(40_000, np.int64), eligible, w, rng)
    share = np.bincount(pick, minlength=4) / len(pick)
    np.testing.assert_allclose(share, [0.0, 0.25, 0.75, 0.0], atol=0.01)
    assert (nb.weighted_neighbour(np.array([1]), ~eligible, w, rng) == -1).all()
    full = CompleteNeighbourhood(4)
    pick = full.weighted_neighbour(np.full(40_000, 2), eligible, w, rng)
    share = np.bincount(pick, minlength=4) / len(pick)
    np.testing.assert_allclose(share, [5 / 6, 1 / 6, 0.0, 0.0], atol=0.01)  # never itself
    only_self = np.array([False, False, True, False])
    assert (full.weighted_neighbour(np.array([2]), only_self, w, rng) == -1).all()


@pytest.mark.parametrize("targeting", ["matched", "random"])
def test_partners_do_not_refer_friends_who_bought_elsewhere(targeting):
    m = model_of(
        "symbiotic_partner",
        **{
            "policy.partner.start_day": 0,
            "policy.partner.referral_rate": 1.0,
            "policy.partner.effort_half_reward": 0.0,  # refer at the full rate
            "policy.partner.referral_targeting": targeting,
        },
    )
    pop = m.pop
    partners = np.arange(0, m.n, 2)
    pop.partner[partners] = True
    pop.purchases[partners] = 1
    pop.acq_day[partners] = 0
    pop.last_purchase[partners] = 0
    pop.aware[:] = True
    pop.declined[:] = pop.purchases == 0  # every non-customer bought elsewhere
    m.resync()
    m.day = 1
    today = m._start_day()
    m._exposure(today)
    made = today.row["referrals_made"]
    assert made == 0 if targeting == "matched" else made > 0


def test_a_consumer_who_chooses_elsewhere_before_buying_is_marked_declined():
    m = model_of("symbiotic_partner", **{"population.initial_aware": 1.0})
    m.run(30)
    pop = m.pop
    assert pop.declined.any()
    assert pop.aware[pop.declined].all()  # only the aware decide
    assert not (pop.declined & (pop.acq_day == 0)).any()  # a day-0 buyer had not declined
