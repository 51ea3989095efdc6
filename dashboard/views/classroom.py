"""Classroom: watch the network day by day, with plain-language explanations and stories."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sim.dashboard import core, ui
from sim.dashboard.classroom import (
    DEFAULT_CONSUMERS,
    MECHANISMS,
    STORIES,
    Lesson,
    classroom_scenario,
)
from sim.dashboard.netview import STATE_COLOURS, STATES, legend_html

PAGE = "classroom"
FREE = "free"
MODES = {FREE: "Free play", **{k: f"Story: {s.title}" for k, s in STORIES.items()}}
SPEEDS = [1, 2, 5, 10, 30]
TICK_SECONDS = 0.5

ss = st.session_state
widget_keys = ["cl_mode", "cl_scenario", "cl_consumers", "cl_seed", "cl_days", "cl_speed"]
widget_keys += [f"cl_chapter_{k}" for k in STORIES]
ui.restore_widgets(PAGE, widget_keys)
names = list(core.shipped())

# --------------------------------------------------------------------------- first visit: URL
if "cl_init" not in ss:
    ss.cl_init = True
    q = st.query_params.to_dict()
    ss.cl_mode = q.get("mode", FREE) if q.get("mode", FREE) in MODES else FREE
    ss.cl_scenario = q.get("scenario", "subsidy_group_buying")
    if ss.cl_scenario not in names:
        st.error(f"scenario: unknown shipped scenario {ss.cl_scenario!r} in the link.")
        ss.cl_scenario = "subsidy_group_buying"
    for key, param, default in (
        ("cl_consumers", "n", DEFAULT_CONSUMERS),
        ("cl_seed", "seed", 0),
        ("cl_days", "days", 365),
    ):
        try:
            ss[key] = int(q.get(param, default))
        except ValueError:
            st.error(f"{param}: must be a whole number (got {q[param]!r}); using {default}.")
            ss[key] = default
    if ss.cl_mode in STORIES:
        chapters = STORIES[ss.cl_mode].chapters
        try:
            idx = int(q.get("chapter", 1)) - 1
        except ValueError:
            idx = 0
        ss[f"cl_chapter_{ss.cl_mode}"] = chapters[min(max(idx, 0), len(chapters) - 1)].title
if "cl_speed" not in ss:
    speed = st.query_params.get("speed", "2")
    ss.cl_speed = int(speed) if speed.isdigit() and int(speed) in SPEEDS else 2
ss.setdefault("cl_playing", False)

st.title("Classroom")
st.caption(
    "Each dot is a household, each square a neighbourhood leader (团长). Press play, or step "
    "through a day at a time, and watch how the platform spreads, holds or loses them."
)

mode = st.radio("What to show", list(MODES), format_func=MODES.get, key="cl_mode", horizontal=True)

# --------------------------------------------------------------------------- the lesson
lesson_key = None
story = STORIES.get(mode)
with ui.input_errors() as failed:
    if story is None:
        with st.expander("Settings", expanded=False, icon=":material/settings:"):
            c1, c2, c3, c4 = st.columns(4)
            c1.selectbox("Scenario", names, key="cl_scenario")
            c2.number_input(
                f"Households (≤ {core.CLASSROOM_MAX_CONSUMERS:,})", step=100, key="cl_consumers"
            )
            c3.number_input("Days", step=30, key="cl_days")
            c4.number_input("Seed", step=1, key="cl_seed")
        seed = core.check_seed(ss.cl_seed)
        sc = classroom_scenario(ss.cl_scenario, int(ss.cl_consumers), int(ss.cl_days))
        lesson_key = ("free", sc.key(seed))
        params = {
            "mode": FREE,
            "scenario": ss.cl_scenario,
            "n": str(ss.cl_consumers),
            "days": str(ss.cl_days),
            "seed": str(seed),
        }
    else:
        lesson_key = ("story", story.key)
if failed:
    ui.remember_widgets(PAGE, widget_keys)
    st.stop()

if ss.get("cl_lesson_key") != lesson_key:
    with st.spinner("Building the town and laying out the network (once per network)…"):
        ss.cl_lesson = story.lesson() if story else Lesson(sc, seed)
    ss.cl_lesson_key = lesson_key
    ss.cl_playing = False
    ss.cl_story_at = None
lesson: Lesson = ss.cl_lesson

if story is not None:
    titles = [c.title for c in story.chapters]
    ckey = f"cl_chapter_{story.key}"
    if ss.get(ckey) not in titles:
        ss[ckey] = titles[0]

    def move(delta: int) -> None:
        i = titles.index(ss[ckey]) + delta
        ss[ckey] = titles[min(max(i, 0), len(titles) - 1)]

    st.markdown(f"**{story.title}.** {story.intro}")
    chosen = st.radio("Chapter", titles, key=ckey, horizontal=True)
    idx = titles.index(chosen)
    chapter = story.chapters[idx]
    if ss.get("cl_story_at") != (story.key, idx):  # a new chapter: go to its day
        with st.spinner(f"Simulating to day {chapter.day}…"):
            lesson.run_to(chapter.day)
        ss.cl_story_at = (story.key, idx)
        ss.cl_playing = False
    params = {"mode": story.key, "chapter": str(idx + 1)}
if ss.cl_speed != 2:
    params["speed"] = str(ss.cl_speed)
ui.sync_query_params(params)


# --------------------------------------------------------------------------- controls
def play() -> None:
    ss.cl_playing = True


def pause() -> None:
    ss.cl_playing = False


def step() -> None:
    ss.cl_playing = False
    ss.cl_lesson.step(ss.cl_speed)


def reset() -> None:
    ss.cl_playing = False
    ss.cl_lesson.reset()
    ss.cl_story_at = None
    if story is not None:
        ss[f"cl_chapter_{story.key}"] = story.chapters[0].title


cols = st.columns([1, 1, 1, 1, 3] + ([1, 1] if story else []))
if ss.cl_playing:
    cols[0].button(
        "Pause", icon=":material/pause:", on_click=pause, key="cl_pause", width="stretch"
    )
else:
    cols[0].button(
        "Play",
        icon=":material/play_arrow:",
        on_click=play,
        key="cl_play",
        disabled=lesson.finished,
        width="stretch",
    )
cols[1].button(
    "Step",
    icon=":material/skip_next:",
    on_click=step,
    key="cl_step",
    disabled=lesson.finished,
    width="stretch",
)
cols[2].button("Reset", icon=":material/replay:", on_click=reset, key="cl_reset", width="stretch")
cols[4].select_slider(
    "Speed (days per step)",
    SPEEDS,
    key="cl_speed",
    label_visibility="collapsed",
    format_func=lambda d: f"{d} day{'s' if d > 1 else ''} per step",
)
if story is not None:
    cols[5].button(
        "Back",
        icon=":material/chevron_left:",
        on_click=move,
        args=(-1,),
        key="cl_prev",
        disabled=idx == 0,
        width="stretch",
    )
    cols[6].button(
        "Next",
        icon=":material/chevron_right:",
        on_click=move,
        args=(1,),
        key="cl_next",
        disabled=idx == len(titles) - 1,
        width="stretch",
    )


def today_text(lesson: Lesson) -> str:
    t = lesson.today()
    if not t:
        return "Nothing has happened yet: press **Step** or **Play**."
    parts = [
        f"**Day {lesson.day - 1}:** {int(t['orders'])} orders "
        f"({int(t['group_orders'])} in groups, {int(t['leader_orders'])} through leaders), "
        f"{int(t['new_customers'])} first-time buyers, {int(t['churned'])} customers lapsed"
    ]
    if t.get("groups_opened") or t.get("groups_failed"):
        parts.append(
            f"{int(t['groups_succeeded'])} groups completed, {int(t['groups_failed'])} failed"
        )
    if t.get("new_partners"):
        parts.append(f"{int(t['new_partners'])} new partners")
    if t.get("referrals_made"):
        parts.append(f"{int(t['referrals_made'])} referrals")
    if lesson.scenario.policy.group_buying.enabled:
        parts.append("subsidy **on**" if t.get("subsidy_on") else "subsidy **off**")
    active_shocks = [
        s.kind.replace("_", " ") for s in lesson.scenario.shocks if s.active(lesson.day - 1)
    ]
    if active_shocks and any(s != "subsidy end" for s in active_shocks):
        parts.append("shock: " + ", ".join(s for s in active_shocks if s != "subsidy end"))
    return "; ".join(parts) + "."


def history_chart(lesson: Lesson) -> alt.Chart:
    d = lesson.daily()
    cols = {
        "active": "active",
        "lapsed": "lapsed",
        "partners": "partner",
        "aware_not_customer": "aware",
    }
    present = [c for c in cols if c in d.columns]
    long = (
        d[present]
        .rename(columns=cols)
        .reset_index()
        .melt(id_vars="day", var_name="state", value_name="households")
        if len(d)
        else pd.DataFrame({"day": [], "state": [], "households": []})
    )
    domain = [s for s in STATES if s in long["state"].unique()] or list(STATES)
    colours = [STATE_COLOURS[STATES.index(s)] for s in domain]
    return (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("day:Q", scale=alt.Scale(domain=[0, lesson.days])),
            y=alt.Y("households:Q"),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(orient="bottom", title=None),
            ),
        )
        .properties(height=180)
    )


# --------------------------------------------------------------------------- the live view
@st.fragment(run_every=TICK_SECONDS if ss.cl_playing else None)
def live_view() -> None:
    lesson: Lesson = ss.cl_lesson
    if ss.cl_playing:
        lesson.step(ss.cl_speed)
        if lesson.finished:
            ss.cl_playing = False
            st.rerun(scope="app")  # stop the timer and refresh the buttons
    pic, side = st.columns([3, 2], gap="medium")
    with pic:
        st.image(
            lesson.frame(), caption=f"Day {lesson.day} of {lesson.days} — {lesson.scenario.name}"
        )
        st.html(f'<div style="font-size:0.9em">{legend_html()}</div>')
        ui.chart(None, lambda: history_chart(lesson))
    with side:
        counts = lesson.counts()
        m = st.columns(3)
        m[0].metric("Day", f"{lesson.day}", border=True)
        m[1].metric("Active", f"{counts['active'] + counts['partner']:,}", border=True)
        m[2].metric("Lapsed", f"{counts['lapsed']:,}", border=True)
        m = st.columns(3)
        m[0].metric("Unaware", f"{counts['unaware']:,}")
        m[1].metric("Partners", f"{counts['partner']:,}")
        m[2].metric(
            "Leaders working", f"{int(lesson.model.leaders.active.sum())}/{lesson.model.leaders.n}"
        )
        if story is not None:
            st.markdown(f"#### {chapter.title}")
            st.markdown(chapter.text(lesson))
        else:
            st.markdown(today_text(lesson))
        st.markdown("##### How it works")
        for title, text in MECHANISMS:
            with st.expander(title):
                st.markdown(text)


live_view()

ui.remember_widgets(PAGE, widget_keys)
