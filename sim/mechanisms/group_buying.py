"""拼团 group buying: a group of k buyers unlocks a discount, partly paid by the platform.

The policy of subsidy-driven group buying (Pinduoduo; neighbourhood co-purchase when the
platform funds nothing). What it does in the day:

* offers the *group* option: price list x (1 - discount), of which ``subsidy_share`` is
  paid by the platform while subsidies run and the rest by the brand, less a hassle
  utility (waiting for the group) plus ln(P̂), P̂ the chance a group fills in the consumer's
  community as they have seen it lately (an option available with probability P̂:
  implicit availability, Cascetta & Papola 2001), so nobody keeps choosing groups that fail;
* while subsidies run, a new-user coupon (platform-funded) on every first purchase;
* forms groups among neighbours, with invite-to-unlock (:mod:`sim.submodels.groups`): an
  invited friend reads it with probability ``invite_join_prob`` (and so hears of the
  platform), and joins only if they decide to: they need to have a need
  within the group's window and prefer the friend's group deal to their outside option
  (binary logit on the same utilities as the choice, plus ``behaviour.invite_weight`` x
  their social susceptibility for the friend who asked); an invitation a dropped-out
  customer accepts brings them back; a group that fails is a bad experience;
* keeps the subsidy budget: when it runs out mid-day, later buyers pay the unsubsidised
  price (subsidies stop for good; ``subsidy_exhausted_day`` records when).

Subsidies stop with the mechanism's window, a ``subsidy_end`` shock or an exhausted budget.
"""

from __future__ import annotations

import numpy as np

from sim._fast import full
from sim.columns import column
from sim.day import GROUP, NO_TERMS, OUTSIDE, Choices, Menu, Orders, Sale, Terms, Today
from sim.levers import GROUP_BUYING, Lever
from sim.mechanisms.base import Mechanism, register
from sim.population import Channel
from sim.sampling import distinct
from sim.submodels.fulfilment import update_satisfaction_trust
from sim.submodels.groups import GroupBook

_INVITE = int(Channel.INVITE)
FILL_PRIOR = 0.5  # the fill chance consumers assume before they have seen any group
FILL_MEMORY = 0.1  # weight of a day's outcomes in a community's perceived fill chance
MIN_FILL = 0.01

for _c in (
    ("group_orders", "count", "Purchases at the group price (groups that filled today)."),
    ("groups_opened", "count", "拼团 groups opened today."),
    ("groups_succeeded", "count", "Groups that reached k members today."),
    ("groups_failed", "count", "Groups that expired unfilled today."),
    ("group_success_rate", "share", "Succeeded over decided groups today (NaN: none decided)."),
    ("invites_accepted", "count", "Invited neighbours who joined a group today."),
    ("pending_group", "count", "Consumers waiting in an open group at the end of the day."),
    ("subsidy_on", "flag", "1 while platform subsidies run."),
):
    column(*_c)


