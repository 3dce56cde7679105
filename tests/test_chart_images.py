"""Static chart images: PNG through kaleido, or a Chinese note (no browser, a failed render) instead of an error."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dashboard import chart_images


def figure() -> go.Figure:
    return go.Figure(go.Bar(x=["长春市", "吉林市"], y=[1, 2]), layout={"title": "测试", "height": 300})


def test_no_figures_no_work():
    assert chart_images.render([]) == chart_images.Images()


def test_without_a_browser_a_note(monkeypatch):
    monkeypatch.setattr(chart_images, "browser_path", lambda: None)
    images = chart_images.render([figure()])
    assert images.png == [] and images.note.startswith("本机未安装 Chromium 浏览器，无法把图表导出为图片")
    chart_images.warm_up()  # nothing to start


def test_a_failed_render_gives_a_note_not_an_error(monkeypatch):
    kaleido = pytest.importorskip("kaleido")
    monkeypatch.setattr(chart_images, "browser_path", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(chart_images, "_start_server", lambda k: None)  # no real browser needed

    def broken(*args, **kwargs):
        raise RuntimeError("browser crashed")

    monkeypatch.setattr(kaleido, "calc_fig_sync", broken)
    images = chart_images.render([figure()])
    assert images.png == [] and images.note.startswith("图表导出为图片时出错，本简报未附图表")


@pytest.mark.skipif(
    chart_images.browser_path() is None,
    reason="no Chromium on PATH (/usr/bin/chromium): kaleido cannot render the charts",
)
def test_renders_png_at_the_figures_height():
    images = chart_images.render([figure(), figure()], width=400, scale=1)
    assert images.note is None and len(images.png) == 2
    png = images.png[0]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (400, 300)
