"""Community leaders (团长/KOC): effort follows income against an outside wage.

Each community has one leader. A working leader's effort e = clip(I_30 / w, 0.1, 1),
where I_30 is the leader's 30-day average daily income (commissions) and w the
outside wage. Effort scales the leader's broadcast reach and the convenience of
ordering through them. A leader whose I_30 stays below w/2 for ``quit_patience``
consecutive days quits (after a 30-day grace period), and so does a share of
leaders in a leader-exodus shock. A community without a leader has no leader channel.
"""

from __future__ import annotations

import numpy as np

from sim._fast import clip, full


class LeaderBook:
    GRACE_DAYS = 30

    def __init__(self, nodes: np.ndarray, wage: float) -> None:
        n = len(nodes)
        self.node = np.asarray(nodes, np.int64)
        self.active = np.ones(n, bool)
        self.effort = full(n, 0.6)
        self.income_30 = full(n, wage * 0.6)
        self.income_total = np.zeros(n)
        self.income_today = np.zeros(n)
        self.low_days = np.zeros(n, np.int64)
        self.quit_day = full(n, -1, np.int64)

    @property
    def n(self) -> int:
        return len(self.node)

    def pay(self, community: np.ndarray, amount: np.ndarray) -> None:
        self.income_today += np.bincount(community, weights=amount, minlength=self.n)

    def end_of_day(self, day: int, wage: float, patience: int) -> None:
        inc = self.income_today
        self.income_total += inc
        self.income_30 += (inc - self.income_30) / 30.0
        self.effort = np.where(self.active, clip(self.income_30 / max(wage, 1e-9), 0.1, 1.0), 0.0)
        low = self.active & (self.income_30 < wage / 2)
        self.low_days = np.where(low, self.low_days + 1, 0)
        if day >= self.GRACE_DAYS:
            leaving = self.active & (self.low_days >= patience)
            if leaving.any():
                self.quit(day, leaving)
        self.income_today = np.zeros(self.n)

    def quit(self, day: int, mask: np.ndarray) -> None:
        self.active &= ~mask
        self.effort[mask] = 0.0
        self.quit_day[mask] = day

    def exodus(self, day: int, share: float, rng: np.random.Generator) -> None:
        self.quit(day, self.active & (rng.random(self.n) < share))
