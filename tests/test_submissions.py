"""报送情况: status grid (on time / late / missing / corrected) with who and when, summaries, scopes."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from auth.viewer import PROVINCE_ADMIN, Viewer
from builders import a1_row, b1_row, form_workbook
from dashboard import submissions as subs
from etl.ingest import ingest
from etl.regions import reference_index
from warehouse.db import Warehouse

TODAY = dt.date(2025, 3, 20)


def load(wh, form, period, data, unit, loaded_at, user="admin"):
    content = form_workbook(form, data, period=period, unit=reference_index().get(unit))
    result = ingest(wh, content, f"{unit}-{period}-{form}-{loaded_at:%d%H%M}.xlsx", today=TODAY, loaded_at=loaded_at,
                    user=user)
    assert result.status == "loaded", [e.message for e in result.errors]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    """2025-01 (due 2025-02-10): 通化 A on 02-10 23:00 (on time) and corrected on 02-20; 长春 A on 02-11 (late);
    通化 B on 02-09 by another clerk; everything else missing."""
    warehouse = Warehouse(tmp_path_factory.mktemp("subs") / "wh.duckdb")
    load(warehouse, "A", "2025-01", {"调解情况": [a1_row("220500")]}, "220500", dt.datetime(2025, 2, 10, 23, 0), "王芳")
    load(warehouse, "A", "2025-01", {"调解情况": [a1_row("220500", scale=2)]}, "220500", dt.datetime(2025, 2, 20, 9, 30),
         "李强")
    load(warehouse, "A", "2025-01", {"调解情况": [a1_row("220100")]}, "220100", dt.datetime(2025, 2, 11, 8, 0), "赵敏")
    load(warehouse, "B", "2025-01", {"组织建设": [b1_row("220500")]}, "220500", dt.datetime(2025, 2, 9, 15, 0), "孙丽")
    yield warehouse
    warehouse.close()


def cells(frame: pl.DataFrame, unit: str) -> list[tuple]:
    return [(r["form"], r["status"], r["cell_status"], r["status_label"], r["first_loaded_by"], r["versions"],
             r["replaced"], r["last_loaded_by"], r["days_late"])
            for r in frame.filter(pl.col("unit_code") == unit).to_dicts()]


def test_grid_statuses_with_who_and_when(wh):
    grid = subs.grid(wh, PROVINCE_ADMIN, "2025-01", "2025-01")
    assert grid.height == 33  # 11 units × 3 forms
    assert cells(grid, "220500") == [
        ("A", "on_time", "superseded", "已更正", "王芳", 2, 1, "李强", None),
        ("B", "on_time", "on_time", "按时", "孙丽", 1, 0, "孙丽", None),
        ("C", "missing", "missing", "未报", None, 0, 0, None, None),
    ]
    assert cells(grid, "220100")[0] == ("A", "late", "late", "逾期", "赵敏", 1, 0, "赵敏", 1)
    row = grid.filter((pl.col("unit_code") == "220500") & (pl.col("form") == "A")).row(0, named=True)
    assert (row["due_on"], row["first_loaded_at"], row["last_loaded_at"], row["form_label"]) == (
        dt.date(2025, 2, 10), dt.datetime(2025, 2, 10, 23, 0), dt.datetime(2025, 2, 20, 9, 30), "附件1 调解情况")


def test_summaries(wh):
    grid = subs.grid(wh, PROVINCE_ADMIN, "2025-01", "2025-01")
    month = subs.period_summary(grid).row(0, named=True)
    assert month == {"period": "2025-01", "due": 33, "on_time": 2, "late": 1, "missing": 30, "superseded": 1,
                     "on_time_rate": pytest.approx(2 / 33)}
    units = subs.unit_summary(grid)
    assert units.filter(pl.col("unit_code") == "220500").select("due", "on_time", "missing", "superseded").row(0) == (
        3, 2, 1, 1)
    assert units["unit_code"][-1] == "220500"  # best last
    table = subs.detail_table(grid)
    assert table.columns == ["统计期", "单位", "报表", "状态", "截止日期", "首次报送时间", "首次报送人", "逾期天数", "版本数",
                             "被替换版本数", "最近报送时间", "最近报送人"]


def test_form_filter(wh):
    assert subs.grid(wh, PROVINCE_ADMIN, "2025-01", "2025-01", "B")["form"].unique().to_list() == ["B"]


def test_scopes_city_sees_all_units_but_only_its_own_clerks(wh):
    grid = subs.grid(wh, Viewer("tonghua", "city", "220500"), "2025-01", "2025-01")
    assert grid["unit_code"].n_unique() == 11
    assert cells(grid, "220500")[0][4] == "王芳"
    assert cells(grid, "220100")[0][:4] == ("A", "late", "late", "逾期")
    assert cells(grid, "220100")[0][4] is None and cells(grid, "220100")[0][7] is None


def test_scopes_county_sees_its_unit_only_without_names(wh):
    grid = subs.grid(wh, Viewer("dongchang", "county", "220502"), "2025-01", "2025-01")
    assert grid["unit_code"].unique().to_list() == ["220500"]
    assert grid["first_loaded_by"].null_count() == 3
