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
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim.accounts import Accounts
from sim.agents import Brand, Consumer, Leader, PlatformAgent
from sim.ledger import PAYOUT_KINDS, ContributionLedger
from sim.mechanisms.attachment import update_attachment
from sim.mechanisms.brands import BrandBook
from sim.mechanisms.choice import channel_utilities, choose_brand, gumbel_choice
from sim.mechanisms.exposure import (
    ad_rate,
    attribute_content,
    draw_awareness,
    partner_referrals,
)
from sim.mechanisms.fulfilment import experience, post_content, update_satisfaction_trust
from sim.mechanisms.groups import GroupBook
from sim.mechanisms.leaders import LeaderBook
from sim.mechanisms.rewards import partner_payouts
from sim.metrics import DAILY_COLUMNS, RetentionTracker
from sim.network import SocialGraph, build_network
from sim.population import Channel, Option, draw_population
from sim.scenario import Scenario, load_scenario

AD_BUDGET_REFERENCE_POPULATION = 5000
WINBACK_DAYS = 7  # a win-back message lifts utility for a week
WINBACK_HORIZON = 180  # lapsed customers older than this are no longer contacted


class SocialCommerceModel(mesa.Model):
    """One scenario on one social network; ``step()`` advances one day."""

    def __init__(
        self,
        scenario: Scenario | dict | str,
        seed: int = 0,
        graph: SocialGraph | None = None,
        collect_agents: bool = False,
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
        self._positive_posts = np.zeros(self.n, np.float64)
        self._negative_posts = np.zeros(self.n, np.float64)
        self._posted = np.zeros(self.n, bool)
        self._active_prev = np.zeros(self.n, bool)
        self.today: dict[str, float] = dict.fromkeys(DAILY_COLUMNS, 0.0)
        # --- Mesa agents: platform, brands and leaders are objects; consumers are views
        # created on demand (a million consumer objects would dominate build time).
        self.platform = PlatformAgent(self)
        self.brand_agents = [Brand(self, i) for i in range(self.brands.n)]
        self.leader_agents = [Leader(self, i) for i in range(self.leaders.n)]
        self._consumers_materialised = False
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m.today[k]) for k in DAILY_COLUMNS},
            agent_reporters=(
                {"satisfaction": "satisfaction", "attachment": "attachment", "active": "active"}
                if collect_agents
                else None
            ),
        )

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
        sc, pop, rng, day = self.scenario, self.pop, self.rng, self.day
        pol, beh, plat = sc.policy, sc.behaviour, sc.platform
        window = sc.population.churn_window
        t = dict.fromkeys(DAILY_COLUMNS, 0.0)
        t["day"] = day

        # 1. policy ---------------------------------------------------------------
        group_on = pol.group_buying.on(day)
        if not group_on and self.groups.open_groups:
            self.groups.cancel_all()
        subsidy_on = self.subsidy_active()
        leaders_on = pol.leaders.on(day)
        partner_on = pol.partner.on(day)
        cocreation_on = pol.cocreation.on(day)
        for s in self._shock_starts("leader_exodus"):
            self.leaders.exodus(day, s.magnitude, rng)
        for s in self._shock_starts("quality_scandal"):
            self.brands.quality[s.brand] = max(0.05, self.brands.quality[s.brand] - s.magnitude)
        downturn = sum(s.magnitude for s in self._shock_active("downturn"))
        competitor = sum(s.magnitude for s in self._shock_active("competitor_entry"))
        need_factor = max(0.0, 1.0 - downturn)
        price_factor = 1.0 + downturn

        # 2. brands -----------------------------------------------------------------
        brands = self.brands
        list_price = brands.list_price
        q_expected = float(np.average(brands.quality, weights=brands.active))

        # 3. exposure ---------------------------------------------------------------
        active = pop.active(day - 1, window) & (pop.purchases > 0)
        share_active = self.nb.sum(active) / self._degree
        leader_reach = np.zeros(self.n)
        if leaders_on:
            leader_reach = pol.leaders.broadcast_reach * self.leaders.effort[pop.community]
        unaware_n = int(self.n - pop.aware.sum())
        if plat.ad_awareness_rate is not None:
            p_ad = plat.ad_awareness_rate
        else:
            budget = plat.ad_spend_per_day * self.n / AD_BUDGET_REFERENCE_POPULATION
            p_ad = ad_rate(unaware_n, budget, plat.ad_cost_per_reach)
        exp = draw_awareness(
            pop,
            day,
            rng,
            p_ad=p_ad,
            ad_cost_per_reach=plat.ad_cost_per_reach if plat.ad_awareness_rate is None else 0.0,
            wom_rate=plat.word_of_mouth_rate,
            active_share_of_neighbours=share_active,
            content_reach=plat.content_reach,
            positive_posts_seen=self._positive_posts,
            leader_reach=leader_reach,
        )
        attribute_content(
            pop,
            exp.newly_aware[exp.channel == Channel.CONTENT],
            self._posted,
            self.nb,
            rng,
        )
        t["ad_spend"] = exp.ad_spend
        t["newly_aware"] = len(exp.newly_aware)
        if partner_on:
            referrers = np.flatnonzero(pop.partner & active)
            _, referred = partner_referrals(
                pop,
                day,
                rng,
                self.nb,
                referrers=referrers,
                rate=pol.partner.referral_rate,
                match_bonus=beh.referral_match_bonus,
            )
            t["referrals_made"] = len(referred)
            np.add.at(pop.referrals, pop.referrer[referred], 1)
            relational_referrers = pop.referrer[referred]
        else:
            relational_referrers = np.zeros(0, np.int64)
        if plat.private_domain and day > 0 and day % plat.winback_every == 0:
            lapsed = np.flatnonzero(
                (pop.purchases > 0)
                & ~pop.active(day - 1, window)
                & (pop.last_purchase > day - WINBACK_HORIZON)
            )
            pop.winback_until[lapsed] = day + WINBACK_DAYS
            cost = plat.winback_cost
            pop.contribution[lapsed] -= cost
            t["winback_spend"] = cost * len(lapsed)
            t["winback_contacts"] = len(lapsed)

        # 4. needs ----------------------------------------------------------------
        free = pop.aware & (self.groups.pending < 0)
        cand = np.flatnonzero(free)
        need = cand[rng.random(len(cand)) < pop.need_rate[cand] * need_factor]
        t["needs"] = len(need)

        # 5. choice -----------------------------------------------------------------
        first = pop.purchases[need] == 0
        ps = pop.price_sensitivity[need] * price_factor
        referrer = pop.referrer[need]
        embedded = (referrer >= 0) & active[np.maximum(referrer, 0)]
        base = (
            beh.platform_intercept
            + beh.trust_weight * (pop.trust[need] - 0.5)
            + beh.satisfaction_weight * pop.satisfaction[need]
            + beh.attachment_weight * pop.attachment[need]
            + beh.embedding_weight * embedded
            + plat.winback_lift * (pop.winback_until[need] >= day)
            + pop.quality_sensitivity[need]
            * (q_expected + pop.match[need] - sc.brands.quality_mean)
        )
        gb = pol.group_buying
        coupon = gb.new_user_coupon * first if subsidy_on else np.zeros(len(need))
        group_discount = gb.discount if subsidy_on else gb.discount * (1.0 - gb.subsidy_share)
        leader_bonus = None
        if leaders_on:
            comm = pop.community[need]
            working = self.leaders.active[comm]
            bonus = beh.leader_convenience * self.leaders.effort[comm]
            if pol.leaders.operator_mode:
                bonus = bonus + beh.attachment_weight * 0.5 * pop.attachment[need]
            leader_bonus = np.where(working, bonus, -np.inf)
        outside = (
            plat.outside_utility
            + competitor * (1.0 - pop.attachment[need])
            - ps * plat.outside_price
        )
        u = channel_utilities(
            base=base,
            price_sensitivity=ps,
            solo_price=1.0 - coupon,
            group_price=(1.0 - group_discount - coupon) if group_on else None,
            leader_price=np.full(len(need), 1.0 - pol.leaders.discount) if leaders_on else None,
            group_hassle=beh.group_hassle,
            leader_bonus=leader_bonus,
            outside=outside,
            reference_price=pop.reference_price[need],
            loss_aversion=beh.loss_aversion,
        )
        choice = gumbel_choice(u, rng)
        t["outside_choices"] = int((choice == Option.OUTSIDE).sum())

        # 6. groups -------------------------------------------------------------------
        solo = need[choice == Option.SOLO]
        via_leader = need[choice == Option.LEADER]
        group_buyers = np.zeros(0, np.int64)
        invited = np.zeros(0, np.int64)
        if group_on:
            busy = np.zeros(self.n, bool)
            busy[need] = True
            outcome = self.groups.step(
                day,
                need[choice == Option.GROUP],
                self.nb,
                rng,
                invite=gb.invite_to_unlock,
                invite_prob=np.clip(gb.invite_join_prob * pop.social_susceptibility, 0, 1),
                busy=busy,
            )
            group_buyers = outcome.succeeded
            invited = outcome.invited_joiners
            newly = invited[~pop.aware[invited]]
            pop.aware[newly] = True
            pop.aware_day[newly] = day
            pop.aware_channel[newly] = Channel.INVITE
            t["newly_aware"] += len(newly)
            t["invites_accepted"] = len(invited)
            t["groups_opened"] = outcome.groups_opened
            t["groups_succeeded"] = outcome.groups_succeeded
            t["groups_failed"] = outcome.groups_failed
            failed = outcome.failed
            pop.satisfaction[failed] -= beh.group_fail_penalty
            pop.trust[failed] = np.clip(
                pop.trust[failed] - beh.trust_rate * beh.group_fail_penalty, 0, 1
            )
        invited_mask = np.zeros(self.n, bool)
        invited_mask[invited] = True

        # 7. purchase and fulfilment ------------------------------------------------------
        buyers = np.concatenate([solo, group_buyers, via_leader])
        option = np.concatenate(
            [
                np.full(len(solo), Option.SOLO),
                np.full(len(group_buyers), Option.GROUP),
                np.full(len(via_leader), Option.LEADER),
            ]
        ).astype(np.int8)
        first = pop.purchases[buyers] == 0
        brand = choose_brand(
            pop.quality_sensitivity[buyers],
            pop.price_sensitivity[buyers] * price_factor,
            brands.quality,
            brands.relative_price,
            brands.active,
            rng,
        )
        lp = list_price[brand]
        # discounts as shares of list price, split by who funds them
        platform_disc = np.zeros(len(buyers))
        brand_disc = np.zeros(len(buyers))
        is_group = option == Option.GROUP
        if subsidy_on:
            platform_disc[is_group] = gb.discount * gb.subsidy_share
            platform_disc += gb.new_user_coupon * first
        if group_on:
            brand_disc[is_group] = gb.discount * (1.0 - gb.subsidy_share)
        is_leader = option == Option.LEADER
        brand_disc[is_leader] = pol.leaders.discount
        price_share = np.clip(1.0 - platform_disc - brand_disc, 0.0, 1.0)
        paid = lp * price_share
        subsidy = lp * np.minimum(platform_disc, 1.0 - brand_disc)
        if subsidy_on and np.isfinite(self.subsidy_budget_left):
            spent = float(subsidy.sum())
            if spent > self.subsidy_budget_left:
                # budget runs out today: subsidise in order until it is gone
                cum = np.cumsum(subsidy)
                over = cum > self.subsidy_budget_left
                cut = np.flatnonzero(over)[0]
                subsidy[cut] = self.subsidy_budget_left - (cum[cut - 1] if cut else 0.0)
                subsidy[cut + 1 :] = 0.0
                paid = lp * (1.0 - brand_disc) - subsidy
            self.subsidy_budget_left -= float(subsidy.sum())
            if self.subsidy_budget_left <= 1e-9 and self.subsidy_exhausted_day is None:
                self.subsidy_exhausted_day = day
        commission = plat.commission_rate * paid
        leader_comm = np.where(is_leader, pol.leaders.commission * paid, 0.0)
        brand_receipt = paid + subsidy - commission - leader_comm
        e = experience(
            brands.quality[brand],
            pop.match[buyers],
            sc.brands.quality_noise,
            plat.recommendation_accuracy,
            price_share,
            sc.brands.quality_mean,
            rng,
        )
        update_satisfaction_trust(
            pop.satisfaction, pop.trust, buyers, e, beh.satisfaction_rate, beh.trust_rate
        )
        pop.reference_price[buyers] += beh.reference_rate * (
            paid / lp - pop.reference_price[buyers]
        )

        # lifecycle bookkeeping for buyers
        was_lapsed = (pop.purchases[buyers] > 0) & (pop.last_purchase[buyers] <= day - 1 - window)
        pop.acq_day[buyers[first]] = day
        fb = buyers[first]
        acq = np.where(pop.referrer[fb] >= 0, Channel.REFERRAL, pop.aware_channel[fb])
        acq = np.where(invited_mask[fb], Channel.INVITE, acq)
        pop.acq_channel[fb] = acq
        pop.purchases[buyers] += 1
        pop.subsidised_purchases[buyers] += subsidy > 0
        pop.spend[buyers] += paid
        pop.last_purchase[buyers] = day
        pop.month_mask[buyers] |= np.uint64(1) << np.uint64(min(day // 30, 63))

        # 8. money ----------------------------------------------------------------------
        gmv = float(paid.sum())
        payouts = None
        rev_pos, rev_neg = post_content(pop.content_propensity[buyers], e, rng)
        if partner_on:
            reviewers = buyers[rev_pos | rev_neg]
            payouts = partner_payouts(
                buyers=buyers,
                paid=paid,
                first_purchase=first,
                referrer=pop.referrer,
                partner=pop.partner,
                acquired_by_content=pop.acq_channel[buyers] == Channel.CONTENT,
                content_source=pop.content_source,
                reviewers=reviewers,
                gmv=gmv,
                share=pol.partner.share,
                referral_bonus=pol.partner.referral_bonus,
                content_reward=pol.partner.content_reward,
                pool_share=pol.partner.reward_pool_share,
            )
        rewarded = np.zeros(self.n)
        rewards_total = 0.0
        if payouts is not None:
            acc, kind, amount, ref = payouts.columns()
            self.ledger.append(day, acc, kind, amount, ref)
            is_pay = np.isin(kind, np.array([int(k) for k in PAYOUT_KINDS]))
            np.add.at(pop.reward_balance, acc[is_pay], amount[is_pay])
            np.add.at(rewarded, acc[is_pay], 1.0)
            rewards_total = float(amount[is_pay].sum())
            # reward cost belongs to the buyer who triggered it: first purchases → CAC
            buyer_pos = np.full(self.n, -1, np.int64)
            buyer_pos[buyers] = np.arange(len(buyers))
            refd = ref[is_pay]
            amt = amount[is_pay]
            has_ref = refd >= 0
            on_first = np.zeros(len(refd), bool)
            on_first[has_ref] = first[buyer_pos[refd[has_ref]]]
            np.add.at(pop.acquisition_cost, refd[has_ref & on_first], amt[has_ref & on_first])
            np.add.at(pop.contribution, refd[has_ref & ~on_first], -amt[has_ref & ~on_first])
            t["pool_paid"] = float(amt[kind[is_pay] == 13].sum())
            if sc.policy.ledger.transparent:
                earners = rewarded > 0
                pop.trust[earners] = np.minimum(
                    1.0, pop.trust[earners] + sc.policy.ledger.trust_boost
                )
        # per-consumer platform contribution and acquisition cost
        pop.contribution[buyers] += commission - np.where(first, 0.0, subsidy)
        pop.acquisition_cost[buyers] += np.where(first, subsidy, 0.0)
        operator_fee = np.zeros(len(buyers))
        if leaders_on:
            self.leaders.pay(pop.community[via_leader], leader_comm[is_leader])
            if pol.leaders.operator_mode:
                comm_b = pop.community[buyers]
                operator_fee = np.where(
                    self.leaders.active[comm_b], pol.leaders.operator_share * paid, 0.0
                )
                self.leaders.pay(comm_b, operator_fee)
                pop.contribution[buyers] -= operator_fee
        self.accounts.book(
            day=day,
            consumer_paid=gmv,
            subsidies=float(subsidy.sum()),
            commissions=float(commission.sum()),
            leader_commissions=float(leader_comm.sum()),
            brand_receipts=float(brand_receipt.sum()),
            rewards=rewards_total,
            operator_fees=float(operator_fee.sum()),
            ad_spend=t["ad_spend"],
            winback_spend=t["winback_spend"],
        )

        # 9. content ----------------------------------------------------------------------
        pos_posters = buyers[rev_pos]
        neg_posters = buyers[rev_neg]
        pop.posts[pos_posters] += 1
        pop.posts[neg_posters] += 1
        pos_vec = np.zeros(self.n)
        pos_vec[pos_posters] = 1.0
        neg_vec = np.zeros(self.n)
        neg_vec[neg_posters] = 1.0
        self._positive_posts = self.nb.sum(pos_vec)
        neg_seen = self.nb.sum(neg_vec)
        pop.trust -= beh.negative_content_trust * neg_seen * (pop.aware)
        np.clip(pop.trust, 0.0, 1.0, out=pop.trust)
        self._posted = pos_vec > 0
        feedback = (rev_pos | rev_neg).astype(np.float64)

        # 10. attachment -------------------------------------------------------------------
        acts = np.zeros(self.n)
        np.add.at(acts, pos_posters, 1.0)
        np.add.at(acts, neg_posters, 1.0)
        np.add.at(acts, relational_referrers, 1.0)
        leader_weight = 2.0 if pol.leaders.operator_mode else 1.0
        np.add.at(acts, via_leader, leader_weight)
        if cocreation_on:
            np.add.at(acts, buyers[feedback > 0], 1.0)
        update_attachment(
            pop.attachment,
            acts,
            rewarded > 0,
            decay=beh.attachment_decay,
            gain_relational=beh.attachment_gain_relational,
            gain_reward=beh.attachment_gain_reward,
        )

        # partner enrolment: offered after min_purchases, accepted by propensity x trust
        if partner_on:
            offer = buyers[
                (pop.purchases[buyers] >= pol.partner.min_purchases) & ~pop.partner[buyers]
            ]
            join = offer[rng.random(len(offer)) < pop.partner_propensity[offer] * pop.trust[offer]]
            pop.partner[join] = True
            pop.partner_day[join] = day
            t["new_partners"] = len(join)

        # 11. lifecycle -------------------------------------------------------------------
        brand_profit = brands.settle(
            day,
            brand,
            brand_receipt,
            lp * brand_disc,
            lp,
            feedback,
            pol.cocreation.rate if cocreation_on else 0.0,
        )
        if leaders_on:
            self.leaders.end_of_day(day, pol.leaders.outside_wage, pol.leaders.quit_patience)
        active_now = pop.active(day, window) & (pop.purchases > 0)
        self.retention.record(day, pop.acq_day, pop.last_purchase, pop.purchases)
        lapsed_now = (pop.purchases > 0) & ~active_now
        t.update(
            active=int(active_now.sum()),
            new_customers=int(first.sum()),
            churned=int((self._active_prev & ~active_now).sum()),
            reactivated=int(was_lapsed.sum()),
            orders=len(buyers),
            solo_orders=len(solo),
            group_orders=len(group_buyers),
            leader_orders=len(via_leader),
            gmv=gmv,
            subsidy_spend=float(subsidy.sum()),
            rewards_paid=rewards_total,
            commissions=float(commission.sum()),
            leader_commissions=float(leader_comm.sum()),
            operator_fees=float(operator_fee.sum()),
            brand_receipts=float(brand_receipt.sum()),
            brand_profit=float(brand_profit.sum()),
            platform_profit=self.accounts.platform_net[-1],
            platform_cash=self.accounts.platform_cash,
            active_brands=int(brands.active.sum()),
            active_leaders=int(self.leaders.active.sum()),
            leader_income=float(self.leaders.income_30[self.leaders.active].mean())
            if self.leaders.active.any()
            else 0.0,
            mean_satisfaction=_mean(pop.satisfaction, pop.purchases > 0),
            mean_attachment=_mean(pop.attachment, pop.purchases > 0),
            mean_trust=_mean(pop.trust, pop.aware),
            content_posts=len(pos_posters) + len(neg_posters),
            negative_posts=len(neg_posters),
            referral_acquisitions=int((pop.referrer[buyers[first]] >= 0).sum()),
            aware=int(pop.aware.sum()),
            unaware=int(self.n - pop.aware.sum()),
            aware_not_customer=int((pop.aware & (pop.purchases == 0)).sum()),
            lapsed=int(lapsed_now.sum()),
            customers=int((pop.purchases > 0).sum()),
            partners=int(pop.partner.sum()),
            pending_group=int((self.groups.pending >= 0).sum()),
            subsidy_on=float(subsidy_on),
            mean_brand_quality=float(np.average(brands.quality, weights=brands.active)),
        )
        decided = t["groups_succeeded"] + t["groups_failed"]
        t["group_success_rate"] = t["groups_succeeded"] / decided if decided else float("nan")
        self._active_prev = active_now
        self.today = t
        self.datacollector.collect(self)
        self.day += 1

    def run(self, days: int | None = None, progress: Any = None) -> None:
        """Run ``days`` days (default: the scenario's), calling ``progress(day)`` after each."""
        for _ in range(days if days is not None else self.scenario.days):
            self.step()
            if progress is not None:
                progress(self.day)


def _mean(x: np.ndarray, mask: np.ndarray) -> float:
    return float(x[mask].mean()) if mask.any() else 0.0
