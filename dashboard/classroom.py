"""The classroom: a small model run day by day, its recorded playback, and two stories.

A :class:`Lesson` holds one live :class:`~sim.model.SocialCommerceModel`. :func:`playback`
runs a lesson to its end once and records what the picture needs (each household's state
per day as changes, the counts, the day's story in words, each chapter's text), so the
browser can animate it smoothly without asking the server for every frame
(:mod:`sim.dashboard.livenet`). Every number a story tells is read from the running model,
never written into the text in advance: if a change to the model breaks the story, the
story says so.

*Acting mid-run* ("stop the subsidy now") is a scenario edit that takes effect on the day
shown: a shock on that day, or a policy window that opens or closes there (:data:`ACTIONS`).
*Tuning mid-run* (the group discount, the partner share…) sets a policy value from the day
shown on (:data:`TUNABLE`): the recording sets it on the live model's scenario that day,
which the mechanisms read every day (a test checks, for each, that setting it on day 0
gives exactly the run with that value from the start). Because every shock and mechanism
draws from its own random stream, the edited run is the same market as the original until
that day (common random numbers; a test checks it), so the picture simply continues from
the day the teacher acted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.dashboard.core import (
    CLASSROOM_MAX_CONSUMERS,
    TOWN,
    check_limits,
    default_shock,
    load_shipped,
)
from sim.dashboard.netview import STATES, community_layout, node_radius
from sim.model import SocialCommerceModel
from sim.network import SocialGraph
from sim.scenario import Scenario, validate_scenario
from sim.shocks import SHOCKS

DEFAULT_CONSUMERS = 1_500
DEFAULT_DAYS = 365


#: The classroom's clock. The shipped scenarios run a calibrated national market for years
#: (subsidies end after three years, the shocks strike in year four). A lesson is one year
#: in the dashboard's town (:data:`sim.dashboard.core.TOWN`), and what the shipped runs do
#: on day 1095 and day 1460 happens here on day 90 and day 200: the same mechanisms on a
#: clock a class can watch.
CLASSROOM_CLOCK: dict[int, int] = {1095: 90, 1460: 200}


def on_classroom_clock(sc: Scenario) -> Scenario:
    """The scenario with its shipped policy switch days and shock days moved by
    :data:`CLASSROOM_CLOCK` (other days are kept as they are)."""
    data = sc.to_dict()
    for shock in data.get("shocks") or []:
        shock["day"] = CLASSROOM_CLOCK.get(shock["day"], shock["day"])
    for mech in (data.get("policy") or {}).values():
        if isinstance(mech, dict):
            for key in ("start_day", "end_day"):
                if mech.get(key) in CLASSROOM_CLOCK:
                    mech[key] = CLASSROOM_CLOCK[mech[key]]
    return validate_scenario(data)


def classroom_scenario(
    name: str, consumers: int = DEFAULT_CONSUMERS, days: int = DEFAULT_DAYS
) -> Scenario:
    """A shipped scenario at classroom size, in the dashboard's town and on the classroom's
    clock (:data:`~sim.dashboard.core.TOWN`, :data:`CLASSROOM_CLOCK`; limits checked: at
    most 2,000 consumers)."""
    sc = on_classroom_clock(load_shipped(name)).with_overrides(
        {**TOWN, "population.consumers": consumers, "days": days}
    )
    check_limits(
        sc, max_consumers=CLASSROOM_MAX_CONSUMERS, where="the classroom page", shipped_name=name
    )
    return sc


def graph_digest(graph: SocialGraph) -> str:
    """Identifies a graph by content, so its layout is computed once however it is built."""
    import hashlib

    h = hashlib.sha1()
    for a in (graph.indptr, graph.indices, graph.community, graph.leaders):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


_layouts: OrderedDict[str, np.ndarray] = OrderedDict()
_layouts_lock = threading.Lock()
LAYOUTS_COMPUTED = [0]  # how many layouts this process computed (tests read it)


def layout_for(graph: SocialGraph) -> np.ndarray:
    """The picture's node positions for a graph, computed once per graph content."""
    key = graph_digest(graph)
    with _layouts_lock:
        if key in _layouts:
            _layouts.move_to_end(key)
            return _layouts[key]
    xy = community_layout(graph)
    with _layouts_lock:
        LAYOUTS_COMPUTED[0] += 1
        _layouts[key] = xy
        while len(_layouts) > 16:
            _layouts.popitem(last=False)
    return xy


