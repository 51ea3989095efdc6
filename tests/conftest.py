"""Shared fixtures: tiny hand-built graphs and small, fast scenarios."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from sim.network import SocialGraph

# Sweep specs in the tests name plug-in models of tests/sweep_models.py by module
# (``model: sweep_models:ishigami``). pytest puts this folder on sys.path, and pool
# workers inherit it (fork copies it; forkserver and spawn pass sys.path on); PYTHONPATH
# carries it to any other interpreter a test starts (``python -m sim.cli sweep ...``).
TESTS = str(Path(__file__).resolve().parent)
if TESTS not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (TESTS, os.environ.get("PYTHONPATH")) if p
    )


def graph_from_edges(n: int, edges: list[tuple[int, int]], community=None) -> SocialGraph:
    src = np.array([e[0] for e in edges], np.int64)
    dst = np.array([e[1] for e in edges], np.int64)
    comm = np.zeros(n, np.int32) if community is None else np.asarray(community, np.int32)
    return SocialGraph.from_edges(n, src, dst, community=comm)


@pytest.fixture
def star4() -> SocialGraph:
    """0 is linked to 1, 2, 3; 4 is linked to 3 only."""
    return graph_from_edges(5, [(0, 1), (0, 2), (0, 3), (3, 4)])


#: small, fast runs: 600 consumers for 120 days; the stated cohort is the first 30 days’
#: customers, so D30 and D90 are observable (day 29 + 90 <= 119)
SMALL = {"population.consumers": 600, "days": 120, "observation.cohort_end": 30}
