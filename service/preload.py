"""Streamlit's front-end files that every dashboard page needs, so the browser can fetch them early.

Streamlit loads its element code lazily: the Plotly chunk (≈ 4.6 MB), the table, metric and selectbox chunks are
requested only when the script's first chart, table or tile arrives over the websocket, one after another, each
then parsed — on a busy 2-core server most of a cold sign-in (bench/browser.py). Two hints start that work early:

- the sign-in page (service/login_page.py) lists them as `<link rel="prefetch">`: fetched into the browser's cache
  while the user types (the page itself still runs no script);
- the app's HTML (Streamlit's index.html, through service/web.py's middleware) gets `<link rel="modulepreload">`
  for the element chunks, so they download and compile while the websocket connects and the script runs.

The file names carry content hashes and change with every Streamlit release; they are read from Streamlit's own
build manifest (static/manifest.json), never hard-coded. Anything unexpected there means no hints, never an error.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from service.paths import NOT_PAGES  # Streamlit's own endpoints and the service's routes: never a page

# MEDIATION_PRELOAD=0 switches both hints off (bench/browser.py --without-preload measures what they bring).
SWITCH_ENV = "MEDIATION_PRELOAD"


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1") != "0"


# The element and widget chunks the monitoring pages draw above the fold (st.plotly_chart, st.dataframe,
# st.metric, st.selectbox, st.select_slider, st.download_button, st.progress).
ELEMENTS = ("PlotlyChart", "DataFrame", "Metric", "Selectbox", "Slider", "DownloadButton", "Progress")


def static_dir() -> Path:
    import streamlit

    return Path(streamlit.__file__).resolve().parent / "static"


@lru_cache(maxsize=1)
def element_chunks() -> tuple[str, ...]:
    """The element chunks and everything they import statically (static/js/… and static/css/… paths)."""
    try:
        manifest = json.loads((static_dir() / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    wanted = [
        key
        for key, entry in manifest.items()
        if isinstance(entry, dict) and entry.get("name") in ELEMENTS and str(entry.get("file", "")).endswith(".js")
    ]
    files: list[str] = []
    seen: set[str] = set()
    todo = list(wanted)
    while todo:
        key = todo.pop(0)
        if key in seen or key not in manifest:
            continue
        seen.add(key)
        entry = manifest[key]
        files.append(entry["file"])
        files += [css for css in entry.get("css", []) if css not in files]
        todo += [k for k in entry.get("imports", []) if k not in seen]
    return tuple(dict.fromkeys(f for f in files if re.fullmatch(r"static/(js|css|media)/[\w.\-]+", f)))


@lru_cache(maxsize=1)
def app_shell() -> tuple[str, ...]:
    """What Streamlit's index.html loads first: its entry script, module preloads, stylesheets and fonts."""
    try:
        html = (static_dir() / "index.html").read_text(encoding="utf-8")
    except OSError:
        return ()
    found = re.findall(r'(?:src|href)="\./(static/(?:js|css|media)/[\w.\-]+)"', html)
    fonts = sorted(
        p.relative_to(static_dir()).as_posix()
        for p in (static_dir() / "static" / "media").glob("MaterialSymbols-Rounded.*.woff2")
    )  # the icons of the navigation and of every tile
    return tuple(dict.fromkeys([*found, *fonts]))


def prefetch_links() -> str:
    """`<link rel="prefetch">` tags for the sign-in page: the app shell and the element chunks."""
    if not enabled():
        return ""
    paths = dict.fromkeys((*app_shell(), *element_chunks()))
    return "".join(f'<link rel="prefetch" href="/{path}">' for path in paths)


def modulepreload_links() -> str:
    """`<link rel="modulepreload">` tags for the element chunks (relative, like Streamlit's own)."""
    tags, shell = [], set(app_shell())
    for path in (p for p in element_chunks() if p not in shell):
        if path.endswith(".js"):
            tags.append(f'<link rel="modulepreload" crossorigin href="./{path}">')
        elif path.endswith(".css"):
            tags.append(f'<link rel="preload" as="style" href="./{path}">')
    return "".join(tags)


def with_preloads(html: bytes) -> bytes:
    """Streamlit's index.html with the element chunks' modulepreload tags before </head> (unchanged otherwise)."""
    tags = modulepreload_links().encode() if enabled() else b""
    if not tags or b"</head>" not in html or b'rel="modulepreload"' not in html:
        return html
    return html.replace(b"</head>", tags + b"</head>", 1)


class PreloadMiddleware:
    """Pure ASGI: a page request's HTML (Streamlit's index.html) gets the element chunks' modulepreload tags.

    The page request is asked for an uncompressed answer (the HTML is a few KB) so the tags can be added; every
    other request and every non-HTML answer passes through untouched, streamed as before."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path", "/").startswith(NOT_PAGES):
            return await self.app(scope, receive, send)
        scope = dict(scope, headers=[(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"])
        state: dict = {"start": None, "body": []}

        async def patched(message):
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    state["start"] = message  # held until the whole (small) body is here
                    return
            elif message["type"] == "http.response.body" and state["start"] is not None:
                state["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = with_preloads(b"".join(state["body"]))
                start, state["start"] = state["start"], None
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, patched)
