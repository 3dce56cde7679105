"""The sign-in gate (app.py + auth/gate.py), the login page and the admin page, in AppTest."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from auth import accounts
from auth.viewer import Viewer

PASSWORD = "Correct-Horse-7"
APP_TITLE = "吉林省劳动人事争议调解监测平台"


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A warehouse with the demo accounts and one real county clerk; the app reads it through MEDIATION_DB."""
    from warehouse.db import Warehouse

    path = tmp_path / "wh.duckdb"
    wh = Warehouse(path)
    accounts.ensure_demo_accounts(wh, actor="test")
    accounts.add_account(wh, "dongchang", role="county", region_code="220502", password=PASSWORD, actor="test")
    wh.close()
    monkeypatch.setenv("MEDIATION_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATION_DB", str(tmp_path / "empty.duckdb"))


def open_app(state: dict | None = None) -> AppTest:
    """app.py as a browser opens it (a new run through the gate), with the given server-side session state."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()


def carry(at: AppTest) -> dict:
    """The session state the next click would bring back through app.py."""
    return {k: at.session_state[k] for k in ("viewer", "auth_session") if k in at.session_state}


def log_in(name: str, password: str) -> AppTest:
    at = open_app()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return at.button(key="FormSubmitter:login_form-登录").click().run()


def audit_actions(path) -> list[tuple]:
    from warehouse.db import Warehouse

    wh = Warehouse(path)
    try:
        return [
            tuple(r)
            for r in wh.query(
                "select actor, action from audit_log where action not like 'account_add' order by logged_at, rowid"
            ).rows()
        ]
    finally:
        wh.close()


def page_titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# ------------------------------------------------------------------ the gate
def test_without_sign_in_only_the_login_page_runs(db):
    at = open_app()
    assert not at.exception
    assert page_titles(at) == [APP_TITLE]
    assert [b.label for b in at.sidebar.button] == []
    # a data page's URL (a pasted link) resolves, but what runs is the login form, not the page
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert page_titles(at) == [APP_TITLE]
    assert not any("数据截至" in m.value for m in at.markdown)


def test_signing_in_through_the_form_opens_the_sections_with_the_users_role_in_the_sidebar(db):
    at = log_in("DongChang", PASSWORD)
    assert at.session_state["viewer"] == Viewer("dongchang", "county", "220502", "通化市东昌区填报员")
    app = open_app(carry(at))
    assert not app.exception, app.exception
    assert page_titles(app)[0] == "总览"
    assert [c.value for c in app.sidebar.caption][0] == "县级填报员 · 通化市东昌区 · 账号 dongchang"
    assert [b.label for b in app.sidebar.button][0] == "退出登录"
    assert audit_actions(db) == [("dongchang", "login")]


def test_a_wrong_password_shows_a_chinese_error_and_five_lock_the_account(db):
    at = open_app()
    messages = []
    for _ in range(5):
        at.text_input(key="login_name").input("dongchang")
        at.text_input(key="login_password").input("wrong-password")
        at.button(key="FormSubmitter:login_form-登录").click().run()
        messages.append(at.error[0].value[:9])
    assert messages == ["账号或密码不正确。"] * 4 + ["连续 5 次密码错"]
    assert "viewer" not in at.session_state


def test_a_demo_account_signs_in_with_one_click(db):
    at = open_app()
    rows = [m.value for m in at.markdown if "演示账号" in m.value]
    assert len(rows) == 4 and "**省级管理员** · 全省" in rows[0]
    at.button(key="demo_login_2").click().run()
    assert at.session_state["viewer"].name == "demo_city"


def test_the_session_ends_after_inactivity(db):
    at = log_in("dongchang", PASSWORD)
    state = carry(at)
    state["auth_session"] = {**state["auth_session"], "last_seen": 0.0}  # last interaction long ago
    app = open_app(state)
    assert page_titles(app) == [APP_TITLE]
    assert "已自动退出登录" in app.info[0].value
    assert audit_actions(db)[-1] == ("dongchang", "logout")


def test_a_disabled_account_is_signed_out_at_its_next_click(db):
    at = log_in("dongchang", PASSWORD)
    from warehouse.db import Warehouse

    wh = Warehouse(db)
    accounts.disable_account(wh, "dongchang", actor="demo_admin")
    wh.close()
    app = open_app(carry(at))
    assert page_titles(app) == [APP_TITLE]
    assert "已被停用" in app.info[0].value


def test_the_logout_button_signs_out(db):
    at = log_in("dongchang", PASSWORD)
    app = open_app(carry(at))
    app.button(key="auth_logout").click().run()
    assert "viewer" not in app.session_state
    assert audit_actions(db)[-2:] == [("dongchang", "login"), ("dongchang", "logout")]


def test_only_administrators_get_the_admin_page_in_the_navigation(db):
    city = open_app({"viewer": Viewer("demo_city", "city", "220500")})
    with pytest.raises(ValueError):
        city.switch_page("pages/admin.py")
    admin = open_app({"viewer": Viewer("demo_admin", "admin")})
    admin.switch_page("pages/admin.py").run()
    assert not admin.exception and page_titles(admin) == ["账号与审计"]


def test_the_login_page_of_a_new_installation_explains_how_to_make_the_first_admin(empty_db):
    at = open_app()
    assert "尚未创建任何账号" in at.info[0].value
    assert at.code[0].value == "python -m etl user add 账号名 --role admin"


# ------------------------------------------------------------------ the admin page
def run_admin(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "admin.py"), default_timeout=60)
    at.session_state["viewer"] = viewer
    return at.run()


@pytest.mark.parametrize(
    "viewer",
    [Viewer("demo_leader", "leader"), Viewer("demo_city", "city", "220500"), Viewer("demo_county", "county", "220502")],
)
def test_the_admin_page_refuses_everyone_but_administrators(db, viewer):
    at = run_admin(viewer)
    assert [e.value for e in at.error] == [
        f"仅省级管理员可以管理账号和查看审计日志。您当前的身份是{viewer.role_label}。"
    ]
    assert len(at.dataframe) == 0 and len(at.text_input) == 0


def test_the_admin_page_lists_accounts_without_hashes(db):
    at = run_admin(Viewer("demo_admin", "admin"))
    table = at.dataframe[0].value
    assert list(table.columns) == ["账号", "名称", "角色", "地区", "状态", "演示账号", "创建时间", "最近登录"]
    assert table["账号"].tolist() == ["dongchang", "demo_admin", "demo_leader", "demo_city", "demo_county"]
    assert "$argon2" not in table.to_csv()
    assert "演示账号 demo_admin、demo_leader、demo_city、demo_county 仍可登录" in at.warning[0].value


def test_an_administrator_adds_and_disables_an_account(db):
    at = run_admin(Viewer("demo_admin", "admin"))
    at.selectbox(key="new_role").select("city").run()
    at.selectbox(key="new_region").select("220200")
    at.text_input(key="new_name").input("jilin_city")
    at.text_input(key="new_password").input(PASSWORD)
    at.text_input(key="new_password2").input(PASSWORD)
    at.button(key="FormSubmitter:new_account-创建账号").click().run()
    assert [s.value for s in at.success] == [
        "已创建账号 jilin\\_city（吉林市填报员）。请把初始密码当面或电话告知本人。"
    ]
    at.selectbox(key="manage_name").select("jilin_city").run()
    at.button(key="disable").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        "已停用账号 jilin_city。停用后该账号不能登录，已登录的会话在下一次操作时退出。"
    ]
    assert ("demo_admin", "account_disable") in audit_actions(db)
    assert at.dataframe[0].value.set_index("账号").loc["jilin_city", "状态"] == "已停用"


def test_a_mistyped_confirmation_creates_nothing(db):
    at = run_admin(Viewer("demo_admin", "admin"))
    at.text_input(key="new_name").input("someone")
    at.text_input(key="new_password").input(PASSWORD)
    at.text_input(key="new_password2").input(PASSWORD + "x")
    at.button(key="FormSubmitter:new_account-创建账号").click().run()
    assert [e.value for e in at.error] == ["两次输入的密码不一致，账号未创建。"]
    # what was typed stays, so only the confirmation needs retyping
    assert [at.text_input(key=k).value for k in ("new_name", "new_password", "new_password2")] == [
        "someone",
        PASSWORD,
        PASSWORD + "x",
    ]
    at.text_input(key="new_password2").input(PASSWORD)
    at.button(key="FormSubmitter:new_account-创建账号").click().run()
    assert not at.exception and [s.value for s in at.success][0].startswith("已创建账号 someone")
    assert [at.text_input(key=k).value for k in ("new_name", "new_password", "new_password2")] == ["", "", ""]


def test_the_audit_log_filters_and_exports(db):
    from warehouse.db import Warehouse

    wh = Warehouse(db)
    accounts.authenticate(wh, "dongchang", PASSWORD)
    accounts.authenticate(wh, "demo_city", '=HYPERLINK("http://evil")')  # a failed login: nothing typed is kept
    with wh.write() as cur:
        wh.audit(cur, "=cmd|' /C calc'!A0", "signal_ack", "@SUM(1)", {"note": "-2+3"})
    wh.close()
    at = run_admin(Viewer("demo_admin", "admin"))
    at.selectbox(key="audit_action").select("login").run()
    shown = at.dataframe[1].value
    assert shown[["操作人", "操作", "对象"]].values.tolist() == [["dongchang", "登录", "dongchang"]]
    at.selectbox(key="audit_action").select(None).run()
    at.selectbox(key="audit_actor").select("=cmd|' /C calc'!A0").run()
    assert at.dataframe[1].value["操作"].tolist() == ["预警处置"]
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(at)))
    rows = [[c.value for c in row] for row in book["审计日志"].iter_rows()]
    assert rows[0] == ["时间", "操作人", "操作", "对象", "说明", "原始记录"]
    assert rows[1][1:] == ["'=cmd|' /C calc'!A0", "预警处置", "'@SUM(1)", "备注：-2+3", '{"note": "-2+3"}']
    assert isinstance(rows[1][0], dt.datetime)


def export_bytes(at: AppTest) -> bytes:
    """The bytes behind the page's 导出 Excel button: the same query with the page's filters (AppTest cannot
    download), after checking the button is there and enabled."""
    import os

    from auth import audit
    from warehouse.db import Warehouse

    button = next(b for b in at.get("download_button") if "导出" in b.proto.label)
    assert not button.proto.disabled
    wh = Warehouse(os.environ["MEDIATION_DB"])
    try:
        return audit.audit_xlsx(
            audit.query_audit(
                wh, actor=at.selectbox(key="audit_actor").value, action=at.selectbox(key="audit_action").value
            )
        )
    finally:
        wh.close()
