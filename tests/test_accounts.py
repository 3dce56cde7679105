"""Accounts: argon2 hashes, validation, lockout, audit, demo accounts, load scopes and the `user` CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from conftest import ROOT

from auth import accounts
from auth.viewer import Viewer
from etl.regions import reference_index
from etl.scope import LoadScope, resolve_user_scope

T0 = dt.datetime(2025, 6, 2, 9, 0)
PASSWORD = "Correct-Horse-7"


@pytest.fixture
def wh(empty_warehouse):
    return empty_warehouse


@pytest.fixture
def clerk(wh):
    """A county clerk of 通化市东昌区 with a known password."""
    return accounts.add_account(wh, "dongchang", role="county", region_code="220502", password=PASSWORD, actor="test")


def audit_rows(wh) -> list[tuple]:
    return [tuple(r) for r in wh.query("select actor, action, target from audit_log order by logged_at, rowid").rows()]


def stored_hash(wh, name: str) -> str:
    return wh.scalar("select password_hash from accounts where name = ?", [name])


# ------------------------------------------------------------------ hashes
def test_passwords_are_stored_as_salted_argon2id_hashes(wh):
    accounts.add_account(wh, "a1", role="leader", password=PASSWORD, actor="test")
    accounts.add_account(wh, "a2", role="leader", password=PASSWORD, actor="test")
    first, second = stored_hash(wh, "a1"), stored_hash(wh, "a2")
    assert first.startswith("$argon2id$v=19$") and second.startswith("$argon2id$v=19$")
    assert first != second  # a random salt per hash
    assert first.split("$")[4] != second.split("$")[4]
    assert PASSWORD not in first


def test_no_password_or_hash_reaches_the_audit_log_or_account_listings(wh, clerk):
    accounts.authenticate(wh, "dongchang", "Wrong-Password-1", now=T0)
    accounts.authenticate(wh, "dongchang", PASSWORD, now=T0)
    accounts.authenticate(wh, "Correct-Horse-7", "typed-into-the-name-field", now=T0)  # password typed as name
    accounts.reset_password(wh, "dongchang", "Another-Secret-9", actor="test")
    text = json.dumps(wh.query("select * from audit_log").rows(), default=str, ensure_ascii=False)
    for secret in (PASSWORD, "Wrong-Password-1", "Another-Secret-9", "typed-into-the-name-field", "$argon2"):
        assert secret not in text
    listed = json.dumps([accounts.account_rows(wh), [a.__dict__ for a in accounts.list_accounts(wh)]], default=str)
    assert "$argon2" not in listed and "password_hash" not in listed


# ------------------------------------------------------------------ validation
def test_roles_and_regions_are_validated_with_chinese_messages(wh):
    cases = {
        ("city", "220502"): "市级填报员的地区必须是报送单位",
        ("county", "220500"): "县级填报员的地区必须是县级地区",
        ("county", None): "必须指定地区代码",
        ("city", "999999"): "未知的地区代码 999999",
        ("admin", "220500"): "不设地区",
        ("boss", None): "未知角色",
    }
    found = {}
    for (role, region), _ in cases.items():
        with pytest.raises(accounts.AccountError) as error:
            accounts.add_account(wh, "someone", role=role, region_code=region, password=PASSWORD, actor="test")
        found[(role, region)] = next(v for v in cases.values() if v in str(error.value))
    assert found == cases
    assert wh.scalar("select count(*) from accounts") == 0


def test_city_accounts_may_be_any_reporting_unit_and_county_accounts_any_county_level_region(wh):
    for name, role, region in [
        ("meihekou", "city", "220581"),
        ("changbaishan", "city", "229901"),
        ("yanbian", "city", "222400"),
        ("zone1", "county", "220171"),
        ("meihekou_county", "county", "220581"),
    ]:
        accounts.add_account(wh, name, role=role, region_code=region, password=PASSWORD, actor="test")
    assert wh.scalar("select count(*) from accounts") == 5


def test_weak_passwords_and_bad_names_are_refused(wh):
    messages = []
    for name, password in [
        ("ok_name", "short"),
        ("ok_name_long", "ok_name_long"),
        ("Bad Name!", PASSWORD),
        ("x", PASSWORD),
    ]:
        with pytest.raises(accounts.AccountError) as error:
            accounts.add_account(wh, name, role="leader", password=password, actor="test")
        messages.append(str(error.value)[:6])
    assert messages == ["密码太短：至", "密码不能与账", "账号名“ba", "账号名“x”"]


def test_duplicate_names_are_refused_case_insensitively(wh, clerk):
    with pytest.raises(accounts.AccountError, match="已存在"):
        accounts.add_account(wh, "DongChang", role="leader", password=PASSWORD, actor="test")


# ------------------------------------------------------------------ sign-in and lockout
def test_successful_login_returns_the_viewer_and_is_audited(wh, clerk):
    result = accounts.authenticate(wh, " DongChang ", PASSWORD, now=T0)
    assert (result.status, result.viewer) == ("ok", Viewer("dongchang", "county", "220502", "通化市东昌区填报员"))
    assert accounts.get_account(wh, "dongchang").last_login_at == T0
    assert audit_rows(wh)[-1] == ("dongchang", "login", "dongchang")


def test_signing_in_and_account_changes_leave_the_page_cache_generation_alone(wh, clerk):
    """Page caches key on the generation: a sign-in somewhere must not make every user's next page recompute."""
    before = wh.generation
    accounts.authenticate(wh, "dongchang", PASSWORD, now=T0)
    accounts.authenticate(wh, "dongchang", "wrong-password-1", now=T0)
    accounts.reset_password(wh, "dongchang", "Another-Horse-8", actor="test")
    accounts.record_logout(wh, Viewer("dongchang", "county", "220502"))
    assert [a for _, a, _ in audit_rows(wh)[-4:]] == ["login", "login_failed", "password_reset", "logout"]
    assert wh.generation == before
    with wh.write() as cur:  # a write of data (a load, a review) moves it
        cur.execute("select 1")
    assert wh.generation == before + 1


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(wh, clerk):
    statuses = [accounts.authenticate(wh, "dongchang", f"wrong-{i}-password", now=T0).status for i in range(5)]
    locked_right_password = accounts.authenticate(wh, "dongchang", PASSWORD, now=T0 + dt.timedelta(minutes=14))
    after_lock = accounts.authenticate(wh, "dongchang", PASSWORD, now=T0 + dt.timedelta(minutes=15, seconds=1))
    assert statuses == ["invalid", "invalid", "invalid", "invalid", "locked"]
    assert (locked_right_password.status, locked_right_password.locked_until) == (
        "locked",
        T0 + dt.timedelta(minutes=15),
    )
    assert "锁定" in locked_right_password.message
    assert after_lock.status == "ok"
    assert [a for _, a, _ in audit_rows(wh)] == [
        "account_add",
        *["login_failed"] * 4,
        "account_locked",
        "login_refused",
        "login",
    ]


