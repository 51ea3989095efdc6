"""Tests for sim.network: structure, statistics, determinism, communities, leaders, loading."""

from __future__ import annotations

import random
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.network import (
    COMPLETE_MAX_NODES,
    NetworkError,
    SocialGraph,
    build_network,
    detect_communities,
    load_graph,
    select_leaders,
)
from sim.scenario import Network

GENERATED = ["sbm", "small_world", "scale_free", "erdos_renyi", "complete", "ring"]
RANDOM_KINDS = ["sbm", "small_world", "scale_free", "erdos_renyi"]


def build(kind: str, n: int, seed: int = 1, **cfg: object) -> SocialGraph:
    return build_network(Network(kind=kind, **cfg), n, np.random.default_rng(seed))


def assert_simple_undirected(g: SocialGraph) -> None:
    """Independent check of the CSR invariants (does not rely on SocialGraph.validate)."""
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.indptr.shape == (g.n + 1,) and g.indptr[0] == 0 and g.indptr[-1] == len(g.indices)
    rows = np.repeat(np.arange(g.n), np.diff(g.indptr))
    cols = g.indices.astype(np.int64)
    assert cols.min(initial=0) >= 0 and cols.max(initial=0) < g.n
    assert not np.any(rows == cols), "self-loop"
    keys = rows * g.n + cols
    assert np.all(np.diff(keys) > 0), "rows unsorted or duplicate edge"
    assert np.array_equal(np.sort(cols * g.n + rows), keys), "not symmetric"
    A = g.to_scipy()
    assert (A != A.T).nnz == 0


def assert_communities_and_leaders(g: SocialGraph) -> None:
    c = g.n_communities
    assert g.community.dtype == np.int32 and g.leaders.dtype == np.int32
    assert g.community.min() == 0 and g.community.max() == c - 1
    assert np.all(np.bincount(g.community, minlength=c) > 0), "empty community id"
    assert len(g.leaders) == c
    assert np.array_equal(g.community[g.leaders], np.arange(c)), "leader outside its community"
    assert len(np.unique(g.leaders)) == c


def within_share(g: SocialGraph) -> float:
    rows = np.repeat(np.arange(g.n), g.degree)
    return float(np.mean(g.community[rows] == g.community[g.indices]))


# --------------------------------------------------------------------------- structure
@pytest.mark.parametrize("kind", GENERATED)
@pytest.mark.parametrize("n", [2, 3, 17, 1500])
def test_every_kind_is_a_simple_undirected_graph(kind: str, n: int) -> None:
    g = build(kind, n)
    assert g.n == n
    assert_simple_undirected(g)
    assert_communities_and_leaders(g)
    g.validate()


@pytest.mark.parametrize(
    ("kind", "k", "tol"),
    [
        ("sbm", 12, 0.03),
        ("erdos_renyi", 12, 0.03),
        ("small_world", 12, 0.01),
        ("ring", 12, 0.0),
        ("scale_free", 12, 0.04),
        ("sbm", 4, 0.05),
        ("erdos_renyi", 30, 0.03),
        ("small_world", 8, 0.01),
    ],
)
def test_mean_degree_matches_target(kind: str, k: float, tol: float) -> None:
    g = build(kind, 20_000, mean_degree=k)
    assert abs(g.mean_degree - k) <= tol * k


def test_ring_rounds_odd_mean_degree_to_even_and_is_regular() -> None:
    g = build("ring", 500, mean_degree=5)
    assert np.all(g.degree == 6)
    assert list(g.neighbours(0)) == [1, 2, 3, 497, 498, 499]


