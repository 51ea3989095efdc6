"""symbiosim: agent-based simulation of social-commerce ecosystems.

Compare subsidy-driven group buying (拼团) with symbiotic reward models (共生)
on a social network of consumers, community leaders, brands and a platform.

>>> import sim
>>> result = sim.run("symbiotic_partner", seed=1)      # doctest: +SKIP
>>> result.kpis["d90_retention"]                        # doctest: +SKIP

The public names are imported on first use (PEP 562), so ``import sim`` and the
``symbiosim`` commands that never run the model do not pay for Mesa, pandas and SciPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ imports on first use
    from sim.api import resolve as resolve
    from sim.api import run as run
    from sim.results import RunResult as RunResult
    from sim.scenario import Scenario as Scenario
    from sim.scenario import ScenarioError as ScenarioError
    from sim.scenario import load_scenario as load_scenario

# public name -> the module that defines it (the one list; __all__ and __dir__ read it)
_LAZY = {
    "resolve": "sim.api",
    "run": "sim.api",
    "RunResult": "sim.results",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return list(__all__)
