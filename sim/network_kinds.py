"""Network kinds: the social networks a scenario can ask for, one registry entry each.

The schema (``network.kind``), the builder (:func:`sim.network.build_network`, which has
one generator per entry and checks at import that they match), the CLI, the dashboard and
the docs all read this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.registry import Registry


@dataclass(frozen=True)
class NetworkKind:
    name: str
    label: str
    help: str


NETWORK_KINDS: Registry[NetworkKind] = Registry("network kind")

for _kind in (
    NetworkKind(
        "sbm",
        "Neighbourhood blocks",
        "Stochastic block model: blocks of community_size households, within_share of each "
        "node's ties inside its block (community group buying is local). The default.",
    ),
    NetworkKind(
        "small_world",
        "Small world",
        "Watts-Strogatz ring lattice with rewiring probability `rewire`.",
    ),
    NetworkKind(
        "scale_free",
        "Scale-free",
        "Preferential attachment (degree distribution ~ k^-3): a few hubs (KOCs).",
    ),
    NetworkKind("erdos_renyi", "Random (Erdős–Rényi)", "Every pair linked with equal probability."),
    NetworkKind(
        "complete",
        "Complete (mean field)",
        "Everyone knows everyone: the Bass-model limit (implicit above 5,000 nodes).",
    ),
    NetworkKind("ring", "Ring lattice", "Each node linked to its nearest neighbours on a ring."),
    NetworkKind("file", "From a file", "An edge-list CSV or GraphML file given by `path`."),
):
    NETWORK_KINDS.register(_kind)
