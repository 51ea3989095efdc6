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
    "dropout",
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
    dropout: np.ndarray  # chance of dropping out for good after a purchase (BG/NBD p)
    # state
    present: np.ndarray = field(init=False)  # lives in the market today (open market)
    alive: np.ndarray = field(init=False)  # still considers the platform (not dropped out)
    dropout_day: np.ndarray = field(init=False)  # day of the last dropout (-1: never)
    aware: np.ndarray = field(init=False)
    aware_day: np.ndarray = field(init=False)
    aware_channel: np.ndarray = field(init=False)
    declined: np.ndarray = field(init=False)  # chose elsewhere with a need, before any purchase
    content_source: np.ndarray = field(init=False)
    trust: np.ndarray = field(init=False)
    satisfaction: np.ndarray = field(init=False)
    attachment: np.ndarray = field(init=False)
    match: np.ndarray = field(init=False)
    reference_price: np.ndarray = field(init=False)
    reference_day: np.ndarray = field(init=False)  # day the reference price was last set
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
        # consumers who became / stopped being users (alive customers) since the index last
        # read them (CustomerIndex.close_day keeps its neighbour counts from these)
        self.users_in: list[np.ndarray] = []
        self.users_out: list[np.ndarray] = []
        self.present = np.ones(n, bool)
        self.alive = np.ones(n, bool)
        self.dropout_day = np.full(n, -1, np.int32)
        self.aware = np.zeros(n, bool)
        self.aware_day = np.full(n, -1, np.int32)
        self.aware_channel = np.full(n, Channel.NONE, np.int8)
        self.declined = np.zeros(n, bool)
        self.content_source = np.full(n, -1, np.int32)
        self.trust = np.full(n, 0.5)
        self.satisfaction = np.zeros(n)
        self.attachment = np.zeros(n)
        self.match = np.zeros(n)
        self.reference_price = np.ones(n)
        self.reference_day = np.zeros(n, np.int32)
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

    def drop_out(self, who: np.ndarray, day: int) -> None:
        """``who`` stop considering the platform (until something brings them back)."""
        self.alive[who] = False
        self.dropout_day[who] = day
        self.users_out.append(np.asarray(who))

    def revive(self, who: np.ndarray) -> None:
        """Dropped-out consumers brought back (a win-back message, an accepted invitation)."""
        self.alive[who] = True
        self.users_in.append(np.asarray(who))

    def reference_today(self, who: np.ndarray, day: int, anchor: float, drift: float) -> np.ndarray:
        """Reference prices of ``who`` today: each drifts toward the market's going price
        ``anchor`` by ``drift`` a day since it was last set (kept lazily: O(who), not O(n))."""
        r = self.reference_price[who]
        if drift <= 0:
            return r
        age = day - self.reference_day[who]
        return anchor + (r - anchor) * (1.0 - drift) ** age

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
        self.users_in.append(fb[self.alive[fb]])
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
    "present",
    "alive",
    "aware",
    "aware_day",
    "aware_channel",
    "declined",
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
    """Draw traits per segment.

    * need rates: a gamma around the segment mean with shape ``need_shape`` (the long tail
      of purchase rates customer bases show; NBD), or the common spread if unset;
    * the dropout chance after a purchase: a beta with the segment mean and concentration
      ``dropout_concentration`` (a + b; the BG/NBD model's heterogeneous p);
    * every other trait: a gamma around the segment mean with coefficient of variation
      ``trait_spread``; probabilities are clipped to [0, 1].
    """
    names = list(cfg.segments)
    shares = np.array([cfg.segments[k].share for k in names])
    segment = rng.choice(len(names), size=n, p=shares / shares.sum()).astype(np.int8)
    traits: dict[str, np.ndarray] = {}
    for trait in TRAITS:
        means = np.array([getattr(cfg.segments[k], trait) for k in names])
        if trait == "dropout":
            traits[trait] = _beta_trait(cfg, names, segment, means, rng)
            continue
        cv = np.array([cfg.segments[k].trait_spread for k in names])[segment]
        if trait == "need_rate":
            shape_seg = [cfg.segments[k].need_shape for k in names]
            need_cv = np.array([np.nan if v is None else 1 / np.sqrt(v) for v in shape_seg])
            cv = np.where(np.isnan(need_cv[segment]), cv, need_cv[segment])
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


def _beta_trait(
    cfg: PopulationConfig,
    names: list[str],
    segment: np.ndarray,
    means: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per consumer: a Beta(a, b) draw with the segment's mean a / (a + b) and a + b its
    ``dropout_concentration`` (0 mean: 0 for everyone)."""
    conc = np.array([cfg.segments[k].dropout_concentration for k in names])
    a = (means * conc)[segment]
    b = ((1 - means) * conc)[segment]
    ok = (a > 0) & (b > 0)
    out = np.where(means[segment] >= 1, 1.0, 0.0)
    if ok.any():
        out[ok] = rng.beta(a[ok], b[ok])
    return out
