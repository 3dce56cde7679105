"""Cell-by-cell comparison of two versions: wide sheets by region, long sheets by their row key."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import TODAY, a1_row, a2_row, c1_row, form_workbook

from etl.ingest import ingest
from warehouse import compare


@pytest.fixture
def wh(empty_warehouse):
    return empty_warehouse


def load(wh, form: str, data: dict, name: str = "上报.xlsx") -> str:
    result = ingest(wh, form_workbook(form, data), name, today=TODAY)
    assert result.status == "loaded", [e.message for e in result.errors]
    return result.version_id


TWO = [a1_row("220500", "市本级"), a1_row("220502", "东昌区")]


def test_changed_cells_of_a_wide_sheet(wh):
    old = load(wh, "A", {"调解情况": TWO})
    new = load(
        wh,
        "A",
        {
            "调解情况": [
                a1_row("220500", "市本级"),
                a1_row("220502", "东昌区", accepted_total=13, accepted_enterprise=7, amount_wan=15.25),
            ]
        },
    )
    changes = compare.compare_versions(wh, old, new)
    assert compare.change_lines(changes, "A") == [
        "东昌区 受理案件数合计 10 → 13",
        "东昌区 受理案件数·企业调解委员会 4 → 7",
        "东昌区 涉案金额 12.50 → 15.25",
    ]
    assert compare.changes_frame(changes).rows() == [
        ("东昌区", "调解情况", "", "受理案件数合计", "10", "13"),
        ("东昌区", "调解情况", "", "受理案件数·企业调解委员会", "4", "7"),
        ("东昌区", "调解情况", "", "涉案金额", "12.50", "15.25"),
    ]


def test_identical_versions_have_no_changes(wh):
    old = load(wh, "A", {"调解情况": TWO})
    new = load(wh, "A", {"调解情况": TWO})
    assert compare.compare_versions(wh, old, new) == []


def test_rows_added_and_removed_and_a_first_report(wh):
    old = load(
        wh,
        "A",
        {
            "调解情况": [a1_row("220502", "东昌区")],
            "分行业": [
                a2_row("220502", "东昌区", industry="C"),
                a2_row("220502", "东昌区", industry="E", accepted=4, succeeded=2),
            ],
        },
    )
    new = load(
        wh,
        "A",
        {
            "调解情况": TWO,
            "分行业": [a2_row("220502", "东昌区", industry="C", accepted=12), a2_row("220502", "东昌区", industry="F")],
        },
    )
    lines = compare.change_lines(compare.compare_versions(wh, old, new), "A")
    assert lines == [
        "通化市本级 首次报送",
        "东昌区 分行业 C 制造业 受理案件数 10 → 12",
        "东昌区 分行业 E 建筑业 删除一行",
        "东昌区 分行业 F 批发和零售业 新增一行",
    ]


def test_a_long_sheet_no_longer_reported_is_one_line(wh):
    old = load(
        wh,
        "A",
        {
            "调解情况": [a1_row("220502", "东昌区")],
            "分行业": [
                a2_row("220502", "东昌区", industry="C"),
                a2_row("220502", "东昌区", industry="E", accepted=4, succeeded=2),
            ],
        },
    )
    new = load(wh, "A", {"调解情况": [a1_row("220502", "东昌区")]})
    assert compare.change_lines(compare.compare_versions(wh, old, new), "A") == [
        "东昌区 分行业 本次未报送（原有 2 行）"
    ]


def test_ledger_tasks_are_matched_by_task_id(wh):
    old = load(wh, "C", {"工作台账": [c1_row("220502", "T-01", "东昌区"), c1_row("220502", "T-02", "东昌区")]})
    new = load(
        wh,
        "C",
        {
            "工作台账": [
                c1_row("220502", "T-02", "东昌区"),
                c1_row("220502", "T-01", "东昌区", step=5, closed_on=dt.date(2025, 3, 20), done_value=10),
            ]
        },
    )
    assert compare.change_lines(compare.compare_versions(wh, old, new), "C") == [
        "东昌区 任务 T-01 完成值 5 → 10",
        "东昌区 任务 T-01 当前环节 2 推进落实 → 5 闭环销号",
        "东昌区 任务 T-01 闭环日期 — → 2025-03-20",
    ]


def test_against_a_baseline_per_region(wh):
    """A city file replacing two regions that came from different earlier versions (one never reported)."""
    first = load(wh, "A", {"调解情况": [a1_row("220502", "东昌区")]})
    city = load(
        wh, "A", {"调解情况": [a1_row("220500", "市本级", closed_total=9), a1_row("220502", "东昌区", closed_total=7)]}
    )
    changes = compare.compare_to_baseline(wh, city, {"220500": None, "220502": first})
    assert compare.change_lines(changes, "A") == ["通化市本级 首次报送", "东昌区 调解结案数 8 → 7"]


def test_current_pointer_is_the_baseline_of_an_upload(wh):
    version = load(wh, "A", {"调解情况": [a1_row("220502", "东昌区")]})
    assert compare.current_pointer(wh, "A", "2025-03", {"220500", "220502"}) == {"220500": None, "220502": version}


def test_versions_of_different_forms_are_not_compared(wh):
    a = load(wh, "A", {"调解情况": [a1_row("220502", "东昌区")]})
    c = load(wh, "C", {"工作台账": [c1_row("220502", "T-01", "东昌区")]})
    with pytest.raises(ValueError, match="同一种报表"):
        compare.compare_versions(wh, a, c)


def test_values_for_people():
    assert [compare.format_value(v) for v in (None, 1234, 12.5, 3.0, True, dt.date(2025, 3, 5), "是")] == [
        "—",
        "1,234",
        "12.50",
        "3",
        "是",
        "2025-03-05",
        "是",
    ]
    assert compare.format_value(5, "step") == "5 闭环销号"


# ------------------------------------------------------------------ the 历史版本 page
def test_history_page_lists_compares_and_restores(wh, monkeypatch):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    from auth.viewer import PROVINCE_ADMIN

    old = load(wh, "A", {"调解情况": TWO}, name="第一次.xlsx")
    new = load(
        wh,
        "A",
        {"调解情况": [a1_row("220500", "市本级"), a1_row("220502", "东昌区", closed_total=7)]},
        name="更正.xlsx",
    )
    monkeypatch.setenv("MEDIATION_DB", str(wh.path))
    wh.close()
    at = AppTest.from_file(str(ROOT / "pages/history.py"), default_timeout=60)
    at.session_state["viewer"] = PROVINCE_ADMIN
    at.run()
    assert not at.exception, at.exception
    versions = at.dataframe[0].value
    assert versions[["版本号", "文件", "审核状态", "看板显示"]].values.tolist() == [
        [new, "更正.xlsx", "审核通过", "当前"],
        [old, "第一次.xlsx", "审核通过", ""],
    ]
    assert all(len(sha) == 64 for sha in versions["文件指纹"])
    compared = at.dataframe[1].value
    assert compared.values.tolist() == [["东昌区", "调解情况", "", "调解结案数", "8", "7"]]
    assert at.button(key="hist_restore_go").disabled
    at.checkbox(key="hist_confirm").check().run()
    at.button(key="hist_restore_go").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == f"已恢复版本 {old}：2 个地区的看板已改为显示这个版本的数据。"
    from dashboard.runtime import _open

    assert _open(str(wh.path)).scalar("select closed_total from v_mediation where region_code = '220502'") == 8


def test_many_changes_are_summarised_per_region_and_sheet(wh):
    from dashboard.upload import headline_changes

    rows = [a1_row(code, scale=2) for code in ("220500", "220502", "220503", "220521")]
    old = load(
        wh,
        "A",
        {
            "调解情况": TWO,
            "分行业": [a2_row("220502", industry="C"), a2_row("220502", industry="E", accepted=4, succeeded=2)],
        },
    )
    new = load(wh, "A", {"调解情况": rows, "分行业": [a2_row("220502", industry="C", accepted=12)]})
    changes = compare.compare_versions(wh, old, new)
    lines, rest = headline_changes(changes, "A", limit=12)
    assert lines == [
        "通化市本级 受理案件数合计 10 → 20，调解结案数 8 → 16，调解成功数合计 6 → 12，涉案金额 12.50 → 25.00",
        "东昌区 受理案件数合计 10 → 20，调解结案数 8 → 16，调解成功数合计 6 → 12，涉案金额 12.50 → 25.00",
        "二道江区 首次报送",
        "通化县 首次报送",
        "分行业：修改 1 处，删除 1 行",
    ]
    assert rest == len(changes) - 10
