"""Vectorized neighbourhood sampling on a CSR graph.

These are the only places where the model walks the network; they gather the
neighbour lists of many nodes at once instead of looping over nodes.
"""

from __future__ import annotations

import numpy as np

from sim._fast import full

_EMPTY = np.zeros(0, np.int64)
_INT64 = np.dtype(np.int64)


def _as_int64(a: np.ndarray) -> np.ndarray:
    return a if isinstance(a, np.ndarray) and a.dtype == _INT64 else np.asarray(a, np.int64)


def _ranges(starts: np.ndarray, lens: np.ndarray, total: int) -> np.ndarray:
    """Concatenated ``arange(s, s + l)`` for each (start, length): one repeat, one add."""
    pos = np.arange(total, dtype=np.int64)
    pos += (starts - (lens.cumsum() - lens)).repeat(lens)
    return pos


def expand_neighbours(
    indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All (owner position, neighbour) pairs for ``nodes``; owner is the index into ``nodes``."""
    nodes = _as_int64(nodes)
    starts = indptr[nodes]
    lens = indptr[nodes + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return _EMPTY, np.zeros(0, indices.dtype)
    owner = np.arange(len(nodes)).repeat(lens)
    return owner, indices[_ranges(starts, lens, total)]


def neighbour_list(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The neighbours of all ``nodes``, concatenated (with repeats), without owner labels."""
    nodes = _as_int64(nodes)
    starts = indptr[nodes]
    lens = indptr[nodes + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, indices.dtype)
    return indices[_ranges(starts, lens, total)]


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Positions where a new run of equal keys starts (the array is grouped by key)."""
    new = np.empty(len(sorted_keys), bool)
    new[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new[1:])
    return new.nonzero()[0]


def distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` without its overhead; ~70x faster on numpy 2.4)."""
    if len(keys) < 2:
        return _as_int64(keys).copy()
    s = np.sort(keys)
    return s[_group_starts(s)].astype(np.int64, copy=False)


def sum_by_key(
    keys: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the sum of ``weights`` (default 1) per key.

    Sort-based (np.unique is ~70x slower on numpy 2.4, np.bincount is O(max key)). Sums are
    in sorted-key order; callers use it for integer-valued weights, whose sums are exact in
    any order.
    """
    m = len(keys)
    if m == 0:
        return _EMPTY, np.zeros(0, np.float64)
    if weights is None:
        s = np.sort(keys)
        starts = _group_starts(s)
        counts = np.empty(len(starts))
        counts[:-1] = starts[1:] - starts[:-1]
        counts[-1] = m - starts[-1]
        return s[starts].astype(np.int64, copy=False), counts
    order = keys.argsort(kind="stable")
    s = keys[order]
    starts = _group_starts(s)
    sums = np.add.reduceat(np.asarray(weights, np.float64)[order], starts)
    return s[starts].astype(np.int64, copy=False), sums


def first_per_owner(owner: np.ndarray, n_owners: int, rng: np.random.Generator) -> np.ndarray:
    """For pairs grouped by owner, the index of one uniformly random pair per owner (-1 if none)."""
    out = full(n_owners, -1, np.int64)
    if len(owner) == 0:
        return out
    perm = rng.permutation(len(owner))
    order = perm[owner[perm].argsort(kind="stable")]
    owners_sorted = owner[order]
    first = _group_starts(owners_sorted)
    out[owners_sorted[first]] = order[first]
    return out


def first_per_key(keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index of one uniformly random element per distinct key, in ascending key order.

    Same draw and result as ``first_per_owner(keys, n, rng)`` filtered to owners that have
    one, without the O(n) output array.
    """
    if len(keys) == 0:
        return _EMPTY
    perm = rng.permutation(len(keys))
    order = perm[keys[perm].argsort(kind="stable")]
    return order[_group_starts(keys[order])]


def _eligible_pairs(
    indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The (position in ``nodes``, neighbour) pairs whose neighbour is ``eligible``, grouped
    by position in ascending order, neighbours in adjacency order."""
    owner, nbr = expand_neighbours(indptr, indices, nodes)
    keep = eligible[nbr]
    return owner[keep], nbr[keep]


def random_neighbour(
    indptr: np.ndarray,
    indices: np.ndarray,
    nodes: np.ndarray,
    eligible: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One uniformly random eligible neighbour per node in ``nodes`` (-1 where none is eligible).

    The draw is one permutation of the eligible (node, neighbour) pairs; each node takes its
    pair that comes first in it. The pairs are grouped by node, so "first in the permutation"
    is a per-group minimum of inverse positions (no sort needed); identical to
    :func:`first_per_owner`.
    """
    nodes = _as_int64(nodes)
    out = full(len(nodes), -1, np.int64)
    owner, nbr = _eligible_pairs(indptr, indices, nodes, eligible)
    m = len(nbr)
    if m == 0:
        return out
    perm = rng.permutation(m)
    inv = np.empty(m, np.int64)
    inv[perm] = np.arange(m)
    first = _group_starts(owner)
    out[owner[first]] = nbr[perm[np.minimum.reduceat(inv, first)]]
    return out


def weighted_neighbour(
    indptr: np.ndarray,
    indices: np.ndarray,
    nodes: np.ndarray,
    eligible: np.ndarray,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One eligible neighbour per node in ``nodes``, each with probability proportional to
    its ``weights`` entry (-1 where no eligible neighbour has weight > 0).

    An exponential race: every eligible (node, neighbour) pair draws E / w, E a standard
    exponential, and each node takes the pair that finishes first; the winner is neighbour j
    with probability w_j / sum(w) (Efraimidis & Spirakis 2006, one item per node).
    """
    nodes = _as_int64(nodes)
    out = full(len(nodes), -1, np.int64)
    owner, nbr = _eligible_pairs(indptr, indices, nodes, eligible & (weights > 0))
    m = len(nbr)
    if m == 0:
        return out
    race = rng.standard_exponential(m) / weights[nbr]
    order = np.lexsort((race, owner))  # by owner, then finish
    owner, nbr = owner[order], nbr[order]
    first = _group_starts(owner)
    out[owner[first]] = nbr[first]
    return out


def rank_within(keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random rank (0, 1, ...) of each element among the elements sharing its key."""
    n = len(keys)
    if n == 0:
        return _EMPTY
    perm = rng.permutation(n)
    order = perm[keys[perm].argsort(kind="stable")]
    ks = keys[order]
    start = np.empty(n, bool)
    start[0] = True
    np.not_equal(ks[1:], ks[:-1], out=start[1:])
    idx = np.arange(n)
    group_start = np.maximum.accumulate(np.where(start, idx, 0))
    rank = np.empty(n, np.int64)
    rank[order] = idx - group_start
    return rank


class Neighbourhood:
    """What the model asks of the network, on CSR arrays: sums over neighbours, one random
    eligible neighbour, all neighbours of a few nodes, and *sparse* neighbour counts.

    The model keeps its neighbourhood sums up to date with :meth:`neighbour_counts` over the
    few nodes whose state changed each day; the full :meth:`sum` (a sparse matvec) is only
    needed to initialise them.
    """

    #: Does :meth:`random_neighbour` draw even when no neighbour is eligible? (CSR: no, it
    #: draws one permutation of the eligible pairs; mean field: yes, one uniform per node.)
    DRAWS_WITHOUT_CANDIDATES = False

    def __init__(self, indptr: np.ndarray, indices: np.ndarray) -> None:
        self.indptr, self.indices = indptr, indices
        self.n = len(indptr) - 1
        self.degree = np.diff(indptr).astype(np.float64)
        self._adj_matrix = None

    @property
    def _adj(self):  # noqa: ANN202 - scipy type
        """The adjacency as a scipy CSR matrix, built on first use (it costs 8 bytes/edge)."""
        if self._adj_matrix is None:
            import scipy.sparse as sp

            data = np.ones(len(self.indices), dtype=np.float64)
            self._adj_matrix = sp.csr_array(
                (data, self.indices, self.indptr), shape=(self.n, self.n)
            )
        return self._adj_matrix

    def sum(self, x: np.ndarray) -> np.ndarray:
        """For every node, the sum of ``x`` over its neighbours."""
        return self._adj @ np.asarray(x, np.float64)

    def neighbour_counts(
        self, nodes: np.ndarray, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``sum(x)`` restricted to where it is non-zero, for ``x`` = ``weights`` (default 1)
        on ``nodes`` (distinct) and 0 elsewhere: sorted node ids and their sums.

        O(sum of the nodes' degrees) instead of O(edges). With integer weights the sums are
        exact, so they equal :meth:`sum` bit for bit.
        """
        if weights is None:
            return sum_by_key(neighbour_list(self.indptr, self.indices, nodes))
        owner, nbr = expand_neighbours(self.indptr, self.indices, nodes)
        return sum_by_key(nbr, np.asarray(weights, np.float64)[owner])

    def add_over_neighbours(
        self,
        out: np.ndarray,
        nodes: np.ndarray,
        weights: np.ndarray,
        exclude: np.ndarray | None = None,
    ) -> np.ndarray:
        """``out += sum(x)`` for ``x`` = ``weights`` on ``nodes``, except at nodes where
        ``exclude`` is True (their entries go stale); returns the nodes touched (may repeat).

        Keeps a neighbourhood sum current from the few nodes that changed. With integer
        weights the result is exact, so it stays equal to a fresh :meth:`sum`.
        """
        owner, nbr = expand_neighbours(self.indptr, self.indices, nodes)
        w = np.asarray(weights, np.float64)[owner]
        if exclude is not None:
            keep = ~exclude[nbr]
            nbr, w = nbr[keep], w[keep]
        np.add.at(out, nbr, w)
        return nbr

    def random_neighbour(
        self, nodes: np.ndarray, eligible: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        return random_neighbour(self.indptr, self.indices, nodes, eligible, rng)

    def weighted_neighbour(
        self,
        nodes: np.ndarray,
        eligible: np.ndarray,
        weights: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        return weighted_neighbour(self.indptr, self.indices, nodes, eligible, weights, rng)

    def expand(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return expand_neighbours(self.indptr, self.indices, nodes)


class CompleteNeighbourhood(Neighbourhood):
    """The complete graph without its n(n-1) edges: everyone else is a neighbour, so every
    operation is O(n) (mean field). Used for Bass-limit validation on tens of thousands."""

    DRAWS_WITHOUT_CANDIDATES = True

    def __init__(self, n: int) -> None:
        self.n = n
        self.degree = np.full(n, max(n - 1, 1), np.float64)

    def sum(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        return x.sum() - x

    def neighbour_counts(
        self, nodes: np.ndarray, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Everyone else is a neighbour: every node is touched (O(n), exact for integers)."""
        x = np.zeros(self.n, np.float64)
        if len(nodes):
            x[np.asarray(nodes, np.int64)] = 1.0 if weights is None else weights
        return np.arange(self.n, dtype=np.int64), self.sum(x)

    def add_over_neighbours(
        self,
        out: np.ndarray,
        nodes: np.ndarray,
        weights: np.ndarray,
        exclude: np.ndarray | None = None,
    ) -> np.ndarray:
        w = np.asarray(weights, np.float64)
        out += w.sum()
        out[np.asarray(nodes, np.int64)] -= w
        return np.arange(self.n, dtype=np.int64) if exclude is None else np.flatnonzero(~exclude)

    def random_neighbour(
        self, nodes: np.ndarray, eligible: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        nodes = np.asarray(nodes, np.int64)
        cand = np.flatnonzero(eligible)
        # exclude each node itself: draw among the others, then skip over its own position
        own = eligible[nodes]
        pos = np.searchsorted(cand, nodes)
        m = len(cand) - own
        out = full(len(nodes), -1, np.int64)
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

    def weighted_neighbour(
        self,
        nodes: np.ndarray,
        eligible: np.ndarray,
        weights: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Everyone else is a neighbour: a draw from the eligible by cumulative weight,
        redrawn where it lands on the node itself (exactly proportional among the others)."""
        nodes = np.asarray(nodes, np.int64)
        out = full(len(nodes), -1, np.int64)
        cand = np.flatnonzero(eligible & (weights > 0))
        if len(cand) == 0 or len(nodes) == 0:
            return out
        cum = np.cumsum(weights[cand], dtype=np.float64)
        # a node whose only eligible neighbour would be itself has none
        todo = np.flatnonzero(~((len(cand) == 1) & (cand[0] == nodes)))
        while len(todo):
            pick = cand[
                np.minimum(
                    np.searchsorted(cum, rng.random(len(todo)) * cum[-1], "right"), len(cand) - 1
                )
            ]
            ok = pick != nodes[todo]
            out[todo[ok]] = pick[ok]
            todo = todo[~ok]
        return out