def test_small_world_rewires_about_the_requested_share() -> None:
    n, k = 20_000, 10
    lattice = build("small_world", n, mean_degree=k, rewire=0.0)
    assert np.all(lattice.degree == k)
    g = build("small_world", n, mean_degree=k, rewire=0.2)
    u, v = g.edges()
    ring_dist = np.minimum(v - u, n - (v - u))
    assert np.mean(ring_dist > k // 2) == pytest.approx(0.2, abs=0.01)


def test_scale_free_has_a_heavy_tail() -> None:
    sf = build("scale_free", 20_000, mean_degree=12)
    er = build("erdos_renyi", 20_000, mean_degree=12)
    assert sf.degree.max() > 20 * sf.mean_degree
    assert er.degree.max() < 3 * er.mean_degree
    # P(k) ~ k^-3: the share of nodes with degree >= 4m is about 1/16 (and >= 2m about 1/4)
    m = 6
    assert np.mean(sf.degree >= 4 * m) == pytest.approx(1 / 16, abs=0.015)
    assert sf.degree.min() >= 1


def test_complete_graph_beyond_the_cap_is_implicit() -> None:
    g = build("complete", 60)
    assert np.all(g.degree == 59) and not g.complete
    big = build("complete", COMPLETE_MAX_NODES + 1)
    assert big.complete and len(big.indices) == 0
    assert np.all(big.degree == COMPLETE_MAX_NODES)
    assert big.neighbourhood().sum(np.ones(big.n))[0] == COMPLETE_MAX_NODES
    with pytest.raises(NetworkError, match=r"^network\.kind: .*complete"):
        big.to_scipy()


# --------------------------------------------------------------------------- sbm
@pytest.mark.parametrize("share", [0.85, 0.5, 0.2, 1.0])
def test_sbm_within_share(share: float) -> None:
    g = build("sbm", 20_000, within_share=share, mean_degree=12, community_size=100)
    assert within_share(g) == pytest.approx(share, abs=0.015)
    assert g.mean_degree == pytest.approx(12, rel=0.03)


def test_sbm_blocks_are_consecutive_and_a_tiny_remainder_merges() -> None:
    g = build("sbm", 1_040, community_size=100)
    sizes = np.bincount(g.community)
    assert len(sizes) == 10 and sizes[-1] == 140 and np.all(sizes[:-1] == 100)
    assert np.all(np.diff(g.community) >= 0)
    g = build("sbm", 1_060, community_size=100)
    sizes = np.bincount(g.community)
    assert len(sizes) == 11 and sizes[-1] == 60


def test_sbm_keeps_mean_degree_when_blocks_are_too_small() -> None:
    # blocks of 5 hold at most 4 within ties; the rest must move between blocks
    g = build("sbm", 2_000, community_size=5, mean_degree=12, within_share=0.9)
    assert g.mean_degree == pytest.approx(12, rel=0.03)
    assert within_share(g) == pytest.approx(4 / 12, abs=0.02)
    # a single block: all ties inside it
    g = build("sbm", 100, community_size=100, mean_degree=12)
    assert g.n_communities == 1 and g.mean_degree == pytest.approx(12, rel=0.1)


# --------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("kind", GENERATED)
def test_same_seed_same_graph(kind: str) -> None:
    a, b = build(kind, 3000, seed=7), build(kind, 3000, seed=7)
    for name in ("indptr", "indices", "community", "leaders"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize("kind", RANDOM_KINDS)
def test_different_seed_different_graph(kind: str) -> None:
    a, b = build(kind, 3000, seed=7), build(kind, 3000, seed=8)
    assert not (len(a.indices) == len(b.indices) and np.array_equal(a.indices, b.indices))


def test_global_random_state_is_not_used() -> None:
    np.random.seed(1)
    random.seed(1)
    a = build("small_world", 2000, leader_selection="random")
    np.random.seed(2)
    random.seed(2)
    b = build("small_world", 2000, leader_selection="random")
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.leaders, b.leaders)


# --------------------------------------------------------------------------- leaders
def test_degree_leader_is_the_best_connected_member() -> None:
    # community 0 = {0..4}: node 3 is a hub; community 1 = {5..8}: 5 and 7 tie at degree 2
    src = [3, 3, 3, 3, 0, 5, 5, 7, 6]
    dst = [0, 1, 2, 4, 1, 6, 7, 8, 1]
    comm = [0, 0, 0, 0, 0, 1, 1, 1, 1]
    g = SocialGraph.from_edges(9, src, dst, community=comm)
    assert list(g.leaders) == [3, 5]
    assert list(g.degree) == [2, 3, 1, 4, 1, 2, 2, 2, 1]
    # community labels are relabelled to 0..C-1 in sorted order
    g = SocialGraph.from_edges(9, src, dst, community=[7, 7, 7, 7, 7, 2, 2, 2, 2])
    assert list(g.community) == [1, 1, 1, 1, 1, 0, 0, 0, 0] and list(g.leaders) == [5, 3]


def test_random_leaders_are_uniform_members_and_reproducible() -> None:
    comm = np.repeat(np.arange(50), 4)
    picks = np.stack(
        [select_leaders(comm, np.ones(200), "random", np.random.default_rng(s)) for s in range(400)]
    )
    assert np.all(picks // 4 == np.arange(50))  # always inside the community
    share = np.bincount((picks % 4).ravel(), minlength=4) / picks.size
    assert np.allclose(share, 0.25, atol=0.02)
    again = select_leaders(comm, np.ones(200), "random", np.random.default_rng(3))
    assert np.array_equal(again, picks[3])


@pytest.mark.parametrize("kind", GENERATED)
def test_random_leader_selection_on_every_kind(kind: str) -> None:
    g = build(kind, 800, leader_selection="random")
    assert_communities_and_leaders(g)


def test_bad_leader_selection_names_the_field() -> None:
    with pytest.raises(NetworkError, match=r"network\.leader_selection: .*'degree', 'random'"):
        select_leaders(np.zeros(3, dtype=np.int32), np.ones(3), "oldest")


# --------------------------------------------------------------------------- communities
@pytest.mark.parametrize("kind", ["ring", "small_world", "erdos_renyi", "scale_free"])
def test_detected_communities_are_about_community_size(kind: str) -> None:
    g = build(kind, 10_000, community_size=80)
    sizes = np.bincount(g.community)
    assert 10_000 / 80 * 0.7 < g.n_communities < 10_000 / 80 * 1.3
    assert sizes.min() >= 40 and sizes.max() <= 120


def test_detected_ring_communities_are_local() -> None:
    g = build("ring", 5_000, community_size=100)
    # on a ring lattice each community is an arc: almost all ties stay inside
    assert within_share(g) > 0.9


def test_detection_pools_isolates_and_keeps_components_apart() -> None:
    # two 300-node rings plus 30 isolated nodes
    ring = np.arange(300)
    src = np.concatenate([ring, ring + 300])
    dst = np.concatenate([(ring + 1) % 300, (ring + 1) % 300 + 300])
    g = SocialGraph.from_edges(630, src, dst, community_size=100)
    assert_communities_and_leaders(g)
    c = g.community
    assert not set(c[:300]) & set(c[300:600])
    assert len(set(c[600:])) == 1 and not set(c[600:]) & set(c[:600])
    assert detect_communities(g.indptr, g.indices, 100, np.random.default_rng(0)).max() >= 4


# --------------------------------------------------------------------------- conversions
def test_networkx_roundtrip() -> None:
    g = build("sbm", 600, community_size=50)
    G = g.to_networkx()
    assert G.number_of_nodes() == 600 and G.number_of_edges() == g.n_edges
    assert G.graph["n_communities"] == g.n_communities
    assert sorted(v for v, d in G.nodes(data="leader") if d) == sorted(g.leaders.tolist())
    assert all(G.nodes[v]["community"] == g.community[v] for v in G)
    h = SocialGraph.from_networkx(G)
    for name in ("indptr", "indices", "community", "leaders"):
        assert np.array_equal(getattr(g, name), getattr(h, name)), name


def test_from_networkx_handles_directed_multi_and_loops_and_detects_communities() -> None:
    G = nx.MultiDiGraph()
    G.add_edges_from([("a", "b"), ("b", "a"), ("a", "b"), ("b", "c"), ("c", "c")])
    G.add_node("z")
    g = SocialGraph.from_networkx(G)
    assert g.n == 4 and g.n_edges == 2 and list(g.labels) == ["a", "b", "c", "z"]
    assert_simple_undirected(g)
    assert_communities_and_leaders(g)
    big = SocialGraph.from_networkx(nx.karate_club_graph(), community_attr=None)
    assert_communities_and_leaders(big)


def test_from_edges_rejects_bad_input() -> None:
    with pytest.raises(NetworkError, match="0..2"):
        SocialGraph.from_edges(3, [0, 1], [1, 3])
    with pytest.raises(NetworkError, match="same length"):
        SocialGraph.from_edges(3, [0, 1], [1])
    with pytest.raises(NetworkError, match="one entry per node"):
        SocialGraph.from_edges(3, [0, 1], [1, 2], community=[0, 1])


def test_to_scipy_is_the_adjacency() -> None:
    g = build("erdos_renyi", 300, mean_degree=6)
    A = g.to_scipy()
    assert A.shape == (300, 300) and A.nnz == len(g.indices)
    assert np.array_equal(np.asarray(A.sum(axis=1)).ravel(), g.degree)
    assert list(g.neighbours(5)) == list(A[[5], :].indices)


# --------------------------------------------------------------------------- loading
def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_load_csv_with_header_and_string_labels(tmp_path: Path) -> None:
    f = write(tmp_path / "g.csv", "source,target\nbob,alice\nalice,carol\ncarol,bob\ncarol,dan\n")
    g = load_graph(f)
    assert g.n == 4 and g.n_edges == 4
    assert list(g.labels) == ["bob", "alice", "carol", "dan"]  # first-seen order
    assert list(g.neighbours(2)) == [0, 1, 3]
    # 4 nodes < community_size/2: one pooled community, led by carol (degree 3)
    assert g.n_communities == 1 and g.leaders.tolist() == [2]


def test_load_csv_without_header_integer_labels_sorted(tmp_path: Path) -> None:
    f = write(tmp_path / "g.csv", "30,10\n10,20\n20,30\n20,20\n10,20\n20,10\n40,30\n")
    g = load_graph(f)
    assert list(g.labels) == [10, 20, 30, 40]  # numeric order; self-loop and duplicates dropped
    assert g.n_edges == 4
    assert_simple_undirected(g)
    assert_communities_and_leaders(g)


def test_load_csv_header_detected_above_integer_rows(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "g.csv", "person_a,person_b\n1,2\n2,3\n"))
    assert list(g.labels) == [1, 2, 3]
    g = load_graph(write(tmp_path / "h.csv", "x,y\ny,z\n"))  # no header: x,y is an edge
    assert list(g.labels) == ["x", "y", "z"] and g.n_edges == 2


def test_load_snap_style_txt(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "g.txt", "# a comment\n1\t2\n2 3\n\n3   1\n"))
    assert g.n == 3 and g.n_edges == 3


