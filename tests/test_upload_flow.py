"""AppTest drives 数据上报 (pages/upload.py) like a clerk: every workbook of tests/samples (our copy of the shared acceptance samples) gets the outcome
samples/README.md states, shown on the page; a valid file is confirmed and lands in the views; a rejected one
offers the annotated copy with red cells exactly where the errors are; loading again lists what changed."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from conftest import ROOT, SAMPLES
from streamlit.testing.v1 import AppTest

from auth.viewer import PROVINCE_ADMIN, Viewer

CASES = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))["cases"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RED = "FFFFC7CE"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("MEDIATION_DB", str(path))
    return path


def page(viewer=PROVINCE_ADMIN) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/upload.py"), default_timeout=120)
    at.session_state["viewer"] = viewer
    at.run()
    assert not at.exception, at.exception
    return at


def drop(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="upload_files").set_value([(name, content, XLSX) for name, content in files])
    at.run()
    assert not at.exception, at.exception
    return at


def statuses(at: AppTest) -> list[tuple[str, str]]:
    """(state, label) of each file's status block: 'complete' or 'error', and what the clerk reads."""
    states = {":material/check:": "complete", ":material/error:": "error"}
    return [(states.get(s.proto.icon, s.proto.icon), s.label) for s in at.status]


def frames(at: AppTest, first_column: str) -> list:
    """Tables (static or scrollable) whose first column is first_column."""
    found = [t.value for t in at.table] + [d.value for d in at.dataframe]
    return [f for f in found if list(f.columns)[0] == first_column]


def the_warehouse(db):
    """The page's own warehouse object (one read-write connection per process, as in the app)."""
    from dashboard.runtime import _open

    return _open(str(db))


@pytest.mark.parametrize("case", [c for c in CASES], ids=[c["id"] for c in CASES])
def test_every_sample_gets_its_stated_outcome(db, case):
    at = drop(page(), (case["file"], (SAMPLES / case["file"]).read_bytes()))
    [(state, status)] = statuses(at)
    if case["expect"] == "rejected":
        assert state == "error" and "发现 2 个错误，未入库" in status
        assert any("没有入库" in e.value for e in at.error)
        [errors] = frames(at, "位置")[:1]
        expected_errors = [case["error"], *case.get("also_errors", [])]
        for expected in expected_errors:
            assert f"{expected['sheet']} {expected['cell']}" in list(errors["位置"])
        assert not [b for b in at.button if b.label == "确认入库"]
        [download] = at.download_button
        assert "带批注" in download.label
        [fc] = at.session_state["upload_checks"].values()
        assert fc.annotation.file_name == "白山市2025年4月调解情况月报（有误）（校验批注）.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(fc.annotated_bytes()))  # what the download button serves
        red = {
            (ws.title, c.coordinate)
            for ws in book.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.fill.fill_type == "solid" and c.fill.start_color.rgb == RED
        }
        assert red == {(e["sheet"], e["cell"]) for e in expected_errors}
        assert {
            (ws.title, c.coordinate)
            for ws in book.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.comment is not None and c.fill.start_color.rgb == RED
        } == red
        return
    assert state == "complete" and "校验通过" in status
    period = case["period"]
    header = " ".join(m.value for m in at.markdown)
    assert f"**统计期：** {int(period[:4])}年{int(period[5:7])}月" in header
    if case.get("warnings_min"):
        assert any("条提示" in w.value for w in at.warning)
    assert frames(at, "指标"), "the key totals against the previous month are shown"
    [confirm] = [b for b in at.button if b.label == "确认入库"]
    confirm.click().run()
    assert not at.exception, at.exception
    assert any("已入库" in s.value for s in at.success)
    assert "已入库" in statuses(at)[0][1]
    wh = the_warehouse(db)
    for check in case["checks"]:
        value = wh.scalar(check["sql"])
        assert value is not None and abs(float(value) - float(check["equals"])) < 0.01, check["what"]


def test_many_files_at_once_load_the_valid_ones_together(db):
    at = drop(page(), *[(c["file"], (SAMPLES / c["file"]).read_bytes()) for c in CASES])
    states = [state for state, _ in statuses(at)]
    assert states == ["complete", "complete", "complete", "error", "complete"]  # samples a–e; d is the faulty one
    assert "共 5 个文件：4 个校验通过，1 个有错误。" in [c.value for c in at.caption]
    at.button(key="load_all").click().run()
    assert not at.exception, at.exception
    assert sum("已入库" in s.value for s in at.success) == 4
    wh = the_warehouse(db)
    assert wh.scalar("select count(*) from versions") == 4
    assert wh.scalar("select count(*) from v_mediation where period = '2025-03'") == 8  # 通化 7 + 梅河口 1


