"""symbiosim: agent-based simulation of social-commerce ecosystems.

Compare subsidy-driven group buying (拼团) with symbiotic reward models (共生)
on a social network of consumers, community leaders, brands and a platform.

>>> import sim
>>> result = sim.run("symbiotic_partner", seed=1)      # doctest: +SKIP
>>> result.kpis["d90_retention"]                        # doctest: +SKIP
"""

__version__ = "0.1.0"

from sim.api import resolve, run  # noqa: E402
from sim.results import RunResult  # noqa: E402
from sim.scenario import Scenario, ScenarioError, load_scenario  # noqa: E402

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "resolve",
    "run",
]
