"""The app's one warehouse connection (per process) and cache keys that change when data changes."""

from __future__ import annotations

import streamlit as st

from auth.sanitize import md_escape
from warehouse import config
from warehouse.db import Warehouse, WarehouseBusy, WarehouseUnavailable

BUSY_HINT = "请稍后刷新本页；若一直如此，请联系管理员确认是否有命令行任务（如整库恢复）正在运行。"


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Warehouse:
    return Warehouse(path)


def warehouse() -> Warehouse:
    """The shared read-write warehouse; pages query it through per-call cursors.

    A busy or damaged file stops the page with a Chinese error instead of a traceback (not cached: the next
    rerun tries again, so the app recovers once the file is free or restored).
    """
    try:
        return _open(str(config.warehouse_path()))
    except WarehouseUnavailable as problem:
        unavailable_page(problem)


def unavailable_page(problem: WarehouseUnavailable):
    """Stop the run with the reason, shown as typed (a path with _ or * is not Markdown)."""
    st.title("数据仓库暂时无法打开")
    st.error(
        md_escape(str(problem) + (BUSY_HINT if isinstance(problem, WarehouseBusy) else "")), icon=":material/warning:"
    )
    st.stop()
