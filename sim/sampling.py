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
