"""Page chrome shared by all pages: title with the freshness banner, empty states, charts with a Chinese PNG
download, tables with an .xlsx download, KPI tiles, and the page-side query cache.

Every page starts with `header()`: it draws the title and the banner "数据截至 2025年10月 · 已报送 9/11 个单位".
"""

from __future__ import annotations

import importlib
from typing import Callable

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import common
from dashboard.charts import phone_layout, plotly_config
from dashboard.format import period_label
from warehouse.db import Warehouse

CACHE_TTL_SECONDS = 900
CACHE_MAX_ENTRIES = 512


# ------------------------------------------------------------------ cache
@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _cached_call(
    _wh: Warehouse,
    module: str,
    name: str,
    path: str,
    generation: int,
    viewer_key: tuple,
    args: tuple,
    kwargs: tuple,
    _viewer=None,
):
    fn = getattr(importlib.import_module(module), name)
    if _viewer is None:
        return fn(_wh, *args, **dict(kwargs))
    return fn(_wh, _viewer, *args, **dict(kwargs))


def cached(fn: Callable, wh: Warehouse, viewer, *args, **kwargs):
    """Call a page query `fn(wh, viewer, *args)` through st.cache_data (ttl, max_entries), keyed on the warehouse
    file, its generation (bumped by every load), the viewer and the arguments. Results are small aggregates.
    Pass viewer=None for functions that take only (wh, *args)."""
    viewer_key = (viewer.name, viewer.role, viewer.region_code) if viewer is not None else ()
    return _cached_call(
        wh,
        fn.__module__,
        fn.__name__,
        str(wh.path),
        wh.generation,
        viewer_key,
        args,
        tuple(sorted(kwargs.items())),
        _viewer=viewer,
    )


def clear_cache() -> None:
    """Drop every cached page query (after a load the generation changes anyway)."""
    _cached_call.clear()


# ------------------------------------------------------------------ chrome
def freshness_banner(wh: Warehouse) -> common.Freshness:
    """数据截至 <month> · 已报送 n/N 个单位, on every page (nothing on an empty warehouse)."""
    fresh = cached(common.freshness, wh, None)
    if fresh.period:
        complete = fresh.units_reported >= fresh.units_total
        color, background = ("#14532d", "#ecfdf5") if complete else ("#7c2d12", "#fff7ed")
        st.markdown(
            f"<div style='display:inline-block;padding:3px 12px;border-radius:12px;background:{background};"
            f"color:{color};font-size:0.9rem;margin:-0.4rem 0 0.6rem 0'>"
            f"数据截至 {period_label(fresh.period)} · 已报送 {fresh.units_reported}/{fresh.units_total} 个单位</div>",
            unsafe_allow_html=True,
        )
        from dashboard.session import current_viewer

        note = cached(common.pending_note, wh, current_viewer())
        if note:  # config [review] pending_counts: figures awaiting review count, marked 待审核
            st.caption(f":material/hourglass_top: {note}")
    return fresh


def header(title: str, wh: Warehouse, subtitle: str | None = None) -> common.Freshness:
    phone_style()
    st.title(title)
    if subtitle:
        st.caption(subtitle)
    return freshness_banner(wh)


def empty_state(what: str = "数据") -> None:
    """A friendly Chinese state for an empty warehouse, pointing to the upload page."""
    st.info(
        f"暂无{what}。请先在“数据上报”页面上传各地报表，或运行 `python -m etl demo` 生成演示数据。",
        icon=":material/inbox:",
    )
    try:
        st.page_link("pages/upload.py", label="前往数据上报", icon=":material/upload_file:")
    except Exception:  # the upload page may not be part of this installation's navigation
        pass


def no_data(message: str) -> None:
    """A quiet note where a section has nothing to show for the current filters."""
    st.caption(f":material/info: {message}")


def section(title: str, caption: str | None = None) -> None:
    st.subheader(title, divider="gray")
    if caption:
        st.caption(caption)


