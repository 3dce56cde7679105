"""登录: the only page before sign-in (app.py shows nothing else until someone is signed in)."""

from pathlib import Path

import streamlit as st

from auth import login_view
from auth.viewer import Viewer
from dashboard.runtime import warehouse
from dashboard.session import VIEWER_KEY

wh = warehouse()
if isinstance(st.session_state.get(VIEWER_KEY), Viewer):
    # Signed in but still here: only in Streamlit's legacy multipage mode right after a server start (see
    # dashboard/session.py). Hand over to app.py, which builds the real navigation.
    try:
        st.switch_page(str(Path(__file__).resolve().parents[1] / "app.py"))
    except Exception:  # app.py is not a page of this navigation
        st.success("您已登录。", icon=":material/check:")
        st.markdown("[进入平台](./)")
        st.stop()
login_view.render(wh)
