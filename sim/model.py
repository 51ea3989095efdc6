"""SocialCommerceModel: the Mesa model that runs one scenario, one day per step.

Daily order of stages (all synchronous over the population; see docs/odd.md):

1. policy     platform switches mechanisms on/off by their windows and the shocks,
              checks the subsidy budget, sets the ad budget
2. brands     list prices and quality for the day (quality moved at yesterday's close)
3. exposure   ads, word of mouth, content, leader broadcasts make consumers aware;
              partners refer friends; private-domain win-back reaches lapsed customers
4. needs      aware consumers not waiting on a group draw a purchase need
5. choice     logit choice between solo / group / leader order / outside option
6. groups     拼团 joining, opening, invitations; success or failure of open groups
7. purchase   buyers pick a brand; experienced quality → satisfaction and trust
8. money      price, subsidy, commission, leader commission, rewards (ledger)
9. content    reviews and posts (positive or negative); negative posts cost
              neighbours' trust; co-creation feedback
10. attachment relational acts raise it, inactivity decays it
11. lifecycle brands book profit (quality drift, exit), leaders update effort or quit,
              metrics are recorded

Every random draw comes from ``self.rng`` (seeded), in this fixed order.

Speed (docs/performance.md): the arrays in ``model.pop`` are the truth, but a day touches
only what changes. The model keeps a few derived indices up to date incrementally — the
active mask and active-neighbour counts, the unaware index list, yesterday's
posters and the neighbours who saw them, per-day buyer lists for churn — so a day costs
O(events) plus a handful of unavoidable O(n) passes (need draws, attachment decay, the
daily means), not dozens of full-population passes and sparse matvecs. Every draw and
every floating-point operation that feeds a result is the same as in the dense form, so
results are bit-identical (tests/test_pinned_kpis.py). Edits through a ``Consumer`` view
mark the indices stale; after writing to ``model.pop`` directly call ``model.resync()``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim._alloc import tune_malloc
from sim._fast import clip, full
from sim.accounts import Accounts
from sim.agents import Brand, Consumer, Leader, PlatformAgent
from sim.ledger import PAYOUT_KINDS, ContributionLedger, Entry
from sim.mechanisms.attachment import update_attachment_sparse
from sim.mechanisms.brands import BrandBook
from sim.mechanisms.choice import channel_utilities, choose_brand, gumbel_choice
from sim.mechanisms.exposure import (
    ad_rate,
    attribute_content,
    draw_awareness_among,
    partner_referrals,
)
from sim.mechanisms.fulfilment import experience, post_content, update_satisfaction_trust
from sim.mechanisms.groups import GroupBook
from sim.mechanisms.leaders import LeaderBook
from sim.mechanisms.rewards import partner_payouts
from sim.metrics import DAILY_COLUMNS, RetentionTracker
from sim.network import SocialGraph, build_network
from sim.population import Channel, Option, draw_population
from sim.sampling import sum_by_key
from sim.scenario import Scenario, load_scenario

AD_BUDGET_REFERENCE_POPULATION = 5000
WINBACK_DAYS = 7  # a win-back message lifts utility for a week
WINBACK_HORIZON = 180  # lapsed customers older than this are no longer contacted

# plain ints: comparing arrays with IntEnum members goes through slow enum machinery
SOLO, GROUP, LEADER, OUTSIDE = (int(o) for o in Option)
CH_CONTENT, CH_INVITE, CH_REFERRAL = (
    int(Channel.CONTENT),
    int(Channel.INVITE),
    int(Channel.REFERRAL),
)
POOL = int(Entry.PAYOUT_POOL)
MIN_PAYOUT_KIND = min(int(k) for k in PAYOUT_KINDS)
assert {int(e) for e in Entry if int(e) >= MIN_PAYOUT_KIND} == {int(k) for k in PAYOUT_KINDS}

EMPTY = np.zeros(0, np.int64)

tune_malloc()


def _today_value(model: SocialCommerceModel, name: str) -> Any:
    return model.today[name]


class DailyCollector(mesa.DataCollector):
    """Mesa's DataCollector with a fast path for the model's daily row.

    Mesa calls one reporter per column and deep-copies each value every step (~50 calls a
    day); the model already holds the day's row in ``model.today`` as plain Python scalars,
    so :meth:`collect` appends them directly. ``model_vars`` and
    ``get_model_vars_dataframe()`` are Mesa's, unchanged. Consumer-level collection is
    opt-in, can be a fixed random sample of consumers and every k-th day, and is stored as
    arrays (see :meth:`get_agent_vars_dataframe`).
    """

    AGENT_COLUMNS = ("satisfaction", "attachment", "active")

    def __init__(
        self,
        columns: tuple[str, ...],
        sample: np.ndarray | None = None,
        every: int = 1,
    ) -> None:
        super().__init__(model_reporters={k: partial(_today_value, name=k) for k in columns})
        self._columns = [(k, self.model_vars[k]) for k in columns]
        self.agent_sample = sample  # consumer indices whose state is recorded, or None
        self.agent_every = max(1, int(every))
        self._agent_steps: list[int] = []
        self._agent_values: list[tuple[np.ndarray, ...]] = []
        if sample is not None:
            # declare the agent reporters (names only) so Mesa-style introspection works
            self.agent_reporters = dict.fromkeys(self.AGENT_COLUMNS)

    def collect(self, model: SocialCommerceModel) -> None:
        today = model.today
        for k, col in self._columns:
            col.append(today[k])
        if self.agent_sample is not None and model.day % self.agent_every == 0:
            idx = self.agent_sample
            pop = model.pop
            self._agent_steps.append(model.steps)
            self._agent_values.append(
                (pop.satisfaction[idx].copy(), pop.attachment[idx].copy(), model._active[idx])
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


def _mean(x: np.ndarray, count: int) -> float:
    """``float(x.mean())`` for 1-D x of length ``count``: the same pairwise sum and division,
    without ``ndarray.mean``'s Python-level overhead (3x the sum itself at 10^5 elements)."""
    return float(np.add.reduce(x)) / count


