"""会员合伙人 the member-partner program: partners refer friends and earn from what they bring.

While the program runs:

* every active partner refers, with probability ``referral_rate`` a day, one neighbour who is
  not yet a customer and has no referrer; the friend gains a match bonus (the referrer knows
  their needs: Schmitt, Skiera & Van den Bulte 2011) and, if unaware, becomes aware;
* payouts (:func:`sim.submodels.rewards.partner_payouts`), all written to the hash-chained
  contribution ledger: a bonus when a referred friend first buys, a share of every purchase
  of referred friends, a reward for content that led to a first purchase, and a daily pool
  (a share of GMV) split by contribution points;
* a payout triggered by a first purchase is an acquisition cost of that buyer (CAC); one
  triggered by a repeat purchase is charged against the buyer's contribution (LTV);
* buyers with at least ``min_purchases`` purchases are offered partnership and accept with
  probability partner propensity x trust;
* referring a friend is a relational act; receiving a reward raises attachment.
"""

from __future__ import annotations

import numpy as np

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

for _c in (
    ("pool_paid", "yuan", "Reward-pool payouts today."),
    ("referrals_made", "count", "Friends referred by partners today."),
    ("new_partners", "count", "Consumers who joined the partner program today."),
    ("partners", "count", "Partners (consumers who ever joined)."),
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
            moves="partner earnings (money only in this version of the model)",
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
            moves="partner earnings, attachment of earners",
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
            moves="partner earnings, CAC",
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
            moves="partner earnings, CAC",
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
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001
        super().__init__(model)
        self.on = False
        self.n_partners = int(np.count_nonzero(model.pop.partner))
        self._referrers: np.ndarray = EMPTY

    def start_day(self, today: Today) -> None:
        self.on = self.cfg.on(today.day)

    # ---------------------------------------------------------------- stage 3: referrals
    def exposure(self, today: Today, awareness: Awareness) -> None:
        self._referrers = EMPTY
        if not self.on:
            return
        model, pop, idx = self.model, self.model.pop, self.model.index
        acting, friends = referral_targets(
            np.flatnonzero(pop.partner & idx.active),
            self.cfg.referral_rate,
            idx.referable,
            model.nb,
            self.rng,
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
        books.earners = sum_by_key(acc_pay)[0]
        books.flows["rewards"] += float(amt.sum())
        refd = ref[is_pay]
        has_ref = refd >= 0
        pos = np.full(len(refd), -1, np.int64)  # the triggering purchase's place in the sale
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

    # ---------------------------------------------------------------- stages 9, 11
    def acts(self, today: Today, sale: Sale, books: Books, acts: Acts) -> None:
        acts.add(self._referrers)

    def end_day(self, today: Today, sale: Sale) -> None:
        """Enrolment: buyers with enough purchases are offered partnership."""
        if self.on:
            pop, buyers = self.model.pop, sale.buyers
            offer = buyers[(pop.purchases[buyers] >= self.cfg.min_purchases) & ~pop.partner[buyers]]
            join = offer[
                self.rng.random(len(offer)) < pop.partner_propensity[offer] * pop.trust[offer]
            ]
            pop.partner[join] = True
            pop.partner_day[join] = today.day
            today.row["new_partners"] = len(join)
            self.n_partners += len(join)
        today.row["partners"] = self.n_partners

    def kpis(self, daily) -> dict[str, float]:  # noqa: ANN001
        pop = self.model.pop
        cust = pop.purchases > 0
        return {"partners": int(pop.partner.sum()), "reward_gini": gini(pop.reward_balance[cust])}
