"""Page chrome shared by all pages: title, freshness banner, empty state."""
from __future__ import annotations

import streamlit as st

from dashboard import common
from dashboard.format import period_label
from warehouse.db import Warehouse


def freshness_banner(wh: Warehouse) -> common.Freshness:
    fresh = common.freshness(wh)
    if fresh.period:
        st.caption(f"📅 数据截至 {period_label(fresh.period)} · 已报送 {fresh.units_reported}/{fresh.units_total} 个单位")
    return fresh


def header(title: str, wh: Warehouse, subtitle: str | None = None) -> common.Freshness:
    st.title(title)
    if subtitle:
        st.caption(subtitle)
    return freshness_banner(wh)


def empty_state(what: str = "数据") -> None:
    """A friendly Chinese state for an empty warehouse, pointing to the upload page."""
    st.info(f"暂无{what}。请先在“数据上报”页面上传各地报表，或运行 `python -m etl demo` 生成演示数据。", icon="📭")
    try:
        st.page_link("pages/upload.py", label="前往数据上报", icon=":material/upload_file:")
    except Exception:  # the upload page may not be part of this installation's navigation
        pass
