"""Customer-base patterns for the realism scorecard (pattern-oriented modelling).

A credible model reproduces several patterns at once, at different scales (Grimm et al.
2005). Each pattern here is a function of the transaction log (or of the daily series, the
partner renewal table, or the adoption fit) that returns the measured value with the counts
it rests on; ``PATTERNS`` lists them with their target ranges and sources (the one list the
CLI, the docs and the tests read), and ``scorecard`` measures them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analytics.cohorts import DEFAULT_COHORT, check_cohort, retention_at_ages
from sim.analytics.customers import DEFAULT_WINDOW, Purchases, purchases
from sim.analytics.intervals import Share
from sim.analytics.repeat import FIRST_YEAR, one_time_buyer_share, repeat_rate
from sim.analytics.transactions import validate_partners


# ------------------------------------------------------------------ pattern functions
def top_customer_revenue_share(
    transactions: pd.DataFrame,
    observation_end: int,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    horizon: int = FIRST_YEAR,
    top: float = 0.2,
    monetary: str = "amount",
) -> dict[str, float]:
    """Share of revenue made by the top ``top`` (default 20%) of customers.

    Customers: acquired on days [start, end) and observable for ``horizon`` days; revenue:
    the ``monetary`` column (yuan paid) summed over each customer's ages < ``horizon``; the
    top group is the ceil(top * n) customers with the largest revenue. Keys: share,
    customers, top_customers, revenue, top_revenue.
    """
    start, end = check_cohort(cohort)
    if not 0 < top <= 1:
        raise ValueError(f"top: must be in (0, 1], got {top}")
    p = purchases(transactions, observation_end)
    early = p.age < horizon
    spend = np.bincount(
        p.customer[early],
        weights=p.column(transactions, monetary)[early].astype(float),
        minlength=len(p.ids),
    )
    qualifies = (p.acquired >= start) & (p.acquired < end)
    qualifies &= p.acquired + horizon - 1 <= p.observation_end
    spend = np.sort(spend[qualifies])[::-1]
    n = len(spend)
    n_top = math.ceil(top * n - 1e-9) if n else 0
    revenue = float(spend.sum())
    top_revenue = float(spend[:n_top].sum())
    return {
        "share": top_revenue / revenue if revenue > 0 else float("nan"),
        "customers": n,
        "top_customers": n_top,
        "revenue": revenue,
        "top_revenue": top_revenue,
    }


def _last_purchase_at(p: Purchases, customer: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per query: row index of ``customer``'s last purchase on or before day ``t`` (-1 if
    none); ``customer`` indexes ``p.ids``."""
    if len(p.day) == 0:
        return np.full(len(customer), -1)
    stride = p.observation_end + 2
    key = p.customer * stride + p.day
    t = np.minimum(t, p.observation_end)
    idx = np.searchsorted(key, customer * stride + t, side="right") - 1
    valid = (idx >= 0) & (t >= 0)
    valid &= p.customer[np.maximum(idx, 0)] == customer
    return np.where(valid, idx, -1)


