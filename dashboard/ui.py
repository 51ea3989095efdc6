"""Small Streamlit helpers shared by the pages (messages, URL sync, downloads)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from sim.dashboard import charts
from sim.dashboard.core import INPUT_ERRORS

try:  # sim.batch is optional (the `batch` extra)
    from sim.batch import BATCH_ERRORS
except ImportError:  # pragma: no cover - exercised only without the batch extra
    BATCH_ERRORS = ()

PAGE_ERRORS: tuple[type[Exception], ...] = (*INPUT_ERRORS, *BATCH_ERRORS)


@contextmanager
def input_errors(where: Any = None) -> Iterator[list[str]]:
    """Show bad input as one message on the page instead of a traceback.

    Yields a list that receives the message, so the caller can tell that it failed."""
    box: list[str] = []
    try:
        yield box
    except PAGE_ERRORS as err:
        box.append(str(err))
        (where or st).error(str(err), icon=":material/error:")


def sync_query_params(params: dict[str, str]) -> None:
    """Put the page's state in the URL (only when it changed: no needless history)."""
    current = st.query_params.to_dict()
    if current != params:
        st.query_params.from_dict(params)


def share_link(params: dict[str, str]) -> str:
    """A link to this view: the browser's address plus the encoded state."""
    base = ""
    try:
        base = (st.context.url or "").split("?", 1)[0]
    except AttributeError:  # older Streamlit
        base = ""
    query = urllib.parse.urlencode(params)
    return f"{base}?{query}" if base else f"?{query}"


def download(
    label: str, data: bytes | str | Callable[[], bytes | str], file_name: str, mime: str, key: str
) -> None:
    """A download button that does not rerun the page when clicked."""
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def restore_widgets(page: str, keys: list[str]) -> None:
    """Give back the widget values a page had when the user left it.

    Streamlit drops the state of widgets that were not drawn in the last run, so after
    a visit to another page every control would jump back to its default. Each page
    keeps a shadow copy (a plain session key) and restores missing widget keys from it."""
    shadow = st.session_state.get(f"_shadow:{page}", {})
    for k in keys:
        if k not in st.session_state and k in shadow:
            st.session_state[k] = shadow[k]


def remember_widgets(page: str, keys: list[str]) -> None:
    """Update the shadow copy (merged: a widget not drawn in this run, e.g. in a closed
    tab, keeps its remembered value)."""
    shadow = dict(st.session_state.get(f"_shadow:{page}", {}))
    shadow.update({k: st.session_state[k] for k in keys if k in st.session_state})
    st.session_state[f"_shadow:{page}"] = shadow


def chart(key: Any, build: Callable[[], Any]) -> None:
    """Draw an Altair chart from its cached Vega-Lite spec (see :func:`charts.spec`)."""
    st.vega_lite_chart(charts.spec(key, build), width="stretch")