@dataclass
class Lesson:
    """A live model for the classroom; ``step`` advances it one day at a time."""

    scenario: Scenario
    seed: int = 0
    model: SocialCommerceModel = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.model = SocialCommerceModel(self.scenario, seed=self.seed)

    @property
    def day(self) -> int:
        return int(self.model.day)

    @property
    def days(self) -> int:
        return int(self.scenario.days)

    @property
    def finished(self) -> bool:
        return self.day >= self.days

    def step(self, days: int = 1) -> int:
        """Advance up to ``days`` days (not past the scenario's end); return days advanced."""
        n = max(0, min(int(days), self.days - self.day))
        for _ in range(n):
            self.model.step()
        return n

    def run_to(self, day: int) -> None:
        """Go to ``day`` (rebuilding from day 0 when it lies in the past)."""
        day = max(0, min(int(day), self.days))
        if day < self.day:
            self.reset()
        self.step(day - self.day)

    def states(self) -> np.ndarray:
        return self.model.pop.state_codes(self.day - 1, self.scenario.population.churn_window)

    def counts(self) -> dict[str, int]:
        c = np.bincount(self.states(), minlength=len(STATES))
        return {name: int(c[i]) for i, name in enumerate(STATES)}

    def daily(self) -> pd.DataFrame:
        df = self.model.datacollector.get_model_vars_dataframe()
        df.index = pd.RangeIndex(len(df), name="day")
        return df

    def today(self) -> dict[str, float]:
        """Yesterday's (the last simulated day's) numbers; empty before day 1."""
        return dict(self.model.today) if self.day > 0 else {}


def today_text(lesson: Lesson) -> str:
    """What happened on the last simulated day, in words (Markdown bold for the key words)."""
    t = lesson.today()
    if not t:
        return "Nothing has happened yet: press **Play**, or **Step** one day at a time."
    parts = [
        f"**Day {lesson.day}:** {int(t['orders']):,} orders "
        f"({int(t['group_orders']):,} in groups, {int(t['leader_orders']):,} through leaders), "
        f"{int(t['new_customers']):,} first-time buyers, {int(t['churned']):,} customers lapsed"
    ]
    if t.get("groups_opened") or t.get("groups_failed"):
        parts.append(
            f"{int(t['groups_succeeded']):,} groups completed, {int(t['groups_failed']):,} failed"
        )
    if t.get("new_partners"):
        parts.append(f"{int(t['new_partners']):,} new partners")
    if t.get("referrals_made"):
        parts.append(f"{int(t['referrals_made']):,} referrals")
    if lesson.scenario.policy.group_buying.enabled:
        parts.append("subsidy **on**" if t.get("subsidy_on") else "subsidy **off**")
    shocks = [
        SHOCKS[s.kind].label.lower()
        for s in lesson.scenario.shocks
        if s.active(lesson.day - 1) and s.kind != "subsidy_end"
    ]
    if shocks:
        parts.append("shock: " + ", ".join(shocks))
    return "; ".join(parts) + "."


# --------------------------------------------------------------------------- acting mid-run
@dataclass(frozen=True)
class Action:
    """A change a teacher makes on the day shown; ``available`` says when it makes sense."""

    key: str
    label: str
    help: str
    available: Callable[[Scenario, int], bool]
    apply: Callable[[Scenario, int], Scenario]