def recency_effect(
    transactions: pd.DataFrame,
    observation_end: int,
    dates: Sequence[int] | None = None,
    near: tuple[int, int] = (0, 10),
    far: tuple[int, int] = (181, 365),
    within: int = 30,
) -> dict[str, float]:
    """How much more likely a recent buyer is to buy again than a lapsed one.

    At each observation date t (default every 30 days from day 365 to E - ``within``), every
    customer acquired on or before t has a recency r = t - (last purchase on or before t);
    they "buy again" if they purchase on a day in (t, t + within]. Pooled over dates
    (customer-date pairs), p_near = P(buy again | near[0] <= r <= near[1]) and p_far the same
    for ``far``; ratio = p_near / p_far (inf if p_far is 0 and p_near is not). Keys: ratio,
    p_near, k_near, n_near, p_far, k_far, n_far, dates.
    """
    p = purchases(transactions, observation_end)
    e = p.observation_end
    if dates is None:
        dates = range(365, e - within + 1, 30)
    dates = [int(t) for t in dates]
    if any(t < 0 or t + within > e for t in dates):
        raise ValueError(f"dates: each must satisfy 0 <= t <= observation_end - {within}")
    counts = np.zeros((2, 2), dtype=np.int64)  # [near/far, (k, n)]
    everyone = np.arange(len(p.ids))
    for t in dates:
        last = _last_purchase_at(p, everyone, np.full(len(everyone), t))
        seen = last >= 0
        li = last[seen]
        r = t - p.day[li]
        nxt = np.minimum(li + 1, len(p.day) - 1)
        again = (
            (li + 1 < len(p.day)) & (p.customer[nxt] == p.customer[li]) & (p.day[nxt] <= t + within)
        )
        for row, (lo, hi) in enumerate((near, far)):
            band = (r >= lo) & (r <= hi)
            counts[row] += (int((again & band).sum()), int(band.sum()))
    with np.errstate(invalid="ignore", divide="ignore"):
        p_near, p_far = (counts[:, 0] / counts[:, 1]).tolist()
    if not (counts[0, 1] and counts[1, 1]):
        ratio = float("nan")
    elif p_far == 0:
        ratio = float("inf") if p_near > 0 else float("nan")
    else:
        ratio = p_near / p_far
    return {
        "ratio": ratio,
        "p_near": p_near,
        "k_near": int(counts[0, 0]),
        "n_near": int(counts[0, 1]),
        "p_far": p_far,
        "k_far": int(counts[1, 0]),
        "n_far": int(counts[1, 1]),
        "dates": len(dates),
    }


def activity_by_age(
    transactions: pd.DataFrame,
    observation_end: int,
    ages: tuple[int, ...] = (30, 90, 180, 365),
    cohort: tuple[int, int] = DEFAULT_COHORT,
    window: int = DEFAULT_WINDOW,
) -> dict[str, Any]:
    """Activity of the stated cohort at ``ages`` (as in ``retention_at_ages``, kind
    'activity') and whether it falls strictly with age. Keys: activity (age -> share),
    customers (cohort size), falls (bool; False if any age is not observable)."""
    table = retention_at_ages(transactions, observation_end, ages, cohort, "activity", window)
    rates = table["rate"].to_numpy(float)
    falls = bool(np.all(np.isfinite(rates)) and np.all(np.diff(rates) < 0))
    n = table["n"].dropna()
    return {
        "activity": dict(zip(table.index.tolist(), rates.tolist(), strict=True)),
        "customers": int(n.iloc[0]) if len(n) else 0,
        "falls": falls,
        "note": "; ".join(x for x in table["note"] if x),
    }


def orders_fall_after_cut(
    orders: Sequence[float] | np.ndarray | pd.Series,
    cut_day: int,
    before: int = 30,
    after: int = 60,
) -> dict[str, float]:
    """Fall in mean daily orders after a subsidy ends: 1 - mean(orders on days
    [cut_day, cut_day + after)) / mean(orders on days [cut_day - before, cut_day)).
    ``cut_day`` is the first day without the subsidy. Keys: fall, before_mean, after_mean."""
    x = np.asarray(orders, dtype=float)
    if not before <= cut_day <= len(x) - after:
        raise ValueError(
            f"cut_day: must leave {before} days before and {after} after within the "
            f"{len(x)}-day series, got {cut_day}"
        )
    b = float(x[cut_day - before : cut_day].mean())
    a = float(x[cut_day : cut_day + after].mean())
    return {"fall": 1 - a / b if b > 0 else float("nan"), "before_mean": b, "after_mean": a}


def _survivors(
    transactions: pd.DataFrame,
    observation_end: int,
    age: int,
    cohort: tuple[int, int],
    window: int,
) -> tuple[Purchases, np.ndarray, np.ndarray, np.ndarray]:
    """What both referral premiums start from: the purchases, and per customer whether they
    survive to ``age`` (no ``window``-day gap), qualify (acquired in ``cohort`` and
    observable at ``age``) and their referrer (-1: none)."""
    start, end = check_cohort(cohort)
    p = purchases(transactions, observation_end)
    survives = p.first_lapse_age(window) > age
    qualifies = (p.acquired >= start) & (p.acquired < end) & (p.acquired + age <= p.observation_end)
    referrer = p.column(transactions, "referrer")[p.start].astype(np.int64)
    return p, survives, qualifies, referrer


