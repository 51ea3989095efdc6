"""Classroom: the town's network day by day, fitted to a projector, with two guided stories.

The run is recorded once on the server and animated in the browser (sim.dashboard.livenet):
play, step and the chapters cost no server round trip. "Act now" buttons edit the run from
the day shown; the edited run is recorded and the picture continues from that day.
"""

from __future__ import annotations

import streamlit as st

from sim.dashboard import core, livenet, ui
from sim.dashboard.classroom import (
    ACTIONS,
    DEFAULT_CONSUMERS,
    DEFAULT_DAYS,
    MECHANISMS,
    STORIES,
    act,
    check_tune,
    classroom_scenario,
    playback,
)
from sim.dashboard.core import LEVER_BY_PATH
from sim.scenario import ScenarioError

PAGE = "classroom"
FREE = "free"
MODES = {FREE: "Free play", **{k: f"Story: {s.title}" for k, s in STORIES.items()}}

ss = st.session_state
widget_keys = ["cl_mode", "cl_scenario", "cl_consumers", "cl_seed", "cl_days"]
ui.restore_widgets(PAGE, widget_keys)
names = list(core.shipped())

# A projector shows the picture, not Streamlit's "Running…" corner or spare padding.
st.html(
    "<style>[data-testid='stStatusWidget']{visibility:hidden}"
    "[data-testid='stMainBlockContainer']{padding-bottom:1rem}</style>"
)

# --------------------------------------------------------------------------- first visit: URL
if "cl_init" not in ss:
    ss.cl_init = True
    q = st.query_params.to_dict()
    ss.cl_mode = q.get("mode", FREE) if q.get("mode", FREE) in MODES else FREE
    ss.cl_scenario = q.get("scenario", "subsidy_group_buying")
    if ss.cl_scenario not in names:
        st.error(
            f"scenario: unknown shipped scenario {ss.cl_scenario!r} in the link "
            f"(choose one of: {', '.join(names)})."
        )
        ss.cl_scenario = "subsidy_group_buying"
    for key, param, default in (
        ("cl_consumers", "n", DEFAULT_CONSUMERS),
        ("cl_days", "days", DEFAULT_DAYS),
    ):
        try:
            ss[key] = int(q.get(param, default))
        except ValueError:
            st.error(f"{param}: must be a whole number (got {q[param]!r}); using {default}.")
            ss[key] = default
    ss.cl_seed = q.get("seed", "0")
    ss.cl_start_chapter = q.get("chapter", "1")
ss.setdefault("cl_actions", [])
ss.setdefault("cl_tunes", [])
ss.setdefault("cl_epoch", 0)

# --------------------------------------------------------------------------- header row
c_mode, c_set, c_undo = st.columns([6, 1.2, 1.6], vertical_alignment="center")
mode = c_mode.radio(
    "What to show",
    list(MODES),
    format_func=MODES.get,
    key="cl_mode",
    horizontal=True,
    label_visibility="collapsed",
)
story = STORIES.get(mode)
with ui.input_errors() as failed:
    if story is None:
        with c_set.popover("Settings", icon=":material/settings:", width="stretch"):
            st.selectbox("Scenario", names, key="cl_scenario")
            st.number_input(
                f"Households (at most {core.CLASSROOM_MAX_CONSUMERS:,})",
                step=100,
                key="cl_consumers",
            )
            st.number_input("Days", step=30, key="cl_days")
            st.text_input("Seed", key="cl_seed", help="A whole number; same seed, same town.")
        seed = core.check_seed(ss.cl_seed)
        base = classroom_scenario(ss.cl_scenario, int(ss.cl_consumers), int(ss.cl_days))
        chapters: tuple = ()
        params = {
            "mode": FREE,
            "scenario": ss.cl_scenario,
            "n": str(ss.cl_consumers),
            "days": str(ss.cl_days),
            "seed": str(seed),
        }
    else:
        seed = 0
        base = story.base()
        chapters = story.chapters
        params = {"mode": story.key}
if failed:
    ui.remember_widgets(PAGE, widget_keys)
    st.stop()