def _withdrawing(sc: Scenario, day: int) -> Any:
    return next((s for s in sc.shocks if s.kind == "subsidy_end" and s.active(day)), None)


def _stop_subsidy(sc: Scenario, day: int) -> Scenario:
    shocks = [s.model_dump() for s in sc.shocks]
    later = next(
        (i for i, s in enumerate(sc.shocks) if s.kind == "subsidy_end" and s.day > day), None
    )
    if later is not None:  # the planned end comes now instead
        shocks[later]["day"] = day
    else:
        shocks.append({"kind": "subsidy_end", "day": day, "duration": None})
    return sc.with_overrides({"shocks": shocks})


def _restart_subsidy(sc: Scenario, day: int) -> Scenario:
    shocks = []
    for s in sc.shocks:
        d = s.model_dump()
        if s.kind == "subsidy_end" and s.active(day):
            if s.day >= day:
                continue
            d["duration"] = day - s.day
        shocks.append(d)
    return sc.with_overrides({"shocks": shocks})


def _add_shock(kind: str) -> Callable[[Scenario, int], Scenario]:
    def apply(sc: Scenario, day: int) -> Scenario:
        new = {**default_shock(kind), "day": day}
        return sc.with_overrides({"shocks": [*[s.model_dump() for s in sc.shocks], new]})

    return apply


def _no_active(kind: str) -> Callable[[Scenario, int], bool]:
    return lambda sc, day: not any(s.kind == kind and s.active(day) for s in sc.shocks)


def _partners_can_start(sc: Scenario, day: int) -> bool:
    p = sc.policy.partner
    return not p.on(day) and (not p.enabled or p.start_day > day)


def _start_partners(sc: Scenario, day: int) -> Scenario:
    return sc.with_overrides(
        {
            "policy.partner.enabled": True,
            "policy.partner.start_day": day,
            "policy.partner.end_day": None,
        }
    )


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        Action(
            "stop_subsidy",
            "Stop the subsidy now",
            "Platform-funded discounts and coupons stop from this day on.",
            lambda sc, d: sc.policy.group_buying.enabled and _withdrawing(sc, d) is None,
            _stop_subsidy,
        ),
        Action(
            "restart_subsidy",
            "Bring the subsidy back",
            "The platform funds group discounts and coupons again from this day on.",
            lambda sc, d: sc.policy.group_buying.enabled and _withdrawing(sc, d) is not None,
            _restart_subsidy,
        ),
        Action(
            "start_partners",
            "Start the partner program now",
            "Customers may become partners and earn from referrals and posts from this day.",
            _partners_can_start,
            _start_partners,
        ),
        Action(
            "stop_partners",
            "Stop the partner program now",
            "No more partner rewards from this day on.",
            lambda sc, d: sc.policy.partner.on(d),
            lambda sc, d: sc.with_overrides({"policy.partner.end_day": d}),
        ),
        Action(
            "competitor",
            "A competitor attacks now",
            "A subsidised rival: the outside option gains utility for "
            f"{default_shock('competitor_entry')['duration']} days.",
            _no_active("competitor_entry"),
            _add_shock("competitor_entry"),
        ),
        Action(
            "exodus",
            "Leaders walk out now",
            f"{100 * default_shock('leader_exodus')['magnitude']:.0f}% of the leaders quit at once.",
            lambda sc, d: sc.policy.leaders.enabled,
            _add_shock("leader_exodus"),
        ),
    )
}


#: Policy values a teacher may change from the day shown (sliders in the view); each is read
#: by its mechanism every day, never cached when the run starts.
TUNABLE: tuple[str, ...] = (
    "policy.group_buying.discount",
    "policy.group_buying.subsidy_share",
    "policy.partner.share",
    "policy.leaders.commission",
)

Tune = tuple[int, str, float]  # (day, dotted path, value as the scenario stores it)


