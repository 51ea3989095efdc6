"""The classroom picture's geometry: where each household sits, and the colours of states.

The layout is computed once per graph (communities placed by a spring layout of the
community graph, consumers by a spring layout inside their community); the browser draws
the picture from these positions (:mod:`sim.dashboard.livenet`).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.network import SocialGraph

# state codes of Population.state_codes
STATES = ("unaware", "aware", "active", "partner", "lapsed")
STATE_COLOURS = ("#d9d9d9", "#f2c14e", "#2f7fd0", "#8e44ad", "#e4572e")
STATE_HELP = (
    "never heard of the platform",
    "aware, never bought",
    "bought in the last 30 days",
    "an active customer who is a partner (共生)",
    "a customer who has not bought for 30 days",
)
MAX_LAYOUT_EDGES = 60_000
SPRING_MAX_NODES = 400  # larger communities get a cheaper phyllotaxis layout


def _unit_disc(xy: np.ndarray) -> np.ndarray:
    xy = xy - xy.mean(axis=0)
    r = np.sqrt((xy**2).sum(axis=1)).max()
    return xy / r if r > 0 else xy


def _phyllotaxis(n: int) -> np.ndarray:
    """Evenly spread points in the unit disc (sunflower pattern)."""
    k = np.arange(n) + 0.5
    r = np.sqrt(k / n)
    theta = np.pi * (3 - np.sqrt(5)) * k
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def _even_disc(pos: np.ndarray) -> np.ndarray:
    """Move nodes onto evenly spread disc points, keeping their radial and angular order:
    spring layouts leave stragglers and chains, which read badly at small sizes."""
    m = len(pos)
    target = _phyllotaxis(m)  # radius increases with the index
    pos = pos - pos.mean(axis=0)
    by_radius = np.argsort(np.hypot(pos[:, 0], pos[:, 1]), kind="stable")
    rings = max(1, int(np.sqrt(m) / 1.5))
    out = np.empty_like(target)
    for nodes, points in zip(
        np.array_split(by_radius, rings), np.array_split(np.arange(m), rings), strict=True
    ):
        a = np.arctan2(pos[nodes, 1], pos[nodes, 0])
        b = np.arctan2(target[points, 1], target[points, 0])
        out[nodes[np.argsort(a, kind="stable")]] = target[points[np.argsort(b, kind="stable")]]
    return out


def community_layout(graph: SocialGraph, seed: int = 0) -> np.ndarray:
    """Node positions in [0, 1]²: one disc per community (area ∝ size), discs placed by a
    weighted spring layout of the community graph and pushed apart until they don't overlap."""
    n, c = graph.n, graph.n_communities
    comm = graph.community
    sizes = np.bincount(comm, minlength=c).astype(float)
    radius = np.sqrt(sizes)
    u, v = graph.edges()
    if len(u) > MAX_LAYOUT_EDGES:  # dense graphs: a sample shows the same structure
        pick = np.sort(np.random.default_rng(seed).choice(len(u), MAX_LAYOUT_EDGES, replace=False))
        u, v = u[pick], v[pick]
    cu, cv = comm[u], comm[v]
    # community centres
    if c == 1:
        centres = np.zeros((1, 2))
    else:
        q = nx.Graph()
        q.add_nodes_from(range(c))
        cross = cu != cv
        if cross.any():
            pairs, weights = np.unique(
                np.sort(np.column_stack([cu[cross], cv[cross]]), axis=1), axis=0, return_counts=True
            )
            q.add_weighted_edges_from(
                (int(a), int(b), float(w)) for (a, b), w in zip(pairs, weights, strict=True)
            )
        centres = np.array(
            list(nx.spring_layout(q, seed=seed, weight="weight", iterations=100).values())
        )
        # scale so neighbouring discs nearly touch, then remove the remaining overlaps
        d = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(d, np.inf)
        nearest = float(np.median(d.min(axis=1)))
        centres = centres * (2.3 * float(np.median(radius)) / max(nearest, 1e-9))
        centres = _separate(centres, radius * 1.12)
    # nodes inside each community
    xy = np.zeros((n, 2))
    order = np.argsort(comm, kind="stable")
    bounds = np.searchsorted(comm[order], np.arange(c + 1))
    inside = cu == cv
    iu, iv, ic = u[inside], v[inside], cu[inside]
    e_order = np.argsort(ic, kind="stable")
    iu, iv, ic = iu[e_order], iv[e_order], ic[e_order]
    e_bounds = np.searchsorted(ic, np.arange(c + 1))
    local = np.empty(n, np.int64)
    for k in range(c):
        nodes = order[bounds[k] : bounds[k + 1]]
        m = len(nodes)
        if m == 1:
            pos = np.zeros((1, 2))
        elif m > SPRING_MAX_NODES:
            deg = graph.degree[nodes]
            pos = np.empty((m, 2))
            pos[np.argsort(-deg, kind="stable")] = _phyllotaxis(m)
        else:
            local[nodes] = np.arange(m)
            h = nx.Graph()
            h.add_nodes_from(range(m))
            s, t = e_bounds[k], e_bounds[k + 1]
            h.add_edges_from(zip(local[iu[s:t]].tolist(), local[iv[s:t]].tolist(), strict=True))
            pos = _even_disc(np.array(list(nx.spring_layout(h, seed=seed, iterations=40).values())))
        xy[nodes] = centres[k] + _unit_disc(pos) * radius[k]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = max(float((hi - lo).max()), 1e-9)
    return (xy - lo) / span + (1 - (hi - lo) / span) / 2


def _separate(centres: np.ndarray, radius: np.ndarray, rounds: int = 200) -> np.ndarray:
    """Push overlapping discs apart (a few hundred cheap relaxation rounds)."""
    p = centres.copy()
    for _ in range(rounds):
        d = p[:, None, :] - p[None, :, :]
        dist = np.sqrt((d**2).sum(axis=2)) + np.eye(len(p))
        need = radius[:, None] + radius[None, :]
        overlap = np.clip(need - dist, 0, None)
        np.fill_diagonal(overlap, 0)
        if overlap.max() <= 1e-6:
            break
        push = (d / dist[:, :, None] * overlap[:, :, None] / 2).sum(axis=1)
        p += push
    return p


def node_radius(xy: np.ndarray) -> float:
    """A node's radius as a share of the picture's side: half the typical nearest-neighbour
    spacing, within [0.0025, 0.015] (discs barely touch; none vanishes)."""
    from scipy.spatial import cKDTree

    if len(xy) < 2:
        return 0.015
    dist, _ = cKDTree(xy).query(xy, k=2)
    return float(np.clip(0.5 * np.median(dist[:, 1]), 0.0025, 0.015))
