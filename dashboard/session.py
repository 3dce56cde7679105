"""The signed-in viewer of this browser session (set by the login page)."""

from __future__ import annotations

import streamlit as st
from streamlit import config as st_config

from auth.viewer import PROVINCE_ADMIN, Viewer

VIEWER_KEY = "viewer"


def current_viewer() -> Viewer:
    """The viewer stored by login (app.py shows only the login page until someone signs in).

    Without one: a page file run on its own by the tests (AppTest) gets the province administrator. In a real
    server a page can also run without app.py — Streamlit's legacy multipage mode (triggered by the pages/
    folder) serves /<page> directly for the first request after a server start — so there it stops with a
    request to sign in instead (auth/gate.py; tests/test_security.py).
    """
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer):
        return viewer
    if st_config.get_option("global.appTest") and not _through_app():  # a page file run on its own by AppTest
        return PROVINCE_ADMIN
    if _leave_legacy_multipage_mode():
        st.rerun()  # app.py runs now: its gate shows the login form and keeps the URL (page and filters)
    st.warning("请先登录：打开平台首页，用您的账号登录后再查看本页。", icon=":material/lock:")
    st.markdown("[前往登录页](./)")
    st.stop()


def _through_app() -> bool:
    """Whether this run started from app.py (the gate), not from a page file run on its own."""
    from pathlib import Path

    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and Path(ctx.pages_manager.main_script_path).name == "app.py"


def _leave_legacy_multipage_mode() -> bool:
    """Until app.py has called st.navigation once in this process, Streamlit (1.67) runs a requested
    pages/<page>.py on its own because the folder is named pages/. Switching that off makes the next run go
    through app.py, exactly as every later request does. True when it was on."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        return True
    return False


def set_viewer(viewer: Viewer | None) -> None:
    if viewer is None:
        st.session_state.pop(VIEWER_KEY, None)
    else:
        st.session_state[VIEWER_KEY] = viewer