def test_load_graphml_with_communities(tmp_path: Path) -> None:
    G = nx.DiGraph()
    G.add_edges_from([("u1", "u2"), ("u2", "u1"), ("u2", "u3"), ("u3", "u3"), ("u4", "u3")])
    G.add_node("lonely")
    for v, c in zip(["u1", "u2", "u3", "u4", "lonely"], [5, 5, 9, 9, 9], strict=True):
        G.nodes[v]["community"] = c
    nx.write_graphml(G, tmp_path / "g.graphml")
    g = load_graph(tmp_path / "g.graphml")
    assert g.n == 5 and g.n_edges == 3  # isolated node kept, self-loop dropped, undirected
    assert list(g.labels) == ["u1", "u2", "u3", "u4", "lonely"]
    assert list(g.community) == [0, 0, 1, 1, 1] and list(g.leaders) == [1, 2]
    assert g.degree[4] == 0


def test_load_graphml_without_communities_and_xml_suffix(tmp_path: Path) -> None:
    nx.write_graphml(nx.path_graph(250), tmp_path / "g.xml")
    g = load_graph(tmp_path / "g.xml", leader_selection="random", rng=np.random.default_rng(0))
    assert g.n == 250 and g.n_edges == 249 and list(g.labels[:3]) == [0, 1, 2]
    assert 2 <= g.n_communities <= 4
    assert_communities_and_leaders(g)


