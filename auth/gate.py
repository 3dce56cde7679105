"""The sign-in gate of app.py: who is signed in, session timeout, sign-out, the sidebar's user box.

app.py is the only entry point users have (st.navigation ignores the pages/ folder), and it calls
`signed_in_viewer()` before building the navigation: without a viewer the navigation holds only the login page,
so no data page runs. Pages then read `dashboard.session.current_viewer()`; its fallback (the province
administrator) only applies when a page file is run on its own (tests), never through app.py.

On every run the gate (1) signs out after `[accounts] session_minutes` without interaction, (2) re-reads the
account, so a disabled account is signed out at its next click. Session state lives on the server only.

Run as the service (serve.py), sign-in is the service's /login route and its session cookie (service/sessions.py):
the gate finds the account by the cookie on every run, so F5, a new tab or a pasted link stay signed in; signing
out is a POST to /logout. Under `streamlit run app.py` and AppTest the per-connection sign-in below still applies.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from auth import accounts
from auth.sanitize import md_escape
from auth.viewer import Viewer
from dashboard.session import VIEWER_KEY, set_viewer
from service import sessions

LOGIN_KEY = "auth_session"  # {"name", "last_seen" (epoch seconds), "verified" (came from a real sign-in)}
NOTICE_KEY = "auth_notice"  # a message for the login page (timeout, disabled account)


def is_expired(last_seen: float, now: float, minutes: float) -> bool:
    return now - last_seen > minutes * 60


def sign_in(viewer: Viewer) -> None:
    set_viewer(viewer)
    st.session_state[LOGIN_KEY] = {"name": viewer.name, "last_seen": time.time(), "verified": True}


def sign_out(wh, reason: str = "user", notice: str | None = None) -> None:
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer):
        accounts.record_logout(wh, viewer, reason)
    set_viewer(None)
    st.session_state.pop(LOGIN_KEY, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if reason == "user" and sso_signed_in():
        st.logout()


def pop_notice() -> str | None:
    return st.session_state.pop(NOTICE_KEY, None)


def sso_configured() -> bool:
    """Whether single sign-on is set up ([auth] in .streamlit/secrets.toml, see docs/accounts.md)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sso_signed_in() -> bool:
    try:
        return sso_configured() and bool(st.user.is_logged_in)
    except Exception:
        return False


def _sso_claim() -> str | None:
    claim = accounts.account_settings()["sso_claim"]
    try:
        value = st.user.get(claim)
    except Exception:
        return None
    return str(value) if value else None


def signed_in_viewer(wh) -> Viewer | None:
    """The signed-in viewer after the timeout and account checks, or None (show the login page)."""
    if sessions.store() is not None:
        return _cookie_viewer(wh, sessions.store())
    viewer = st.session_state.get(VIEWER_KEY)
    now = time.time()
    if not isinstance(viewer, Viewer):
        if sso_signed_in() and not st.session_state.get("auth_sso_refused"):
            result = accounts.sso_sign_in(wh, _sso_claim())
            if result.ok:
                sign_in(result.viewer)
                return result.viewer
            st.session_state["auth_sso_refused"] = result.message
        return None
    info = st.session_state.get(LOGIN_KEY)
    if not isinstance(info, dict) or info.get("name") != viewer.name:
        # a viewer put into session state by server code other than the login form (tests): no account to re-read
        info = {"name": viewer.name, "last_seen": now, "verified": False}
        st.session_state[LOGIN_KEY] = info
    minutes = float(accounts.account_settings()["session_minutes"])
    if is_expired(info["last_seen"], now, minutes):
        sign_out(wh, "timeout", f"超过 {minutes:g} 分钟没有操作，已自动退出登录。请重新登录。")
        return None
    if info.get("verified"):
        current = accounts.active_viewer(wh, viewer.name)
        if current is None:
            sign_out(wh, "account_disabled", "您的账号已被停用，已退出登录。如有疑问请联系省级管理员。")
            return None
        if current != viewer:
            set_viewer(current)
            viewer = current
    info["last_seen"] = now
    return viewer