# ------------------------------------------------------------------ figures and tables
def chart(fig: go.Figure, filename: str, *, key: str | None = None) -> None:
    """A plotly chart; its modebar's camera button downloads '<filename>.png'."""
    plotly_chart(fig, config=plotly_config(filename), key=key)


def plotly_chart(fig: go.Figure, **kwargs):
    """st.plotly_chart, full width, with the figure laid out for a phone when the viewer is on one (the modebar
    then stays hidden: it would cover the title). Every chart on a page goes through here or `chart()`."""
    kwargs.setdefault("width", "stretch")
    if on_phone():
        fig = phone_layout(go.Figure(fig))  # a copy: a figure may be shared or cached
        kwargs["config"] = {**kwargs.get("config", {}), "displayModeBar": False}
    return st.plotly_chart(fig, **kwargs)


def table(
    frame: pl.DataFrame,
    stem: str,
    *,
    headers: dict[str, str] | None = None,
    column_config: dict | None = None,
    height: int | str = "auto",
    notes: tuple[str, ...] = (),
    key: str | None = None,
    download_label: str = "下载 Excel",
) -> None:
    """A table with an .xlsx download (Chinese headers; the download is built on click)."""
    from dashboard.export import chinese_headers, download_xlsx

    names = dict(zip(frame.columns, chinese_headers(frame.columns, headers)))
    shown = frame.rename(names)
    config = {}
    for column, dtype in frame.schema.items():  # dates without a time part, datetimes to the minute
        if dtype == pl.Date:
            config[names[column]] = st.column_config.DateColumn(format="YYYY-MM-DD")
        elif isinstance(dtype, pl.Datetime):
            config[names[column]] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
    config.update(column_config or {})
    st.dataframe(shown, hide_index=True, width="stretch", height=height, column_config=config, placeholder="—")
    download_xlsx(frame, stem, headers=headers, notes=notes, key=key, label=download_label)


# Region names such as 长白山管委会池北区 are never cut: the 地区 and 单位 columns get room, long texts wrap into 说明.
WIDE_REGION_COLUMNS = {
    "地区": st.column_config.TextColumn(width="medium"),
    "单位": st.column_config.TextColumn(width="small"),
    "说明": st.column_config.TextColumn(width="large"),
}


def percent_column(label: str | None = None, help: str | None = None):
    """A rate column (fraction 0–1) shown as 72.5%."""
    return st.column_config.NumberColumn(label, help=help, format="percent")


def kpi(
    label: str,
    value: str,
    *,
    delta: str | None = None,
    delta_color: str = "normal",
    help: str | None = None,
    note: str | None = None,
    progress: float | None = None,
    delta_description: str | None = None,
) -> None:
    """A bordered KPI tile: the value, its change (a signed text such as '+1.2 个百分点', so the arrow follows the
    sign; delta_description says against what, e.g. '环比'), a note (target · gap · n/N) and a progress bar."""
    from dashboard.format import UNCHANGED

    unchanged = delta == UNCHANGED  # 持平: grey, no arrow (a rounded -0.0 must not point down)
    with st.container(border=True):
        st.metric(
            label,
            value,
            delta=delta,
            delta_color="off" if unchanged else delta_color,
            help=help,
            delta_arrow="off" if unchanged else "auto",
            delta_description=delta_description if delta is not None else None,
        )
        if progress is not None:
            st.progress(max(0.0, min(1.0, progress)))
        if note:
            st.caption(note)


def selected_points(event) -> list[dict]:
    """The points of a plotly selection event (st.plotly_chart(on_select="rerun")), as dicts."""
    try:
        return [dict(p) for p in event["selection"]["points"]]
    except (KeyError, TypeError):
        return []


