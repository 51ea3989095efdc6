"""Fulfilment and word of mouth: experienced quality → satisfaction, trust and content.

Experience of a purchase of brand b at price P (list L_b):

    x = q_b + match_i + sigma * (1 - r/2) * z,      z ~ N(0, 1)
    e = clip(2 (x - q_ref) + 0.5 (1 - P / L_b), -1, 1)

(r: recommendation accuracy, which narrows the spread of experiences; q_ref: the
quality consumers expect.) Satisfaction is an exponential moving average of e; trust an
exponential moving average of 0.5 + 0.5 e (the trust the experience supports), so both
settle at levels set by experience. After a purchase a consumer posts content with
probability content_propensity * (0.5 + |e|): positive if e > 0, otherwise negative.
"""

from __future__ import annotations

import numpy as np

from sim._fast import clip


def experience(
    quality: np.ndarray,
    match: np.ndarray,
    noise_sd: float,
    rec_accuracy: float,
    price_share: np.ndarray,
    q_ref: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(e, e_q): the purchase's experience (quality and price) and its quality part alone,
    clip(2 (x - q_ref), -1, 1): a bargain pleases, but only the product makes a customer
    want to come back (dropout reads e_q)."""
    x = quality + match + noise_sd * (1.0 - rec_accuracy / 2.0) * rng.standard_normal(len(quality))
    gap = 2.0 * (x - q_ref)
    return clip(gap + 0.5 * (1.0 - price_share), -1.0, 1.0), clip(gap, -1.0, 1.0)


def trust_level(e: np.ndarray | float) -> np.ndarray | float:
    """The trust an experience e in [-1, 1] supports: 0 for the worst, 1 for the best."""
    return 0.5 + 0.5 * e


def update_satisfaction_trust(
    satisfaction: np.ndarray,
    trust: np.ndarray,
    who: np.ndarray,
    e: np.ndarray,
    sat_rate: float,
    trust_rate: float,
) -> None:
    """Both move toward what experience supports (exponential moving averages), so they
    settle at the level a consumer's experiences imply instead of drifting forever."""
    satisfaction[who] += sat_rate * (e - satisfaction[who])
    trust[who] += trust_rate * (trust_level(e) - trust[who])


def post_content(
    content_propensity: np.ndarray, e: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Masks (over the buyers) of positive and negative posts."""
    posts = rng.random(len(e)) < clip(content_propensity * (0.5 + np.abs(e)), 0.0, 1.0)
    return posts & (e > 0), posts & (e <= 0)
