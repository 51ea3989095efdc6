"""Shared fixtures: tiny hand-built graphs and small, fast scenarios."""

from __future__ import annotations

import numpy as np
import pytest

from sim.network import SocialGraph


def graph_from_edges(n: int, edges: list[tuple[int, int]], community=None) -> SocialGraph:
    src = np.array([e[0] for e in edges], np.int64)
    dst = np.array([e[1] for e in edges], np.int64)
    comm = np.zeros(n, np.int32) if community is None else np.asarray(community, np.int32)
    return SocialGraph.from_edges(n, src, dst, community=comm)


@pytest.fixture
def star4() -> SocialGraph:
    """0 is linked to 1, 2, 3; 4 is linked to 3 only."""
    return graph_from_edges(5, [(0, 1), (0, 2), (0, 3), (3, 4)])


SMALL = {"population.consumers": 600, "days": 120}
