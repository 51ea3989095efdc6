"""The Classroom outside the browser: the live lesson, its recorded playback (what the
browser animates), acting mid-run, and the stories' numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.dashboard import classroom, core, livenet
from sim.dashboard.classroom import ACTIONS, STORIES, Lesson, act, classroom_scenario, playback
from sim.dashboard.netview import STATES


def test_lesson_steps_resets_and_reuses_the_layout() -> None:
    lesson = Lesson(classroom_scenario("subsidy_group_buying", 300, 60), seed=0)
    xy = classroom.layout_for(lesson.model.graph)
    before = classroom.LAYOUTS_COMPUTED[0]
    assert lesson.day == 0 and lesson.counts()["active"] == 0
    assert lesson.step(5) == 5 and lesson.day == 5
    assert sum(lesson.counts().values()) == 300
    lesson.reset()
    assert lesson.day == 0
    lesson.run_to(70)
    assert lesson.day == 60 and lesson.finished  # never past the scenario's end
    assert classroom.layout_for(lesson.model.graph) is xy  # same graph: the layout is reused
    assert classroom.LAYOUTS_COMPUTED[0] == before
    assert xy.shape == (300, 2) and xy.min() >= 0 and xy.max() <= 1


def test_playback_replays_exactly_the_live_states() -> None:
    sc = classroom_scenario("symbiotic_partner", 400, 80)
    pb = classroom.record(sc, seed=2)
    lesson = Lesson(sc, seed=2)
    for day in (0, 1, 17, 80):
        lesson.run_to(day)
        np.testing.assert_array_equal(pb.states_on(day), lesson.states())
        counts = np.bincount(lesson.states(), minlength=len(STATES))
        np.testing.assert_array_equal(pb.counts[day], counts)
        assert pb.leaders_working[day] == int(lesson.model.leaders.active.sum())
    assert len(pb.texts) == 81 and pb.texts[0].startswith("Nothing has happened yet")
    assert pb.texts[10].startswith("**Day 10:**")
    changed = [int(i.size) for i, _ in pb.changes]
    assert 0 < sum(changed) < 400 * 80  # changes only, not every household every day
    h = pb.history(int(pb.changes[5][0][0]) if pb.changes[5][0].size else 0, 80)
    assert h[0][0] == 0 and all(a[0] < b[0] for a, b in zip(h, h[1:], strict=False))
    # each household's purchases are the transaction log's, and agree with the live model
    lesson.run_to(80)
    counts = [len(days) for days in pb.purchases]
    np.testing.assert_array_equal(counts, lesson.model.pop.purchases)
    buyer = int(np.argmax(counts))
    assert pb.purchases[buyer][-1] == int(lesson.model.pop.last_purchase[buyer])


@pytest.mark.parametrize("key", list(ACTIONS))
def test_acting_mid_run_changes_only_the_days_after(key: str) -> None:
    """Common random numbers: the edited run is the same market until the day of the action,
    so the picture can continue from there; after it, the action shows."""
    base = classroom_scenario("hybrid", 400, 120)
    day = 40  # while the town's leaders still work (a small town cannot keep them long)
    if not ACTIONS[key].available(base, day):
        base = classroom_scenario("symbiotic_partner", 400, 120)
    assert ACTIONS[key].available(base, day) or key == "restart_subsidy"
    if key == "restart_subsidy":  # needs a withdrawn subsidy first
        base = act(base, "stop_subsidy", 20)
    a, b = playback(base), playback(act(base, key, day))
    for d in (0, 15, day):
        np.testing.assert_array_equal(a.states_on(d), b.states_on(d))
    assert any(not np.array_equal(a.states_on(d), b.states_on(d)) for d in range(day + 1, 121))


def test_actions_apply_only_where_they_make_sense() -> None:
    sc = classroom_scenario("subsidy_group_buying", 300, 200)
    assert ACTIONS["stop_subsidy"].available(sc, 40)
    assert not ACTIONS["stop_subsidy"].available(sc, 120)  # it stopped on day 90
    assert ACTIONS["restart_subsidy"].available(sc, 120)
    stopped = act(sc, "stop_subsidy", 40)
    assert [(s.kind, s.day) for s in stopped.shocks] == [("subsidy_end", 40)]  # moved, not added
    back = act(sc, "restart_subsidy", 120)
    assert back.shocks[0].duration == 30  # withdrawn on days 90..119 only
    assert not ACTIONS["stop_partners"].available(sc, 10)
    started = act(sc, "start_partners", 10)
    assert started.policy.partner.enabled and started.policy.partner.start_day == 10
    with pytest.raises(ValueError, match="does not apply on day 120"):
        act(sc, "stop_subsidy", 120)


def test_the_browser_gets_compact_json_and_the_action_days() -> None:
    pb = playback(classroom_scenario("subsidy_group_buying", 1_500, 240))
    data = livenet.payload(pb, base="lesson-1")
    text = json.dumps(data)
    assert len(text) < 1_500_000  # one send per lesson, then nothing while playing
    assert data["n"] == 1_500 and len(data["counts"]) == 241 and len(data["changes"]) == 240
    assert len(data["xy"]) == 3_000 and max(data["xy"]) <= 10_000
    stop = next(a for a in data["actions"] if a["key"] == "stop_subsidy")
    assert stop["days"][:90] == "1" * 90 and stop["days"][90:] == "0" * 151
    assert [s["name"] for s in data["states"]] == list(STATES)


def test_today_text_says_what_happened_yesterday() -> None:
    lesson = Lesson(classroom_scenario("subsidy_group_buying", 400, 60))
    assert "press **Play**" in classroom.today_text(lesson)
    lesson.step(20)
    t = lesson.today()
    text = classroom.today_text(lesson)
    assert text.startswith(f"**Day 20:** {int(t['orders']):,} orders")
    assert "subsidy **on**" in text


@pytest.mark.parametrize("key", list(STORIES))
def test_stories_tell_numbers_from_the_model(key: str) -> None:
    story = STORIES[key]
    pb = playback(story.base(), 0, story.chapters)
    assert [c[0] for c in pb.chapters] == [c.day for c in story.chapters]
    texts = [text for _, _, text in pb.chapters]
    for day, _, text in pb.chapters:
        assert text.startswith(f"Day {day}"), text
    assert len(set(texts)) == len(texts)
    final_active = int(pb.counts[-1][2] + pb.counts[-1][3])
    assert f"{final_active:,}" in texts[-1]


@pytest.mark.parametrize("path", classroom.TUNABLE)
def test_a_tunable_policy_is_read_every_day(path: str) -> None:
    """Setting a value on the live model's day 0 is exactly the run with that value from
    the start: the mechanism reads it every day (never cached when the run starts), so a
    slider moved on day D means "from day D on"."""
    sc = classroom_scenario("symbiotic_partner", 300, 60)
    lv = core.LEVER_BY_PATH[path]
    value = float(lv.lo + 0.7 * (lv.hi - lv.lo))
    tuned = classroom.record(sc, tunes=((0, path, value),))
    direct = classroom.record(sc.with_overrides({path: value}))
    assert tuned.changes and all(
        np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
        for a, b in zip(tuned.changes, direct.changes, strict=True)
    )
    np.testing.assert_array_equal(tuned.counts, direct.counts)
    assert tuned.purchases == direct.purchases
    assert (
        sc.policy.model_dump()
        == classroom_scenario("symbiotic_partner", 300, 60).policy.model_dump()
    )


def test_tuning_mid_run_keeps_the_past_and_says_what_is_in_force() -> None:
    sc = classroom_scenario("subsidy_group_buying", 400, 120)
    a = playback(sc)
    b = playback(sc, tunes=((50, "policy.group_buying.discount", 0.1),))
    for d in (0, 30, 50):
        np.testing.assert_array_equal(a.states_on(d), b.states_on(d))
    assert any(not np.array_equal(a.states_on(d), b.states_on(d)) for d in range(51, 121))
    assert b.value_on("policy.group_buying.discount", 49) == sc.policy.group_buying.discount
    assert b.value_on("policy.group_buying.discount", 50) == 0.1
    data = livenet.payload(b, base="x")
    disc = next(t for t in data["tunables"] if t["path"] == "policy.group_buying.discount")
    assert disc["base"] == pytest.approx(100 * sc.policy.group_buying.discount)  # percent
    assert disc["changes"] == [[50, pytest.approx(10.0)]]
    with pytest.raises(ValueError, match="cannot be changed mid-run"):
        classroom.check_tune(sc, (10, "population.consumers", 5))
    with pytest.raises(ValueError, match="policy.group_buying.discount"):
        classroom.check_tune(sc, (10, "policy.group_buying.discount", 3.0))  # 300%