@register
class GroupBuying(Mechanism):
    name = "group_buying"
    order = 10
    section = "policy.group_buying"
    label = "拼团 group buying"
    summary = (
        "Groups of k neighbours unlock a discount (platform- or brand-funded); invite-to-unlock; "
        "new-user coupons; a subsidy budget."
    )
    levers = (
        Lever(
            "policy.group_buying.enabled",
            "Group buying on",
            GROUP_BUYING,
            "bool",
            moves="group orders",
            responds=(("group_orders", 1),),
            home="subsidy_group_buying",
        ),
        Lever(
            "policy.group_buying.discount",
            "Group discount (depth)",
            GROUP_BUYING,
            "float",
            0.0,
            0.6,
            0.01,
            unit="%",
            moves="group orders, acquisitions (price hunters)",
            responds=(("group_orders", 1), ("new_customers", 1)),
            home="subsidy_group_buying",
        ),
        Lever(
            "policy.group_buying.subsidy_share",
            "Platform-funded share",
            GROUP_BUYING,
            "float",
            0.0,
            1.0,
            0.05,
            unit="%",
            moves="brand quality (brands fund less of the discount); consumers pay the same, so demand does not move until subsidies stop",
            responds=(("mean_brand_quality", 1),),
            home="subsidy_group_buying",
        ),
        Lever(
            "policy.group_buying.new_user_coupon",
            "New-user coupon",
            GROUP_BUYING,
            "float",
            0.0,
            0.5,
            0.01,
            unit="%",
            moves="first purchases (acquisitions)",
            responds=(("new_customers", 1),),
            home="subsidy_group_buying",
        ),
        Lever(
            "policy.group_buying.invite_join_prob",
            "Invitation acceptance",
            GROUP_BUYING,
            "float",
            0.0,
            1.0,
            0.01,
            unit="%",
            moves="invitations read and accepted, awareness",
            responds=(("invites_accepted", 1), ("newly_aware", 1)),
            home="subsidy_group_buying",
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001 - the model (cycle-free typing)
        super().__init__(model)
        cfg = self.cfg
        self.groups = GroupBook(model.n, cfg.group_size, cfg.window_days)
        self.budget_left = np.inf if cfg.budget is None else float(cfg.budget)
        self.exhausted_day: int | None = None
        self.on = False
        self.subsidy_on = False
        self.subsidy_kept = 1.0
        self.fill_chance = np.full(model.graph.n_communities, FILL_PRIOR)  # perceived fill chance
        self._today: Today | None = None

    # ---------------------------------------------------------------- stage 1
    def start_day(self, today: Today) -> None:
        self.on = self.cfg.on(today.day)
        if not self.on and self.groups.open_groups:
            self.groups.cancel_all()
        withdrawn = today.conditions.subsidy_withdrawn
        self.subsidy_on = self.on and withdrawn < 1.0 and self.budget_left > 0
        self.subsidy_kept = 1.0 - withdrawn  # a partial subsidy_end shrinks what the platform pays

    # ---------------------------------------------------------------- stages 4-6
    def waiting(self, today: Today) -> np.ndarray | None:
        return self.groups.member if len(self.groups.member) else None

    def price_terms(
        self,
        today: Today,
        option: int,
        consumers: np.ndarray,
        first: np.ndarray,
        list_value: np.ndarray | None = None,
    ) -> Terms:
        cfg, kept = self.cfg, self.subsidy_kept
        coupon = cfg.new_user_coupon * kept * first if self.subsidy_on else 0.0
        if option != GROUP:
            return Terms(platform=coupon)
        if not self.on:
            return NO_TERMS
        platform = cfg.discount * cfg.subsidy_share * kept + coupon if self.subsidy_on else 0.0
        return Terms(platform, cfg.discount * (1.0 - cfg.subsidy_share))

    def offer(self, today: Today, menu: Menu) -> None:
        if self.on:
            fill = self.fill_chance[self.model.pop.community[menu.need]]
            hassle = self.model.scenario.behaviour.group_hassle
            menu.offer(GROUP, np.log(np.maximum(fill, MIN_FILL)) - hassle)

    def fill(self, today: Today, choices: Choices, orders: list[Orders]) -> None:
        if not self.on:
            return
        model, cfg, beh, row = self.model, self.cfg, self.model.scenario.behaviour, today.row
        pop, need = model.pop, choices.need
        busy = ~pop.present  # households not in the market cannot be invited
        busy[need] = True  # nor consumers with a need today (they chose already)
        self._today = today
        out = self.groups.step(
            today.day,
            choices.chose(GROUP),
            model.nb,
            self.rng,
            invite=cfg.invite_to_unlock,
            invite_prob=self._accept,
            busy=busy,
            consider=cfg.invite_join_prob,
            community=pop.community,
            anyone=cfg.join_strangers,
        )
        reached, invited = out.reached, out.invited_joiners
        if len(reached):  # an invitation is how many first hear of the platform
            newly = distinct(reached[~pop.aware[reached]])
            pop.make_aware(newly, today.day, _INVITE)
            row["newly_aware"] += len(newly)
        if len(invited):
            back = invited[~pop.alive[invited]]  # dropped out, but accepted a friend's invite
            pop.revive(back)
            row["revivals"] += len(back)
        row["invites_accepted"] = len(invited)
        row["groups_opened"] = out.groups_opened
        row["groups_succeeded"] = out.groups_succeeded
        row["groups_failed"] = out.groups_failed
        self._learn_fill(out.succeeded, out.failed)
        if len(out.failed):  # a failed group is a bad experience
            e = full(len(out.failed), beh.group_fail_experience)
            update_satisfaction_trust(
                pop.satisfaction, pop.trust, out.failed, e, beh.satisfaction_rate, beh.trust_rate
            )
        buyers = out.succeeded
        via = full(len(buyers), -1, np.int8)
        if len(invited) and len(buyers):
            mark = model.scratch_mask
            mark[invited] = True
            via[mark[buyers]] = _INVITE  # invited today: the invitation acquired them
            mark[invited] = False
        orders.append(Orders(buyers, full(len(buyers), GROUP, np.int8), via, out.succeeded_group))

    def _accept(self, invitees: np.ndarray) -> np.ndarray:
        """The chance an invited friend who read the invitation joins: they have a need
        within the group's window and prefer the friend's group deal to going elsewhere."""
        today, model = self._today, self.model
        assert today is not None
        pop, cfg, beh = model.pop, self.cfg, model.scenario.behaviour
        rate = pop.need_rate[invitees] * today.conditions.need_factor
        p_need = 1.0 - (1.0 - np.minimum(rate, 1.0)) ** cfg.window_days
        u = model.utilities(today, invitees, (GROUP,))
        social = beh.invite_weight * pop.social_susceptibility[invitees]
        with np.errstate(over="ignore", invalid="ignore"):
            gap = u[:, GROUP] + social - u[:, OUTSIDE]
            p_deal = np.where(np.isfinite(gap), 1.0 / (1.0 + np.exp(-gap)), 0.0)
        return p_need * p_deal

    def _learn_fill(self, succeeded: np.ndarray, failed: np.ndarray) -> None:
        """Each community's perceived fill chance follows the outcomes its members see."""
        if not (len(succeeded) or len(failed)):
            return
        comm = self.model.pop.community
        n = len(self.fill_chance)
        ok = np.bincount(comm[succeeded], minlength=n)
        seen = ok + np.bincount(comm[failed], minlength=n)
        has = seen > 0
        self.fill_chance[has] += FILL_MEMORY * (ok[has] / seen[has] - self.fill_chance[has])

    # ---------------------------------------------------------------- stage 7
    def finance(self, today: Today, sale: Sale) -> None:
        """The budget: subsidise today's purchases in order until it is gone."""
        if not self.subsidy_on or not np.isfinite(self.budget_left):
            return
        subsidy = sale.subsidy
        spent = float(subsidy.sum())
        if spent > self.budget_left:
            cum = np.cumsum(subsidy)
            over = cum > self.budget_left
            cut = over.nonzero()[0][0]
            subsidy[cut] = self.budget_left - (cum[cut - 1] if cut else 0.0)
            subsidy[cut + 1 :] = 0.0
            sale.paid = sale.list_value * (1.0 - sale.brand_disc - sale.points_disc) - subsidy
        self.budget_left -= float(subsidy.sum())
        if self.budget_left <= 1e-9 and self.exhausted_day is None:
            self.exhausted_day = today.day

    # ---------------------------------------------------------------- stage 11
    def end_day(self, today: Today, sale: Sale) -> None:
        row = today.row
        row["group_orders"] = int(np.count_nonzero(sale.by(GROUP))) if len(sale) else 0
        row["pending_group"] = len(self.groups.member)
        row["subsidy_on"] = float(self.subsidy_on)
        decided = row["groups_succeeded"] + row["groups_failed"]
        row["group_success_rate"] = row["groups_succeeded"] / decided if decided else float("nan")

    def kpis(self, daily) -> dict[str, float]:  # noqa: ANN001 - a DataFrame
        s, f = daily["groups_succeeded"].sum(), daily["groups_failed"].sum()
        return {"group_success_rate": float(s / (s + f)) if s + f else float("nan")}
