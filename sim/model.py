"""SocialCommerceModel: the Mesa model that runs one scenario, one day per step.

The model wires the agent sets (consumers :class:`~sim.population.Population`, brands
:class:`~sim.brands.BrandBook`, leaders :class:`~sim.leaders.LeaderBook`, the platform's
accounts and ledger) and the registered mechanisms (:mod:`sim.mechanisms`), and
:meth:`~SocialCommerceModel.step` reads as the day's data flow. Each stage returns a typed
result (:mod:`sim.day`); mechanisms join in through their hooks, in ascending order:

1. start      shocks set today's market conditions (and hit brands or leaders on their
              first day); mechanisms switch on/off by their windows, check budgets
2. brands     list prices and the quality consumers expect (quality moved yesterday)
3. exposure   ads, word of mouth and content (+ mechanisms' terms: leader broadcasts) make
              the unaware aware; mechanisms act (partner referrals, win-back messages)
4. needs      aware consumers not waiting for an order draw a purchase need
5. choice     logit choice between solo, the mechanisms' options (group, leader order) and
              the outside option; prices from the mechanisms' discount terms
6. orders     solo buyers buy; mechanisms fill their options (拼团 group formation)
7. purchase   brand choice, the price and who funds it, the pot's split (commission,
              leader commission), experience → satisfaction, trust, reference price;
              reviews and posts are drawn
8. money      mechanisms pay and record (payouts on the ledger, operator fees, win-back);
              costs are charged to the consumers they concern; the day's books
9. content    positive posts reach the unaware tomorrow, negative ones cost trust today;
              relational acts of the day (posting, referring, leader orders, feedback)
10. attachment relational acts and rewards raise it, everyone's decays; brands settle
              (profit, quality erosion and feedback gains, exits)
11. end       mechanisms' lifecycle (leader effort and quits, partner enrolment), who
              lapses, retention, the daily row

Random numbers: every stage, mechanism and shock draws from its own stream
(:meth:`SocialCommerceModel.stream`, common random numbers), in the fixed order above.

Speed (docs/performance.md): the arrays in ``model.pop`` are the truth, but a day touches
only what changes: :class:`~sim.customer_index.CustomerIndex` keeps the active mask, the
active-neighbour counts and the unaware list up to date from the day's events, so a day
costs O(events) plus a handful of O(n) passes (need draws, attachment decay, daily means).
Edits through a ``Consumer`` view mark the index stale; after writing ``model.pop`` arrays
directly call ``model.resync()``.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import mechanisms
from sim._alloc import tune_malloc
from sim._fast import clip, full
from sim.accounts import FLOWS, Accounts
from sim.agents import Brand, Consumer, Leader, PlatformAgent
from sim.brands import BrandBook
from sim.columns import COLUMNS, DailyRow
from sim.customer_index import CustomerIndex
from sim.day import (
    EMPTY,
    GROUP,
    LEADER,
    N_OPTIONS,
    OUTSIDE,
    SOLO,
    Acts,
    Awareness,
    Books,
    Choices,
    Menu,
    Orders,
    Sale,
    Terms,
    Today,
)
from sim.leaders import LeaderBook
from sim.ledger import ContributionLedger
from sim.mechanisms.base import Mechanism
from sim.network import SocialGraph, build_network
from sim.population import Channel, draw_population
from sim.scenario import Scenario, load_scenario
from sim.shocks import apply_shocks
from sim.submodels.attachment import update_attachment
from sim.submodels.choice import choose_brand, gumbel_choice, option_utilities
from sim.submodels.exposure import ad_rate, content_sources, draw_awareness
from sim.submodels.fulfilment import experience, post_content, update_satisfaction_trust
from sim.transactions import TransactionRecorder

AD_BUDGET_REFERENCE_POPULATION = 5000
HOOKS = (
    "start_day",
    "awareness_terms",
    "exposure",
    "waiting",
    "price_terms",
    "offer",
    "fill",
    "finance",
    "split",
    "content_effort",
    "book",
    "acts",
    "quality_gain",
    "end_day",
)
_CONTENT, _REFERRAL = int(Channel.CONTENT), int(Channel.REFERRAL)
_PLATFORM_OPTIONS = (SOLO, GROUP, LEADER)

tune_malloc()


def _mean(x: np.ndarray, count: int) -> float:
    """``float(x.mean())`` for 1-D x of length ``count``: the same pairwise sum and division,
    without ``ndarray.mean``'s Python-level overhead (3x the sum itself at 10^5 elements)."""
    return float(np.add.reduce(x)) / count


