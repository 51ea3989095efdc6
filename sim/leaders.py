"""Community leaders (团长/KOC): effort follows income against an outside wage.

Each community has one leader. A working leader's effort e = clip(I_30 / w, 0.1, 1),
where I_30 is the leader's 30-day average daily income (commissions) and w the
outside wage, which scales with the households the leader serves (a larger community is
more work and a bigger opportunity elsewhere). Effort scales the leader's broadcast reach and the convenience of
ordering through them. A leader whose I_30 stays below w/2 for ``quit_patience``
consecutive days quits (after a 30-day grace period), and so does a share of
leaders in a leader-exodus shock. A community without a leader has no leader channel.

Leaders are recruited, not born: the platform signs up a community's leader once enough of
its households use the platform (``recruit_at``, as Meituan Youxuan and Duoduo Maicai open
a pick-up point where neighbours already order). Before that the community has no leader
channel; a leader who quit is not recruited again.
"""

from __future__ import annotations

import numpy as np

from sim._fast import clip, full


class LeaderBook:
    GRACE_DAYS = 30

    def __init__(self, nodes: np.ndarray, wage_per_household: float, sizes: np.ndarray) -> None:
        n = len(nodes)
        self.node = np.asarray(nodes, np.int64)
        self.size = np.asarray(sizes, np.float64)  # households per community
        self.wage = wage_per_household * self.size  # outside income per day, per leader
        self.active = np.ones(n, bool)
        self.effort = full(n, 0.6)
        self.income_30 = self.wage * 0.6
        self.income_total = np.zeros(n)
        self.income_today = np.zeros(n)
        self.low_days = np.zeros(n, np.int64)
        self.quit_day = full(n, -1, np.int64)
        self.recruit_day = np.zeros(n, np.int64)  # all working from day 0 unless unrecruited

    def unrecruit(self) -> None:
        """Start with no leader working: each is signed up by :meth:`recruit`."""
        self.active[:] = False
        self.effort[:] = 0.0
        self.recruit_day[:] = -1

    def waiting(self) -> np.ndarray:
        """Leaders not yet recruited (and who never quit)."""
        return (self.recruit_day < 0) & (self.quit_day < 0)

    def recruit(self, day: int, mask: np.ndarray) -> None:
        """Sign up these leaders today, as a new leader would start (a fresh grace period)."""
        mask = mask & self.waiting()
        self.active |= mask
        self.effort[mask] = 0.6
        self.income_30[mask] = self.wage[mask] * 0.6
        self.low_days[mask] = 0
        self.recruit_day[mask] = day

    @property
    def n(self) -> int:
        return len(self.node)

    def pay(self, community: np.ndarray, amount: np.ndarray) -> None:
        self.income_today += np.bincount(community, weights=amount, minlength=self.n)

    def end_of_day(self, day: int, patience: int) -> None:
        inc = self.income_today
        self.income_total += inc
        self.income_30 += (inc - self.income_30) / 30.0
        wage = np.maximum(self.wage, 1e-9)
        self.effort = np.where(self.active, clip(self.income_30 / wage, 0.1, 1.0), 0.0)
        low = self.active & (self.income_30 < wage / 2)
        self.low_days = np.where(low, self.low_days + 1, 0)
        if day >= self.GRACE_DAYS:
            settled = day - self.recruit_day >= self.GRACE_DAYS
            leaving = self.active & settled & (self.low_days >= patience)
            if leaving.any():
                self.quit(day, leaving)
        self.income_today = np.zeros(self.n)

    def quit(self, day: int, mask: np.ndarray) -> None:
        self.active &= ~mask
        self.effort[mask] = 0.0
        self.quit_day[mask] = day

    def exodus(self, day: int, share: float, rng: np.random.Generator) -> None:
        """A share of the leaders walk out, working or signed up to start: they are gone."""
        self.quit(day, (self.active | self.waiting()) & (rng.random(self.n) < share))
