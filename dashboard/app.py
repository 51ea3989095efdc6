"""symbiosim dashboard: ``make dashboard`` or ``symbiosim dashboard``.

The entry point only sets the page up and declares the pages; each page lives in
``dashboard/views`` and the logic they share in plain modules beside this file. The
folder is installed as the package ``sim.dashboard`` (see pyproject.toml), so every
module here imports its neighbours as ``sim.dashboard.*``.

The navigation sits in the top bar, so a page without controls (Start, Classroom) has the
whole width of a laptop or a projector, and the sidebar holds only a page's own controls.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.dashboard import flagship

PAGES = Path(__file__).resolve().parent / "views"

st.set_page_config(
    page_title="symbiosim — social commerce simulator",
    page_icon="🤝",  # an emoji favicon is inline; a :material: one is fetched from Google
    layout="wide",
    initial_sidebar_state="auto",
)
flagship.warm_up()
# Less empty space around the pages, so charts fit on a laptop screen and a projector.
st.html(
    "<style>[data-testid='stMainBlockContainer']{padding-top:3.6rem;padding-left:2rem;"
    "padding-right:2rem}"
    "[data-testid='stSidebarHeader']{margin-bottom:0}"
    "[data-testid='stAppDeployButton']{display:none}"
    # KPI cards: values sized to fit a fifth of a laptop screen, labels wrap, nothing cut
    "[data-testid='stMetricValue']{font-size:clamp(1.3rem,0.9rem + 0.9vw,2rem)}"
    "[data-testid='stMetricLabel'] *,[data-testid='stMetricDelta'] *{white-space:normal!important;"
    "text-overflow:clip!important;overflow:visible!important}</style>"
)

navigation = st.navigation(
    [
        st.Page(
            PAGES / "start.py",
            title="Start here",
            icon=":material/home:",
            url_path="start",
            default=True,
        ),
        st.Page(PAGES / "explore.py", title="Explore", icon=":material/tune:", url_path="explore"),
        st.Page(
            PAGES / "compare.py",
            title="Compare",
            icon=":material/compare_arrows:",
            url_path="compare",
        ),
        st.Page(
            PAGES / "experiments.py",
            title="Experiments",
            icon=":material/science:",
            url_path="experiments",
        ),
        st.Page(
            PAGES / "classroom.py",
            title="Classroom",
            icon=":material/school:",
            url_path="classroom",
        ),
    ],
    position="top",
)
navigation.run()
