"""The service's routes (service/web.py) called as ASGI: /healthz 200 and 503, /login with CSRF, lockout and the
cookie's flags, /logout with the session's token, the page gate, and JSON logs without passwords."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from service import jobs, logs, sessions, web

PASSWORD = "Tonghua-2025x"


def call(
    app, method: str, path: str, *, body: dict | None = None, cookies: dict | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    """One HTTP request through the ASGI app: (status, headers (set-cookie joined by newlines), body)."""
    raw = urlencode(body or {}).encode()
    path, _, query = path.partition("?")
    head = [(b"host", b"testserver"), (b"content-type", b"application/x-www-form-urlencoded")]
    if cookies:
        head.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    head += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": head,
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    sent, out = [False], {"status": 0, "headers": {}, "body": b""}

    async def receive():
        if sent[0]:
            return {"type": "http.disconnect"}
        sent[0] = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            for k, v in message["headers"]:
                key = k.decode().lower()
                out["headers"][key] = (out["headers"][key] + "\n" if key in out["headers"] else "") + v.decode()
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return out["status"], out["headers"], out["body"]


def set_cookies(headers: dict) -> dict[str, str]:
    """name → the whole Set-Cookie line."""
    lines = headers.get("set-cookie", "").split("\n")
    return {line.split("=", 1)[0]: line for line in lines if line}


def cookie_value(headers: dict, name: str) -> str:
    jar = SimpleCookie()
    jar.load(set_cookies(headers)[name])
    return jar[name].value


@pytest.fixture
def service(empty_warehouse, monkeypatch):
    """The routes and the gate middleware around a stub page app, on a test warehouse with one clerk."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from auth.accounts import add_account

    add_account(empty_warehouse, "tonghua_city", role="city", region_code="220500", password=PASSWORD, actor="t")
    monkeypatch.setattr(web, "_warehouse", lambda: empty_warehouse)
    store = sessions.enable(sessions.SessionStore(idle_minutes=10, absolute_hours=1))
    app = Starlette(
        routes=[*web.routes(), Route("/{page:path}", lambda r: PlainTextResponse("page"))], middleware=web.middleware()
    )
    yield app, store, empty_warehouse
    sessions.disable()


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logs.LOGGER.addHandler(handler)
    logs.LOGGER.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logs.LOGGER.removeHandler(handler)


def sign_in(app, password: str = PASSWORD, next_url: str = "/coverage?period=2025-06"):
    _, headers, _ = call(app, "GET", "/login")
    csrf = cookie_value(headers, web.CSRF_COOKIE)
    return call(
        app,
        "POST",
        "/login",
        body={"csrf": csrf, "name": "tonghua_city", "password": password, "next": next_url},
        cookies={web.CSRF_COOKIE: csrf},
    )


def test_healthz_answers_200_with_the_jobs_when_the_warehouse_answers(service):
    app, _, _ = service
    status, headers, body = call(app, "GET", "/healthz")
    assert (status, headers["content-type"], json.loads(body)) == (
        200,
        "application/json",
        {
            "status": "ok",
            "warehouse": "ok",
            "jobs": {
                j: {"last_run": None, "outcome": None, "next_run": None}
                for j in ("signals_refresh", "backup", "reminders")
            },
        },
    )


def test_healthz_answers_503_when_a_jobs_last_run_failed(service, monkeypatch):
    app, _, wh = service
    monkeypatch.setitem(jobs.JOBS, "backup", jobs.Job("backup", "整库备份", lambda wh, now: 1 / 0))
    jobs.run_job(wh, "backup")
    status, _, body = call(app, "GET", "/healthz")
    assert (status, json.loads(body)["status"], json.loads(body)["jobs"]["backup"]["outcome"]) == (
        503,
        "degraded",
        "failed",
    )


def test_healthz_answers_503_when_the_warehouse_is_unreachable(service):
    app, _, wh = service
    wh.close()
    status, _, body = call(app, "GET", "/healthz")
    assert (status, json.loads(body)) == (
        503,
        {"status": "error", "warehouse": "unreachable: ConnectionException", "jobs": {}},
    )


def test_a_page_without_a_session_redirects_to_login_keeping_the_page_and_filters(service):
    app, _, _ = service
    status, headers, _ = call(app, "GET", "/coverage?period=2025-06&region=220500")
    assert (status, headers["location"]) == (303, "/login?next=%2Fcoverage%3Fperiod%3D2025-06%26region%3D220500")
    assert call(app, "GET", "/_stcore/host-config")[0] == 200  # Streamlit's own endpoints pass