class DailyCollector(mesa.DataCollector):
    """Mesa's DataCollector with a fast path for the model's daily row.

    Mesa calls one reporter per column and deep-copies each value every step (~60 calls a
    day); the model already holds the day's row in ``model.today`` as plain Python scalars,
    so :meth:`collect` appends them directly. Any other model reporter — given to the model
    (``model_reporters=``) or added later (:meth:`add_model_reporter`) — is collected the
    Mesa way. ``model_vars`` and ``get_model_vars_dataframe()`` are Mesa's. Consumer-level
    collection is opt-in, can be a fixed random sample of consumers and every k-th day, and
    is stored as arrays (see :meth:`get_agent_vars_dataframe`).
    """

    AGENT_COLUMNS = ("satisfaction", "attachment", "active")

    def __init__(
        self,
        columns: tuple[str, ...],
        sample: np.ndarray | None = None,
        every: int = 1,
        model_reporters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(model_reporters={k: _TodayValue(k) for k in columns})
        self._fast = frozenset(columns)
        self._columns = [(k, self.model_vars[k]) for k in columns]
        self._extra: dict[str, Any] = {}
        for name, reporter in (model_reporters or {}).items():
            self.add_model_reporter(name, reporter)
        self.agent_sample = sample  # consumer indices whose state is recorded, or None
        self.agent_every = max(1, int(every))
        self._agent_steps: list[int] = []
        self._agent_values: list[tuple[np.ndarray, ...]] = []
        if sample is not None:
            # declare the agent reporters (names only) so Mesa-style introspection works
            self.agent_reporters = dict.fromkeys(self.AGENT_COLUMNS)

    def add_model_reporter(self, name: str, reporter: Any) -> None:
        """Collect ``reporter`` every day as column ``name`` (a function of the model, an
        attribute name, ``[function, args]`` or a method — Mesa's reporter forms)."""
        if name in self._fast:
            raise ValueError(f"model reporter {name!r}: the model already reports that column")
        self._new_model_reporter(name, reporter)

    def drop_extra_reporters(self) -> None:
        """Forget the reporters added beside the model's own columns, and what they collected."""
        for name in [k for k in self.model_reporters if k not in self._fast]:
            del self.model_reporters[name]
            self.model_vars.pop(name, None)
        self._extra = {}

    def collect(self, model: SocialCommerceModel) -> None:
        today = model.today
        today.check()
        for k, col in self._columns:
            col.append(today[k])
        if len(self.model_reporters) != len(self._fast) + len(self._extra):
            self._extra = {k: r for k, r in self.model_reporters.items() if k not in self._fast}
        for name, reporter in self._extra.items():
            self.model_vars.setdefault(name, []).append(_report(reporter, model))
        if self.agent_sample is not None and model.day % self.agent_every == 0:
            idx = self.agent_sample
            pop = model.pop
            self._agent_steps.append(model.steps)
            self._agent_values.append(
                (pop.satisfaction[idx].copy(), pop.attachment[idx].copy(), model.index.active[idx])
            )

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """One row per (Step, AgentID) collected; AgentID is the consumer's index. ``active``
        is the consumer's state at the end of that day (as in the daily ``active`` count)."""
        if self.agent_sample is None:
            raise UserWarning(
                "No agent reporters have been defined in the DataCollector, returning empty "
                "DataFrame."
            )
        k = len(self.agent_sample)
        steps = np.repeat(np.asarray(self._agent_steps, np.int64), k)
        ids = np.tile(self.agent_sample, len(self._agent_steps))
        cols: dict[str, Any] = {}
        for j, name in enumerate(self.AGENT_COLUMNS):
            parts = [v[j] for v in self._agent_values]
            dtype = bool if name == "active" else np.float64
            cols[name] = np.concatenate(parts) if parts else np.zeros(0, dtype)
        index = pd.MultiIndex.from_arrays([steps, ids], names=["Step", "AgentID"])
        return pd.DataFrame(cols, index=index)


class _TodayValue:
    """A reporter for one column of ``model.today`` (named, so Mesa can validate it)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, model: SocialCommerceModel) -> Any:
        return model.today[self.name]


def _report(reporter: Any, model: SocialCommerceModel) -> Any:
    """Evaluate a Mesa model reporter in any of its forms (as DataCollector.collect does)."""
    from copy import deepcopy

    if isinstance(reporter, str):
        return deepcopy(getattr(model, reporter, None))
    if isinstance(reporter, list):
        return deepcopy(reporter[0](*reporter[1]))
    if getattr(reporter, "__self__", None) is model:  # a bound method of the model
        return deepcopy(reporter())
    return deepcopy(reporter(model))


class SocialCommerceModel(mesa.Model):
    """One scenario on one social network; ``step()`` advances one day.

    ``collect_agents``: False (default: daily aggregates only); True (every consumer's
    satisfaction, attachment and active flag each collected day); an int k (a fixed random
    sample of k consumers) or a float in (0, 1) (that share of consumers). The sample is
    drawn from its own generator, so collecting never changes the model's random stream.
    ``agent_every``: collect consumer state every k-th day. ``model_reporters``: extra Mesa
    reporters collected every day beside the model's own columns.
    """

    def __init__(
        self,
        scenario: Scenario | dict | str,
        seed: int = 0,
        graph: SocialGraph | None = None,
        collect_agents: bool | int | float = False,
        agent_every: int = 1,
        model_reporters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.scenario = sc = load_scenario(scenario)
        self.seed = seed
        self.day = 0
        self._streams: dict[str, np.random.Generator] = {}
        # --- network and population
        if graph is None:
            # a loaded graph decides the population size (population.consumers is ignored)
            n = None if sc.network.kind == "file" else sc.population.consumers
            graph = build_network(sc.network, n, self.stream("network"))
        self.graph = graph
        self.n = graph.n
        self.nb = graph.neighbourhood()
        self.pop = draw_population(
            sc.population, self.n, graph.community, self.stream("population")
        )
        # --- market: brands, leaders, the platform's books
        self.brands = BrandBook(sc.brands, self.stream("brands"))
        sizes = np.bincount(graph.community, minlength=len(graph.leaders))
        self.leaders = LeaderBook(graph.leaders, sc.policy.leaders.outside_wage, sizes)
        self.ledger = ContributionLedger()
        self.accounts = Accounts()
        self.transactions = TransactionRecorder()
        self.index = CustomerIndex(self.pop, self.nb, sc.population.churn_window)
        self.today: DailyRow = DailyRow(0)
        # yesterday's positive posts (transient: not derivable from the population arrays)
        self._pos_seen = np.zeros(self.n, np.float64)  # positive posts seen, by node
        self._pos_seen_at = EMPTY  # nodes where _pos_seen is non-zero
        self._posted = np.zeros(self.n, bool)  # posted a positive review yesterday
        self._posted_at = EMPTY
        # scratch space for mechanisms: all False / -1 between uses
        self.scratch_mask = np.zeros(self.n, bool)
        self.scratch_slot = full(self.n, -1, np.int64)
        self._full_clip = False  # an edit may have left trust/attachment out of [0, 1]
        # --- mechanisms, in the order their hooks run
        self.mechanisms: dict[str, Mechanism] = {
            cls.name: cls(self) for cls in mechanisms.ordered()
        }
        self._mechs = list(self.mechanisms.values())
        # per hook, the mechanisms that implement it (a day calls ~15 hooks: skip no-ops)
        self._hooks = {
            hook: [m for m in self._mechs if getattr(type(m), hook) is not getattr(Mechanism, hook)]
            for hook in HOOKS
        }
        self.resync()
        # --- Mesa agents: platform, brands and leaders are objects; consumers are views
        # created on demand (a million consumer objects would dominate build time).
        self.platform = PlatformAgent(self)
        self.brand_agents = [Brand(self, i) for i in range(self.brands.n)]
        self.leader_agents = [Leader(self, i) for i in range(self.leaders.n)]
        self._consumers_materialised = False
        self.datacollector = DailyCollector(
            COLUMNS.names(), self._agent_sample(collect_agents, seed), agent_every, model_reporters
        )

    def stream(self, name: str) -> np.random.Generator:
        """The random stream of one stage, mechanism or shock (``"choice"``, ``"partner"``,
        ``"shock:leader_exodus:200:0"``...): a child of the run's seed keyed by the name.

        Why: with one shared generator, switching a mechanism on or adding a shock would
        shift every later draw of everything else, so two scenarios would differ by noise as
        well as by design. With a stream per name (common random numbers), a run without a
        shock is the same market until the shock's day, and a shock of size 0 is no shock.
        """
        g = self._streams.get(name)
        if g is None:
            key = zlib.crc32(name.encode("utf-8"))
            g = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(int(self.seed), spawn_key=(key,)))
            )
            self._streams[name] = g
        return g

    def _agent_sample(self, collect: bool | int | float, seed: int) -> np.ndarray | None:
        """Which consumers' state is collected (None: none). Own generator: no draw from rng."""
        if collect is False or collect is None:
            return None
        if collect is True:
            return np.arange(self.n, dtype=np.int64)
        if isinstance(collect, float) and 0 < collect < 1:
            k = max(1, round(collect * self.n))
        elif isinstance(collect, int) and collect >= 1:
            k = min(int(collect), self.n)
        else:
            raise ValueError(
                "collect_agents: must be False, True, a number of consumers >= 1 or a share "
                f"in (0, 1) (got {collect!r})"
            )
        sampler = np.random.default_rng([int(seed), 0x5A4D])
        return np.sort(sampler.choice(self.n, size=k, replace=False)).astype(np.int64)

    # ------------------------------------------------------------------ derived state
    def resync(self) -> None:
        """Recompute every derived index from the population arrays (O(n + edges)).

        Called at construction and, automatically, before the next day once a ``Consumer``
        view was written to. Call it yourself after writing ``model.pop`` arrays directly.
        """
        self.index.resync(self.day)
        self._full_clip = self.day > 0

    @property
    def _dirty(self) -> bool:  # agent views mark edits here
        return self.index.dirty

    @_dirty.setter
    def _dirty(self, value: bool) -> None:
        self.index.dirty = value

    # ------------------------------------------------------------------ agents
    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        self._materialise_consumers()
        return super().agents_by_type

    @property
    def agents(self) -> mesa.agent.AgentSet:
        self._materialise_consumers()
        return super().agents

    def _materialise_consumers(self) -> None:
        if not self._consumers_materialised:
            self._consumers_materialised = True
            for i in range(self.n):
                Consumer(self, i)

    def consumer(self, i: int) -> Consumer:
        """A view of consumer ``i`` (no need to materialise the whole population)."""
        if not 0 <= i < self.n:
            raise IndexError(f"consumer index must be in 0..{self.n - 1}")
        if self._consumers_materialised:
            return self.agents_by_type[Consumer][i]
        return Consumer(self, i, register=False)

    # ------------------------------------------------------------------ platform state
    @property
    def groups(self) -> Any:
        """The open 拼团 groups (:class:`~sim.submodels.groups.GroupBook`)."""
        return self.mechanisms["group_buying"].groups

    @property
    def subsidy_budget_left(self) -> float:
        return self.mechanisms["group_buying"].budget_left

    @property
    def subsidy_exhausted_day(self) -> int | None:
        return self.mechanisms["group_buying"].exhausted_day

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One day: the stages in the order of the module docstring, then the daily row."""
        if self.index.dirty:
            self.resync()
        today = self._start_day()
        awareness = self._exposure(today)
        need = self._needs(today)
        choices = self._choose(today, need)
        orders = self._orders(today, choices)
        sale = self._purchase(today, orders)
        books = self._money(today, sale)
        acts = self._content(today, sale, awareness, books)
        self._attachment(today, acts, books)
        self._end_day(today, awareness, sale, acts)
        self.datacollector.collect(self)
        self.day += 1

    def _start_day(self) -> Today:
        """1-2. Shocks and switches; the brands' prices and expected quality."""
        day = self.day
        conditions = apply_shocks(self, self.scenario.shocks, day)
        brands = self.brands
        w = brands.active.astype(np.float64)
        today = Today(
            day=day,
            conditions=conditions,
            list_price=brands.list_price,
            q_expected=float((brands.quality * w).sum() / w.sum()),  # == np.average
            row=DailyRow(day),
        )
        for m in self._hooks["start_day"]:
            m.start_day(today)
        return today

    def _exposure(self, today: Today) -> Awareness:
        """3. ads, word of mouth, content and the mechanisms' terms reach the unaware."""
        pop, day, row, plat = self.pop, today.day, today.row, self.scenario.platform
        unaware = self.index.unaware  # ascending ids, current as of yesterday's close
        spend = 0.0
        if plat.ad_awareness_rate is not None:
            p_ad = plat.ad_awareness_rate
        else:  # untargeted: the budget reaches present consumers, aware or not
            budget = plat.ad_spend_per_day * self.n / AD_BUDGET_REFERENCE_POPULATION
            p_ad = ad_rate(self.index.n_present, budget, plat.ad_cost_per_reach)
            spend = budget if self.index.n_present else 0.0
        who, channel = EMPTY, np.zeros(0, np.int8)
        if len(unaware):
            rng = self.stream("exposure")
            wom = self.index.wom_factor(plat.word_of_mouth_rate)[unaware]
            # content: s * c * (positive posts seen), non-zero only next to yesterday's posters
            seen = self._pos_seen_at
            at = np.minimum(unaware.searchsorted(seen), len(unaware) - 1)
            ok = unaware[at] == seen
            at, seen = at[ok], seen[ok]
            content = (
                at,
                pop.social_susceptibility[seen] * plat.content_reach * self._pos_seen[seen],
            )
            extra = [
                t for m in self._hooks["awareness_terms"] for t in m.awareness_terms(today, unaware)
            ]
            who, channel, hit = draw_awareness(unaware, rng, p_ad, wom, content, extra)
            pop.make_aware(who, day, channel)
            unaware = unaware[~hit]
            converts = who[channel == _CONTENT]
            if len(converts):
                pop.content_source[converts] = content_sources(converts, self._posted, self.nb, rng)
        row["ad_spend"] = spend
        row["newly_aware"] = len(who)
        awareness = Awareness(who, channel, unaware)
        for m in self._hooks["exposure"]:
            m.exposure(today, awareness)
        return awareness

    def _needs(self, today: Today) -> np.ndarray:
        """4. aware consumers not waiting for an order draw a need."""
        pop = self.pop
        free = pop.aware & pop.alive & pop.present  # who considers the platform today
        for m in self._hooks["waiting"]:
            waiting = m.waiting(today)
            if waiting is not None:
                free[waiting] = False
        cand = free.nonzero()[0]
        p_need = pop.need_rate[cand]
        if today.conditions.need_factor != 1.0:
            p_need = p_need * today.conditions.need_factor
        need = cand[self.stream("needs").random(len(cand)) < p_need]
        today.row["needs"] = len(need)
        return need

    def price_terms(
        self,
        today: Today,
        option: int,
        consumers: np.ndarray,
        first: np.ndarray,
        list_value: np.ndarray | None = None,
    ) -> Terms:
        """The discounts on ``option`` for ``consumers`` (shares of list price, by funder):
        the sum of the mechanisms' terms. The choice and the purchase both price with this,
        so what a consumer weighs is what they pay."""
        platform: Any = 0.0
        brand: Any = 0.0
        points: Any = 0.0
        for m in self._hooks["price_terms"]:
            t = m.price_terms(today, option, consumers, first, list_value)
            platform = platform + t.platform
            brand = brand + t.brand
            points = points + t.points
        return Terms(platform, brand, points)

    def utilities(
        self, today: Today, who: np.ndarray, options: tuple[int, ...] = _PLATFORM_OPTIONS
    ) -> np.ndarray:
        """The utility of every option (consumers x Option) for ``who`` today: the
        platform's options as the mechanisms offer and price them, and the outside option.
        The choice draws from it; mechanisms use it to model other decisions (whether an
        invited friend joins a group), and may ask only for the platform ``options`` they
        read (the others are left unavailable, -inf: a day prices what it uses)."""
        pop, beh, plat, sc = (
            self.pop,
            self.scenario.behaviour,
            self.scenario.platform,
            self.scenario,
        )
        first = pop.purchases[who] == 0
        ps = pop.price_sensitivity[who]
        if today.conditions.price_factor != 1.0:
            ps = ps * today.conditions.price_factor
        referrer = pop.referrer[who]
        embedded = (referrer >= 0) & self.index.active[np.maximum(referrer, 0)]
        attachment = pop.attachment[who]
        base = (
            beh.platform_intercept
            + beh.trust_weight * (pop.trust[who] - 0.5)
            + beh.satisfaction_weight * pop.satisfaction[who]
            + beh.attachment_weight * attachment
            + beh.embedding_weight * embedded
            + beh.network_weight * self.index.user_share(who)
            + pop.quality_sensitivity[who]
            * (today.q_expected + pop.match[who] - sc.brands.quality_mean)
        )
        outside = (
            plat.outside_utility
            + today.conditions.competitor * (1.0 - attachment)
            - ps * plat.outside_price
        )
        menu = Menu(who, first, ps, attachment, base, outside)
        menu.offer(SOLO)  # buying alone at the (coupon-reduced) list price is always offered
        for m in self._hooks["offer"]:
            m.offer(today, menu)
        prices: list[Any] = [None] * N_OPTIONS
        for option in options:
            if menu.extra[option] is not None:
                t = self.price_terms(today, option, who, first)
                prices[option] = 1.0 - t.platform - t.brand - t.points
        return option_utilities(
            base=menu.base,
            price_sensitivity=ps,
            prices=prices,
            extras=menu.extra,
            outside=menu.outside,
            reference_price=pop.reference_today(
                who, today.day, beh.reference_anchor, beh.reference_drift
            ),
            loss_aversion=beh.loss_aversion,
        )

    def _choose(self, today: Today, need: np.ndarray) -> Choices:
        """5. logit choice between the platform's options and the outside option."""
        choice = gumbel_choice(self.utilities(today, need), self.stream("choice"))
        outside = need[choice == OUTSIDE]
        today.row["outside_choices"] = len(outside)
        pop = self.pop
        pop.declined[outside[pop.purchases[outside] == 0]] = True  # turned the platform down
        return Choices(need, choice)

    def _orders(self, today: Today, choices: Choices) -> Orders:
        """6. solo buyers buy; mechanisms fill their options (groups form or fail)."""
        solo = choices.chose(SOLO)
        m = len(solo)
        parts = [Orders(solo, full(m, SOLO, np.int8), full(m, -1, np.int8), full(m, -1, np.int64))]
        for mech in self._hooks["fill"]:
            mech.fill(today, choices, parts)
        if len(parts) == 1:
            return parts[0]
        return Orders(
            np.concatenate([p.buyers for p in parts]).astype(np.int64, copy=False),
            np.concatenate([p.option for p in parts]),
            np.concatenate([p.acquired_via for p in parts]),
            np.concatenate([p.group for p in parts]).astype(np.int64, copy=False),
        )

    def _purchase(self, today: Today, orders: Orders) -> Sale:
        """7. buyers pick a brand and pay; experience moves satisfaction, trust and the
        reference price; reviews and posts are drawn."""
        pop, beh, plat, sc = (
            self.pop,
            self.scenario.behaviour,
            self.scenario.platform,
            self.scenario,
        )
        day, window = today.day, sc.population.churn_window
        buyers, option = orders.buyers, orders.option
        nbuy = len(buyers)
        first = pop.purchases[buyers] == 0
        ps = pop.price_sensitivity[buyers]
        if today.conditions.price_factor != 1.0:
            ps = ps * today.conditions.price_factor
        brands = self.brands
        brand = choose_brand(
            pop.quality_sensitivity[buyers],
            ps,
            brands.quality,
            brands.relative_price,
            brands.active,
            self.stream("purchase"),
        )
        lp = today.list_price[brand]
        # discounts as shares of list price, split by who funds them (the choice's terms)
        platform_disc = np.zeros(nbuy)
        brand_disc = np.zeros(nbuy)
        points_disc = np.zeros(nbuy)
        for o in _PLATFORM_OPTIONS:
            mask = option == o
            if mask.any():
                t = self.price_terms(today, o, buyers[mask], first[mask], lp[mask])
                platform_disc[mask] += t.platform
                brand_disc[mask] += t.brand
                points_disc[mask] += t.points
        price_share = clip(1.0 - platform_disc - brand_disc - points_disc, 0.0, 1.0)
        sale = Sale(
            buyers=buyers,
            option=option,
            first=first,
            brand=brand,
            list_value=lp,
            platform_disc=platform_disc,
            brand_disc=brand_disc,
            points_disc=points_disc,
            paid=lp * price_share,
            subsidy=lp * np.minimum(platform_disc, 1.0 - brand_disc),
            redeemed=lp
            * np.minimum(points_disc, np.maximum(0.0, 1.0 - brand_disc - platform_disc)),
            group=orders.group,
        )
        for m in self._hooks["finance"]:
            m.finance(today, sale)
        sale.commission = plat.commission_rate * sale.paid
        sale.leader_commission = np.zeros(nbuy)
        for m in self._hooks["split"]:
            m.split(today, sale)
        sale.brand_receipt = (
            sale.paid + sale.subsidy + sale.redeemed - sale.commission - sale.leader_commission
        )
        rng = self.stream("purchase")
        sale.experience, sale.quality_experience = experience(
            brands.quality[brand],
            pop.match[buyers],
            sc.brands.quality_noise,
            plat.recommendation_accuracy,
            price_share,
            sc.brands.quality_mean,
            rng,
        )
        e = sale.experience
        update_satisfaction_trust(
            pop.satisfaction, pop.trust, buyers, e, beh.satisfaction_rate, beh.trust_rate
        )
        ref = pop.reference_today(buyers, day, beh.reference_anchor, beh.reference_drift)
        pop.reference_price[buyers] = ref + beh.reference_rate * (sale.paid / lp - ref)
        pop.reference_day[buyers] = day
        # lifecycle bookkeeping: reactivations, acquisition
        lapsed_before = pop.last_purchase[buyers] <= day - 1 - window
        today.row["reactivated"] = int(np.count_nonzero(~first & lapsed_before))
        fb = buyers[first]
        acq = np.where(pop.referrer[fb] >= 0, _REFERRAL, pop.aware_channel[fb])
        via = orders.acquired_via[first]
        acq = np.where(via >= 0, via, acq)
        pop.record_purchases(buyers, day, first, acq, sale.paid, sale.subsidy > 0)
        self._became_active = buyers[~self.index.active[buyers]]
        self.index.acquired(fb)
        propensity = pop.content_propensity[buyers]
        for m in self._hooks["content_effort"]:
            m.content_effort(today, sale, propensity)
        sale.posted_positive, sale.posted_negative = post_content(
            propensity, e, self.stream("content")
        )
        return sale

    def _money(self, today: Today, sale: Sale) -> Books:
        """8. the day's books: the pot's flows, the mechanisms' payouts and fees, and each
        consumer's contribution and acquisition cost."""
        pop, buyers, first = self.pop, sale.buyers, sale.first
        books = Books(flows=dict.fromkeys(FLOWS.names(), 0.0))
        flows = books.flows
        flows["consumer_paid"] = float(sale.paid.sum())
        flows["subsidies"] = float(sale.subsidy.sum())
        flows["commissions"] = float(sale.commission.sum())
        flows["leader_commissions"] = float(sale.leader_commission.sum())
        flows["brand_receipts"] = float(sale.brand_receipt.sum())
        flows["ad_spend"] = today.row["ad_spend"]
        for m in self._hooks["book"]:
            m.book(today, sale, books)
        # each purchase's margin for the platform and the acquisition incentives it carried
        margin = sale.commission - np.where(first, 0.0, sale.subsidy)
        acquisition = np.where(first, sale.subsidy, 0.0)
        for pos, amount, to_acquisition in books.purchase_costs:
            if to_acquisition:
                np.add.at(acquisition, pos, amount)
            else:
                np.add.at(margin, pos, -amount)
        pop.contribution[buyers] += margin
        pop.acquisition_cost[buyers] += acquisition
        for who, amount, kind in books.customer_costs:
            np.add.at(pop.contribution, who, -amount)
            self.transactions.cost(today.day, who, amount, kind)
        self.transactions.record(today.day, sale, margin, acquisition)
        self.accounts.book(today.day, flows)
        for f in FLOWS:
            today.row[f.column] = flows[f.name]
        return books

    def _content(self, today: Today, sale: Sale, awareness: Awareness, books: Books) -> Acts:
        """9. posts: positive ones reach unaware neighbours tomorrow, negative ones cost aware
        neighbours trust today; the day's relational acts."""
        pop, buyers, nb = self.pop, sale.buyers, self.nb
        pos = buyers[sale.posted_positive]
        neg = buyers[sale.posted_negative]
        pop.posts[pos] += 1
        pop.posts[neg] += 1
        if len(self._pos_seen_at):
            self._pos_seen[self._pos_seen_at] = 0.0
            self._pos_seen_at = EMPTY
        if len(self._posted_at):
            self._posted[self._posted_at] = False
            self._posted_at = EMPTY
        if len(awareness.unaware) and len(pos):  # only the unaware ever read these
            seen_at, counts = nb.neighbour_counts(pos)
            nonzero = counts != 0
            self._pos_seen_at = seen_at[nonzero]
            self._pos_seen[self._pos_seen_at] = counts[nonzero]
            self._posted[pos] = True
            self._posted_at = pos
        if len(neg):
            seen_at, seen = nb.neighbour_counts(neg)
            keep = (1.0 - self.scenario.behaviour.negative_content_trust) ** seen
            pop.trust[seen_at] *= np.where(pop.aware[seen_at], keep, 1.0)
        if self._full_clip:
            clip(pop.trust, 0.0, 1.0, out=pop.trust)
        today.row["content_posts"] = len(pos) + len(neg)
        today.row["negative_posts"] = len(neg)
        acts = Acts(feedback=(sale.posted_positive | sale.posted_negative).astype(np.float64))
        acts.add(pos)  # posting a review or content is participation
        acts.add(neg)
        for m in self._hooks["acts"]:
            m.acts(today, sale, books, acts)
        return acts

    def _attachment(self, today: Today, acts: Acts, books: Books) -> None:
        """10. relational acts and rewards raise attachment, everyone's decays."""
        beh = self.scenario.behaviour
        update_attachment(
            self.pop.attachment,
            np.concatenate(acts.nodes) if acts.nodes else EMPTY,
            np.concatenate(acts.weights) if acts.weights else np.zeros(0),
            books.earners,
            books.earned,
            decay=beh.attachment_decay,
            gain_relational=beh.attachment_gain_relational,
            gain_reward=beh.attachment_gain_reward,
            reward_scale=beh.attachment_reward_scale,
            clip_all=self._full_clip,
        )
        self._full_clip = False

    def _end_day(self, today: Today, awareness: Awareness, sale: Sale, acts: Acts) -> None:
        """10-11. brands settle; mechanisms' lifecycle; who lapses, retention, the daily row."""
        pop, day, row, brands = self.pop, today.day, today.row, self.brands
        gains = [
            g
            for m in self._hooks["quality_gain"]
            if (g := m.quality_gain(today, sale, acts)) is not None
        ]
        brand_profit = brands.settle(
            day,
            sale.brand,
            sale.brand_receipt,
            sale.list_value * sale.brand_disc,
            sale.list_value,
            sum(gains[1:], gains[0]) if gains else None,
        )
        for m in self._hooks["end_day"]:
            m.end_day(today, sale)
        idx = self.index
        expiring = idx.close_day(day, sale.buyers, self._became_active, awareness.unaware)
        fb = sale.buyers[sale.first]
        n, n_unaware = self.n, len(idx.unaware)
        n_aware = idx.n_present - n_unaware  # aware households in the market
        n_cust, n_active = idx.n_customers, idx.n_active
        sat, att, trust = pop.satisfaction, pop.attachment, pop.trust
        if n_cust == n:
            mean_sat, mean_att = _mean(sat, n), _mean(att, n)
        elif n_cust:
            customer = idx.customer
            mean_sat, mean_att = _mean(sat[customer], n_cust), _mean(att[customer], n_cust)
        else:
            mean_sat = mean_att = 0.0
        if n_aware == n:
            mean_trust = _mean(trust, n)
        else:
            mean_trust = _mean(trust[pop.aware & pop.present], n_aware) if n_aware else 0.0
        w = brands.active.astype(np.float64)
        row.update(
            active=n_active,
            new_customers=len(fb),
            churned=len(expiring),
            orders=len(sale.buyers),
            solo_orders=int(np.count_nonzero(sale.by(SOLO))),
            brand_profit=float(brand_profit.sum()),
            platform_profit=self.accounts.platform_net[-1],
            platform_cash=self.accounts.platform_cash,
            active_brands=int(np.count_nonzero(brands.active)),
            mean_satisfaction=mean_sat,
            mean_attachment=mean_att,
            mean_trust=mean_trust,
            referral_acquisitions=int(np.count_nonzero(pop.referrer[fb] >= 0)),
            aware=n_aware,
            unaware=n_unaware,
            aware_not_customer=n_aware - idx.n_customers_present,
            lapsed=n_cust - n_active,
            customers=n_cust,
            households=idx.n_present,
            moved_away_customers=n_cust - idx.n_customers_present,
            mean_brand_quality=float((brands.quality * w).sum() / w.sum()),
        )
        self.today = row

    def fork(self, scenario: Scenario) -> SocialCommerceModel:
        """An independent copy of this model as of today that goes on under ``scenario``.

        Why: a shock's counterfactual (the same run and seed without the shock) is this very
        model until the shock's day (every stage and shock draws from its own stream), so it
        can start from a copy instead of re-simulating those days. ``scenario`` may differ
        from this one only in shocks that have not started yet (ValueError otherwise). The
        copy shares the (immutable) graph and collects only the model's own columns.
        """
        alt = load_scenario(scenario)
        if alt.model_copy(update={"shocks": self.scenario.shocks}) != self.scenario:
            raise ValueError("fork: the scenario may differ only in its shocks")

        def started(sc: Scenario) -> list[Any]:
            return [s for s in sc.shocks if s.day < self.day]

        if started(alt) != started(self.scenario):
            raise ValueError(f"fork: a shock that started before day {self.day} differs")
        twin = copy.deepcopy(self, {id(self.graph): self.graph})
        twin.scenario = alt
        twin.datacollector.drop_extra_reporters()
        return twin

    def run(self, days: int | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Run ``days`` days (default: the scenario's), calling ``progress(day)`` after each."""
        for _ in range(days if days is not None else self.scenario.days):
            self.step()
            if progress is not None:
                progress(self.day)
