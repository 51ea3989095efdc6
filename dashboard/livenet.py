"""The Classroom's presentation view as a Streamlit component (``st.components.v2``).

The browser gets a recorded lesson (:class:`~sim.dashboard.classroom.Playback`) once, as
compact JSON, and animates it itself (``assets/classroom.js``): the network, the counts,
the live chart, the chapter text and the legend, sized to fit the window. Python hears back
only when the teacher pauses, seeks or turns a chapter (state ``view``: the day shown) or
acts mid-run (trigger ``act``: which action, on which day; trigger ``tune``: a policy value
and the day it takes effect).
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import numpy as np
import streamlit as st

from sim.dashboard.classroom import ACTIONS, TUNABLE, Playback
from sim.dashboard.core import LEVER_BY_PATH, to_widget
from sim.dashboard.netview import STATE_COLOURS, STATE_HELP, STATES

MAX_EDGES_SENT = 8_000  # enough to show the structure; the picture stays light to send
DEFAULT_SPEED = 10  # days per second (one day a frame)

_ASSETS = files("sim.dashboard") / "assets"
COMPONENT = st.components.v2.component(
    "symbiosim_classroom",
    html="",
    css=(_ASSETS / "classroom.css").read_text(encoding="utf-8"),
    js=(_ASSETS / "classroom.js").read_text(encoding="utf-8"),
)


def _edges(pb: Playback) -> list[int]:
    u, v = pb.graph.edges()
    if len(u) > MAX_EDGES_SENT:
        pick = np.sort(np.random.default_rng(0).choice(len(u), MAX_EDGES_SENT, replace=False))
        u, v = u[pick], v[pick]
    return np.column_stack([u, v]).ravel().astype(int).tolist()


def action_days(pb: Playback) -> list[dict[str, Any]]:
    """Each action with a string of '0'/'1' per day: whether it applies on that day."""
    sc = pb.scenario
    out = []
    for a in ACTIONS.values():
        days = "".join("1" if a.available(sc, d) else "0" for d in range(pb.days + 1))
        if "1" in days:
            out.append({"key": a.key, "label": a.label, "help": a.help, "days": days})
    return out


def tunables(pb: Playback) -> list[dict[str, Any]]:
    """Each policy value the teacher may change mid-run: its control (in the unit people
    read), the scenario's value and the changes already made (day, value)."""
    out = []
    for path in TUNABLE:
        lv = LEVER_BY_PATH[path]
        out.append(
            {
                "path": path,
                "label": lv.label,
                "unit": lv.unit,
                "lo": to_widget(lv, lv.lo),
                "hi": to_widget(lv, lv.hi),
                "step": to_widget(lv, lv.step),
                "base": to_widget(lv, pb.value_on(path, -1)),
                "changes": [[d, to_widget(lv, v)] for d, p, v in pb.tunes if p == path],
                "help": f"{lv.description} Meant to move: {lv.moves}.",
            }
        )
    return out


def run_id(pb: Playback) -> str:
    """Identifies a recording: the scenario, the seed and the values tuned mid-run."""
    import hashlib
    import json

    tunes = json.dumps([list(t) for t in pb.tunes])
    return f"{pb.scenario.key(pb.seed)}:{hashlib.sha1(tunes.encode()).hexdigest()[:8]}"


def payload(
    pb: Playback,
    base: str,
    start_day: int = 0,
    from_day: int | None = None,
    title: str = "",
) -> dict[str, Any]:
    """What the browser needs to animate ``pb`` (JSON-ready; a few hundred KB at most).

    ``base`` identifies the lesson (a new base resets the view to ``start_day``); a new
    recording of the same base (after an action) continues from ``from_day``."""
    xy = np.clip(np.round(pb.xy * 10_000), 0, 10_000).astype(int)
    changes = [np.column_stack([i, s]).ravel().astype(int).tolist() for i, s in pb.changes]
    return {
        "base": base,
        "run": run_id(pb),
        "start_day": int(start_day),
        "from_day": None if from_day is None else int(from_day),
        "title": title or pb.scenario.name,
        "days": pb.days,
        "n": int(len(pb.states0)),
        "xy": xy.ravel().tolist(),
        "r": pb.radius,
        "edges": _edges(pb),
        "community": pb.graph.community.astype(int).tolist(),
        "degree": pb.graph.degree.astype(int).tolist(),
        "leaders": pb.graph.leaders.astype(int).tolist(),
        "segments": pb.segment.astype(int).tolist(),
        "segment_names": list(pb.segment_names),
        "states0": pb.states0.astype(int).tolist(),
        "changes": changes,
        "quits": [q.astype(int).tolist() for q in pb.leaders_quit],
        "counts": pb.counts.astype(int).tolist(),
        "working": pb.leaders_working.astype(int).tolist(),
        "texts": pb.texts,
        "purchases": pb.purchases,
        "chapters": [[d, t, text] for d, t, text in pb.chapters],
        "states": [
            {"name": n, "colour": c, "help": h}
            for n, c, h in zip(STATES, STATE_COLOURS, STATE_HELP, strict=True)
        ],
        "actions": action_days(pb),
        "tunables": tunables(pb),
        "speed": DEFAULT_SPEED,
    }


def show(data: dict[str, Any], key: str = "cl_live") -> Any:
    """Mount the view; the result carries ``view`` (state) and ``act`` (trigger)."""
    return COMPONENT(
        key=key,
        data=data,
        default={"view": None},
        on_view_change=lambda: None,
        on_act_change=lambda: None,
        on_tune_change=lambda: None,
    )
