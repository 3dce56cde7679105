"""账号与审计: accounts (list, add, disable/enable, reset password, unlock) and the audit log — administrators only."""

import datetime as dt

import streamlit as st

from auth import accounts, audit
from auth.sanitize import md_escape
from auth.viewer import ROLE_LABELS
from dashboard.runtime import warehouse
from dashboard.session import current_viewer

wh = warehouse()
viewer = current_viewer()
st.title("账号与审计")
if not viewer.can_manage_accounts:  # app.py hides the page from others; this refuses a direct request too
    st.error(f"仅省级管理员可以管理账号和查看审计日志。您当前的身份是{viewer.role_label}。", icon=":material/block:")
    st.stop()

index = wh.region_index()
FLASH = "admin_flash"
NEW_ACCOUNT_RESET = "admin_new_account_reset"
NEW_ACCOUNT_FIELDS = ("new_name", "new_display", "new_password", "new_password2")


def done(message: str) -> None:
    """Show message after the rerun that refreshes the account list."""
    st.session_state[FLASH] = message
    st.rerun()


if st.session_state.get(FLASH):
    st.success(st.session_state.pop(FLASH), icon=":material/check:")
tab_accounts, tab_audit = st.tabs(["账号", "审计日志"])

with tab_accounts:
    frame = accounts.account_frame(wh)
    demo_left = [r["账号"] for r in frame.iter_rows(named=True) if r["演示账号"] and r["状态"] != "已停用"]
    if demo_left:
        st.warning(
            f"演示账号 {'、'.join(demo_left)} 仍可登录（密码公开）。正式使用前请在下方停用。", icon=":material/science:"
        )
    st.caption(f"共 {frame.height} 个账号。账号不能删除，只能停用；所有变更都记入审计日志。")
    st.dataframe(frame, hide_index=True, width="stretch")

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("新增账号")
        role = st.selectbox(
            "角色",
            list(accounts.ROLES),
            index=accounts.ROLES.index("city"),
            placeholder="请选择",
            key="new_role",
            format_func=lambda r: ROLE_LABELS[r],
        )  # most new accounts are clerks, not administrators
        if role == "city":
            region_options = [u.code for u in sorted(index.units, key=lambda r: r.code) if u.kind != "province"]
        elif role == "county":
            region_options = [
                r.code for r in sorted(index.regions.values(), key=lambda r: r.code) if r.kind in accounts.COUNTY_KINDS
            ]
        else:
            region_options = []
        # The form keeps what was typed when a check fails (clear_on_submit would wipe it); only a created account
        # empties it, on the rerun after success (a widget's value cannot be changed once it is drawn).
        if st.session_state.pop(NEW_ACCOUNT_RESET, False):
            for field in NEW_ACCOUNT_FIELDS:
                st.session_state.pop(field, None)
        with st.form("new_account", clear_on_submit=False):
            region = None
            if region_options:
                region = st.selectbox(
                    "地区",
                    region_options,
                    placeholder="请选择",
                    key="new_region",
                    format_func=lambda c: f"{accounts.region_label(index, c)}（{c}）",
                )
            name = st.text_input("账号名", placeholder="小写英文字母、数字、_ . -，例如 tonghua_city", key="new_name")
            display = st.text_input("显示名称（可不填）", placeholder="例如 通化市人社局 张三", key="new_display")
            first = st.text_input(
                "初始密码",
                type="password",
                key="new_password",
                help=f"至少 {accounts.account_settings()['min_password_length']} 个字符",
            )
            second = st.text_input("再次输入密码", type="password", key="new_password2")
            if st.form_submit_button("创建账号", type="primary"):
                if first != second:
                    st.error("两次输入的密码不一致，账号未创建。")
                else:
                    try:
                        made = accounts.add_account(
                            wh,
                            name,
                            role=role,
                            region_code=region,
                            password=first,
                            display_name=display,
                            actor=viewer.name,
                        )
                    except accounts.AccountError as error:
                        st.error(str(error))
                    else:
                        st.session_state[NEW_ACCOUNT_RESET] = True
                        done(
                            f"已创建账号 {md_escape(made.name)}（{md_escape(made.display_name)}）。请把初始密码当面或电话告知本人。"
                        )

    with right:
        st.subheader("管理现有账号")
        names = frame["账号"].to_list()
        if not names:
            st.info("还没有账号。")
        else:
            labels = {r["账号"]: f"{r['账号']} · {r['名称']} · {r['状态']}" for r in frame.iter_rows(named=True)}
            chosen = st.selectbox(
                "账号", names, format_func=lambda n: labels[n], placeholder="请选择", key="manage_name"
            )
            account = accounts.get_account(wh, chosen)
            c1, c2 = st.columns(2)
            try:
                if account.disabled:
                    if c1.button("启用", key="enable", icon=":material/check_circle:", width="stretch"):
                        accounts.enable_account(wh, chosen, actor=viewer.name)
                        done(f"已启用账号 {chosen}。")
                elif c1.button("停用", key="disable", icon=":material/block:", width="stretch"):
                    accounts.disable_account(wh, chosen, actor=viewer.name)
                    done(f"已停用账号 {chosen}。停用后该账号不能登录，已登录的会话在下一次操作时退出。")
                if c2.button(
                    "解除锁定",
                    key="unlock",
                    icon=":material/lock_open:",
                    width="stretch",
                    disabled=not account.locked(dt.datetime.now()),
                ):
                    accounts.unlock_account(wh, chosen, actor=viewer.name)
                    done(f"已解除账号 {chosen} 的锁定。")
            except accounts.AccountError as error:
                st.error(str(error))
            with st.form("reset_password", clear_on_submit=True):
                st.markdown("**重置密码**（同时解除锁定）")
                first = st.text_input("新密码", type="password", key="reset_password1")
                second = st.text_input("再次输入新密码", type="password", key="reset_password2")
                if st.form_submit_button("重置密码"):
                    if first != second:
                        st.error("两次输入的密码不一致，密码未改动。")
                    else:
                        try:
                            accounts.reset_password(wh, chosen, first, actor=viewer.name)
                        except accounts.AccountError as error:
                            st.error(str(error))
                        else:
                            done(f"已重置 {chosen} 的密码，并解除锁定。请把新密码当面或电话告知本人。")