def check_tune(sc: Scenario, tune: Tune) -> Tune:
    """A tune as a valid (day, path, value): a tunable path, a day within the run, a value
    the schema accepts (ValueError / ScenarioError naming the field otherwise)."""
    day, path, value = int(tune[0]), str(tune[1]), float(tune[2])
    if path not in TUNABLE:
        raise ValueError(f"tune: {path} cannot be changed mid-run (choose {', '.join(TUNABLE)})")
    if not 0 <= day <= sc.days:
        raise ValueError(f"tune: day must be 0..{sc.days} (got {day})")
    sc.with_overrides({path: value})  # the schema's own check of the value
    return day, path, value


def _get_path(sc: Scenario, path: str) -> Any:
    obj: Any = sc
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _set_live(model: SocialCommerceModel, path: str, value: float) -> None:
    obj: Any = model.scenario
    parts = path.split(".")
    for part in parts[:-1]:
        obj = getattr(obj, part)
    setattr(obj, parts[-1], value)  # validated on assignment (the schema is strict)


def act(sc: Scenario, key: str, day: int) -> Scenario:
    """The scenario with action ``key`` taken on ``day`` (ValueError if it does not apply)."""
    action = ACTIONS[key]
    if not action.available(sc, day):
        raise ValueError(f"action: {action.label.lower()} does not apply on day {day}")
    edited = action.apply(sc, day)
    return edited.with_overrides({"name": sc.name})


# --------------------------------------------------------------------------- recorded runs
@dataclass(frozen=True)
class Playback:
    """A whole lesson recorded for the browser: states as changes, counts, texts."""

    scenario: Scenario
    seed: int
    tunes: tuple[Tune, ...]  # policy values changed mid-run (day, path, value)
    xy: np.ndarray  # (n, 2) positions in [0, 1]
    radius: float  # node radius as a share of the picture's side
    graph: SocialGraph
    segment: np.ndarray  # per household, index into segment_names
    segment_names: tuple[str, ...]
    states0: np.ndarray  # day 0
    changes: list[tuple[np.ndarray, np.ndarray]]  # day d (1..days): who changed, to what
    counts: np.ndarray  # (days + 1, len(STATES))
    leaders_working: np.ndarray  # (days + 1,)
    leaders_quit: list[np.ndarray]  # day d: leader indices who quit that day
    texts: list[str]  # day d: what happened on the last simulated day
    chapters: list[tuple[int, str, str]]  # (day, title, text) for a story
    purchases: list[list[int]]  # per household: the days it bought (the transaction log)

    @property
    def days(self) -> int:
        return int(self.scenario.days)

    def states_on(self, day: int) -> np.ndarray:
        """Every household's state code after ``day`` days (replaying the changes)."""
        st = self.states0.copy()
        for idx, new in self.changes[: max(0, min(day, self.days))]:
            st[idx] = new
        return st

    def value_on(self, path: str, day: int) -> float:
        """A tunable policy value in force on ``day`` (the scenario's, or the last tune;
        ``day=-1``: the scenario's own)."""
        value = float(_get_path(self.scenario, path))
        for d, p, v in self.tunes:
            if p == path and d <= day:
                value = v
        return value

    def history(self, household: int, day: int) -> list[tuple[int, str]]:
        """A household's state changes up to ``day``: (day, state name), first day 0."""
        out = [(0, STATES[int(self.states0[household])])]
        for d, (idx, new) in enumerate(self.changes[:day], start=1):
            hit = np.flatnonzero(idx == household)
            if len(hit):
                out.append((d, STATES[int(new[hit[0]])]))
        return out


