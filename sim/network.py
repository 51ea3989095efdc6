"""The consumers' social network: generators, file loaders, communities and their leaders.

A :class:`SocialGraph` is an undirected simple graph in CSR form (``indptr``/``indices``,
symmetric, sorted rows, no self-loops, no duplicate edges), a community id per node and one
leader node per community. The model only walks the CSR arrays, so every generator here
builds them directly with numpy: no networkx object is made on the hot path, and a
1,000,000-node graph with mean degree 12 takes about 1-1.5 s on one core.

Design choices (why):

* **All randomness comes from the caller's ``numpy.random.Generator``**: the same seed gives
  bit-identical arrays. Functions that accept ``rng=None`` use ``default_rng(0)`` so they stay
  deterministic.
* **Edges are deduplicated by sorting int64 keys** ``u * n + v``. ``np.unique`` is avoided: on
  numpy 2.4 it is ~70x slower than ``sort`` + mask for millions of int64 keys.
* **Communities** are the blocks for ``sbm``, the ``community`` attribute for files that have
  one, and otherwise *detected* with :func:`detect_communities` (graph-Voronoi cells around
  random seeds, about ``community_size`` nodes each). Louvain is not used: it takes tens of
  seconds beyond ~10^5 nodes and its community sizes ignore ``community_size``, the model's
  "households per leader" scale; one method for every n keeps small and large runs alike.
* **Leaders**: ``"degree"`` = highest-degree member (ties: lowest index), ``"random"`` =
  uniform member. Both are vectorized.

Loaded graphs (``kind: file``): edge-list CSV/TXT or GraphML. Self-loops and duplicate edges
are dropped silently, directed graphs are made undirected, edge weights are ignored and
isolated GraphML nodes are kept. Node labels become 0..n-1 *in numeric order* when every label
is an integer, otherwise *in order of first appearance* (CSV: row by row, source before
target; GraphML: document order). The original labels are kept in ``SocialGraph.labels``.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.limits import GRAPH_MAX_BYTES, GRAPH_MAX_EDGES, GRAPHML_MAX_BYTES, Limit, format_bytes
from sim.network_kinds import NETWORK_KINDS
from sim.sampling import distinct

if TYPE_CHECKING:  # networkx and scipy are imported where used: building a graph needs neither
    from collections.abc import Hashable, Iterable, Sequence

    import networkx as nx
    import scipy.sparse as sp

    from sim.scenario import Network, Scenario

__all__ = [
    "COMPLETE_MAX_NODES",
    "DEFAULT_COMMUNITY_SIZE",
    "KINDS",
    "NETWORK_KINDS",
    "LEADER_SELECTIONS",
    "NetworkError",
    "SocialGraph",
    "build_network",
    "check_graph_reference",
    "detect_communities",
    "load_graph",
    "select_leaders",
]

KINDS = NETWORK_KINDS.names()
LEADER_SELECTIONS = ("degree", "random")
#: A complete graph has n(n-1) CSR entries: 5,000 nodes are already 25M entries (100 MB).
COMPLETE_MAX_NODES = 5_000
#: Target community size for detection when no ``community_size`` is given.
DEFAULT_COMMUNITY_SIZE = 100
#: Degree exponent of ``scale_free`` (the Barabasi-Albert value, P(k) ~ k^-3).
SCALE_FREE_EXPONENT = 3.0
EDGE_LIST_SUFFIXES = (".csv", ".txt")
GRAPHML_SUFFIXES = (".graphml", ".xml")
#: A first CSV row made of these names is a header.
_HEADER_NAMES = frozenset(
    {"source", "target", "src", "dst", "from", "to", "u", "v", "node1", "node2", "node_1"}
    | {"node_2", "id1", "id2", "origin", "destination", "from_id", "to_id", "sender", "receiver"}
)
_INT_RE = re.compile(r"[+-]?\d+")


class NetworkError(ValueError):
    """The network cannot be built or loaded. The message names the field and allowed values."""


# =========================================================================== SocialGraph
@dataclass(frozen=True, eq=False)
class SocialGraph:
    """An undirected simple graph in CSR form with communities and one leader per community.

    Treat the arrays as read-only: the model shares them between components.
    ``labels`` holds the original node labels of a loaded graph (None for generated ones).
    """

    n: int
    indptr: np.ndarray  # int64, len n+1
    indices: np.ndarray  # int32, symmetric, sorted within each row
    community: np.ndarray  # int32, 0..n_communities-1, every id used
    leaders: np.ndarray  # int32, leaders[c] is a node of community c
    labels: np.ndarray | None = field(default=None)
    #: An implicit complete graph: no edge arrays (n(n-1) entries would not fit); everyone
    #: is everyone's neighbour. The model then uses mean-field neighbour operations.
    complete: bool = False

    def __post_init__(self) -> None:
        # Cheap O(n_communities) checks and dtype normalisation; `validate()` does the O(m) ones.
        object.__setattr__(self, "n", int(self.n))
        for name, dtype in (
            ("indptr", np.int64),
            ("indices", np.int32),
            ("community", np.int32),
            ("leaders", np.int32),
        ):
            object.__setattr__(self, name, np.ascontiguousarray(getattr(self, name), dtype=dtype))
        n = self.n
        if self.indptr.shape != (n + 1,) or self.community.shape != (n,):
            raise NetworkError(
                f"network: inconsistent graph arrays (n={n}, len(indptr)={len(self.indptr)}, "
                f"len(community)={len(self.community)})"
            )
        if self.complete:
            return
        if self.indptr[0] != 0 or self.indptr[-1] != len(self.indices):
            raise NetworkError("network: indptr must start at 0 and end at len(indices)")
        if self.leaders.ndim != 1 or (n and len(self.leaders) == 0):
            raise NetworkError("network: every graph needs at least one community leader")
        if self.labels is not None and len(self.labels) != n:
            raise NetworkError("network: labels must have one entry per node")

    # -- basic views ---------------------------------------------------------------------
    @property
    def n_communities(self) -> int:
        return int(len(self.leaders))

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(len(self.indices) // 2)

    @cached_property
    def degree(self) -> np.ndarray:
        """Degree per node (int64); cached because the model reads it often."""
        if self.complete:
            return np.full(self.n, self.n - 1, np.int64)
        return np.diff(self.indptr)

    @property
    def mean_degree(self) -> float:
        if self.complete:
            return float(self.n - 1)
        return float(len(self.indices) / self.n) if self.n else 0.0

    def neighbours(self, i: int) -> np.ndarray:
        """Sorted neighbour indices of node ``i`` (a view into ``indices``)."""
        if self.complete:
            return np.delete(np.arange(self.n, dtype=np.int32), i)
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def neighbourhood(self) -> Any:
        """The model's view of the network (CSR operations, or mean field when complete)."""
        from sim.sampling import CompleteNeighbourhood, Neighbourhood

        if self.complete:
            return CompleteNeighbourhood(self.n)
        return Neighbourhood(self.indptr, self.indices)

    # -- checks --------------------------------------------------------------------------
    def validate(self) -> None:
        """Check every structural invariant (O(m)); raise NetworkError on the first broken one."""
        n, ip, ix = self.n, self.indptr, self.indices
        if self.complete:
            ix = _complete_csr(n)[1] if n <= COMPLETE_MAX_NODES else ix
            ip = _complete_csr(n)[0] if n <= COMPLETE_MAX_NODES else ip
        if np.any(np.diff(ip) < 0):
            raise NetworkError("network: indptr must be non-decreasing")
        if len(ix) and (ix.min() < 0 or ix.max() >= n):
            raise NetworkError("network: neighbour index out of range")
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ip))
        if np.any(rows == ix):
            raise NetworkError("network: self-loop found")
        keys = rows * n + ix
        if len(keys) > 1 and np.any(np.diff(keys) <= 0):
            raise NetworkError("network: rows must be sorted and free of duplicate edges")
        rev = np.sort(ix.astype(np.int64) * n + rows)
        if not np.array_equal(rev, keys):
            raise NetworkError("network: adjacency is not symmetric")
        c = self.n_communities
        if n and (self.community.min() < 0 or self.community.max() >= c):
            raise NetworkError(f"network: community ids must be 0..{c - 1}")
        if np.any(np.bincount(self.community, minlength=c) == 0):
            raise NetworkError("network: every community id must have at least one node")
        if self.leaders.min() < 0 or self.leaders.max() >= n:
            raise NetworkError("network: leader index out of range")
        if not np.array_equal(self.community[self.leaders], np.arange(c)):
            raise NetworkError("network: leaders[c] must be a node of community c")

    # -- conversions ---------------------------------------------------------------------
    def _explicit(self) -> SocialGraph:
        """An implicit complete graph as arrays (small n only)."""
        if self.n > COMPLETE_MAX_NODES:
            raise NetworkError(
                f"network.kind: an explicit complete graph is limited to {COMPLETE_MAX_NODES:,} nodes"
            )
        indptr, indices = _complete_csr(self.n)
        return SocialGraph(self.n, indptr, indices, self.community, self.leaders, self.labels)

    def to_scipy(self) -> sp.csr_array:
        """Adjacency matrix with unit float32 weights (shares the index arrays where scipy can)."""
        import scipy.sparse as sp

        if self.complete:
            return self._explicit().to_scipy()
        data = np.ones(len(self.indices), dtype=np.float32)
        return sp.csr_array((data, self.indices, self.indptr), shape=(self.n, self.n))

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Each undirected edge once as ``(u, v)`` with ``u < v``, sorted."""
        if self.complete:
            return self._explicit().edges()
        rows = np.repeat(np.arange(self.n, dtype=np.int64), self.degree)
        upper = rows < self.indices
        return rows[upper], self.indices[upper].astype(np.int64)

    def to_networkx(self) -> nx.Graph:
        """A networkx Graph on nodes 0..n-1 (slow for millions of nodes; meant for analysis).

        Node attributes: ``community`` (int), ``leader`` (bool) and, for loaded graphs,
        ``label`` (the original label). Graph attributes: ``n_communities``. Only plain Python
        scalars are used so the result can be written with ``nx.write_graphml``.
        """
        import networkx as nx

        if self.complete:
            return self._explicit().to_networkx()
        G = nx.Graph(n_communities=self.n_communities)
        is_leader = np.zeros(self.n, dtype=bool)
        is_leader[self.leaders] = True
        comm = self.community.tolist()
        lead = is_leader.tolist()
        if self.labels is None:
            G.add_nodes_from((i, {"community": comm[i], "leader": lead[i]}) for i in range(self.n))
        else:
            labs = [_plain(x) for x in self.labels.tolist()]
            G.add_nodes_from(
                (i, {"community": comm[i], "leader": lead[i], "label": labs[i]})
                for i in range(self.n)
            )
        u, v = self.edges()
        G.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
        return G

    # -- constructors --------------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        n: int,
        src: Sequence[int] | np.ndarray,
        dst: Sequence[int] | np.ndarray,
        community: Sequence[Hashable] | np.ndarray | None = None,
        leader_selection: str = "degree",
        rng: np.random.Generator | None = None,
        *,
        community_size: int = DEFAULT_COMMUNITY_SIZE,
        labels: np.ndarray | None = None,
    ) -> SocialGraph:
        """Graph on nodes 0..n-1 from edge endpoint arrays (either direction, any order).

        Self-loops and duplicates are dropped. ``community`` (one label per node) is relabelled
        to 0..C-1: numeric arrays in sorted order, object arrays as in :func:`load_graph`
        (integer labels in numeric order, others first-seen). If None, communities are detected
        with :func:`detect_communities` at ``community_size``.
        """
        rng = _rng(rng)
        n = int(n)
        if n < 1:
            raise NetworkError(f"network: a graph needs at least one node (got n={n})")
        src = np.asarray(src)
        dst = np.asarray(dst)
        if src.shape != dst.shape or src.ndim != 1:
            raise NetworkError("network: src and dst must be 1-D arrays of the same length")
        if src.size and not (
            np.issubdtype(src.dtype, np.integer) and np.issubdtype(dst.dtype, np.integer)
        ):
            raise NetworkError("network: src and dst must hold integer node indices")
        src = src.astype(np.int64, copy=False)
        dst = dst.astype(np.int64, copy=False)
        if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
            raise NetworkError(f"network: edge endpoints must be node indices 0..{n - 1}")
        indptr, indices = _csr_from_pairs(n, src, dst)
        if community is None:
            comm = detect_communities(indptr, indices, community_size, rng)
        else:
            comm_arr = np.asarray(community)
            if comm_arr.shape != (n,):
                raise NetworkError(
                    f"network: community must have one entry per node ({n}), got shape "
                    f"{comm_arr.shape}"
                )
            comm = _dense_ids(comm_arr)
        leaders = select_leaders(comm, np.diff(indptr), leader_selection, rng)
        return cls(n, indptr, indices, comm, leaders, labels)

    @classmethod
    def from_networkx(
        cls,
        G: nx.Graph,
        community_attr: str | None = "community",
        leader_selection: str = "degree",
        rng: np.random.Generator | None = None,
        *,
        community_size: int = DEFAULT_COMMUNITY_SIZE,
    ) -> SocialGraph:
        """Convert any networkx graph; nodes become 0..n-1 in ``G.nodes`` order.

        Directed and multi-graphs are made simple and undirected, self-loops dropped. If every
        node has ``community_attr`` it gives the communities (int values in numeric order,
        others in first-seen order); if no node has it, communities are detected. Leaders
        are always chosen by ``leader_selection`` (a ``leader`` node attribute is ignored).
        Original node labels are kept in ``labels``.
        """
        nodes = list(G.nodes)
        return _from_nx(G, nodes, community_attr, leader_selection, rng, community_size, "network")


# =========================================================================== helpers
def _rng(rng: np.random.Generator | None) -> np.random.Generator:
    return np.random.default_rng(0) if rng is None else rng


def _plain(x: Any) -> Any:
    """A Python scalar for GraphML-safe attributes."""
    return x.item() if isinstance(x, np.generic) else x


def _unique_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and the index of each element's value (like np.unique)."""
    order = np.argsort(a, kind="stable")
    s = a[order]
    new = np.empty(len(s), dtype=bool)
    if len(s):
        new[0] = True
        np.not_equal(s[1:], s[:-1], out=new[1:])
    group = np.cumsum(new) - 1
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = group
    return s[new], inverse


