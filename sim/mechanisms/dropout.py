"""Buy-till-you-die: after each purchase a customer may stop considering the platform.

The customer-base models analysts fit (BG/NBD, Pareto/NBD) see a customer as buying at their
own rate while "alive" and dropping out for good, unobserved, at some point. Here, after
each purchase consumer i drops out with probability

    q_i = p_i x exp(-w_e e - w_a a_i - w_r [i's referrer is active] - w_n R)  (capped at 1)

with p_i their trait (a beta draw per segment: price hunters, whom deep discounts recruit,
try once more often), e the purchase's experience of the product (quality against
expectation: a bargain does not make a customer come back), a_i their attachment, the social
embedding of a referred customer (Van den Bulte et al. 2018) and the platform's reach R
(the share of households in the market who use it): a platform everyone uses becomes a
habit and is harder to leave, so the first customers of a young platform try once more
often than those who join it when it is everywhere. A dropped-out
consumer draws no more needs on the platform. They come back only through an explicit
channel: active friends (each day with probability 1 - exp(-``social_revival`` x s_i x
(U_i / d_i)^k), U_i / d_i the share of their neighbours who use the platform, s_i their
social susceptibility and k ``revival_exponent``: coming back takes several friends who use
the platform — complex contagion, Centola & Macy 2007 — so it is rare while the platform is
small and common once it is everywhere; and not in the first ``revival_delay`` days after
dropping out: a consumer who has just turned away is not talked back at once), a win-back
message (with probability ``winback_revival``), or an accepted group
invitation from a friend (:mod:`sim.mechanisms.group_buying`).
"""

from __future__ import annotations

import numpy as np

from sim.columns import column
from sim.day import Awareness, Sale, Today
from sim.mechanisms.base import Mechanism, register

for _c in (
    ("dropouts", "count", "Customers who dropped out after today's purchase."),
    ("revivals", "count", "Dropped-out customers who came back today."),
    ("dropped_out", "count", "Customers who have dropped out (and not come back)."),
):
    column(*_c)


def dropout_chance(
    p: np.ndarray,
    experience: np.ndarray,
    attachment: np.ndarray,
    embedded: np.ndarray,
    reach: float,
    cfg: object,
) -> np.ndarray:
    """q = p exp(-w_e e - w_a a - w_r [referrer active] - w_n reach), capped at 1."""
    log_mod = (
        -cfg.experience_weight * experience  # type: ignore[attr-defined]
        - cfg.attachment_weight * attachment  # type: ignore[attr-defined]
        - cfg.embedding_weight * embedded  # type: ignore[attr-defined]
        - cfg.network_weight * reach  # type: ignore[attr-defined]
    )
    return np.minimum(1.0, p * np.exp(log_mod))


@register
class Dropout(Mechanism):
    name = "dropout"
    order = 90
    section = "dropout"
    label = "buy-till-you-die dropout"
    summary = (
        "After each purchase a customer may drop out for good (a beta-distributed chance); "
        "experience, attachment and an active referrer lower it; win-back and invitations "
        "bring some back."
    )

    def exposure(self, today: Today, awareness: Awareness) -> None:
        """Active friends and win-back messages bring some dropped-out customers back."""
        if not self.cfg.enabled:
            return
        pop, idx, cfg = self.model.pop, self.model.index, self.cfg
        back = []
        if cfg.social_revival > 0:
            dormant = (~pop.alive & pop.present).nonzero()[0]
            if cfg.revival_delay and len(dormant):  # just dropped out: not persuaded yet
                dormant = dormant[today.day - pop.dropout_day[dormant] >= cfg.revival_delay]
            if len(dormant):
                h = cfg.social_revival * pop.social_susceptibility[dormant]
                h = h * idx.user_share(dormant) ** cfg.revival_exponent
                back.append(dormant[self.rng.random(len(dormant)) < -np.expm1(-h)])
        if awareness.messaged:
            reached = np.concatenate(awareness.messaged)
            dead = reached[~pop.alive[reached] & pop.present[reached]]
            back.append(dead[self.rng.random(len(dead)) < cfg.winback_revival])
        if back:
            who = np.concatenate(back)
            pop.revive(who)
            today.row["revivals"] += len(who)

    def end_day(self, today: Today, sale: Sale) -> None:
        if self.cfg.enabled and len(sale):
            model, cfg = self.model, self.cfg
            pop, buyers = model.pop, sale.buyers
            ref = pop.referrer[buyers]
            embedded = (ref >= 0) & model.index.active[np.maximum(ref, 0)]
            q = dropout_chance(
                pop.dropout[buyers],
                sale.quality_experience,
                pop.attachment[buyers],
                embedded,
                model.index.reach,
                cfg,
            )
            gone = buyers[(self.rng.random(len(buyers)) < q) & pop.alive[buyers]]
            pop.drop_out(gone, today.day)
            today.row["dropouts"] = len(gone)
        pop = self.model.pop
        today.row["dropped_out"] = int(np.count_nonzero(~pop.alive & pop.present))
