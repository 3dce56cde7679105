"""The annotated copy of an uploaded workbook: read back with openpyxl, the fills and comments sit on exactly
the cells the issues name (errors red, warnings yellow), nothing else is changed, macros are carried over."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from builders import TODAY, a1_row, form_workbook, sheet_grid, xls_workbook
from conftest import SAMPLES

from etl.annotate import AUTHOR, SUMMARY_SHEET, annotate
from etl.formdefs import load_form
from etl.ingest import check
from etl.issues import Issue

BAISHAN = "白山市2025年4月调解情况月报（有误）.xlsx"
RED, YELLOW = "FFFFC7CE", "FFFFEB9C"


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path_factory.mktemp("annotate") / "wh.duckdb")
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def baishan(wh):
    content = (SAMPLES / BAISHAN).read_bytes()
    return content, check(wh, content, BAISHAN)


def marks(book) -> dict[tuple[str, str], str]:
    """Every red or yellow solid fill in the workbook: {(sheet, cell): colour}."""
    found = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if (
                    cell.fill is not None
                    and cell.fill.fill_type == "solid"
                    and cell.fill.start_color.rgb in (RED, YELLOW)
                ):
                    found[(ws.title, cell.coordinate)] = cell.fill.start_color.rgb
    return found


def comments(book) -> dict[tuple[str, str], tuple[str, str]]:
    """Every cell comment: {(sheet, cell): (author, text)}."""
    return {
        (ws.title, cell.coordinate): (cell.comment.author, cell.comment.text)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.comment is not None
    }


def values(book, sheet: str) -> list[tuple]:
    return [tuple(c.value for c in row) for row in book[sheet].iter_rows()]


def test_baishan_errors_are_red_with_a_comment_on_exactly_the_failing_cells(baishan):
    content, result = baishan
    annotated = annotate(content, BAISHAN, result.errors)
    book = openpyxl.load_workbook(io.BytesIO(annotated.content))
    assert marks(book) == {("调解情况", "C7"): RED, ("调解情况", "J11"): RED}
    notes = comments(book)
    assert set(notes) == {("调解情况", "C7"), ("调解情况", "J11")}
    assert {author for author, _ in notes.values()} == {AUTHOR}
    assert notes[("调解情况", "C7")][1] == "错误：" + result.errors[0].message
    assert "受理案件数合计 49 不等于五类调解组织受理数之和 47" in notes[("调解情况", "C7")][1]
    assert "调解成功数 19 大于调解结案数 16" in notes[("调解情况", "J11")][1]
    assert annotated.file_name == "白山市2025年4月调解情况月报（有误）（校验批注）.xlsx" and not annotated.converted


def test_baishan_warnings_are_yellow_and_nothing_else_is_red(baishan):
    content, result = baishan
    book = openpyxl.load_workbook(io.BytesIO(annotate(content, BAISHAN, result.errors + result.warnings).content))
    assert marks(book) == {
        ("调解情况", "C7"): RED,
        ("调解情况", "J11"): RED,
        ("调解情况", "C12"): YELLOW,
        ("调解情况", "I12"): YELLOW,
    }
    assert comments(book)[("调解情况", "C12")][1].startswith("提示：")


def test_the_clerks_cells_are_unchanged_and_the_summary_sheet_comes_first(baishan):
    content, result = baishan
    original = openpyxl.load_workbook(io.BytesIO(content))
    book = openpyxl.load_workbook(io.BytesIO(annotate(content, BAISHAN, result.errors + result.warnings).content))
    assert book.sheetnames == [SUMMARY_SHEET, *original.sheetnames]
    assert values(book, "调解情况") == values(original, "调解情况")
    summary = [row for row in book[SUMMARY_SHEET].iter_rows(min_row=4, values_only=True)]
    assert [row[:3] for row in summary] == [
        ("类别", "工作表", "单元格"),
        ("错误", "调解情况", "C7"),
        ("错误", "调解情况", "J11"),
        ("提示", "调解情况", "C12"),
        ("提示", "调解情况", "I12"),
    ]
    assert book[SUMMARY_SHEET]["C5"].hyperlink.location == "'调解情况'!C7"


def test_the_annotated_copy_uploads_again_with_the_same_errors(wh, baishan):
    content, result = baishan
    annotated = annotate(content, BAISHAN, result.errors + result.warnings)
    again = check(wh, annotated.content, annotated.file_name)
    assert [(e.sheet, e.cell) for e in again.errors] == [("调解情况", "C7"), ("调解情况", "J11")]


def as_xlsm(xlsx: bytes, vba: bytes) -> bytes:
    """The workbook saved macro-enabled: macroEnabled content type plus a vbaProject part."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = (
                    data.decode("utf-8")
                    .replace(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                    )
                    .replace(
                        "<Default ",
                        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
                        1,
                    )
                    .encode()
                )
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/'
                    b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", vba)
    return out.getvalue()


