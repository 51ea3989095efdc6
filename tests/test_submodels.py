"""Unit tests of the submodels on tiny inputs whose result can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.brands import BrandBook
from sim.leaders import LeaderBook
from sim.ledger import Entry
from sim.population import Channel, Option, draw_population
from sim.sampling import CompleteNeighbourhood, rank_within
from sim.scenario import Brands, Population
from sim.submodels.attachment import update_attachment
from sim.submodels.choice import gumbel_choice, logit_shares, option_utilities
from sim.submodels.exposure import ad_rate, draw_awareness, referral_targets
from sim.submodels.fulfilment import experience
from sim.submodels.rewards import partner_payouts
from tests.conftest import graph_from_edges


def pop_of(n: int, seed: int = 0):
    return draw_population(
        Population(initial_aware=0.0), n, np.zeros(n, np.int32), np.random.default_rng(seed)
    )


# --- choice ------------------------------------------------------------------------
def test_gumbel_choice_reproduces_logit_shares():
    u = np.tile(np.array([[0.0, 1.0, -1.0, 0.5]]), (200_000, 1))
    picks = gumbel_choice(u, np.random.default_rng(0))
    freq = np.bincount(picks, minlength=4) / len(picks)
    np.testing.assert_allclose(freq, logit_shares(u[:1])[0], atol=0.005)


def test_unavailable_options_are_never_chosen_and_discount_helps():
    u = option_utilities(
        base=np.zeros(3),
        price_sensitivity=np.array([0.0, 5.0, 5.0]),
        prices=[np.ones(3), None, np.full(3, 0.9), None],
        extras=[np.zeros(3), None, np.array([0.0, -np.inf, 0.0]), None],
        outside=np.zeros(3),
    )
    assert np.isneginf(u[:, Option.GROUP]).all()
    assert np.isneginf(u[1, Option.LEADER])
    assert u[2, Option.LEADER] - u[2, Option.SOLO] == pytest.approx(5 * 0.1)
    assert (u[:, Option.OUTSIDE] == 0).all()


def test_loss_aversion_penalises_prices_above_reference():
    kw = dict(
        base=np.zeros(2),
        price_sensitivity=np.full(2, 4.0),
        prices=[np.ones(2), None, None, None],
        extras=[np.zeros(2), None, None, None],
        outside=np.zeros(2),
    )
    u = option_utilities(**kw, reference_price=np.array([1.0, 0.7]), loss_aversion=1.0)
    # a consumer used to paying 70% feels 0.3 extra of loss at list price
    assert u[0, Option.SOLO] == pytest.approx(-4.0)
    assert u[1, Option.SOLO] == pytest.approx(-4.0 - 4.0 * 0.3)


# --- exposure ----------------------------------------------------------------------
def test_ad_rate_spends_budget_on_the_unaware():
    assert ad_rate(1000, 100.0, 2.0) == pytest.approx(0.05)
    assert ad_rate(10, 100.0, 2.0) == 1.0
    assert ad_rate(0, 100.0, 2.0) == 0.0


def test_awareness_channels_follow_hazard_terms():
    """Hazard 0.01 (ads) + 0.03 (word of mouth) + 0.02 (a leader term): P(aware) = 1 -
    exp(-0.06); channels in proportion 1 : 3 : 2."""
    n = 60_000
    unaware = np.arange(n)
    rng = np.random.default_rng(1)
    no_content = (np.zeros(0, np.int64), np.zeros(0))
    leader = (np.full(n, 0.02), int(Channel.LEADER))
    who, channel, hit = draw_awareness(unaware, rng, 0.01, np.full(n, 0.03), no_content, [leader])
    assert len(who) / n == pytest.approx(1 - np.exp(-0.06), rel=0.04)
    assert (unaware[hit] == who).all()
    shares = [(channel == c).mean() for c in (Channel.AD, Channel.ORGANIC, Channel.LEADER)]
    np.testing.assert_allclose(shares, [1 / 6, 3 / 6, 2 / 6], atol=0.03)


def test_awareness_content_term_is_sparse_and_attributed():
    """Only consumers 2 and 5 saw a post (hazard 50: certain); nobody else can become aware."""
    unaware = np.arange(8)
    content = (np.array([2, 5]), np.array([50.0, 50.0]))
    who, channel, _ = draw_awareness(unaware, np.random.default_rng(0), 0.0, np.zeros(8), content)
    assert who.tolist() == [2, 5] and (channel == Channel.CONTENT).all()


def test_referral_targets_a_non_customer_neighbour(star4):
    eligible = np.array([False, False, False, True, False])  # only 3 is not yet a customer
    acting, friend = referral_targets(
        np.array([0]), 1.0, eligible, star4.neighbourhood(), np.random.default_rng(2)
    )
    assert acting.tolist() == [0] and friend.tolist() == [3]
    nobody = referral_targets(
        np.array([0]), 0.0, eligible, star4.neighbourhood(), np.random.default_rng(2)
    )
    assert len(nobody[0]) == 0


def test_referral_contested_friend_goes_to_lower_numbered_partner():
    """0 and 2 both can only refer 1: the friend is taken once, by partner 0."""
    g = graph_from_edges(3, [(0, 1), (1, 2)])
    eligible = np.array([False, True, False])
    acting, friend = referral_targets(
        np.array([0, 2]), 1.0, eligible, g.neighbourhood(), np.random.default_rng(0)
    )
    assert acting.tolist() == [0] and friend.tolist() == [1]


def test_referral_credit_lands_on_referrers_ledger_account():
    pop = pop_of(5)
    pop.partner[0] = True
    pop.referrer[3] = 0
    buyers = np.array([3, 4])
    p = partner_payouts(
        buyers=buyers,
        paid=np.array([40.0, 50.0]),
        first_purchase=np.array([True, True]),
        referrer=pop.referrer,
        partner=pop.partner,
        acquired_by_content=np.zeros(2, bool),
        content_source=pop.content_source,
        reviewers=np.zeros(0, np.int64),
        gmv=90.0,
        share=0.05,
        referral_bonus=5.0,
        content_reward=2.0,
        pool_share=0.01,
    )
    acc, kind, amount, ref = p.columns()
    paid = {Entry(k).name: (a, x, r) for a, k, x, r in zip(acc, kind, amount, ref, strict=True)}
    assert paid["PAYOUT_REFERRAL_BONUS"] == (0, 5.0, 3)
    assert paid["PAYOUT_PARTNER_SHARE"][0] == 0
    assert paid["PAYOUT_PARTNER_SHARE"][1] == pytest.approx(2.0)
    assert paid["REFERRAL"][0] == 0
    # the pool (1% of 90) goes to the only contributor
    assert paid["PAYOUT_POOL"][0] == 0 and paid["PAYOUT_POOL"][1] == pytest.approx(0.9)
    # non-partners earn nothing
    pop.partner[0] = False
    p2 = partner_payouts(
        buyers=buyers,
        paid=np.array([40.0, 50.0]),
        first_purchase=np.array([True, True]),
        referrer=pop.referrer,
        partner=pop.partner,
        acquired_by_content=np.zeros(2, bool),
        content_source=pop.content_source,
        reviewers=np.zeros(0, np.int64),
        gmv=90.0,
        share=0.05,
        referral_bonus=5.0,
        content_reward=2.0,
        pool_share=0.01,
    )
    assert len(p2.columns()[0]) == 0


def test_content_conversion_pays_the_poster():
    pop = pop_of(4)
    pop.partner[2] = True
    pop.content_source[1] = 2
    p = partner_payouts(
        buyers=np.array([1]),
        paid=np.array([50.0]),
        first_purchase=np.array([True]),
        referrer=pop.referrer,
        partner=pop.partner,
        acquired_by_content=np.array([True]),
        content_source=pop.content_source,
        reviewers=np.zeros(0, np.int64),
        gmv=50.0,
        share=0.05,
        referral_bonus=5.0,
        content_reward=2.0,
        pool_share=0.0,
    )
    acc, kind, amount, _ = p.columns()
    assert list(zip(acc.tolist(), kind.tolist(), amount.tolist(), strict=True)) == [
        (2, Entry.CONTENT_CONVERSION, 0.0),
        (2, Entry.PAYOUT_CONTENT, 2.0),
    ]


# --- sampling ------------------------------------------------------------------------
def test_random_neighbour_only_picks_eligible_neighbours(star4):
    rng = np.random.default_rng(3)
    eligible = np.array([False, False, True, True, True])
    picks = [
        star4.neighbourhood().random_neighbour(np.array([0, 1, 4]), eligible, rng)
        for _ in range(200)
    ]
    picks = np.array(picks)
    assert set(picks[:, 0]) == {2, 3}
    assert (picks[:, 1] == -1).all()  # 1's only neighbour (0) is not eligible
    assert (picks[:, 2] == 3).all()


def test_rank_within_groups():
    r = rank_within(np.array([5, 5, 7, 5, 7]), np.random.default_rng(0))
    assert sorted(r[[0, 1, 3]].tolist()) == [0, 1, 2] and sorted(r[[2, 4]].tolist()) == [0, 1]


# --- fulfilment, attachment ----------------------------------------------------------------
def test_experience_rewards_quality_and_discounts_but_only_quality_keeps_customers():
    rng = np.random.default_rng(0)
    e_hi, q_hi = experience(np.full(10, 0.9), np.zeros(10), 0.0, 0.0, np.ones(10), 0.6, rng)
    e_lo, _ = experience(np.full(10, 0.3), np.zeros(10), 0.0, 0.0, np.ones(10), 0.6, rng)
    e_disc, q_disc = experience(
        np.full(10, 0.6), np.zeros(10), 0.0, 0.0, np.full(10, 0.6), 0.6, rng
    )
    assert (e_hi == pytest.approx(0.6)) and (e_lo == pytest.approx(-0.6))
    assert e_disc == pytest.approx(0.2)  # a 40% discount pleases ...
    assert q_disc == pytest.approx(0.0) and q_hi == pytest.approx(
        0.6
    )  # ... the product is the same


def test_attachment_rises_with_relational_acts_not_with_nothing():
    """Decay 10%: 0.5 -> 0.45; consumer 0 made two acts (+0.2 each, one of weight 2 counts
    twice: 0.45 + 0.2 * 3 = 1.05 -> clipped to 1); consumer 1 was rewarded (+0.05);
    consumer 2 did nothing (0.45)."""
    a = np.array([0.5, 0.5, 0.5])
    update_attachment(
        a,
        np.array([0, 0]),
        np.array([1.0, 2.0]),
        np.array([1]),
        decay=0.1,
        gain_relational=0.2,
        gain_reward=0.05,
    )
    np.testing.assert_allclose(a, [1.0, 0.5, 0.45])


def test_attachment_reward_counts_once_and_acts_add_up():
    a = np.zeros(4)
    update_attachment(
        a,
        np.array([3, 2, 3]),
        np.array([1.0, 1.0, 1.0]),
        np.array([2]),
        decay=0.0,
        gain_relational=0.1,
        gain_reward=0.05,
    )
    np.testing.assert_allclose(a, [0.0, 0.0, 0.15, 0.2])


# --- brands, leaders -------------------------------------------------------------------
def test_brand_quality_settles_at_the_equilibrium_its_discount_and_feedback_set():
    """Brand 0 funds 20% of list price in discounts (10 points over its 10% cushion): its
    quality settles at q0 - depth x 0.1 and stays there (a floor, not a drift without end).
    Brand 1 funds 5% (within the cushion) and gets a feedback uplift of 0.1: q0 + 0.1."""
    cfg = Brands(count=2, quality_spread=0.0, erosion_depth=0.5, margin_cushion=0.1)
    b = BrandBook(cfg, np.random.default_rng(0))
    q0 = b.quality.copy()
    brand = np.array([0, 0, 1, 1])
    gain = np.array([0.0, 0.1])  # brand 1's feedback gain (co-creation computes it)

    def days(k: int) -> None:
        for d in range(k):
            lp = b.list_price[brand]
            b.settle(d, brand, lp * 0.8, lp * np.array([0.2, 0.2, 0.05, 0.05]), lp, gain)

    days(1)  # the 30-day funding average is still under the cushion: no pressure yet
    assert b.quality[0] == q0[0] and q0[1] < b.quality[1] < q0[1] + 0.1
    days(1500)
    np.testing.assert_allclose(b.quality, [q0[0] - 0.5 * 0.1, q0[1] + 0.1], atol=1e-4)
    settled = b.quality.copy()
    days(500)
    np.testing.assert_allclose(b.quality, settled, atol=1e-9)


def test_brand_exits_after_sustained_losses_but_last_one_stays():
    b = BrandBook(Brands(count=2, exit_patience=5), np.random.default_rng(0))
    for d in range(40):
        b.settle(d, np.array([0, 1]), np.zeros(2), np.zeros(2), np.ones(2))
    assert b.active.sum() == 1


def test_leader_effort_follows_income_and_low_income_leaders_quit():
    lb = LeaderBook(np.array([10, 20]), wage_per_household=0.5, sizes=np.array([20, 20]))
    for d in range(120):
        lb.pay(np.array([0]), np.array([20.0]))
        lb.end_of_day(d, patience=30)
    assert lb.active.tolist() == [True, False]
    assert lb.effort[0] == pytest.approx(1.0) and lb.effort[1] == 0.0
    assert lb.income_total[0] == pytest.approx(2400.0)


def test_leaders_are_recruited_once_get_a_fresh_grace_period_and_never_return():
    lb = LeaderBook(np.array([10, 20, 30]), wage_per_household=0.5, sizes=np.full(3, 20))
    lb.unrecruit()
    assert not lb.active.any() and lb.waiting().all()
    lb.recruit(100, np.array([True, False, False]))
    assert lb.active.tolist() == [True, False, False] and lb.recruit_day[0] == 100
    for d in range(100, 130):  # no income, but within the recruit's grace period
        lb.end_of_day(d, patience=1)
    assert lb.active[0]
    lb.end_of_day(130, patience=1)
    assert not lb.active[0] and lb.quit_day[0] == 130
    lb.recruit(131, np.array([True, True, False]))  # the one who quit is not signed up again
    assert lb.active.tolist() == [False, True, False]


def test_a_community_gets_its_leader_when_enough_neighbours_use_the_platform():
    """recruit_at 0.4: no leader on a graph where nobody has bought; all of them once half
    of every community are customers (the platform opens pick-up points where they order)."""
    base = {
        "population.consumers": 400,
        "days": 40,
        "network.community_size": 100,
        "population.initial_aware": 0.0,
        "platform.ad_spend_per_day": 0.0,
        "policy.leaders.recruit_at": 0.4,
    }
    import sim
    from sim.model import SocialCommerceModel

    m = SocialCommerceModel(sim.load_scenario("subsidy_group_buying").with_overrides(base), 0)
    m.step()
    assert m.leaders.active.sum() == 0
    m.pop.purchases[::2] = 1  # half of every community becomes a customer
    m.pop.last_purchase[::2] = 0
    m.resync()  # the arrays were written directly
    m.step()
    assert m.leaders.active.all()


def test_leader_exodus_share():
    lb = LeaderBook(np.arange(10_000), wage_per_household=0.1, sizes=np.full(10_000, 100))
    lb.exodus(3, 0.5, np.random.default_rng(0))
    assert lb.active.mean() == pytest.approx(0.5, abs=0.02)
    assert (lb.quit_day[~lb.active] == 3).all()


def test_graph_helper_builds_what_it_says():
    g = graph_from_edges(3, [(0, 1), (1, 2)])
    assert g.neighbours(1).tolist() == [0, 2]


def test_complete_neighbourhood_matches_explicit_complete_graph():
    n = 7
    g = graph_from_edges(n, [(i, j) for i in range(n) for j in range(i + 1, n)])
    implicit, explicit = CompleteNeighbourhood(n), g.neighbourhood()
    x = np.arange(n, dtype=float) ** 2
    np.testing.assert_allclose(implicit.sum(x), explicit.sum(x))
    np.testing.assert_allclose(implicit.degree, explicit.degree)
    rng = np.random.default_rng(0)
    eligible = np.array([True, False, True, True, False, False, True])
    picks = np.array([implicit.random_neighbour(np.arange(n), eligible, rng) for _ in range(400)])
    for i in range(n):
        allowed = set(np.flatnonzero(eligible)) - {i}
        assert set(picks[:, i]) == allowed
    owner, nbr = implicit.expand(np.array([2, 5]))
    assert sorted(nbr[owner == 0].tolist()) == [0, 1, 3, 4, 5, 6]
