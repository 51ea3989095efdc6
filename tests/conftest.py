"""Shared fixtures: tiny hand-built graphs and small, fast scenarios."""

from __future__ import annotations

import importlib
import os
import sys
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

#: Plug-in test functions with known answers, registered for the whole test session the way
#: an installed package registers a model (entry-point group ``symbiosim.models``): a spec
#: may name them by entry-point name or by target; nothing else is importable from a spec.
TEST_MODELS = {
    "ishigami": "sweep_models:ishigami",
    "noisy_linear": "sweep_models:noisy_linear",
    "crash_at": "sweep_models:crash_at",
}


def install_entry_points(root: Path, dist: str, models: dict[str, str]) -> Path:
    """Write a minimal installed distribution (``.dist-info``) registering ``models`` under
    ``root`` and put ``root`` on sys.path, as ``pip install`` of a plug-in package would."""
    info = root / f"{dist}-0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in models.items())
    (info / "entry_points.txt").write_text(f"[symbiosim.models]\n{lines}")
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    return info


@pytest.fixture
def install_models(tmp_path: Path):
    """Register plug-in models for one test: ``install_models({"name": "module:function"})``."""
    roots: list[str] = []

    def install(models: dict[str, str], dist: str = "symbiosim_extra_models") -> Path:
        root = tmp_path / f"site-{len(roots)}"
        roots.append(str(root))
        return install_entry_points(root, dist, models)

    yield install
    for root in roots:
        sys.path.remove(root)
    importlib.invalidate_caches()


@pytest.fixture(scope="session", autouse=True)
def registered_test_models(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("plugins")
    install_entry_points(root, "symbiosim_test_models", TEST_MODELS)
    yield TEST_MODELS
    sys.path.remove(str(root))
    importlib.invalidate_caches()


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
#: customers, so D30 and D90 are observable (day 29 + 90 <= 119). One household in twenty
#: has heard of the platform on day 0 (the shipped default is a platform at launch, whose
#: first 120 days would leave too few customers to test anything with 600 households).
SMALL = {
    "population.consumers": 600,
    "days": 120,
    "observation.cohort_end": 30,
    "population.initial_aware": 0.05,
}