with tab_audit:
    today = dt.date.today()
    c1, c2, c3 = st.columns([2, 2, 2])
    days = c1.date_input(
        "时间范围", (today - dt.timedelta(days=30), today), max_value=today, key="audit_days", format="YYYY-MM-DD"
    )
    start, end = (
        (days[0], days[1]) if isinstance(days, (tuple, list)) and len(days) == 2 else (days[0] if days else None, None)
    )
    all_actors = audit.actors(wh)
    actor = c2.selectbox(
        "操作人",
        [None, *all_actors],
        format_func=lambda a: "全部" if a is None else a,
        placeholder="请选择",
        key="audit_actor",
    )
    all_actions = audit.actions(wh)
    action = c3.selectbox(
        "操作",
        [None, *all_actions],
        placeholder="请选择",
        key="audit_action",
        format_func=lambda a: "全部" if a is None else audit.action_label(a),
    )
    rows = audit.query_audit(wh, start=start, end=end, actor=actor, action=action)
    st.caption(f"共 {rows.height:,} 条（最多显示 5,000 条，最新的在前）。审计日志只增不改，任何人都不能修改或删除。")
    st.dataframe(
        audit.display_frame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
            "说明": st.column_config.TextColumn(width="large"),
        },
    )
    st.download_button(
        "导出 Excel",
        audit.audit_xlsx(rows),
        key="audit_export",
        icon=":material/download:",
        file_name=f"审计日志_{start or ''}_{end or ''}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        disabled=rows.is_empty(),
    )