def referral_survival_premium(
    transactions: pd.DataFrame,
    observation_end: int,
    age: int = 180,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    window: int = DEFAULT_WINDOW,
) -> dict[str, Any]:
    """Survival premium of referred customers (referrer >= 0) over the others at ``age``.

    Customers: acquired on days [start, end) and observable at ``age`` (c + age <= E).
    premium = S_referred / S_not_referred - 1. The referred are also split by whether their
    referrer was active (a purchase within ``window`` days) on the customer's day c + age,
    computed from the referrer's own purchases in the log (Van den Bulte et al. 2018: the
    premium lasts while the referrer stays). Keys: premium, premium_referrer_active,
    premium_referrer_inactive, and a ``Share`` for referred, not_referred,
    referrer_active, referrer_inactive.
    """
    p, survives, qualifies, referrer = _survivors(
        transactions, observation_end, age, cohort, window
    )
    referred = qualifies & (referrer >= 0)
    ref_pos = np.minimum(np.searchsorted(p.ids, referrer), max(len(p.ids) - 1, 0))
    ref_known = referred & (p.ids[ref_pos] == referrer) if len(p.ids) else referred
    day = p.acquired + age
    last = _last_purchase_at(p, ref_pos, day)
    ref_active = ref_known & (last >= 0) & (day - p.day[np.maximum(last, 0)] < window)
    groups = {
        "referred": referred,
        "not_referred": qualifies & (referrer < 0),
        "referrer_active": referred & ref_active,
        "referrer_inactive": referred & ~ref_active,
    }
    shares = {
        k: Share.from_counts(int((m & survives).sum()), int(m.sum())) for k, m in groups.items()
    }
    base = shares["not_referred"].rate

    def premium(key: str) -> float:
        s = shares[key].rate
        return s / base - 1 if base > 0 and np.isfinite(s) else float("nan")

    return {
        "premium": premium("referred"),
        "premium_referrer_active": premium("referrer_active"),
        "premium_referrer_inactive": premium("referrer_inactive"),
        **shares,
    }


def matched_survival_premium(
    transactions: pd.DataFrame,
    observation_end: int,
    strata: pd.Series | None = None,
    age: int = 180,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    window: int = DEFAULT_WINDOW,
) -> dict[str, Any]:
    """The survival premium of :func:`referral_survival_premium`, with each referred
    customer compared with the non-referred customers of the same stratum.

    ``strata``: a label per customer id (e.g. segment and acquisition month: Schmitt, Skiera
    & Van den Bulte 2011 matched on demographics and time of acquisition); None: the
    acquisition month (``REFERRAL_MONTH`` days, from the log alone). Indirect
    standardisation: premium = (referred survivors) / (what the referred would have had at
    their strata's non-referred survival) - 1, over referred customers whose stratum has
    non-referred customers. Why: a program that grows over years refers mostly late, and
    late customers may survive better for reasons that have nothing to do with referral.
    Keys: premium, referred (survivors of those compared, a Share), expected (survivors
    the strata imply), unmatched (referred customers left out: no comparison in stratum).
    """
    p, survives, qualifies, referrer = _survivors(
        transactions, observation_end, age, cohort, window
    )
    q = np.flatnonzero(qualifies)
    referred, survives = referrer[q] >= 0, survives[q]
    if strata is None:
        label = p.acquired[q] // REFERRAL_MONTH
    else:
        label = strata.reindex(p.ids[q]).to_numpy()
        if pd.isna(label).any():
            raise ValueError("strata: every customer compared needs a stratum")
    codes = pd.factorize(label)[0]
    m = int(codes.max()) + 1 if len(codes) else 0
    n_non = np.bincount(codes[~referred], minlength=m)
    s_non = np.bincount(codes[~referred], weights=survives[~referred], minlength=m)
    compared = referred & (n_non[codes] > 0)
    rate = np.divide(s_non, n_non, out=np.zeros(m), where=n_non > 0)
    expected = float(rate[codes[compared]].sum())
    observed = int(survives[compared].sum())
    return {
        "premium": observed / expected - 1 if expected > 0 else float("nan"),
        "referred": Share.from_counts(observed, int(compared.sum())),
        "expected": expected,
        "unmatched": int((referred & ~compared).sum()),
    }


