"""Regenerate docs/validation.md and its figures (docs/img/validation-*.png) from scratch.

    make validation-report                      # full evidence, about 10-15 min on 2 cores
    python docs/make_validation_report.py --quick --out /tmp/v   # smoke run, ~1-2 min

Every number and figure in the report is computed here by running the model; nothing is
cached and nothing is tuned to match a published value. The measurements live in
``sim/validation.py`` (shared with the tests in ``tests/validation/``) and the fits in
``sim/calibration.py``.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

from sim import validation as v  # noqa: E402
from sim.api import resolve  # noqa: E402
from sim.calibration import (  # noqa: E402
    CalibrationResult,
    Observed,
    calibrate,
    load_observed,
    parse_param,
    simulate,
)

# ----------------------------------------------------------------------------- published values
SULTAN = (0.03, 0.38)  # Sultan, Farley & Lehmann (1990), meta-analytic means
TURNTABLE = (0.0577, 0.21)  # Van den Bulte's compilation of Bass estimates: turntables
SCHMITT_RETENTION = 0.18  # referred customers ~18% more likely to stay (Schmitt et al. 2011)
SCHMITT_VALUE = 0.16  # and at least 16% more valuable
DIDI_FALL_REPORTED = 0.40  # "dropped by 40 percent" (Beijing News via ECNS, 22 May 2014)
DIDI_FALL_PEAK = 1 - 3.0 / 5.3  # peak 5.3M -> 3M orders/day (Didi CEO Cheng Wei)
ADJUST_GLOBAL = {1: 0.25, 14: 0.09, 30: 0.06}  # Adjust: 2022 global medians
ADJUST_ECOMMERCE_D1 = 0.19  # Adjust: e-commerce apps, day 1, 2022
COSTCO_RENEWAL = {"Costco worldwide": 0.904, "Costco US & Canada": 0.927}  # FY2023 10-K
PDD_ORIGIN = "2015-09-01"  # Pinduoduo launched in September 2015
PDD_MARKET_M = 1032.0  # China's internet users, Dec 2021 (CNNIC 49th report), millions
PDD_SCENARIO = "subsidy_group_buying"  # the market is calibrated on the group-buying scenario
PDD_PARAMS = (
    "platform.word_of_mouth_rate=0.005:0.03:log",
    "platform.ad_cost_per_reach=200:2000:log",
)


@dataclass
class Config:
    """How much simulation each section does (full evidence or a quick smoke run)."""

    quick: bool
    bass_n: int
    bass_seeds: int
    perturbed_seeds: int
    net_n: int
    net_seeds: int
    evidence_consumers: int | None
    evidence_seeds: int
    referral_days: int
    retention_days: int
    recovery_consumers: int
    recovery_days: int
    recovery_evals: int
    recovery_rounds: int
    recovery_bootstrap: int
    pdd_consumers: int
    pdd_seeds: int
    pdd_evals: int
    pdd_rounds: int
    pdd_points: int | None = None  # quick: only the first years (shorter runs)
    scorecard_seeds: int = 4
    jobs: int = 2
    timings: dict[str, float] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    facts: dict[str, float] = field(default_factory=dict)  # measured once, quoted later

    def row(self, check: str, published: str, model: str, verdict: str) -> None:
        """A line of the overview table at the top of the report."""
        self.summary.append(f"| {check} | {published} | {model} | {verdict} |")


FULL = dict(
    quick=False,
    bass_n=20_000,
    bass_seeds=5,
    perturbed_seeds=2,
    net_n=10_000,
    net_seeds=3,
    evidence_consumers=None,
    evidence_seeds=5,
    referral_days=2400,
    retention_days=1095,
    recovery_consumers=4000,
    recovery_days=180,
    recovery_evals=30,
    recovery_rounds=3,
    recovery_bootstrap=2,
    pdd_consumers=5000,
    pdd_seeds=4,
    pdd_evals=24,
    pdd_rounds=3,
)
QUICK = dict(
    quick=True,
    bass_n=6000,
    bass_seeds=1,
    perturbed_seeds=1,
    net_n=2000,
    net_seeds=1,
    evidence_consumers=600,
    evidence_seeds=1,
    referral_days=400,
    retention_days=120,
    recovery_consumers=600,
    recovery_days=100,
    recovery_evals=8,
    recovery_rounds=1,
    recovery_bootstrap=0,
    pdd_consumers=300,
    pdd_seeds=1,
    pdd_evals=8,
    pdd_rounds=1,
    pdd_points=2,
    scorecard_seeds=1,
)

DT = 1.0 / 30.0
PERIODS = 20.0


def pct(x: float, signed: bool = True) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:+.0%}" if signed else f"{x:.0%}"


def spread(xs: list[float]) -> tuple[float, float, float]:
    """Mean, min and max over seeds of the finite values (NaN when there are none)."""
    a = np.array(xs, float)
    a = a[np.isfinite(a)]
    return (float(a.mean()), float(a.min()), float(a.max())) if len(a) else (np.nan,) * 3


def num(x: float, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}g}"


def save(fig: plt.Figure, img: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(img / f"validation-{name}.png", dpi=110)
    plt.close(fig)
    return f"img/validation-{name}.png"


# ----------------------------------------------------------------------------- 1. Bass limit
def bass_section(cfg: Config, img: Path) -> str:
    t = (np.arange(int(PERIODS / DT)) + 1) * DT
    rows, fig_data = [], {}
    for label, (p, q) in (("Sultan, Farley & Lehmann (1990)", SULTAN), ("turntables", TURNTABLE)):
        curves = v.adoption_curves(
            v.diffusion_scenario(cfg.bass_n, p, q, dt=DT, periods=PERIODS),
            range(cfg.bass_seeds),
            cfg.jobs,
        )
        err = v.bass_max_error(curves, p, q, DT)
        disc = float(np.max(np.abs(v.bass_discrete(p, q, DT, len(t))[1:] - v.bass_cdf(t, p, q))))
        per_seed = np.max(np.abs(curves - v.bass_cdf(t, p, q)), axis=1)
        rows.append((label, p, q, err, disc, per_seed.max()))
        fig_data[label] = (p, q, curves)
    p, q = SULTAN
    broken = v.adoption_curves(
        v.diffusion_scenario(cfg.bass_n, p, 0.7 * q, dt=DT, periods=PERIODS),
        range(cfg.perturbed_seeds),
        cfg.jobs,
    )
    broken_err = v.bass_max_error(broken, p, q, DT)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (label, (p_, q_, curves)) in zip(axes, fig_data.items(), strict=True):
        ax.plot(t, v.bass_cdf(t, p_, q_), color="k", lw=2, label="Bass closed form (published)")
        ax.fill_between(t, curves.min(axis=0), curves.max(axis=0), color="tab:blue", alpha=0.25)
        ax.plot(t, curves.mean(axis=0), color="tab:blue", ls="--", label="model, mean of seeds")
        if label.startswith("Sultan"):
            ax.plot(t, broken.mean(axis=0), color="tab:red", ls=":", label="model with q x 0.7")
        ax.set(
            xlabel="time (Bass periods; 1 day = 1/30)",
            ylabel="share of adopters",
            title=f"{label}: p = {p_}, q = {q_}",
        )
        ax.legend(fontsize=8, loc="lower right")
    link = save(fig, img, "bass")

    for lab, p_, q_, e, _, _ in rows:
        cfg.row(
            f"Bass limit, {lab}: (p, q) = ({p_}, {q_})",
            "closed form (Bass 1969)",
            f"max error {num(e, 2)}",
            "pass (< 0.02)" if e < 0.02 else "FAIL (>= 0.02)",
        )
    cfg.row(
        "Bass check has power (q x 0.7)",
        "must fail",
        f"max error {num(broken_err, 2)}",
        "fails as it must" if broken_err > 0.02 else "DOES NOT FAIL",
    )
    table = "\n".join(
        f"| {lab} | {p_} | {q_} | {num(e, 2)} | {num(d, 2)} | {num(s, 2)} | "
        f"{'pass' if e < 0.02 else 'FAIL'} |"
        for lab, p_, q_, e, d, s in rows
    )
    return f"""## 1. Bass limit

