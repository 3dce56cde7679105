"""The app's one warehouse connection (per process) and cache keys that change when data changes."""
from __future__ import annotations

import streamlit as st

from warehouse import config
from warehouse.db import Warehouse


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Warehouse:
    return Warehouse(path)


def warehouse() -> Warehouse:
    """The shared read-write warehouse; pages query it through per-call cursors."""
    return _open(str(config.warehouse_path()))
