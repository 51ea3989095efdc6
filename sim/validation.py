"""Known results the model must reproduce, and the measurements behind docs/validation.md.

Why a module and not only tests: the same analytic limits and measurements feed the
validation tests (``tests/validation/``), the evidence report
(``docs/make_validation_report.py``) and the calibration demo, so the numbers in the
documentation are the numbers the tests check.

Analytic limits (derivations in docs/odd.md §7.1 and §7.2):

* :func:`bass_cdf` — the Bass (1969) closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
* :func:`bass_discrete` — what the model computes on the complete graph when one day is
  Δ Bass periods: F_{k+1} = F_k + (1 - F_k)(1 - exp(-(p + q F_k) Δ)). Its distance to the
  closed form is O(Δ) (≈ 0.11 Δ for p = 0.03, q = 0.38).
* :func:`ring_discrete` / :func:`ring_cdf` — exact adoption on an infinite ring where each
  consumer has two neighbours: 1 - F_k = e^{-pΔk} w_k², w_{k+1} = w_k [1 - (1 - e^{-qΔ/2})
  (1 - e^{-pΔk})]; its continuous limit is Fibich & Gibori's (2010) one-dimensional Bass
  model, 1 - F(t) = exp(-(p + q) t + (q/p)(1 - e^{-pt})), which lies below the Bass curve.
* :func:`referral_mean_field` — partner referrals on the complete graph: each active
  partner refers one random non-customer a day with probability r, so a non-customer is
  referred with hazard ≈ r Π / (1 - F) and dF/dt = (1 - F)(p + q F) + r Π.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.parallel import parallel_map
from sim.scenario import Scenario, load_scenario

# --------------------------------------------------------------------------- analytic limits


def bass_cdf(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Bass (1969) cumulative adoption share at time t (in Bass periods)."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_discrete(p: float, q: float, dt: float, steps: int) -> np.ndarray:
    """The model's daily recursion on the complete graph; element k is F after k days.

    Exact for the ad term (a constant hazard integrates exactly over a day); the word-of-mouth
    term uses yesterday's adopters, a lag of one day, hence an O(Δ) distance to the closed form.
    """
    f = np.zeros(steps + 1)
    for k in range(steps):
        f[k + 1] = f[k] + (1.0 - f[k]) * -np.expm1(-(p + q * f[k]) * dt)
    return f


def ring_cdf(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Adoption on an infinite ring of degree 2 (Fibich & Gibori 2010, continuous time)."""
    t = np.asarray(t, dtype=float)
    return 1.0 - np.exp(-(p + q) * t + (q / p) * (1.0 - np.exp(-p * t)))


def ring_discrete(p: float, q: float, dt: float, steps: int) -> np.ndarray:
    """Exact adoption share on an infinite ring of degree 2 under the model's daily update.

    Given that consumer i has not adopted, its two neighbours evolve independently, each as a
    one-sided chain; w_k is the expected word-of-mouth survival factor from one side.
    """
    pd_, qd = p * dt, q * dt
    w = np.ones(steps + 1)
    for k in range(steps):
        w[k + 1] = w[k] * (1.0 - (-np.expm1(-qd / 2.0)) * (-np.expm1(-pd_ * k)))
    k = np.arange(steps + 1)
    return 1.0 - np.exp(-pd_ * k) * w**2