On the complete graph, with the configuration of `sim.validation.diffusion_scenario`
(one segment that buys on the day it becomes aware and never lapses; content, leaders,
groups, partners and win-back off; see [ODD §7.1](odd.md#71-exposure-and-the-bass-limit)),
an unaware consumer's daily hazard is pΔ + qΔ·F, F the share of customers at the end of
the previous day. One model day is **Δ = 1/30 Bass period** (a Bass "year" of the
meta-analysis becomes 30 days, so 20 periods are 600 days). N = {cfg.bass_n:,}
consumers, mean of {cfg.bass_seeds} seed(s). The test (`tests/validation/test_bass.py`)
requires a maximum absolute error below 0.02.

![Bass limit]({link})

| (p, q) source | p | q | max \\|model − Bass\\| (mean of seeds) | of which the daily recursion's lag | worst single seed | check |
|---|---|---|---|---|---|---|
{table}

The deterministic part of the gap is the one-day lag of word of mouth in the daily
update; it is first order in Δ (halving the day halves it) and is computed exactly by
`sim.validation.bass_discrete`. The rest is sampling noise, which shrinks as 1/√(N·seeds).
**Power of the check:** with word of mouth broken (q scaled by 0.7) the same comparison
gives a maximum error of {num(broken_err, 2)} — far outside the tolerance
(`test_broken_word_of_mouth_fails_the_tolerance`).
"""


# ----------------------------------------------------------------------------- 2. networks
def network_section(cfg: Config, img: Path) -> str:
    p, q = SULTAN
    steps = int(PERIODS / DT)
    t = (np.arange(steps) + 1) * DT
    ring = v.adoption_curves(
        v.diffusion_scenario(cfg.net_n, p, q, dt=DT, periods=PERIODS, network="ring"),
        range(cfg.net_seeds),
        cfg.jobs,
    ).mean(axis=0)
    sw = v.adoption_curves(
        v.diffusion_scenario(
            cfg.net_n, p, q, dt=DT, periods=PERIODS, network="small_world", mean_degree=4
        ),
        range(cfg.net_seeds),
        cfg.jobs,
    ).mean(axis=0)
    r, ref_periods = 0.5, 10.0
    ref_steps = int(ref_periods / DT)
    ref = v.adoption_curves(
        v.diffusion_scenario(cfg.net_n, p, 0.0, dt=DT, periods=ref_periods, referral_rate=r),
        range(cfg.net_seeds),
        cfg.jobs,
    ).mean(axis=0)
    ref_mf, _ = v.referral_mean_field(p, 0.0, r, 0.5, DT, ref_steps)
    ring_exact = v.ring_discrete(p, q, DT, steps)[1:]
    bass = v.bass_cdf(t, p, q)
    ring_err = float(np.max(np.abs(ring - ring_exact)))
    ref_err = float(np.max(np.abs(ref - ref_mf[1:])))
    full_day = int(np.argmax(ref >= 1.0)) if np.any(ref >= 1.0) else None

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    ax.plot(t, bass, "k", lw=2, label="Bass (complete graph)")
    ax.plot(t, v.ring_cdf(t, p, q), color="tab:green", lw=2, label="ring, exact (Fibich-Gibori)")
    ax.plot(t, ring, color="tab:green", ls="--", label="ring (degree 2), model")
    ax.plot(t, sw, color="tab:purple", ls="--", label="small world (degree 4), model")
    ax.set(xlabel="time (Bass periods)", ylabel="share of adopters", title="Word of mouth")
    ax.legend(fontsize=8)
    ax = axes[1]
    tr = (np.arange(ref_steps) + 1) * DT
    ax.plot(tr, ref_mf[1:], "k", lw=2, label="mean-field limit")
    ax.plot(tr, ref, color="tab:orange", ls="--", label="model")
    ax.plot(tr, 1 - np.exp(-p * tr), color="gray", ls=":", label="ads alone")
    ax.set(
        xlabel="time (Bass periods)",
        ylabel="share of adopters",
        title=f"Partner referrals (p = {p}, q = 0, r = {r})",
    )
    ax.legend(fontsize=8)
    link = save(fig, img, "networks")
    full = f"day {full_day}" if full_day is not None else "not within the run"
    below = float(np.min(bass - ring)) > -0.01 and float(np.min(bass - sw)) > -0.01
    cfg.row(
        "Word of mouth on sparse networks",
        "below Bass; ring exact (Fibich & Gibori 2010)",
        f"ring vs. exact {num(ring_err, 2)}; gap to Bass up to {num(float(np.max(bass - ring)), 2)}",
        "pass" if below and ring_err < 0.02 else "FAIL",
    )
    cfg.row(
        "Partner referrals, complete graph",
        "mean-field limit (derived, ODD §7.2)",
        f"max error {num(ref_err, 2)}",
        "pass" if ref_err < 0.02 else "FAIL",
    )
    return f"""## 2. Word of mouth and referrals on networks

The exposure and referral rules and their limits are derived in
[ODD §7.1–7.2](odd.md#71-exposure-and-the-bass-limit). Same p, q and Δ as above,
N = {cfg.net_n:,}, mean of {cfg.net_seeds} seeds (`tests/validation/test_networks.py`).

![Networks]({link})

* **Ring (degree 2).** Given that a consumer has not adopted, its two neighbours evolve
  independently; this gives the exact daily formula `sim.validation.ring_discrete`
  whose continuous limit is the one-dimensional Bass model of Fibich & Gibori (2010),
  1 − F(t) = exp(−(p+q)t + (q/p)(1 − e^{{−pt}})). Model vs. exact: max error
  {num(ring_err, 2)}. The ring lies below the Bass curve by up to
  {num(float(np.max(bass - ring)), 2)}: an unaware consumer's neighbours are less likely to
  have adopted than the population at large, because adoption spreads along ties.
* **Small world (mean degree 4, rewiring 0.1).** No closed form; the same argument puts it
  below Bass (largest gap {num(float(np.max(bass - sw)), 2)}), and the shortcuts place it
  between the ring and the complete graph.
* **Partner referrals** (complete graph, q = 0, every buyer joins the program with
  probability 0.5, each partner refers one random non-customer a day with probability
  rΔ): a *push* channel, dF/dt ≈ (1 − F)p + rΠ. Model vs. the exact mean-field recursion
  `sim.validation.referral_mean_field`: max error {num(ref_err, 2)}. Unlike word of mouth
  it does not slow down as the market saturates: every consumer is a customer by
  {full}, while ads alone would still leave {pct(float(np.exp(-p * ref_periods)), False)}
  unaware after {ref_periods:g} periods.
"""


# ----------------------------------------------------------------------------- 3. referrals
def referral_section(cfg: Config, img: Path) -> tuple[str, dict[str, Any]]:
    """Referral premium and churn by referrer state; returns the runs for the renewal section."""
    # both measurements on the same seeds, run lengths and sizes
    runs = dict(days=cfg.referral_days, consumers=cfg.evidence_consumers, jobs=cfg.jobs)
    seeds = range(cfg.evidence_seeds)
    ev = v.referral_evidence("symbiotic_partner", seeds, **runs)
    rows = []
    summary: dict[str, Any] = {}
    for h, per_seed in ev["premium"].items():
        for key in ("retention", "spend", "contribution"):
            m, lo, hi = spread([r[key][2] - 1 for r in per_seed])
            rows.append((h, key, m, lo, hi))
            summary[(h, key)] = m
    matching = v.referral_matching("symbiotic_partner", seeds, **runs)
    matched = {k: spread(x) for k, x in matching["premium"].items()}
    need = spread(matching["ratios"]["need_rate"])
    known = spread(matching["ratios"]["known_30_days"])
    matching_table = "\n".join(
        f"| {k} | {pct(m)} | {pct(lo)} .. {pct(hi)} |" for k, (m, lo, hi) in matched.items()
    )
    month = matched["month"]
    # the same comparison without match quality: partners pick any non-customer friend
    uniform = v.referral_matching(
        "symbiotic_partner",
        seeds,
        overrides={"policy.partner.referral_targeting": "random"},
        **runs,
    )
    un_month = spread(uniform["premium"]["month"])
    un_need = spread(uniform["ratios"]["need_rate"])
    un_known = spread(uniform["ratios"]["known_30_days"])
    n_ref = sum(r["n_referred"] for r in ev["premium"][max(ev["premium"])])
    hz = ev["hazard"]
    rates = np.array(hz["events"], float) / np.maximum(np.array(hz["exposure_days"], float), 1)
    rel = rates / rates[0]
    by_seed = np.array(hz["by_seed"]) / np.array(hz["by_seed"])[:, [0]]

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    labels = [f"{k}\nage {h}" for h, k, *_ in rows]
    vals = [m for *_, m, _, _ in rows]
    err = np.array([[m - lo, hi - m] for *_, m, lo, hi in rows]).T
    ax.bar(range(len(rows)), vals, yerr=err, color="tab:blue", alpha=0.7, label="model")
    ax.axhline(SCHMITT_RETENTION, color="tab:red", ls="--", label="published: retention +18%")
    ax.axhline(SCHMITT_VALUE, color="tab:orange", ls=":", label="published: value ≥ +16%")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set(ylabel="referred vs. matched non-referred", title="Referral premium (symbiotic)")
    ax.legend(fontsize=7)
    ax = axes[1]
    colours = ["gray", "tab:green", "tab:red"]
    for i in range(3):
        ax.plot([i] * len(by_seed), by_seed[:, i], ".", color=colours[i], ms=8, alpha=0.6)
        ax.plot([i - 0.25, i + 0.25], [rel[i], rel[i]], color=colours[i], lw=3)
    half = max(0.1, float(np.nanmax(np.abs(by_seed - 1))) * 1.3)
    ax.set_ylim(1 - half, 1 + half)
    ax.set_xlim(-0.6, 2.6)
    ax.set_xticks(
        range(3), ["non-referred", "referred,\nreferrer active", "referred,\nreferrer lapsed"]
    )
    ax.axhline(1, color="k", lw=0.8)
    ax.set(
        ylabel="daily churn hazard / non-referred",
        title="Churn by the referrer's state (bar: pooled; dots: seeds)",
    )
    link = save(fig, img, "referral")

    table = "\n".join(
        f"| {h} days | {key} | {pct(m)} | {pct(lo)} .. {pct(hi)} |" for h, key, m, lo, hi in rows
    )
    ret180 = summary.get((max(ev["premium"]), "retention"), float("nan"))
    spend180 = summary.get((max(ev["premium"]), "spend"), float("nan"))
    contrib180 = summary.get((max(ev["premium"]), "contribution"), float("nan"))
    direction = "above" if ret180 > SCHMITT_RETENTION else "below"
    cfg.row(
        "Referred customers' retention (symbiotic)",
        "+18% more likely to stay (Schmitt et al. 2011)",
        f"{pct(ret180)} active at 180 days",
        ("same sign, " + ("larger" if ret180 > SCHMITT_RETENTION else "smaller"))
        if ret180 > 0
        else "opposite sign",
    )
    cfg.row(
        "Referred customers' value",
        ">= +16% (Schmitt et al. 2011)",
        f"spend {pct(spend180)}; platform contribution net of rewards {pct(contrib180)}",
        "spend similar; net value differs (recurring partner share)",
    )
    pattern = rel[1] < 1 and rel[2] > rel[1]
    cfg.row(
        "Churn advantage while referrer stays",
        "only while referrer remains (Van den Bulte et al. 2018)",
        f"hazard x{rel[1]:.2f} (referrer active), x{rel[2]:.2f} (lapsed)",
        "pattern reproduced (mechanism built in)" if pattern else "pattern NOT reproduced",
    )
    text = f"""## 3. Referred customers in the symbiotic scenario

**Published.** Schmitt, Skiera & Van den Bulte (2011, *Journal of Marketing* 75(1)),
about 10,000 customers of a German bank over almost three years: referred customers had a
higher retention rate, a difference that persisted, and a higher contribution margin, a
difference that eroded; their value was at least 16% higher than that of non-referred
customers with similar demographics and time of acquisition; in the authors' practitioner
summaries of the study (*Harvard Business Review*, June 2011; *GfK Marketing Intelligence
Review* 5(1), 2013) referred customers were about 18% more likely to stay (18% lower churn).
Van den Bulte, Bayer, Skiera & Schmitt (2018, *Journal of Marketing Research* 55(1)):
referred customers churn less **only as long as their referrer remains a customer**.

**Model.** `symbiotic_partner`, {cfg.evidence_seeds} seeds, {cfg.referral_days} days.
Referred customers are compared with non-referred customers of the same segment and the
same 30-day acquisition cohort (indirect standardisation, the analogue of matching on
demographics and time of acquisition). Retention at age h: active (bought within the
30-day churn window) h days after the first purchase. Value: spend (GMV) accumulated by
age h, and the platform's contribution from the customer (commission less subsidies,
partner rewards triggered by their repeat purchases, operator fees and win-back costs).
{n_ref:,} referred customers reached age {max(ev["premium"])} (all seeds).

![Referral evidence]({link})

| age | measure | premium of referred (mean of seeds) | range over seeds |
|---|---|---|---|
{table}

Daily churn hazard (active yesterday, lapsed today), pooled over seeds, relative to
non-referred customers: referrer active **{rel[1]:.2f}**, referrer lapsed **{rel[2]:.2f}**
({int(hz["exposure_days"][1]):,} and {int(hz["exposure_days"][2]):,} customer-days at risk).

**Where the scorecard's premium comes from.** The scorecard's measure (survival: no 90-day
gap by age 180, customers acquired since the first referral) compared within ever finer
strata (`sim.validation.referral_matching`, same runs' seeds; "awareness": how long the
household had known the platform when it first bought, under 30 days, 30–364, a year or
more); {sum(matching["referred"]):,} referred customers compared (all seeds):

| referred compared with the others of the same | survival premium (mean of seeds) | range over seeds |
|---|---|---|
{matching_table}

Partners pick by match quality (`policy.partner.referral_targeting: matched`, the default;
ODD §7.2): a referrer who knows their friends' needs picks a friend in proportion to their
need rate and never one who has bought elsewhere. Against the customers acquired **in the
same month** (Schmitt et al.'s comparison, the scorecard's row), referred customers then
have a survival premium of {pct(month[0])} ({pct(month[1])} .. {pct(month[2])} over seeds),
at the low end of the scorecard's range and below the published +18%; their need rate is
{need[0]:.2f} times their month's others', and the share of them who had known the
platform for 30 days or more when they first bought is {known[0]:.2f} times theirs.

**Without match quality the premium reverses.** With `random` (any non-customer friend,
uniformly: the analytic referral limit) the same runs give a same-month premium of
{pct(un_month[0])} ({pct(un_month[1])} .. {pct(un_month[2])} over seeds;
{sum(uniform["referred"]):,} referred customers). The friends who need what the platform
sells have mostly bought already, so a uniform pick reaches households that had known the
platform without buying: {num(un_known[0], 2)} times as many had known it for 30 days or
more, and their need rate is {num(un_need[0], 2)} times the others'. Against every other
customer both accounts look better than within a month: the program refers mostly late,
when every customer survives better (the platform's reach lowers everyone's dropout:
`dropout.network_weight`). So the premium comes from whom partners pick (match quality);
the other referral mechanisms (the match bonus and embedding) add little to survival
(`tests/validation/test_referral.py` checks both accounts).

**Reading the gaps honestly.**
* The retention premium at 180 days ({pct(ret180)}) is {direction} the published +18%,
  and the spend premium ({pct(spend180)}) compares with a published value premium of at
  least +16%. Both come from two mechanisms that were *put into the model from these papers*: the
  referral match bonus (`behaviour.referral_match_bonus`, Schmitt et al.'s "better
  matching") and the embedding bonus while the referrer is active
  (`behaviour.embedding_weight`, Van den Bulte et al.'s "social enrichment"). Their sizes
  are illustrative guesses, not estimates; the check is that the mechanisms produce
  premiums of the published order and the published *pattern* (the hazard advantage holds
  while the referrer is active and disappears, or reverses, once the referrer lapses),
  not that the model discovered them.
* Value to the platform differs: net of the partner share the platform pays the referrer
  on every repeat purchase, a referred customer's contribution is {pct(contrib180)}
  relative to a matched non-referred one. The bank paid a one-off €25 fee and Schmitt et
  al. compare value *before* that fee; the symbiotic program pays a recurring share, so
  its referred customers can be worth less to the platform even while they spend more.
* A bank account is a contract that is closed; "churn" here is 30 days without a purchase.
"""
    return text, ev


# ----------------------------------------------------------------------------- 4. subsidy cut
def subsidy_section(cfg: Config, img: Path) -> str:
    shipped = resolve("subsidy_group_buying")
    cut = next(x.day for x in shipped.shocks if x.kind == "subsidy_end")
    days = cut + 120
    sub = v.daily_orders(
        "subsidy_group_buying",
        range(cfg.evidence_seeds),
        days=days,
        consumers=cfg.evidence_consumers,
        jobs=cfg.jobs,
    )
    sym = v.daily_orders(
        "symbiotic_partner",
        range(cfg.evidence_seeds),
        days=days,
        consumers=cfg.evidence_consumers,
        jobs=cfg.jobs,
    )
    fs, fy = v.subsidy_cut_fall(sub, cut), v.subsidy_cut_fall(sym, cut)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    for arr, name, c in (
        (sub, "subsidy_group_buying", "tab:red"),
        (sym, "symbiotic_partner", "tab:green"),
    ):
        ax.plot(pd.Series(arr.mean(axis=0)).rolling(7, min_periods=1).mean(), color=c, label=name)
    ax.axvline(cut, color="k", ls="--", lw=1, label=f"subsidies end (day {cut})")
    ax.set_xlim(cut - 120, days)
    ax.set(
        xlabel="day", ylabel="orders per day (7-day mean)", title="Orders around the subsidy end"
    )
    ax.legend(fontsize=8)
    ax = axes[1]
    bars = {
        "Didi 2014\n(reported)": DIDI_FALL_REPORTED,
        "Didi 2014\n(peak 5.3M→3M)": DIDI_FALL_PEAK,
        "model: subsidy\n(week before)": fs["fall_vs_week_before"],
        "model: subsidy\n(peak week)": fs["fall_vs_peak"],
        "model: symbiotic\n(week before)": fy["fall_vs_week_before"],
    }
    ax.bar(
        range(len(bars)),
        list(bars.values()),
        color=["tab:gray"] * 2 + ["tab:red"] * 2 + ["tab:green"],
    )
    ax.set_xticks(range(len(bars)), list(bars), fontsize=7)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(ylabel="fall in daily orders, first week after", title="Published vs. model")
    link = save(fig, img, "subsidy-cut")
    per_seed = ", ".join(pct(x, False) for x in fs["fall_per_seed"])
    cfg.row(
        "Orders after a subsidy ends",
        "−40% (Didi, May 2014; −43% from peak)",
        f"subsidy {pct(-fs['fall_vs_week_before'])}; symbiotic {pct(-fy['fall_vs_week_before'])}",
        "same direction; model "
        + ("larger" if fs["fall_vs_week_before"] > DIDI_FALL_PEAK else "comparable or smaller"),
    )
    return f"""## 4. Orders after a subsidy ends

**Published.** In May 2014 the taxi-hailing apps Didi Dache and Kuaidi Dache stopped
their cash rebates to passengers (16–17 May; driver subsidies continued). A week later
Didi's CEO said daily orders were about 3 million against a peak of 5.3 million; the
Beijing News reported a fall of 40 percent (ECNS/China News, 22 May 2014; TechNode,
23 May 2014). The rebate had already been cut from 12 to 3 yuan in the months before.

**Model.** Mean daily orders in the week after day {cut} (when `subsidy_end` removes the
platform-funded share of the group discount and the new-user coupons, after three years)
against the week before and against the best week before the cut; {cfg.evidence_seeds}
seeds. `symbiotic_partner` has no cut that day (its small launch coupons ended on day 90):
it is the control, growing through the same weeks. Section 0 measures the scorecard's
version (orders in the 60 days after against the 30 before).

![Subsidy cut]({link})

| scenario | orders/day, week before | week after | fall vs. week before | fall vs. peak week | fall, first 30 days |
|---|---|---|---|---|---|
| `subsidy_group_buying` | {fs["before"]:.0f} | {fs["after_week"]:.0f} | {pct(fs["fall_vs_week_before"], False)} | {pct(fs["fall_vs_peak"], False)} | {pct(fs["fall_month_vs_week_before"], False)} |
| `symbiotic_partner` | {fy["before"]:.0f} | {fy["after_week"]:.0f} | {pct(fy["fall_vs_week_before"], False)} | {pct(fy["fall_vs_peak"], False)} | {pct(fy["fall_month_vs_week_before"], False)} |

Per seed (subsidy, week before): {per_seed}.

**Reading the gap honestly.** The model's fall in the subsidy scenario is
{"larger than" if fs["fall_vs_week_before"] > DIDI_FALL_PEAK else "comparable to"} the
40–43% Didi reported. The two cuts are not the same size: the scenario removes a subsidy
worth {0.35 * 0.7:.1%} of list price on every group order (70% of a 35% discount) plus the
new-user coupon, to consumers whose reference price has adapted to the subsidised price
(loss aversion makes the return to list price hurt twice); Didi's passenger rebate was
3 yuan on a taxi fare, drivers kept their subsidy, and a taxi ride is a need with few
substitutes (the outside option here is any other shop). The comparison supports the
*mechanism* (selection of price-sensitive buyers plus reference prices make usage fall
when a subsidy ends, while in the symbiotic scenario, with no cut that day, orders
{"barely move" if abs(fy["fall_vs_week_before"]) < 0.1 else "change by " + pct(-fy["fall_vs_week_before"])}); the *size* depends on the subsidy depth, the outside price and the
price sensitivities, and the scorecard's version of it was among the patterns the
defaults were set with (section 0).
"""


# ----------------------------------------------------------------------------- 5. retention
def retention_section(cfg: Config, img: Path) -> str:
    ret = v.purchase_retention(
        "baseline",
        range(cfg.evidence_seeds),
        days=cfg.retention_days,
        consumers=cfg.evidence_consumers,
        jobs=cfg.jobs,
    )
    d = ret.index[1:]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    ax.plot(d, ret["purchase"].iloc[1:], "o-", ms=3, color="tab:blue", label="model: buys on day k")
    ax.plot(
        d, ret["active"].iloc[1:], "-", color="tab:cyan", label="model: active at age k (repeat)"
    )
    ax.plot(
        list(ADJUST_GLOBAL),
        list(ADJUST_GLOBAL.values()),
        "s",
        color="tab:red",
        ms=8,
        label="Adjust 2022, all apps (median)",
    )
    ax.plot(
        [1],
        [ADJUST_ECOMMERCE_D1],
        "D",
        color="tab:orange",
        ms=8,
        label="Adjust 2022, e-commerce D1",
    )
    ax.set(
        xlabel="days since first purchase / install",
        ylabel="share retained",
        title="Retention curves",
    )
    ax.legend(fontsize=7)
    ax = axes[1]
    base = ret["purchase"].iloc[1]
    ax.plot(
        d,
        ret["purchase"].iloc[1:] / base,
        "o-",
        ms=3,
        color="tab:blue",
        label="model (day-k purchase)",
    )
    ax.plot(
        list(ADJUST_GLOBAL),
        np.array(list(ADJUST_GLOBAL.values())) / ADJUST_GLOBAL[1],
        "s-",
        color="tab:red",
        label="Adjust 2022 (app opens)",
    )
    ax.set(xlabel="day k", ylabel="retention relative to day 1", title="Shape: decay after day 1")
    ax.set_ylim(0, 1.5)
    ax.legend(fontsize=8)
    link = save(fig, img, "retention")
    p1, p14, p30 = (float(ret["purchase"].iloc[k]) for k in (1, 14, 30))
    a30 = float(ret["active"].iloc[30])
    ratio = p30 / p1 if p1 > 0 else float("nan")
    shape_note = (
        ": every customer keeps the same need rate and the platform loses them only slowly, "
        "through satisfaction, competition and lapses over months"
        if ratio > 0.6
        else ""
    )
    cfg.row(
        "Baseline retention curve",
        "25% D1, 6% D30 app opens (Adjust 2022)",
        f"{pct(p1, False)} D1, {pct(p30, False)} D30 purchases",
        "not comparable in level; "
        + (f"shape differs (D30/D1 {ratio:.0%} vs. 24%)" if ratio > 0.5 else "shape similar"),
    )
    return f"""## 5. Baseline retention curve vs. app retention

**Published.** Adjust's benchmarks for 2022 (Adjust, "Get the mobile app retention
benchmarks for 2023"): median retention of all apps 25% on day 1, 9% on day 14 and 6% on
day 30; e-commerce apps 19% on day 1 (20% in Q1 2022 and Q1 2023). Retention there is the
share of installers who *open the app* on day k.

**Model.** `baseline` ({cfg.evidence_seeds} seeds, {cfg.retention_days} days): the share
of new customers who *buy* on day k after their first purchase, and, for reference, the
model's own retention measure (active at age k through a repeat purchase within the
30-day window).

![Retention]({link})

| day | model: buys on day k | Adjust (app opens) |
|---|---|---|
| 1 | {pct(p1, False)} ({p1:.3f}) | 25% all apps, 19% e-commerce |
| 14 | {pct(p14, False)} ({p14:.3f}) | 9% |
| 30 | {pct(p30, False)} ({p30:.3f}) | 6% |

Model: active at age 30 through a repeat purchase: {pct(a30, False)} (this measure rises
over the first 30 days because it counts any repeat purchase within the 30-day window).

**Reading the gap honestly.** The levels are not comparable: an app open is far more
frequent than a purchase (a consumer here has a need about every 20 days and buys some of
them elsewhere), so purchase retention on a given day is far below session retention.
The *shape* is a real difference: app retention on day 30 is a quarter of its day-1 value
(many installers never come back), while the model's day-30 purchase probability is
{ratio:.0%} of its day-1 value{shape_note}. The model has no "try once and forget"
behaviour; if it matters for a question, a segment with a low need rate or a decaying
interest would have to be added.
"""


# ----------------------------------------------------------------------------- 6. renewal
def renewal_section(cfg: Config, img: Path, ev: dict[str, Any]) -> str:
    """Partner activity at the first anniversary (from the referral section's runs)."""
    r = ev["renewal"].sum(axis=0)
    joined, act30, act90, acquired, acq_act = (int(x) for x in r)
    s30 = act30 / joined if joined else float("nan")
    s90 = act90 / joined if joined else float("nan")
    sacq = acq_act / acquired if acquired else float("nan")
    fig, ax = plt.subplots(figsize=(8, 4))
    bars = {
        **COSTCO_RENEWAL,
        "model: partners,\nbought in last 30 d": s30,
        "model: partners,\nbought in last 90 d": s90,
        "model: all customers,\nbought in last 30 d": sacq,
    }
    ax.bar(
        range(len(bars)),
        list(bars.values()),
        color=["tab:gray"] * 2 + ["tab:green"] * 2 + ["tab:blue"],
    )
    ax.set_xticks(range(len(bars)), list(bars), fontsize=7)
    ax.set(
        ylim=(0, 1),
        ylabel="share",
        title="First anniversary: renewal (published) vs. activity (model)",
    )
    link = save(fig, img, "renewal")
    cmp = (
        "about as active as"
        if abs(s30 - sacq) < 0.05
        else ("more active than" if s30 > sacq else "less active than")
    )
    cfg.row(
        "Membership renewal",
        "~90% a year (Costco FY2023: 90.4% worldwide)",
        f"partners who renew: {pct(cfg.facts.get('renewal', float('nan')), False)}; active at "
        f"the anniversary: {pct(s30, False)} (30 d), {pct(s90, False)} (90 d)",
        "renewal emerged in range (not fitted); the program is free",
    )
    return f"""## 6. Membership renewal

**Published.** Paid-membership programs renew at about 90% a year: Costco reported
renewal rates of 92.7% in the US and Canada and 90.4% worldwide at the end of fiscal 2023
(Form 10-K).

**Model.** `symbiotic_partner`. Partners renew or lapse on each anniversary of joining
(ODD §7.10): one who has not bought in 180 days lapses, and the others lapse with a chance
that falls with what they earned that year. Of the partners due at an anniversary,
{pct(cfg.facts.get("renewal", float("nan")), False)} renewed (section 0: 4 seeds, pooled).
Activity at the first anniversary ({cfg.evidence_seeds} seeds, {cfg.referral_days} days):
of {joined:,} partners who reached it, {pct(s30, False)} had bought in the 30 days before it
and {pct(s90, False)} in the 90 days before it; of all customers at the first anniversary
of their first purchase, {pct(sacq, False)} had bought in the last 30 days.

![Renewal]({link})

**Reading the gap honestly.** A paid renewal is a once-a-year decision to pay a fee that
is recovered through later purchases; the model's program is free, and a partner renews by
staying active and earning. The renewal rate was not a target the defaults were set to
(section 0), so landing near Costco's 90% is a pattern that emerged from the activity
threshold, dropout and what partners earn. At the anniversary the model's partners are
{cmp} customers in general ({pct(s30, False)} vs. {pct(sacq, False)} bought in the last 30
days); partners are a selected group (those who accepted the offer after a purchase), so
this difference is not the program's causal effect.
"""


# ----------------------------------------------------------------------------- 7. calibration
def scorecard_section(cfg: Config) -> str:
    """The pattern scorecard of issue 11: every pattern on every shipped scenario, at once."""
    from sim.scorecard import SHIPPED, format_scorecard, run_scorecard

    seeds = tuple(range(cfg.scorecard_seeds))
    over = {"population.consumers": cfg.evidence_consumers} if cfg.evidence_consumers else {}
    table = run_scorecard(SHIPPED, seeds, overrides=over, jobs=cfg.jobs)
    targets = table[table["passed"].notna()]
    passed = int(targets["passed"].astype(bool).sum())
    renewal = table[
        (table["pattern"] == "partner_renewal") & (table["scenario"] == "symbiotic_partner")
    ]
    cfg.facts["renewal"] = float(renewal["measured"].iloc[0]) if len(renewal) else float("nan")
    adoption = table[table["pattern"] == "adoption_fit"]
    cfg.facts["adoption_r2"] = float(adoption["measured"].iloc[0]) if len(adoption) else np.nan
    cfg.row(
        "Pattern scorecard (Grimm et al. 2005): all shipped scenarios, one parameter set",
        f"{len(targets)} target rows (CDNOW, Didi, Schmitt et al., Costco, Pinduoduo)",
        f"{passed} of {len(targets)} pass; {len(table) - len(targets)} rows reported only",
        "pass"
        if passed == len(targets)
        else "all but the known gap"
        if passed + int((targets["gap"] != "").sum()) == len(targets)
        else "NOT all pass",
    )
    return f"""## 0. The pattern scorecard

A credible model reproduces several patterns at once, at different scales
(pattern-oriented modelling, Grimm et al. 2005). `symbiosim patterns --seeds
{len(seeds)} --jobs 2` computes each from the transaction log of every shipped scenario
(seeds {seeds[0]}–{seeds[-1]}, customers pooled across seeds; each seed's own value is in
the `scorecard.csv` that `symbiosim patterns --out DIR` writes); the slow tests
`tests/test_patterns.py` require every target row to pass but the known gaps
(`sim.scorecard.KNOWN_GAPS`), which must fail until a mechanism closes them. A row
marked "reported" is
measured where its target does not apply: the referral premium of a partner program started after three years of subsidies
(hybrid: it refers the households the subsidies did not win, against newcomers to the
market), and the fall after the hybrid's subsidy cut (its partner program starts that
day: how much it cushions the fall is the scenario's question).

{format_scorecard(table)}

**What was fitted and what emerged.** One parameter set serves every scenario. Fitted:
the market's awareness channels (`platform.word_of_mouth_rate`,
`platform.ad_cost_per_reach`, section 7.2, by `symbiosim calibrate` on
`subsidy_group_buying`), and, by hand and random search on `subsidy_group_buying`'s
first-year customers, the segments' need rates and dropout chances, the outside price,
invitation acceptance and the network weights of dropout and choice (one-time buyers,
repeat within a year, top-20% share, the recency ratio and the fall after the subsidy
cut are therefore partly inputs there); the size of the social-embedding effect was set
so the referral premium, measured then against all other customers, landed in its range.
Emerged, not fitted: the same patterns in the other four scenarios, the decline of cohort
activity with age everywhere, partners' renewal.

**The referral premium: reproduced by a mechanism chosen after a failure.** Compared as
Schmitt et al. compared them, with the customers acquired in the same month, referred
customers survive better only because partners pick friends by match quality
(`policy.partner.referral_targeting: matched`, section 3); with a uniform pick they
survive about a fifth *worse*. Match quality is a mechanism, not a fitted figure (no
parameter of it was tuned to the premium), but it was added after the uniform pick failed
this row, and after other explanations had been tried and rejected (a stronger embedding
or match bonus, weighting by need alone), so its pass is weaker evidence than the rows
that emerged; and it lands at the low end of the range, a third of the published +18%.
"""


def _cal_table(res: CalibrationResult, truth: dict[str, float] | None = None) -> str:
    lines = [
        "| parameter | estimate | std. error | 95% interval | seed-bootstrap sd |"
        + (" true value |" if truth else ""),
        "|---|---|---|---|---|" + ("---|" if truth else ""),
    ]
    for row in res.table().itertuples(index=False):
        line = (
            f"| `{row.parameter}` | {num(row.estimate, 3)} | {num(row.std_error, 2)} | "
            f"{num(row.ci95_low, 3)} .. {num(row.ci95_high, 3)} | {num(row.bootstrap_sd, 2)} |"
        )
        if truth:
            line += f" {truth[row.parameter]} |"
        lines.append(line)
    return "\n".join(lines)


def calibration_section(cfg: Config, img: Path) -> str:
    # --- recovery of values the model generated
    truth = {"platform.ad_awareness_rate": 0.003, "platform.word_of_mouth_rate": 0.1}
    sc = resolve("baseline", consumers=cfg.recovery_consumers, days=cfg.recovery_days)
    x = np.arange(10, cfg.recovery_days, 10)
    gen = sc.with_overrides(truth)
    y = np.mean([simulate(gen, "customers_share", x, s) for s in range(100, 104)], axis=0)
    specs = [
        parse_param("platform.ad_awareness_rate=0.0005:0.02:log", sc),
        parse_param("platform.word_of_mouth_rate=0.01:0.5:log", sc),
    ]
    t0 = time.time()
    rec = calibrate(
        sc,
        Observed(x=x, y=y),
        specs,
        seeds=4,
        max_evals=cfg.recovery_evals,
        rounds=cfg.recovery_rounds,
        bootstrap=cfg.recovery_bootstrap,
        jobs=cfg.jobs,
    )
    cfg.timings["recovery"] = time.time() - t0
    fig = _recovery_figure(rec)
    rec_link = save(fig, img, "calibration-recovery")
    rel = {k: rec.estimate[k] / truth[k] - 1 for k in truth}

    # --- Pinduoduo
    data = ROOT / "data" / "pinduoduo_active_buyers.csv"
    obs = load_observed(
        data,
        x_col="period_end",
        y_col="annual_active_buyers_m",
        origin=PDD_ORIGIN,
        scale=PDD_MARKET_M,
    )
    if cfg.pdd_points is not None:
        k = cfg.pdd_points
        obs = Observed(x=obs.x[:k], y=obs.y[:k], source=obs.source, labels=obs.labels[:k])
    pdd_sc = resolve(PDD_SCENARIO, consumers=cfg.pdd_consumers)
    if cfg.pdd_points is not None:  # quick: only as many days as the points need
        pdd_sc = pdd_sc.with_overrides({"days": int(obs.x.max()) + 1})
    pdd_specs = [parse_param(p, pdd_sc) for p in PDD_PARAMS]
    t0 = time.time()
    pdd = calibrate(
        pdd_sc,
        obs,
        pdd_specs,
        target="buyers_share",
        window=365,
        seeds=cfg.pdd_seeds,
        max_evals=cfg.pdd_evals,
        rounds=cfg.pdd_rounds,
        jobs=cfg.jobs,
    )
    cfg.timings["pinduoduo"] = time.time() - t0
    pdd_link = save(_pdd_figure(pdd, obs), img, "calibration-pinduoduo")
    q_hat = pdd.estimate["platform.word_of_mouth_rate"]
    c_hat = pdd.estimate["platform.ad_cost_per_reach"]
    shipped = resolve(PDD_SCENARIO).platform
    resid_m = (pdd.fitted - pdd.observed) * PDD_MARKET_M
    model_inc = np.diff(pdd.fitted) * PDD_MARKET_M if len(pdd.fitted) > 2 else np.full(2, np.nan)
    resid_txt = ", ".join(f"{r:+.0f}M" for r in resid_m)
    ok = all(abs(r) < 0.25 for r in rel.values())
    cfg.row(
        "Calibration recovers generated values",
        "true ad and word-of-mouth rates",
        ", ".join(f"{k.split('.')[-1]} {pct(r)}" for k, r in rel.items()),
        "within 25%" if ok else "NOT within 25%",
    )
    cfg.row(
        "Calibration to Pinduoduo 2017–2021",
        "244.8M … 868.7M annual active buyers",
        f"RMSE {pdd.rmse * PDD_MARKET_M:.0f}M, max {np.max(np.abs(resid_m)):.0f}M, R² {pdd.r2:.3f}",
        f"fitted; RMSE {pdd.rmse:.1%} of the market",
    )
    years = ", ".join(
        f"{lab[:4]}: {o * PDD_MARKET_M:.0f}M observed vs. {f * PDD_MARKET_M:.0f}M fitted"
        for lab, o, f in zip(obs.labels, pdd.observed, pdd.fitted, strict=True)
    )
    return f"""## 7. Calibration

`symbiosim calibrate SCENARIO --data FILE.csv --param PATH=LO:HI[:log] ...` fits scenario
parameters to an observed series by running the model over K seeds per parameter value
(`sim/calibration.py`; method and uncertainty in its docstring and in
[ODD §6](odd.md#6-input-data)). In short: a quadratic response-surface emulator of the
simulated series is fitted to Latin-hypercube designs in successively smaller boxes, the
emulator's least-squares fit to the data is the estimate, standard errors come from the
emulator's Jacobian and the residual variance (s²(JᵀJ)⁻¹), and refits on fresh seed sets
(`--bootstrap`) measure the Monte Carlo spread.

### 7.1 Recovering values the model generated

Series: share of consumers who have bought by day x (`customers_share`), every 10 days to
day {cfg.recovery_days}, `baseline` with {cfg.recovery_consumers:,} consumers, generated
with seeds 100–103 at known rates; fitted with other seeds (0–3),
{rec.evaluations} parameter values. The acceptance test
(`tests/test_calibration.py::test_cli_recovers_parameters_the_model_generated`) runs the
same fit through the command line and requires each estimate within **25%** of the truth.

{_cal_table(rec, truth)}

Relative error: ad rate {pct(rel["platform.ad_awareness_rate"])}, word-of-mouth rate
{pct(rel["platform.word_of_mouth_rate"])}; fit RMSE {rec.rmse:.4f}, max |error|
{rec.max_abs_error:.4f}.

![Recovery]({rec_link})

The standard errors assume independent errors across the observed points; a cumulative
series has strongly correlated errors, so they are optimistic — the seed-bootstrap spread
and the distance to the truth are the better guide. Ads and word of mouth partly
substitute for each other in the early, nearly linear part of the curve, which is why
their estimates move together.

### 7.2 Pinduoduo's annual active buyers, 2017–2021

**Data** (`data/pinduoduo_active_buyers.csv`, company reports): 244.8M, 418.5M, 585.2M,
788.4M and 868.7M annual active buyers (consumers who placed at least one order in the
twelve months to 31 December).

**Mapping.**
* *Market size.* The {cfg.pdd_consumers:,} simulated households (all who live in the market at some
  point of the run; about 60% of them on day 0) grow with
  `market.growth` (6.6% a year, as China's internet users did from 688M in 2015 to
  1,032M at the end of 2021, CNNIC); the observed counts are divided by the 2021 figure
  (`--scale {PDD_MARKET_M:g}`) and compared with the share of the households in the
  market on each year-end who bought in the year. Online shoppers (842 million in 2021)
  would be too small a market, since Pinduoduo's account count exceeds it.
* *Time.* Model day 0 is Pinduoduo's launch (September 2015, `--origin {PDD_ORIGIN}`); one
  model day is one calendar day, so the year-ends 2017–2021 are days
  {", ".join(str(int(d)) for d in obs.x)}.
* *Observable.* "Annual active buyers" = consumers who bought within the 365 days ending on
  the year-end: `--target buyers_share --window 365`.
* *Scenario and parameters.* `{PDD_SCENARIO}` itself (deep platform-funded group
  discounts, invite-to-unlock, leaders; subsidies end after three years), fitting the
  market's two awareness channels: word of mouth (`platform.word_of_mouth_rate`, the
  daily hazard per unit share of active neighbours) and the cost of untargeted ad reach
  (`platform.ad_cost_per_reach`, yuan per household the ads make notice the platform).
  Everything else stays at its default; the symbiotic and hybrid scenarios run in the
  same market and differ only in policy. {cfg.pdd_seeds} seeds per value,
  {pdd.evaluations} values.

```
symbiosim calibrate {PDD_SCENARIO} --data data/pinduoduo_active_buyers.csv \\
  --x-col period_end --origin {PDD_ORIGIN} --y-col annual_active_buyers_m --scale {PDD_MARKET_M:g} \\
  --target buyers_share --window 365 --consumers {cfg.pdd_consumers} --seeds {cfg.pdd_seeds} \\
  {" ".join("--param " + p for p in PDD_PARAMS)} --max-evals {cfg.pdd_evals} --jobs 2
```

**Result.**

{_cal_table(pdd)}

The shipped defaults, word of mouth {shipped.word_of_mouth_rate:g} and an ad cost of
¥{shipped.ad_cost_per_reach:g} per household reached, are the rounded estimates of an
earlier run of the same command (the README gives it); this run's emulator lands at
{q_hat:.4g} and ¥{c_hat:.0f}. The adoption curve of the defaults themselves fits with
R² {cfg.facts.get("adoption_r2", float("nan")):.3f} (section 0), this run's estimate with
R² {pdd.r2:.3f}: the emulator's optimum depends on its design, because ads and word of
mouth substitute for each other along a ridge (fewer ads and more word of mouth fit about
as well), and the ad cost is poorly identified (its interval spans a factor of several):
ads matter only in the first months, before word of mouth takes over. Fit error: RMSE {pdd.rmse:.3f} of the market
({pdd.rmse * PDD_MARKET_M:.0f}M buyers), max |error| {pdd.max_abs_error:.3f}
({np.max(np.abs(resid_m)):.0f}M), R² {pdd.r2:.3f}. {years}.

![Pinduoduo]({pdd_link})

**Reading the fit honestly.** {len(obs.x)} points and two parameters leave
{len(obs.x) - 2} degree(s) of freedom; the intervals are conditional on the market's
growth (CNNIC's internet users, `market.growth`), on the launch date as day 0 and on
every other default — a larger assumed market or a stronger outside option would change
the estimates. Pinduoduo's growth slowed sharply in 2021 (+80M after +203M in 2020); the
fitted model adds {model_inc[-1]:.0f}M in 2021 after {model_inc[-2]:.0f}M in 2020, and
its residuals by year (model − observed: {resid_txt}) show where the diffusion cannot
follow the data. The initial awareness (2.4 households per 1,000) and the rest of the
customer base (section 0) were set with this fit, so the adoption curve is an input to
the model's credibility, not evidence for it; the patterns that emerged are listed in
section 0. No seed bootstrap was run for this fit (each refit costs {pdd.evaluations}
x {cfg.pdd_seeds} runs of {int(obs.x.max()) + 1:,} days); see 7.1 for the size of the
Monte Carlo spread at a comparable population.
"""


def _recovery_figure(res: CalibrationResult) -> plt.Figure:
    from sim.calibration import fit_figure

    return fit_figure(res)


def _pdd_figure(res: CalibrationResult, obs: Observed) -> plt.Figure:
    years = np.array([int(lab[:4]) for lab in obs.labels])
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, s in enumerate(res.fitted_by_seed):
        ax.plot(
            years,
            s * PDD_MARKET_M,
            color="tab:blue",
            alpha=0.3,
            lw=1,
            label="seeds" if i == 0 else None,
        )
    ax.plot(years, res.fitted * PDD_MARKET_M, "o-", color="tab:blue", label="model (mean of seeds)")
    ax.plot(
        years, res.observed * PDD_MARKET_M, "s", color="tab:red", ms=8, label="Pinduoduo (reported)"
    )
    ax.set(
        xlabel="year",
        ylabel="annual active buyers (millions)",
        title=f"Pinduoduo, baseline fitted: RMSE {res.rmse * PDD_MARKET_M:.0f}M",
    )
    ax.set_xticks(years)
    ax.set_ylim(0, PDD_MARKET_M)
    ax.legend(fontsize=8)
    return fig


# ----------------------------------------------------------------------------- the report
HEADER = """# Validation: known results, published evidence and calibration

*Generated by `docs/make_validation_report.py` (`make validation-report`); do not edit by
hand — every number and figure below comes from running the model.*{quick}

The model is described in the ODD protocol in [docs/odd.md](odd.md). This document has
four kinds of evidence:

0. **The pattern scorecard** (section 0): the customer-base patterns every shipped
   scenario must reproduce at once, with one parameter set, and which of them were fitted.
1. **Known results** (sections 1–2): limits in which the model must reduce to published
   closed forms. These are tests (`tests/validation/`, part of `make test`) with stated
   tolerances.
2. **Evidence beside the model** (sections 3–6): the model's measure next to a published
   figure, each with an honest word on where the definitions differ and why a gap remains
   (section 0 says which of these figures the defaults were fitted to).
3. **Calibration** (section 7): `symbiosim calibrate` recovers values the model itself
   generated and fits the market of `subsidy_group_buying` to Pinduoduo's annual active
   buyers.

| check | published | model | verdict |
|---|---|---|---|
{summary}

"""

REFERENCES = """## References

* Adjust (2023). *Get the mobile app retention benchmarks for 2023* (2022 data). adjust.com blog.
* Bass, F. M. (1969). A new product growth for model consumer durables. *Management Science* 15(5), 215–227.
* Grimm, V. et al. (2005). Pattern-oriented modeling of agent-based complex systems: lessons from ecology. *Science* 310(5750), 987–991.
* CNNIC (2022). *The 49th Statistical Report on China's Internet Development* (data to December 2021).
* Costco Wholesale Corporation (2023). *Annual Report on Form 10-K, fiscal year ended September 3, 2023*.
* ECNS / China News (22 May 2014). Didi Dache orders drop 40% after subsidy stops (citing the Beijing News); TechNode (23 May 2014). China taxi apps call off the subsidy program, orders drop drastically.
* Fibich, G. & Gibori, R. (2010). Aggregate diffusion dynamics in agent-based models with a spatial structure. *Operations Research* 58(5), 1450–1468.
* Grimm, V. et al. (2020). The ODD protocol for describing agent-based and other simulation models: a second update to improve clarity, replication, and structural realism. *JASSS* 23(2) 7.
* Pinduoduo Inc. / PDD Holdings. Annual reports on Form 20-F (2018–2021) and the 2018 prospectus (Form F-1).
* Schmitt, P., Skiera, B. & Van den Bulte, C. (2011). Referral programs and customer value. *Journal of Marketing* 75(1), 46–59; "Why customer referrals can drive stunning profits", *Harvard Business Review*, June 2011; and (2013) "Do referral programs increase profits?", *GfK Marketing Intelligence Review* 5(1), 8–11.
* Sultan, F., Farley, J. U. & Lehmann, D. R. (1990). A meta-analysis of applications of diffusion models. *Journal of Marketing Research* 27(1), 70–77.
* Van den Bulte, C., Bayer, E., Skiera, B. & Schmitt, P. (2018). How customer referral programs turn social capital into economic capital. *Journal of Marketing Research* 55(1), 132–146.
* Van den Bulte, C. (compiler). Bass model parameter estimates by product category (as distributed with the Bass Forecasting tutorials).
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (numbers meaningless)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for validation.md")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    cfg = Config(**(QUICK if args.quick else FULL), jobs=max(1, args.jobs))
    out: Path = args.out
    img = out / "img"
    img.mkdir(parents=True, exist_ok=True)
    for old in img.glob("validation-*.png"):
        old.unlink()  # from scratch: no figure survives from an earlier run

    parts: list[str] = []
    t0 = time.time()

    def timed(name: str, fn: Any, *a: Any) -> Any:
        start = time.time()
        res = fn(*a)
        cfg.timings[name] = time.time() - start
        print(f"  {name}: {cfg.timings[name]:.0f} s", flush=True)
        return res

    print("validation report:", "quick" if cfg.quick else "full", flush=True)
    parts.append(timed("scorecard", scorecard_section, cfg))
    parts.append(timed("bass", bass_section, cfg, img))
    parts.append(timed("networks", network_section, cfg, img))
    ref_text, ref_runs = timed("referrals", referral_section, cfg, img)
    parts.append(ref_text)
    parts.append(timed("subsidy", subsidy_section, cfg, img))
    parts.append(timed("retention", retention_section, cfg, img))
    parts.append(timed("renewal", renewal_section, cfg, img, ref_runs))
    parts.append(timed("calibration", calibration_section, cfg, img))

    summary = "\n".join(cfg.summary)
    quick = (
        "\n\n> **Quick smoke run** (`--quick`): tiny populations and single seeds; the numbers"
        " are not evidence."
        if cfg.quick
        else ""
    )
    text = HEADER.format(quick=quick, summary=summary) + "\n".join(parts) + "\n" + REFERENCES
    # no timings in the file: the same code and seeds give the same report, byte for byte
    print(f"total {time.time() - t0:.0f} s on {cfg.jobs} process(es)")
    (out / "validation.md").write_text(text, encoding="utf-8")
    print(f"wrote {out / 'validation.md'} and {len(list(img.glob('validation-*.png')))} figures")


if __name__ == "__main__":
    main()