lesson_id = f"{mode}:{base.key(seed)}:{ss.cl_epoch}"
if ss.get("cl_lesson_id") != lesson_id:  # another lesson: no actions carried over
    ss.cl_lesson_id = lesson_id
    ss.cl_actions = []
    ss.cl_tunes = []
    ss.pop("cl_last_day", None)

scenario = base
for key, day in ss.cl_actions:
    scenario = act(scenario, key, day)

start_day = 0
if story is not None:
    try:
        idx = min(max(int(ss.get("cl_start_chapter", "1")) - 1, 0), len(chapters) - 1)
    except ValueError:
        idx = 0
    start_day = chapters[idx].day
    view = ss.get("cl_view") or {}
    if view.get("base") == lesson_id and view.get("chapter"):
        params["chapter"] = str(view["chapter"])
    elif idx:
        params["chapter"] = str(idx + 1)
ui.sync_query_params(params)

if ss.cl_actions or ss.cl_tunes:
    c_undo.button(
        "Undo my actions",
        icon=":material/undo:",
        key="cl_undo",
        on_click=lambda: (
            ss.update(cl_epoch=ss.cl_epoch + 1, cl_actions=[], cl_tunes=[]),
            ss.pop("cl_last_day", None),
        ),
        width="stretch",
    )

tunes = tuple(tuple(t) for t in ss.cl_tunes)
with st.spinner("Building the town and running it once (about a second)…"):
    pb = playback(scenario, seed, chapters, tunes)
data = livenet.payload(
    pb,
    base=lesson_id,
    start_day=start_day,
    from_day=(
        ss.get("cl_last_day", ss.cl_actions[-1][1] if ss.cl_actions else ss.cl_tunes[-1][0])
        if (ss.cl_actions or ss.cl_tunes)
        else None
    ),
    title=f"{scenario.name} — {pb.days} days, {len(pb.states0):,} households",
)
result = livenet.show(data)

if result is not None:
    view = getattr(result, "view", None)
    if view and view.get("base") == lesson_id:
        ss.cl_view = view
    fired = getattr(result, "act", None)
    if fired and fired.get("base") == lesson_id and fired.get("key") in ACTIONS:
        try:
            act(scenario, fired["key"], int(fired["day"]))
        except (ValueError, ScenarioError) as err:
            st.warning(str(err))
        else:
            ss.cl_actions = [*ss.cl_actions, (fired["key"], int(fired["day"]))]
            ss.cl_last_day = int(fired["day"])
            st.rerun()
    tuned = getattr(result, "tune", None)
    if tuned and tuned.get("base") == lesson_id and tuned.get("path") in LEVER_BY_PATH:
        lv = LEVER_BY_PATH[tuned["path"]]
        try:
            tune = check_tune(
                scenario, (int(tuned["day"]), lv.path, core.from_widget(lv, float(tuned["value"])))
            )
        except (ValueError, TypeError, ScenarioError) as err:
            st.warning(str(err))
        else:
            ss.cl_tunes = [*ss.cl_tunes, tune]
            ss.cl_last_day = tune[0]
            st.rerun()

if ss.cl_actions or ss.cl_tunes:
    done = [f"{ACTIONS[k].label.lower().removesuffix(' now')} on day {d}" for k, d in ss.cl_actions]
    for day, path, value in ss.cl_tunes:
        lv = LEVER_BY_PATH[path]
        unit = "%" if lv.unit == "%" else ""
        done.append(f"{lv.label.lower()} {core.to_widget(lv, value):g}{unit} from day {day}")
    st.caption(
        f"Your actions: {'; '.join(done)}. Before each, the run is the same market as without it."
    )

st.markdown("##### How it works")
cols = st.columns(3)
for i, (title, text) in enumerate(MECHANISMS):
    with cols[i % 3].expander(title):
        st.markdown(text)
st.caption(
    "Click a household to see its state and history. Every number in the stories is read "
    "from the running model. Each action takes effect on the day shown: the run is the same "
    "until that day (each shock and program draws its own random numbers). The lesson runs "
    f"in {core.TOWN_TEXT}, and its clock is compressed: "
    "what the shipped scenarios do after three years (subsidies end) and in year four "
    "(shocks) happens here on day 90 and day 200."
)

ui.remember_widgets(PAGE, widget_keys)