def _cookie_token() -> str | None:
    try:
        return st.context.cookies.get(sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no request context (a bare script run)
        return None


def _cookie_viewer(wh, store: sessions.SessionStore) -> Viewer | None:
    """The account of this browser's session cookie, re-read from the warehouse (disabled → signed out now)."""
    token = _cookie_token()
    session = store.get(token)
    before = st.session_state.get(VIEWER_KEY)
    if session is None:
        reason = store.ended_reason(token)
        if isinstance(before, Viewer) and reason in ("idle", "absolute"):
            accounts.record_logout(wh, before, "timeout")
        set_viewer(None)
        notice = store.message(reason)
        if notice and reason != "logout":
            st.session_state[NOTICE_KEY] = notice
        return None
    current = accounts.active_viewer(wh, session.name)
    if current is None:
        store.revoke(token, "account_disabled")
        accounts.record_logout(wh, Viewer(name=session.name, role=""), "account_disabled")
        set_viewer(None)
        st.session_state[NOTICE_KEY] = store.message("account_disabled")
        return None
    set_viewer(current)
    st.session_state[LOGIN_KEY] = {"name": current.name, "last_seen": time.time(), "verified": True}
    return current


def login_url(path: str = "", params: dict | None = None) -> str:
    """/login?next=<this page with its filters> (the service's sign-in page)."""
    from urllib.parse import quote, urlencode

    target = "/" + path.strip("/") + (f"?{urlencode(params)}" if params else "")
    return f"/login?next={quote(sessions.safe_next(target), safe='')}"


def login_page(root: Path) -> st.Page:
    return st.Page(
        str(root / "pages" / "login.py"), title="登录", icon=":material/login:", url_path="login", default=True
    )


def sidebar(wh, viewer: Viewer) -> None:
    """Who is signed in (Chinese role and region) and the 退出登录 button."""
    region = accounts.region_label(wh.region_index(), viewer.region_code)
    with st.sidebar:
        st.markdown(f"**{md_escape(viewer.display_name or viewer.name)}**")
        st.caption(f"{viewer.role_label} · {md_escape(region)} · 账号 {md_escape(viewer.name)}")
        session = sessions.store().get(_cookie_token(), touch=False) if sessions.store() else None
        if session is not None:  # the service: a real POST to /logout carrying the session's CSRF token
            st.html(_logout_form(session.csrf))
        else:
            st.button(
                "退出登录",
                icon=":material/logout:",
                key="auth_logout",
                use_container_width=True,
                on_click=sign_out,
                args=(wh, "user"),
            )  # a callback: signed out before anything is drawn
        if viewer.can_manage_accounts:
            _failed_jobs(wh)
        _idle_watch()
        st.divider()


def _logout_form(csrf: str) -> str:
    from html import escape

    return (
        '<form method="post" action="/logout" style="margin:0">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<button type="submit" style="width:100%;padding:6px 12px;border:1px solid rgba(49,51,63,0.2);'
        'border-radius:8px;background:#fff;cursor:pointer;font-size:15px">退出登录</button></form>'
    )


def _failed_jobs(wh) -> None:
    """Administrators see a failed scheduled job on every page until a later run succeeds."""
    from service import jobs

    failed = jobs.failed_jobs(wh)
    if failed:
        st.error(
            "定时任务失败：" + "、".join(jobs.JOBS[j].label for j in failed) + "。详见“参数设置”页的任务列表。",
            icon=":material/error:",
        )


@st.fragment(run_every=60)
def _idle_watch() -> None:
    """Once a minute (without counting as activity): when the session has expired, rerun so the gate signs out
    and the data on screen is replaced by the login page even if nobody touches the tab."""
    if sessions.store() is not None:
        if sessions.store().get(_cookie_token(), touch=False) is None:
            st.rerun(scope="app")
        return
    info = st.session_state.get(LOGIN_KEY)
    if isinstance(info, dict) and is_expired(
        info["last_seen"], time.time(), float(accounts.account_settings()["session_minutes"])
    ):
        st.rerun(scope="app")
