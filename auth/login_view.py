"""The sign-in form and the demo accounts: the 登录 page, and what app.py shows a signed-out visitor
whatever page their URL names (the URL stays, so the same view opens right after signing in)."""

import streamlit as st

from auth import accounts, gate
from auth.sanitize import md_escape


def render(wh) -> None:
    """Draw the login form (and the demo accounts when there are any)."""
    demo = accounts.demo_accounts(wh)
    _, head, _ = st.columns([0.3, 4, 0.3]) if demo else st.columns([1, 1.6, 1])
    head.title("吉林省劳动人事争议调解监测平台")
    head.caption("劳动人事争议调解组织建设行动 · 数据报送与监测")
    if demo:  # the form and the demo accounts side by side, both visible without scrolling
        _, middle, side, _ = st.columns([0.3, 2, 2, 0.3], gap="large")
    else:
        _, middle, _ = st.columns([1, 1.6, 1])
        side = None

    def _signed_in(result: accounts.LoginResult) -> None:
        if result.ok:
            gate.sign_in(result.viewer)
            st.rerun()
        st.error(result.message, icon=":material/lock:")

    with middle:
        notice = gate.pop_notice()
        if notice:
            st.info(notice, icon=":material/schedule:")

        with st.form("login_form", border=True):
            st.subheader("登录")
            name = st.text_input("账号", key="login_name", placeholder="例如 tonghua_city", autocomplete="username")
            password = st.text_input("密码", type="password", key="login_password", autocomplete="current-password")
            submitted = st.form_submit_button("登录", type="primary", use_container_width=True)
        if submitted:
            _signed_in(accounts.authenticate(wh, name, password))
        st.caption(
            f"连续输错 {accounts.account_settings()['max_failed_logins']} 次密码，账号将锁定 "
            f"{accounts.account_settings()['lockout_minutes']} 分钟。忘记密码请联系省级管理员重置。"
        )

        if gate.sso_configured():
            refused = st.session_state.get("auth_sso_refused")
            if refused:
                st.error(refused)
                if st.button("退出统一身份认证", key="sso_logout"):
                    st.session_state.pop("auth_sso_refused", None)
                    st.logout()
            else:
                st.button(
                    "使用统一身份认证登录",
                    key="sso_login",
                    on_click=st.login,
                    use_container_width=True,
                    icon=":material/badge:",
                )

        if not demo and not accounts.has_accounts(wh):
            st.info(
                "尚未创建任何账号。请在服务器上运行以下命令创建第一个省级管理员账号，然后用它登录并创建其他账号：",
                icon=":material/person_add:",
            )
            st.code("python -m etl user add 账号名 --role admin", language="bash")

    if side is not None:
        with side, st.container(border=True):
            st.subheader("演示账号")
            st.warning(
                f"以下为**演示账号**，密码公开（均为 `{accounts.DEMO_PASSWORD}`），只在演示数据上使用。"
                "正式使用前请由管理员在“账号与审计”页面停用。",
                icon=":material/science:",
            )
            for i, row in enumerate(demo):
                c1, c2 = st.columns([3, 2], vertical_alignment="center")
                c1.markdown(
                    f":orange-badge[演示账号] **{md_escape(row['role'])}** · {md_escape(row['region'])}  \n"
                    f"账号 `{row['name']}`　密码 `{row['password']}`"
                )
                if c2.button("以此身份登录", key=f"demo_login_{i}", use_container_width=True):
                    with middle:
                        _signed_in(accounts.authenticate(wh, row["name"], row["password"], via="demo_button"))


def render_signed_out(login_url: str) -> None:
    """The service's page for a session that ended while the tab was open: why, and the way back to sign in."""
    _, middle, _ = st.columns([1, 1.6, 1])
    with middle:
        st.title("吉林省劳动人事争议调解监测平台")
        notice = gate.pop_notice()
        st.info(notice or "请先登录。", icon=":material/schedule:")
        st.link_button("重新登录", login_url, type="primary", icon=":material/login:", use_container_width=True)
