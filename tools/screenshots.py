"""Full-page screenshots of every page of the app, on a desktop and on a phone (headless Debian Chromium via Playwright).

    .venv/bin/python tools/screenshots.py [--db PATH] [--url http://localhost:8501] [--port 8501]
                                          [--device desktop|phone|all] [--pages overview mediation]
                                          [--user demo_leader] [--out docs/screenshots]

Without --url it starts its own Streamlit server (app.py; on --port, else a free port) with MEDIATION_DB=--db
(default: the configured warehouse), takes the screenshots and stops that server again. With --url it uses a
running app, app.py or the service serve.py (its /login page is recognised). Pages are read from dashboard/navigation.py SECTIONS
(only those whose file exists; a page the account does not see in its navigation is skipped with a note).
The app admits only signed-in users: the script signs in as --user (password from the environment variable
SCREENSHOT_PASSWORD; demo accounts — `python -m etl user demo-accounts` — use their published demo password),
saves the login page first, then opens each page through the sidebar navigation (a page reload would start a
new, signed-out session under app.py). It waits until no spinner is left and every plotly chart has drawn its
SVG, stretches the viewport to the page's full height (Streamlit scrolls inside its own container, so a plain
full-page screenshot would be cut off) and saves <out>/<url_path>.png (desktop, 1440 px wide) and
<out>/phone-<url_path>.png (phone: 390×844 CSS px at device scale 2, mobile with touch and a phone's user agent;
by default only the 监测分析 pages). On the phone it opens the collapsed sidebar, taps the page's link and checks
that the sidebar closes again after navigating (Streamlit decides "mobile" from the user agent); a sidebar left
open is reported and makes the script exit with status 1.
Needs: chromium and fonts-noto-cjk (apt), playwright (venv). Never runs `playwright install`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from dashboard.chart_images import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - after the path set-up

VIEWPORT = {"width": 1440, "height": 1000}
# A phone as the leaders carry it: 390×844 CSS pixels (iPhone 12–15 class) drawn at 2× like a real screen. The user
# agent must say "Mobile": Streamlit closes the sidebar after a navigation click only for a mobile user agent.
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Mobile Safari/537.36"
)
DEVICES = {
    "desktop": dict(viewport=VIEWPORT, device_scale_factor=1, prefix=""),
    "phone": dict(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_UA,
        prefix="phone-",
    ),
}
MAX_HEIGHT = 16000  # CSS pixels; longer pages are cut (Chromium's screenshots stop being reliable beyond)
PHONE_SECTION = "监测分析"  # the pages a leader reads on a phone; --pages takes any others


def app_sections() -> dict[str, list[tuple[str, str]]]:
    """{section: [(url_path, title)]} of the app's pages whose file exists (dashboard/navigation.py)."""
    from dashboard.navigation import sections

    return sections()


def app_pages() -> list[tuple[str, str]]:
    """(url_path, title) of every page listed in app.py SECTIONS whose file exists."""
    return [page for pages in app_sections().values() for page in pages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str | None, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    if db:
        env["MEDIATION_DB"] = str(Path(db).resolve())
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "streamlit"),
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("Streamlit 服务未能在 60 秒内启动")


def wait_rendered(page, timeout_ms: int = 60000) -> None:
    """No spinner, no 'running' status, every plotly chart drawn."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const busy = document.querySelector('[data-testid="stSpinner"], [data-testid="stSkeleton"]');
            const running = document.querySelector('[data-testid="stStatusWidget"]');
            const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            const drawn = charts.every(c => c.querySelector('.main-svg'));
            const body = document.querySelector('[data-testid="stMain"], section.main');
            return !busy && !running && drawn && body && body.innerText.trim().length > 0;
        }""",
        timeout=timeout_ms,
        polling=500,
    )


def full_height(page) -> int:
    return page.evaluate("""() => {
        const el = document.querySelector('[data-testid="stMain"]') || document.querySelector('section.main');
        const inner = el ? el.scrollHeight : 0;
        return Math.max(inner, document.documentElement.scrollHeight, document.body.scrollHeight);
    }""")


def sign_in(page, base: str, user: str, password: str, shot: Path | None = None) -> None:
    """Sign in on the service's /login page (serve.py) or on the app's own login form (app.py); with `shot`,
    save the login page there first."""
    page.goto(base.rstrip("/") + "/", wait_until="domcontentloaded", timeout=60000)
    page.wait_for_selector('input#name, [data-testid="stAppViewContainer"]', timeout=60000)
    service = page.locator("input#name").count() > 0
    if not service:  # the Streamlit login form draws after the script's first run
        page.get_by_label("账号", exact=True).wait_for(timeout=60000)
    if shot is not None:
        capture(page, shot, streamlit=not service)
    if service:
        page.fill("input#name", user)
        page.fill("input#password", password)
        page.press("input#password", "Enter")
    else:
        page.get_by_label("账号", exact=True).fill(user, timeout=60000)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', state="attached", timeout=60000)


def sidebar_open(page) -> bool:
    """Whether the sidebar covers part of the screen (collapsed, it is moved off-screen to the left)."""
    return page.evaluate("""() => {
        const s = document.querySelector('[data-testid="stSidebar"]');
        if (!s) return false;
        const r = s.getBoundingClientRect();
        return r.width > 0 && r.right > 1;
    }""")


