"""Every page renders in AppTest on an empty and on a demo-like warehouse."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, SAMPLES


PAGES = ["pages/overview.py", "pages/forms_doc.py", "pages/settings.py", "pages/login.py", "pages/admin.py"]


@pytest.fixture
def warehouse_with_samples(tmp_path, monkeypatch):
    from etl.ingest import ingest
    from warehouse.db import Warehouse
    db = tmp_path / "wh.duckdb"
    wh = Warehouse(db)
    for name in ("通化市2025年3月劳动人事争议调解情况月报.xlsx", "长春市2025年6月调解组织建设情况统计表.xlsx"):
        assert ingest(wh, (SAMPLES / name).read_bytes(), name).status == "loaded"
    wh.close()
    monkeypatch.setenv("MEDIATION_DB", str(db))
    return db


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATION_DB", str(tmp_path / "empty.duckdb"))


def _run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_warehouse(empty_db, page):
    at = _run(page)
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_data(warehouse_with_samples, page):
    at = _run(page)
    assert not at.exception, at.exception


def test_overview_shows_empty_state_on_empty_warehouse(empty_db):
    at = _run("pages/overview.py")
    assert any("暂无数据" in i.value for i in at.info)


def test_app_navigation_runs(warehouse_with_samples):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
