"""Exposure: how unaware consumers learn of the platform, and how partners pick friends.

Awareness hazard of an unaware consumer i on a day (all rates per day):

    h_i = p_ad + s_i * (q * A_i / d_i + c * P_i) + sum of mechanism terms (e.g. b * e_L(i))

* p_ad: paid ads, untargeted. With a budget B and cost per reach c_r they reach
  min(1, B / (c_r * N)) of the N consumers present, aware or not (the budget is spent
  whoever it reaches; reaching the aware is waste); or a fixed rate
  (``platform.ad_awareness_rate``, the Bass p) at no cost.
* q * A_i / d_i: word of mouth, q times the share of i's neighbours who are active
  customers (A_i of degree d_i). On the complete graph this is the Bass q * F(t).
* c * P_i: content (种草), c per positive post by a neighbour yesterday.
* mechanism terms: e.g. the broadcast of i's community leader, b times the leader's effort.
* s_i: social susceptibility.

i becomes aware with probability 1 - exp(-h_i); the channel is drawn in
proportion to the terms of h_i, so acquisition channels are attributed exactly.
These functions only draw and return; the population records who became aware
(:meth:`sim.population.Population.make_aware`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.population import Channel
from sim.sampling import Neighbourhood

_EMPTY = np.zeros(0, np.int64)


def ad_rate(present: int, budget: float, cost_per_reach: float) -> float:
    """Daily chance that the ads reach a given consumer: the budget spread over everyone
    present (untargeted), capped at 1."""
    if present == 0 or budget <= 0:
        return 0.0
    return min(1.0, budget / (cost_per_reach * present))


def draw_awareness(
    unaware: np.ndarray,
    rng: np.random.Generator,
    p_ad: float,
    wom: np.ndarray,
    content: tuple[np.ndarray, np.ndarray],
    extra: Sequence[tuple[np.ndarray, int]] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who among the ``unaware`` (ascending ids) becomes aware today, and through which channel.

    ``wom``: the word-of-mouth term for every unaware consumer; ``content``: the content term,
    sparse as (positions into ``unaware``, values); ``extra``: further terms (one value per
    unaware consumer) with the channel each one stands for. Returns (who, channel, hit mask
    over ``unaware``). Two draws: one uniform per unaware consumer, one per newly aware.
    """
    m = len(unaware)
    if m == 0:
        return _EMPTY, np.zeros(0, np.int8), np.zeros(0, bool)
    h = p_ad + wom
    c_pos, c_val = content
    if len(c_pos):
        h[c_pos] += c_val
    for term, _ in extra:
        h += term
    hit = rng.random(m) < -np.expm1(-h)
    who = unaware[hit]
    k = len(who)
    # attribute the channel in proportion to each term's share of the hazard
    n_terms = 3 + len(extra)
    terms = np.empty((k, n_terms))
    terms[:, 0] = p_ad
    terms[:, 1] = wom[hit]
    dense = np.zeros(m)
    if len(c_pos):
        dense[c_pos] = c_val
    terms[:, 2] = dense[hit]
    channels = [int(Channel.AD), int(Channel.ORGANIC), int(Channel.CONTENT)]
    for j, (term, ch) in enumerate(extra):
        terms[:, 3 + j] = term[hit]
        channels.append(int(ch))
    cum = terms.cumsum(axis=1)
    u = rng.random(k) * cum[:, -1]
    idx = (u[:, None] >= cum).sum(axis=1)
    np.minimum(idx, n_terms - 1, out=idx)
    return who, np.asarray(channels, np.int8)[idx], hit


def content_sources(
    converts: np.ndarray, posted_yesterday: np.ndarray, nb: Neighbourhood, rng: np.random.Generator
) -> np.ndarray:
    """Credit each content-made awareness to one neighbour who posted (for paid content)."""
    return nb.random_neighbour(converts, posted_yesterday, rng)


def referral_targets(
    referrers: np.ndarray,
    rate: float,
    eligible: np.ndarray,
    nb: Neighbourhood,
    rng: np.random.Generator,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each referrer, with probability ``rate``, picks one ``eligible`` neighbour (not yet a
    customer, no referrer): uniformly, or in proportion to ``weights`` (one per consumer).
    Two referrers picking the same friend: the lower-numbered wins.
    Returns (referrer, friend) pairs, friends distinct and ascending."""
    acting = referrers[rng.random(len(referrers)) < rate]
    if len(acting) == 0:
        return _EMPTY, _EMPTY
    if weights is None:
        target = nb.random_neighbour(acting, eligible, rng)
    else:
        target = nb.weighted_neighbour(acting, eligible, weights, rng)
    ok = target >= 0
    acting, target = acting[ok], target[ok]
    first = _first_of_each(target)
    return acting[first], target[first]


def _first_of_each(values: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each distinct value, in sorted-value order
    (``np.unique(values, return_index=True)[1]`` without its overhead)."""
    if len(values) < 2:
        return np.arange(len(values))
    order = values.argsort(kind="stable")
    s = values[order]
    new = np.empty(len(s), bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    return order[new]
