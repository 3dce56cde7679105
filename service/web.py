"""The service's own HTTP surface around Streamlit: /login, /logout, /healthz, the session gate middleware,
request logs, and the lifespan that checks the warehouse and runs the job scheduler.

Sign-in is an ordinary HTML form posted to /login (service/login_page.py): the argon2 check, lockout and audit
are auth.accounts.authenticate, exactly as before; on success a random session id goes into an HttpOnly,
SameSite=Lax cookie (Secure over HTTPS). Both posts are protected against CSRF: /login by a double-submit token
(cookie + hidden field) and /logout by the session's own token, and a cross-site Origin is refused outright.
Page requests without a live session are redirected to /login?next=<the page and its filters>, so a pasted deep
link opens right after signing in; Streamlit's own assets and endpoints pass through.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import time
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from service import jobs, login_page, logs, paths, preload, sessions

CSRF_COOKIE = "mediation_login_csrf"
MAX_FORM_BYTES = 8 * 1024
# Paths served without a session: Streamlit's assets and endpoints (the websocket's script run checks the
# session itself, auth/gate.py), our own routes, and Streamlit's OIDC routes (optional SSO, docs/accounts.md).
PUBLIC_PREFIXES = paths.NOT_PAGES
DEMO_ENV = "MEDIATION_DEMO"
HTTP_URL_ENV = "MEDIATION_HTTP_URL"  # the app's address for the CLI when Streamlit's server.port does not say it


def _warehouse():
    from dashboard.runtime import warehouse

    return warehouse()


def _store() -> sessions.SessionStore:
    store = sessions.store()
    if store is None:  # routes used without the lifespan (a bare Starlette test client): still one store
        store = sessions.enable()
    return store


def _secure(request: Request) -> bool:
    setting = str(sessions.session_settings()["secure_cookie"]).lower()
    if setting in ("true", "1", "yes"):
        return True
    if setting in ("false", "0", "no"):
        return False
    return request.url.scheme == "https"  # behind nginx: uvicorn takes the scheme from X-Forwarded-Proto


def _same_origin(request: Request) -> bool:
    """A post from another site is refused; browsers send Origin on every cross-site post."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        referer = request.headers.get("referer")
        if not referer:
            return True  # no header at all: not a browser's cross-site post (the token still has to match)
        origin = referer
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
    return urlsplit(origin).netloc.lower() == host.split(",")[0].strip().lower()


async def _form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in fields.items()}


def _login_response(
    request: Request, *, status: int = 200, error: str | None = None, notice: str | None = None, next_url: str = "/"
) -> Response:
    from auth import accounts

    wh = _warehouse()
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) != 43:
        token = secrets.token_urlsafe(32)
    current = _store().get(request.cookies.get(sessions.COOKIE), touch=False)
    cfg = accounts.account_settings()
    html = login_page.render(
        csrf=token,
        next_url=next_url,
        error=error,
        notice=notice,
        demo=accounts.demo_accounts(wh),
        max_failed=cfg["max_failed_logins"],
        lockout_minutes=cfg["lockout_minutes"],
        signed_in_as=current.name if current else None,
        logout_csrf=current.csrf if current else None,
        sso=_sso_configured(),
        prefetch=preload.prefetch_links(),
    )
    response = HTMLResponse(html, status_code=status, headers=_page_headers())
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    return response


def _page_headers() -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # default-src 'self' only so that the prefetch hints (service/preload.py) may fetch this site's own
        # Streamlit files into the cache; the page still runs no script and loads no image or connection.
        "Content-Security-Policy": "default-src 'self'; script-src 'none'; connect-src 'none'; img-src 'none'; "
        "style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'",
        "Referrer-Policy": "same-origin",
    }


def _sso_configured() -> bool:
    try:
        import streamlit as st

        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file
        return False


async def login_get(request: Request) -> Response:
    next_url = sessions.safe_next(request.query_params.get("next"))
    reason = request.query_params.get("reason")
    notice = _store().message(reason) if reason in sessions.REASONS else None
    return await run_in_threadpool(_login_response, request, notice=notice, next_url=next_url)


