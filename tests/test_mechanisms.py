"""Unit tests of the mechanisms on tiny inputs whose result can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ledger import Entry
from sim.mechanisms.attachment import update_attachment
from sim.mechanisms.brands import BrandBook
from sim.mechanisms.choice import channel_utilities, gumbel_choice, logit_shares
from sim.mechanisms.exposure import ad_rate, draw_awareness, partner_referrals
from sim.mechanisms.fulfilment import experience
from sim.mechanisms.leaders import LeaderBook
from sim.mechanisms.rewards import partner_payouts
from sim.population import Channel, Option, draw_population
from sim.sampling import CompleteNeighbourhood, rank_within
from sim.scenario import Brands, Population
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
    u = channel_utilities(
        base=np.zeros(3),
        price_sensitivity=np.array([0.0, 5.0, 5.0]),
        solo_price=np.ones(3),
        group_price=None,
        leader_price=np.full(3, 0.9),
        group_hassle=0.3,
        leader_bonus=np.array([0.0, -np.inf, 0.0]),
        outside=np.zeros(3),
    )
    assert np.isneginf(u[:, Option.GROUP]).all()
    assert np.isneginf(u[1, Option.LEADER])
    assert u[2, Option.LEADER] - u[2, Option.SOLO] == pytest.approx(5 * 0.1)


def test_loss_aversion_penalises_prices_above_reference():
    kw = dict(
        base=np.zeros(2),
        price_sensitivity=np.full(2, 4.0),
        solo_price=np.ones(2),
        group_price=None,
        leader_price=None,
        group_hassle=0.0,
        leader_bonus=None,
        outside=np.zeros(2),
    )
    u = channel_utilities(**kw, reference_price=np.array([1.0, 0.7]), loss_aversion=1.0)
    # a consumer used to paying 70% feels 0.3 extra of loss at list price
    assert u[0, Option.SOLO] == pytest.approx(-4.0)
    assert u[1, Option.SOLO] == pytest.approx(-4.0 - 4.0 * 0.3)


# --- exposure ----------------------------------------------------------------------
def test_ad_rate_spends_budget_on_the_unaware():
    assert ad_rate(1000, 100.0, 2.0) == pytest.approx(0.05)
    assert ad_rate(10, 100.0, 2.0) == 1.0
    assert ad_rate(0, 100.0, 2.0) == 0.0


def test_awareness_channels_follow_hazard_terms():
    n = 50_000
    pop = pop_of(n)
    pop.social_susceptibility[:] = 1.0
    rng = np.random.default_rng(1)
    e = draw_awareness(
        pop,
        0,
        rng,
        p_ad=0.01,
        ad_cost_per_reach=2.0,
        wom_rate=0.03,
        active_share_of_neighbours=np.ones(n),
        content_reach=0.0,
        positive_posts_seen=np.zeros(n),
        leader_reach=np.zeros(n),
    )
    h = 0.04
    assert len(e.newly_aware) / n == pytest.approx(1 - np.exp(-h), rel=0.05)
    share_ad = (e.channel == Channel.AD).mean()
    assert share_ad == pytest.approx(0.25, abs=0.03)
    assert e.ad_spend == pytest.approx(2.0 * e.ad_reached)
    assert pop.aware[e.newly_aware].all() and (pop.aware_day[e.newly_aware] == 0).all()


def test_referral_targets_a_non_customer_neighbour(star4):
    pop = pop_of(5)
    pop.purchases[[1, 2]] = 1  # 1 and 2 already customers: 0 can only refer 3
    rng = np.random.default_rng(2)
    acting, target = partner_referrals(
        pop, 7, rng, star4.neighbourhood(), referrers=np.array([0]), rate=1.0, match_bonus=0.1
    )
    assert acting.tolist() == [0] and target.tolist() == [3]
    assert pop.referrer[3] == 0 and pop.match[3] == pytest.approx(0.1)
    assert pop.aware[3] and pop.aware_channel[3] == Channel.REFERRAL


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
def test_experience_rewards_quality_and_discounts():
    rng = np.random.default_rng(0)
    e_hi = experience(np.full(10, 0.9), np.zeros(10), 0.0, 0.0, np.ones(10), 0.6, rng)
    e_lo = experience(np.full(10, 0.3), np.zeros(10), 0.0, 0.0, np.ones(10), 0.6, rng)
    e_disc = experience(np.full(10, 0.6), np.zeros(10), 0.0, 0.0, np.full(10, 0.6), 0.6, rng)
    assert (e_hi == pytest.approx(0.6)) and (e_lo == pytest.approx(-0.6))
    assert e_disc == pytest.approx(0.2)


def test_attachment_rises_with_relational_acts_not_with_nothing():
    a = np.array([0.5, 0.5, 0.5])
    update_attachment(
        a,
        np.array([1.0, 0.0, 0.0]),
        np.array([False, True, False]),
        decay=0.1,
        gain_relational=0.2,
        gain_reward=0.05,
    )
    np.testing.assert_allclose(a, [0.65, 0.5, 0.45])


# --- brands, leaders -------------------------------------------------------------------
def test_brand_erodes_quality_under_deep_brand_funded_discount_and_cocreation_raises_it():
    b = BrandBook(
        Brands(count=2, quality_spread=0.0, erosion_rate=0.01, margin_cushion=0.1),
        np.random.default_rng(0),
    )
    q0 = b.quality.copy()
    brand = np.array([0, 0, 1, 1])
    lp = b.list_price[brand]
    b.settle(
        0,
        brand,
        lp * 0.8,
        lp * np.array([0.2, 0.2, 0.05, 0.05]),
        lp,
        np.array([0, 0, 1, 1.0]),
        0.001,
    )
    assert b.quality[0] == pytest.approx(q0[0] - 0.01)
    assert b.quality[1] == pytest.approx(q0[1] + 0.001 * 100)


def test_brand_exits_after_sustained_losses_but_last_one_stays():
    b = BrandBook(Brands(count=2, exit_patience=5), np.random.default_rng(0))
    for d in range(40):
        b.settle(d, np.array([0, 1]), np.zeros(2), np.zeros(2), np.ones(2), np.zeros(2), 0.0)
    assert b.active.sum() == 1


def test_leader_effort_follows_income_and_low_income_leaders_quit():
    lb = LeaderBook(np.array([10, 20]), wage=10.0)
    for d in range(120):
        lb.pay(np.array([0]), np.array([20.0]))
        lb.end_of_day(d, wage=10.0, patience=30)
    assert lb.active.tolist() == [True, False]
    assert lb.effort[0] == pytest.approx(1.0) and lb.effort[1] == 0.0
    assert lb.income_total[0] == pytest.approx(2400.0)


def test_leader_exodus_share():
    lb = LeaderBook(np.arange(10_000), wage=10.0)
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