def record(
    sc: Scenario, seed: int = 0, chapters: tuple[Chapter, ...] = (), tunes: tuple[Tune, ...] = ()
) -> Playback:
    """Run ``sc`` to its end once and keep what the picture and the texts need; each tune
    ``(day, path, value)`` sets that policy value on the day's start."""
    # the live model's scenario is changed by the tunes: a copy, never the caller's
    lesson = Lesson(Scenario.model_validate(sc.to_dict()) if tunes else sc, seed)
    model = lesson.model
    todo = sorted(tunes)

    def retune() -> None:
        while todo and todo[0][0] <= lesson.day:
            _, path, value = todo.pop(0)
            _set_live(model, path, value)

    xy = layout_for(model.graph)
    pending = sorted(chapters, key=lambda c: c.day)
    told: list[tuple[int, str, str]] = []

    def tell() -> None:
        while pending and pending[0].day <= lesson.day:
            ch = pending.pop(0)
            told.append((ch.day, ch.title, ch.text(lesson)))

    prev = lesson.states().astype(np.int8)
    states0 = prev.copy()
    counts = [np.bincount(prev, minlength=len(STATES))]
    working = [int(model.leaders.active.sum())]
    prev_active = model.leaders.active.copy()
    changes, quits, texts = [], [], [today_text(lesson)]
    tell()
    while not lesson.finished:
        retune()
        lesson.step(1)
        cur = lesson.states().astype(np.int8)
        idx = np.flatnonzero(cur != prev).astype(np.int32)
        changes.append((idx, cur[idx].copy()))
        counts.append(np.bincount(cur, minlength=len(STATES)))
        act_now = model.leaders.active
        quits.append(np.flatnonzero(prev_active & ~act_now).astype(np.int32))
        working.append(int(act_now.sum()))
        prev_active = act_now.copy()
        texts.append(today_text(lesson))
        tell()
        prev = cur
    pop = model.pop
    log = model.transactions.frame(pop)  # the run's transaction log: one row per purchase
    bought: list[list[int]] = [[] for _ in range(len(states0))]
    for consumer, day in zip(log["consumer"].to_numpy(), log["day"].to_numpy(), strict=True):
        if consumer < len(bought):
            bought[int(consumer)].append(int(day))
    return Playback(
        scenario=sc,
        seed=seed,
        tunes=tuple(sorted(tunes)),
        xy=xy,
        radius=node_radius(xy),
        graph=model.graph,
        segment=np.asarray(pop.segment).copy(),
        segment_names=tuple(pop.segment_names),
        states0=states0,
        changes=changes,
        counts=np.asarray(counts, np.int64),
        leaders_working=np.asarray(working, np.int64),
        leaders_quit=quits,
        texts=texts,
        chapters=told,
        purchases=[sorted(b) for b in bought],
    )


_playbacks: OrderedDict[tuple[Any, ...], Playback] = OrderedDict()
_playbacks_lock = threading.Lock()
RECORDED = [0]  # recordings this process made (tests read it)


def playback(
    sc: Scenario, seed: int = 0, chapters: tuple[Chapter, ...] = (), tunes: tuple[Tune, ...] = ()
) -> Playback:
    """:func:`record`, once per scenario, seed, story and tunes (shared by every session)."""
    tunes = tuple(sorted(tunes))
    key = (sc.key(seed), tuple(c.title for c in chapters), tunes)
    with _playbacks_lock:
        if key in _playbacks:
            _playbacks.move_to_end(key)
            return _playbacks[key]
    pb = record(sc, seed, chapters, tunes)
    with _playbacks_lock:
        RECORDED[0] += 1
        _playbacks[key] = pb
        while len(_playbacks) > 24:
            _playbacks.popitem(last=False)
    return pb