def test_signing_in_sets_an_httponly_samesite_cookie_and_returns_to_the_page(service):
    app, store, _ = service
    status, headers, _ = sign_in(app)
    line = set_cookies(headers)[sessions.COOKIE]
    assert (status, headers["location"]) == (303, "/coverage?period=2025-06")
    assert ("HttpOnly" in line, "SameSite=lax" in line, "Secure" in line) == (True, True, False)
    token = cookie_value(headers, sessions.COOKIE)
    assert store.get(token).name == "tonghua_city"
    assert call(app, "GET", "/coverage", cookies={sessions.COOKIE: token})[0] == 200


def test_a_url_naming_no_page_opens_the_home_page_with_its_filters_instead_of_streamlits_english_dialog(service):
    app, _, _ = service
    token = cookie_value(sign_in(app)[1], sessions.COOKIE)
    answers = {
        path: call(app, "GET", path, cookies={sessions.COOKIE: token})
        for path in ("/overview?period=2025-06&region=220500", "/nosuch", "/coverage", "/", "/_stcore/host-config")
    }
    assert {path: (status, headers.get("location")) for path, (status, headers, _) in answers.items()} == {
        "/overview?period=2025-06&region=220500": (303, "/?period=2025-06&region=220500"),  # 总览 is served at /
        "/nosuch": (303, "/"),
        "/coverage": (200, None),
        "/": (200, None),
        "/_stcore/host-config": (200, None),
    }


def test_a_login_post_without_the_matching_csrf_token_or_from_another_site_is_refused(service):
    app, store, wh = service
    no_token = call(app, "POST", "/login", body={"name": "tonghua_city", "password": PASSWORD})
    _, headers, _ = call(app, "GET", "/login")
    csrf = cookie_value(headers, web.CSRF_COOKIE)
    cross = call(
        app,
        "POST",
        "/login",
        body={"csrf": csrf, "name": "tonghua_city", "password": PASSWORD},
        cookies={web.CSRF_COOKIE: csrf},
        headers={"origin": "https://evil.example"},
    )
    assert (no_token[0], cross[0], store.active_count()) == (403, 403, 0)
    assert "登录请求已失效" in cross[2].decode()


def test_wrong_passwords_lock_the_account_and_are_audited_as_before(service):
    app, _, wh = service
    statuses = [sign_in(app, password="wrong-password")[0] for _ in range(5)]
    status, _, body = sign_in(app)
    assert (statuses, status) == ([401] * 5, 401)
    assert "已被锁定" in body.decode()
    actions = wh.query(
        "select action from audit_log where action like 'login%' or action = 'account_locked' order by logged_at"
    )["action"].to_list()
    assert actions == ["login_failed"] * 4 + ["account_locked", "login_refused"]


def test_logout_needs_the_sessions_token_and_revokes_the_session_on_the_server(service):
    app, store, wh = service
    token = cookie_value(sign_in(app)[1], sessions.COOKIE)
    forged = call(app, "POST", "/logout", body={"csrf": "guess"}, cookies={sessions.COOKIE: token})
    assert (forged[0], store.get(token).name) == (403, "tonghua_city")
    status, headers, _ = call(
        app, "POST", "/logout", body={"csrf": store.get(token).csrf}, cookies={sessions.COOKIE: token}
    )
    assert (status, headers["location"], store.get(token), store.ended_reason(token)) == (
        303,
        "/login?reason=logout",
        None,
        "logout",
    )
    assert call(app, "GET", "/coverage", cookies={sessions.COOKIE: token})[0] == 303
    assert wh.query("select action, target from audit_log where action = 'logout'").rows() == [
        ("logout", "tonghua_city")
    ]


def test_the_login_page_escapes_everything_it_shows(service):
    app, _, _ = service
    _, _, body = call(app, "GET", "/login?next=/x%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>" not in body.decode() and "&lt;script&gt;" in body.decode()


def test_request_and_login_logs_are_json_lines_without_passwords(service, log_lines):
    app, _, _ = service
    sign_in(app, password="Wrong-Secret-1")
    sign_in(app)
    lines = log_lines()
    assert [(e["action"], e["outcome"], e.get("route")) for e in lines if e["action"] == "login"] == [
        ("login", "invalid", "/login"),
        ("login", "ok", "/login"),
    ]
    assert all({"time", "level", "action", "outcome"} <= set(e) for e in lines)
    assert PASSWORD not in json.dumps(lines) and "Wrong-Secret-1" not in json.dumps(lines)


def test_demo_accounts_refuse_the_start_unless_started_as_a_demo(empty_warehouse):
    from auth.accounts import ensure_demo_accounts

    assert web.check_demo_policy(empty_warehouse, demo_mode=False) is None
    ensure_demo_accounts(empty_warehouse, actor="t")
    refusal = web.check_demo_policy(empty_warehouse, demo_mode=False)
    assert refusal.startswith("拒绝启动：数据仓库中有启用的演示账号（demo_admin、demo_leader、demo_city、demo_county")
    assert web.check_demo_policy(empty_warehouse, demo_mode=True) is None