# ------------------------------------------------------------------ Chinese texts of Streamlit's own widgets
# Streamlit has no locale option (1.67): the file uploader's button says "Upload" and its note "20MB per file".
# This block (kept apart from any other page CSS) hides those English texts and shows Chinese in their place via
# ::after content; the dropzone keeps working as before (the texts are decoration, the button is the same button).
UPLOAD_BUTTON_TEXT = "选择文件"


def uploader_css(max_file_mb: float) -> str:
    """The <style> that replaces the uploader's English texts with Chinese ones (pure, tested)."""
    zone = '[data-testid="stFileUploaderDropzone"]'
    note = f"可多选或拖入多个文件，单个文件不超过 {max_file_mb:g} MB"
    return (
        "<style>"
        f'{zone} button [data-testid="stMarkdownContainer"] p{{font-size:0;line-height:0}}'
        f'{zone} button [data-testid="stMarkdownContainer"] p::after{{content:"{UPLOAD_BUTTON_TEXT}";'
        "font-size:0.875rem;line-height:1.6}"
        f'{zone} [data-testid="stFileUploaderDropzoneInstructions"] span{{font-size:0}}'
        f'{zone} [data-testid="stFileUploaderDropzoneInstructions"] span::after{{content:"{note}";font-size:0.85rem}}'
        "</style>"
    )


def chinese_file_uploader(max_file_mb: float) -> None:
    """Call once before st.file_uploader on a page: its button and size note read in Chinese."""
    st.html(uploader_css(max_file_mb))


# ------------------------------------------------------------------ phone (390×844)
# Kept apart from the other page CSS. Streamlit tells the browser's width to no Python code, so the page adapts in
# two ways: CSS media queries for everything CSS can reach (below), and, for what lives inside plotly's SVG (title
# wrapping, legend place, small-multiple grid), the user agent — the same test Streamlit's own frontend uses to
# close the sidebar after a navigation click on a phone.
PHONE_MAX_WIDTH_PX = 640  # Streamlit's own breakpoint for stacking columns
PHONE_CSS = f"""<style>
@media (max-width: {PHONE_MAX_WIDTH_PX}px) {{
  /* KPI tiles and every other row of columns stack, one full-width tile per row */
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap !important; }}
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{ min-width: 100% !important; flex: 1 1 100% !important; }}
  /* compact tiles: the value a size down, so a tile is a glance, not a screen */
  [data-testid="stMetricValue"] {{ font-size: 1.9rem !important; }}
  /* the plotly toolbar would sit on the chart title; PNG downloads are a desktop affair */
  [data-testid="stPlotlyChart"] .modebar-container {{ display: none !important; }}
  /* a table's toolbar stays shown on touch screens and covers the caption or tab above it; the 下载 Excel
     button under every table remains */
  [data-testid="stElementToolbar"] {{ display: none !important; }}
  /* less empty space above the page title, smaller headings */
  [data-testid="stMainBlockContainer"] {{ padding-top: 4rem !important; padding-left: 0.9rem !important;
    padding-right: 0.9rem !important; }}
  [data-testid="stMain"] h1 {{ font-size: 2rem !important; }}
  [data-testid="stMain"] h2 {{ font-size: 1.45rem !important; }}
  [data-testid="stMain"] h3 {{ font-size: 1.2rem !important; }}
}}
</style>"""


def phone_style() -> None:
    """The phone CSS block (PHONE_CSS); `header()` adds it to every page."""
    st.html(PHONE_CSS)


def is_phone_agent(user_agent: str | None) -> bool:
    """Whether a browser's user agent is a phone's ("Mobi" in it, as MDN recommends; tablets say no)."""
    return bool(user_agent) and "Mobi" in user_agent


def on_phone() -> bool:
    """Whether this session's browser is a phone (from the request's User-Agent; False without a request)."""
    try:
        return is_phone_agent(st.context.headers.get("User-Agent"))
    except Exception:  # noqa: BLE001 - no request context (AppTest, a bare script run)
        return False
