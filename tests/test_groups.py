"""拼团 group formation on hand-built networks (results worked out by hand)."""

from __future__ import annotations

import numpy as np

from sim.submodels.groups import GroupBook
from tests.conftest import graph_from_edges


def book(n: int, k: int = 3, window: int = 2) -> GroupBook:
    return GroupBook(n=n, k=k, window=window)


def test_group_of_k_forms_when_k_neighbours_need(star4):
    g, rng = star4, np.random.default_rng(0)
    b = book(g.n)
    out = b.step(0, np.array([0]), g.neighbourhood(), rng)
    assert out.groups_opened == 1 and len(out.succeeded) == 0
    assert b.pending[0] == 0
    out = b.step(1, np.array([1, 2]), g.neighbourhood(), rng)
    assert sorted(out.succeeded.tolist()) == [0, 1, 2]
    assert out.groups_succeeded == 1
    assert (b.pending < 0).all() and b.open_groups == 0


def test_non_neighbour_cannot_join_and_group_fails_after_window(star4):
    g, rng = star4, np.random.default_rng(1)
    b = book(g.n)
    b.step(0, np.array([0]), g.neighbourhood(), rng)
    # 4 is not a neighbour of 0: it must open its own group
    out = b.step(0 + 0, np.array([4]), g.neighbourhood(), rng)
    assert b.open_groups == 2
    assert len(out.succeeded) == 0
    out = b.step(1, np.zeros(0, np.int64), g.neighbourhood(), rng)
    assert sorted(out.failed.tolist()) == [0, 4]
    assert out.groups_failed == 2 and b.open_groups == 0


def test_group_stays_open_within_window():
    g = graph_from_edges(4, [(0, 1), (0, 2), (0, 3)])
    b = book(4, k=3, window=3)
    rng = np.random.default_rng(2)
    b.step(0, np.array([0]), g.neighbourhood(), rng)
    out = b.step(1, np.array([1]), g.neighbourhood(), rng)
    assert len(out.failed) == 0 and b.open_groups == 1
    out = b.step(2, np.array([2]), g.neighbourhood(), rng)
    assert sorted(out.succeeded.tolist()) == [0, 1, 2]


def test_capacity_extra_joiners_start_their_own_group():
    # 0 is linked to 1..4; k = 3: only two of 1..4 fit in 0's group
    g = graph_from_edges(5, [(0, i) for i in range(1, 5)])
    b = book(5, k=3, window=2)
    rng = np.random.default_rng(3)
    b.step(0, np.array([0]), g.neighbourhood(), rng)
    out = b.step(1, np.array([1, 2, 3, 4]), g.neighbourhood(), rng)
    assert len(out.succeeded) == 3 and 0 in out.succeeded
    assert out.groups_opened == 2  # the two left over each open a group
    assert (b.pending >= 0).sum() == 2


def test_invite_to_unlock_completes_group_same_day():
    g = graph_from_edges(4, [(0, 1), (0, 2), (0, 3)])
    b = book(4, k=3)
    rng = np.random.default_rng(4)
    out = b.step(0, np.array([0]), g.neighbourhood(), rng, invite=True, invite_prob=np.ones(4))
    assert len(out.succeeded) == 3
    assert len(out.invited_joiners) == 2
    assert set(out.inviters.tolist()) == {0}


def test_invite_respects_busy_and_probability_zero():
    g = graph_from_edges(4, [(0, 1), (0, 2), (0, 3)])
    b = book(4, k=3)
    rng = np.random.default_rng(5)
    busy = np.array([False, True, True, False])
    out = b.step(
        0, np.array([0]), g.neighbourhood(), rng, invite=True, invite_prob=np.ones(4), busy=busy
    )
    assert out.invited_joiners.tolist() == [3] and len(out.succeeded) == 0
    b2 = book(4, k=3)
    out = b2.step(0, np.array([0]), g.neighbourhood(), rng, invite=True, invite_prob=np.zeros(4))
    assert len(out.invited_joiners) == 0


def test_cancel_all_frees_members():
    g = graph_from_edges(3, [(0, 1)])
    b = book(3)
    rng = np.random.default_rng(6)
    b.step(0, np.array([0, 2]), g.neighbourhood(), rng)
    freed = b.cancel_all()
    assert sorted(freed.tolist()) == [0, 2] and (b.pending < 0).all()
