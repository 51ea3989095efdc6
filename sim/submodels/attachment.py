"""Attachment: the relational bond that makes a consumer stay when offers elsewhere are better.

a <- clip((1 - decay) a + g_rel * relational acts + g_rew * (1 - exp(-R / R0)), 0, 1)

with R the yuan of rewards received that day: a bigger reward binds more, concavely and
saturating (the first yuan matters most; a reward far above R0 adds at most g_rew).

Relational acts are participation: posting a review or content, referring a friend,
an order through one's community leader (doubled when leaders run the community as
operators), co-creation feedback. A purchase made for a subsidy is transactional and
adds nothing (DESIGN §3a); inactivity lets attachment decay.
"""

from __future__ import annotations

import numpy as np

from sim._fast import clip


def update_attachment(
    attachment: np.ndarray,
    act_nodes: np.ndarray,
    act_weights: np.ndarray,
    rewarded: np.ndarray,
    reward: np.ndarray | None = None,
    *,
    decay: float,
    gain_relational: float,
    gain_reward: float,
    reward_scale: float = 0.0,
    clip_all: bool = False,
) -> None:
    """Decay everyone's attachment, then add the day's acts and rewards.

    ``act_nodes``/``act_weights``: one entry per relational act (a consumer may repeat);
    ``rewarded``: distinct consumers who received a reward, ``reward`` the yuan each got
    (None or ``reward_scale`` 0: each counts fully, as one reward). Decay is one pass over the
    population; the gains and the clip touch only the consumers who acted or earned.
    Acts are small integers (their sums are exact in any order); an untouched consumer gains
    exactly 0 and already lies in [0, 1], so only touched consumers are clipped (unless
    ``clip_all``, after a user edit).
    """
    attachment *= 1.0 - decay
    keys = np.concatenate([np.asarray(act_nodes, np.int64), np.asarray(rewarded, np.int64)])
    if len(keys):
        acts = np.concatenate([np.asarray(act_weights, np.float64), np.zeros(len(rewarded))])
        if reward is None or reward_scale <= 0:
            value = np.ones(len(rewarded))
        else:
            value = -np.expm1(-np.asarray(reward, np.float64) / reward_scale)
        got = np.concatenate([np.zeros(len(act_nodes)), value])
        order = keys.argsort(kind="stable")
        s = keys[order]
        new = np.empty(len(s), bool)
        new[0] = True
        np.not_equal(s[1:], s[:-1], out=new[1:])
        starts = new.nonzero()[0]
        who = s[starts]
        acts_w = np.add.reduceat(acts[order], starts)
        rewarded_w = np.maximum.reduceat(got[order], starts)
        value = attachment[who] + (gain_relational * acts_w + gain_reward * rewarded_w)
        attachment[who] = clip(value, 0.0, 1.0)
    if clip_all:
        clip(attachment, 0.0, 1.0, out=attachment)