def test_a_success_resets_the_failure_count(wh, clerk):
    for _ in range(4):
        accounts.authenticate(wh, "dongchang", "wrong-password", now=T0)
    accounts.authenticate(wh, "dongchang", PASSWORD, now=T0)
    statuses = [accounts.authenticate(wh, "dongchang", "wrong-password", now=T0).status for _ in range(4)]
    assert statuses == ["invalid"] * 4


def test_unknown_names_get_the_generic_message_and_the_typed_name_is_not_kept(wh, clerk):
    result = accounts.authenticate(wh, "nobody", PASSWORD, now=T0)
    assert (result.status, result.message) == ("invalid", "账号或密码不正确。")
    assert audit_rows(wh)[-1] == ("（未知账号）", "login_failed", None)


def test_a_disabled_account_cannot_sign_in_and_says_so_only_with_the_right_password(wh, clerk):
    accounts.add_account(wh, "boss", role="admin", password=PASSWORD, actor="test")
    accounts.disable_account(wh, "dongchang", actor="boss")
    assert accounts.authenticate(wh, "dongchang", "wrong-password", now=T0).status == "invalid"
    assert accounts.authenticate(wh, "dongchang", PASSWORD, now=T0).status == "disabled"
    assert accounts.active_viewer(wh, "dongchang") is None


def test_reset_password_unlocks_and_stops_listing_a_demo_account(wh):
    accounts.ensure_demo_accounts(wh, actor="test")
    for _ in range(5):
        accounts.authenticate(wh, "demo_city", "wrong-password", now=T0)
    accounts.reset_password(wh, "demo_city", "A-New-Password-1", actor="test")
    assert accounts.authenticate(wh, "demo_city", "A-New-Password-1", now=T0).status == "ok"
    assert [d["name"] for d in accounts.demo_accounts(wh)] == ["demo_admin", "demo_leader", "demo_county"]


