"""会员合伙人 the member-partner program: partners refer friends and earn from what they bring.

While the program runs:

* incentives have intensity: the reward for a successful referral is R = ``referral_bonus``
  + ``share`` x V, V a year of a customer's spending on the platform as partners see it
  (GMV per active customer, smoothed); every active partner refers one neighbour who is not
  yet a customer and has no referrer with probability ``referral_rate`` x R / (R +
  ``effort_half_reward``) a day (effort rises with the reward, concavely, and stops when
  referring pays nothing); the friend gains a match bonus (the referrer knows their needs:
  Schmitt, Skiera & Van den Bulte 2011) and, if unaware, becomes aware. With
  ``referral_targeting: matched`` match quality is also in whom they pick: a friend in
  proportion to how often they need what the platform sells, never one who has turned it
  down (had a need and bought elsewhere, never on the platform) — the referrer knows both;
* partners post content more when content pays: their posting chance is multiplied by
  1 + C / (C + ``content_half_reward``), C the content reward;
* payouts (:func:`sim.submodels.rewards.partner_payouts`), all written to the hash-chained
  contribution ledger: a bonus when a referred friend first buys, a share of every purchase
  of referred friends, a reward for content that led to a first purchase, and a daily pool
  (a share of GMV) split by contribution points;
* a payout triggered by a first purchase is an acquisition cost of that buyer (CAC); one
  triggered by a repeat purchase is charged against the buyer's contribution (LTV);
* joining is a decision on expected earnings: buyers with at least ``min_purchases``
  purchases are offered partnership and accept with probability partner propensity x E /
  (E + ``earnings_half``), E the yearly earnings a partner can expect (the program's recent
  payouts per partner, or before any partner the rate R implies); without a transparent
  ledger they discount E by their trust in the platform;
* partners renew or lapse every year: on each anniversary a partner lapses if they have
  not bought in ``renewal_activity_days`` days (or dropped out or left), and otherwise
  with probability ``lapse_base`` x ``renewal_half`` / (``renewal_half`` + what they earned
  that year): members who earn renew (Costco-like renewal of about 90%);
* referring a friend is a relational act; receiving a reward raises attachment.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim._fast import full
from sim.columns import column
from sim.day import EMPTY, Acts, Awareness, Books, Sale, Today
from sim.ledger import PAYOUT_KINDS, Entry
from sim.levers import PARTNERS, Lever
from sim.mechanisms.base import Mechanism, register
from sim.population import Channel
from sim.sampling import sum_by_key
from sim.stats import gini
from sim.submodels.exposure import referral_targets
from sim.submodels.rewards import partner_payouts

_REFERRAL = int(Channel.REFERRAL)
_CONTENT = int(Channel.CONTENT)
_POOL = int(Entry.PAYOUT_POOL)
_MIN_PAYOUT_KIND = min(int(k) for k in PAYOUT_KINDS)
PRIOR_CONVERSION = 0.2  # share of referrals partners expect to convert, before any data

for _c in (
    ("pool_paid", "yuan", "Reward-pool payouts today."),
    ("referrals_made", "count", "Friends referred by partners today."),
    ("new_partners", "count", "Consumers who joined the partner program today."),
    ("partners", "count", "Partners (members of the program today)."),
    ("partner_lapses", "count", "Partners who did not renew at their anniversary today."),
):
    column(*_c)


@register
class PartnerProgram(Mechanism):
    name = "partner"
    order = 30
    section = "policy.partner"
    label = "会员合伙人 partner program"
    summary = (
        "Partners refer friends and are paid a bonus, a share of referred purchases, content "
        "rewards and a reward pool, all on the contribution ledger."
    )
    levers = (
        Lever(
            "policy.partner.enabled",
            "Partner program on",
            PARTNERS,
            "bool",
            moves="partners, referrals",
            responds=(("partners", 1), ("referrals_made", 1)),
            home="symbiotic_partner",
        ),
        Lever(
            "policy.partner.share",
            "Partner share of referred purchases",
            PARTNERS,
            "float",
            0.0,
            0.2,
            0.005,
            unit="%",
            moves="partners who join and stay, referral effort (the reward per referral)",
            responds=(("partners", 1), ("referrals_made", 1)),
            home="symbiotic_partner",
        ),
        Lever(
            "policy.partner.reward_pool_share",
            "Reward pool (% of GMV)",
            PARTNERS,
            "float",
            0.0,
            0.05,
            0.001,
            unit="%",
            moves="partners who join (expected earnings), attachment of earners",
            responds=(("partners", 1), ("mean_attachment", 1)),
            home="symbiotic_partner",
        ),
        Lever(
            "policy.partner.referral_bonus",
            "Referral bonus",
            PARTNERS,
            "float",
            0.0,
            50.0,
            1.0,
            unit="yuan",
            moves="referral effort, referred acquisitions, CAC",
            responds=(("referrals_made", 1),),
            home="symbiotic_partner",
        ),
        Lever(
            "policy.partner.content_reward",
            "Content reward",
            PARTNERS,
            "float",
            0.0,
            20.0,
            0.5,
            unit="yuan",
            moves="partners' content posts, CAC",
            responds=(("content_posts", 1),),
            home="symbiotic_partner",
        ),
        Lever(
            "policy.partner.referral_rate",
            "Referral rate",
            PARTNERS,
            "float",
            0.0,
            0.1,
            0.005,
            unit="%",
            moves="referrals, referred acquisitions",
            responds=(("referrals_made", 1), ("referral_acquisitions", 1)),
            home="symbiotic_partner",
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001
        super().__init__(model)
        self.on = False
        self.n_partners = int(np.count_nonzero(model.pop.partner))
        self._referrers: np.ndarray = EMPTY
        self.year_value = 0.0  # V: a year of an active customer's spending, as seen
        self.paid_per_partner = 0.0  # recent daily payouts per partner (smoothed)
        self._joined: dict[int, np.ndarray] = {}  # join day -> consumers who joined then
        self._balance_then = np.zeros(model.n)  # reward balance at the last anniversary
        self._renewals: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []

    # ---------------------------------------------------------------- incentives
    def referral_reward(self) -> float:
        """R: what a successful referral pays (bonus + share of a year of the friend's
        spending)."""
        return self.cfg.referral_bonus + self.cfg.share * self.year_value

    def referral_effort(self) -> float:
        """An active partner's daily chance of referring a friend (concave in R)."""
        if self.cfg.effort_half_reward == 0:  # effort without intensity (the analytic limit)
            return self.cfg.referral_rate
        r = self.referral_reward()
        return self.cfg.referral_rate * r / (r + self.cfg.effort_half_reward) if r > 0 else 0.0

    def expected_earnings(self) -> float:
        """E: the yearly earnings a partner can expect: the program's recent payouts per
        partner, or before there are any, what the referral effort and reward imply (one
        referral in five converting)."""
        if self.n_partners and self.paid_per_partner > 0:
            return 365.0 * self.paid_per_partner
        return 365.0 * self.referral_effort() * PRIOR_CONVERSION * self.referral_reward()

    def content_boost(self) -> float:
        c = self.cfg.content_reward
        return 1.0 + c / (c + self.cfg.content_half_reward) if c > 0 else 1.0

    def start_day(self, today: Today) -> None:
        self.on = self.cfg.on(today.day)

    # ---------------------------------------------------------------- stage 3: referrals
    def exposure(self, today: Today, awareness: Awareness) -> None:
        self._referrers = EMPTY
        if not self.on:
            return
        model, pop, idx = self.model, self.model.pop, self.model.index
        matched = self.cfg.referral_targeting == "matched"
        acting, friends = referral_targets(
            (pop.partner & idx.active).nonzero()[0],
            self.referral_effort(),
            idx.referable & ~pop.declined if matched else idx.referable,
            model.nb,
            self.rng,
            weights=pop.need_rate if matched else None,
        )
        today.row["referrals_made"] = len(friends)
        if not len(friends):
            return
        pop.referrer[friends] = acting
        pop.match[friends] += model.scenario.behaviour.referral_match_bonus
        pop.make_aware(friends[~pop.aware[friends]], today.day, _REFERRAL)
        idx.referred(friends)
        self._referrers = refs = pop.referrer[friends].astype(np.int64)
        pop.referrals[refs] += 1  # distinct: a partner refers once a day

    # ---------------------------------------------------------------- stage 8: payouts
    def book(self, today: Today, sale: Sale, books: Books) -> None:
        if not self.on:
            return
        pop, cfg = self.model.pop, self.cfg
        buyers = sale.buyers
        payouts = partner_payouts(
            buyers=buyers,
            paid=sale.paid,
            first_purchase=sale.first,
            referrer=pop.referrer,
            partner=pop.partner,
            acquired_by_content=pop.acq_channel[buyers] == _CONTENT,
            content_source=pop.content_source,
            reviewers=buyers[sale.posted_positive | sale.posted_negative],
            gmv=books.flows["consumer_paid"],
            share=cfg.share,
            referral_bonus=cfg.referral_bonus,
            content_reward=cfg.content_reward,
            pool_share=cfg.reward_pool_share,
        )
        if payouts.account:
            self._pay(today, sale, books, *payouts.columns())

    def _pay(
        self,
        today: Today,
        sale: Sale,
        books: Books,
        acc: np.ndarray,
        kind: np.ndarray,
        amount: np.ndarray,
        ref: np.ndarray,
    ) -> None:
        """Seal the day's ledger block; pay balances; charge each payout to the buyer who
        triggered it (first purchases: CAC, repeat purchases: its margin; pool payouts: a
        cost of the partner paid)."""
        model = self.model
        model.ledger.append(today.day, acc, kind, amount, ref)
        is_pay = kind >= _MIN_PAYOUT_KIND
        acc_pay, amt = acc[is_pay], amount[is_pay]
        if not len(acc_pay):
            return
        np.add.at(model.pop.reward_balance, acc_pay, amt)
        books.earners, books.earned = sum_by_key(acc_pay, amt)
        books.flows["rewards"] += float(amt.sum())
        refd = ref[is_pay]
        has_ref = refd >= 0
        pos = full(len(refd), -1, np.int64)  # the triggering purchase's place in the sale
        if has_ref.any():
            slot = model.scratch_slot
            slot[sale.buyers] = np.arange(len(sale.buyers))
            pos[has_ref] = slot[refd[has_ref]]
            slot[sale.buyers] = -1
        on_first = np.zeros(len(refd), bool)
        on_first[has_ref] = sale.first[pos[has_ref]]
        to_cac = has_ref & on_first
        books.charge(pos[to_cac], amt[to_cac], acquisition=True)
        to_ltv = has_ref & ~on_first
        books.charge(pos[to_ltv], amt[to_ltv], acquisition=False)
        # pool payouts reward contributions, not one purchase: a cost of the partner paid
        pool = kind[is_pay] == _POOL
        books.charge_customers(acc_pay[pool], amt[pool], "pool")
        today.row["pool_paid"] = float(amt[pool].sum())

    def content_effort(self, today: Today, sale: Sale, propensity: np.ndarray) -> None:
        if self.on and self.cfg.content_reward > 0:
            propensity[self.model.pop.partner[sale.buyers]] *= self.content_boost()

    # ---------------------------------------------------------------- stages 9, 11
    def acts(self, today: Today, sale: Sale, books: Books, acts: Acts) -> None:
        acts.add(self._referrers)

    def end_day(self, today: Today, sale: Sale) -> None:
        """Enrolment decisions of today's buyers; anniversaries; what partners observe."""
        row = today.row
        if self.on:
            pop, buyers, cfg = self.model.pop, sale.buyers, self.cfg
            if row["active"] or self.model.index.n_active:
                v = 365.0 * row["gmv"] / max(self.model.index.n_active, 1)
                self.year_value += (v - self.year_value) / 30.0
            if self.n_partners:
                per = row["rewards_paid"] / self.n_partners
                self.paid_per_partner += (per - self.paid_per_partner) / 30.0
            offer = buyers[(pop.purchases[buyers] >= cfg.min_purchases) & ~pop.partner[buyers]]
            if len(offer):
                transparent = self.model.scenario.policy.ledger.transparent
                if cfg.earnings_half == 0:  # joining without a decision (the analytic limit)
                    p = pop.partner_propensity[offer] * (1.0 if transparent else pop.trust[offer])
                else:
                    e = self.expected_earnings()
                    seen = e if transparent else e * pop.trust[offer]
                    p = pop.partner_propensity[offer] * seen / (seen + cfg.earnings_half)
                join = offer[self.rng.random(len(offer)) < p]
                pop.partner[join] = True
                pop.partner_day[join] = today.day
                self._balance_then[join] = pop.reward_balance[join]
                if len(join):
                    self._joined[today.day] = join
                row["new_partners"] = len(join)
                self.n_partners += len(join)
            self._anniversaries(today)
        row["partners"] = self.n_partners

    def _anniversaries(self, today: Today) -> None:
        """Partners who joined a whole number of years ago renew or lapse today."""
        day, cfg, pop = today.day, self.cfg, self.model.pop
        for joined_day in range(day - 365, -1, -365):
            cohort = self._joined.get(joined_day)
            if cohort is None:
                continue
            due = cohort[pop.partner[cohort] & (pop.partner_day[cohort] == joined_day)]
            if not len(due):
                continue
            earned = pop.reward_balance[due] - self._balance_then[due]
            active = (
                pop.alive[due]
                & pop.present[due]
                & (pop.last_purchase[due] > day - cfg.renewal_activity_days)
            )
            lapse_p = cfg.lapse_base * cfg.renewal_half / (cfg.renewal_half + earned)
            renew = active & (self.rng.random(len(due)) >= lapse_p)
            gone = due[~renew]
            pop.partner[gone] = False
            self.n_partners -= len(gone)
            self._balance_then[due] = pop.reward_balance[due]
            self._renewals.append((due, np.full(len(due), joined_day), day, renew))
            today.row["partner_lapses"] += len(gone)

    def tables(self) -> dict[str, Any]:
        """The renewal decisions (one row per partner anniversary)."""
        import pandas as pd

        parts = self._renewals
        return {
            "partner_renewals": pd.DataFrame(
                {
                    "consumer": np.concatenate([p[0] for p in parts]).astype(np.int64)
                    if parts
                    else np.zeros(0, np.int64),
                    "joined_day": np.concatenate([p[1] for p in parts]).astype(np.int32)
                    if parts
                    else np.zeros(0, np.int32),
                    "anniversary_day": np.concatenate(
                        [np.full(len(p[0]), p[2]) for p in parts]
                    ).astype(np.int32)
                    if parts
                    else np.zeros(0, np.int32),
                    "renewed": np.concatenate([p[3] for p in parts])
                    if parts
                    else np.zeros(0, bool),
                }
            )
        }

    def kpis(self, daily) -> dict[str, float]:  # noqa: ANN001
        pop = self.model.pop
        cust = pop.purchases > 0
        renewals = self._renewals
        decided = sum(len(r[3]) for r in renewals)
        renewed = sum(int(r[3].sum()) for r in renewals)
        return {
            "partners": int(pop.partner.sum()),
            "partner_renewal_rate": renewed / decided if decided else float("nan"),
            "reward_gini": gini(pop.reward_balance[cust]),
        }