def corrected_meihekou(accepted_enterprise: int) -> bytes:
    """梅河口 sample with 企业调解委员会 受理 changed and 合计 kept consistent."""
    content = (SAMPLES / "梅河口市2025年3月劳动人事争议调解情况.xlsx").read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book["调解情况"]
    ws["C5"] = ws["C5"].value - ws["D5"].value + accepted_enterprise
    ws["D5"] = accepted_enterprise
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_loading_again_lists_what_changed(db):
    name = "梅河口市2025年3月劳动人事争议调解情况.xlsx"
    at = drop(page(), (name, (SAMPLES / name).read_bytes()))
    [b for b in at.button if b.label == "确认入库"][0].click().run()
    assert any("本期首次报送" in m.value for m in at.markdown)
    at = drop(page(), ("梅河口市3月（更正）.xlsx", corrected_meihekou(10)))
    [button] = [b for b in at.button if b.label == "确认入库"]
    assert button.disabled  # replacing the current version needs the tick below the list of changes
    [warning] = [w.value for w in at.warning if "替代当前版本" in w.value]
    assert warning.startswith("此文件将替代当前版本（版本 ") and warning.endswith("：共 2 处变化。请核对下表后再入库。")
    [listed] = frames(at, "地区")[-1:]
    assert [tuple(r) for r in listed[["地区", "列标题", "旧值", "新值"]].itertuples(index=False)] == [
        ("梅河口市", "受理案件数合计", "33", "36"),
        ("梅河口市", "受理案件数·企业调解委员会", "7", "10"),
    ]
    [tick] = [c for c in at.checkbox if c.label == "我已核对以上变化，确认用此文件替代当前版本"]
    tick.check().run()
    [b for b in at.button if b.label == "确认入库"][0].click().run()
    assert not at.exception, at.exception
    changed = [m.value for m in at.markdown if "变化了" in m.value or m.value.startswith("- ")]
    assert changed == [
        "**与原有数据相比，变化了 2 处：**",
        "- 梅河口市 受理案件数合计 33 → 36\n- 梅河口市 受理案件数·企业调解委员会 7 → 10",
    ]


def test_a_county_upload_goes_to_review_and_out_of_scope_rows_are_errors(db):
    county = Viewer("dongchang", "county", "220502", "东昌区填报员")
    at = drop(
        page(county),
        (
            "通化市2025年3月劳动人事争议调解情况月报.xlsx",
            (SAMPLES / "通化市2025年3月劳动人事争议调解情况月报.xlsx").read_bytes(),
        ),
    )
    [errors] = frames(at, "位置")[:1]
    out_of_scope = [
        (where, m) for where, m in zip(errors["位置"], errors["问题"]) if "不在您的填报范围（通化市东昌区）内" in m
    ]
    assert len(out_of_scope) == len(errors) and sum(where.startswith("调解情况 ") for where, _ in out_of_scope) == 6
    assert "您可以上报：通化市东昌区（1 个地区）。" in [m.value.strip("*") for m in at.markdown]
    from builders import a1_row, form_workbook

    at = drop(page(county), ("东昌区3月.xlsx", form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]})))
    [b for b in at.button if b.label == "确认入库"][0].click().run()
    [loaded] = [s.value for s in at.success]
    assert "已提交审核（待审核）" in loaded
    assert any("1 份待审核" in e.label for e in page(county).expander)
    from warehouse import review

    [pending] = review.review_queue(the_warehouse(db), Viewer("tonghua", "city", "220500"))
    review.return_version(the_warehouse(db), pending.version_id, Viewer("tonghua", "city", "220500"), reason="请核实")
    at.run()  # the same browser session, later: the file it loaded now reads as returned
    assert statuses(at)[0] == (
        "error",
        f"**东昌区3月\\.xlsx** — 已被退回（版本 {pending.version_id}）：退回原因见本页上方，请改正后重新上传",
    )
    assert "退回原因：请核实" in at.error[0].value


def test_a_leader_is_told_politely_that_uploading_is_not_for_them(db):
    at = page(Viewer("leader", "leader"))
    assert [i.value for i in at.info] == [
        "您使用的是省级领导账号：可以查看各地的数据和报送情况，但不能上报或修改数据。如需更正某地数据，请联系该地填报员或省级管理员。"
    ]
    assert not at.file_uploader