def test_the_last_enabled_admin_cannot_be_disabled(wh):
    accounts.add_account(wh, "boss", role="admin", password=PASSWORD, actor="test")
    with pytest.raises(accounts.AccountError, match="最后一个"):
        accounts.disable_account(wh, "boss", actor="cli:root")
    with pytest.raises(accounts.AccountError, match="不能停用自己"):
        accounts.disable_account(wh, "boss", actor="boss")
    accounts.add_account(wh, "boss2", role="admin", password=PASSWORD, actor="boss")
    accounts.disable_account(wh, "boss", actor="boss2")
    assert [a.name for a in accounts.list_accounts(wh) if not a.disabled] == ["boss2"]


def test_every_account_change_is_audited_with_its_actor(wh, clerk):
    accounts.add_account(wh, "boss", role="admin", password=PASSWORD, actor="cli:root")
    accounts.disable_account(wh, "dongchang", actor="boss")
    accounts.enable_account(wh, "dongchang", actor="boss")
    accounts.reset_password(wh, "dongchang", "Brand-New-Pass-2", actor="boss")
    accounts.unlock_account(wh, "dongchang", actor="boss")
    assert audit_rows(wh) == [
        ("test", "account_add", "dongchang"),
        ("cli:root", "account_add", "boss"),
        ("boss", "account_disable", "dongchang"),
        ("boss", "account_enable", "dongchang"),
        ("boss", "password_reset", "dongchang"),
        ("boss", "account_unlock", "dongchang"),
    ]


def test_nothing_in_the_project_updates_or_deletes_audit_rows():
    pattern = re.compile(
        r"(update\s+audit_log|delete\s+from\s+audit_log|truncate\s+audit_log|drop\s+table\s+(if\s+exists\s+)?audit_log)",
        re.IGNORECASE,
    )
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("auth", "dashboard", "etl", "pages", "warehouse")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".sql") and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# ------------------------------------------------------------------ demo accounts
def test_demo_accounts_are_created_once_one_per_role(wh):
    created, refused = accounts.ensure_demo_accounts(wh, actor="test")
    again, _ = accounts.ensure_demo_accounts(wh, actor="test")
    assert (created, refused, again) == (["demo_admin", "demo_leader", "demo_city", "demo_county"], None, [])
    assert accounts.demo_accounts(wh) == [
        {
            "name": "demo_admin",
            "password": "demo1234",
            "display_name": "演示·省级管理员",
            "role": "省级管理员",
            "region": "全省",
        },
        {
            "name": "demo_leader",
            "password": "demo1234",
            "display_name": "演示·省级领导",
            "role": "省级领导",
            "region": "全省",
        },
        {
            "name": "demo_city",
            "password": "demo1234",
            "display_name": "演示·通化市填报员",
            "role": "市级填报员",
            "region": "通化市",
        },
        {
            "name": "demo_county",
            "password": "demo1234",
            "display_name": "演示·通化市东昌区填报员",
            "role": "县级填报员",
            "region": "通化市东昌区",
        },
    ]
    assert accounts.authenticate(wh, "demo_county", "demo1234", now=T0).ok


def test_demo_accounts_are_refused_on_a_real_installation(wh):
    accounts.add_account(wh, "chief", role="admin", password=PASSWORD, actor="cli:root")
    created, refused = accounts.ensure_demo_accounts(wh, actor="test")
    assert created == [] and "正式安装" in refused
    assert accounts.demo_accounts(wh) == []


# ------------------------------------------------------------------ load scopes
def test_load_scope_per_role():
    index = reference_index()
    tonghua = index.get("220500")
    scopes = {
        role: accounts.load_scope(Viewer(f"u_{role}", role, region), index)
        for role, region in [("admin", None), ("leader", None), ("city", "220500"), ("county", "220502")]
    }
    assert scopes == {
        "admin": LoadScope("u_admin", None, "全省", None, "approved", None),
        "leader": LoadScope(
            "u_leader", set(), "只读", None, "approved", "账号“u_leader”是省级领导（只读），不能上报或入库数据。"
        ),
        "city": LoadScope(
            "u_city",
            {"220500", "220502", "220503", "220521", "220523", "220524", "220582"},
            "通化市及所辖县区",
            tonghua,
            "pending",
            None,
        ),
        "county": LoadScope("u_county", {"220502"}, "通化市东昌区", tonghua, "pending", None),
    }


def test_review_state_follows_the_review_setting(monkeypatch):
    from warehouse import config

    real = config.settings()
    monkeypatch.setattr(config, "settings", lambda: {**real, "review": {"enabled": False}})
    assert [accounts.review_state_for(Viewer("x", r, "220502")) for r in ("admin", "city", "county")] == [
        "approved"
    ] * 3
    monkeypatch.setattr(config, "settings", lambda: {**real, "review": {"enabled": True}})
    assert [accounts.review_state_for(Viewer("x", r, "220502")) for r in ("admin", "city", "county")] == [
        "approved",
        "pending",
        "pending",
    ]