def partner_renewal_rate(partners: pd.DataFrame, level: float = 0.95) -> Share:
    """Share of partners' anniversary decisions that were renewals (one row per decision in
    the table of ``sim.analytics.transactions.PARTNER_SCHEMA``)."""
    validate_partners(partners)
    renewed = partners["renewed"].to_numpy()
    return Share.from_counts(int(renewed.sum()), len(renewed), level)


def adoption_r2(observed: Sequence[float], fitted: Sequence[float]) -> float:
    """R² of a fitted adoption series against the observed one: 1 - SS_res / SS_tot."""
    y = np.asarray(observed, dtype=float)
    f = np.asarray(fitted, dtype=float)
    if y.shape != f.shape or len(y) < 2:
        raise ValueError("observed, fitted: need two equally long series of at least 2 points")
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1 - float(np.sum((y - f) ** 2)) / ss_tot if ss_tot > 0 else float("nan")


# ------------------------------------------------------------------ the registry
@dataclass(frozen=True)
class PatternInputs:
    """What the scorecard measures from: one run's outputs (None where not produced)."""

    transactions: pd.DataFrame
    observation_end: int
    daily: pd.DataFrame | None = None
    subsidy_cut_day: int | None = None
    partners: pd.DataFrame | None = None
    adoption: tuple[Sequence[float], Sequence[float]] | None = None  # (observed, fitted)
    cohort: tuple[int, int] = DEFAULT_COHORT
    window: int = DEFAULT_WINDOW


@dataclass(frozen=True)
class Measured:
    """A pattern's measured value and a one-line account of the counts behind it."""

    value: float
    counts: str


def _pct(x: float) -> str:
    return f"{x:.1%}" if np.isfinite(x) else "n/a"


def _share_counts(s: Share) -> str:
    return f"{s.customers:,} of {s.n:,} customers" + (f" ({s.note})" if s.note else "")


def _one_time(x: PatternInputs) -> Measured:
    s = one_time_buyer_share(x.transactions, x.observation_end, x.cohort)
    return Measured(s.rate, _share_counts(s))


def _repeat(x: PatternInputs) -> Measured:
    s = repeat_rate(x.transactions, x.observation_end, x.cohort)
    return Measured(s.rate, _share_counts(s))


def _top20(x: PatternInputs) -> Measured:
    r = top_customer_revenue_share(x.transactions, x.observation_end, x.cohort)
    return Measured(
        r["share"],
        f"top {r['top_customers']:,} of {r['customers']:,} customers: "
        f"{r['top_revenue']:,.0f} of {r['revenue']:,.0f} yuan",
    )


def _recency(x: PatternInputs) -> Measured:
    r = recency_effect(x.transactions, x.observation_end)
    return Measured(
        r["ratio"],
        f"P(buy in 30 d | recency 0-10) = {r['k_near']:,}/{r['n_near']:,} ({_pct(r['p_near'])}); "
        f"recency 181-365: {r['k_far']:,}/{r['n_far']:,} ({_pct(r['p_far'])}); {r['dates']} dates",
    )


def _decline(x: PatternInputs) -> Measured:
    start, end = x.cohort
    r = activity_by_age(x.transactions, x.observation_end, cohort=x.cohort, window=x.window)
    while r["customers"] < MIN_ACTIVITY_COHORT and end - start < 3 * 365:
        end += 365
        r = activity_by_age(x.transactions, x.observation_end, cohort=(start, end), window=x.window)
    chain = " > ".join(f"{_pct(v)} (age {a})" for a, v in r["activity"].items())
    note = f"; {r['note']}" if r["note"] else ""
    return Measured(float(r["falls"]), f"{chain}; {r['customers']:,} customers{note}")


def _cut(x: PatternInputs) -> Measured:
    assert x.daily is not None and x.subsidy_cut_day is not None
    r = orders_fall_after_cut(x.daily["orders"], x.subsidy_cut_day)
    return Measured(
        r["fall"],
        f"{r['before_mean']:,.1f} orders/day in the 30 days before day {x.subsidy_cut_day}, "
        f"{r['after_mean']:,.1f} in the 60 after",
    )