def _dense_ids(values: np.ndarray) -> np.ndarray:
    """Relabel arbitrary labels to 0..C-1 (sorted order; first-seen if they do not sort)."""
    if values.dtype != object:
        return _unique_inverse(values)[1].astype(np.int32)
    codes, _ = _codes_for_labels(values)
    return codes.astype(np.int32)


def _is_int_label(x: Any) -> bool:
    if isinstance(x, bool | np.bool_):
        return False
    if isinstance(x, int | np.integer):
        return True
    return isinstance(x, str) and _INT_RE.fullmatch(x.strip()) is not None


def _all_int_labels(values: Sequence[Any] | np.ndarray) -> bool:
    """True if every label is an integer or an integer-like string (vectorized for strings)."""
    import pandas as pd

    values = list(values) if not isinstance(values, np.ndarray) else values
    if len(values) == 0:
        return False
    s = pd.Series(values, dtype=object)
    is_str = s.map(type).eq(str)
    if is_str.all():
        return bool(s.str.fullmatch(r"\s*[+-]?\d+\s*").all())
    return all(_is_int_label(x) for x in values)


def _codes_for_labels(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 for labels: numeric order if all are integers, else first-seen order.

    Integer-like strings count as integers, so "007" and "7" are the same node.
    """
    import pandas as pd  # local: only loaders need it

    codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=False)
    uniques = np.asarray(uniques, dtype=object)
    if _all_int_labels(uniques):
        try:
            ints = np.array([int(x) for x in uniques], dtype=np.int64)
        except OverflowError:
            return codes.astype(np.int64), uniques
        vals, inv = _unique_inverse(ints)
        return inv[codes], vals
    return codes.astype(np.int64), uniques


def _csr_from_pairs(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric CSR (sorted rows) from raw pairs: drops self-loops and duplicates.

    Both directions are encoded as int64 keys ``row << b | col`` (shifts are much cheaper
    than ``row * n + col`` and its division); one in-place sort puts them in CSR order and a
    neighbour-difference mask removes duplicates.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    off = u != v
    if not off.all():
        u, v = u[off], v[off]
    b = max(1, int(n - 1).bit_length())
    m = len(u)
    keys = np.empty(2 * m, dtype=np.int64)
    np.left_shift(u, b, out=keys[:m])
    keys[:m] |= v
    np.left_shift(v, b, out=keys[m:])
    keys[m:] |= u
    keys.sort()
    if len(keys) > 1:
        keep = np.empty(len(keys), dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        if not keep.all():
            keys = keys[keep]
    indices = (keys & ((1 << b) - 1)).astype(np.int32)
    keys >>= b
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=indptr[1:])
    return indptr, indices


def _gather_neighbours(
    indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(owner, neighbour) for every edge out of ``nodes``, vectorized."""
    starts = indptr[nodes]
    counts = indptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, nodes.dtype), np.empty(0, indices.dtype)
    owner = np.repeat(nodes, counts)
    base = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return owner, indices[base + np.arange(total, dtype=np.int64)]