class _Day:
    """Scratch space for one day: the stages' inputs and results (and the daily row ``t``)."""

    def __init__(self, model: SocialCommerceModel) -> None:
        sc = model.scenario
        self.day = model.day
        self.pol, self.beh, self.plat = sc.policy, sc.behaviour, sc.platform
        self.window = sc.population.churn_window
        self.t = t = dict.fromkeys(DAILY_COLUMNS, 0.0)
        t["day"] = model.day

    def __getattr__(self, name: str) -> Any:  # only reached for attributes never set
        raise AttributeError(f"day scratch has no {name!r} (stage order?)")


class SocialCommerceModel(mesa.Model):
    """One scenario on one social network; ``step()`` advances one day.

    ``collect_agents``: False (default: daily aggregates only); True (every consumer's
    satisfaction, attachment and active flag each collected day); an int k (a fixed random
    sample of k consumers) or a float in (0, 1) (that share of consumers). The sample is
    drawn from its own generator, so collecting never changes the model's random stream.
    ``agent_every``: collect consumer state every k-th day.
    """

    def __init__(
        self,
        scenario: Scenario | dict | str,
        seed: int = 0,
        graph: SocialGraph | None = None,
        collect_agents: bool | int | float = False,
        agent_every: int = 1,
    ) -> None:
        super().__init__(seed=seed)
        self.scenario = sc = load_scenario(scenario)
        self.seed = seed
        self.day = 0
        rng = self.rng
        # --- network and population
        if graph is None:
            # a loaded graph decides the population size (population.consumers is ignored)
            n = None if sc.network.kind == "file" else sc.population.consumers
            graph = build_network(sc.network, n, rng)
        self.graph = graph
        self.n = graph.n
        self.nb = graph.neighbourhood()
        self._degree = np.maximum(self.nb.degree, 1.0)
        self.pop = draw_population(sc.population, self.n, graph.community, rng)
        # --- market
        self.brands = BrandBook(sc.brands, rng)
        self.leaders = LeaderBook(graph.leaders, sc.policy.leaders.outside_wage)
        self.groups = GroupBook(
            self.n, sc.policy.group_buying.group_size, sc.policy.group_buying.window_days
        )
        self.ledger = ContributionLedger()
        self.accounts = Accounts()
        self.retention = RetentionTracker(self.n, sc.days, sc.population.churn_window)
        self.subsidy_budget_left = (
            np.inf if sc.policy.group_buying.budget is None else sc.policy.group_buying.budget
        )
        self.subsidy_exhausted_day: int | None = None
        self.today: dict[str, float] = dict.fromkeys(DAILY_COLUMNS, 0.0)
        # --- yesterday's posts (transient state, not derivable from the population arrays)
        self._pos_seen = np.zeros(self.n, np.float64)  # positive posts seen, by node
        self._pos_seen_at = EMPTY  # nodes where _pos_seen is non-zero
        self._posted = np.zeros(self.n, bool)  # posted a positive review yesterday
        self._posted_at = EMPTY
        # scratch masks, all False between uses
        self._busy = np.zeros(self.n, bool)
        self._invited = np.zeros(self.n, bool)
        self._slot = full(self.n, -1, np.int64)  # buyer position, -1 between uses
        self._invite_prob: tuple[float, np.ndarray] | None = None
        self.resync()
        # --- Mesa agents: platform, brands and leaders are objects; consumers are views
        # created on demand (a million consumer objects would dominate build time).
        self.platform = PlatformAgent(self)
        self.brand_agents = [Brand(self, i) for i in range(self.brands.n)]
        self.leader_agents = [Leader(self, i) for i in range(self.leaders.n)]
        self._consumers_materialised = False
        self.datacollector = DailyCollector(
            DAILY_COLUMNS, self._agent_sample(collect_agents, seed), agent_every
        )

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
        pop, day = self.pop, self.day
        window = self.scenario.population.churn_window
        self._customer = pop.purchases > 0
        self._n_customers = int(np.count_nonzero(self._customer))
        # active at the start of today = bought within the window ending yesterday
        self._active = self._customer & (pop.last_purchase > day - 1 - window)
        self._n_active = int(np.count_nonzero(self._active))
        self._referable = ~self._customer & (pop.referrer < 0)
        self._unaware = np.flatnonzero(~pop.aware)
        self._n_partners = int(np.count_nonzero(pop.partner))
        # active customers among each node's neighbours, and the word-of-mouth factor
        self._active_nb = np.asarray(self.nb.sum(self._active), np.float64)
        self._wom_rate: float | None = None
        self._s_wom = np.zeros(0)
        self._wom = np.zeros(0)
        # buyers per day for the churn window: who may lapse on which day
        act = self._active.nonzero()[0]
        lp = pop.last_purchase[act]
        self._buyers_on = {int(d): act[lp == d] for d in np.unique(lp)}
        self.retention.reset(day, pop.acq_day, pop.last_purchase, pop.purchases)
        self._full_clip = self.day > 0  # an edit may have left trust/attachment out of [0, 1]
        self._dirty = False

    def _wom_factor(self, rate: float) -> np.ndarray:
        """s_i * q * A_i / d_i for every node, kept current where A changes."""
        if self._wom_rate != rate:
            self._wom_rate = rate
            self._s_wom = self.pop.social_susceptibility * rate
            self._wom = self._s_wom * (self._active_nb / self._degree)
        return self._wom

    def _invite_probability(self, p: float) -> np.ndarray:
        if self._invite_prob is None or self._invite_prob[0] != p:
            prob = clip(p * self.pop.social_susceptibility, 0, 1)
            self._invite_prob = (p, prob)
        return self._invite_prob[1]

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

    # ------------------------------------------------------------------ helpers
    def _shock_active(self, kind: str) -> list:
        return [s for s in self.scenario.shocks if s.kind == kind and s.active(self.day)]

    def _shock_starts(self, kind: str) -> list:
        return [s for s in self.scenario.shocks if s.kind == kind and s.day == self.day]

    def subsidy_active(self) -> bool:
        gb = self.scenario.policy.group_buying
        if not gb.on(self.day) or self._shock_active("subsidy_end"):
            return False
        return self.subsidy_budget_left > 0

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One day: the stages in the order of the module docstring, then the daily row."""
        if self._dirty:
            self.resync()
        d = _Day(self)
        self._policy(d)
        self._exposure(d)
        self._needs(d)
        self._choice(d)
        self._groups(d)
        self._purchase(d)
        self._money(d)
        self._content(d)
        self._attachment(d)
        self._lifecycle(d)
        self.datacollector.collect(self)
        self.day += 1

    def _policy(self, d: _Day) -> None:
        """1. mechanisms on/off, shocks; 2. the brands' expected quality."""
        pol, day, rng = d.pol, d.day, self.rng
        d.group_on = pol.group_buying.on(day)
        if not d.group_on and self.groups.open_groups:
            self.groups.cancel_all()
        d.subsidy_on = self.subsidy_active()
        d.leaders_on = pol.leaders.on(day)
        d.partner_on = pol.partner.on(day)
        d.cocreation_on = pol.cocreation.on(day)
        shocks = self.scenario.shocks
        downturn = competitor = 0.0
        if shocks:
            for s in self._shock_starts("leader_exodus"):
                self.leaders.exodus(day, s.magnitude, rng)
            for s in self._shock_starts("quality_scandal"):
                q = self.brands.quality
                q[s.brand] = max(0.05, q[s.brand] - s.magnitude)
            downturn = sum(s.magnitude for s in self._shock_active("downturn"))
            competitor = sum(s.magnitude for s in self._shock_active("competitor_entry"))
        d.competitor = competitor
        d.need_factor = max(0.0, 1.0 - downturn)
        d.price_factor = 1.0 + downturn
        brands = self.brands
        d.list_price = brands.list_price
        w = brands.active.astype(np.float64)
        d.q_expected = float((brands.quality * w).sum() / w.sum())  # == np.average

    def _exposure(self, d: _Day) -> None:
        """3. ads, word of mouth, content and leaders reach the unaware; partners refer;
        private-domain win-back."""
        pop, rng, day, t, plat, pol = self.pop, self.rng, d.day, d.t, d.plat, d.pol
        active = self._active  # bought within the window ending yesterday (customers only)
        unaware = self._unaware  # ascending ids, current as of yesterday's close
        if plat.ad_awareness_rate is not None:
            p_ad = plat.ad_awareness_rate
        else:
            budget = plat.ad_spend_per_day * self.n / AD_BUDGET_REFERENCE_POPULATION
            p_ad = ad_rate(len(unaware), budget, plat.ad_cost_per_reach)
        if len(unaware):
            wom = self._wom_factor(plat.word_of_mouth_rate)[unaware]
            # content: s * c * (positive posts seen), non-zero only next to yesterday's posters
            seen = self._pos_seen_at
            at = np.minimum(np.searchsorted(unaware, seen), len(unaware) - 1)
            ok = unaware[at] == seen
            at, seen = at[ok], seen[ok]
            content = (
                at,
                pop.social_susceptibility[seen] * plat.content_reach * self._pos_seen[seen],
            )
            if d.leaders_on:
                reach_c = pol.leaders.broadcast_reach * self.leaders.effort
                leader_term = reach_c[pop.community[unaware]]
            else:
                leader_term = np.zeros(len(unaware))
            exp, hit = draw_awareness_among(
                pop,
                unaware,
                day,
                rng,
                p_ad,
                plat.ad_cost_per_reach if plat.ad_awareness_rate is None else 0.0,
                wom,
                content,
                leader_term,
            )
            unaware = unaware[~hit]
            converts = exp.newly_aware[exp.channel == CH_CONTENT]
            if len(converts):
                attribute_content(pop, converts, self._posted, self.nb, rng)
            t["ad_spend"] = exp.ad_spend
            t["newly_aware"] = len(exp.newly_aware)
        else:
            t["newly_aware"] = 0
        d.unaware = unaware
        d.relational_referrers = EMPTY
        if d.partner_on:
            _, referred = partner_referrals(
                pop,
                day,
                rng,
                self.nb,
                referrers=np.flatnonzero(pop.partner & active),
                rate=pol.partner.referral_rate,
                match_bonus=d.beh.referral_match_bonus,
                eligible=self._referable,
            )
            t["referrals_made"] = len(referred)
            if len(referred):
                self._referable[referred] = False
                d.relational_referrers = refs = pop.referrer[referred].astype(np.int64)
                pop.referrals[refs] += 1  # distinct: a partner refers once a day
        if plat.private_domain and day > 0 and day % plat.winback_every == 0:
            lapsed = np.flatnonzero(
                self._customer & ~active & (pop.last_purchase > day - WINBACK_HORIZON)
            )
            pop.winback_until[lapsed] = day + WINBACK_DAYS
            cost = plat.winback_cost
            pop.contribution[lapsed] -= cost
            t["winback_spend"] = cost * len(lapsed)
            t["winback_contacts"] = len(lapsed)

    def _needs(self, d: _Day) -> None:
        """4. aware consumers not waiting on a group draw a need."""
        pop = self.pop
        free = pop.aware.copy()
        members = self.groups.member
        if len(members):
            free[members] = False
        cand = free.nonzero()[0]
        p_need = pop.need_rate[cand]
        if d.need_factor != 1.0:
            p_need = p_need * d.need_factor
        d.need = need = cand[self.rng.random(len(cand)) < p_need]
        d.t["needs"] = len(need)

    def _choice(self, d: _Day) -> None:
        """5. logit choice: solo / group / leader order / outside option."""
        pop, need, beh, plat, pol, day = self.pop, d.need, d.beh, d.plat, d.pol, d.day
        m = len(need)
        first = pop.purchases[need] == 0
        ps = pop.price_sensitivity[need]
        if d.price_factor != 1.0:
            ps = ps * d.price_factor
        referrer = pop.referrer[need]
        embedded = (referrer >= 0) & self._active[np.maximum(referrer, 0)]
        attachment = pop.attachment[need]
        base = (
            beh.platform_intercept
            + beh.trust_weight * (pop.trust[need] - 0.5)
            + beh.satisfaction_weight * pop.satisfaction[need]
            + beh.attachment_weight * attachment
            + beh.embedding_weight * embedded
            + plat.winback_lift * (pop.winback_until[need] >= day)
            + pop.quality_sensitivity[need]
            * (d.q_expected + pop.match[need] - self.scenario.brands.quality_mean)
        )
        gb = pol.group_buying
        coupon = gb.new_user_coupon * first if d.subsidy_on else np.zeros(m)
        group_discount = gb.discount if d.subsidy_on else gb.discount * (1.0 - gb.subsidy_share)
        leader_bonus = None
        if d.leaders_on:
            comm = pop.community[need]
            working = self.leaders.active[comm]
            bonus = beh.leader_convenience * self.leaders.effort[comm]
            if pol.leaders.operator_mode:
                bonus = bonus + beh.attachment_weight * 0.5 * attachment
            leader_bonus = np.where(working, bonus, -np.inf)
        outside = plat.outside_utility + d.competitor * (1.0 - attachment) - ps * plat.outside_price
        u = channel_utilities(
            base=base,
            price_sensitivity=ps,
            solo_price=1.0 - coupon,
            group_price=(1.0 - group_discount - coupon) if d.group_on else None,
            leader_price=(1.0 - pol.leaders.discount - coupon) if d.leaders_on else None,
            group_hassle=beh.group_hassle,
            leader_bonus=leader_bonus,
            outside=outside,
            reference_price=pop.reference_price[need],
            loss_aversion=beh.loss_aversion,
        )
        d.choice = choice = gumbel_choice(u, self.rng)
        d.t["outside_choices"] = int(np.count_nonzero(choice == OUTSIDE))

    def _groups(self, d: _Day) -> None:
        """6. 拼团: join, open, invite, succeed or fail."""
        pop, need, choice, t, beh = self.pop, d.need, d.choice, d.t, d.beh
        d.solo = need[choice == SOLO]
        d.via_leader = need[choice == LEADER]
        d.group_buyers = d.invited = EMPTY
        if not d.group_on:
            return
        gb = d.pol.group_buying
        busy = self._busy
        busy[need] = True
        outcome = self.groups.step(
            d.day,
            need[choice == GROUP],
            self.nb,
            self.rng,
            invite=gb.invite_to_unlock,
            invite_prob=self._invite_probability(gb.invite_join_prob),
            busy=busy,
        )
        busy[need] = False
        d.group_buyers = outcome.succeeded
        d.invited = invited = outcome.invited_joiners
        if len(invited):
            newly = invited[~pop.aware[invited]]
            pop.aware[newly] = True
            pop.aware_day[newly] = d.day
            pop.aware_channel[newly] = CH_INVITE
            t["newly_aware"] += len(newly)
        t["invites_accepted"] = len(invited)
        t["groups_opened"] = outcome.groups_opened
        t["groups_succeeded"] = outcome.groups_succeeded
        t["groups_failed"] = outcome.groups_failed
        failed = outcome.failed
        if len(failed):
            pop.satisfaction[failed] -= beh.group_fail_penalty
            pop.trust[failed] = clip(
                pop.trust[failed] - beh.trust_rate * beh.group_fail_penalty, 0, 1
            )

    def _purchase(self, d: _Day) -> None:
        """7. buyers pick a brand and pay; experience moves satisfaction and trust."""
        pop, beh, plat, pol, day = self.pop, d.beh, d.plat, d.pol, d.day
        sc, brands, window = self.scenario, self.brands, d.window
        d.buyers = buyers = np.concatenate([d.solo, d.group_buyers, d.via_leader])
        nbuy = len(buyers)
        n_solo, n_group = len(d.solo), len(d.group_buyers)
        is_group = np.zeros(nbuy, bool)
        is_group[n_solo : n_solo + n_group] = True
        d.is_leader = is_leader = np.zeros(nbuy, bool)
        is_leader[n_solo + n_group :] = True
        purchases = pop.purchases[buyers]
        d.first = first = purchases == 0
        ps = pop.price_sensitivity[buyers]
        if d.price_factor != 1.0:
            ps = ps * d.price_factor
        d.brand = brand = choose_brand(
            pop.quality_sensitivity[buyers],
            ps,
            brands.quality,
            brands.relative_price,
            brands.active,
            self.rng,
        )
        d.lp = lp = d.list_price[brand]
        # discounts as shares of list price, split by who funds them
        gb = pol.group_buying
        platform_disc = np.zeros(nbuy)
        d.brand_disc = brand_disc = np.zeros(nbuy)
        if d.subsidy_on:
            platform_disc[is_group] = gb.discount * gb.subsidy_share
            platform_disc += gb.new_user_coupon * first
        if d.group_on:
            brand_disc[is_group] = gb.discount * (1.0 - gb.subsidy_share)
        brand_disc[is_leader] = pol.leaders.discount
        price_share = clip(1.0 - platform_disc - brand_disc, 0.0, 1.0)
        paid = lp * price_share
        subsidy = lp * np.minimum(platform_disc, 1.0 - brand_disc)
        if d.subsidy_on and np.isfinite(self.subsidy_budget_left):
            spent = float(subsidy.sum())
            if spent > self.subsidy_budget_left:
                # budget runs out today: subsidise in order until it is gone
                cum = np.cumsum(subsidy)
                over = cum > self.subsidy_budget_left
                cut = over.nonzero()[0][0]
                subsidy[cut] = self.subsidy_budget_left - (cum[cut - 1] if cut else 0.0)
                subsidy[cut + 1 :] = 0.0
                paid = lp * (1.0 - brand_disc) - subsidy
            self.subsidy_budget_left -= float(subsidy.sum())
            if self.subsidy_budget_left <= 1e-9 and self.subsidy_exhausted_day is None:
                self.subsidy_exhausted_day = day
        d.paid, d.subsidy = paid, subsidy
        d.commission = commission = plat.commission_rate * paid
        d.leader_comm = leader_comm = np.where(is_leader, pol.leaders.commission * paid, 0.0)
        d.brand_receipt = paid + subsidy - commission - leader_comm
        d.e = e = experience(
            brands.quality[brand],
            pop.match[buyers],
            sc.brands.quality_noise,
            plat.recommendation_accuracy,
            price_share,
            sc.brands.quality_mean,
            self.rng,
        )
        update_satisfaction_trust(
            pop.satisfaction, pop.trust, buyers, e, beh.satisfaction_rate, beh.trust_rate
        )
        pop.reference_price[buyers] += beh.reference_rate * (
            paid / lp - pop.reference_price[buyers]
        )
        # lifecycle bookkeeping
        lp_old = pop.last_purchase[buyers]
        lapsed_before = lp_old <= day - 1 - window
        d.reactivated = int(np.count_nonzero(~first & lapsed_before))
        acq_b = pop.acq_day[buyers]
        # repeat-active (bought again after acquisition, within the window): who starts today
        d.started_repeat = acq_b[~first & ((lp_old == acq_b) | lapsed_before)]
        d.fb = fb = buyers[first]
        pop.acq_day[fb] = day
        acq = np.where(pop.referrer[fb] >= 0, CH_REFERRAL, pop.aware_channel[fb])
        invited = d.invited
        if len(invited):
            self._invited[invited] = True
            acq = np.where(self._invited[fb], CH_INVITE, acq)
            self._invited[invited] = False
        pop.acq_channel[fb] = acq
        pop.purchases[buyers] = purchases + 1
        pop.subsidised_purchases[buyers] += subsidy > 0
        pop.spend[buyers] += paid
        pop.last_purchase[buyers] = day
        pop.month_mask[buyers] |= np.uint64(1) << np.uint64(min(day // 30, 63))
        d.became_active = buyers[~self._active[buyers]]
        if len(fb):
            self._customer[fb] = True
            self._referable[fb] = False
            self._n_customers += len(fb)

    def _money(self, d: _Day) -> None:
        """8. subsidies, commissions, rewards (ledger), operator fees; the day's books."""
        pop, pol, t, day = self.pop, d.pol, d.t, d.day
        buyers, first, paid, subsidy = d.buyers, d.first, d.paid, d.subsidy
        d.gmv = gmv = float(paid.sum())
        d.subsidy_total = float(subsidy.sum())
        d.commission_total = float(d.commission.sum())
        d.leader_comm_total = float(d.leader_comm.sum())
        d.brand_receipt_total = float(d.brand_receipt.sum())
        d.rev_pos, d.rev_neg = post_content(pop.content_propensity[buyers], d.e, self.rng)
        d.earners = EMPTY
        d.rewards_total = 0.0
        if d.partner_on:
            payouts = partner_payouts(
                buyers=buyers,
                paid=paid,
                first_purchase=first,
                referrer=pop.referrer,
                partner=pop.partner,
                acquired_by_content=pop.acq_channel[buyers] == CH_CONTENT,
                content_source=pop.content_source,
                reviewers=buyers[d.rev_pos | d.rev_neg],
                gmv=gmv,
                share=pol.partner.share,
                referral_bonus=pol.partner.referral_bonus,
                content_reward=pol.partner.content_reward,
                pool_share=pol.partner.reward_pool_share,
            )
            if payouts.account:
                self._book_rewards(d, *payouts.columns())
        # per-consumer platform contribution and acquisition cost
        pop.contribution[buyers] += d.commission - np.where(first, 0.0, subsidy)
        pop.acquisition_cost[buyers] += np.where(first, subsidy, 0.0)
        d.operator_total = 0.0
        if d.leaders_on:
            self.leaders.pay(pop.community[d.via_leader], d.leader_comm[d.is_leader])
            if pol.leaders.operator_mode:
                comm_b = pop.community[buyers]
                operator_fee = np.where(
                    self.leaders.active[comm_b], pol.leaders.operator_share * paid, 0.0
                )
                self.leaders.pay(comm_b, operator_fee)
                pop.contribution[buyers] -= operator_fee
                d.operator_total = float(operator_fee.sum())
        self.accounts.book(
            day=day,
            consumer_paid=gmv,
            subsidies=d.subsidy_total,
            commissions=d.commission_total,
            leader_commissions=d.leader_comm_total,
            brand_receipts=d.brand_receipt_total,
            rewards=d.rewards_total,
            operator_fees=d.operator_total,
            ad_spend=t["ad_spend"],
            winback_spend=t["winback_spend"],
        )

    def _book_rewards(
        self, d: _Day, acc: np.ndarray, kind: np.ndarray, amount: np.ndarray, ref: np.ndarray
    ) -> None:
        """Seal the day's ledger block; pay balances; charge each payout to the buyer who
        triggered it (first purchases → CAC, repeat purchases → contribution)."""
        pop = self.pop
        self.ledger.append(d.day, acc, kind, amount, ref)
        is_pay = kind >= MIN_PAYOUT_KIND
        acc_pay, amt = acc[is_pay], amount[is_pay]
        if not len(acc_pay):
            return
        np.add.at(pop.reward_balance, acc_pay, amt)
        d.earners = earners = sum_by_key(acc_pay)[0]
        d.rewards_total = float(amt.sum())
        refd = ref[is_pay]
        has_ref = refd >= 0
        on_first = np.zeros(len(refd), bool)
        if has_ref.any():
            slot = self._slot
            buyers = d.buyers
            slot[buyers] = np.arange(len(buyers))
            on_first[has_ref] = d.first[slot[refd[has_ref]]]
            slot[buyers] = -1
        to_cac = has_ref & on_first
        np.add.at(pop.acquisition_cost, refd[to_cac], amt[to_cac])
        to_ltv = has_ref & ~on_first
        np.add.at(pop.contribution, refd[to_ltv], -amt[to_ltv])
        d.t["pool_paid"] = float(amt[kind[is_pay] == POOL].sum())
        ledger = self.scenario.policy.ledger
        if ledger.transparent:
            pop.trust[earners] = np.minimum(1.0, pop.trust[earners] + ledger.trust_boost)

    def _content(self, d: _Day) -> None:
        """9. posts: positive ones reach unaware neighbours tomorrow, negative ones cost aware
        neighbours trust today."""
        pop, buyers, nb = self.pop, d.buyers, self.nb
        d.pos_posters = pos = buyers[d.rev_pos]
        d.neg_posters = neg = buyers[d.rev_neg]
        pop.posts[pos] += 1
        pop.posts[neg] += 1
        if len(self._pos_seen_at):
            self._pos_seen[self._pos_seen_at] = 0.0
            self._pos_seen_at = EMPTY
        if len(self._posted_at):
            self._posted[self._posted_at] = False
            self._posted_at = EMPTY
        if len(d.unaware) and len(pos):  # only the unaware ever read these
            seen_at, counts = nb.neighbour_counts(pos)
            nonzero = counts != 0
            self._pos_seen_at = seen_at[nonzero]
            self._pos_seen[self._pos_seen_at] = counts[nonzero]
            self._posted[pos] = True
            self._posted_at = pos
        if len(neg):
            seen_at, seen = nb.neighbour_counts(neg)
            tr = pop.trust[seen_at]
            tr -= d.beh.negative_content_trust * seen * pop.aware[seen_at]
            pop.trust[seen_at] = clip(tr, 0.0, 1.0)
        if self._full_clip:
            clip(pop.trust, 0.0, 1.0, out=pop.trust)
        d.feedback = (d.rev_pos | d.rev_neg).astype(np.float64)

    def _attachment(self, d: _Day) -> None:
        """10. relational acts and rewards raise attachment, everyone's decays; partner
        enrolment."""
        pop, beh, pol, buyers = self.pop, d.beh, d.pol, d.buyers
        leader_weight = 2.0 if pol.leaders.operator_mode else 1.0
        pos, neg, refs, via = d.pos_posters, d.neg_posters, d.relational_referrers, d.via_leader
        nodes = [pos, neg, refs, via]
        weights = [np.ones(len(pos) + len(neg) + len(refs)), full(len(via), leader_weight)]
        if d.cocreation_on:
            fb_nodes = buyers[d.feedback > 0]
            nodes.append(fb_nodes)
            weights.append(np.ones(len(fb_nodes)))
        update_attachment_sparse(
            pop.attachment,
            np.concatenate(nodes),
            np.concatenate(weights),
            d.earners,
            decay=beh.attachment_decay,
            gain_relational=beh.attachment_gain_relational,
            gain_reward=beh.attachment_gain_reward,
            clip_all=self._full_clip,
        )
        self._full_clip = False
        # partner enrolment: offered after min_purchases, accepted by propensity x trust
        if d.partner_on:
            offer = buyers[
                (pop.purchases[buyers] >= pol.partner.min_purchases) & ~pop.partner[buyers]
            ]
            join = offer[
                self.rng.random(len(offer)) < pop.partner_propensity[offer] * pop.trust[offer]
            ]
            pop.partner[join] = True
            pop.partner_day[join] = d.day
            d.t["new_partners"] = len(join)
            self._n_partners += len(join)

    def _lifecycle(self, d: _Day) -> None:
        """11. brands book profit (quality drift, exit), leaders update; churn, retention and
        the daily row."""
        pop, pol, day, window, t = self.pop, d.pol, d.day, d.window, d.t
        brands, leaders = self.brands, self.leaders
        brand_profit = brands.settle(
            day,
            d.brand,
            d.brand_receipt,
            d.lp * d.brand_disc,
            d.lp,
            d.feedback,
            pol.cocreation.rate if d.cocreation_on else 0.0,
        )
        if d.leaders_on:
            leaders.end_of_day(day, pol.leaders.outside_wage, pol.leaders.quit_patience)
        # who lapses today: bought exactly `window` days ago and not since
        expiring = self._buyers_on.pop(day - window, EMPTY)
        if len(expiring):
            expiring = expiring[pop.last_purchase[expiring] == day - window]
        self._buyers_on[day] = d.buyers
        unaware = d.unaware
        if len(unaware):
            unaware = unaware[~pop.aware[unaware]]  # today's referrals and invitations
        self._unaware = unaware
        self._update_active(d.became_active, expiring, track=len(unaware) > 0)
        stopped_repeat = pop.acq_day[expiring]
        stopped_repeat = stopped_repeat[stopped_repeat < day - window]
        fb = d.fb
        self.retention.advance(day, len(fb), d.started_repeat, stopped_repeat)
        n = self.n
        n_aware = n - len(unaware)
        n_cust, n_active = self._n_customers, self._n_active
        customer = self._customer
        sat, att, trust = pop.satisfaction, pop.attachment, pop.trust
        if n_cust == n:
            mean_sat, mean_att = _mean(sat, n), _mean(att, n)
        elif n_cust:
            mean_sat, mean_att = _mean(sat[customer], n_cust), _mean(att[customer], n_cust)
        else:
            mean_sat = mean_att = 0.0
        if n_aware == n:
            mean_trust = _mean(trust, n)
        else:
            mean_trust = _mean(trust[pop.aware], n_aware) if n_aware else 0.0
        leaders_active = leaders.active
        t.update(
            active=n_active,
            new_customers=len(fb),
            churned=len(expiring),
            reactivated=d.reactivated,
            orders=len(d.buyers),
            solo_orders=len(d.solo),
            group_orders=len(d.group_buyers),
            leader_orders=len(d.via_leader),
            gmv=d.gmv,
            subsidy_spend=d.subsidy_total,
            rewards_paid=d.rewards_total,
            commissions=d.commission_total,
            leader_commissions=d.leader_comm_total,
            operator_fees=d.operator_total,
            brand_receipts=d.brand_receipt_total,
            brand_profit=float(brand_profit.sum()),
            platform_profit=self.accounts.platform_net[-1],
            platform_cash=self.accounts.platform_cash,
            active_brands=int(np.count_nonzero(brands.active)),
            active_leaders=int(np.count_nonzero(leaders_active)),
            leader_income=float(leaders.income_30[leaders_active].mean())
            if leaders_active.any()
            else 0.0,
            mean_satisfaction=mean_sat,
            mean_attachment=mean_att,
            mean_trust=mean_trust,
            content_posts=len(d.pos_posters) + len(d.neg_posters),
            negative_posts=len(d.neg_posters),
            referral_acquisitions=int(np.count_nonzero(pop.referrer[fb] >= 0)),
            aware=n_aware,
            unaware=len(unaware),
            aware_not_customer=n_aware - n_cust,
            lapsed=n_cust - n_active,
            customers=n_cust,
            partners=self._n_partners,
            pending_group=len(self.groups.member),
            subsidy_on=float(d.subsidy_on),
        )
        w = brands.active.astype(np.float64)
        t["mean_brand_quality"] = float((brands.quality * w).sum() / w.sum())
        decided = t["groups_succeeded"] + t["groups_failed"]
        t["group_success_rate"] = t["groups_succeeded"] / decided if decided else float("nan")
        self.today = t

    def _update_active(self, became: np.ndarray, lapsed: np.ndarray, track: bool) -> None:
        """Move consumers in/out of the active set. While anyone is unaware (``track``),
        keep the unaware consumers' active-neighbour counts and word-of-mouth term exact;
        once everyone is aware they are never read again."""
        self._active[became] = True
        self._active[lapsed] = False
        self._n_active += len(became) - len(lapsed)
        if not track or (len(became) == 0 and len(lapsed) == 0):
            return
        nodes = np.concatenate([became, lapsed])
        sign = np.concatenate([np.ones(len(became)), -np.ones(len(lapsed))])
        at = self.nb.add_over_neighbours(self._active_nb, nodes, sign, exclude=self.pop.aware)
        if self._wom_rate is not None and len(at):
            self._wom[at] = self._s_wom[at] * (self._active_nb[at] / self._degree[at])

    def run(self, days: int | None = None, progress: Any = None) -> None:
        """Run ``days`` days (default: the scenario's), calling ``progress(day)`` after each."""
        for _ in range(days if days is not None else self.scenario.days):
            self.step()
            if progress is not None:
                progress(self.day)
