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
    """One 调解情况 row per region of a reporting unit (the city's own row written 市本级, as clerks do)."""
    regions = sorted(wh.region_index().unit_regions(unit), key=lambda r: r.code)
    return [a1_row(r.code, "市本级" if r.is_city else r.name, scale=scale) for r in regions]


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
    assert [(e.code, e.sheet, e.cell) for e in fc.result.errors] == [("out_of_scope", "调解情况", "B5")]
    assert fc.result.errors[0].message == ("“调解情况”工作表 B5 单元格：此文件为白山市报表，不在您的填报范围（通化市及所辖县区）。"
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


# ------------------------------------------------------------------ item 2: 历史版本 and `history --user`
@pytest.fixture
def versions(wh):
    """February as above, then two March loads of the whole 通化市 (every row jumps against February: one
    warning per row) and one March load of 白山市. Returns (first March, second March) version ids."""
    from etl.ingest import ingest
    loads = []
    for unit, scale in (("220500", 1), ("220500", 2), ("220600", 1)):
        result = ingest(wh, form_workbook("A", {"调解情况": unit_rows(wh, unit, scale=scale)}), f"{unit}-{scale}.xlsx",
                        today=TODAY)
        assert result.status == "loaded" and len(result.warnings) == len(unit_rows(wh, unit, scale=1))
        loads.append(result.version_id)
    return loads[0], loads[1]


def test_a_county_sees_only_versions_touching_its_region_cut_down_to_it(wh, versions):
    from dashboard import upload as up
    subs = up.visible_versions(wh, DONGCHANG_COUNTY)
    assert [(s.file_name, s.regions, s.current_regions, s.warnings) for s in subs] == [
        ("220500-2.xlsx", ["220502"], ["220502"], 1),
        ("220500-1.xlsx", ["220502"], [], 1),
        ("二月.xlsx", ["220502"], ["220502"], 0)]
    assert up.versions_frame(subs, wh.region_index())["地区"].to_list() == ["东昌区"] * 3
    assert up.version_warnings(wh, DONGCHANG_COUNTY, versions[1])["地区 · 项目"].to_list() == ["东昌区 · 受理案件数合计"]


def test_a_city_sees_its_units_regions_of_a_province_wide_version_and_cannot_restore_it(wh, versions):
    from dashboard import upload as up
    subs = up.visible_versions(wh, TONGHUA_CITY)
    tonghua = sorted(r.code for r in wh.region_index().unit_regions("220500"))
    assert [(s.file_name, s.regions) for s in subs] == [
        ("220500-2.xlsx", tonghua), ("220500-1.xlsx", tonghua), ("二月.xlsx", tonghua)]
    february = subs[-1]
    assert up.can_restore(TONGHUA_CITY, up.unscoped(february), wh.region_index())[0] is False


def test_a_countys_diff_of_two_city_versions_lists_only_its_own_rows(wh, versions):
    from dashboard import upload as up
    from warehouse import compare
    by_id = {s.version_id: s for s in up.visible_versions(wh, DONGCHANG_COUNTY)}
    old, new = by_id[versions[0]], by_id[versions[1]]
    regions = up.compare_regions(old, new, None, DONGCHANG_COUNTY, wh.region_index())
    assert regions == ["220502"]
    changes = compare.compare_versions(wh, old.version_id, new.version_id, regions)
    assert {c.region_name for c in changes} == {"东昌区"} and len(changes) > 1
    assert up.compare_regions(old, new, {"220503"}, DONGCHANG_COUNTY, wh.region_index()) == []


def test_history_user_in_the_cli_lists_what_the_page_lists(wh, versions, capsys):
    from etl.cli import main
    path = str(wh.path)
    wh.close()
    assert main(["history", "--db", path, "--user", "demo_county"]) == 0
    county = capsys.readouterr().out.splitlines()
    assert [(line.split()[0], line.split("地区 ")[1].split()[0]) for line in county] == [
        (versions[1], "220502"), (versions[0], "220502"), (county[2].split()[0], "220502")]
    assert main(["history", "--db", path]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4  # the administrator sees 白山市's version too
    assert main(["history", "--db", path, "--user", "nobody"]) == 2
    assert "没有名为“nobody”的账号" in capsys.readouterr().err