def referral_mean_field(
    p: float, q: float, r: float, join: float, dt: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Adopter share F and partner share Π after k days on the complete graph, large n.

    Day k+1: an unaware consumer is reached by ads/word of mouth with probability
    1 - exp(-(p + q F_k)Δ); r Δ Π_k n partners each refer one uniformly random non-customer,
    so a non-customer escapes every referral with probability ≈ exp(-rΔ Π_k / (1 - F_k)).
    Everyone aware buys the same day; non-partner buyers join the program with probability
    ``join`` (partner_propensity x trust), so Π_{k+1} = Π_k + join (F_{k+1} - Π_k).
    """
    f = np.zeros(steps + 1)
    pi = np.zeros(steps + 1)
    for k in range(steps):
        u = 1.0 - f[k]
        referred = r * dt * pi[k] / u if u > 0 else 0.0
        f[k + 1] = f[k] + u * -np.expm1(-(p + q * f[k]) * dt - referred)
        pi[k + 1] = pi[k] + join * (f[k + 1] - pi[k])
    return f, pi


# --------------------------------------------------------------------------- diffusion runs


def diffusion_scenario(
    n: int,
    p: float,
    q: float,
    *,
    dt: float = 1.0 / 30.0,
    periods: float = 20.0,
    network: str = "complete",
    mean_degree: float = 2.0,
    rewire: float = 0.1,
    referral_rate: float = 0.0,
) -> dict[str, Any]:
    """A scenario in which the model reduces to the Bass model (or a network variant of it).

    One segment with need rate 1 and no price or quality sensitivity, an outside option that
    is never chosen (utility -50) and a churn window longer than the run: an aware consumer
    buys the same day and stays an active customer, so adopters = customers. Content,
    leaders, groups, win-back and (unless ``referral_rate`` > 0) partners are off, and so are
    the customer-base mechanisms the Bass model does not have: the open market (everyone is
    there from day 0), dropout, and the network effect on utility; p and q are per Bass
    period and one day is ``dt`` periods. One brand keeps the run cheap (brands
    do not affect adoption here). With referrals on, every buyer is offered the program and
    accepts with probability partner_propensity (1) x trust (fixed at 0.5).
    """
    days = int(round(periods / dt))
    sc: dict[str, Any] = {
        "name": f"diffusion-{network}",
        "description": "Bass-limit configuration (validation).",
        "days": days,
        "population": {
            "consumers": n,
            "initial_aware": 0.0,
            "churn_window": 3650,
            "segments": {
                "all": {
                    "share": 1.0,
                    "price_sensitivity": 0.0,
                    "quality_sensitivity": 0.0,
                    "need_rate": 1.0,
                    "social_susceptibility": 1.0,
                    "content_propensity": 0.0,
                    "partner_propensity": 1.0 if referral_rate > 0 else 0.0,
                    "trait_spread": 0.0,
                }
            },
        },
        "network": {"kind": network, "mean_degree": mean_degree, "rewire": rewire},
        "brands": {"count": 1, "quality_spread": 0.0},
        "platform": {
            "ad_awareness_rate": p * dt,
            "word_of_mouth_rate": q * dt,
            "content_reach": 0.0,
            "outside_utility": -50.0,
            "private_domain": False,
        },
        "policy": {
            "name": "diffusion",
            "group_buying": {"enabled": False},
            "leaders": {"enabled": False},
            "partner": {"enabled": False},
            "cocreation": {"enabled": False},
        },
        "behaviour": {"trust_rate": 0.0, "network_weight": 0.0},
        "market": {"enabled": False},
        "dropout": {"enabled": False},
    }
    if referral_rate > 0:
        sc["policy"]["partner"] = {
            "enabled": True,
            "referral_rate": referral_rate * dt,
            "min_purchases": 1,
            "share": 0.0,
            "referral_bonus": 0.0,
            "content_reward": 0.0,
            "reward_pool_share": 0.0,
            # no intensity: partners refer at the full rate and buyers join with their
            # propensity x trust, whatever the (here zero) rewards, and refer any non-customer
            # friend, as the limit assumes
            "effort_half_reward": 0.0,
            "referral_targeting": "random",
            "earnings_half": 0.0,
        }
    return sc


def _adoption_one(args: tuple[dict[str, Any], int]) -> np.ndarray:
    from sim.model import SocialCommerceModel

    scenario, seed = args
    m = SocialCommerceModel(scenario, seed=seed)
    out = np.empty(m.scenario.days)
    for d in range(m.scenario.days):
        m.step()
        out[d] = m.today["customers"] / m.n
    return out


def adoption_curves(scenario: dict[str, Any], seeds: Sequence[int], jobs: int = 1) -> np.ndarray:
    """Share of consumers who have bought, at the end of each day: array (seeds, days)."""
    return np.array(parallel_map(_adoption_one, [(scenario, int(s)) for s in seeds], jobs))


def bass_max_error(curves: np.ndarray, p: float, q: float, dt: float) -> float:
    """Largest |mean simulated share - Bass closed form| over the run (day d ends at (d+1)Δ)."""
    t = (np.arange(curves.shape[1]) + 1) * dt
    return float(np.max(np.abs(curves.mean(axis=0) - bass_cdf(t, p, q))))


# --------------------------------------------------------------------------- evidence runs


def _scenario(name: str | dict[str, Any], overrides: dict[str, Any]) -> Scenario:
    return load_scenario(copy.deepcopy(name) if isinstance(name, dict) else name).with_overrides(
        overrides
    )


def _referral_one(args: tuple[Any, int, dict[str, Any], tuple[int, ...]]) -> dict[str, Any]:
    """One symbiotic run, tracked day by day (see :func:`referral_evidence`)."""
    from sim.model import SocialCommerceModel

    name, seed, overrides, horizons = args
    sc = _scenario(name, overrides)
    m = SocialCommerceModel(sc, seed=seed)
    pop, window = m.pop, sc.population.churn_window
    n_seg = len(pop.segment_names)
    snaps: dict[int, list[pd.DataFrame]] = {h: [] for h in horizons}
    # churn exposures/events by group (0 non-referred, 1 referrer active, 2 referrer lapsed)
    expo = np.zeros((3, n_seg), np.int64)
    events = np.zeros((3, n_seg), np.int64)
    renew: list[tuple[int, int, int, int, int]] = []
    active_prev = np.zeros(m.n, bool)
    for d in range(sc.days):
        m.step()
        active = (pop.purchases > 0) & (pop.last_purchase > d - window)
        # churn: active yesterday, lapsed today, by the referrer's state yesterday
        ref = pop.referrer
        referred = ref >= 0
        group = np.where(referred, np.where(active_prev[np.maximum(ref, 0)], 1, 2), 0)
        at_risk = active_prev
        churned = at_risk & ~active
        np.add.at(expo, (group[at_risk], pop.segment[at_risk]), 1)
        np.add.at(events, (group[churned], pop.segment[churned]), 1)
        active_prev = active
        for h in horizons:
            who = np.flatnonzero(pop.acq_day == d - h)
            if len(who):
                snaps[h].append(
                    pd.DataFrame(
                        {
                            "referred": referred[who],
                            "segment": pop.segment[who],
                            "cohort": pop.acq_day[who] // 30,
                            "active": active[who],
                            "spend": pop.spend[who],
                            "contribution": pop.contribution[who],
                        }
                    )
                )
        # partner anniversaries: joined exactly a year ago
        joined = np.flatnonzero(pop.partner & (pop.partner_day == d - 365))
        acquired = np.flatnonzero(pop.acq_day == d - 365)
        if len(joined) or len(acquired):
            renew.append(
                (
                    len(joined),
                    int(active[joined].sum()),
                    int((pop.last_purchase[joined] > d - 90).sum()),
                    len(acquired),
                    int(active[acquired].sum()),
                )
            )
    return {
        "snaps": {
            h: (pd.concat(v, ignore_index=True) if v else pd.DataFrame()) for h, v in snaps.items()
        },
        "expo": expo,
        "events": events,
        "renew": np.array(renew, np.int64).reshape(-1, 5),
        "segments": pop.segment_names,
    }


def standardized_ratio(df: pd.DataFrame, col: str) -> tuple[float, float, float]:
    """Referred mean of ``col`` over the mean non-referred customers of the same segment and
    acquisition month would have (indirect standardisation, as Schmitt et al. matched on
    demographics and time of acquisition). Returns (referred mean, matched non-referred mean,
    ratio)."""
    if df.empty or not df["referred"].any() or df["referred"].all():
        return float("nan"), float("nan"), float("nan")
    g = df.groupby(["segment", "cohort", "referred"])[col].agg(["mean", "size"]).unstack("referred")
    g = g.dropna()
    if g.empty:
        return float("nan"), float("nan"), float("nan")
    w = g[("size", True)]
    ref_mean = float((g[("mean", True)] * w).sum() / w.sum())
    matched = float((g[("mean", False)] * w).sum() / w.sum())
    return ref_mean, matched, ref_mean / matched if matched else float("nan")


def referral_evidence(
    scenario: str | dict[str, Any] = "symbiotic_partner",
    seeds: Sequence[int] = range(5),
    *,
    days: int = 730,
    consumers: int | None = None,
    horizons: tuple[int, ...] = (90, 180),
    jobs: int = 1,
) -> dict[str, Any]:
    """Referred vs. non-referred customers, churn by referrer state, partner anniversaries.

    * retention premium at age h: share active (bought within the churn window) at h days
      after acquisition, referred over matched non-referred, minus 1;
    * value premium: spend and platform contribution accumulated by age h, same matching;
    * daily churn hazard (active yesterday, lapsed today) of non-referred customers and of
      referred customers whose referrer was active / lapsed yesterday;
    * partner "renewal": partners active at the first anniversary of joining.
    """
    overrides: dict[str, Any] = {"days": days}
    if consumers is not None:
        overrides["population.consumers"] = consumers
    runs = parallel_map(
        _referral_one, [(scenario, int(s), overrides, tuple(horizons)) for s in seeds], jobs
    )
    out: dict[str, Any] = {"seeds": list(seeds), "days": days, "premium": {}}
    for h in horizons:
        rows = []
        for r in runs:
            df = r["snaps"][h]
            rows.append(
                {
                    "retention": standardized_ratio(df, "active"),
                    "spend": standardized_ratio(df, "spend"),
                    "contribution": standardized_ratio(df, "contribution"),
                    "n_referred": int(df["referred"].sum()) if not df.empty else 0,
                    "n_other": int((~df["referred"]).sum()) if not df.empty else 0,
                }
            )
        out["premium"][h] = rows
    expo = sum(r["expo"] for r in runs)
    events = sum(r["events"] for r in runs)
    out["hazard"] = {
        "groups": ["non-referred", "referred, referrer active", "referred, referrer lapsed"],
        "exposure_days": expo.sum(axis=1).tolist(),
        "events": events.sum(axis=1).tolist(),
        "by_seed": [(r["events"].sum(axis=1) / np.maximum(r["expo"].sum(axis=1), 1)) for r in runs],
        "segment_exposure": expo,
        "segment_events": events,
        "segments": runs[0]["segments"],
    }
    renew = [r["renew"].sum(axis=0) if len(r["renew"]) else np.zeros(5, np.int64) for r in runs]
    out["renewal"] = np.array(renew)
    return out


#: how :func:`referral_matching` compares referred with non-referred customers, coarse to fine
MATCHINGS = ("none", "segment", "month", "segment, month", "segment, month, awareness")
AWARE_BUCKETS = (30, 365)  # days known before the first purchase: < 30, 30-364, >= 365


def _matching_one(args: tuple[Any, int, dict[str, Any]]) -> dict[str, Any]:
    """One run's referral premium under each matching of :data:`MATCHINGS`."""
    from sim.analytics.patterns import (
        REFERRAL_MONTH,
        REFERRAL_WINDOW,
        matched_survival_premium,
        referral_cohort,
    )
    from sim.api import run

    name, seed, overrides = args
    r = run(_scenario(name, overrides), seed=seed, counterfactual=False)
    pop, tx = r.model.pop, r.transactions
    if not (tx["referrer"].to_numpy() >= 0).any():
        return {"premium": dict.fromkeys(MATCHINGS, float("nan")), "ratios": {}, "n": 0}
    cohort = referral_cohort(tx)
    cust = np.flatnonzero(pop.purchases > 0)
    known = pop.acq_day[cust] - pop.aware_day[cust]
    month = (pop.acq_day[cust] // REFERRAL_MONTH).astype(np.int64)
    label = {
        "none": np.zeros(len(cust), np.int64),
        "segment": pop.segment[cust].astype(np.int64),
        "month": month,
    }
    label["segment, month"] = label["segment"] * 1_000_000 + month
    label["segment, month, awareness"] = label["segment, month"] * 10 + np.digitize(
        known, AWARE_BUCKETS
    )
    premium, n = {}, 0
    for k in MATCHINGS:
        m = matched_survival_premium(
            tx,
            r.observation_end,
            pd.Series(label[k], index=cust),
            cohort=cohort,
            window=REFERRAL_WINDOW,
        )
        premium[k] = m["premium"]
        n = max(n, m["referred"].n)
    late = pop.acq_day[cust] >= cohort[0]
    df = pd.DataFrame(
        {
            "referred": pop.referrer[cust] >= 0,
            "segment": pop.segment[cust],
            "cohort": month,
            "need_rate": pop.need_rate[cust],
            "known_30_days": (known >= AWARE_BUCKETS[0]).astype(np.float64),
        }
    )[late]
    ratios = {c: standardized_ratio(df, c)[2] for c in ("need_rate", "known_30_days")}
    return {"premium": premium, "ratios": ratios, "n": n}


def referral_matching(
    scenario: str | dict[str, Any] = "symbiotic_partner",
    seeds: Sequence[int] = range(5),
    *,
    days: int | None = None,
    consumers: int | None = None,
    overrides: dict[str, Any] | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """Where the referral premium comes from: the scorecard's 180-day survival premium of
    referred customers (customers acquired since the first referral, a 90-day window),
    comparing the referred with all other customers, then only with those of the same
    segment, the same segment and acquisition month (as Schmitt et al. matched), and also
    the same time known before the first purchase (:data:`AWARE_BUCKETS`).

    Also, matched on segment and month: the referred's need rate and their share who had
    known the platform for 30 days or more when they first bought, over the non-referred's.
    Returns {"premium": {matching: [per seed]}, "ratios": {name: [per seed]}, "referred":
    [customers compared per seed]}. ``overrides``: dotted-path settings of the scenario
    (e.g. ``{"policy.partner.referral_targeting": "random"}``).
    """
    overrides = dict(overrides or {})
    if days is not None:
        overrides["days"] = days
    if consumers is not None:
        overrides["population.consumers"] = consumers
    runs = parallel_map(_matching_one, [(scenario, int(s), overrides) for s in seeds], jobs)
    return {
        "seeds": list(seeds),
        "premium": {k: [r["premium"][k] for r in runs] for k in MATCHINGS},
        "ratios": {
            k: [r["ratios"].get(k, float("nan")) for r in runs]
            for k in ("need_rate", "known_30_days")
        },
        "referred": [r["n"] for r in runs],
    }


def _orders_one(args: tuple[Any, int, dict[str, Any]]) -> np.ndarray:
    from sim.model import SocialCommerceModel

    name, seed, overrides = args
    m = SocialCommerceModel(_scenario(name, overrides), seed=seed)
    out = np.empty(m.scenario.days)
    for d in range(m.scenario.days):
        m.step()
        out[d] = m.today["orders"]
    return out


def daily_orders(
    scenario: str | dict[str, Any],
    seeds: Sequence[int],
    *,
    days: int = 150,
    consumers: int | None = None,
    jobs: int = 1,
) -> np.ndarray:
    """Orders per day: array (seeds, days)."""
    overrides: dict[str, Any] = {"days": days}
    if consumers is not None:
        overrides["population.consumers"] = consumers
    return np.array(parallel_map(_orders_one, [(scenario, int(s), overrides) for s in seeds], jobs))


def subsidy_cut_fall(orders: np.ndarray, cut_day: int, week: int = 7) -> dict[str, float]:
    """Fall in mean daily orders after ``cut_day``: vs. the week before and vs. the peak week.

    Didi's reported fall compared the peak (5.3M orders a day) with about a week after the
    passenger rebate ended (3M), so both baselines are given.
    """
    mean = orders.mean(axis=0)
    before = mean[cut_day - week : cut_day].mean()
    after = mean[cut_day : cut_day + week].mean()
    month = mean[cut_day : cut_day + 30].mean()
    roll = pd.Series(mean[:cut_day]).rolling(week).mean()
    peak = float(roll.max())
    per_seed = orders[:, cut_day : cut_day + week].mean(axis=1) / orders[
        :, cut_day - week : cut_day
    ].mean(axis=1)
    return {
        "before": float(before),
        "after_week": float(after),
        "after_month": float(month),
        "peak_week": peak,
        "fall_vs_week_before": float(1 - after / before),
        "fall_vs_peak": float(1 - after / peak),
        "fall_month_vs_week_before": float(1 - month / before),
        "fall_per_seed": (1 - per_seed).tolist(),
    }


def _retention_one(args: tuple[Any, int, dict[str, Any], int]) -> dict[str, np.ndarray]:
    from sim.analytics import retention_curve
    from sim.api import run

    name, seed, overrides, max_age = args
    r = run(_scenario(name, overrides), seed=seed, keep_model=False, counterfactual=False)
    tx, end = r.transactions, r.observation_end
    first = tx.groupby("consumer", sort=False)["day"].transform("min")
    age = (tx["day"] - first).to_numpy()
    hits = np.bincount(age[age <= max_age], minlength=max_age + 1)
    acquired = tx.loc[tx["first"], "day"].to_numpy()
    # customers acquired on day a can be observed at age k if a + k <= end
    reach = np.array([(acquired + k <= end).sum() for k in range(max_age + 1)])
    curve = retention_curve(tx, end, "activity", min_customers=1)["rate"].to_numpy()
    active = np.full(max_age + 1, np.nan)
    active[: min(len(curve), max_age + 1)] = curve[: max_age + 1]
    return {"hits": hits, "reach": reach, "active": active}


def purchase_retention(
    scenario: str | dict[str, Any] = "baseline",
    seeds: Sequence[int] = range(5),
    *,
    days: int = 365,
    max_age: int = 30,
    consumers: int | None = None,
    jobs: int = 1,
) -> pd.DataFrame:
    """Retention of new customers by age in days, two ways, pooled over seeds:

    * ``purchase``: the share who buy *on* day k after their first purchase (the purchase
      analogue of an app's "day-k retention", which counts sessions on day k);
    * ``active``: activity at age k (a purchase within the churn window ending at age k,
      pooled over the customers observed at k; mean over seeds).
    """
    overrides: dict[str, Any] = {"days": days}
    if consumers is not None:
        overrides["population.consumers"] = consumers
    res = parallel_map(
        _retention_one, [(scenario, int(s), overrides, max_age) for s in seeds], jobs
    )
    hits = sum(r["hits"] for r in res)
    reach = sum(r["reach"] for r in res)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(reach > 0, hits / np.maximum(reach, 1), np.nan)
    active = np.nanmean(np.array([r["active"] for r in res]), axis=0)
    return pd.DataFrame(
        {"purchase": share, "active": active}, index=pd.RangeIndex(max_age + 1, name="day")
    )