# --------------------------------------------------------------------------- explanations
MECHANISMS: tuple[tuple[str, str], ...] = (
    (
        "Awareness",
        "Grey consumers have never heard of the platform. They turn yellow (aware) through "
        "ads, through friends who buy (word of mouth), through posts they see, through an "
        "invitation to join a group, or through their neighbourhood leader.",
    ),
    (
        "Buying and the churn window",
        "Each day an aware consumer may need something and chooses where to buy: alone, in "
        "a group, through the leader, or elsewhere. Whoever bought in the last 30 days is "
        "blue (active). A customer who has not bought for 30 days turns red (lapsed).",
    ),
    (
        "Group buying (拼团)",
        "A buyer opens a group and invites neighbours; if enough join in time the group "
        "price unlocks, otherwise the group fails and disappoints. While the platform "
        "subsidises the discount the deal is very cheap — and it attracts the most "
        "price-sensitive shoppers.",
    ),
    (
        "Leaders (团长)",
        "The square in each neighbourhood is its leader. Leaders collect orders and earn a "
        "commission. A leader whose income stays below their outside wage gives up: the "
        "square turns hollow and the neighbourhood loses its pick-up point.",
    ),
    (
        "Partners (共生)",
        "Purple consumers are partners: they earn a share of what the friends they referred "
        "spend, and rewards for useful posts. Taking part — referring, reviewing, "
        "co-creating — builds attachment; a purchase that was only cheap builds none.",
    ),
    (
        "Attachment and outside offers",
        "Attachment makes a consumer ignore a competitor's cheaper offer. A referred "
        "friend also stays while their referrer stays, so loyalty spreads along the "
        "referral links — and so can churn.",
    ),
)


# --------------------------------------------------------------------------- stories
@dataclass(frozen=True)
class Chapter:
    day: int
    title: str
    text: Callable[[Lesson], str]


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    scenario: str
    consumers: int
    days: int
    intro: str
    chapters: tuple[Chapter, ...]

    def base(self) -> Scenario:
        return classroom_scenario(self.scenario, self.consumers, self.days)

    def lesson(self, seed: int = 0) -> Lesson:
        return Lesson(self.base(), seed)


def _active_on(lesson: Lesson, day: int) -> int:
    d = lesson.daily()
    return int(d["active"].iloc[min(day, len(d) - 1)]) if len(d) else 0


def _segment_share(lesson: Lesson, mask: np.ndarray, segment: str) -> float:
    pop = lesson.model.pop
    names = list(pop.segment_names)
    if segment not in names or not mask.any():
        return float("nan")
    return float((pop.segment[mask] == names.index(segment)).mean())