def bad_a1_book() -> bytes:
    """Form A with one error: 东昌区 受理案件数合计 11 where the parts add up to 10 (cell C6)."""
    return form_workbook("A", {"调解情况": [a1_row("220500", "市本级"), a1_row("220502", "东昌区", accepted_total=11)]})


def test_xlsm_keeps_its_macro_project_byte_for_byte(wh):
    vba = b"VBA-PROJECT-" + bytes(range(256)) * 8
    content = as_xlsm(bad_a1_book(), vba)
    result = check(wh, content, "上报.xlsm", today=TODAY)
    assert [(e.sheet, e.cell) for e in result.errors] == [("调解情况", "C6")]
    annotated = annotate(content, "上报.xlsm", result.errors)
    assert annotated.file_name == "上报（校验批注）.xlsm"
    assert annotated.mime == "application/vnd.ms-excel.sheet.macroEnabled.12"
    with zipfile.ZipFile(io.BytesIO(annotated.content)) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
    assert marks(openpyxl.load_workbook(io.BytesIO(annotated.content), keep_vba=True)) == {("调解情况", "C6"): RED}


def test_legacy_xls_is_offered_as_xlsx(wh):
    sheet = load_form("A").sheet("调解情况")
    grid, merges = sheet_grid(sheet, [a1_row("220500", "市本级"), a1_row("220502", "东昌区", accepted_total=11)])
    grid = [["" if v is None else v for v in row] for row in grid]
    content = xls_workbook({"调解情况": grid}, {"调解情况": merges})
    result = check(wh, content, "上报.xls", today=TODAY)
    assert [(e.sheet, e.cell) for e in result.errors] == [("调解情况", "C6")]
    annotated = annotate(content, "上报.xls", result.errors)
    assert annotated.converted and annotated.file_name == "上报（校验批注）.xlsx"
    assert ".xls" in annotated.note and ".xlsx" in annotated.note
    book = openpyxl.load_workbook(io.BytesIO(annotated.content))
    assert marks(book) == {("调解情况", "C6"): RED}
    assert book["调解情况"]["C6"].value == 11


def test_an_issue_inside_a_merged_range_is_marked_on_its_top_left_cell():
    content = bad_a1_book()
    issue = Issue("error", "period_in_future", "统计期晚于本月。", sheet="调解情况", cell="R2", row=2, column="period")
    book = openpyxl.load_workbook(io.BytesIO(annotate(content, "上报.xlsx", [issue]).content))
    assert marks(book) == {("调解情况", "Q2"): RED}


def test_whole_file_problems_have_no_annotated_copy(wh):
    result = check(wh, b"not a workbook at all", "上报.xlsx")
    assert [e.code for e in result.errors] == ["not_a_workbook"]
    assert annotate(b"not a workbook at all", "上报.xlsx", result.errors) is None


def test_the_plan_names_the_copy_without_building_it(wh, baishan):
    from etl.annotate import plan

    content, result = baishan
    assert plan(content, BAISHAN, result.errors).file_name == "白山市2025年4月调解情况月报（有误）（校验批注）.xlsx"
    assert plan(content, BAISHAN, []) is None
    assert (
        plan(as_xlsm(bad_a1_book(), b"VBA"), "上报.xlsm", result.errors).mime
        == "application/vnd.ms-excel.sheet.macroEnabled.12"
    )
    legacy = xls_workbook({"调解情况": [["地区"]]})
    assert (plan(legacy, "上报.xls", result.errors).file_name, plan(legacy, "上报.xls", result.errors).converted) == (
        "上报（校验批注）.xlsx",
        True,
    )
    refused = check(wh, b"not a workbook at all", "上报.xlsx").errors
    assert plan(b"not a workbook at all", "上报.xlsx", refused) is None
