"""The classroom picture: a social network with consumers coloured by state.

The layout is computed once per graph (communities placed by a spring layout of the
community graph, consumers by a spring layout inside their community), and the
edges are rendered once into a background image. Each frame then only paints the
nodes into a copy of that background with precomputed pixel indices, so a frame of
2,000 consumers costs a few milliseconds instead of a matplotlib redraw.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from sim.network import SocialGraph  # noqa: E402

# state codes of Population.state_codes
STATES = ("unaware", "aware", "active", "partner", "lapsed")
STATE_COLOURS = ("#d9d9d9", "#f2c14e", "#2f7fd0", "#8e44ad", "#e4572e")
_PALETTE = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in STATE_COLOURS], np.uint8)
# paint order: later states are drawn on top where discs overlap
_PRIORITY = np.array([0, 1, 3, 4, 2])
MAX_EDGES_DRAWN = 20_000
MAX_LAYOUT_EDGES = 60_000
SUPERSAMPLE = 2
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


@dataclass
class NetworkPainter:
    """Paints frames of one graph at one size; build once per graph, call ``frame`` often."""

    graph: SocialGraph
    xy: np.ndarray
    size: int = 640

    def __post_init__(self) -> None:
        s = self.size * SUPERSAMPLE
        self._s = s
        margin = 0.03
        px = (margin + self.xy * (1 - 2 * margin)) * (s - 1)
        self._px = np.round(px).astype(np.int64)
        n = self.graph.n
        r = _node_radius(self.xy * self.size) * SUPERSAMPLE
        self.radius = r
        self.background = self._background()
        # background as packed RGBA words plus one scratch word for off-canvas pixels
        rgba = np.dstack([self.background, np.full((s, s), 255, np.uint8)])
        self._bg32 = np.append(rgba.reshape(-1).view(np.uint32), np.uint32(0))
        self._palette32 = _pack(_PALETTE)
        self._node_pix = self._stamp(np.arange(n), _disc(r))
        leaders = self.graph.leaders.astype(np.int64)
        inner = r * 1.9 - 1.6 * SUPERSAMPLE
        self._ring_pix = self._stamp(leaders, _square(r * 1.9, inner))
        self._fill_pix = self._stamp(leaders, _square(inner, -1.0))

    # -- precomputation ----------------------------------------------------------------
    def _background(self) -> np.ndarray:
        """Edges drawn once with matplotlib (antialiased), as an RGB array."""
        s, dpi = self._s, 100
        fig = plt.figure(figsize=(s / dpi, s / dpi), dpi=dpi)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, s - 1)
        ax.set_ylim(s - 1, 0)
        ax.set_axis_off()
        u, v = self.graph.edges()
        if len(u) > MAX_EDGES_DRAWN:
            pick = np.random.default_rng(0).choice(len(u), MAX_EDGES_DRAWN, replace=False)
            u, v = u[pick], v[pick]
        segs = np.stack([self._px[u], self._px[v]], axis=1).astype(float)
        same = self.graph.community[u] == self.graph.community[v]
        colours = np.where(same[:, None], [[0.45, 0.45, 0.55, 0.30]], [[0.45, 0.45, 0.6, 0.07]])
        ax.add_collection(LineCollection(segs, colors=colours, linewidths=0.5 * SUPERSAMPLE))
        fig.canvas.draw()
        rgb = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()
        plt.close(fig)
        return rgb

    def _stamp(self, nodes: np.ndarray, offsets: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Flat pixel indices (nodes × stamp size); off-canvas pixels go to the scratch word."""
        dy, dx = offsets
        ys = self._px[nodes, 1][:, None] + dy[None, :]
        xs = self._px[nodes, 0][:, None] + dx[None, :]
        ok = (ys >= 0) & (ys < self._s) & (xs >= 0) & (xs < self._s)
        return np.where(ok, ys * self._s + xs, self._s * self._s)

    # -- frames ---------------------------------------------------------------------------
    def frame(self, states: np.ndarray, leader_active: np.ndarray | None = None) -> np.ndarray:
        """An RGB image (size × size × 3, uint8) for per-consumer state codes 0..4; leaders
        are squares with a black frame (grey and hollow once they have quit)."""
        flat = self._bg32.copy()
        st = np.asarray(states, np.int64)
        prio = _PRIORITY[st]
        for level in range(len(STATES)):  # painted in priority order: partners on top
            nodes = np.flatnonzero(prio == level)
            if len(nodes):
                flat[self._node_pix[nodes]] = self._palette32[st[nodes[0]]]
        leaders = self.graph.leaders.astype(np.int64)
        if leader_active is None:
            leader_active = np.ones(len(leaders), bool)
        leader_active = np.asarray(leader_active, bool)
        flat[self._ring_pix[leader_active]] = _pack(np.array([[20, 20, 20]], np.uint8))[0]
        flat[self._ring_pix[~leader_active]] = _pack(np.array([[150, 150, 150]], np.uint8))[0]
        flat[self._fill_pix[~leader_active]] = _pack(np.array([[255, 255, 255]], np.uint8))[0]
        lst = st[leaders]
        for code in range(len(STATES)):
            sel = leader_active & (lst == code)
            if sel.any():
                flat[self._fill_pix[sel]] = self._palette32[code]
        s, f = self.size, SUPERSAMPLE
        img = flat[:-1].view(np.uint8).reshape(self._s, self._s, 4)[:, :, :3]
        acc = np.zeros((s, s, 3), np.uint16)
        for dy in range(f):
            for dx in range(f):
                acc += img[dy::f, dx::f]
        return (acc // (f * f)).astype(np.uint8)


def _node_radius(px: np.ndarray) -> float:
    """Half the typical nearest-neighbour spacing (in output pixels), within [1.5, 9]."""
    from scipy.spatial import cKDTree

    if len(px) < 2:
        return 9.0
    dist, _ = cKDTree(px).query(px, k=2)
    return float(np.clip(0.5 * np.median(dist[:, 1]), 1.5, 9.0))


def _pack(rgb: np.ndarray) -> np.ndarray:
    """RGB rows → RGBA words in native byte order (matches the background's view)."""
    rgba = np.concatenate([rgb.astype(np.uint8), np.full((len(rgb), 1), 255, np.uint8)], axis=1)
    return np.ascontiguousarray(rgba).view(np.uint32).ravel()


def _disc(r: float) -> tuple[np.ndarray, np.ndarray]:
    k = int(np.ceil(r))
    dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
    keep = dx**2 + dy**2 <= r * r
    return dy[keep], dx[keep]


def _square(outer: float, inner: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixels with inner < Chebyshev distance <= outer (a frame; inner < 0: filled)."""
    k = int(np.ceil(outer))
    dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
    cheb = np.maximum(np.abs(dx), np.abs(dy))
    keep = (cheb <= outer) & (cheb > inner)
    return dy[keep], dx[keep]


def legend_html() -> str:
    """The colour key as inline HTML (beside the picture, so the image stays clean)."""
    items = [
        f'<span style="display:inline-block;width:0.9em;height:0.9em;border-radius:50%;'
        f'background:{c};margin:0 0.3em 0 0.8em;vertical-align:middle"></span>{name}'
        for name, c in zip(STATES, STATE_COLOURS, strict=True)
    ]
    items.append(
        '<span style="display:inline-block;width:0.8em;height:0.8em;border:2px solid #141414;'
        'margin:0 0.3em 0 0.8em;vertical-align:middle"></span>leader (团长)'
    )
    items.append(
        '<span style="display:inline-block;width:0.8em;height:0.8em;border:2px solid #969696;'
        'background:#fff;margin:0 0.3em 0 0.8em;vertical-align:middle"></span>leader who quit'
    )
    return "".join(items)
