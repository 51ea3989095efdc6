"""Exposure: how unaware consumers learn of the platform, and how partners refer friends.

Awareness hazard of an unaware consumer i on a day (all rates per day):

    h_i = p_ad + s_i * (q * A_i / d_i + c * P_i) + b * e_L(i)

* p_ad: paid ads. With a budget B and cost per reach c_r, p_ad = min(1, B / (c_r * U))
  over the U unaware consumers, and the spend is c_r per consumer actually reached;
  or a fixed rate (``platform.ad_awareness_rate``, the Bass p) at no cost.
* q * A_i / d_i: word of mouth, q times the share of i's neighbours who are active
  customers (A_i of degree d_i). On the complete graph this is the Bass q * F(t).
* c * P_i: content (种草), c per positive post by a neighbour yesterday.
* b * e_L(i): the broadcast of i's community leader, scaled by the leader's effort.
* s_i: social susceptibility.

i becomes aware with probability 1 - exp(-h_i); the channel is drawn in
proportion to the terms of h_i, so acquisition channels are attributed exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population import Channel, Population
from sim.sampling import Neighbourhood


@dataclass
class Exposure:
    newly_aware: np.ndarray
    channel: np.ndarray
    ad_reached: int
    ad_spend: float


def ad_rate(unaware: int, budget: float, cost_per_reach: float) -> float:
    """Daily hazard of ad reach among the unaware, given the day's budget."""
    if unaware == 0 or budget <= 0:
        return 0.0
    return min(1.0, budget / (cost_per_reach * unaware))


def draw_awareness(
    pop: Population,
    day: int,
    rng: np.random.Generator,
    *,
    p_ad: float,
    ad_cost_per_reach: float,
    wom_rate: float,
    active_share_of_neighbours: np.ndarray,
    content_reach: float,
    positive_posts_seen: np.ndarray,
    leader_reach: np.ndarray,
) -> Exposure:
    """Make unaware consumers aware; record the day and the channel."""
    unaware = np.flatnonzero(~pop.aware)
    if len(unaware) == 0:
        return Exposure(np.zeros(0, np.int64), np.zeros(0, np.int8), 0, 0.0)
    s = pop.social_susceptibility[unaware]
    terms = np.empty((len(unaware), 4))
    terms[:, 0] = p_ad
    terms[:, 1] = s * wom_rate * active_share_of_neighbours[unaware]
    terms[:, 2] = s * content_reach * positive_posts_seen[unaware]
    terms[:, 3] = leader_reach[unaware]
    h = terms.sum(axis=1)
    hit = rng.random(len(unaware)) < -np.expm1(-h)
    who = unaware[hit]
    # attribute the channel in proportion to each term's share of the hazard
    cum = np.cumsum(terms[hit], axis=1)
    u = rng.random(len(who)) * cum[:, -1]
    idx = (u[:, None] >= cum).sum(axis=1)
    idx = np.minimum(idx, 3)
    lookup = np.array([Channel.AD, Channel.ORGANIC, Channel.CONTENT, Channel.LEADER], np.int8)
    channel = lookup[idx]
    pop.aware[who] = True
    pop.aware_day[who] = day
    pop.aware_channel[who] = channel
    reached = int((channel == Channel.AD).sum())
    return Exposure(who, channel, reached, reached * ad_cost_per_reach if p_ad > 0 else 0.0)


def attribute_content(
    pop: Population,
    converts: np.ndarray,
    posted_yesterday: np.ndarray,
    nb: Neighbourhood,
    rng: np.random.Generator,
) -> None:
    """Credit each content-made awareness to one neighbour who posted (for paid content)."""
    if len(converts):
        pop.content_source[converts] = nb.random_neighbour(converts, posted_yesterday, rng)


def partner_referrals(
    pop: Population,
    day: int,
    rng: np.random.Generator,
    nb: Neighbourhood,
    *,
    referrers: np.ndarray,
    rate: float,
    match_bonus: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each referring partner, with probability ``rate``, refers one neighbour who is not yet
    a customer and has no referrer. The referred gain a match bonus (the referrer knows
    their needs: Schmitt, Skiera & Van den Bulte 2011) and, if unaware, become aware."""
    acting = referrers[rng.random(len(referrers)) < rate]
    if len(acting) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    eligible = (pop.purchases == 0) & (pop.referrer < 0)
    target = nb.random_neighbour(acting, eligible, rng)
    ok = target >= 0
    acting, target = acting[ok], target[ok]
    # two partners may pick the same friend: the lower-numbered partner wins
    _, first = np.unique(target, return_index=True)
    acting, target = acting[first], target[first]
    pop.referrer[target] = acting
    pop.match[target] += match_bonus
    new = ~pop.aware[target]
    t_new = target[new]
    pop.aware[t_new] = True
    pop.aware_day[t_new] = day
    pop.aware_channel[t_new] = Channel.REFERRAL
    return acting, target
