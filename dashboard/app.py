"""symbiosim dashboard: ``make dashboard`` or ``symbiosim dashboard``.

The entry point only sets the page up and declares the pages; each page lives in
``dashboard/pages`` and the logic they share in plain modules beside this file. The
folder is installed as the package ``sim.dashboard`` (see pyproject.toml), so every
module here imports its neighbours as ``sim.dashboard.*``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.dashboard import core

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(
    page_title="symbiosim — social commerce simulator",
    page_icon="🤝",  # an emoji favicon is inline; a :material: one is fetched from Google
    layout="wide",
    initial_sidebar_state="expanded",
)
core.warm_up()
# Less empty space above the title, so charts fit on a laptop screen.
st.html(
    "<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}"
    "[data-testid='stSidebarHeader']{margin-bottom:0}"
    "[data-testid='stAppDeployButton']{display:none}</style>"
)

navigation = st.navigation(
    {
        "Strategists": [
            st.Page(
                PAGES / "explore.py",
                title="Explore",
                icon=":material/tune:",
                url_path="explore",
                default=True,
            ),
            st.Page(
                PAGES / "compare.py",
                title="Compare",
                icon=":material/compare_arrows:",
                url_path="compare",
            ),
        ],
        "Researchers": [
            st.Page(
                PAGES / "experiments.py",
                title="Experiments",
                icon=":material/science:",
                url_path="experiments",
            ),
        ],
        "Teachers": [
            st.Page(
                PAGES / "classroom.py",
                title="Classroom",
                icon=":material/school:",
                url_path="classroom",
            ),
        ],
    }
)
navigation.run()