#: the referral premium is measured over every customer observable at age 180 (the more
#: referred customers, the tighter the comparison) and with a 90-day window: retention as
#: staying a customer (Schmitt, Skiera & Van den Bulte measure churn as leaving), not as
#: never pausing for a month
REFERRAL_COHORT = (0, 1_000_000)
REFERRAL_WINDOW = 90
REFERRAL_MONTH = 30  # days: referred customers are compared with others of the same month
#: cohort activity is read on the first year's customers, or on the first two or three years'
#: when fewer than this many were acquired in the first (a young platform without viral
#: channels acquires few; four shares of a few hundred customers tie or cross on noise)
MIN_ACTIVITY_COHORT = 500


def referral_cohort(transactions: pd.DataFrame) -> tuple[int, int]:
    """The customers the referral premium compares: acquired from the first referred
    customer's first purchase on. Why: a program that starts late would otherwise set its
    referred customers against another era's (a subsidy's one-time buyers, say)."""
    referred_days = transactions.loc[transactions["referrer"].to_numpy() >= 0, "day"]
    start = int(referred_days.min()) if len(referred_days) else 0
    return max(REFERRAL_COHORT[0], start), REFERRAL_COHORT[1]


def _referral(x: PatternInputs) -> Measured:
    # each referred customer against the others acquired in the same month (Schmitt et al.
    # matched on time of acquisition: a program that grows for years refers mostly late,
    # when every customer survives better)
    tx = x.transactions
    cohort = referral_cohort(tx)
    m = matched_survival_premium(tx, x.observation_end, cohort=cohort, window=REFERRAL_WINDOW)
    r = referral_survival_premium(tx, x.observation_end, cohort=cohort, window=REFERRAL_WINDOW)
    ref = m["referred"]
    return Measured(
        m["premium"],
        f"180-day survival {ref.customers:,} of {ref.n:,} referred vs {m['expected']:,.0f} "
        f"expected at their months' rates; against all others {_pct(r['premium'])} (while "
        f"the referrer is active {_pct(r['premium_referrer_active'])}, after "
        f"{_pct(r['premium_referrer_inactive'])})",
    )


def _renewal(x: PatternInputs) -> Measured:
    assert x.partners is not None
    s = partner_renewal_rate(x.partners)
    return Measured(s.rate, f"{s.customers:,} of {s.n:,} anniversaries renewed")


def _adoption(x: PatternInputs) -> Measured:
    assert x.adoption is not None
    observed, fitted = x.adoption
    return Measured(adoption_r2(observed, fitted), f"{len(observed)} yearly points")


