"""A far-cell workbook uploaded through the app is refused in Chinese while another session keeps working.

Before the scan, one cell at XFD1048576 made calamine ask for 549,755,813,888 bytes and abort the whole
server process, for every signed-in user; here that would abort pytest itself.
"""

from __future__ import annotations

import threading

import pytest
from conftest import ROOT, SAMPLES
from hostile_files import MAIN, add_rows
from streamlit.testing.v1 import AppTest

from auth.viewer import PROVINCE_ADMIN

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OTHER_PAGES = ["pages/overview.py", "pages/mediation.py", "pages/history.py"]


@pytest.fixture
def db(tmp_path, monkeypatch):
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    path = tmp_path / "wh.duckdb"
    wh = Warehouse(path)
    name = "通化市2025年3月劳动人事争议调解情况月报.xlsx"
    assert ingest(wh, (SAMPLES / name).read_bytes(), name).status == "loaded"
    wh.close()
    monkeypatch.setenv("MEDIATION_DB", str(path))
    return path


def session(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.session_state["viewer"] = PROVINCE_ADMIN
    return at


def test_a_far_cell_upload_is_refused_while_another_session_keeps_rendering_pages(db):
    far_cell = add_rows(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    uploader = session("pages/upload.py")
    uploader.run()
    outcome: dict = {}

    def upload():
        uploader.file_uploader(key="upload_files").set_value([("远端单元格.xlsx", far_cell, XLSX)])
        uploader.run()
        outcome["exception"] = list(uploader.exception)
        outcome["status"] = [s.label for s in uploader.status]
        outcome["cells"] = [
            str(cell)
            for tables in (uploader.table, uploader.dataframe)
            for table in tables
            for cell in table.value.to_numpy().ravel()
        ]

    worker = threading.Thread(target=upload)
    renders = []
    worker.start()
    while worker.is_alive() or len(renders) < len(OTHER_PAGES):  # the other clerk keeps clicking through pages
        page = OTHER_PAGES[len(renders) % len(OTHER_PAGES)]
        at = session(page)
        at.run()
        renders.append((page, list(at.exception)))
    worker.join()
    assert [exceptions for _, exceptions in renders if exceptions] == []
    assert outcome["exception"] == []
    assert [("未入库" in label) for label in outcome["status"]] == [True]
    assert f"{MAIN} XFD1048576" in outcome["cells"]
    assert any("XFD1048576 单元格有内容，超出了报表的范围" in cell for cell in outcome["cells"])