def _pct(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{100 * x:.0f}%"


def _signed_pct(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{100 * x:+.0f}%"


def _money(x: float) -> str:
    return f"a profit of ¥{x:,.0f}" if x >= 0 else f"a loss of ¥{-x:,.0f}"


def _subsidy_day(lesson: Lesson) -> int:
    s = next((s for s in lesson.scenario.shocks if s.kind == "subsidy_end"), None)
    return s.day if s else lesson.days


def _competitor(lesson: Lesson) -> Any:
    return next((s for s in lesson.scenario.shocks if s.kind == "competitor_entry"), None)


def _s_start(lesson: Lesson) -> str:
    c = lesson.counts()
    gb = lesson.scenario.policy.group_buying
    return (
        f"Day 0. {lesson.model.n:,} households in {lesson.model.graph.n_communities} "
        f"neighbourhoods, each with a leader (squares). {c['aware']:,} have heard of the "
        "platform (yellow); nobody has bought yet. A group of "
        f"{gb.group_size} buys {100 * gb.discount:.0f}% below list price, the platform paying "
        f"{100 * gb.subsidy_share:.0f}% of that discount, and newcomers get a "
        f"{100 * gb.new_user_coupon:.0f}% coupon."
    )


def _s_boom(lesson: Lesson) -> str:
    d = lesson.daily()
    c = lesson.counts()
    groups = int(d["groups_succeeded"].sum())
    return (
        f"Day {lesson.day}. Cheap groups spread from friend to friend: {groups:,} groups have "
        f"formed and {c['active']:,} households are active (blue). The platform has already "
        f"spent ¥{d['subsidy_spend'].sum():,.0f} on subsidies for "
        f"¥{d['commissions'].sum():,.0f} of commission."
    )


def _s_peak(lesson: Lesson) -> str:
    pop = lesson.model.pop
    active = pop.active(lesson.day - 1, lesson.scenario.population.churn_window)
    bought = int(pop.purchases.sum())
    subsidised = float(pop.subsidised_purchases.sum() / bought) if bought else float("nan")
    return (
        f"Day {lesson.day}: the eve of the subsidy's end. {int(active.sum()):,} households are "
        f"active — it looks like loyalty. But {_pct(subsidised)} of all purchases so far were "
        "subsidised, and a purchase that is only cheap builds no attachment: mean attachment "
        f"is {lesson.model.today.get('mean_attachment', 0):.2f} (on a 0–1 scale)."
    )


def _s_drop(lesson: Lesson) -> str:
    stop = _subsidy_day(lesson)
    before, now = _active_on(lesson, stop - 1), _active_on(lesson, lesson.day - 1)
    pop = lesson.model.pop
    lapsed = pop.lapsed(lesson.day - 1, lesson.scenario.population.churn_window)
    change = (now - before) / before if before else float("nan")
    among_lapsed = _segment_share(lesson, lapsed, "price_hunter")
    overall = _segment_share(lesson, np.ones(pop.n, bool), "price_hunter")
    if np.isfinite(among_lapsed) and among_lapsed > overall + 0.03:
        who = (
            f"{_pct(among_lapsed)} of them are price hunters, who make up only "
            f"{_pct(overall)} of the town: the discount had drawn the shoppers who leave first "
            "when the price goes up."
        )
    else:
        who = (
            f"{_pct(among_lapsed)} of them are price hunters ({_pct(overall)} of the town), "
            "so in this run the exit hit every kind of shopper alike."
        )
    return (
        f"Day {lesson.day}. The subsidy stopped on day {stop}. Active households went from "
        f"{before:,} to {now:,} ({_signed_pct(change)}). {int(lapsed.sum()):,} customers have "
        f"lapsed (red); {who}"
    )


def _s_after(lesson: Lesson) -> str:
    lb = lesson.model.leaders
    quit_ = int((~lb.active).sum())
    d = lesson.daily()
    if quit_:
        leaders = (
            f"{quit_} of {lb.n} leaders have quit (hollow squares) because their commissions "
            "fell below what they could earn elsewhere, and their neighbourhoods lost a "
            "pick-up point."
        )
    else:
        leaders = f"All {lb.n} leaders are still working."
    return (
        f"Day {lesson.day}. {_active_on(lesson, lesson.day - 1):,} households are still active. "
        f"{leaders} Over the run the platform booked {_money(d['platform_profit'].sum())} "
        f"after ¥{d['subsidy_spend'].sum():,.0f} of subsidies. Try it yourself: go to Explore "
        "and change the subsidy depth or its end day."
    )


def _p_start(lesson: Lesson) -> str:
    sc = lesson.scenario.policy.partner
    return (
        f"Day 0. The same town, a different deal: no deep subsidy, but every customer may "
        f"become a partner and earn {100 * sc.share:.0f}% of what the friends they refer "
        f"spend, ¥{sc.referral_bonus:g} per new customer, and rewards for useful posts."
        + (
            " The ledger of who earned what is public."
            if lesson.scenario.policy.ledger.transparent
            else ""
        )
    )


def _p_first(lesson: Lesson) -> str:
    d = lesson.daily()
    pop = lesson.model.pop
    return (
        f"Day {lesson.day}. {int(pop.partner.sum()):,} customers have become partners (purple) "
        f"and made {int(d['referrals_made'].sum()):,} referrals; "
        f"{_active_on(lesson, lesson.day - 1):,} households are active. Growth comes from "
        "friends and posts rather than from discounts."
    )


def _attachment_gap(lesson: Lesson) -> tuple[float, float]:
    pop = lesson.model.pop
    cust = pop.purchases > 0
    part = cust & pop.partner
    other = cust & ~pop.partner
    a = float(pop.attachment[part].mean()) if part.any() else float("nan")
    b = float(pop.attachment[other].mean()) if other.any() else float("nan")
    return a, b


def _p_grow(lesson: Lesson) -> str:
    pop = lesson.model.pop
    cust = pop.purchases > 0
    referred = float((pop.referrer[cust] >= 0).mean()) if cust.any() else float("nan")
    a, b = _attachment_gap(lesson)
    return (
        f"Day {lesson.day}. {_pct(referred)} of customers came through a partner's referral. "
        "Referring, reviewing and earning are acts of participation: partners' attachment "
        f"averages {a:.2f}, other customers' {b:.2f}. A referred friend is also better matched "
        "— the referrer knew what they needed."
    )


def _active_rates(lesson: Lesson) -> tuple[float, float]:
    pop = lesson.model.pop
    active = pop.active(lesson.day - 1, lesson.scenario.population.churn_window)
    cust = pop.purchases > 0
    part, other = cust & pop.partner, cust & ~pop.partner
    return (
        float(active[part].mean()) if part.any() else float("nan"),
        float(active[other].mean()) if other.any() else float("nan"),
    )


def _p_attack(lesson: Lesson) -> str:
    comp = _competitor(lesson)
    start = comp.day if comp else lesson.day
    before, now = _active_on(lesson, start - 1), _active_on(lesson, lesson.day - 1)
    p, o = _active_rates(lesson)
    change = (now - before) / before if before else float("nan")
    if np.isfinite(p) and np.isfinite(o) and p > o + 0.03:
        why = (
            "attachment blunts the cheaper offer, and friends stay while the partner who "
            "brought them stays."
        )
    else:
        why = "in this run partnership did not protect its members from the cheaper offer."
    return (
        f"Day {lesson.day}. On day {start} a competitor started subsidising its prices. "
        f"Active households went from {before:,} to {now:,} ({_signed_pct(change)}). Right "
        f"now {_pct(p)} of partners are active against {_pct(o)} of other customers: {why}"
    )


def _p_after(lesson: Lesson) -> str:
    comp = _competitor(lesson)
    d = lesson.daily()
    end = comp.day + (comp.duration or 0) if comp else lesson.day
    return (
        f"Day {lesson.day}. The competitor stopped on day {end}. "
        f"{_active_on(lesson, lesson.day - 1):,} households are active. Partners were paid "
        f"¥{d['rewards_paid'].sum():,.0f} in rewards — a real cost, already counted in the "
        f"platform's result over the run ({_money(d['platform_profit'].sum())}). "
        "Where does the story break? Try a tiny partner share, or a town of price hunters, "
        "in Explore."
    )


STORIES: dict[str, Story] = {
    "subsidy": Story(
        key="subsidy",
        title="What happens when the subsidy stops",
        scenario="subsidy_group_buying",
        consumers=DEFAULT_CONSUMERS,
        days=240,
        intro=(
            "A group-buying platform grows on deep, platform-paid discounts, then stops "
            "paying on day 90. Watch who comes, who stays and who leaves."
        ),
        chapters=(
            Chapter(0, "A new platform arrives", _s_start),
            Chapter(40, "Cheap groups spread", _s_boom),
            Chapter(89, "The peak", _s_peak),
            Chapter(130, "The subsidy stops", _s_drop),
            Chapter(240, "After the boom", _s_after),
        ),
    ),
    "partners": Story(
        key="partners",
        title="How partners keep each other",
        scenario="symbiotic_competitor",
        consumers=DEFAULT_CONSUMERS,
        days=365,
        intro=(
            "A platform shares its income with customers who bring friends and write useful "
            "posts. On day 200 a competitor attacks with subsidised prices for 90 days."
        ),
        chapters=(
            Chapter(0, "A different deal", _p_start),
            Chapter(60, "The first partners", _p_first),
            Chapter(180, "Partners bring friends", _p_grow),
            Chapter(250, "A competitor attacks", _p_attack),
            Chapter(365, "After the attack", _p_after),
        ),
    ),
}