@dataclass(frozen=True)
class Pattern:
    """One scorecard pattern: measured by ``compute``, passes iff lo <= value <= hi."""

    key: str
    label: str
    lo: float
    hi: float
    source: str
    method: str
    compute: Callable[[PatternInputs], Measured] = field(repr=False)
    needs: tuple[str, ...] = ()  # PatternInputs fields that must not be None
    target_text: str = ""

    @property
    def target(self) -> str:
        if self.target_text:
            return self.target_text
        if math.isinf(self.hi):
            return f">= {self.lo:g}"
        return f"{self.lo:.0%}-{self.hi:.0%}"

    def passes(self, value: float) -> bool:
        return not math.isnan(value) and self.lo <= value <= self.hi


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "one_time_buyers",
        "one-time buyers within their first year",
        0.35,
        0.65,
        "CDNOW panel (Fader & Hardie): about 54% of customers buy only once",
        "Customers acquired in the first year and observable for 365 days without a second "
        "purchase within 365 days of the first, as a share of those customers.",
        _one_time,
    ),
    Pattern(
        "repeat_within_year",
        "second purchase within 365 days of the first",
        0.30,
        0.55,
        "E-commerce surveys: about 32% of customers make a second purchase within a year",
        "Among the same customers, the share whose second purchase is at age 364 or less.",
        _repeat,
    ),
    Pattern(
        "top20_revenue",
        "revenue share of the top 20% of customers",
        0.50,
        0.75,
        "Pareto-type concentration in retail customer bases: 50-70% of revenue",
        "Customers acquired in the first year and observable for 365 days, ranked by the "
        "yuan they paid in their first 365 days of age; the top ceil(20%) customers' share.",
        _top20,
    ),
    Pattern(
        "recency_effect",
        "P(buy within 30 days) at recency <= 10 days vs. 181-365 days",
        5.0,
        math.inf,
        "CDNOW panel: about 13x",
        "Every 30 days from day 365 to the end minus 30, each customer's recency and whether "
        "they buy in the next 30 days, pooled over dates; the ratio of the two probabilities.",
        _recency,
        target_text=">= 5x",
    ),
    Pattern(
        "activity_falls_with_age",
        "cohort activity falls with age (30 > 90 > 180 > 365 days)",
        1.0,
        1.0,
        "Cohort activity curves of customer bases decay with age",
        "Share of the first-year cohort active (a purchase in the last 30 days) at ages 30, "
        "90, 180 and 365 (the first two or three years' customers if the first year has fewer "
        "than 500); 1 if strictly decreasing, else 0.",
        _decline,
        target_text="strictly falling",
    ),
    Pattern(
        "subsidy_cut_fall",
        "orders in the 60 days after a subsidy ends vs. the 30 days before",
        0.25,
        0.55,
        "Didi, May 2014: about 5.3M to 3M daily orders after passenger subsidies stopped (43%)",
        "1 - mean daily orders over the 60 days from the cut / mean over the 30 days before it.",
        _cut,
        needs=("daily", "subsidy_cut_day"),
    ),
    Pattern(
        "referral_premium",
        "referred customers' 180-day survival over others' acquired in the same month",
        0.05,
        0.35,
        "Schmitt, Skiera & Van den Bulte (2011): about 18% higher retention of referred "
        "customers than of customers acquired at the same time; Van den Bulte et al. (2018): "
        "it lasts while the referrer stays",
        "Customers acquired from the first referred customer's first purchase on and observable "
        "at age 180: survivors (no 90-day gap) among those with a referrer over the number "
        "the survival of the others acquired in the same 30-day month implies, minus 1 "
        "(indirect standardisation); the unmatched premium and its split by the referrer's "
        "activity beside it.",
        _referral,
    ),
    Pattern(
        "partner_renewal",
        "partners' yearly renewal",
        0.80,
        0.95,
        "Paid memberships: Costco renewal about 90% (89.8-92.3%)",
        "Share of partner anniversaries at which the partner renewed.",
        _renewal,
        needs=("partners",),
    ),
    Pattern(
        "adoption_fit",
        "adoption curve of subsidy_group_buying vs. Pinduoduo's annual active buyers",
        0.95,
        1.0,
        "Pinduoduo annual active buyers 2017-2021 (Form 20-F); mapping in docs/validation.md",
        "R² of the scaled simulated annual active buyers against the reported ones "
        "(the calibration fit of sim.calibration).",
        _adoption,
        needs=("adoption",),
        target_text="R² >= 0.95",
    ),
)

PATTERN_KEYS = tuple(p.key for p in PATTERNS)


def scorecard(
    transactions: pd.DataFrame,
    observation_end: int,
    *,
    daily: pd.DataFrame | None = None,
    subsidy_cut_day: int | None = None,
    partners: pd.DataFrame | None = None,
    adoption: tuple[Sequence[float], Sequence[float]] | None = None,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    window: int = DEFAULT_WINDOW,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every pattern of ``PATTERNS`` (or those in ``keys``) measured on one run: columns
    key, pattern, measured, target, passed (True/False, or None when an input it needs was
    not given), counts, source."""
    inputs = PatternInputs(
        transactions, observation_end, daily, subsidy_cut_day, partners, adoption, cohort, window
    )
    if keys is not None:
        unknown = [k for k in keys if k not in PATTERN_KEYS]
        if unknown:
            raise ValueError(
                f"keys: unknown pattern(s) {', '.join(unknown)} (known: {', '.join(PATTERN_KEYS)})"
            )
    rows = []
    for pat in PATTERNS:
        if keys is not None and pat.key not in keys:
            continue
        missing = [n for n in pat.needs if getattr(inputs, n) is None]
        if missing:
            m = Measured(float("nan"), f"not measured: needs {', '.join(missing)}")
            passed = None
        else:
            m = pat.compute(inputs)
            passed = pat.passes(m.value)
        rows.append(
            {
                "key": pat.key,
                "pattern": pat.label,
                "measured": m.value,
                "target": pat.target,
                "passed": passed,
                "counts": m.counts,
                "source": pat.source,
            }
        )
    return pd.DataFrame(
        rows, columns=["key", "pattern", "measured", "target", "passed", "counts", "source"]
    )
