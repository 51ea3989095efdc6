"""拼团 group formation: a group of k unlocks the group price, or it fails and disappoints.

Rules (DESIGN §3):
* a consumer who chooses the group option joins an open group started by one of
  their *neighbours* if one has a free slot (chosen at random), else one open in their
  community (the neighbourhood's group chat), else (if the platform lists open groups)
  any stranger's open group, otherwise starts their own group;
* with invite-to-unlock, a new group's initiator invites all free neighbours (they all
  hear of the platform); each joins with the probability the caller gives (a decision:
  the group buying mechanism weighs the invitee's need, the price and the friend who
  asked);
* a group that reaches k members succeeds that day; one still short of k after
  ``window_days`` days fails, and its members buy nothing.

Members of an open group are "pending": they have no new needs until it resolves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim._fast import full
from sim.sampling import Neighbourhood, first_per_key, rank_within

_EMPTY = np.zeros(0, np.int64)


@dataclass
class GroupOutcome:
    """What happened to groups today."""

    succeeded: np.ndarray  # consumers whose group completed today (buy at the group price)
    succeeded_group: np.ndarray  # the stable id of each succeeded consumer's group
    failed: np.ndarray  # consumers whose group expired unfilled today
    invited_joiners: np.ndarray  # consumers who joined because they were invited
    inviters: np.ndarray  # the initiator who invited each invited joiner
    reached: np.ndarray  # every consumer who read an invitation today
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
    ident: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # stable group ids
    size: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    member: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    member_group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        self.pending = full(self.n, -1, np.int64)
        self._group_of_initiator = full(self.n, -1, np.int64)
        self._has_slot = np.zeros(self.n, bool)  # scratch mask, all False between calls
        self.n_opened = 0  # groups ever opened: the next group's stable id

    @property
    def open_groups(self) -> int:
        return len(self.initiator)

    def step(
        self,
        day: int,
        choosers: np.ndarray,
        nb: Neighbourhood,
        rng: np.random.Generator,
        *,
        invite: bool = False,
        invite_prob: Callable[[np.ndarray], np.ndarray] | np.ndarray | None = None,
        busy: np.ndarray | None = None,
        consider: float = 1.0,
        community: np.ndarray | None = None,
        anyone: bool = False,
    ) -> GroupOutcome:
        """Join, open, invite, then resolve. ``busy`` marks consumers who cannot be invited
        today; an invited consumer reads the invitation with probability ``consider`` (and
        hears of the platform), then joins with the chance ``invite_prob`` gives (an array
        over all consumers, or a function of the readers).

        ``community`` (each consumer's community): a chooser with no neighbour's open group
        joins one of its community's open groups, if any (the neighbourhood's WeChat group),
        and with ``anyone`` else any open group on the platform (strangers' groups).

        Members are appended in the order joiners, starters, invited (the order of the
        buyers, hence of later draws); steps that could not draw anything are skipped.
        """
        k = self.k
        choosers = np.asarray(choosers, np.int64)
        size = self.size
        n_old = len(size)
        # 1. join a neighbour's open group with a free slot, else one in the community
        slot_nodes = self.initiator[size < k] if n_old else _EMPTY
        if len(choosers) and (len(slot_nodes) or nb.DRAWS_WITHOUT_CANDIDATES):
            has_slot = self._has_slot
            has_slot[slot_nodes] = True
            host = nb.random_neighbour(choosers, has_slot, rng)
            has_slot[slot_nodes] = False
            if community is not None and len(slot_nodes):
                lonely = host < 0
                if lonely.any():
                    host[lonely] = _pick_in_community(choosers[lonely], slot_nodes, community, rng)
                lonely = host < 0
                if lonely.any() and anyone:  # strangers' open groups on the platform
                    pick = (rng.random(int(lonely.sum())) * len(slot_nodes)).astype(np.int64)
                    host[lonely] = slot_nodes[pick]
            wants = host >= 0
            joiners, gid = choosers[wants], self._group_of_initiator[host[wants]]
            rank = rank_within(gid, rng)
            fits = size[gid] + rank < k
            joined, joined_g = joiners[fits], gid[fits]
            # 2. the others open their own group
            starters = np.concatenate([choosers[~wants], joiners[~fits]])
        else:  # nobody can join: no draw is made
            joined = joined_g = _EMPTY
            starters = choosers
        n_new = len(starters)
        new_ids = np.arange(n_old, n_old + n_new)
        if len(joined):
            size = size + np.bincount(joined_g, minlength=n_old)
            self.pending[joined] = joined_g
        if n_new:
            self.initiator = np.concatenate([self.initiator, starters])
            self.opened = np.concatenate([self.opened, full(n_new, day)])
            self.ident = np.concatenate(
                [self.ident, np.arange(self.n_opened, self.n_opened + n_new, dtype=np.int64)]
            )
            self.n_opened += n_new
            size = np.concatenate([size, np.ones(n_new, np.int64)])
            self._group_of_initiator[starters] = new_ids
            self.pending[starters] = new_ids
        # 3. invite-to-unlock: new initiators invite their free neighbours
        invited = inviters = invited_g = reached = _EMPTY
        if invite and n_new:
            owner, nbr = nb.expand(starters)
            free = self.pending[nbr] < 0
            if busy is not None:
                free &= ~busy[nbr]
            owner, nbr = owner[free], nbr[free]
            # who reads the invitation (and so hears of the platform), then who joins
            read = rng.random(len(nbr)) < consider
            owner, nbr = owner[read], nbr[read]
            reached = nbr
            if invite_prob is None:
                p = np.zeros(len(nbr))
            elif callable(invite_prob):
                p = invite_prob(nbr)
            else:
                p = invite_prob[nbr]
            accept = rng.random(len(nbr)) < p
            owner, nbr = owner[accept], nbr[accept]
            # a consumer invited by several initiators joins one of them
            chosen = first_per_key(nbr, rng)
            owner, nbr = owner[chosen], nbr[chosen]
            g = new_ids[owner]
            rank = rank_within(g, rng)
            fits = size[g] + rank < k
            invited, invited_g = nbr[fits], g[fits]
            inviters = starters[owner[fits]]
            if len(invited):
                size = size + np.bincount(invited_g, minlength=len(size))
                self.pending[invited] = invited_g
        if len(joined) or n_new:
            self.member = np.concatenate([self.member, joined, starters, invited])
            self.member_group = np.concatenate([self.member_group, joined_g, new_ids, invited_g])
        self.size = size
        # 4. resolve
        n_succeeded = n_failed = 0
        succeeded = succeeded_group = failed = _EMPTY
        if len(size):
            success = size >= k
            expired = ~success & (day - self.opened + 1 >= self.window)
            done = success | expired
            n_succeeded = int(np.count_nonzero(success))
            n_failed = int(np.count_nonzero(expired))
            if n_succeeded or n_failed:
                mg = self.member_group
                if n_succeeded:
                    in_success = success[mg]
                    succeeded = self.member[in_success]
                    succeeded_group = self.ident[mg[in_success]]
                if n_failed:
                    failed = self.member[expired[mg]]
                self._compact(done)
        return GroupOutcome(
            succeeded=succeeded,
            succeeded_group=succeeded_group,
            failed=failed,
            invited_joiners=invited,
            inviters=inviters,
            reached=reached,
            groups_opened=n_new,
            groups_succeeded=n_succeeded,
            groups_failed=n_failed,
        )

    def _compact(self, done: np.ndarray) -> None:
        m_done = done[self.member_group]
        self.pending[self.member[m_done]] = -1
        self._group_of_initiator[self.initiator[done]] = -1
        keep = ~done
        remap = keep.cumsum() - 1
        self.initiator = self.initiator[keep]
        self.opened = self.opened[keep]
        self.ident = self.ident[keep]
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


def _pick_in_community(
    who: np.ndarray, hosts: np.ndarray, community: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each consumer in ``who``, one of the ``hosts`` (initiators of open groups with a
    free slot) in the same community, uniformly; -1 where the community has none."""
    hc = community[hosts]
    order = hc.argsort(kind="stable")
    hosts, hc = hosts[order], hc[order]
    wc = community[who]
    lo = hc.searchsorted(wc, side="left")
    hi = hc.searchsorted(wc, side="right")
    count = hi - lo
    pick = lo + (rng.random(len(who)) * count).astype(np.int64)
    return np.where(count > 0, hosts[np.minimum(pick, len(hosts) - 1)], -1)
