"""The signed-in viewer of this browser session (set by the login page)."""
from __future__ import annotations

import streamlit as st

from auth.viewer import PROVINCE_ADMIN, Viewer

VIEWER_KEY = "viewer"


def current_viewer() -> Viewer:
    """The viewer stored by login; until accounts are enabled, the province administrator."""
    viewer = st.session_state.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else PROVINCE_ADMIN


def set_viewer(viewer: Viewer | None) -> None:
    if viewer is None:
        st.session_state.pop(VIEWER_KEY, None)
    else:
        st.session_state[VIEWER_KEY] = viewer
