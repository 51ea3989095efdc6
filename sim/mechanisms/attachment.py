"""Attachment: the relational bond that makes a consumer stay when offers elsewhere are better.

a <- clip((1 - decay) a + g_rel * relational acts + g_rew * [received a reward], 0, 1)

Relational acts are participation: posting a review or content, referring a friend,
an order through one's community leader (doubled when leaders run the community as
operators), co-creation feedback. A purchase made for a subsidy is transactional and
adds nothing (DESIGN §3a); inactivity lets attachment decay.
"""

from __future__ import annotations

import numpy as np


def update_attachment(
    attachment: np.ndarray,
    relational_acts: np.ndarray,
    rewarded: np.ndarray,
    *,
    decay: float,
    gain_relational: float,
    gain_reward: float,
) -> None:
    attachment *= 1.0 - decay
    attachment += gain_relational * relational_acts + gain_reward * rewarded
    np.clip(attachment, 0.0, 1.0, out=attachment)