def test_a_file_over_the_size_limit_says_which_limit_and_what_to_do(db):
    big = b"PK\x03\x04" + b"\x00" * (21 * 1024 * 1024)
    at = drop(page(), ("太大的报表.xlsx", big))
    [errors] = frames(at, "位置")[:1]
    assert errors.values.tolist() == [
        ["整个文件", "—", "文件大小 21.0 MB，超过上限 20 MB", "请删除无关工作表、图片后另存为 .xlsx 再上传。"]
    ]
    assert not at.download_button


def test_a_file_without_a_period_is_loaded_with_the_period_chosen_at_upload(db):
    from builders import a1_row, form_workbook

    content = form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]}, period=None)
    at = drop(page(), ("东昌区月报.xlsx", content))
    [errors] = frames(at, "位置")[:1]
    assert "统计期" in errors["问题"][0] and "无法识别" in errors["问题"][0]  # the blank template's 统计期：    年  月
    at.selectbox(key="upload_period").set_value("2025-03").run()
    assert statuses(at)[0][0] == "complete"
    [b for b in at.button if b.label == "确认入库"][0].click().run()
    assert the_warehouse(db).scalar("select period from v_mediation where region_code = '220502'") == "2025-03"


def test_hostile_values_and_names_get_a_chinese_message_not_an_exception(db):
    """A stored NaN in 涉案金额 and 20 nines in a count are errors at their cells on the page; a good file
    under an 81-character name with a NUL and a newline loads (archived under a safe, bounded name)."""
    from builders import a1_row, form_workbook, with_stored_number

    nan = with_stored_number(form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]}), "R5", "NaN")
    nines = form_workbook("A", {"调解情况": [a1_row("220500", "市本级", arbitration_filed="99999999999999999999")]})
    good = form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]})
    hostile = "甲" * 79 + "\x00\n.xlsx"
    at = drop(page(), ("nan.xlsx", nan), ("nines.xlsx", nines), (hostile, good))
    assert [state for state, _ in statuses(at)] == ["error", "error", "complete"]
    problems = [list(zip(f["位置"], f["问题"])) for f in frames(at, "位置")]
    assert problems == [
        [("调解情况 R5", "“nan”不是有效的数值（非数字或超出范围）")],
        [("调解情况 Y5", "“1e+20”超出这一列能保存的范围（绝对值不超过 9,223,372,036,854,775,807）")],
    ]
    [confirm] = [b for b in at.button if b.label == "确认入库"]
    confirm.click().run()
    assert not at.exception, at.exception
    assert any("已入库" in s.value for s in at.success)
    wh = the_warehouse(db)
    assert wh.query("select file_name from files").to_series().to_list() == ["甲" * 38 + ".xlsx"]


def test_a_byte_identical_re_upload_is_recognised_and_not_loaded_again(db):
    name = "梅河口市2025年3月劳动人事争议调解情况.xlsx"
    content = (SAMPLES / name).read_bytes()
    at = drop(page(), (name, content))
    [b for b in at.button if b.label == "确认入库"][0].click().run()
    at = drop(page(), ("再传一次.xlsx", content))
    assert [b.label for b in at.button if b.label == "确认入库"] == []
    [info] = [i.value for i in at.info if "完全相同" in i.value]
    assert info.startswith("与当前版本完全相同（版本 ") and info.endswith("），无需再次入库。")
    assert the_warehouse(db).scalar("select count(*) from versions") == 1


def test_replacing_a_version_says_what_will_be_deleted_before_loading(db):
    from builders import a1_row, a2_row, form_workbook

    industry = {
        "调解情况": [a1_row("220581", "梅河口市")],
        "分行业": [a2_row("220581", "梅河口市", industry=code, accepted=3, succeeded=2) for code in ("C", "E", "F")],
    }
    at = drop(page(), ("梅河口4月.xlsx", form_workbook("A", industry, period="2025-04")))
    [b for b in at.button if b.label == "确认入库"][0].click().run()
    at = drop(
        page(),
        (
            "梅河口4月（无分行业）.xlsx",
            form_workbook("A", {"调解情况": [a1_row("220581", "梅河口市")]}, period="2025-04"),
        ),
    )
    [warning] = [w.value for w in at.warning if "替代当前版本" in w.value]
    assert "分行业：删除 3 行" in warning, warning
    assert [b.disabled for b in at.button if b.label == "确认入库"] == [True]
