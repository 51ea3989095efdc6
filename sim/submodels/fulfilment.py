"""Fulfilment and word of mouth: experienced quality → satisfaction, trust and content.

Experience of a purchase of brand b at price P (list L_b):

    x = q_b + match_i + sigma * (1 - r/2) * z,      z ~ N(0, 1)
    e = clip(2 (x - q_ref) + 0.5 (1 - P / L_b), -1, 1)

(r: recommendation accuracy, which narrows the spread of experiences; q_ref: the
quality consumers expect.) Satisfaction is an exponential moving average of e,
trust moves by ``trust_rate`` * e. After a purchase a consumer posts content with
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
) -> np.ndarray:
    x = quality + match + noise_sd * (1.0 - rec_accuracy / 2.0) * rng.standard_normal(len(quality))
    return clip(2.0 * (x - q_ref) + 0.5 * (1.0 - price_share), -1.0, 1.0)


def update_satisfaction_trust(
    satisfaction: np.ndarray,
    trust: np.ndarray,
    who: np.ndarray,
    e: np.ndarray,
    sat_rate: float,
    trust_rate: float,
) -> None:
    satisfaction[who] += sat_rate * (e - satisfaction[who])
    trust[who] = clip(trust[who] + trust_rate * e, 0.0, 1.0)


def post_content(
    content_propensity: np.ndarray, e: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Masks (over the buyers) of positive and negative posts."""
    posts = rng.random(len(e)) < clip(content_propensity * (0.5 + np.abs(e)), 0.0, 1.0)
    return posts & (e > 0), posts & (e <= 0)
