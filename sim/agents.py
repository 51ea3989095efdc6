"""Mesa agents. Consumers, leaders and brands are views onto the model's arrays.

The arrays are the truth so that each day is a few vectorized passes; an agent
object answers for its own row, so a user can inspect one consumer, leader or
brand as an object (``model.consumer(42).satisfaction``).
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

import mesa

from sim.population import STATE_COLUMNS, TRAITS, Channel

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel


def _row_property(array_name: str, doc: str) -> property:
    def get(self: Any) -> Any:
        return getattr(self._arrays, array_name)[self.index].item()

    def set_(self: Any, value: Any) -> None:
        getattr(self._arrays, array_name)[self.index] = value
        self.model._dirty = True  # the model's derived indices must be rebuilt

    return property(get, set_, doc=doc)


class _ModelCounters(weakref.WeakKeyDictionary):
    """Mesa's per-model unique-id counters, holding each model weakly.

    Mesa 3 keeps them in a class-level ``defaultdict`` on ``mesa.Agent`` keyed by the model,
    which keeps every model ever built alive: a sweep worker or a long dashboard session
    would hold every run's arrays (a few MB each). Looked up as ``self._ids[model]`` in
    ``mesa.Agent.__init__``, so this class attribute takes its place for our agents.
    """

    def __getitem__(self, model: Any) -> Any:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class Agent(mesa.Agent):
    """The base of symbiosim's agents: a Mesa agent whose id counter does not pin the model."""

    _ids = _ModelCounters()


class Consumer(Agent):
    """One consumer: a view of row ``index`` of the population arrays."""

    def __init__(self, model: SocialCommerceModel, index: int, register: bool = True) -> None:
        self.index = int(index)
        if register:
            super().__init__(model)
        else:  # a detached view: inspecting one consumer must not build them all
            self.model = model
            self.unique_id = None
            self.pos = None

    @property
    def _arrays(self) -> Any:
        return self.model.pop

    @property
    def segment(self) -> str:
        return self.model.pop.segment_names[int(self.model.pop.segment[self.index])]

    @property
    def community(self) -> int:
        return int(self.model.pop.community[self.index])

    @property
    def active(self) -> bool:
        m = self.model
        return bool(
            m.pop.purchases[self.index] > 0
            and m.pop.last_purchase[self.index] > m.day - 1 - m.scenario.population.churn_window
        )

    @property
    def acquisition_channel(self) -> str:
        return Channel(int(self.model.pop.acq_channel[self.index])).name.lower()

    @property
    def neighbours(self) -> list[int]:
        return self.model.graph.neighbours(self.index).tolist()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "segment": self.segment}
        out.update({k: getattr(self, k) for k in (*TRAITS, *STATE_COLUMNS)})
        out["active"] = self.active
        return out

    def __repr__(self) -> str:
        return f"Consumer({self.index}, {self.segment}, purchases={self.purchases})"


for _name in (*TRAITS, *STATE_COLUMNS):
    setattr(Consumer, _name, _row_property(_name, f"Consumer's {_name.replace('_', ' ')}."))


class Leader(Agent):
    """The 团长 of community ``index``: effort, income and whether they still work."""

    def __init__(self, model: SocialCommerceModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def node(self) -> int:
        return int(self.model.leaders.node[self.index])

    @property
    def active(self) -> bool:
        return bool(self.model.leaders.active[self.index])

    @property
    def effort(self) -> float:
        return float(self.model.leaders.effort[self.index])

    @property
    def income_30(self) -> float:
        return float(self.model.leaders.income_30[self.index])

    @property
    def income_total(self) -> float:
        return float(self.model.leaders.income_total[self.index])

    def __repr__(self) -> str:
        return f"Leader(community={self.index}, node={self.node}, active={self.active})"


class Brand(Agent):
    """Brand ``index``: quality, price, cost, profit, whether still on the platform."""

    def __init__(self, model: SocialCommerceModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def quality(self) -> float:
        return float(self.model.brands.quality[self.index])

    @property
    def list_price(self) -> float:
        return float(self.model.brands.list_price[self.index])

    @property
    def unit_cost(self) -> float:
        return float(self.model.brands.unit_cost[self.index])

    @property
    def active(self) -> bool:
        return bool(self.model.brands.active[self.index])

    @property
    def cumulative_profit(self) -> float:
        return float(self.model.brands.cumulative_profit[self.index])

    def __repr__(self) -> str:
        return f"Brand({self.index}, quality={self.quality:.2f}, active={self.active})"


class PlatformAgent(Agent):
    """The platform: policy, budgets, cash and the contribution ledger."""

    @property
    def cash(self) -> float:
        return self.model.accounts.platform_cash

    @property
    def ledger(self) -> Any:
        return self.model.ledger

    @property
    def subsidy_budget_left(self) -> float:
        return self.model.subsidy_budget_left

    def __repr__(self) -> str:
        return f"Platform(cash={self.cash:,.0f})"
