"""Channel and brand choice: multinomial logit via the Gumbel-max trick.

A consumer with a need compares the platform's offers (solo purchase, a 拼团
group, an order through the community leader) with an outside option
(other shops, a competitor). Utility of option j for consumer i:

    U_ij = V_i + Q_i - beta_p,i * (p_ij + lambda * max(0, p_ij - r_i)) + extras_j + eps_ij
                                                                       (platform options)
    U_i0 = u_out + m_comp * (1 - a_i) - beta_p,i * p_out + eps_i0          (outside option)

with V_i = intercept + w_T (trust - 1/2) + w_S satisfaction + w_A attachment
           + w_E [referrer still active] + win-back lift,
     Q_i = beta_q,i * (expected quality + match - reference quality),
p_ij the price as a share of list, r_i the consumer's reference price (what they
are used to paying on the platform) and lambda the extra weight of a loss: a
consumer used to subsidised prices feels the return to list price as a loss
(Kalyanaram & Winer 1995; Tversky & Kahneman 1991). eps is Gumbel(0, 1), so
choice shares are the logit shares. Attachment a_i both
raises the platform's utility and damps the pull of a competitor's offer m_comp.
"""

from __future__ import annotations

import numpy as np

from sim._fast import full
from sim.population import Option

UNAVAILABLE = -np.inf
_SOLO, _GROUP, _LEADER, _OUTSIDE = (int(o) for o in Option)
_N_OPTIONS = len(Option)


def gumbel_choice(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index of the chosen column per row: argmax of utility + Gumbel noise (logit choice)."""
    noise = rng.gumbel(size=utility.shape)
    noise += utility  # same sum as utility + noise, without a second temporary
    return noise.argmax(axis=1)


def logit_shares(utility: np.ndarray) -> np.ndarray:
    """Closed-form choice probabilities (for tests and explanations)."""
    u = utility - utility.max(axis=1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(axis=1, keepdims=True)


def option_utilities(
    *,
    base: np.ndarray,
    price_sensitivity: np.ndarray,
    prices: list[np.ndarray | float | None],
    extras: list[np.ndarray | None],
    outside: np.ndarray,
    reference_price: np.ndarray | None = None,
    loss_aversion: float = 0.0,
) -> np.ndarray:
    """Utility matrix (consumers x Option).

    ``prices[j]``: option j's price as a share of list (None: not offered); ``extras[j]``:
    the utility mechanisms add to it (None: not offered; -inf where unavailable to a
    consumer). The outside option's utility is given whole.
    """
    n = len(base)
    ref = np.ones(n) if reference_price is None else reference_price
    u = full((n, _N_OPTIONS), UNAVAILABLE)
    for j in (_SOLO, _GROUP, _LEADER):
        price, extra = prices[j], extras[j]
        if price is None or extra is None:
            continue
        felt = price_sensitivity * (price + loss_aversion * np.maximum(0.0, price - ref))
        u[:, j] = base - felt + extra
    u[:, _OUTSIDE] = outside
    return u


def choose_brand(
    quality_sensitivity: np.ndarray,
    price_sensitivity: np.ndarray,
    brand_quality: np.ndarray,
    brand_rel_price: np.ndarray,
    brand_active: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Brand per buyer: logit over active brands on quality and relative list price."""
    u = quality_sensitivity[:, None] * brand_quality[None, :] - price_sensitivity[:, None] * (
        brand_rel_price[None, :] - 1.0
    )
    if not brand_active.all():
        u[:, ~brand_active] = UNAVAILABLE
    return gumbel_choice(u, rng)