def _even_chunks(order_group: np.ndarray, n_groups: int, target: int) -> tuple[np.ndarray, int]:
    """Split each group (``order_group`` sorted, one entry per item) into near-equal chunks.

    A group of s items becomes max(1, round(s/target)) chunks, so no chunk is tiny. Returns a
    global chunk id per item and the number of chunks.
    """
    size = np.bincount(order_group, minlength=n_groups)
    start = np.cumsum(size) - size
    q = np.maximum(1, np.rint(size / target)).astype(np.int64)
    q = np.minimum(q, np.maximum(size, 1))
    pos = np.arange(len(order_group), dtype=np.int64) - start[order_group]
    sub = pos * q[order_group] // size[order_group]
    q_used = np.where(size > 0, q, 0)  # empty groups own no chunk id
    offset = np.cumsum(q_used) - q_used
    return offset[order_group] + sub, int(q_used.sum())


# =========================================================================== communities
def detect_communities(
    indptr: np.ndarray,
    indices: np.ndarray,
    community_size: int = DEFAULT_COMMUNITY_SIZE,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Partition nodes into local communities of about ``community_size`` nodes (int32 ids).

    Why this method: the model needs neighbourhood-sized groups (one leader each) for any n in
    well under a second, deterministically. Steps, all vectorized:

    1. n/community_size random seeds; a simultaneous BFS from all of them gives every node
       its nearest seed (graph-Voronoi cells; ties go to a random frontier node);
    2. components that got no seed are found (scipy, on those nodes only): each of at least
       community_size/2 nodes gets round(size/community_size) seeds and its own BFS;
    3. cells under community_size/2 nodes merge into their largest neighbouring cell;
       what is still that small (isolates, tiny components) is pooled and cut into chunks;
    4. cells over ~1.5x community_size (e.g. around hubs) are cut into near-equal chunks
       along BFS order (distance from the seed, then node index).

    Ids are 0..C-1 ordered by each community's lowest node index; none is empty.
    """
    rng = _rng(rng)
    n = len(indptr) - 1
    target = max(1, int(community_size))
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    indptr = np.asarray(indptr, dtype=np.int64)
    prio = rng.permutation(n).astype(np.int32)  # random priorities: seeds and tie-breaks
    inv_prio = np.empty(n, dtype=np.int32)
    inv_prio[prio] = np.arange(n, dtype=np.int32)
    label = np.full(n, -1, dtype=np.int32)
    dist = np.zeros(n, dtype=np.int32)

    # 1. global seeds
    n_cells = max(1, int(round(n / target)))
    seeds = np.flatnonzero(prio < n_cells)
    _voronoi(indptr, indices, seeds, 0, prio, inv_prio, label, dist)

    # 2. components without a seed
    comp_key = np.full(n, -1, dtype=np.int64)  # pooling order for small components
    rest = np.flatnonzero(label < 0)
    if len(rest):
        import scipy.sparse as sp
        from scipy.sparse.csgraph import connected_components

        local = np.full(n, -1, dtype=np.int64)
        local[rest] = np.arange(len(rest))
        owner, nbr = _gather_neighbours(indptr, indices, rest)
        sub = sp.coo_array(
            (np.ones(len(owner), dtype=np.float64), (local[owner], local[nbr])),
            shape=(len(rest), len(rest)),
        ).tocsr()
        n_comp, comp = connected_components(sub, directed=True, connection="strong")
        comp_size = np.bincount(comp, minlength=n_comp)
        k_seeds = np.where(comp_size * 2 < target, 0, np.maximum(1, np.rint(comp_size / target)))
        order = np.argsort(comp.astype(np.int64) * n + prio[rest])
        oc = comp[order]
        rank = np.arange(len(order)) - np.searchsorted(oc, oc)
        sub_seeds = np.sort(rest[order[rank < k_seeds[oc]]])
        _voronoi(indptr, indices, sub_seeds, n_cells, prio, inv_prio, label, dist)
        n_cells += len(sub_seeds)
        comp_key[rest] = comp

    # 3. merge tiny cells into their largest neighbouring cell
    labelled = label >= 0
    size = np.bincount(label[labelled], minlength=n_cells).astype(np.int64)
    tiny = size * 2 < target
    if tiny.any():
        t_nodes = np.flatnonzero(labelled & tiny[np.maximum(label, 0)])
        owner, nbr = _gather_neighbours(indptr, indices, t_nodes)
        a, b = label[owner], label[nbr]
        cut = a != b
        a, b = a[cut], b[cut]
        rank_key = size * n_cells + np.arange(n_cells)  # (size, id): merging is acyclic
        best = np.full(n_cells, -1, dtype=np.int64)
        np.maximum.at(best, a, rank_key[b])
        parent = np.arange(n_cells)
        up = best > rank_key
        parent[up] = best[up] % n_cells
        while True:
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt
        label[labelled] = parent[label[labelled]]
        size = np.bincount(label[labelled], minlength=n_cells).astype(np.int64)
        tiny = size * 2 < target
        still = labelled & tiny[np.maximum(label, 0)]
        comp_key[still] = (1 << 40) + label[still].astype(np.int64)
        label[still] = -1

    # 4. split large cells along BFS order; pool the rest
    community = np.empty(n, dtype=np.int64)
    cell_nodes = np.flatnonzero(label >= 0)
    n_big = 0
    if len(cell_nodes):
        cells = label[cell_nodes].astype(np.int64)
        max_dist = int(dist.max()) + 1
        if n_cells * max_dist * n < 2**62:
            key = (cells * max_dist + dist[cell_nodes]) * n + cell_nodes
            cell_order = cell_nodes[np.argsort(key)]
        else:  # pragma: no cover - astronomically long paths
            cell_order = cell_nodes[np.lexsort((dist[cell_nodes], cells))]
        chunk, n_big = _even_chunks(label[cell_order].astype(np.int64), n_cells, target)
        community[cell_order] = chunk
    pooled = np.flatnonzero(label < 0)
    if len(pooled):
        pooled = pooled[np.lexsort((pooled, comp_key[pooled]))]
        chunk, _ = _even_chunks(np.zeros(len(pooled), dtype=np.int64), 1, target)
        community[pooled] = n_big + chunk
    return _renumber_by_first_node(community)


def _voronoi(
    indptr: np.ndarray,
    indices: np.ndarray,
    seeds: np.ndarray,
    first_label: int,
    prio: np.ndarray,
    inv_prio: np.ndarray,
    label: np.ndarray,
    dist: np.ndarray,
) -> None:
    """Multi-source BFS from sorted ``seeds`` (labels first_label+k), filling label and dist.

    A node reached by several frontier nodes at once takes the one with the lowest ``prio``
    (np.minimum.at is order-independent, hence deterministic).
    """
    n = len(label)
    label[seeds] = first_label + np.arange(len(seeds), dtype=np.int32)
    best = np.full(n, n, dtype=np.int32)
    frontier = seeds
    level = 0
    while len(frontier):
        level += 1
        owner, nbr = _gather_neighbours(indptr, indices, frontier)
        fresh = label[nbr] < 0
        owner, nbr = owner[fresh], nbr[fresh]
        if len(nbr) == 0:
            break
        np.minimum.at(best, nbr, prio[owner])
        new = distinct(nbr)
        label[new] = label[inv_prio[best[new]]]
        dist[new] = level
        best[new] = n
        frontier = new


def _renumber_by_first_node(community: np.ndarray) -> np.ndarray:
    """Ids 0..C-1 ordered by each community's lowest node (dropping unused ids)."""
    n = len(community)
    n_ids = int(community.max()) + 1
    first = np.full(n_ids, n, dtype=np.int64)
    np.minimum.at(first, community, np.arange(n, dtype=np.int64))
    used = np.flatnonzero(first < n)
    rank = np.full(n_ids, -1, dtype=np.int64)
    rank[used[np.argsort(first[used])]] = np.arange(len(used))
    return rank[community].astype(np.int32)


def _chunk_communities(n: int, size: int) -> np.ndarray:
    """Consecutive blocks of ``size`` nodes; a remainder under size/2 joins the last block."""
    size = max(1, int(size))
    n_blocks = max(1, n // size)
    if n - n_blocks * size and (n - n_blocks * size) * 2 >= size and n >= size:
        n_blocks += 1
    comm = np.minimum(np.arange(n, dtype=np.int64) // size, n_blocks - 1)
    return comm.astype(np.int32)


def select_leaders(
    community: np.ndarray,
    degree: np.ndarray,
    method: str = "degree",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """One leader node per community (int32, indexed by community id).

    ``"degree"``: the member with the most contacts (ties: lowest index) — the best-connected
    household is the natural 团长. ``"random"``: uniform member, drawn from ``rng``.
    """
    if method not in LEADER_SELECTIONS:
        raise NetworkError(
            f"network.leader_selection: must be one of {', '.join(map(repr, LEADER_SELECTIONS))}"
            f" (got {method!r})"
        )
    community = np.asarray(community, dtype=np.int64)
    n = len(community)
    n_comm = int(community.max()) + 1 if n else 0
    best = np.full(n_comm, -1, dtype=np.int64)
    if method == "degree":
        key = np.asarray(degree, dtype=np.int64) * n + (n - 1 - np.arange(n, dtype=np.int64))
        np.maximum.at(best, community, key)
        leaders = n - 1 - best % n
    else:
        prio = _rng(rng).permutation(n).astype(np.int64)
        inv = np.empty(n, dtype=np.int64)
        inv[prio] = np.arange(n, dtype=np.int64)
        np.maximum.at(best, community, prio)
        leaders = inv[best]
    if np.any(best < 0):
        raise NetworkError("network: community ids must be 0..C-1 with no empty community")
    return leaders.astype(np.int32)


# =========================================================================== generators
def _target_edges(n: int, mean_degree: float) -> float:
    """Expected undirected edge count for a mean degree, capped at the complete graph."""
    return min(n * float(mean_degree) / 2.0, n * (n - 1) / 2.0)


def _draws_for_distinct(pairs: float, wanted: float) -> float:
    """Uniform draws with replacement whose expected number of distinct pairs is ``wanted``."""
    if wanted <= 0 or pairs <= 0:
        return 0.0
    if pairs == 1:
        return float(wanted)
    return math.log1p(-wanted / pairs) / math.log1p(-1.0 / pairs)


def _block_pairs(
    starts: np.ndarray, size: int, wanted: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random pairs inside equal-size blocks, ~``wanted`` distinct edges per block (G(n,p)-like).

    Sparse blocks: Poisson-many uniform draws with replacement, the count corrected so that the
    expected number of *distinct* pairs is ``wanted``. Dense blocks (p >= 0.5): one Bernoulli
    per pair, which costs at most twice the edges produced.
    """
    n_blocks = len(starts)
    pairs = size * (size - 1) / 2
    if n_blocks == 0 or pairs == 0 or wanted <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    p = min(1.0, wanted / pairs)
    if p >= 0.5:
        iu, ju = np.triu_indices(size, 1)
        hit = rng.random((n_blocks, len(iu))) < p
        blk, pair = np.nonzero(hit)
        return starts[blk] + iu[pair], starts[blk] + ju[pair]
    counts = rng.poisson(_draws_for_distinct(pairs, wanted), size=n_blocks)
    base = np.repeat(starts, counts)
    total = len(base)
    a = rng.integers(0, size, total)
    b = rng.integers(0, size - 1, total)
    b += b >= a
    return base + a, base + b


def _sbm_pairs(
    n: int, mean_degree: float, block: int, within: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stochastic block model on consecutive blocks; returns (u, v, community).

    Each node expects ``within*mean_degree`` ties inside its block and the rest outside. A
    block too small to hold its within ties is made complete and the excess moves to
    between-block ties (and vice versa with a single block), so the mean degree is kept.
    """
    community = _chunk_communities(n, block)
    sizes = np.bincount(community).astype(np.int64)
    starts = np.cumsum(sizes) - sizes
    total = _target_edges(n, mean_degree)
    cap_in = sizes * (sizes - 1) / 2
    want_in = np.minimum(sizes * mean_degree * within / 2.0, cap_in)
    cap_out = (n * n - float(np.sum(sizes * sizes))) / 2
    want_out = min(total - float(want_in.sum()), cap_out)
    spare = total - want_out - float(want_in.sum())
    if spare > 1e-9:  # between-block pairs exhausted: top up blocks with room left
        room = cap_in - want_in
        want_in = want_in + spare * room / max(float(room.sum()), 1e-12)

    us, vs = [], []
    for s in np.unique(sizes):  # at most two distinct block sizes
        sel = sizes == s
        per_block = float(want_in[sel][0])
        u, v = _block_pairs(starts[sel], int(s), per_block, rng)
        us.append(u)
        vs.append(v)

    if want_out > 0:
        p = want_out / cap_out
        if p >= 0.5:  # dense: Bernoulli on every cross-block pair
            iu, ju = np.triu_indices(n, 1)
            cross = community[iu] != community[ju]
            iu, ju = iu[cross], ju[cross]
            hit = rng.random(len(iu)) < p
            us.append(iu[hit].astype(np.int64))
            vs.append(ju[hit].astype(np.int64))
        else:
            # uniform ordered cross pair: block b w.p. ∝ s_b (n - s_b), u in b, v outside b
            draws = int(rng.poisson(_draws_for_distinct(cap_out, want_out)))
            w = sizes * (n - sizes)
            b = rng.choice(len(sizes), size=draws, p=w / w.sum())
            u = starts[b] + rng.integers(0, sizes[b])
            v = rng.integers(0, n - sizes[b])
            v += sizes[b] * (v >= starts[b])
            us.append(u)
            vs.append(v)
    return np.concatenate(us), np.concatenate(vs), community


def _ring_half(n: int, mean_degree: float) -> int:
    """Neighbours on each side: mean degree rounded to the nearest even number (>= 2)."""
    return max(1, min(int(math.floor(mean_degree / 2.0 + 0.5)), n // 2))


def _ring_pairs(n: int, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Ring lattice: node i linked to i+1..i+half (mod n)."""
    u = np.repeat(np.arange(n, dtype=np.int64), half)
    v = (np.arange(n, dtype=np.int64)[:, None] + np.arange(1, half + 1)).ravel()
    v[v >= n] -= n
    return u, v


def _small_world_pairs(
    n: int, mean_degree: float, rewire: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Watts-Strogatz: ring lattice, then each edge's far end is rewired with prob ``rewire``.

    The new end is uniform among nodes at ring distance > half (never a self-loop or a lattice
    edge), so no rejection loop is needed; networkx instead excludes the *current* neighbours,
    which differs only in the rare case that lattice edge was itself rewired. The rare
    coincidence of two rewired edges is dropped, so the mean degree can dip by ~k^2/n.
    """
    half = _ring_half(n, mean_degree)
    u, v = _ring_pairs(n, half)
    far = n - 2 * half - 1  # nodes at ring distance > half
    if far > 0 and rewire > 0:
        move = np.flatnonzero(rng.random(len(u)) < rewire)
        v[move] = (u[move] + half + 1 + rng.integers(0, far, len(move))) % n
    return u, v


def _scale_free_pairs(
    n: int, mean_degree: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Configuration model on the Barabasi-Albert expected degree sequence.

    Why not exact BA: its sequential growth cannot be vectorized. Node i (random order) gets
    degree round(m * sqrt(n / (i + 1/2))) with m = mean_degree/2 — the expected BA degree of
    the i-th arrival, so P(k) ~ k^-3, min degree ~m, max ~m*sqrt(2n) — and stubs are paired
    at random. Self-loops and multi-edges (mostly among hubs) are dropped, which trims the
    mean degree by a few percent at most. Unlike BA there are no age-degree correlations.
    """
    m = mean_degree / 2.0
    quantile = (np.arange(n, dtype=np.float64) + 0.5) / n
    deg = np.rint(m * quantile ** (-1.0 / (SCALE_FREE_EXPONENT - 1.0))).astype(np.int64)
    deg = np.minimum(deg, n - 1)
    if deg.sum() % 2:
        deg[-1] += 1 if deg[-1] < n - 1 else -1
    deg = rng.permutation(deg)
    # random stub order by sorting (random bits << 25 | node): ~2x faster than rng.shuffle
    stubs = np.repeat(np.arange(n, dtype=np.int64), deg)
    if n < 1 << 25:
        stubs |= rng.integers(0, 1 << 38, len(stubs), dtype=np.int64) << 25
        stubs.sort()
        stubs &= (1 << 25) - 1
    else:  # pragma: no cover - beyond population.consumers' limit
        rng.shuffle(stubs)
    return stubs[0::2], stubs[1::2]


def _complete_csr(n: int) -> tuple[np.ndarray, np.ndarray]:
    cols = np.broadcast_to(np.arange(n, dtype=np.int32), (n, n))
    indices = cols[~np.eye(n, dtype=bool)]
    indptr = np.arange(n + 1, dtype=np.int64) * (n - 1)
    return indptr, indices


def _sbm(n: int, k: float, csize: int, cfg: Network, rng: np.random.Generator) -> Any:
    return _sbm_pairs(n, k, csize, float(cfg.within_share), rng)


def _erdos_renyi(n: int, k: float, csize: int, cfg: Network, rng: np.random.Generator) -> Any:
    return (*_block_pairs(np.zeros(1, np.int64), n, _target_edges(n, k), rng), None)


def _ring(n: int, k: float, csize: int, cfg: Network, rng: np.random.Generator) -> Any:
    return (*_ring_pairs(n, _ring_half(n, k)), None)


def _small_world(n: int, k: float, csize: int, cfg: Network, rng: np.random.Generator) -> Any:
    return (*_small_world_pairs(n, k, float(cfg.rewire), rng), None)


def _scale_free(n: int, k: float, csize: int, cfg: Network, rng: np.random.Generator) -> Any:
    return (*_scale_free_pairs(n, k, rng), None)


#: edge generators of the sparse kinds: (u, v, blocks or None); "complete" and "file" are
#: handled in build_network
_GENERATORS = {
    "sbm": _sbm,
    "small_world": _small_world,
    "scale_free": _scale_free,
    "erdos_renyi": _erdos_renyi,
    "ring": _ring,
}
if set(_GENERATORS) | {"complete", "file"} != set(NETWORK_KINDS.names()):  # pragma: no cover
    raise RuntimeError("sim.network: every registered network kind needs a generator")


def build_network(cfg: Network, n: int | None, rng: np.random.Generator) -> SocialGraph:
    """The social network a scenario asks for, on ``n`` consumers (population.consumers).

    ``sbm`` communities are its blocks; ``file`` uses the file's ``community`` attribute if
    any; every other kind detects communities of ~``community_size`` nodes. For ``file`` the
    node count must equal ``n`` (pass ``n=None`` to accept the file's).
    """
    kind = getattr(cfg, "kind", None)
    if kind not in KINDS:
        raise NetworkError(
            f"network.kind: must be one of {', '.join(map(repr, KINDS))} (got {kind!r})"
        )
    leader_sel = cfg.leader_selection
    if leader_sel not in LEADER_SELECTIONS:
        raise NetworkError(
            f"network.leader_selection: must be one of {', '.join(map(repr, LEADER_SELECTIONS))}"
            f" (got {leader_sel!r})"
        )
    csize = int(cfg.community_size)
    if csize < 1:
        raise NetworkError(f"network.community_size: must be >= 1 (got {csize})")

    if kind == "file":
        if not cfg.path:
            raise NetworkError("network.path: required when network.kind is 'file'")
        g = load_graph(cfg.path, leader_sel, rng, community_size=csize)
        if n is not None and g.n != int(n):
            raise NetworkError(
                f"network.path: the file has {g.n} nodes but population.consumers is {n}; "
                f"set population.consumers to {g.n}"
            )
        return g

    if n is None or int(n) < 2:
        raise NetworkError(f"population.consumers: a network needs at least 2 consumers (got {n})")
    n = int(n)
    k = float(cfg.mean_degree)
    if not k > 0:
        raise NetworkError(f"network.mean_degree: must be > 0 (got {k})")

    community: np.ndarray | None = None
    if kind == "complete":
        community = _chunk_communities(n, csize)
        if n > COMPLETE_MAX_NODES:
            # implicit: everyone is everyone's neighbour; the model works in mean field
            leaders = select_leaders(community, np.full(n, n - 1, np.int64), leader_sel, rng)
            return SocialGraph(
                n,
                np.zeros(n + 1, np.int64),
                np.zeros(0, np.int32),
                community,
                leaders,
                complete=True,
            )
        indptr, indices = _complete_csr(n)
    else:
        u, v, community = _GENERATORS[kind](n, k, csize, cfg, rng)
        indptr, indices = _csr_from_pairs(n, u, v)
    if community is None:
        community = detect_communities(indptr, indices, csize, rng)
    leaders = select_leaders(community, np.diff(indptr), leader_sel, rng)
    return SocialGraph(n, indptr, indices, community, leaders)


# =========================================================================== loading
def load_graph(
    path: str | Path,
    leader_selection: str = "degree",
    rng: np.random.Generator | None = None,
    *,
    community_size: int = DEFAULT_COMMUNITY_SIZE,
) -> SocialGraph:
    """Load an edge list (``.csv``/``.txt``) or GraphML (``.graphml``/``.xml``) file.

    Edge lists: two columns ``source,target`` per row, optional header (a first row of column
    names such as ``source,target``, or a non-integer first row above all-integer rows). CSV is
    comma separated; ``.txt`` may be comma or whitespace separated and may have ``#`` comment
    lines (SNAP format). GraphML: a node attribute ``community`` (on every node) gives the
    communities. Otherwise communities are detected at ``community_size``. See the module
    docstring for relabelling, and self-loop/duplicate/direction handling.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    allowed = EDGE_LIST_SUFFIXES + GRAPHML_SUFFIXES
    if suffix not in allowed:
        raise NetworkError(
            f"network.path: unsupported file type {p.suffix or '(none)'!r} for {p.name!r} "
            f"(allowed: {', '.join(allowed)})"
        )
    if not p.is_file():
        if p.exists():
            raise NetworkError(
                f"network.path: {str(p)!r} is not a regular file (a folder or device)"
            )
        raise NetworkError(f"network.path: file not found: {str(p)!r}")
    _check_file_size(p, GRAPHML_MAX_BYTES if suffix in GRAPHML_SUFFIXES else GRAPH_MAX_BYTES)
    if suffix in GRAPHML_SUFFIXES:
        return _load_graphml(p, leader_selection, rng, community_size)
    src, dst = _read_edge_list(p)
    codes, labels = _codes_for_labels(np.column_stack((src, dst)).ravel())
    n = len(labels)
    if n < 2:
        raise NetworkError(f"network.path: {p.name} has {n} node; a network needs at least 2")
    g = SocialGraph.from_edges(
        n,
        codes[0::2],
        codes[1::2],
        None,
        leader_selection,
        rng,
        community_size=community_size,
        labels=labels,
    )
    if g.n_edges == 0:
        raise NetworkError(f"network.path: {p.name} has no edges (only self-loops)")
    return g


def check_graph_reference(scenario: Scenario) -> None:
    """Check the graph file a scenario refers to as a run would use it: ``network.path``
    exists, is within the graph-file limits, parses, and has population.consumers nodes.

    ``symbiosim validate`` calls this after the schema check, so a scenario it accepts does
    not fail later for a missing or broken graph file. Raises NetworkError (one line)."""
    net = scenario.network
    if net.kind != "file":
        return
    g = load_graph(
        str(net.path),
        net.leader_selection,
        np.random.default_rng(0),
        community_size=net.community_size,
    )
    n = scenario.population.consumers
    if g.n != n:
        raise NetworkError(
            f"network.path: the file has {g.n:,} nodes but population.consumers is {n:,}; "
            f"set population.consumers to {g.n}"
        )


def _check_file_size(p: Path, limit: Limit) -> None:
    """Refuse a graph file above its size limit before reading a byte of it."""
    try:
        size = p.stat().st_size
    except OSError as err:
        raise NetworkError(f"network.path: cannot read {p.name} ({err.strerror or err})") from None
    cap = limit.value()
    if size > cap:
        raise NetworkError(
            f"network.path: {p.name} is {format_bytes(size)}, above the {format_bytes(cap)} "
            f"limit for {limit.what.split(' (')[0]}; {limit.how_to_raise()}"
        )


def _read_edge_list(p: Path) -> tuple[np.ndarray, np.ndarray]:
    """The two label columns of an edge-list file as object arrays of str (at most
    ``graph_max_edges`` rows: the reader stops one row past the limit)."""
    import pandas as pd

    max_edges = GRAPH_MAX_EDGES.value()
    try:
        with p.open("r", encoding="utf-8-sig") as fh:
            head = fh.read(65536)
    except UnicodeDecodeError:
        raise NetworkError(
            f"network.path: {p.name} is not a UTF-8 text edge list (garbled or binary file)"
        ) from None
    except OSError as err:
        raise NetworkError(f"network.path: cannot read {p.name} ({err.strerror or err})") from None
    if "\x00" in head:
        raise NetworkError(f"network.path: {p.name} is a binary file, not a text edge list")
    txt = p.suffix.lower() == ".txt"
    first = next(
        (
            ln
            for ln in head.splitlines()
            if ln.strip() and not (txt and ln.lstrip().startswith("#"))
        ),
        "",
    )
    if not first:
        raise NetworkError(f"network.path: {p.name} is empty (no edges)")
    whitespace = txt and "," not in first
    try:
        df = pd.read_csv(
            p,
            sep=r"\s+" if whitespace else ",",
            header=None,
            dtype=str,
            comment="#" if txt else None,
            skip_blank_lines=True,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=True,
            encoding="utf-8-sig",
            engine="c",
            nrows=max_edges + 2,  # a header row, and one row to tell "more than the limit"
        )
    except pd.errors.EmptyDataError:
        raise NetworkError(f"network.path: {p.name} is empty (no edges)") from None
    except pd.errors.ParserError as err:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if m:
            line, cols = (m.group(2), m.group(3)) if m.group(1) == "2" else ("1", m.group(1))
            raise NetworkError(
                f"network.path: {p.name} line {line} has {cols} column(s); each row must have "
                "exactly two (source,target)"
            ) from None
        raise NetworkError(f"network.path: cannot parse {p.name} as an edge list ({err})") from None
    except UnicodeDecodeError:
        raise NetworkError(
            f"network.path: {p.name} is not a UTF-8 text edge list (garbled or binary file)"
        ) from None
    except (OSError, ValueError) as err:
        raise NetworkError(f"network.path: cannot read {p.name} ({err})") from None

    if df.shape[1] != 2:
        raise NetworkError(
            f"network.path: {p.name} line 1 has {df.shape[1]} column(s); each row must have "
            "exactly two (source,target)"
        )
    src = df[0].astype(str).str.strip().to_numpy(dtype=object)
    dst = df[1].astype(str).str.strip().to_numpy(dtype=object)
    missing = np.flatnonzero((src == "") | (dst == ""))
    if len(missing):
        raise NetworkError(
            f"network.path: {p.name} row {int(missing[0]) + 1} does not have two non-empty "
            "columns; each row must be source,target"
        )
    if _is_header(src, dst):
        src, dst = src[1:], dst[1:]
    if len(src) == 0:
        raise NetworkError(f"network.path: {p.name} is empty (no edges)")
    if len(src) > max_edges:
        raise NetworkError(
            f"network.path: {p.name} has more than {max_edges:,} rows (edges), the limit for "
            f"an edge-list file; {GRAPH_MAX_EDGES.how_to_raise()}"
        )
    return src, dst


def _is_header(src: np.ndarray, dst: np.ndarray) -> bool:
    """First row is a header if it holds column names, or text above all-integer rows."""
    if len(src) == 0:
        return False
    a, b = str(src[0]).lower(), str(dst[0]).lower()
    if a in _HEADER_NAMES and b in _HEADER_NAMES:
        return True
    if _is_int_label(a) and _is_int_label(b):
        return False
    return len(src) > 1 and _all_int_labels(np.concatenate((src[1:], dst[1:])))


def _load_graphml(
    p: Path, leader_selection: str, rng: np.random.Generator | None, community_size: int
) -> SocialGraph:
    import networkx as nx

    try:
        G = nx.read_graphml(p)
    except Exception as err:  # noqa: BLE001 - xml, networkx and decoding errors all mean "garbled"
        reason = str(err).splitlines()[0][:200] if str(err) else err.__class__.__name__
        raise NetworkError(f"network.path: cannot parse {p.name} as GraphML ({reason})") from None
    n = G.number_of_nodes()
    if n == 0:
        raise NetworkError(f"network.path: {p.name} is an empty graph (no nodes)")
    if n < 2:
        raise NetworkError(f"network.path: {p.name} has {n} node; a network needs at least 2")
    nodes = list(G.nodes)
    if _all_int_labels(nodes):
        nodes = sorted(nodes, key=lambda x: int(x))
    g = _from_nx(G, nodes, "community", leader_selection, rng, community_size, "network.path")
    if g.n_edges == 0:
        raise NetworkError(f"network.path: {p.name} has no edges")
    return g


def _from_nx(
    G: nx.Graph,
    nodes: list[Any],
    community_attr: str | None,
    leader_selection: str,
    rng: np.random.Generator | None,
    community_size: int,
    where: str,
) -> SocialGraph:
    """Shared body of from_networkx and the GraphML loader (``where`` prefixes messages)."""
    n = len(nodes)
    if n == 0:
        raise NetworkError(f"{where}: the graph has no nodes")
    index = {node: i for i, node in enumerate(nodes)}
    edges: Iterable[tuple[Any, Any]] = G.edges()
    pairs = np.fromiter(
        (x for a, b in edges for x in (index[a], index[b])),
        dtype=np.int64,
        count=2 * G.number_of_edges(),
    )
    community = None
    if community_attr is not None:
        attrs = G.nodes(data=community_attr)
        values = [attrs[v] for v in nodes]
        have = [x is not None for x in values]
        if any(have):
            if not all(have):
                missing = nodes[have.index(False)]
                raise NetworkError(
                    f"{where}: node {missing!r} has no {community_attr!r} attribute; give it "
                    "to every node or to none (then communities are detected)"
                )
            community = np.fromiter(values, dtype=object, count=n)
    labels = np.fromiter(nodes, dtype=object, count=n)
    if _all_int_labels(nodes):
        with contextlib.suppress(OverflowError):  # beyond int64: keep the original objects
            labels = np.array([int(x) for x in nodes], dtype=np.int64)
    return SocialGraph.from_edges(
        n,
        pairs[0::2],
        pairs[1::2],
        community,
        leader_selection,
        rng,
        community_size=community_size,
        labels=labels,
    )
