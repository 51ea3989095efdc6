"""拼团 group formation: a group of k unlocks the group price, or it fails and disappoints.

Rules (DESIGN §3):
* a consumer who chooses the group option joins an open group started by one of
  their *neighbours* if one has a free slot (chosen at random), otherwise starts
  their own group;
* with invite-to-unlock, a new group's initiator invites all neighbours; each
  free neighbour joins with probability ``invite_join_prob`` x their social
  susceptibility (an unaware invitee becomes aware through the invitation);
* a group that reaches k members succeeds that day; one still short of k after
  ``window_days`` days fails, and its members buy nothing.

Members of an open group are "pending": they have no new needs until it resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.sampling import Neighbourhood, first_per_owner, rank_within


@dataclass
class GroupOutcome:
    """What happened to groups today."""

    succeeded: np.ndarray  # consumers whose group completed today (buy at the group price)
    failed: np.ndarray  # consumers whose group expired unfilled today
    invited_joiners: np.ndarray  # consumers who joined because they were invited
    inviters: np.ndarray  # the initiator who invited each invited joiner
    groups_opened: int = 0
    groups_succeeded: int = 0
    groups_failed: int = 0


@dataclass
class GroupBook:
    """The open groups. ``pending`` (len n) maps each consumer to its open group or -1."""

    n: int
    k: int
    window: int
    initiator: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opened: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    size: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    member: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    member_group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        self.pending = np.full(self.n, -1, np.int64)
        self._group_of_initiator = np.full(self.n, -1, np.int64)

    @property
    def open_groups(self) -> int:
        return len(self.initiator)

    def _add_members(self, consumers: np.ndarray, groups: np.ndarray) -> None:
        self.member = np.concatenate([self.member, consumers])
        self.member_group = np.concatenate([self.member_group, groups])
        self.pending[consumers] = groups
        np.add.at(self.size, groups, 1)

    def step(
        self,
        day: int,
        choosers: np.ndarray,
        nb: Neighbourhood,
        rng: np.random.Generator,
        *,
        invite: bool = False,
        invite_prob: np.ndarray | None = None,
        busy: np.ndarray | None = None,
    ) -> GroupOutcome:
        """Join, open, invite, then resolve. ``busy`` marks consumers who cannot be invited today."""
        k = self.k
        choosers = np.asarray(choosers, np.int64)
        # 1. join a neighbour's open group with a free slot
        has_slot = np.zeros(self.n, bool)
        open_ok = self.size < k
        has_slot[self.initiator[open_ok]] = True
        host = nb.random_neighbour(choosers, has_slot, rng)
        wants = host >= 0
        joiners, gid = choosers[wants], self._group_of_initiator[host[wants]]
        rank = rank_within(gid, rng)
        fits = self.size[gid] + rank < k
        self._add_members(joiners[fits], gid[fits])
        # 2. the others open their own group
        starters = np.concatenate([choosers[~wants], joiners[~fits]])
        new_ids = np.arange(len(self.initiator), len(self.initiator) + len(starters))
        self.initiator = np.concatenate([self.initiator, starters])
        self.opened = np.concatenate([self.opened, np.full(len(starters), day)])
        self.size = np.concatenate([self.size, np.zeros(len(starters), np.int64)])
        self._group_of_initiator[starters] = new_ids
        self._add_members(starters, new_ids)
        # 3. invite-to-unlock: new initiators invite their free neighbours
        invited = np.zeros(0, np.int64)
        inviters = np.zeros(0, np.int64)
        if invite and len(starters):
            owner, nbr = nb.expand(starters)
            free = self.pending[nbr] < 0
            if busy is not None:
                free &= ~busy[nbr]
            p = invite_prob[nbr] if invite_prob is not None else np.zeros(len(nbr))
            accept = free & (rng.random(len(nbr)) < p)
            owner, nbr = owner[accept], nbr[accept]
            # a consumer invited by several initiators joins one of them
            one = first_per_owner(nbr, self.n, rng)
            chosen = one[one >= 0]
            owner, nbr = owner[chosen], nbr[chosen]
            g = new_ids[owner]
            rank = rank_within(g, rng)
            fits = self.size[g] + rank < k
            invited, g = nbr[fits], g[fits]
            inviters = starters[owner[fits]]
            self._add_members(invited, g)
        # 4. resolve
        success = self.size >= k
        expired = ~success & (day - self.opened + 1 >= self.window)
        done = success | expired
        m_success = success[self.member_group]
        m_expired = expired[self.member_group]
        out = GroupOutcome(
            succeeded=self.member[m_success],
            failed=self.member[m_expired],
            invited_joiners=invited,
            inviters=inviters,
            groups_opened=len(starters),
            groups_succeeded=int(success.sum()),
            groups_failed=int(expired.sum()),
        )
        if done.any():
            self._compact(done)
        return out

    def _compact(self, done: np.ndarray) -> None:
        m_done = done[self.member_group]
        self.pending[self.member[m_done]] = -1
        self._group_of_initiator[self.initiator[done]] = -1
        keep = ~done
        remap = np.cumsum(keep) - 1
        self.initiator = self.initiator[keep]
        self.opened = self.opened[keep]
        self.size = self.size[keep]
        self.member = self.member[~m_done]
        self.member_group = remap[self.member_group[~m_done]]
        self.pending[self.member] = self.member_group
        self._group_of_initiator[self.initiator] = np.arange(len(self.initiator))

    def cancel_all(self) -> np.ndarray:
        """Dissolve every open group (the mechanism was switched off); returns the freed members."""
        freed = self.member.copy()
        if len(self.initiator):
            self._compact(np.ones(len(self.initiator), bool))
        return freed