def test_to_networkx_output_loads_back_from_graphml(tmp_path: Path) -> None:
    g = build("small_world", 300, community_size=30)
    nx.write_graphml(g.to_networkx(), tmp_path / "g.graphml")
    h = load_graph(tmp_path / "g.graphml")
    for name in ("indptr", "indices", "community", "leaders"):
        assert np.array_equal(getattr(g, name), getattr(h, name)), name


BAD_FILES = {
    "missing": ("absent.csv", None),
    "unsupported extension": ("g.json", "1,2\n"),
    "empty csv": ("g.csv", ""),
    "header only": ("g.csv", "source,target\n"),
    "one node": ("g.csv", "7,7\n"),
    "three columns": ("g.csv", "1,2\n2,3,4\n"),
    "three columns first row": ("g.csv", "1,2,3\n2,3,4\n"),
    "one column": ("g.csv", "1,2\n3\n"),
    "garbled csv": ("g.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfa"),
    "garbled graphml": ("g.graphml", "<graphml><graph edgedefault="),
    "not graphml": ("g.xml", "<html><body/></html>"),
    "empty graphml": ("g.graphml", None),
    "one-node graphml": ("g.graphml", None),
    "partial community": ("g.graphml", None),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_raise_network_error_naming_path(tmp_path: Path, case: str) -> None:
    name, content = BAD_FILES[case]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif case == "empty graphml":
        nx.write_graphml(nx.Graph(), path)
    elif case == "one-node graphml":
        G = nx.Graph()
        G.add_node(1)
        nx.write_graphml(G, path)
    elif case == "partial community":
        G = nx.path_graph(4)
        G.nodes[0]["community"] = 1
        nx.write_graphml(G, path)
    with pytest.raises(NetworkError, match=r"^network\.path: ") as err:
        load_graph(path)
    assert "\n" not in str(err.value)


def test_bad_file_messages_are_specific(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match="line 2 has 3 column"):
        load_graph(write(tmp_path / "a.csv", "1,2\n2,3,4\n"))
    with pytest.raises(NetworkError, match=r"allowed: \.csv, \.txt, \.graphml, \.xml"):
        load_graph(write(tmp_path / "a.parquet", "x"))
    with pytest.raises(NetworkError, match="not found"):
        load_graph(tmp_path / "nope.graphml")


def test_build_network_from_file(tmp_path: Path) -> None:
    f = write(tmp_path / "g.csv", "a,b\nb,c\nc,a\n")
    cfg = Network(kind="file", path=str(f))
    g = build_network(cfg, 3, np.random.default_rng(0))
    assert g.n == 3 and g.n_edges == 3
    assert build_network(cfg, None, np.random.default_rng(0)).n == 3
    with pytest.raises(NetworkError, match=r"^network\.path: .*population\.consumers"):
        build_network(cfg, 10, np.random.default_rng(0))


# --------------------------------------------------------------------------- scale
def test_200k_nodes_build_fast() -> None:
    for kind in ("sbm", "small_world"):
        t0 = time.perf_counter()
        g = build(kind, 200_000)
        elapsed = time.perf_counter() - t0
        assert elapsed < 3.0, f"{kind}: {elapsed:.2f}s"
        assert g.mean_degree == pytest.approx(12, rel=0.02)
        g.validate()
        assert_communities_and_leaders(g)
