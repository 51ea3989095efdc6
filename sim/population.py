"""The consumer population as numpy arrays: the single source of truth for consumer state.

Every daily stage reads and writes whole arrays, so a day costs a handful of
vectorized passes over the population instead of a Python call per consumer.
``Consumer`` agent objects (see :mod:`sim.agents`) are thin views onto one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from sim.scenario import Population as PopulationConfig


class Channel(IntEnum):
    """How a consumer became aware of the platform (and, at first purchase, was acquired)."""

    NONE = -1
    AD = 0
    INVITE = 1
    CONTENT = 2
    LEADER = 3
    ORGANIC = 4
    REFERRAL = 5
    SEED = 6  # aware at day 0


class Option(IntEnum):
    """Where a consumer with a need buys."""

    SOLO = 0
    GROUP = 1
    LEADER = 2
    OUTSIDE = 3


TRAITS = (
    "price_sensitivity",
    "quality_sensitivity",
    "need_rate",
    "social_susceptibility",
    "content_propensity",
    "partner_propensity",
)


@dataclass
class Population:
    """Per-consumer traits and state; arrays of length ``n``."""

    n: int
    segment_names: list[str]
    segment: np.ndarray
    community: np.ndarray
    # traits
    price_sensitivity: np.ndarray
    quality_sensitivity: np.ndarray
    need_rate: np.ndarray
    social_susceptibility: np.ndarray
    content_propensity: np.ndarray
    partner_propensity: np.ndarray
    # state
    aware: np.ndarray = field(init=False)
    aware_day: np.ndarray = field(init=False)
    aware_channel: np.ndarray = field(init=False)
    content_source: np.ndarray = field(init=False)
    trust: np.ndarray = field(init=False)
    satisfaction: np.ndarray = field(init=False)
    attachment: np.ndarray = field(init=False)
    match: np.ndarray = field(init=False)
    reference_price: np.ndarray = field(init=False)
    reward_balance: np.ndarray = field(init=False)
    acq_day: np.ndarray = field(init=False)
    acq_channel: np.ndarray = field(init=False)
    referrer: np.ndarray = field(init=False)
    purchases: np.ndarray = field(init=False)
    subsidised_purchases: np.ndarray = field(init=False)
    spend: np.ndarray = field(init=False)
    last_purchase: np.ndarray = field(init=False)
    partner: np.ndarray = field(init=False)
    partner_day: np.ndarray = field(init=False)
    referrals: np.ndarray = field(init=False)
    posts: np.ndarray = field(init=False)
    contribution: np.ndarray = field(init=False)
    acquisition_cost: np.ndarray = field(init=False)
    winback_until: np.ndarray = field(init=False)
    month_mask: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        self.aware = np.zeros(n, bool)
        self.aware_day = np.full(n, -1, np.int32)
        self.aware_channel = np.full(n, Channel.NONE, np.int8)
        self.content_source = np.full(n, -1, np.int32)
        self.trust = np.full(n, 0.5)
        self.satisfaction = np.zeros(n)
        self.attachment = np.zeros(n)
        self.match = np.zeros(n)
        self.reference_price = np.ones(n)
        self.reward_balance = np.zeros(n)
        self.acq_day = np.full(n, -1, np.int32)
        self.acq_channel = np.full(n, Channel.NONE, np.int8)
        self.referrer = np.full(n, -1, np.int32)
        self.purchases = np.zeros(n, np.int32)
        self.subsidised_purchases = np.zeros(n, np.int32)
        self.spend = np.zeros(n)
        self.last_purchase = np.full(n, -(10**6), np.int32)
        self.partner = np.zeros(n, bool)
        self.partner_day = np.full(n, -1, np.int32)
        self.referrals = np.zeros(n, np.int32)
        self.posts = np.zeros(n, np.int32)
        self.contribution = np.zeros(n)
        self.acquisition_cost = np.zeros(n)
        self.winback_until = np.full(n, -1, np.int32)
        self.month_mask = np.zeros(n, np.uint64)

    # -- transitions: the one place each state change is written ------------------
    def make_aware(self, who: np.ndarray, day: int, channel: np.ndarray | int) -> None:
        """``who`` (not yet aware) learn of the platform today through ``channel``."""
        self.aware[who] = True
        self.aware_day[who] = day
        self.aware_channel[who] = channel

    def record_purchases(
        self,
        buyers: np.ndarray,
        day: int,
        first: np.ndarray,
        acq_channel: np.ndarray,
        paid: np.ndarray,
        subsidised: np.ndarray,
    ) -> None:
        """Book today's purchases: the first buyers are acquired (day, channel), every buyer's
        counts, spend and last purchase move."""
        fb = buyers[first]
        self.acq_day[fb] = day
        self.acq_channel[fb] = acq_channel
        self.purchases[buyers] += 1
        self.subsidised_purchases[buyers] += subsidised
        self.spend[buyers] += paid
        self.last_purchase[buyers] = day
        self.month_mask[buyers] |= np.uint64(1) << np.uint64(min(day // 30, 63))

    # -- derived state ---------------------------------------------------------
    @property
    def customer(self) -> np.ndarray:
        """Has bought at least once."""
        return self.purchases > 0

    def active(self, day: int, window: int) -> np.ndarray:
        """Bought within the churn window ending today (retention is measured, not drawn)."""
        return self.last_purchase > day - window

    def lapsed(self, day: int, window: int) -> np.ndarray:
        return self.customer & ~self.active(day, window)

    def state_codes(self, day: int, window: int) -> np.ndarray:
        """0 unaware, 1 aware (never bought), 2 active, 3 active partner, 4 lapsed."""
        codes = np.where(self.aware, 1, 0).astype(np.int8)
        act = self.active(day, window)
        codes[act] = 2
        codes[act & self.partner] = 3
        codes[self.lapsed(day, window)] = 4
        return codes


STATE_COLUMNS = (
    "aware",
    "aware_day",
    "aware_channel",
    "trust",
    "satisfaction",
    "attachment",
    "match",
    "reference_price",
    "reward_balance",
    "acq_day",
    "acq_channel",
    "referrer",
    "purchases",
    "subsidised_purchases",
    "spend",
    "last_purchase",
    "partner",
    "partner_day",
    "referrals",
    "posts",
    "contribution",
    "acquisition_cost",
)


def draw_population(
    cfg: PopulationConfig, n: int, community: np.ndarray, rng: np.random.Generator
) -> Population:
    """Draw traits per segment: a gamma around each segment mean with the segment's spread.

    Gamma keeps traits positive with a tunable coefficient of variation; probabilities
    are clipped to [0, 1].
    """
    names = list(cfg.segments)
    shares = np.array([cfg.segments[k].share for k in names])
    segment = rng.choice(len(names), size=n, p=shares / shares.sum()).astype(np.int8)
    traits: dict[str, np.ndarray] = {}
    for trait in TRAITS:
        means = np.array([getattr(cfg.segments[k], trait) for k in names])
        cv = np.array([cfg.segments[k].trait_spread for k in names])[segment]
        mean = means[segment]
        with np.errstate(divide="ignore"):
            shape = np.where(cv > 0, 1.0 / np.maximum(cv, 1e-9) ** 2, np.inf)
        draw = rng.standard_gamma(np.where(np.isfinite(shape), shape, 1.0))
        value = np.where(
            np.isfinite(shape), mean * draw / np.where(np.isfinite(shape), shape, 1.0), mean
        )
        if trait in ("need_rate", "content_propensity", "partner_propensity"):
            value = np.clip(value, 0.0, 1.0)
        traits[trait] = value
    pop = Population(n=n, segment_names=names, segment=segment, community=community, **traits)
    pop.make_aware(np.flatnonzero(rng.random(n) < cfg.initial_aware), 0, Channel.SEED)
    return pop
