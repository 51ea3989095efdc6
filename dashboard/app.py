"""symbiosim dashboard: ``make dashboard`` or ``symbiosim dashboard``.

The entry point only sets the page up and declares the pages; each page lives in
``dashboard/pages`` and the logic they share in plain modules beside this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import core  # noqa: E402

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
