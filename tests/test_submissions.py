"""报送情况: status grid (on time / late / missing / corrected) with who and when, summaries, scopes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from builders import a1_row, b1_row, form_workbook

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import submissions as subs
from etl.ingest import ingest
from etl.regions import reference_index
from warehouse.db import Warehouse

TODAY = dt.date(2025, 3, 20)


def load(wh, form, period, data, unit, loaded_at, user="admin"):
    content = form_workbook(form, data, period=period, unit=reference_index().get(unit))
    result = ingest(
        wh, content, f"{unit}-{period}-{form}-{loaded_at:%d%H%M}.xlsx", today=TODAY, loaded_at=loaded_at, user=user
    )
    assert result.status == "loaded", [e.message for e in result.errors]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    """2025-01 (due 2025-02-10): 通化 A on 02-10 23:00 (on time) and corrected on 02-20; 长春 A on 02-11 (late);
    通化 B on 02-09 by another clerk; everything else missing."""
    warehouse = Warehouse(tmp_path_factory.mktemp("subs") / "wh.duckdb")
    load(warehouse, "A", "2025-01", {"调解情况": [a1_row("220500")]}, "220500", dt.datetime(2025, 2, 10, 23, 0), "王芳")
    load(
        warehouse,
        "A",
        "2025-01",
        {"调解情况": [a1_row("220500", scale=2)]},
        "220500",
        dt.datetime(2025, 2, 20, 9, 30),
        "李强",
    )
    load(warehouse, "A", "2025-01", {"调解情况": [a1_row("220100")]}, "220100", dt.datetime(2025, 2, 11, 8, 0), "赵敏")
    load(warehouse, "B", "2025-01", {"组织建设": [b1_row("220500")]}, "220500", dt.datetime(2025, 2, 9, 15, 0), "孙丽")
    yield warehouse
    warehouse.close()


def cells(frame: pl.DataFrame, unit: str) -> list[tuple]:
    return [
        (
            r["form"],
            r["status"],
            r["cell_status"],
            r["status_label"],
            r["first_loaded_by"],
            r["versions"],
            r["replaced"],
            r["last_loaded_by"],
            r["days_late"],
        )
        for r in frame.filter(pl.col("unit_code") == unit).to_dicts()
    ]


def test_grid_statuses_with_who_and_when(wh):
    grid = subs.grid(wh, PROVINCE_ADMIN, "2025-01", "2025-01")
    assert grid.height == 33  # 11 units × 3 forms
    assert cells(grid, "220500") == [
        ("A", "on_time", "superseded", "已更正", "王芳", 2, 1, "李强", None),
        ("B", "on_time", "on_time", "按时", "孙丽", 1, 0, "孙丽", None),
        ("C", "missing", "missing", "未报", None, 0, 0, None, None),
    ]
    assert cells(grid, "220100")[0] == ("A", "late", "late", "迟报", "赵敏", 1, 0, "赵敏", 1)
    row = grid.filter((pl.col("unit_code") == "220500") & (pl.col("form") == "A")).row(0, named=True)
    assert (row["due_on"], row["first_loaded_at"], row["last_loaded_at"], row["form_label"]) == (
        dt.date(2025, 2, 10),
        dt.datetime(2025, 2, 10, 23, 0),
        dt.datetime(2025, 2, 20, 9, 30),
        "附件1 调解情况",
    )


def test_summaries(wh):
    grid = subs.grid(wh, PROVINCE_ADMIN, "2025-01", "2025-01")
    month = subs.period_summary(grid).row(0, named=True)
    assert month == {
        "period": "2025-01",
        "due": 33,
        "on_time": 2,
        "late": 1,
        "missing": 30,
        "superseded": 1,
        "on_time_rate": pytest.approx(2 / 33),
    }
    units = subs.unit_summary(grid)
    assert units.filter(pl.col("unit_code") == "220500").select("due", "on_time", "missing", "superseded").row(0) == (
        3,
        2,
        1,
        1,
    )
    assert units["unit_code"][-1] == "220500"  # best last
    table = subs.detail_table(grid)
    assert table.columns == [
        "统计期",
        "单位",
        "报表",
        "状态",
        "截止日期",
        "首次报送时间",
        "首次报送人",
        "迟报天数",
        "版本数",
        "被替换版本数",
        "最近报送时间",
        "最近报送人",
    ]


def test_form_filter(wh):
    assert subs.grid(wh, PROVINCE_ADMIN, "2025-01", "2025-01", "B")["form"].unique().to_list() == ["B"]


def test_scopes_city_sees_all_units_but_only_its_own_clerks(wh):
    grid = subs.grid(wh, Viewer("tonghua", "city", "220500"), "2025-01", "2025-01")
    assert grid["unit_code"].n_unique() == 11
    assert cells(grid, "220500")[0][4] == "王芳"
    assert cells(grid, "220100")[0][:4] == ("A", "late", "late", "迟报")
    assert cells(grid, "220100")[0][4] is None and cells(grid, "220100")[0][7] is None


def test_scopes_county_sees_its_unit_only_without_names(wh):
    grid = subs.grid(wh, Viewer("dongchang", "county", "220502"), "2025-01", "2025-01")
    assert grid["unit_code"].unique().to_list() == ["220500"]
    assert grid["first_loaded_by"].null_count() == 3


# ------------------------------------------------------------------ 催报名单 (service/jobs.py reminders)
@pytest.fixture
def reminded(tmp_path):
    """A warehouse where 通化市 sent form A for 2025-03 and the due-day job ran on 2025-04-10."""
    from conftest import SAMPLES

    from service import jobs

    wh = Warehouse(tmp_path / "wh.duckdb")
    name = "通化市2025年3月劳动人事争议调解情况月报.xlsx"
    assert ingest(wh, (SAMPLES / name).read_bytes(), name).status == "loaded"
    jobs.run_job(wh, "reminders", now=dt.datetime(2025, 4, 10, 8, 0))
    yield wh
    wh.close()


def test_the_province_gets_every_unit_that_has_not_reported_with_its_missing_forms(reminded):
    listed = subs.reminder_list(reminded, PROVINCE_ADMIN)
    assert (listed["period"], listed["due_on"], len(listed["units"])) == ("2025-03", "2025-04-10", 11)
    tonghua = next(u for u in listed["units"] if u["unit_code"] == "220500")
    assert tonghua == {
        "unit_code": "220500",
        "unit_name": "通化市",
        "forms": ["B", "C"],
        "form_labels": ["附件2 组织建设", "工作台账"],
    }


def test_a_clerk_sees_only_their_own_unit_in_the_reminder_list(reminded):
    county = Viewer(name="dongchang", role="county", region_code="220502")
    city = Viewer(name="changchun", role="city", region_code="220100")
    assert [u["unit_code"] for u in subs.reminder_list(reminded, county)["units"]] == ["220500"]
    assert [u["unit_code"] for u in subs.reminder_list(reminded, city)["units"]] == ["220100"]


def test_forms_that_arrive_after_the_list_was_made_drop_off_it(reminded):
    from builders import c1_row

    load(reminded, "C", "2025-03", {"工作台账": [c1_row("220500")]}, "220500", dt.datetime(2025, 4, 11))
    tonghua = next(u for u in subs.reminder_list(reminded, PROVINCE_ADMIN)["units"] if u["unit_code"] == "220500")
    assert tonghua["forms"] == ["B"]


def test_the_reminder_notice_names_the_unit_the_month_the_due_day_and_each_missing_form():
    text = subs.reminder_notice("通化市", ["附件2 组织建设", "工作台账"], "2025-03", "2025-04-10", "2025-04-10").decode(
        "utf-8"
    )
    assert text.startswith("\ufeff催报通知\r\n\r\n通化市人力资源和社会保障局（劳动人事争议仲裁院）：")
    assert "2025年3月的报表应于 2025-04-10 前报送" in text
    assert "    1. 附件2 组织建设\r\n    2. 工作台账\r\n" in text


def test_who_uploaded_is_the_accounts_display_name(tmp_path):
    """An upload through the app records the account (demo_city); every 上报人/报送人 shows the person's name, the
    same as versions loaded under a name; a name with no account stays as recorded."""
    from auth import accounts
    from dashboard import upload as up
    from warehouse import review

    warehouse = Warehouse(tmp_path / "wh.duckdb")
    accounts.add_account(
        warehouse,
        "tonghua_city",
        role="city",
        region_code="220500",
        password="Correct-Horse-7",
        display_name="通化市人社局 张三",
        actor="test",
    )
    load(
        warehouse,
        "A",
        "2025-01",
        {"调解情况": [a1_row("220500")]},
        "220500",
        dt.datetime(2025, 2, 9, 9, 0),
        "tonghua_city",
    )
    load(warehouse, "B", "2025-01", {"组织建设": [b1_row("220500")]}, "220500", dt.datetime(2025, 2, 9, 15, 0), "孙丽")
    grid = subs.grid(warehouse, PROVINCE_ADMIN, "2025-01", "2025-01").filter(pl.col("unit_code") == "220500")
    assert grid.select("form", "first_loaded_by", "last_loaded_by").rows() == [
        ("A", "通化市人社局 张三", "通化市人社局 张三"),
        ("B", "孙丽", "孙丽"),
        ("C", None, None),
    ]
    versions = up.versions_frame(review.submissions(warehouse), warehouse.region_index(), up.person_names(warehouse))
    assert sorted(versions["上报人"].to_list()) == sorted(["通化市人社局 张三", "孙丽"])
    warehouse.close()
