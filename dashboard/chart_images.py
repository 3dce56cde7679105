"""Plotly figures as PNG images, offline, through kaleido and the system Chromium (for the Word brief).

kaleido 1.x drives a headless Chromium: about 2 s for the first image of a process, then about 0.1 s each while
its server runs, so one server is started on first use and kept for the process (kaleido stops it at exit).
plotly.js comes from the installed plotly package and MathJax is switched off, so nothing is fetched from the
network. Without Chromium (or when a render fails) `render()` says why in Chinese instead of raising: the caller
puts that note where the charts would have been.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field

import plotly.graph_objects as go

log = logging.getLogger(__name__)

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
# The Debian Chromium and the flags every headless run of it uses outside kaleido: screenshots
# (tools/screenshots.py), the browser benchmark (bench/browser.py) and the browser tests.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_S = 60  # one image normally takes well under a second; a stuck browser must not hang a download forever

# kaleido's server is a process-wide singleton fed through one task queue and one answer queue: two threads
# (two Streamlit sessions) asking at once could receive each other's image, so calls are serialised.
_lock = threading.Lock()
_server_started = False


@dataclass
class Images:
    """PNG bytes per figure, in order; `note` (Chinese) says why there are none."""

    png: list[bytes] = field(default_factory=list)
    note: str | None = None


def browser_path() -> str | None:
    """The Chromium kaleido will use (None: not installed)."""
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def _start_server(kaleido) -> None:
    """Start kaleido's server once per process (returns at once; Chromium starts in the server's thread)."""
    global _server_started
    if not _server_started:
        kaleido.start_sync_server(mathjax=False, timeout=TIMEOUT_S, silence_warnings=True)
        _server_started = True


def warm_up() -> None:
    """Let Chromium start while the caller still queries its data (no-op without a browser or kaleido)."""
    if browser_path() is None:
        return
    try:
        import kaleido

        with _lock:
            _start_server(kaleido)
    except Exception:  # render() reports it, in Chinese, when the charts are asked for
        log.exception("图表导出服务启动失败")


def render(figures: list[go.Figure], *, width: int = 900, scale: float = 2.0) -> Images:
    """Every figure as PNG (layout width `width` px, its own height), or none of them with a note."""
    if not figures:
        return Images()
    if browser_path() is None:
        return Images(
            note="本机未安装 Chromium 浏览器，无法把图表导出为图片，本简报未附图表；"
            "文字和表格中的数字不受影响。安装 Chromium 后重新生成即可附上图表。"
        )
    try:
        import kaleido
    except ImportError:
        return Images(note="未安装图表导出组件 kaleido，本简报未附图表；文字和表格中的数字不受影响。")
    global _server_started
    try:
        with _lock:
            _start_server(kaleido)
            return Images(
                png=[
                    kaleido.calc_fig_sync(
                        fig.to_dict(),
                        opts={"format": "png", "width": width, "height": fig.layout.height or 400, "scale": scale},
                    )
                    for fig in figures
                ]
            )
    except Exception:  # a browser that will not start or a render that fails: the brief goes out without charts
        log.exception("图表导出为图片失败")
        with _lock:  # start afresh next time rather than reuse a server in an unknown state
            if _server_started:
                _server_started = False
                try:
                    kaleido.stop_sync_server(silence_warnings=True)
                except Exception:
                    log.exception("关闭图表导出服务失败")
        return Images(
            note="图表导出为图片时出错，本简报未附图表；文字和表格中的数字不受影响。请稍后重新生成，"
            "或联系系统管理员查看日志。"
        )
