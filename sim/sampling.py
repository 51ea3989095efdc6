"""Vectorized neighbourhood sampling on a CSR graph.

These are the only places where the model walks the network; they gather the
neighbour lists of many nodes at once instead of looping over nodes.
"""

from __future__ import annotations

import numpy as np


def expand_neighbours(
    indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All (owner position, neighbour) pairs for ``nodes``; owner is the index into ``nodes``."""
    nodes = np.asarray(nodes, dtype=np.int64)
    starts = indptr[nodes]
    lens = indptr[nodes + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, indices.dtype)
    owner = np.repeat(np.arange(len(nodes)), lens)
    offsets = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
    return owner, indices[np.repeat(starts, lens) + offsets]


def first_per_owner(owner: np.ndarray, n_owners: int, rng: np.random.Generator) -> np.ndarray:
    """For pairs grouped by owner, the index of one uniformly random pair per owner (-1 if none)."""
    out = np.full(n_owners, -1, np.int64)
    if len(owner) == 0:
        return out
    perm = rng.permutation(len(owner))
    order = perm[np.argsort(owner[perm], kind="stable")]
    owners_sorted = owner[order]
    first = np.flatnonzero(np.r_[True, owners_sorted[1:] != owners_sorted[:-1]])
    out[owners_sorted[first]] = order[first]
    return out


def random_neighbour(
    indptr: np.ndarray,
    indices: np.ndarray,
    nodes: np.ndarray,
    eligible: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One uniformly random eligible neighbour per node in ``nodes`` (-1 where none is eligible)."""
    owner, nbr = expand_neighbours(indptr, indices, nodes)
    keep = eligible[nbr]
    owner, nbr = owner[keep], nbr[keep]
    pick = first_per_owner(owner, len(nodes), rng)
    out = np.full(len(nodes), -1, np.int64)
    ok = pick >= 0
    out[ok] = nbr[pick[ok]]
    return out


def rank_within(keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random rank (0, 1, ...) of each element among the elements sharing its key."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.int64)
    perm = rng.permutation(n)
    order = perm[np.argsort(keys[perm], kind="stable")]
    ks = keys[order]
    start = np.r_[True, ks[1:] != ks[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - group_start
    return rank


class Neighbourhood:
    """What the model asks of the network, on CSR arrays: sums over neighbours, one random
    eligible neighbour, all neighbours of a few nodes."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray) -> None:
        import scipy.sparse as sp

        self.indptr, self.indices = indptr, indices
        self.n = len(indptr) - 1
        data = np.ones(len(indices), dtype=np.float64)
        self._adj = sp.csr_array((data, indices, indptr), shape=(self.n, self.n))
        self.degree = np.diff(indptr).astype(np.float64)

    def sum(self, x: np.ndarray) -> np.ndarray:
        """For every node, the sum of ``x`` over its neighbours."""
        return self._adj @ np.asarray(x, np.float64)

    def random_neighbour(
        self, nodes: np.ndarray, eligible: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        return random_neighbour(self.indptr, self.indices, nodes, eligible, rng)

    def expand(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return expand_neighbours(self.indptr, self.indices, nodes)


class CompleteNeighbourhood(Neighbourhood):
    """The complete graph without its n(n-1) edges: everyone else is a neighbour, so every
    operation is O(n) (mean field). Used for Bass-limit validation on tens of thousands."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.degree = np.full(n, max(n - 1, 1), np.float64)

    def sum(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        return x.sum() - x

    def random_neighbour(
        self, nodes: np.ndarray, eligible: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        nodes = np.asarray(nodes, np.int64)
        cand = np.flatnonzero(eligible)
        # exclude each node itself: draw among the others, then skip over its own position
        own = eligible[nodes]
        pos = np.searchsorted(cand, nodes)
        m = len(cand) - own
        out = np.full(len(nodes), -1, np.int64)
        ok = m > 0
        r = (rng.random(len(nodes)) * np.maximum(m, 1)).astype(np.int64)
        r = np.where(own & (r >= pos), r + 1, r)
        out[ok] = cand[np.minimum(r[ok], len(cand) - 1)]
        return out

    def expand(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nodes = np.asarray(nodes, np.int64)
        owner = np.repeat(np.arange(len(nodes)), self.n)
        nbr = np.tile(np.arange(self.n, dtype=np.int64), len(nodes))
        keep = nbr != nodes[owner]
        return owner[keep], nbr[keep]