async def login_post(request: Request) -> Response:
    from auth import accounts

    started = time.perf_counter()
    form = await _form(request)
    next_url = sessions.safe_next(form.get("next"))
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not (_same_origin(request) and cookie and hmac.compare_digest(cookie, form.get("csrf", ""))):
        logs.event("login", outcome="refused_csrf", route="/login", duration_ms=(time.perf_counter() - started) * 1000)
        return await run_in_threadpool(
            _login_response,
            request,
            status=403,
            next_url=next_url,
            error="登录请求已失效（页面停留过久或来自其他网站）。请重新输入账号和密码。",
        )
    wh = _warehouse()
    name = form.get("name", "")[:64]
    if form.get("demo") == "1":  # a demo button: only an enabled demo account, with its public password
        demo = {row["name"]: row["password"] for row in await run_in_threadpool(accounts.demo_accounts, wh)}
        if accounts.normalise_name(name) not in demo:
            return await run_in_threadpool(
                _login_response, request, status=401, next_url=next_url, error="该演示账号已停用或不存在。"
            )
        result = await run_in_threadpool(
            lambda: accounts.authenticate(wh, name, demo[accounts.normalise_name(name)], via="demo_button")
        )
    else:
        password = form.get("password", "")[:256]
        result = await run_in_threadpool(accounts.authenticate, wh, name, password)
    duration = (time.perf_counter() - started) * 1000
    if not result.ok:
        logs.event("login", outcome=result.status, route="/login", duration_ms=duration)
        return await run_in_threadpool(_login_response, request, status=401, error=result.message, next_url=next_url)
    store = _store()
    store.revoke(request.cookies.get(sessions.COOKIE), "logout")  # a new id at every sign-in (no fixation)
    token = store.create(result.viewer.name)
    logs.event("login", user=result.viewer.name, route="/login", duration_ms=duration)
    response = RedirectResponse(next_url, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def logout_post(request: Request) -> Response:
    from auth import accounts
    from auth.viewer import Viewer

    form = await _form(request)
    store = _store()
    token = request.cookies.get(sessions.COOKIE)
    session = store.get(token, touch=False)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not (_same_origin(request) and hmac.compare_digest(session.csrf, form.get("csrf", ""))):
        logs.event("logout", outcome="refused_csrf", user=session.name, route="/logout")
        return Response(
            "退出登录请求无效（来自其他网站或已过期）。", status_code=403, media_type="text/plain; charset=utf-8"
        )
    store.revoke(token, "logout")
    await run_in_threadpool(accounts.record_logout, _warehouse(), Viewer(name=session.name, role=""), "user")
    logs.event("logout", user=session.name, route="/logout")
    response = RedirectResponse("/login?reason=logout", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


def health_report(wh) -> tuple[int, dict]:
    """(HTTP status, body) of /healthz: 503 when the warehouse does not answer or a job's last run failed."""
    body: dict = {"status": "ok", "warehouse": "ok", "jobs": {}}
    try:
        wh.scalar("select count(*) from audit_log")
        runs = jobs.last_runs(wh)
    except Exception as failed:  # noqa: BLE001 - the answer is the report
        return 503, {"status": "error", "warehouse": f"unreachable: {type(failed).__name__}", "jobs": {}}
    scheduler = jobs.scheduler()
    next_runs = scheduler.next_runs() if scheduler else {}
    for job_id in jobs.JOBS:
        run = runs.get(job_id)
        body["jobs"][job_id] = {
            "last_run": str(run["logged_at"]) if run else None,
            "outcome": run.get("outcome") if run else None,
            "next_run": str(next_runs[job_id]) if next_runs.get(job_id) else None,
        }
    if any(j["outcome"] not in (None, "ok") for j in body["jobs"].values()):
        body["status"] = "degraded"
    return (200 if body["status"] == "ok" else 503), body


async def healthz(request: Request) -> Response:
    def report():
        try:
            wh = _warehouse()
        except Exception as failed:  # noqa: BLE001 - cannot even open it
            return 503, {"status": "error", "warehouse": f"unreachable: {type(failed).__name__}", "jobs": {}}
        return health_report(wh)

    status, body = await run_in_threadpool(report)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


MAX_CLI_BYTES = 512 * 1024 * 1024  # a batch of files, base64: 20 MB a file (docs/security.md) × a few dozen
_quack = {"server": None}  # the running QuackServer (warehouse/quack.py): its token authenticates /cli


def _from_this_machine(request: Request) -> bool:
    """A direct loopback connection: not proxied (nginx adds X-Forwarded-For), not from another host."""
    if request.headers.get("x-forwarded-for") or request.headers.get("x-real-ip") or request.headers.get("forwarded"):
        return False
    host = request.client.host if request.client else ""
    own = (request.scope.get("server") or ("",))[0]  # the app bound to this machine's own address
    return host in ("127.0.0.1", "::1", "localhost", "testclient") or (bool(host) and host == own)


async def cli_post(request: Request) -> Response:
    """Run a CLI command sent by `python -m etl` while the app runs (etl/remote.py), authenticated with the
    service token of the 0600 service file; the command runs here, on the app's own warehouse."""
    from etl.remote import run_here

    server = _quack["server"]
    given = request.headers.get("authorization", "")
    if not _from_this_machine(request):  # the CLI talks to 127.0.0.1 directly, never through nginx
        logs.event("cli", outcome="refused_remote", route="/cli")
        return JSONResponse({"code": 1, "stdout": "", "stderr": "命令只能在服务器本机运行。"}, status_code=403)
    if server is None or not hmac.compare_digest(given.encode(), f"Bearer {server.token}".encode()):
        logs.event("cli", outcome="refused_token", route="/cli")
        return JSONResponse({"code": 1, "stdout": "", "stderr": "服务令牌无效，命令未执行。"}, status_code=403)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_CLI_BYTES:
            return JSONResponse({"code": 1, "stdout": "", "stderr": "发送的文件过大，命令未执行。"}, status_code=413)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return JSONResponse({"code": 2, "stdout": "", "stderr": "命令格式不对，未执行。"}, status_code=400)
    started = time.perf_counter()
    result = await run_in_threadpool(run_here, server.wh, payload)
    logs.event(
        "cli",
        route="/cli",
        duration_ms=(time.perf_counter() - started) * 1000,
        outcome="ok" if result["code"] == 0 else "error",
        detail={"command": (payload.get("argv") or ["?"])[0]},
    )
    return JSONResponse(result, headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [
        Route("/login", login_get, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout_post, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/cli", cli_post, methods=["POST"]),
    ]


class SessionGateMiddleware:
    """Pure ASGI (websockets pass untouched): page requests need a live session; every HTTP request is logged."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        path = scope.get("path", "/")
        request = Request(scope)
        session = sessions.store().get(request.cookies.get(sessions.COOKIE)) if sessions.store() else None
        status = {"code": 500}

        async def send_logged(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        query = f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
        if (
            session is None
            and sessions.store() is not None
            and not path.startswith(PUBLIC_PREFIXES)
            and scope.get("method") in ("GET", "HEAD")
        ):
            target = path + query
            response = RedirectResponse(f"/login?next={quote(sessions.safe_next(target), safe='')}", status_code=303)
            await response(scope, receive, send_logged)
        elif scope.get("method") in ("GET", "HEAD") and paths.names_no_page(path):
            # Streamlit would answer with its English "Page not found" dialog: the home page instead, same filters
            await RedirectResponse("/" + query, status_code=303)(scope, receive, send_logged)
        else:
            await self.app(scope, receive, send_logged)
        if not path.startswith(("/static/", "/_stcore/health", "/favicon")):
            logs.event(
                "http",
                user=session.name if session else None,
                route=path,
                duration_ms=(time.perf_counter() - started) * 1000,
                outcome="ok" if status["code"] < 400 else "error",
                status=status["code"],
            )


def check_demo_policy(wh, demo_mode: bool) -> str | None:
    """The refusal message when demo accounts are enabled on a service not started as a demo, else None."""
    from auth import accounts

    demo = accounts.demo_accounts(wh)
    if demo and not demo_mode:
        names = "、".join(row["name"] for row in demo)
        return (
            f"拒绝启动：数据仓库中有启用的演示账号（{names}，密码公开）。正式运行前请由管理员在“账号与审计”页面停用"
            f"它们；如确为演示，请以演示方式启动（make run，或设置环境变量 {DEMO_ENV}=1）。"
        )
    return None


@asynccontextmanager
async def lifespan(_app):
    """Start: JSON logs, the warehouse (refusing demo accounts outside a demo), sessions, the job scheduler."""
    logs.configure()
    wh = await run_in_threadpool(_warehouse)
    refusal = await run_in_threadpool(check_demo_policy, wh, os.environ.get(DEMO_ENV) == "1")
    if refusal:
        logs.event("service_start", outcome="refused", detail=refusal)
        raise RuntimeError(refusal)
    sessions.enable()
    server = await run_in_threadpool(_serve_warehouse, wh)
    scheduler = None
    if jobs.job_settings().get("enabled", True):
        scheduler = jobs.JobScheduler(_warehouse)
        scheduler.start()
        jobs.set_scheduler(scheduler)
    logs.event("service_start", detail={"jobs": scheduler.job_ids() if scheduler else []})
    try:
        yield
    finally:
        if scheduler:
            scheduler.shutdown()
            jobs.set_scheduler(None)
        if server is not None:
            await run_in_threadpool(server.stop)
            _quack["server"] = None
        logs.event("service_stop")


def app_address() -> str | None:
    """The app's own HTTP address for the CLI on this machine: MEDIATION_HTTP_URL, else Streamlit's server.port."""
    if os.environ.get(HTTP_URL_ENV):
        return os.environ[HTTP_URL_ENV]
    try:
        from streamlit import config as st_config

        port = st_config.get_option("server.port")
        address = st_config.get_option("server.address") or "127.0.0.1"
    except Exception:  # noqa: BLE001 - not under Streamlit (uvicorn serve:app): set MEDIATION_HTTP_URL
        return None
    host = "127.0.0.1" if address in ("", "0.0.0.0", "::", "localhost") else address
    return f"http://{host}:{port}"


def _serve_warehouse(wh):
    """Serve the warehouse over Quack and publish the service file (warehouse/quack.py). If Quack cannot start the
    file is published without its endpoint (the CLI's /cli route still works) and the reason is logged."""
    from warehouse.quack import QuackServer

    try:
        server = QuackServer(wh, http=app_address()).start()
    except Exception as failed:  # noqa: BLE001 - e.g. the folder is read-only: log it, keep serving pages
        logs.event("quack_serve", outcome="error", detail=f"{type(failed).__name__}: {failed}")
        return None
    _quack["server"] = server
    if server.error:  # the CLI still comes in over /cli; analysts have no way in until Quack starts
        logs.event("quack_serve", outcome="error", detail=server.error)
    else:
        logs.event("quack_serve", detail={"quack": server.endpoint, "http": server.http})
    return server


def middleware() -> list:
    from starlette.middleware import Middleware

    from service.preload import PreloadMiddleware

    return [Middleware(SessionGateMiddleware), Middleware(PreloadMiddleware)]