def open_page(page, title: str, *, phone: bool = False) -> bool | None:
    """Click the page's entry in the sidebar navigation (the default page's link has no url_path in its href).
    On a phone the sidebar is collapsed: open it first, tap the link, and return whether the sidebar closed again
    (None on a desktop)."""
    if phone and not sidebar_open(page):
        page.locator('[data-testid="stExpandSidebarButton"]').click(timeout=30000)
        page.wait_for_function(
            """() => {
            const s = document.querySelector('[data-testid="stSidebar"]');
            return s && s.getBoundingClientRect().left >= 0 && s.getBoundingClientRect().width > 0;
        }""",
            timeout=15000,
        )
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.filter(has=page.get_by_text(title, exact=True)).first.click(timeout=30000)
    if not phone:
        return None
    try:
        page.wait_for_function(
            """() => {
            const s = document.querySelector('[data-testid="stSidebar"]');
            return !s || s.getBoundingClientRect().width === 0 || s.getBoundingClientRect().right <= 1;
        }""",
            timeout=10000,
        )
        return True
    except Exception:  # playwright's TimeoutError: the sidebar stayed open
        return False


def capture(page, path: Path, *, settle: float = 1.5, streamlit: bool = True) -> int:
    """Wait for the page to settle, stretch the viewport to its full height, save a full-page PNG; the height."""
    viewport = page.viewport_size
    if streamlit:
        time.sleep(settle)
        wait_rendered(page)
    time.sleep(settle)
    height, deadline = full_height(page), time.time() + 30
    while time.time() < deadline:  # the page may still be growing (charts drawn one after another)
        time.sleep(settle)
        if streamlit:
            wait_rendered(page)
        again = full_height(page)
        if again == height:
            break
        height = again
    height = min(max(height, viewport["height"]), MAX_HEIGHT)
    page.set_viewport_size({"width": viewport["width"], "height": height})
    time.sleep(settle)  # charts re-layout after the resize
    if streamlit:
        wait_rendered(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    print(f"{path}（{height}px）", flush=True)
    return height


def has_link(page, title: str, timeout_ms: int = 20000) -> bool:
    """Whether the account's navigation lists the page (waiting a while: right after a server start the
    navigation fills in late)."""
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has=page.get_by_text(title, exact=True)).first
    try:
        link.wait_for(state="attached", timeout=timeout_ms)
        return True
    except Exception:  # playwright's TimeoutError: not in this account's navigation
        return False


def shoot(
    base: str,
    pages: list[tuple[str, str]],
    out: Path,
    user: str,
    password: str,
    *,
    device: str = "desktop",
    settle: float = 1.5,
    login: bool = True,
) -> dict:
    """Screenshots of `pages` on one device; {"saved": [paths], "skipped": [titles], "sidebar_open": [titles]}."""
    from playwright.sync_api import sync_playwright

    spec = dict(DEVICES[device])
    prefix = spec.pop("prefix")
    phone = device == "phone"
    out.mkdir(parents=True, exist_ok=True)
    report = {"saved": [], "skipped": [], "sidebar_open": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", **spec)
        page = context.new_page()
        shot = out / f"{prefix}login.png" if login else None
        sign_in(page, base, user, password, shot)
        if shot is not None:
            report["saved"].append(shot)
        for url_path, title in pages:
            if page.locator('[data-testid="stSidebarNav"]').count() == 0:  # signed out meanwhile: sign in again
                sign_in(page, base, user, password)
            if not has_link(page, title):
                print(f"跳过 {title}：账号 {user} 的导航中没有该页面", flush=True)
                report["skipped"].append(title)
                continue
            closed = open_page(page, title, phone=phone)
            if closed is False:
                print(f"注意：在手机上点击“{title}”后侧边栏没有收起", flush=True)
                report["sidebar_open"].append(title)
            path = out / f"{prefix}{url_path}.png"
            capture(page, path, settle=settle)
            report["saved"].append(path)
        browser.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="各页面整页截图（无头 Chromium，电脑与手机）")
    parser.add_argument("--db", help="数据仓库文件（默认为配置中的仓库）")
    parser.add_argument("--url", help="已运行的应用地址（app.py 或 serve.py）；不给则自行启动一个")
    parser.add_argument("--port", type=int, help="自行启动时使用的端口（默认任一空闲端口）")
    parser.add_argument(
        "--device",
        choices=["desktop", "phone", "all"],
        default="all",
        help="电脑（1440 像素宽）、手机（390×844）或两者（默认两者）",
    )
    parser.add_argument(
        "--pages", nargs="*", help=f"url_path 列表（默认：电脑为全部页面，手机为“{PHONE_SECTION}”各页面）"
    )
    parser.add_argument("--user", default="demo_leader", help="登录账号（默认演示账号 demo_leader）")
    parser.add_argument("--no-login", action="store_true", help="不保存登录页截图")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    sections = app_sections()
    known = dict(app_pages())
    unknown = [p for p in args.pages or [] if p not in known]
    if unknown:
        print(f"未知或尚不存在的页面：{'、'.join(unknown)}", file=sys.stderr)
        return 2
    devices = ["desktop", "phone"] if args.device == "all" else [args.device]
    plan = {}
    for device in devices:
        default = [url for url, _ in sections.get(PHONE_SECTION, [])] if device == "phone" else list(known)
        plan[device] = [(p, known[p]) for p in (args.pages or default)]
    password = os.environ.get("SCREENSHOT_PASSWORD")
    if password is None and args.user.startswith("demo_"):
        from auth.accounts import DEMO_PASSWORD

        password = DEMO_PASSWORD
    if password is None:
        print("请用环境变量 SCREENSHOT_PASSWORD 提供登录密码", file=sys.stderr)
        return 2
    proc = None
    base = args.url
    if not base:
        port = args.port or free_port()
        proc = start_server(args.db, port)
        base = f"http://127.0.0.1:{port}"
    left_open = []
    try:
        for device, pages in plan.items():
            report = shoot(base, pages, Path(args.out), args.user, password, device=device, login=not args.no_login)
            left_open += report["sidebar_open"]
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    if left_open:
        print(f"手机上导航后侧边栏未收起：{'、'.join(left_open)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
