"""service/preload.py: the front-end files a dashboard page needs are named from Streamlit's own manifest, the
sign-in page prefetches them, and a page's HTML gets modulepreload tags while nothing else is touched."""

from __future__ import annotations

import asyncio

from service import login_page, preload


def test_the_element_chunks_come_from_streamlits_manifest_and_exist():
    chunks = preload.element_chunks()
    names = {path.rsplit("/", 1)[-1].split(".")[0] for path in chunks}
    assert {"PlotlyChart", "DataFrame", "Metric", "Selectbox"} <= names
    assert all((preload.static_dir() / path).is_file() for path in chunks + preload.app_shell())
    assert any(path.startswith("static/js/index.") for path in preload.app_shell())


def test_the_sign_in_page_prefetches_them_and_still_runs_no_script():
    html = login_page.render(csrf="x" * 43, next_url="/", prefetch=preload.prefetch_links())
    head = html.split("</head>")[0]
    assert head.count('rel="prefetch"') == len(set(preload.app_shell()) | set(preload.element_chunks()))
    assert "<script" not in html


def run(app, path: str) -> tuple[dict, bytes]:
    scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"accept-encoding", b"gzip")]}
    out = {"headers": {}, "body": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["headers"] = dict(message["headers"])
        else:
            out["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return out["headers"], out["body"]


def app_answering(content_type: bytes, body: bytes, seen: list):
    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
            }
        )
        half = len(body) // 2  # streamed in two parts, as a file response is
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})

    return app


INDEX = b'<html><head><link rel="modulepreload" crossorigin href="./static/js/a.js"></head><body></body></html>'


def test_a_pages_html_gets_the_modulepreload_tags_with_a_correct_length():
    seen: list = []
    headers, body = run(preload.PreloadMiddleware(app_answering(b"text/html; charset=utf-8", INDEX, seen)), "/coverage")
    assert b"accept-encoding" not in seen[0]  # asked uncompressed, so the tags can be added
    assert body.count(b'rel="modulepreload"') > 1 and b"PlotlyChart." in body
    assert body.endswith(b"</head><body></body></html>") and int(headers[b"content-length"]) == len(body)


def test_other_answers_and_paths_pass_untouched():
    seen: list = []
    for path, kind in (
        ("/static/js/index.js", b"text/html"),
        ("/coverage", b"application/json"),
        ("/login", b"text/html"),
    ):
        headers, body = run(preload.PreloadMiddleware(app_answering(kind, INDEX, seen)), path)
        assert body == INDEX and int(headers[b"content-length"]) == len(INDEX)
    assert b"accept-encoding" in seen[0] and b"accept-encoding" in seen[2]


def test_the_switch_turns_both_hints_off(monkeypatch):
    monkeypatch.setenv(preload.SWITCH_ENV, "0")
    assert preload.prefetch_links() == "" and preload.with_preloads(INDEX) == INDEX
