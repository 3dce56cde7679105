"""吉林省劳动人事争议调解组织建设监测平台 — Streamlit entry point: page navigation over the warehouse."""

import time
from pathlib import Path

import streamlit as st

from auth import gate, login_view
from dashboard.navigation import ADMIN_ONLY, SECTIONS
from dashboard.runtime import warehouse
from service import logs, sessions

st.set_page_config(page_title="吉林省劳动人事争议调解监测平台", page_icon=":material/balance:", layout="wide")

ROOT = Path(__file__).resolve().parent


def build_navigation(viewer=None) -> dict[str, list]:
    nav = {}
    admin = viewer is not None and viewer.can_manage_accounts
    for section, pages in SECTIONS.items():
        entries = [
            st.Page(str(ROOT / f), title=t, icon=i, url_path=u)
            for f, t, i, u in pages
            if (ROOT / f).exists() and (admin or f not in ADMIN_ONLY)
        ]
        if entries:
            nav[section] = entries
    return nav


# Sign-in gate (auth/gate.py): this file is the only entry point, so without a signed-in viewer the
# navigation holds nothing but the login page and no data page can run.
started = time.perf_counter()
viewer = gate.signed_in_viewer(warehouse())
if viewer is None and sessions.store() is not None:
    # The service (serve.py): signing in is its /login page; this run's session ended (expired, signed out
    # elsewhere, account disabled) while the tab was open. The link brings the user back to this same view.
    login = gate.login_page(ROOT)
    hidden = [page for pages in build_navigation().values() for page in pages]
    requested = st.navigation([login, *hidden], position="hidden")
    login_view.render_signed_out(gate.login_url(requested.url_path, st.query_params.to_dict()))
elif viewer is None:
    # Whatever page the URL names, a signed-out visitor gets the login form; the URL (page and filters) is kept,
    # so a link pasted into a chat opens the same view right after signing in. The data pages are in a hidden
    # navigation only so that their URLs resolve; none of them runs.
    login = gate.login_page(ROOT)
    hidden = [page for pages in build_navigation().values() for page in pages]
    requested = st.navigation([login, *hidden], position="hidden")
    if requested.url_path == login.url_path:  # the site itself (the login page is the default page)
        requested.run()
    else:  # a data page's link: the form here, and after signing in this same URL opens the page
        login_view.render(warehouse())
else:
    gate.sidebar(warehouse(), viewer)
    page = st.navigation(build_navigation(viewer), expanded=True)  # every section visible, 账号与审计 too
    page.run()
    if sessions.store() is not None:  # one structured log line per page run of the service (service/logs.py)
        logs.event(
            "page",
            user=viewer.name,
            page=page.url_path or "overview",
            duration_ms=(time.perf_counter() - started) * 1000,
        )