def test_resolve_user_scope_uses_the_account(wh, clerk):
    accounts.add_account(wh, "gone", role="city", region_code="220500", password=PASSWORD, actor="test")
    accounts.add_account(wh, "boss", role="admin", password=PASSWORD, actor="test")
    accounts.disable_account(wh, "gone", actor="boss")
    assert resolve_user_scope(wh, "dongchang").allowed_regions == {"220502"}
    assert resolve_user_scope(wh, None) == LoadScope()
    assert resolve_user_scope(wh, "nobody").error.startswith("没有名为“nobody”的账号")
    assert resolve_user_scope(wh, "gone").error == "账号“gone”已停用，不能入库。"


# ------------------------------------------------------------------ CLI
def run_cli(argv, monkeypatch, capsys, stdin: str = "") -> tuple[int, str, str]:
    from etl.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_adds_lists_and_disables_accounts(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "cli.duckdb")
    results = [
        run_cli(
            ["user", "add", "chief", "--role", "admin", "--password-stdin", "--db", db],
            monkeypatch,
            capsys,
            PASSWORD + "\n",
        ),
        run_cli(
            ["user", "add", "tonghua", "--role", "city", "--region", "220500", "--password-stdin", "--db", db],
            monkeypatch,
            capsys,
            PASSWORD + "\n",
        ),
        run_cli(["user", "disable", "tonghua", "--db", db], monkeypatch, capsys),
        run_cli(["user", "list", "--db", db], monkeypatch, capsys),
    ]
    assert [r[0] for r in results] == [0, 0, 0, 0]
    assert results[0][1] == "已创建账号 chief（省级管理员，全省）\n"
    assert results[1][1] == "已创建账号 tonghua（通化市填报员，市级填报员，通化市）\n"
    assert results[2][1] == "已停用账号 tonghua（通化市填报员）\n"
    listing = [line.split() for line in results[3][1].splitlines()]
    assert [row[:5] for row in listing] == [
        ["账号", "名称", "角色", "地区", "状态"],
        ["chief", "省级管理员", "省级管理员", "全省", "正常"],
        ["tonghua", "通化市填报员", "市级填报员", "通化市", "已停用"],
    ]
    assert all(PASSWORD not in out + err for _, out, err in results)


def test_cli_validation_errors_are_chinese_with_exit_status_2(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "cli.duckdb")
    cases = [
        (
            ["user", "add", "x1", "--role", "city", "--region", "220502", "--password-stdin"],
            "市级填报员的地区必须是报送单位",
        ),
        (
            ["user", "add", "x2", "--role", "county", "--region", "220500", "--password-stdin"],
            "县级填报员的地区必须是县级地区",
        ),
        (["user", "add", "x3", "--role", "county", "--password-stdin"], "必须指定地区代码"),
        (["user", "add", "x4", "--role", "leader", "--password-stdin"], "密码太短"),
        (["user", "disable", "nobody"], "没有名为“nobody”的账号"),
        (["user", "add", "x5", "--role", "boss"], "参数错误"),
    ]
    outcomes = []
    for argv, expected in cases:
        code, _, err = run_cli([*argv, "--db", db], monkeypatch, capsys, "short\n")
        outcomes.append((code, expected in err))
    assert outcomes == [(2, True)] * len(cases)


def test_cli_asks_for_the_password_twice_without_stdin(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "cli.duckdb")
    answers = iter([PASSWORD, "something-else", PASSWORD, PASSWORD])
    monkeypatch.setattr("etl.accounts_cli.getpass.getpass", lambda prompt="": next(answers))
    mismatch = run_cli(["user", "add", "lead", "--role", "leader", "--db", db], monkeypatch, capsys)
    match = run_cli(["user", "add", "lead", "--role", "leader", "--db", db], monkeypatch, capsys)
    assert (mismatch[0], "两次输入的密码不一致" in mismatch[2]) == (2, True)
    assert match[:2] == (0, "已创建账号 lead（省级领导，全省）\n")


def test_cli_demo_accounts_is_idempotent(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "cli.duckdb")
    first = run_cli(["user", "demo-accounts", "--db", db], monkeypatch, capsys)
    second = run_cli(["user", "demo-accounts", "--db", db], monkeypatch, capsys)
    assert first == (
        0,
        "已创建演示账号：demo_admin、demo_leader、demo_city、demo_county（密码均为 demo1234，仅用于演示数据）\n",
        "",
    )
    assert second == (0, "演示账号已存在，未改动。\n", "")
