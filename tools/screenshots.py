"""Full-page screenshots of every page of the app (headless Debian Chromium via Playwright).

    .venv/bin/python tools/screenshots.py [--db PATH] [--url http://localhost:8501] [--pages overview mediation]
                                          [--user demo_leader] [--out docs/screenshots]

Without --url it starts its own Streamlit server on a free port with MEDIATION_DB=--db (default: the configured
warehouse), takes the screenshots and stops that server again. Pages are read from app.py SECTIONS (only those
whose file exists). The app admits only signed-in users: the script signs in on the login page as --user
(password from the environment variable SCREENSHOT_PASSWORD; demo accounts — `python -m etl user demo-accounts`
— use their published demo password), then opens each page through the sidebar navigation (a page reload
would start a new, signed-out session). It waits until no spinner is left and every plotly chart has drawn its
SVG, stretches the viewport to the page's full height (Streamlit scrolls inside its own container, so a plain
full-page screenshot would be cut off) and saves <out>/<url_path>.png.
Needs: chromium and fonts-noto-cjk (apt), playwright (venv). Never runs `playwright install`.
"""
from __future__ import annotations

import argparse
import ast
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
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 1000}


def app_pages() -> list[tuple[str, str]]:
    """(url_path, title) of every page listed in app.py SECTIONS whose file exists (read without running app.py)."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SECTIONS" for t in node.targets):
            sections = ast.literal_eval(node.value)
            return [(url, title) for pages in sections.values() for file, title, _icon, url in pages
                    if (ROOT / file).exists()]
    raise SystemExit("app.py 中没有找到 SECTIONS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str | None, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    if db:
        env["MEDIATION_DB"] = str(Path(db).resolve())
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "streamlit"), "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        }""", timeout=timeout_ms, polling=500)


def full_height(page) -> int:
    return page.evaluate("""() => {
        const el = document.querySelector('[data-testid="stMain"]') || document.querySelector('section.main');
        const inner = el ? el.scrollHeight : 0;
        return Math.max(inner, document.documentElement.scrollHeight, document.body.scrollHeight);
    }""")


def sign_in(page, base: str, user: str, password: str) -> None:
    page.goto(base.rstrip("/") + "/", wait_until="domcontentloaded", timeout=60000)
    page.get_by_label("账号", exact=True).fill(user, timeout=60000)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60000)


def open_page(page, title: str) -> None:
    """Click the page's entry in the sidebar navigation (the default page's link has no url_path in its href)."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.filter(has=page.get_by_text(title, exact=True)).first.click(timeout=30000)


def shoot(base: str, pages: list[tuple[str, str]], out: Path, user: str, password: str,
          settle: float = 1.5) -> list[Path]:
    from playwright.sync_api import sync_playwright
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", device_scale_factor=1)
        page = context.new_page()
        sign_in(page, base, user, password)
        for url_path, title in pages:
            page.set_viewport_size(VIEWPORT)
            if page.locator('[data-testid="stSidebarNav"]').count() == 0:  # signed out meanwhile: sign in again
                sign_in(page, base, user, password)
            open_page(page, title)
            time.sleep(settle)
            wait_rendered(page)
            time.sleep(settle)
            height = min(max(full_height(page), VIEWPORT["height"]), 16000)
            page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
            time.sleep(settle)  # charts re-layout after the resize
            wait_rendered(page)
            path = out / f"{url_path}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
            print(f"{path}（{height}px）")
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="各页面整页截图（无头 Chromium）")
    parser.add_argument("--db", help="数据仓库文件（默认为配置中的仓库）")
    parser.add_argument("--url", help="已运行的应用地址；不给则自行启动一个")
    parser.add_argument("--pages", nargs="*", help="url_path 列表（默认 app.py SECTIONS 中已存在的全部页面）")
    parser.add_argument("--user", default="demo_leader", help="登录账号（默认演示账号 demo_leader）")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    known = dict(app_pages())
    pages = args.pages or list(known)
    unknown = [p for p in pages if p not in known]
    if unknown:
        print(f"未知或尚不存在的页面：{'、'.join(unknown)}", file=sys.stderr)
        return 2
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
        port = free_port()
        proc = start_server(args.db, port)
        base = f"http://127.0.0.1:{port}"
    try:
        shoot(base, [(p, known[p]) for p in pages], Path(args.out), args.user, password)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
