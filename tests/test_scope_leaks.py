"""What a clerk sees stays inside their scope (interfaces.md §4) on the upload preview, in 历史版本 and its
CLI twin, and on every page and download."""
from __future__ import annotations

import pytest

from auth import accounts
from auth.viewer import Viewer
from builders import TODAY, a1_row, form_workbook

TONGHUA_CITY = Viewer("demo_city", "city", "220500", "通化市填报员")
DONGCHANG_COUNTY = Viewer("demo_county", "county", "220502", "通化市东昌区填报员")


def unit_rows(wh, unit: str, *, scale: int) -> list[dict]:
    return [a1_row(r.code, r.name, scale=scale) for r in sorted(wh.region_index().unit_regions(unit), key=lambda r: r.code)]


@pytest.fixture
def wh(tmp_path):
    """February (admin-loaded) for 通化市 and 白山市 at five times March's figures, so March jumps everywhere."""
    from etl.ingest import ingest
    from warehouse.db import Warehouse
    wh = Warehouse(tmp_path / "wh.duckdb")
    accounts.ensure_demo_accounts(wh, actor="test")
    february = form_workbook("A", {"调解情况": unit_rows(wh, "220500", scale=5) + unit_rows(wh, "220600", scale=5)},
                             period="2025-02")
    assert ingest(wh, february, "二月.xlsx", today=TODAY).status == "loaded"
    yield wh
    wh.close()


def check_as(wh, viewer: Viewer, content: bytes):
    from dashboard import upload as up
    scope = up.upload_scope(wh, viewer)
    return scope, up.check_file(wh, scope, content, "三月.xlsx", today=TODAY)


# ------------------------------------------------------------------ item 1: the upload preview
def test_a_county_checking_its_citys_file_sees_last_months_figures_of_its_own_region_only(wh):
    from dashboard import upload as up
    scope, fc = check_as(wh, DONGCHANG_COUNTY, form_workbook("A", {"调解情况": unit_rows(wh, "220500", scale=1)}))
    jumps = [w.message.split("（")[1].split(" · ")[0] for w in fc.result.warnings if w.code == "A1_ACCEPTED_JUMP"]
    assert jumps == ["东昌区"]
    assert up.key_totals(wh, fc.result, scope.allowed_regions).to_dicts() == [
        {"指标": "受理案件数合计", "本月": "10", "上月": "50", "增减": "-40", "增减率": "-80.0%"},
        {"指标": "调解结案数", "本月": "8", "上月": "40", "增减": "-32", "增减率": "-80.0%"},
        {"指标": "调解成功数合计", "本月": "6", "上月": "30", "增减": "-24", "增减率": "-80.0%"},
        {"指标": "涉案金额", "本月": "12.50", "上月": "62.50", "增减": "-50", "增减率": "-80.0%"}]
    assert up.region_totals(wh, fc.result, scope.allowed_regions).to_dicts() == [
        {"地区": "东昌区", "指标": "受理案件数合计", "本月": "10", "上月": "50", "增减": "-40"}]


def test_another_units_file_gets_one_headline_error_and_no_figures_of_that_unit(wh):
    from dashboard import upload as up
    scope, fc = check_as(wh, TONGHUA_CITY, form_workbook("A", {"调解情况": unit_rows(wh, "220600", scale=1)}))
    assert [(e.code, e.sheet, e.cell) for e in fc.result.errors] == [("out_of_scope", "调解情况", "B6")]
    assert fc.result.errors[0].message == ("“调解情况”工作表 B6 单元格：此文件为白山市报表，不在您的填报范围（通化市及所辖县区）。"
                                           "请上传本单位的报表；这份报表应由对应单位的填报员上报。")
    assert fc.result.warnings == []
    assert up.key_totals(wh, fc.result, scope.allowed_regions).is_empty()
    assert up.region_totals(wh, fc.result, scope.allowed_regions).is_empty()


def test_the_previous_month_history_reads_only_the_regions_it_is_scoped_to(wh):
    from warehouse.load import WarehouseHistory
    scoped = WarehouseHistory(wh, {"220502"})
    assert sorted(scoped.previous_rows("mediation", "2025-02", {"220502", "220602"})) == ["220502"]
    assert sorted(WarehouseHistory(wh).previous_rows("mediation", "2025-02", {"220502", "220602"})) == ["220502", "220602"]
    assert scoped.previous_rows("mediation", "2025-02", {"220602"}) == {}
