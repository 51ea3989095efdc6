"""An open market: households move into the market and out of it over the run.

``population.consumers`` is every household that lives in the market at some point of the
run. At day 0 only N0 of them are present; the others arrive over the run and present
households leave, so that the number present grows at the net rate ``growth`` a year while
``exit_rate`` of them move away each year:

    N(t) = N0 exp(g t),   entries per day (g + x) N(t),   stays ~ Exponential(x),

with g = ln(1 + growth) / 365 and x = -ln(1 - exit_rate) / 365 per day, and N0 chosen so
that the households present at day 0 and those arriving before the end add up to
``population.consumers``. Who arrives is a random draw over the whole network, so
newcomers settle in every neighbourhood. A newcomer is unaware of the platform; a household
that leaves stops buying (its purchase history stays in the log). Entry and exit days are
drawn once, at the start, from the mechanism's own stream.
"""

from __future__ import annotations

import math

import numpy as np

from sim.columns import column
from sim.day import Today
from sim.mechanisms.base import Mechanism, register

NEVER = np.iinfo(np.int32).max

for _c in (
    ("entrants", "count", "Households that moved into the market today."),
    ("leavers", "count", "Households that moved out of the market today."),
):
    column(*_c)


def initial_share(growth: float, exit_rate: float, days: int) -> float:
    """N0 / (all households over the run) for yearly net ``growth`` and ``exit_rate``."""
    g = math.log1p(growth) / 365.0
    x = -math.log1p(-exit_rate) / 365.0 if exit_rate < 1 else 1.0
    gross = g + x
    arrivals = gross * days if abs(g) < 1e-12 else gross * math.expm1(g * days) / g
    return 1.0 / (1.0 + max(arrivals, 0.0))


def draw_stays(
    n: int, days: int, growth: float, exit_rate: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Entry and exit day of each of ``n`` households (NEVER: not within the run)."""
    g = math.log1p(growth) / 365.0
    x = -math.log1p(-exit_rate) / 365.0 if exit_rate < 1 else 1.0
    n0 = max(1, min(n, round(n * initial_share(growth, exit_rate, days))))
    order = rng.permutation(n)
    entry = np.zeros(n, np.int64)
    u = rng.random(n - n0)
    # the density of arrival days grows as exp(g t) on [0, days)
    t = u * days if abs(g) < 1e-12 else np.log1p(u * math.expm1(g * days)) / g
    entry[order[n0:]] = np.minimum(np.floor(t).astype(np.int64) + 1, max(days - 1, 1))
    stay = rng.exponential(1.0 / x, n) if x > 0 else np.full(n, np.inf)
    exit_day = entry + np.ceil(stay)
    exit_day = np.where(exit_day < days, exit_day, NEVER).astype(np.int64)
    return entry, exit_day


@register
class OpenMarket(Mechanism):
    name = "market"
    order = 5
    section = "market"
    label = "open market (households move in and out)"
    summary = (
        "Households enter the market over the run (market growth) and move away, so a steady "
        "state has real acquisition and real exits."
    )

    def __init__(self, model) -> None:  # noqa: ANN001 - the model
        super().__init__(model)
        pop, days = model.pop, model.scenario.days
        self.enabled = bool(self.cfg.enabled)
        self.left_on: dict[int, np.ndarray] = {}  # day -> households that moved away
        if not self.enabled:
            return
        entry, exit_day = draw_stays(model.n, days, self.cfg.growth, self.cfg.exit_rate, self.rng)
        later = np.flatnonzero(entry > 0)
        pop.present[later] = False
        pop.aware[later] = False  # newcomers have not heard of the platform yet
        pop.aware_day[later] = -1
        pop.aware_channel[later] = -1
        self._arrive = _by_day(entry, later)
        self._leave = _by_day(exit_day, np.flatnonzero(exit_day < NEVER))

    def start_day(self, today: Today) -> None:
        if not self.enabled:
            return
        arriving = self._arrive.pop(today.day, None)
        leaving = self._leave.pop(today.day, None)
        idx, pop = self.model.index, self.model.pop
        if arriving is not None:
            pop.present[arriving] = True
            idx.entered(arriving)
        if leaving is not None:
            leaving = leaving[pop.present[leaving]]
            pop.present[leaving] = False
            idx.left(leaving)
            self.left_on[today.day] = leaving
        today.row["entrants"] = 0 if arriving is None else len(arriving)
        today.row["leavers"] = 0 if leaving is None else len(leaving)


def _by_day(day: np.ndarray, who: np.ndarray) -> dict[int, np.ndarray]:
    """Consumers ``who`` grouped by ``day[who]`` (ascending ids within a day)."""
    if not len(who):
        return {}
    d = day[who]
    order = np.argsort(d, kind="stable")
    d, who = d[order], who[order]
    cuts = np.flatnonzero(np.diff(d)) + 1
    return {int(g[0]): w for g, w in zip(np.split(d, cuts), np.split(who, cuts), strict=True)}
