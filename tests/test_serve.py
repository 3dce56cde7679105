"""The service (serve.py) in a real browser: cookie sessions survive F5, new tabs and pasted deep links; logout,
a disabled account and idle expiry end them; the service refuses demo accounts unless started as a demo."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ROOT, SAMPLES

from dashboard.chart_images import CHROMIUM, CHROMIUM_ARGS

CITY, CITY_PASSWORD = "tonghua_city", "Tonghua-2025x"
ADMIN, ADMIN_PASSWORD = "boss", "Boss-Admin-2025"
IDLE_SECONDS = 30  # [session] idle_minutes = 0.5 in the test's config

needs_chromium = pytest.mark.skipif(not shutil.which("chromium"), reason="Debian chromium not installed (make browser)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp_path, idle_minutes: float | None = None) -> str:
    """A copy of settings.toml, with a short [session] idle_minutes when given."""
    text = (ROOT / "config" / "settings.toml").read_text(encoding="utf-8")
    if idle_minutes is not None:
        assert "\nidle_minutes = 120\n" in text
        text = text.replace("\nidle_minutes = 120\n", f"\nidle_minutes = {idle_minutes}\n")
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _start(db, config, *, demo: bool = False) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "MEDIATION_DB": str(db), "MEDIATION_CONFIG": config}
    env.pop("MEDIATION_DEMO", None)
    if demo:
        env["MEDIATION_DEMO"] = "1"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    return server, port


def _wait_healthy(server, port) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise AssertionError("service exited: " + server.stdout.read())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except Exception:  # noqa: BLE001 - not listening yet (or 503, which raises too)
            time.sleep(0.5)
    raise AssertionError("service did not start")


def _stop(server) -> str:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    out, _ = server.communicate(timeout=30)
    return out


@pytest.fixture(scope="module")
def service_db(tmp_path_factory):
    from auth.accounts import add_account
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    db = tmp_path_factory.mktemp("service") / "wh.duckdb"
    wh = Warehouse(db)
    name = "通化市2025年3月劳动人事争议调解情况月报.xlsx"
    assert ingest(wh, (SAMPLES / name).read_bytes(), name).status == "loaded"
    add_account(wh, CITY, role="city", region_code="220500", password=CITY_PASSWORD, actor="test")
    add_account(wh, ADMIN, role="admin", password=ADMIN_PASSWORD, actor="test")
    wh.close()
    return db


def _sign_in(page, name: str, password: str) -> None:
    page.locator("#name").fill(name)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


@needs_chromium
def test_a_signed_in_user_stays_signed_in_across_reload_new_tab_and_deep_link_until_logout_disable_or_idle(
    service_db, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    server, port = _start(service_db, _config(tmp_path, idle_minutes=IDLE_SECONDS / 60))
    base = f"http://127.0.0.1:{port}"
    deep = f"{base}/mediation?period=2025-03&region=220500"
    try:
        _wait_healthy(server, port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            clerk = browser.new_context()
            page = clerk.new_page()
            # a pasted deep link while signed out: the login form, then the same page and filters
            page.goto(deep)
            expect(page.locator("#password")).to_be_visible(timeout=30000)
            _sign_in(page, CITY, CITY_PASSWORD)
            expect(page.get_by_role("heading", name="调解成效").first).to_be_visible(timeout=60000)
            assert page.url.startswith(deep)  # the page may add its own defaults (from=…) to the filters
            page.wait_for_timeout(1000)  # let the page settle its URL
            shown = page.url
            cookie = next(c for c in clerk.cookies() if c["name"] == "mediation_session")
            assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Lax")

            # F5: still signed in, same page and filters
            page.reload()
            expect(page.get_by_role("heading", name="调解成效").first).to_be_visible(timeout=60000)
            expect(page.get_by_text("账号 tonghua_city")).to_be_visible(timeout=30000)
            assert page.url == shown

            # a new tab with a deep link: signed in at once
            tab = clerk.new_page()
            tab.goto(f"{base}/submissions")
            expect(tab.get_by_role("heading", name="报送情况").first).to_be_visible(timeout=60000)
            expect(tab.get_by_text("账号 tonghua_city")).to_be_visible(timeout=30000)
            tab.close()

            # logout (a POST with the session's CSRF token) → reload → the login form
            page.get_by_role("button", name="退出登录").click()
            expect(page.locator("#password")).to_be_visible(timeout=30000)
            page.goto(deep)
            expect(page.locator("#password")).to_be_visible(timeout=30000)

            # an account disabled by the administrator loses its session at its next rerun
            _sign_in(page, CITY, CITY_PASSWORD)
            expect(page.get_by_role("heading", name="调解成效").first).to_be_visible(timeout=60000)
            admin = browser.new_context().new_page()
            admin.goto(f"{base}/admin")
            _sign_in(admin, ADMIN, ADMIN_PASSWORD)
            expect(admin.get_by_role("heading", name="管理现有账号")).to_be_visible(timeout=60000)
            admin.locator('[data-testid="stSelectbox"]', has=admin.get_by_text("账号", exact=True)).click()
            admin.get_by_role("option", name=f"{CITY} ·").click()
            admin.get_by_role("button", name="停用").click()
            expect(admin.get_by_text(f"已停用账号 {CITY}")).to_be_visible(timeout=30000)
            page.get_by_role("link", name="报送情况").click()  # the clerk's next rerun
            expect(page.get_by_text("您的账号已被停用")).to_be_visible(timeout=30000)
            page.reload()
            expect(page.locator("#password")).to_be_visible(timeout=30000)

            # idle expiry still ends a session (the administrator's, left alone past idle_minutes)
            time.sleep(IDLE_SECONDS + 3)
            admin.get_by_role("link", name="报送情况").click()
            expect(admin.get_by_text("没有操作，已自动退出登录")).to_be_visible(timeout=30000)
            browser.close()
    finally:
        log = _stop(server)
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    actions = {(line["action"], line["outcome"]) for line in lines}
    assert {("login", "ok"), ("logout", "ok"), ("page", "ok")} <= actions
    assert CITY_PASSWORD not in log and ADMIN_PASSWORD not in log


def test_the_service_refuses_to_start_with_demo_accounts_unless_started_as_a_demo(tmp_path):
    from auth.accounts import ensure_demo_accounts
    from warehouse.db import Warehouse

    db = tmp_path / "wh.duckdb"
    wh = Warehouse(db)
    ensure_demo_accounts(wh, actor="test")
    wh.close()
    config = _config(tmp_path)
    server, port = _start(db, config)
    try:
        code = server.wait(timeout=120)
        out = server.stdout.read()
    finally:
        if server.poll() is None:
            _stop(server)
    assert code != 0 and "拒绝启动" in out and "MEDIATION_DEMO=1" in out
    demo, port = _start(db, config, demo=True)
    try:
        _wait_healthy(demo, port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as page:
            assert "以此身份登录" in page.read().decode("utf-8")
    finally:
        _stop(demo)
