"""Scenario schema: every parameter of a run, validated, with its default and its source.

A scenario is a YAML file whose keys mirror the models below. It may name a
``base`` scenario (a path relative to itself, or a shipped scenario name) whose
fields it overrides. Every default is illustrative unless its description
names a source; ``symbiosim params`` prints the table.

Bad input raises :class:`ScenarioError` with one message naming the field path
and the allowed values, never a pydantic traceback.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.network_kinds import NETWORK_KINDS
from sim.shocks import SHOCKS

# The shipped scenarios: package data of ``sim.scenarios`` (the repository's top-level
# scenarios/ folder, installed inside the package; see pyproject.toml).
SCENARIO_DIR = Path(str(files("sim.scenarios")))

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Day = Annotated[int, Field(ge=0)]
#: No whole number in a scenario needs more (consumers stop at 20 million, days at 20,000).
MAX_WHOLE_NUMBER = 2**31 - 1


class ScenarioError(ValueError):
    """A scenario (or an override) is invalid. The message names the field and allowed values."""


class Strict(BaseModel):
    """Base for all scenario sections: unknown keys are errors, assignments are validated,
    and every float is finite (NaN and ±infinity mean nothing as a parameter; a field that
    needs them must say so with its own ``allow_inf_nan``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _whole_numbers_in_range(cls, v: Any) -> Any:
        # a 30-digit day or community size means nothing and overflows numpy's int64
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_WHOLE_NUMBER:
            raise ValueError(f"must be at most {MAX_WHOLE_NUMBER:,} (got {v:.3g})")
        return v


# --------------------------------------------------------------------------- population
class Segment(Strict):
    """A consumer segment; traits are drawn per consumer around these means."""

    share: Prob = Field(description="Share of the population in this segment.")
    price_sensitivity: NonNeg = Field(description="Utility lost per 100% of list price paid.")
    quality_sensitivity: NonNeg = Field(description="Utility gained per unit of quality.")
    need_rate: Prob = Field(
        description="Mean daily probability of a purchase need (a need may be met elsewhere)."
    )
    need_shape: float | None = Field(
        None,
        gt=0,
        description="Gamma shape of need rates within the segment: their long tail (smaller: "
        "more unequal; the NBD fitted to the CDNOW panel has about 0.24). None: trait_spread.",
    )
    dropout: Prob = Field(
        0.0,
        description="Mean chance of dropping out for good after a purchase (the p of the "
        "BG/NBD model; Fader, Hardie & Lee 2005 fit a mean of about 0.25 on CDNOW).",
    )
    dropout_concentration: float = Field(
        4.0,
        gt=0,
        description="a + b of the beta distribution of dropout chances (smaller: more spread; "
        "about 3.2 on CDNOW).",
    )
    social_susceptibility: NonNeg = Field(
        1.0, description="Multiplier on word-of-mouth and content exposure."
    )
    content_propensity: Prob = Field(description="Probability of posting content after a purchase.")
    partner_propensity: Prob = Field(
        description="Probability of joining a partner program when offered."
    )
    trait_spread: NonNeg = Field(
        0.2, description="Coefficient of variation of traits within segment."
    )


def _default_segments() -> dict[str, Segment]:
    # Illustrative. Shares loosely follow survey splits of Chinese online shoppers into
    # price-driven, quality-driven and socially-driven groups (e.g. McKinsey China Consumer
    # Report 2020 describes a price-sensitive majority in lower-tier cities); values are a guess.
    # Need rates (a few needs a month, with a long tail: gamma shape 0.5) and dropout chances
    # (price hunters try once most often) were set, with the network effects and the market's
    # awareness channels, so that the first-year customers of subsidy_group_buying show the
    # customer-base patterns of docs/validation.md: those patterns are fitted there.
    return {
        "price_hunter": Segment(
            share=0.45,
            price_sensitivity=15.0,
            quality_sensitivity=0.8,
            need_rate=0.10,
            need_shape=0.5,
            dropout=0.68,
            dropout_concentration=3.0,
            social_susceptibility=1.2,
            content_propensity=0.04,
            partner_propensity=0.10,
        ),
        "quality_seeker": Segment(
            share=0.30,
            price_sensitivity=4.5,
            quality_sensitivity=2.5,
            need_rate=0.08,
            need_shape=0.5,
            dropout=0.46,
            dropout_concentration=3.0,
            social_susceptibility=0.8,
            content_propensity=0.08,
            partner_propensity=0.15,
        ),
        "community_minded": Segment(
            share=0.25,
            price_sensitivity=7.5,
            quality_sensitivity=1.5,
            need_rate=0.09,
            need_shape=0.5,
            dropout=0.31,
            dropout_concentration=3.0,
            social_susceptibility=1.4,
            content_propensity=0.15,
            partner_propensity=0.40,
        ),
    }


class Population(Strict):
    consumers: int = Field(
        5000,
        ge=2,
        le=20_000_000,
        description="Number of consumers (households): with the open market on, every "
        "household that lives in the market at some point of the run (fewer on day 0).",
    )
    segments: dict[str, Segment] = Field(default_factory=_default_segments)
    initial_aware: Prob = Field(
        0.0017,
        description="Share aware of the platform on day 0 (calibrated: a platform at launch).",
    )
    churn_window: int = Field(
        30,
        ge=1,
        le=3650,
        description="Days without purchase after which a customer counts as lapsed.",
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Population:
        total = sum(s.share for s in self.segments.values())
        if not self.segments:
            raise ValueError("population.segments: at least one segment is required")
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"population.segments: shares must sum to 1 (they sum to {total:.4f})")
        return self


# --------------------------------------------------------------------------- network
# the allowed names come from the registries (one source of truth)
NetworkKind = Literal[NETWORK_KINDS.names()]  # type: ignore[valid-type]
ShockKind = Literal[SHOCKS.names()]  # type: ignore[valid-type]


class Network(Strict):
    kind: NetworkKind = Field("sbm", description="Social network generator.")
    mean_degree: float = Field(
        12.0,
        gt=0,
        description="Mean number of contacts (WeChat close-contact circles; illustrative).",
    )
    community_size: int = Field(
        100,
        ge=2,
        description="Households per neighbourhood block (one 团长 per ~100 households, illustrative).",
    )
    within_share: Prob = Field(0.85, description="Share of a node's ties inside its block (sbm).")
    rewire: Prob = Field(0.1, description="Rewiring probability (small_world).")
    path: str | None = Field(None, description="Edge-list CSV or GraphML file (kind=file).")
    leader_selection: Literal["degree", "random"] = Field(
        "degree", description="How each community's leader is chosen."
    )

    @model_validator(mode="after")
    def _file_needs_path(self) -> Network:
        if self.kind == "file" and not self.path:
            raise ValueError("network.path: required when network.kind is 'file'")
        return self


# --------------------------------------------------------------------------- market
class Brands(Strict):
    count: int = Field(10, ge=1, le=1000, description="Number of brands.")
    quality_mean: float = Field(0.6, ge=0, le=1, description="Mean brand quality in [0, 1].")
    quality_spread: float = Field(
        0.15, ge=0, le=1, description="Std of brand quality across brands."
    )
    quality_noise: float = Field(
        0.15, ge=0, le=1, description="Std of experienced quality per purchase."
    )
    list_price: float = Field(
        50.0,
        gt=0,
        description="Mean list price in yuan (typical community-group-buying basket; illustrative).",
    )
    unit_cost_share: Prob = Field(
        0.7, description="Unit cost as a share of list price at mean quality."
    )
    erosion_depth: NonNeg = Field(
        4.0,
        description="Quality a brand gives up at equilibrium per unit of brand-funded discount "
        "beyond its margin cushion (price pressure; illustrative).",
    )
    quality_adjust_rate: Prob = Field(
        0.01,
        description="Daily share of the gap to its equilibrium quality a brand closes "
        "(illustrative: months to adjust a product).",
    )
    margin_cushion: Prob = Field(
        0.08, description="Brand-funded discount a brand absorbs without cutting quality."
    )
    exit_patience: int = Field(
        60, ge=1, description="Days of negative rolling profit before a brand leaves."
    )


class Platform(Strict):
    commission_rate: Prob = Field(
        0.10,
        description="Take rate on consumer payments (Pinduoduo ~3-4% + ads; Meituan Youxuan ~10%; illustrative).",
    )
    ad_spend_per_day: NonNeg = Field(
        150.0,
        description="Paid-ad budget per day, yuan per 5,000 consumers (scaled to population; the "
        "same in every shipped scenario, so they differ in policy, not in marketing).",
    )
    ad_cost_per_reach: float = Field(
        350.0,
        gt=0,
        description="Yuan of ads per household the ads make notice the platform (untargeted; "
        "calibrated to Pinduoduo's adoption: most ad reach leaves no mark).",
    )
    ad_awareness_rate: Prob | None = Field(
        None,
        description="If set, a fixed daily ad-awareness hazard per unaware consumer (Bass p) instead of the budget.",
    )
    word_of_mouth_rate: NonNeg = Field(
        0.0108,
        description="Daily awareness hazard per unit share of active-customer neighbours (Bass q; "
        "calibrated to Pinduoduo's adoption).",
    )
    content_reach: NonNeg = Field(
        0.05, description="Awareness hazard per content post seen by a neighbour (illustrative)."
    )
    recommendation_accuracy: Prob = Field(
        0.5, description="AI matching: share of the quality-match gap closed."
    )
    outside_utility: float = Field(
        0.0, description="Utility of the outside option (other shops, other apps)."
    )
    outside_price: float = Field(
        0.89,
        gt=0,
        le=2,
        description="Outside option's price as a share of list (other shops' deals; set with the "
        "calibration).",
    )
    private_domain: bool = Field(
        False, description="Win back lapsed customers through private-domain channels."
    )
    winback_cost: NonNeg = Field(
        0.2, description="Yuan per lapsed customer contacted per win-back wave."
    )
    winback_every: int = Field(14, ge=1, description="Days between win-back waves.")
    winback_lift: float = Field(
        0.2, ge=0, description="Utility lift of a win-back message, lasting 7 days."
    )


# --------------------------------------------------------------------------- mechanisms (policy)
class Window(Strict):
    """A mechanism is on for start_day <= day < end_day (end_day None: until the end)."""

    enabled: bool = False
    start_day: Day = 0
    end_day: Day | None = None

    def on(self, day: int) -> bool:
        return (
            self.enabled and day >= self.start_day and (self.end_day is None or day < self.end_day)
        )


class GroupBuying(Window):
    group_size: int = Field(
        3, ge=2, le=50, description="k: members needed to unlock the group price."
    )
    window_days: int = Field(
        2, ge=1, le=30, description="Days a group stays open (Pinduoduo: 24 h)."
    )
    discount: Prob = Field(
        0.30, description="Group price discount off list (illustrative; PDD often 20-50%)."
    )
    subsidy_share: Prob = Field(
        0.7, description="Share of the group discount funded by the platform."
    )
    new_user_coupon: Prob = Field(
        0.15, description="Extra discount on a consumer's first purchase (platform-funded)."
    )
    invite_to_unlock: bool = Field(
        True, description="Initiators invite neighbours to complete the group."
    )
    join_strangers: bool = Field(
        True,
        description="The platform lists open groups: a consumer with no friend's or "
        "neighbourhood group to join may join a stranger's (Pinduoduo's open groups).",
    )
    invite_join_prob: Prob = Field(
        0.085,
        description="Chance an invited friend reads the invitation (and hears of the "
        "platform); they join if they have a need within the window and prefer the group "
        "deal to their outside option (calibrated to Pinduoduo's adoption).",
    )
    budget: NonNeg | None = Field(
        None, description="Total subsidy budget in yuan (None: unlimited)."
    )


class Leaders(Window):
    commission: Prob = Field(
        0.10, description="Leader commission on community orders (Meituan Youxuan ~10%)."
    )
    discount: Prob = Field(0.10, description="Community-order discount off list (brand-funded).")
    outside_wage: NonNeg = Field(
        0.08,
        description="Leader's outside income per day per household of the community, yuan "
        "(8 yuan a day for 100 households: a shopkeeper's side income; illustrative).",
    )
    quit_patience: int = Field(
        45, ge=1, description="Days of income below half the wage before a leader quits."
    )
    recruit_at: Prob = Field(
        0.2,
        description="Share of a community's households using the platform at which its leader "
        "is recruited (0: every leader works from day 0). Community group-buying platforms "
        "open a pick-up point where neighbours already order (illustrative).",
    )
    operator_mode: bool = Field(
        False, description="Symbiotic: leaders run their community as operators."
    )
    operator_share: Prob = Field(
        0.03,
        description="Operator mode: share of the community's platform GMV the platform pays its leader.",
    )
    broadcast_reach: Prob = Field(
        0.002,
        description="Daily awareness hazard a working leader adds in its community (illustrative).",
    )


class Partner(Window):
    share: Prob = Field(
        0.05, description="Share of referred consumers' payments paid to their referrer."
    )
    referral_rate: Prob = Field(
        0.02,
        description="Largest daily chance an active partner refers a non-customer friend; "
        "effort rises with the reward per referral R: rate x R / (R + effort_half_reward).",
    )
    referral_targeting: Literal["random", "matched"] = Field(
        "matched",
        description="Whom a partner refers. random: any non-customer friend, uniformly (the "
        "analytic referral limit, where referred customers survive worse than their month's "
        "others). matched (the default): the referrer knows their friends' needs (the match "
        "quality of Schmitt, Skiera & Van den Bulte 2011): a non-customer friend in proportion "
        "to how often they need what the platform sells, never one who has turned it down "
        "(had a need and bought elsewhere, never on the platform); what it produces: "
        "docs/validation.md §3.",
    )
    effort_half_reward: NonNeg = Field(
        10.0,
        description="Reward per successful referral (yuan: bonus + share of a year of the "
        "friend's spending) at which partners refer at half the largest rate (illustrative; "
        "0: effort does not depend on the reward, partners refer at the full rate).",
    )
    content_half_reward: NonNeg = Field(
        2.0,
        description="Content reward (yuan) at which partners post 1.5x as often as without one "
        "(illustrative).",
    )
    earnings_half: NonNeg = Field(
        100.0,
        description="Expected yearly earnings (yuan) at which half of those offered (x their "
        "propensity) join (illustrative; 0: earnings do not matter, those offered join with "
        "their propensity, x trust without a transparent ledger).",
    )
    renewal_activity_days: int = Field(
        180,
        ge=1,
        description="A partner renews at an anniversary only after a purchase within this many "
        "days.",
    )
    lapse_base: Prob = Field(
        0.15,
        description="Chance an active partner who earned nothing that year lapses (illustrative).",
    )
    renewal_half: NonNeg = Field(
        20.0,
        description="Yearly earnings (yuan) that halve an active partner's chance of lapsing "
        "(illustrative).",
    )
    referral_bonus: NonNeg = Field(
        5.0, description="Yuan paid when a referred consumer first buys."
    )
    content_reward: NonNeg = Field(
        2.0, description="Yuan paid to a poster per purchase their content triggered."
    )
    reward_pool_share: Prob = Field(
        0.01, description="Share of GMV paid out daily to contributors by points."
    )
    min_purchases: int = Field(
        1, ge=0, description="Purchases before a consumer is offered partnership."
    )


class CoCreation(Window):
    rate: NonNeg = Field(
        0.01,
        description="Brand quality gained at equilibrium per 1% of its buyers leaving feedback "
        "(illustrative).",
    )


class Ledger(Strict):
    transparent: bool = Field(
        False, description="Publish the contribution ledger (raises trust in payouts)."
    )
    trust_boost: Prob = Field(
        0.02,
        description="Share of the gap to full trust a reward earner closes on a payout day when "
        "the ledger is public (illustrative).",
    )


class Loyalty(Window):
    """积分 loyalty points: earned on spending, redeemed as a discount on later purchases."""

    points_per_yuan: NonNeg = Field(
        1.0, description="Points earned per yuan paid (1 point per yuan is common; illustrative)."
    )
    point_value: NonNeg = Field(
        0.01, description="Yuan a point is worth when redeemed (100 points = 1 yuan; illustrative)."
    )
    min_redeem: NonNeg = Field(100.0, description="Points a consumer needs before redeeming any.")
    max_redeem_share: Prob = Field(
        0.2, description="Largest share of a purchase's list price that points may pay."
    )
    expiry_days: int = Field(
        365,
        ge=1,
        description="Points expire after this many days without a purchase (breakage).",
    )


class Policy(Strict):
    name: str = "none"
    group_buying: GroupBuying = Field(default_factory=GroupBuying)
    leaders: Leaders = Field(default_factory=lambda: Leaders(enabled=True))
    partner: Partner = Field(default_factory=Partner)
    cocreation: CoCreation = Field(default_factory=CoCreation)
    ledger: Ledger = Field(default_factory=Ledger)
    loyalty: Loyalty = Field(default_factory=Loyalty)


# --------------------------------------------------------------------------- behaviour
class Behaviour(Strict):
    """Coefficients of the consumer's choice and state dynamics. All illustrative."""

    platform_intercept: float = Field(0.0, description="Base utility of buying on the platform.")
    trust_weight: float = Field(1.5, description="Utility per unit trust.")
    attachment_weight: float = Field(
        2.0, description="Utility per unit attachment (relational bond)."
    )
    satisfaction_weight: float = Field(1.5, description="Utility per unit satisfaction.")
    embedding_weight: float = Field(
        0.3, description="Utility bonus while one's referrer is still active."
    )
    network_weight: float = Field(
        1.0,
        description="Utility per unit share of one's neighbours who use the platform (social "
        "proof, friends' groups to join: the platform's network effect; set with the "
        "calibration).",
    )
    group_hassle: float = Field(0.3, description="Disutility of waiting for a group to form.")
    invite_weight: float = Field(
        1.0,
        description="Utility of being asked by a friend to join their group, x social "
        "susceptibility (illustrative).",
    )
    leader_convenience: float = Field(0.3, description="Utility of a neighbourhood pick-up order.")
    satisfaction_rate: Prob = Field(
        0.3, description="Weight of the latest experience in satisfaction."
    )
    trust_rate: Prob = Field(0.05, description="Weight of the latest experience in trust.")
    group_fail_experience: float = Field(
        -0.5,
        ge=-1,
        le=0,
        description="Experience of a group that fails to fill (-1 worst; feeds satisfaction and "
        "trust like a purchase's).",
    )
    referral_match_bonus: NonNeg = Field(
        0.08,
        description="Quality-match gain of referred consumers (Schmitt et al. 2011: referrers know needs).",
    )
    attachment_gain_relational: NonNeg = Field(0.10, description="Attachment per relational act.")
    attachment_gain_reward: NonNeg = Field(
        0.05, description="Largest attachment a day's rewards can add (concave in their value)."
    )
    attachment_reward_scale: NonNeg = Field(
        5.0,
        description="Yuan of a day's rewards that add 63% of the largest gain (1 - 1/e; "
        "illustrative).",
    )
    attachment_decay: Prob = Field(
        0.005, description="Daily attachment decay without relational acts."
    )
    reference_rate: Prob = Field(
        0.2, description="Weight of the latest price paid in a consumer's reference price."
    )
    reference_anchor: float = Field(
        0.95,
        gt=0,
        le=2,
        description="The market's going price as a share of list (between list and other "
        "shops' deals): reference prices drift toward it without purchases (illustrative).",
    )
    reference_drift: Prob = Field(
        0.01,
        description="Daily drift of a reference price toward the market's going price "
        "(half-life about 70 days; illustrative).",
    )
    loss_aversion: NonNeg = Field(
        1.0,
        description=(
            "Extra price weight on paying above one's reference price (loss aversion: "
            "Tversky & Kahneman 1991 λ≈2 → 1 extra; Kalyanaram & Winer 1995 reference prices)."
        ),
    )
    negative_content_trust: Prob = Field(
        0.03, description="Share of trust a neighbour loses per negative post seen."
    )


# --------------------------------------------------------------------------- shocks
class Shock(Strict):
    kind: ShockKind = Field(description="The shock's kind (see sim.shocks.SHOCKS).")
    day: Day
    duration: int | None = Field(None, ge=1, description="Days the shock lasts (None: permanent).")
    magnitude: float = Field(
        None,  # type: ignore[assignment] - filled with the kind's default below
        ge=0,
        description=(
            "subsidy_end: share of subsidies withdrawn (default 1); competitor_entry: "
            "outside-option utility gain (default 1); downturn: share of needs lost, price "
            "sensitivity rises by the same share (default 0.25); quality_scandal: quality drop "
            "(default 0.3); leader_exodus: share of leaders quitting (default 0.5). "
            "0 is no shock."
        ),
        validate_default=False,
    )
    brand: int = Field(0, ge=0, description="quality_scandal: index of the brand hit.")

    @model_validator(mode="before")
    @classmethod
    def _kind_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("magnitude") is None and data.get("kind") in SHOCKS:
            data = {**data, "magnitude": SHOCKS[data["kind"]].default_magnitude}
        return data

    def active(self, day: int) -> bool:
        return day >= self.day and (self.duration is None or day < self.day + self.duration)


# --------------------------------------------------------------------------- customer base
class Market(Strict):
    """An open market: households move in and out over the run (mechanism ``market``)."""

    enabled: bool = Field(True, description="Households enter and leave over the run.")
    growth: float = Field(
        0.065,
        ge=-0.5,
        le=1.0,
        description="Net yearly growth of the households in the market (China's internet "
        "users: 688M in Dec 2015 to 1,032M in Dec 2021, CNNIC: 6.6% a year).",
    )
    exit_rate: Prob = Field(
        0.02,
        description="Yearly share of households that move away (illustrative: residential "
        "mobility of a few % a year).",
    )


class Dropout(Strict):
    """Buy-till-you-die: after each purchase a consumer may stop considering the platform for
    good (mechanism ``dropout``); experience, attachment and an active referrer lower it."""

    enabled: bool = Field(True, description="Consumers drop out after purchases.")
    experience_weight: NonNeg = Field(
        1.5,
        description="Dropout chance x exp(-w x experience): a good purchase keeps customers "
        "(illustrative).",
    )
    attachment_weight: NonNeg = Field(
        1.0, description="Dropout chance x exp(-w x attachment) (illustrative)."
    )
    embedding_weight: NonNeg = Field(
        0.2,
        description="Dropout chance x exp(-w) while one's referrer is still active (social "
        "embedding: Van den Bulte et al. 2018; size illustrative).",
    )
    network_weight: NonNeg = Field(
        6.9,
        description="Dropout chance x exp(-w x the platform's reach, the share of households "
        "using it): a platform everyone uses is harder to leave (illustrative).",
    )
    social_revival: NonNeg = Field(
        1.34,
        description="Daily hazard that active friends draw a dropped-out customer back when all "
        "their neighbours are active customers, x social susceptibility (illustrative).",
    )
    revival_delay: int = Field(
        365,
        ge=0,
        description="Days after dropping out before friends can draw a customer back "
        "(illustrative).",
    )
    revival_exponent: float = Field(
        2.0,
        ge=1,
        le=10,
        description="Power of the share of active neighbours in that hazard (2: coming back takes "
        "several friends, complex contagion as in Centola & Macy 2007; illustrative).",
    )
    winback_revival: Prob = Field(
        0.005,
        description="Chance a win-back message brings a dropped-out customer back (illustrative).",
    )


# --------------------------------------------------------------------------- observation
class Observation(Strict):
    """How the run's KPIs are measured: the stated cohort and the value horizon.

    Scenarios compared on the same observation settings are compared on the same customers'
    ages: D_k, the first-year repeat rate, LTV and CAC are all computed for the customers
    acquired on days [cohort_start, cohort_end) (see docs/metrics.md)."""

    cohort_start: Day = Field(0, description="First acquisition day of the stated cohort.")
    cohort_end: Day = Field(
        365,
        description="The stated cohort is the customers acquired before this day (D_k, repeat "
        "rate, LTV, CAC).",
    )
    ltv_horizon: int = Field(
        365, ge=1, le=3650, description="Days of each customer's value counted in LTV."
    )
    discount_rate: Prob = Field(
        0.10, description="Annual discount rate of LTV (illustrative: a typical cost of capital)."
    )
    min_customers: int = Field(
        100, ge=1, description="Retention curves stop where fewer customers remain at an age."
    )
    resilience_horizon: int = Field(
        60, ge=1, description="Days after a shock at which resilience is measured."
    )
    cohort_unit: Literal["week", "month"] = Field(
        "month", description="Cohort tables by acquisition week or 30-day month."
    )

    @model_validator(mode="after")
    def _cohort_not_empty(self) -> Observation:
        if self.cohort_end <= self.cohort_start:
            raise ValueError(
                f"observation.cohort_end: must be after cohort_start ({self.cohort_start}), "
                f"got {self.cohort_end}"
            )
        return self


# --------------------------------------------------------------------------- scenario
class Scenario(Strict):
    name: str = "unnamed"
    description: str = ""
    days: int = Field(
        2400,
        ge=1,
        le=20_000,
        description="Days to simulate (6.6 years: from a platform's launch to maturity; "
        "Pinduoduo's first 2017-2021 figures fall on days 852-2313).",
    )
    population: Population = Field(default_factory=Population)
    network: Network = Field(default_factory=Network)
    brands: Brands = Field(default_factory=Brands)
    platform: Platform = Field(default_factory=Platform)
    policy: Policy = Field(default_factory=Policy)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    shocks: list[Shock] = Field(default_factory=list)
    market: Market = Field(default_factory=Market)
    dropout: Dropout = Field(default_factory=Dropout)
    observation: Observation = Field(default_factory=Observation)

    @field_validator("name")
    @classmethod
    def _printable_name(cls, v: str) -> str:
        # the name titles figures, reports and tables, which cannot show a control character
        bad = next((c for c in v if not c.isprintable()), None)
        if bad is not None:
            raise ValueError(f"must be printable text on one line (got {bad!r} in it)")
        return v

    @model_validator(mode="after")
    def _check_refs(self) -> Scenario:
        for i, s in enumerate(self.shocks):
            if s.kind in ("subsidy_end", "downturn", "leader_exodus") and s.magnitude > 1:
                raise ValueError(
                    f"shocks.{i}.magnitude: a {s.kind} magnitude is a share, 0 to 1 "
                    f"(got {s.magnitude})"
                )
            if s.kind == "quality_scandal" and s.brand >= self.brands.count:
                raise ValueError(
                    f"shocks.{i}.brand: must be < brands.count ({self.brands.count}), got {s.brand}"
                )
        return self

    # -- convenience -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def resilience_shocks(self) -> list[int]:
        """The shocks whose resilience a run reads (their day plus the resilience horizon
        falls inside the run), by index: each needs a counterfactual twin (sim.resilience),
        which a run holds beside itself (sim.limits.models_held)."""
        h = self.observation.resilience_horizon
        return [i for i, s in enumerate(self.shocks) if s.day + h < self.days]

    def key(self, seed: int | None = None) -> str:
        """Stable hash of the resolved scenario (and seed): identifies a run."""
        payload = json.dumps({"scenario": self.to_dict(), "seed": seed}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new validated scenario with dotted-path overrides applied (``policy.partner.share``)."""
        data = self.to_dict()
        for path, value in overrides.items():
            set_path(data, path, value)
        return validate_scenario(data)


# --------------------------------------------------------------------------- loading
def _format_error(err: ValidationError, prefix: str = "") -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(field_label(p) for p in e["loc"] if p not in ("function-after",))
        loc = f"{prefix}{loc}" if loc else prefix.rstrip(".") or "scenario"
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
            # the validator already names its field
            lines.append(msg if ":" in msg.split(" ")[0] else f"{loc}: {msg}")
            continue
        if e["type"] == "extra_forbidden":
            parent = _model_at(Scenario, [p for p in e["loc"][:-1]])
            allowed = ", ".join(sorted(parent.model_fields)) if parent else ""
            msg = "unknown field" + (f" (allowed: {allowed})" if allowed else "")
        elif e["type"] == "literal_error":
            msg = msg.replace("Input should be", "must be one of")
        lines.append(f"{loc}: {msg} (got {e.get('input')!r})" if "input" in e else f"{loc}: {msg}")
    return "; ".join(lines)


# A plain name, or a dotted path of plain names (a sweep parameter); "." or "a..b" are quoted.
_PLAIN_KEY = re.compile(r"(?=.{1,100}$)[A-Za-z_][\w\-]*(\.[A-Za-z_][\w\-]*)*|\d{1,9}")


def field_label(part: Any) -> str:
    """A field name as shown in a message: plain names as they are, anything else (blank,
    control characters, very long, from a hostile file) quoted and cut, so the message stays
    one readable line."""
    text = str(part)
    if _PLAIN_KEY.fullmatch(text):
        return text
    return json.dumps(text[:40] + ("…" if len(text) > 40 else ""), ensure_ascii=False)


def _model_at(model: type[BaseModel], loc: list[Any]) -> type[BaseModel] | None:
    """The pydantic model class found by walking a validation-error location."""
    cur: Any = model
    for part in loc:
        if isinstance(part, int) or cur is None:
            continue
        if not (isinstance(cur, type) and issubclass(cur, BaseModel)):
            return None
        field = cur.model_fields.get(str(part))
        if field is None:
            # dict key (segment name) or list index: stay on the value model
            continue
        ann = field.annotation
        cur = _inner_model(ann)
    return cur if isinstance(cur, type) and issubclass(cur, BaseModel) else None


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        m = _inner_model(arg)
        if m is not None:
            return m
    return None


def validate_scenario(data: dict[str, Any]) -> Scenario:
    """Validate a plain dict into a Scenario; raise ScenarioError with a readable message."""
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario: must be a mapping of fields, got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format_error(err)) from None


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``path='a.b.c'``; list items by index (``shocks.0.day``)."""
    parts = path.split(".")
    cur: Any = data
    for i, part in enumerate(parts[:-1]):
        nxt = _child(cur, part, ".".join(parts[: i + 1]))
        if nxt is None:
            nxt = {}
            cur[part] = nxt
        cur = nxt
    last = parts[-1]
    if isinstance(cur, list):
        idx = _index(cur, last, path)
        cur[idx] = value
    elif isinstance(cur, dict):
        if last not in cur and not _is_optional_slot(path):
            raise ScenarioError(f"{path}: unknown parameter path (no field '{last}')")
        cur[last] = value
    else:
        raise ScenarioError(f"{path}: unknown parameter path")


def _is_optional_slot(path: str) -> bool:
    # population.segments.<new name> may be added
    return path.startswith("population.segments.")


def _child(cur: Any, part: str, where: str) -> Any:
    if isinstance(cur, list):
        return cur[_index(cur, part, where)]
    if isinstance(cur, dict):
        if part not in cur:
            raise ScenarioError(f"{where}: unknown parameter path")
        return cur[part]
    raise ScenarioError(f"{where}: unknown parameter path")


def _index(seq: list[Any], part: str, where: str) -> int:
    try:
        idx = int(part)
    except ValueError:
        raise ScenarioError(f"{where}: expected a list index 0..{len(seq) - 1}") from None
    if not 0 <= idx < len(seq):
        raise ScenarioError(f"{where}: index out of range (0..{len(seq) - 1})")
    return idx


def get_path(data: dict[str, Any], path: str) -> Any:
    cur: Any = data
    for i, part in enumerate(path.split(".")):
        cur = _child(cur, part, ".".join(path.split(".")[: i + 1]))
    return cur


def parse_value(text: str, where: str = "--set") -> Any:
    """Parse a CLI ``--set`` value as YAML (numbers, booleans, null, lists), within the
    YAML reader's limits; text that is not YAML stays a string (``--set name=a: b``)."""
    from sim.limits import SET_MAX_BYTES
    from sim.safe_yaml import YamlError, load

    try:
        return load(text, where, max_bytes=SET_MAX_BYTES.value())
    except YamlError as err:
        if err.kind == "syntax":
            return text
        raise ScenarioError(str(err)) from None


def parse_overrides(items: list[str] | None, flag: str = "--set") -> dict[str, Any]:
    """``key.path=value`` items as an overrides dict. A path given twice, or inside another
    given path, is refused: the later value would silently hide the earlier one."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ScenarioError(f"{flag}: expected key.path=value, got {item[:200]!r}")
        key, value = (part.strip() for part in item.split("=", 1))
        if not key:
            raise ScenarioError(f"{flag}: expected key.path=value, got {item[:200]!r}")
        for other in out:
            if key == other:
                raise ScenarioError(f"{flag} {key}: given twice; give each field once")
            if other.startswith(key + ".") or key.startswith(other + "."):
                raise ScenarioError(
                    f"{flag} {key}: overlaps {flag} {other} (one would hide the other); "
                    "give each field once"
                )
        out[key] = parse_value(value, f"{flag} {key}")
    return out


def resolve_scenario_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """Find a scenario by path, or by name among the shipped scenarios."""
    p = Path(ref)
    candidates = [p]
    if relative_to is not None and not p.is_absolute():
        candidates.append(relative_to / p)
    candidates += [SCENARIO_DIR / p, SCENARIO_DIR / f"{ref}.yaml"]
    for c in candidates:
        if c.is_file():
            return c
    names = ", ".join(sorted(q.stem for q in SCENARIO_DIR.glob("*.yaml")))
    raise ScenarioError(f"scenario: file '{ref}' not found (shipped scenarios: {names})")


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into ``base``: mappings merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def read_scenario_dict(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file as a raw dict with its ``base`` chain merged in.

    The file is read by the bounded YAML reader (size, depth, alias expansion, duplicate
    keys); an empty file or an empty mapping is refused, not run as the defaults."""
    from sim.safe_yaml import YamlError, load_file

    p = resolve_scenario_path(path).resolve()
    if p in _seen:
        raise ScenarioError(f"base: circular reference through {p.name}")
    try:
        data = load_file(p)
    except YamlError as err:
        raise ScenarioError(f"scenario: {err}") from None
    return _merge_base(_require_fields(data, p.name), p.parent, _seen + (p,))


def _require_fields(data: Any, label: str) -> dict[str, Any]:
    """A scenario document must be a non-empty mapping of fields."""
    if data is None or data == {}:
        raise ScenarioError(
            f"scenario: {label} is empty (no fields); a scenario needs at least one field or "
            "a base (an empty file is refused rather than run as the defaults)"
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            f"scenario: {label} must hold a mapping of fields, not a {_yaml_kind(data)}"
        )
    return data


def _yaml_kind(value: Any) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def _merge_base(data: Any, folder: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ScenarioError("scenario: the file must hold a mapping of fields")
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError("base: must be a scenario file name or path")
    base_path = resolve_scenario_path(base, folder)
    try:
        base_data = read_scenario_dict(base_path, seen)
    except ScenarioError as err:
        text = str(err).removeprefix("scenario: ")
        raise ScenarioError(f"base: {text}") from None
    unknown = sorted(str(k) for k in base_data if k not in Scenario.model_fields)
    if unknown:
        raise ScenarioError(
            f"base: {base_path.name} is not a scenario file (unknown fields: "
            f"{', '.join(unknown[:8])}; a scenario has {', '.join(Scenario.model_fields)})"
        )
    return deep_merge(base_data, data)


def load_scenario(source: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """Load a scenario from a file path, a shipped name, a dict or a Scenario."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        data = copy.deepcopy(_require_fields(source, "the mapping"))
        return validate_scenario(_merge_base(data, SCENARIO_DIR, ()))
    return validate_scenario(read_scenario_dict(source))


def shipped_scenarios() -> dict[str, str]:
    """Shipped scenario names and their one-line descriptions."""
    out = {}
    for p in sorted(SCENARIO_DIR.glob("*.yaml")):
        try:
            out[p.stem] = load_scenario(p).description.strip().splitlines()[0]
        except (ScenarioError, IndexError):
            out[p.stem] = ""
    return out
