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
    wom = s * wom_rate * active_share_of_neighbours[unaware]
    content = s * content_reach * positive_posts_seen[unaware]
    return draw_awareness_among(
        pop, unaware, day, rng, p_ad, ad_cost_per_reach, wom, content, leader_reach[unaware]
    )[0]


_REFERRAL = int(Channel.REFERRAL)
_AD = int(Channel.AD)
_CHANNEL_OF_TERM = np.array([Channel.AD, Channel.ORGANIC, Channel.CONTENT, Channel.LEADER], np.int8)


def draw_awareness_among(
    pop: Population,
    unaware: np.ndarray,
    day: int,
    rng: np.random.Generator,
    p_ad: float,
    ad_cost_per_reach: float,
    wom: np.ndarray,
    content: np.ndarray | tuple[np.ndarray, np.ndarray],
    leader: np.ndarray,
) -> tuple[Exposure, np.ndarray]:
    """:func:`draw_awareness` on the given ``unaware`` consumers (ascending ids) with the hazard
    terms already evaluated for them. ``content`` may be sparse: (positions, values), zero
    elsewhere. Returns the exposure and the hit mask over ``unaware``.

    The hazard is summed in the order ((p_ad + wom) + content) + leader, as the row sum of
    the four terms always was, so results are bit-identical to the dense form.
    """
    m = len(unaware)
    if m == 0:
        return Exposure(np.zeros(0, np.int64), np.zeros(0, np.int8), 0, 0.0), np.zeros(0, bool)
    h = p_ad + wom
    if isinstance(content, tuple):
        c_pos, c_val = content
        if len(c_pos):
            h[c_pos] += c_val
    else:
        h += content
    h += leader
    hit = rng.random(m) < -np.expm1(-h)
    who = unaware[hit]
    k = len(who)
    # attribute the channel in proportion to each term's share of the hazard
    terms = np.empty((k, 4))
    terms[:, 0] = p_ad
    terms[:, 1] = wom[hit]
    if isinstance(content, tuple):
        dense = np.zeros(m)
        if len(c_pos):
            dense[c_pos] = c_val
        terms[:, 2] = dense[hit]
    else:
        terms[:, 2] = content[hit]
    terms[:, 3] = leader[hit]
    cum = np.cumsum(terms, axis=1)
    u = rng.random(k) * cum[:, -1]
    idx = (u[:, None] >= cum).sum(axis=1)
    np.minimum(idx, 3, out=idx)
    channel = _CHANNEL_OF_TERM[idx]
    pop.aware[who] = True
    pop.aware_day[who] = day
    pop.aware_channel[who] = channel
    reached = int(np.count_nonzero(channel == _AD))
    spend = reached * ad_cost_per_reach if p_ad > 0 else 0.0
    return Exposure(who, channel, reached, spend), hit


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
    eligible: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each referring partner, with probability ``rate``, refers one neighbour who is not yet
    a customer and has no referrer. The referred gain a match bonus (the referrer knows
    their needs: Schmitt, Skiera & Van den Bulte 2011) and, if unaware, become aware.

    ``eligible`` (optional) is the caller's up-to-date mask of (purchases == 0) & (referrer < 0),
    to save two passes over the population."""
    acting = referrers[rng.random(len(referrers)) < rate]
    if len(acting) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if eligible is None:
        eligible = (pop.purchases == 0) & (pop.referrer < 0)
    target = nb.random_neighbour(acting, eligible, rng)
    ok = target >= 0
    acting, target = acting[ok], target[ok]
    # two partners may pick the same friend: the lower-numbered partner wins
    first = _first_of_each(target)
    acting, target = acting[first], target[first]
    pop.referrer[target] = acting
    pop.match[target] += match_bonus
    new = ~pop.aware[target]
    t_new = target[new]
    pop.aware[t_new] = True
    pop.aware_day[t_new] = day
    pop.aware_channel[t_new] = _REFERRAL
    return acting, target


def _first_of_each(values: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each distinct value, in sorted-value order
    (``np.unique(values, return_index=True)[1]`` without its overhead)."""
    if len(values) < 2:
        return np.arange(len(values))
    order = np.argsort(values, kind="stable")
    s = values[order]
    new = np.empty(len(s), bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    return order[new]
