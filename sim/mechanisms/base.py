"""The mechanism protocol: a policy or behaviour as a plug-in with fixed hooks.

A mechanism is one module under ``sim/mechanisms/`` holding one :class:`Mechanism`
subclass decorated with :func:`register`. The model creates every registered mechanism
once per run (a mechanism whose scenario section is disabled simply does nothing) and calls
their hooks at fixed points of the day, in ascending ``order``:

====  ===================  =========================================================
stage hook                 what a mechanism may do there
====  ===================  =========================================================
1     ``start_day``        switch itself on/off by its window, check budgets
3     ``awareness_terms``  add a term (and its channel) to the awareness hazard
3     ``exposure``         act after the awareness draw (referrals, win-back messages)
4     ``waiting``          name consumers who have no new need today (pending orders)
5     ``price_terms``      discounts on an option: platform-, brand- or points-funded
5     ``offer``            offer an option, add utility to options or the outside option
6     ``fill``             turn choices of its option into orders (group formation)
7     ``finance``          cap or re-fund today's prices (a subsidy budget)
7     ``split``            take a share of a purchase out of the brand's receipt
7     ``content_effort``   scale buyers' chances of posting (paid content)
8     ``book``             pay and record money (payouts, fees, ledger entries)
9     ``acts``             add relational acts (participation that builds attachment)
10    ``quality_gain``     raise brands' quality from consumers' feedback
11    ``end_day``          lifecycle (enrolment, effort, quitting) and daily columns
run   ``kpis``             its KPIs, from the finished model and daily series
run   ``tables``           tables it adds to the outputs (e.g. partner renewals)
====  ===================  =========================================================

Hooks receive the day's typed stage results (:mod:`sim.day`) and may keep their own state
on ``self``. A mechanism draws random numbers only from ``self.rng`` (its own stream), so
switching it on or off does not shift anyone else's draws. Levers (the parameters the
dashboard offers), daily columns (:func:`sim.columns.column`), money flows
(:data:`sim.accounts.FLOWS`) and KPIs (:data:`sim.kpis.KPIS`) are registered in the
mechanism's module; nothing outside it needs editing (see CONTRIBUTING.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.day import NO_TERMS, Terms
from sim.levers import Lever
from sim.registry import Registry

if TYPE_CHECKING:
    from sim.day import Acts, Awareness, Books, Choices, Menu, Orders, Sale, Today
    from sim.model import SocialCommerceModel


class Mechanism:
    """Base class: every hook is a no-op. Subclasses set ``name``, ``order`` and ``section``."""

    name: ClassVar[str]
    order: ClassVar[int]  # position among the mechanisms in every stage
    section: ClassVar[str]  # dotted path of its scenario section (e.g. "policy.partner")
    label: ClassVar[str]
    summary: ClassVar[str] = ""  # one sentence for the docs' mechanism table
    levers: ClassVar[tuple[Lever, ...]] = ()

    def __init__(self, model: SocialCommerceModel) -> None:
        self.model = model
        self.cfg: Any = model.scenario
        for part in self.section.split("."):
            self.cfg = getattr(self.cfg, part)
        self.rng: np.random.Generator = model.stream(self.name)

    # ---------------------------------------------------------------- the day's hooks
    def start_day(self, today: Today) -> None:
        """Stage 1: switch on/off by window and shocks; budgets."""

    def awareness_terms(self, today: Today, unaware: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Stage 3: extra awareness-hazard terms for the ``unaware``, each with its channel."""
        return []

    def exposure(self, today: Today, awareness: Awareness) -> None:
        """Stage 3: act after the awareness draw (referrals, messages to lapsed customers)."""

    def waiting(self, today: Today) -> np.ndarray | None:
        """Stage 4: consumers who draw no need today (e.g. waiting for their group)."""
        return None

    def price_terms(
        self,
        today: Today,
        option: int,
        consumers: np.ndarray,
        first: np.ndarray,
        list_value: np.ndarray | None = None,
    ) -> Terms:
        """Stage 5/7: the discounts it funds or imposes on ``option`` for ``consumers``
        (``first``: their first purchase), as shares of list price. At the choice the brand
        is not chosen yet (``list_value`` None: think of the mean list price); at the purchase
        ``list_value`` is each buyer's list price."""
        return NO_TERMS

    def offer(self, today: Today, menu: Menu) -> None:
        """Stage 5: offer options and add utility terms."""

    def fill(self, today: Today, choices: Choices, orders: list[Orders]) -> None:
        """Stage 6: turn the choices of its option into orders (append to ``orders``)."""

    def content_effort(self, today: Today, sale: Sale, propensity: np.ndarray) -> None:
        """Stage 7: scale today's buyers' chances of posting (in place), e.g. paid content."""

    def finance(self, today: Today, sale: Sale) -> None:
        """Stage 7: adjust who funds today's prices (e.g. a budget that runs out)."""

    def split(self, today: Today, sale: Sale) -> None:
        """Stage 7: take shares of the purchase pot (set ``sale.leader_commission``...)."""

    def book(self, today: Today, sale: Sale, books: Books) -> None:
        """Stage 8: pay and record money; charge costs to the consumers they concern."""

    def acts(self, today: Today, sale: Sale, books: Books, acts: Acts) -> None:
        """Stage 9: relational acts of the day."""

    def quality_gain(self, today: Today, sale: Sale, acts: Acts) -> np.ndarray | None:
        """Stage 10: per-brand quality gain from consumers' feedback (None: none)."""
        return None

    def end_day(self, today: Today, sale: Sale) -> None:
        """Stage 11: lifecycle and the mechanism's daily columns (``today.row``)."""

    # ---------------------------------------------------------------- the run
    def kpis(self, daily: Any) -> dict[str, float]:
        """KPIs of the finished run (``daily``: the daily series as a DataFrame)."""
        return {}

    def tables(self) -> dict[str, Any]:
        """Tables of the finished run it adds to the outputs (name -> DataFrame)."""
        return {}


MECHANISMS: Registry[type[Mechanism]] = Registry("mechanism")


def register(cls: type[Mechanism]) -> type[Mechanism]:
    """Class decorator: add a mechanism to the registry (at import of its module)."""
    for attr in ("name", "order", "section", "label"):
        if not hasattr(cls, attr):
            raise TypeError(f"mechanism {cls.__name__}: class attribute {attr!r} is required")
    MECHANISMS.register(cls)
    return cls


def ordered() -> list[type[Mechanism]]:
    """The registered mechanisms in the order their hooks run."""
    return sorted(MECHANISMS, key=lambda m: m.order)
