"""Workbook layouts and file kinds as bureaus send them (forms.md "Parsing tolerance", "Region rows",
"Period"), through etl.ingest.check(): reader → parser → rules, nothing loaded."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile

import pytest
from builders import (
    TODAY,
    a1_row,
    a2_row,
    b1_row,
    form_workbook,
    grid_workbook,
    ole_with_stream,
    sheet_grid,
    xls_workbook,
)

from etl.formdefs import load_form
from etl.ingest import check
from etl.regions import reference_index
from etl.rules import check_period
from warehouse.db import Warehouse

A1 = load_form("A").sheet("调解情况")
A2 = load_form("A").sheet("分行业")
B1 = load_form("B").sheet("组织建设")
TONGHUA = "填报单位：通化市人力资源和社会保障局"
MARCH = "统计期：2025年3月"


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    """check() only reads the warehouse (regions, last month): one serves the whole module."""
    warehouse = Warehouse(tmp_path_factory.mktemp("parser") / "wh.duckdb")
    yield warehouse
    warehouse.close()


def run(wh, content: bytes, **kw):
    kw.setdefault("today", TODAY)
    return check(wh, content, kw.pop("name", "上报.xlsx"), **kw)


def a1_book(rows, *, keys=None, text=None, merge=True, meta=None, title=None, notes=(), before=(), extra_sheets=None):
    """A 调解情况 sheet laid out by hand; `before` inserts rows above the header (under title/meta)."""
    grid, merges = sheet_grid(
        A1, rows, keys, text=text, merge=merge, meta=meta or [TONGHUA, "", "", MARCH], title=title, notes=notes
    )
    if before:
        shift = len(before)
        grid = grid[:2] + [list(r) for r in before] + grid[2:]
        merges = [re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + shift), ref) for ref in merges]
    sheets, merged = {"调解情况": grid}, {"调解情况": merges}
    for name, rows_ in (extra_sheets or {}).items():
        sheets[name] = rows_
    return grid_workbook(sheets, merged)


def loaded_rows(result, sheet="调解情况") -> dict[str, dict]:
    return {r.values["region_code"]: r.values for r in result.parsed.sheets[sheet].rows}


def issues(result) -> list[tuple]:
    return [(i.code, i.sheet, i.cell, i.column) for i in result.errors + result.warnings]


TWO_ROWS = [a1_row("220500", "市本级"), a1_row("220502", "东昌区", scale=2)]


def test_reference_layout_is_clean(wh):
    result = run(wh, a1_book(TWO_ROWS))
    assert issues(result) == [] and result.status == "checked"
    assert result.period == "2025-03" and result.rows == {"调解情况": 2}
    assert loaded_rows(result)["220502"]["accepted_total"] == 20


# ------------------------------------------------------------------ layout tolerance


def test_title_and_unit_rows_above_the_header(wh):
    result = run(wh, a1_book(TWO_ROWS, before=[["单位：件、人、万元"], [], ["（本表数据截至月末）"]]))
    assert issues(result) == []
    assert loaded_rows(result)["220502"]["accepted_total"] == 20


def test_unmerged_two_level_header(wh):
    """Level-1 text written once, left-most, without merging: carried over its level-2 children."""
    result = run(wh, a1_book(TWO_ROWS, merge=False))
    assert issues(result) == []
    assert loaded_rows(result)["220502"]["succeeded_township"] == 4


def strip_units(col):
    return re.sub(r"（[^（）]*）$", "", col.header), (re.sub(r"（[^（）]*）$", "", col.sub) if col.sub else None)


def half_width(col):
    return col.header.replace("（", "(").replace("）", ")"), (col.sub or "").replace("（", "(").replace(
        "）", ")"
    ) or None


def spaced(col):
    head = col.header.replace("（", "\n（") if len(col.header) > 4 else " ".join(col.header)
    return head, (" " + col.sub + " " if col.sub else None)


@pytest.mark.parametrize("variant", [strip_units, half_width, spaced], ids=["no-units", "half-width", "breaks-spaces"])
def test_header_text_variants(wh, variant):
    result = run(wh, a1_book(TWO_ROWS, text=variant))
    assert issues(result) == []
    assert loaded_rows(result)["220502"] == loaded_rows(run(wh, a1_book(TWO_ROWS)))["220502"]


def test_header_variants_in_form_b_level_two(wh):
    rows = [b1_row("220502", "东昌区", townships=13)]
    for variant in (strip_units, half_width, spaced):
        grid, merges = sheet_grid(B1, rows, text=variant, meta=[TONGHUA, MARCH])
        result = run(wh, grid_workbook({"组织建设": grid}, {"组织建设": merges}))
        assert issues(result) == [], variant.__name__
        assert loaded_rows(result, "组织建设")["220502"]["mediators_parttime"] == 20


def test_columns_in_any_order(wh):
    keys = [c.key for c in A1.columns]
    groups, c = [], 0
    while c < len(keys):  # keep each level-1 group together (it is one merged cell), reverse everything
        end = c
        while (
            end + 1 < len(keys)
            and A1.column(keys[end + 1]).header == A1.column(keys[c]).header
            and A1.column(keys[c]).sub
        ):
            end += 1
        groups.append(list(reversed(keys[c : end + 1])))
        c = end + 1
    shuffled = [k for g in reversed(groups) for k in g]
    assert shuffled[0] == "arbitration_filed" and shuffled[-1] == "region_name"
    result = run(wh, a1_book(TWO_ROWS, keys=shuffled))
    assert issues(result) == []
    assert loaded_rows(result) == loaded_rows(run(wh, a1_book(TWO_ROWS)))


def test_long_sheet_columns_in_any_order(wh):
    keys = [c.key for c in A2.columns][::-1]
    grid, merges = sheet_grid(A2, [a2_row("220502", "东昌区", industry="C 制造业")], keys)
    main, main_merges = sheet_grid(A1, [a1_row("220502", "东昌区")], meta=[TONGHUA, MARCH])
    result = run(wh, grid_workbook({"调解情况": main, "分行业": grid}, {"调解情况": main_merges}))
    assert issues(result) == []
    assert result.parsed.sheets["分行业"].rows[0].values == {
        "region_code": "220502",
        "industry": "C",
        "accepted": 10,
        "succeeded": 6,
        "collective_cases": 1,
        "workers": 20,
    }


def test_extra_columns_are_a_warning_naming_them(wh):
    keys = [c.key for c in A1.columns]
    base, merges = sheet_grid(A1, TWO_ROWS, meta=[TONGHUA, "", "", MARCH])
    grid = [row + ([""] * (len(keys) - len(row)) if i < 2 else []) for i, row in enumerate(base)]
    grid[2] += ["备注"]
    grid[3] += [""]
    grid[4] += ["含上月结转"]
    grid[5] += [""]
    merges = merges + ["Z3:Z4"]
    result = run(wh, grid_workbook({"调解情况": grid}, {"调解情况": merges}))
    assert [(i.code, i.sheet) for i in result.warnings] == [("extra_columns", "调解情况")]
    assert "Z列“备注”" in result.warnings[0].message
    assert result.errors == [] and result.rows == {"调解情况": 2}


def test_blank_rows_between_data_rows(wh):
    grid, merges = sheet_grid(A1, TWO_ROWS, meta=[TONGHUA, "", "", MARCH])
    grid = grid[:5] + [[], ["", "", ""]] + grid[5:]
    result = run(wh, grid_workbook({"调解情况": grid}, {"调解情况": merges}))
    assert issues(result) == [] and result.rows == {"调解情况": 2}


def test_notes_rows_below_the_table_end_it(wh):
    notes = [
        ["填表说明：1．本表由各市（州）汇总填报"],
        [],
        ["填报人：王丽", "", "审核人：曲文杰", "", "联系电话：0435-5779019"],
        ["东昌区", "220502", 999],
    ]  # anything after the notes is not data
    result = run(wh, a1_book(TWO_ROWS, notes=notes))
    assert issues(result) == [] and result.rows == {"调解情况": 2}
    assert loaded_rows(result)["220502"]["accepted_total"] == 20


def test_other_sheets_are_ignored(wh):
    extra = {"Sheet2": [["随便写的", 1, 2, 3]], "说明": [["地区", "地区代码"], ["东昌区", "220502"]]}
    result = run(wh, a1_book(TWO_ROWS, extra_sheets=extra))
    assert issues(result) == [] and result.rows == {"调解情况": 2}


def test_template_with_instructions_and_code_sheet_is_clean(wh):
    """A workbook written by the product itself: 填表说明 and the hidden 代码表 sheets are ignored."""
    index = reference_index()
    result = run(wh, form_workbook("A", {"调解情况": TWO_ROWS}, unit=index.get("220500")))
    assert issues(result) == [] and result.rows == {"调解情况": 2}


def test_renamed_main_sheet_is_found_by_its_headers(wh):
    grid, merges = sheet_grid(A1, TWO_ROWS, meta=[TONGHUA, "", "", MARCH])
    result = run(wh, grid_workbook({"Sheet1": grid}, {"Sheet1": merges}))
    assert issues(result) == [] and result.form == "A" and result.rows == {"Sheet1": 2}


# ------------------------------------------------------------------ file kinds


def as_xlsm(xlsx: bytes) -> bytes:
    """The same workbook saved macro-enabled: macroEnabled main content type plus a vbaProject part."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode("utf-8").replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
                text = text.replace(
                    "<Default ",
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
                    1,
                )
                assert "macroEnabled" in text
                data = text.encode("utf-8")
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/'
                    b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", ole_with_stream("VBA"))
    return out.getvalue()


def test_xlsm_is_accepted(wh):
    result = run(wh, as_xlsm(a1_book(TWO_ROWS)), name="上报.xlsm")
    assert issues(result) == [] and result.rows == {"调解情况": 2}
    assert loaded_rows(result)["220502"]["accepted_total"] == 20


def xls_a1() -> bytes:
    """Legacy .xls: title and 填报单位/统计期 merged, merged two-level header, numbers and a 合计 row."""
    grid, merges = sheet_grid(
        A1,
        [a1_row("220500", "市本级"), a1_row("220502", "东昌区", scale=2)],
        meta=[TONGHUA + "　　统计期：2025年3月"],
        notes=[["合计", "", 30]],
    )
    grid[-1] = ["合计", ""] + [
        sum(r[i] for r in grid[4:6]) if grid[4][i] is not None else "" for i in range(2, len(grid[4]))
    ]
    grid = [["" if v is None else v for v in row] for row in grid]
    return xls_workbook({"调解情况": grid}, {"调解情况": merges + ["A1:Y1", "A2:Y2"]})


def test_legacy_xls_is_read(wh):
    import xlrd  # an independent reader agrees the file is a proper BIFF8 workbook

    content = xls_a1()
    assert content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    book = xlrd.open_workbook(file_contents=content)
    assert book.sheet_by_name("调解情况").cell_value(4, 0) == "市本级"
    result = run(wh, content, name="上报.xls")
    assert issues(result) == [] and result.rows == {"调解情况": 2} and result.period == "2025-03"
    assert loaded_rows(result)["220502"]["accepted_total"] == 20
    assert loaded_rows(result)["220500"]["amount_wan"] == 12.5


NOT_WORKBOOKS = {
    "text renamed .xlsx": "地区,受理案件数\n东昌区,32\n".encode("utf-8"),
    "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
    "empty": b"",
}


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("报表.txt", "不是工作簿")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [*NOT_WORKBOOKS.values(), docx_bytes(), plain_zip(), b"PK\x03\x04broken"],
    ids=[*NOT_WORKBOOKS, "docx", "zip", "broken zip"],
)
def test_not_a_workbook_whatever_the_extension(wh, content):
    result = run(wh, content, name="上报.xlsx")
    assert [(e.code, e.sheet, e.cell) for e in result.errors] == [("not_a_workbook", None, None)]
    assert "工作簿" in result.errors[0].message and result.status == "rejected"


def test_encrypted_workbook(wh):
    """Excel saves a password-protected .xlsx as an OLE2 file holding an EncryptedPackage stream."""
    result = run(wh, ole_with_stream("EncryptedPackage"), name="上报.xlsx")
    assert [(e.code, e.sheet) for e in result.errors] == [("encrypted", None)]
    assert "密码" in result.errors[0].message


def test_larger_than_20_mb(wh):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(a1_book(TWO_ROWS))) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/media/image1.png", os.urandom(21 * 1024 * 1024), compress_type=zipfile.ZIP_STORED)
    result = run(wh, out.getvalue())
    assert [e.code for e in result.errors] == ["file_too_large"]
    assert "20 MB" in result.errors[0].message


def test_expanding_beyond_200_mb(wh):
    """A zip bomb: a small file whose parts expand past 200 MB (blank formatting rows, or worse)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(a1_book(TWO_ROWS))) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        with dst.open("xl/worksheets/sheet9.xml", "w", force_zip64=True) as part:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(201):
                part.write(chunk)
    content = out.getvalue()
    assert len(content) < 2 * 1024 * 1024
    result = run(wh, content)
    assert [e.code for e in result.errors] == ["expanded_too_large"]
    assert "200 MB" in result.errors[0].message


# ------------------------------------------------------------------ sheets and columns


def test_missing_required_sheet(wh):
    content = form_workbook("A", {"分行业": [a2_row("220502", "东昌区")]})
    result = run(wh, content)
    assert [(e.code, e.sheet) for e in result.errors] == [("missing_sheet", "调解情况")]
    assert "调解情况" in result.errors[0].message


def test_no_form_at_all(wh):
    result = run(wh, grid_workbook({"Sheet1": [["姓名", "电话"], ["王丽", "0435"]]}))
    assert [e.code for e in result.errors] == ["unknown_form"] and result.form is None


def test_missing_column_names_sheet_and_column(wh):
    keys = [c.key for c in A1.columns if c.key != "online_accepted"]
    result = run(wh, a1_book(TWO_ROWS, keys=keys))
    assert [(e.code, e.sheet, e.column) for e in result.errors] == [("missing_column", "调解情况", "online_accepted")]
    assert "线上调解受理数（件）" in result.errors[0].message


# ------------------------------------------------------------------ regions


def test_unknown_region_name_and_code(wh):
    result = run(wh, a1_book([a1_row("", "东昌区"), a1_row("", "不存在县"), a1_row("229999", "")]))
    assert issues(result) == [
        ("unknown_region", "调解情况", "A6", "region_name"),
        ("unknown_region_code", "调解情况", "B7", "region_code"),
    ]


def test_ambiguous_name_is_an_error(tmp_path):
    """No two Jilin regions share a name today; a second 东昌区 (e.g. after a re-division) makes it ambiguous."""
    wh = Warehouse(tmp_path / "wh.duckdb")
    wh.add_regions(
        [
            {
                "code": "220599",
                "name": "新区",
                "kind": "district",
                "city_code": "220500",
                "unit_code": "220500",
                "aliases": "东昌区",
            }
        ]
    )
    result = run(wh, a1_book([a1_row("", "东昌区"), a1_row("220502", "东昌区", scale=2)]))
    assert issues(result) == [("ambiguous_region", "调解情况", "A5", "region_name")]
    assert "220502" in result.errors[0].message and "220599" in result.errors[0].message
    wh.close()


def test_code_decides_and_a_name_that_does_not_fit_is_an_error_naming_both(wh):
    result = run(wh, a1_book([a1_row("220503", "东昌区")]))
    assert issues(result) == [("region_mismatch", "调解情况", "B5", "region_code")]
    assert (
        "220503" in result.errors[0].message
        and "二道江区" in result.errors[0].message
        and "东昌区" in result.errors[0].message
    )


def test_aliases_and_spacing_of_names(wh):
    result = run(
        wh,
        a1_book(
            [a1_row("", " 梅 河 口 "), a1_row("", "长白县", scale=2), a1_row("220323", "伊通县", scale=3)],
            meta=["统计期：2025年3月"],
        ),
    )
    assert issues(result) == []
    assert sorted(loaded_rows(result)) == ["220323", "220581", "220623"]


def test_old_code_220381_is_read_as_220184_with_a_warning(wh):
    result = run(wh, a1_book([a1_row("220381", "公主岭市")], meta=["填报单位：长春市人力资源和社会保障局", MARCH]))
    assert result.errors == []
    assert issues(result) == [("old_region_code", "调解情况", "B5", "region_code")]
    assert "220184" in result.warnings[0].message
    assert list(loaded_rows(result)) == ["220184"]


@pytest.mark.parametrize(
    "name,unit_text,city",
    [
        ("市本级", TONGHUA, "220500"),
        ("本级", TONGHUA, "220500"),
        ("通化市本级", "填报单位：", "220500"),
        ("通化市本级", "填报单位：长春市人力资源和社会保障局", "220500"),
        ("州本级", "填报单位：延边朝鲜族自治州人力资源和社会保障局", "222400"),
        ("市 本 级", "填报单位（盖章）：白山市人力资源和社会保障局", "220600"),
        ("市本级", "填报单位：延边州人社局", "222400"),
    ],
)
def test_city_level_from_unit_text(wh, name, unit_text, city):
    """A bare 本级 / 市本级 takes its city from the 填报单位 text; 通化市本级 names it itself."""
    result = run(wh, a1_book([a1_row("", name)], meta=[unit_text, MARCH]))
    assert issues(result) == [] and list(loaded_rows(result)) == [city]


def test_bare_city_level_without_any_city_is_an_error(wh):
    result = run(wh, a1_book([a1_row("", "市本级")], meta=["填报单位：", MARCH]))
    assert issues(result) == [("unknown_city_self", "调解情况", "A5", "region_name")]


def test_bare_city_level_takes_the_uploaders_unit(wh):
    result = run(
        wh, a1_book([a1_row("", "市本级")], meta=["填报单位：", MARCH]), uploader_city=reference_index().get("220600")
    )
    assert issues(result) == [] and list(loaded_rows(result)) == ["220600"]


def test_city_code_in_a_data_row_means_city_level(wh):
    result = run(wh, a1_book([a1_row("220500", "")]))
    assert issues(result) == [] and list(loaded_rows(result)) == ["220500"]


# ------------------------------------------------------------------ subtotal rows


def subtotal(label: str, rows: list[dict], code: str = "", **over) -> dict:
    total = {k: sum(r[k] for r in rows) for k in rows[0] if k not in ("region_name", "region_code")}
    total.update(region_name=label, region_code=code, **over)
    return total


@pytest.mark.parametrize(
    "label,code", [("合计", ""), ("总计", ""), ("小计", ""), ("通化市", ""), ("通化市", "220500"), ("通 化 市", "")]
)
def test_subtotal_rows_are_not_loaded(wh, label, code):
    rows = [a1_row("220500", "市本级"), a1_row("220502", "东昌区", scale=2), a1_row("220503", "二道江区", scale=3)]
    result = run(wh, a1_book(rows + [subtotal(label, rows, code)]))
    assert issues(result) == [] and sorted(loaded_rows(result)) == ["220500", "220502", "220503"]


def test_subtotal_mismatch_is_a_warning_naming_both_figures(wh):
    rows = [a1_row("220500", "市本级"), a1_row("220502", "东昌区", scale=2)]
    result = run(wh, a1_book(rows + [subtotal("合计", rows, accepted_total=31, amount_wan=37.6)]))
    assert result.errors == [] and sorted(loaded_rows(result)) == ["220500", "220502"]
    assert issues(result) == [
        ("subtotal_mismatch", "调解情况", "C7", "accepted_total"),
        ("subtotal_mismatch", "调解情况", "R7", "amount_wan"),
    ]
    assert "31" in result.warnings[0].message and "30" in result.warnings[0].message
    assert "37.6" in result.warnings[1].message and "37.5" in result.warnings[1].message


def test_city_subtotal_covers_only_that_citys_unit(wh):
    """The 通化市 row is compared with 通化's own rows; a 梅河口 row (its own unit) is not part of it."""
    rows = [a1_row("220500", "市本级"), a1_row("220502", "东昌区", scale=2)]
    meihekou = a1_row("220581", "梅河口市", scale=5)
    result = run(wh, a1_book(rows + [meihekou, subtotal("通化市", rows)]))
    assert issues(result) == [] and sorted(loaded_rows(result)) == ["220500", "220502", "220581"]
    wrong = run(wh, a1_book(rows + [meihekou, subtotal("通化市", rows + [meihekou])]))
    assert {i.code for i in wrong.warnings} == {"subtotal_mismatch"} and wrong.errors == []


def test_subtotal_with_text_numbers_like_sample_b(wh):
    rows = [
        b1_row("220502", "东昌区", townships=13, trained=1200),
        b1_row("220503", "二道江区", townships=6, trained=60),
    ]
    as_text = [{k: (f"{v:,}" if isinstance(v, int) else v) for k, v in r.items()} for r in rows]
    total = {k: f"{v:,}" for k, v in subtotal("通化市", rows).items() if isinstance(v, int)}
    grid, merges = sheet_grid(B1, as_text + [{**total, "region_name": "通化市"}], meta=[TONGHUA, MARCH])
    result = run(wh, grid_workbook({"组织建设": grid}, {"组织建设": merges}))
    assert issues(result) == [] and sorted(loaded_rows(result, "组织建设")) == ["220502", "220503"]
    assert loaded_rows(result, "组织建设")["220502"]["trained"] == 1200


# ------------------------------------------------------------------ period


def test_period_conflict_with_the_upload_choice_is_rejected(wh):
    result = run(wh, a1_book(TWO_ROWS), period="2025-04")
    assert [(e.code, e.sheet, e.cell, e.column) for e in result.errors] == [
        ("period_conflict", "调解情况", "D2", "period")
    ]
    assert "2025-04" in result.errors[0].message and "2025-03" in result.errors[0].message
    assert run(wh, a1_book(TWO_ROWS), period="2025-03").errors == []


def test_period_from_the_upload_when_the_file_has_none(wh):
    content = a1_book(TWO_ROWS, meta=[TONGHUA])
    assert [e.code for e in run(wh, content).errors] == ["missing_period"]
    result = run(wh, content, period="2025-02")
    assert result.errors == [] and result.period == "2025-02"


@pytest.mark.parametrize(
    "text,code",
    [
        ("统计期：2025年5月", "period_in_future"),
        ("统计期：2026年1月", "period_in_future"),
        ("统计期：2023年12月", "period_too_early"),
        ("统计期：2020年3月", "period_too_early"),
    ],
)
def test_period_in_the_future_or_before_2024_is_an_error(wh, text, code):
    """Today is 2025-04-15 here: 2025-04 (this month) and 2024-01 (campaign start) are fine."""
    result = run(wh, a1_book(TWO_ROWS, meta=[TONGHUA, "", "", text]))
    assert [(e.code, e.sheet, e.cell, e.row, e.column) for e in result.errors] == [
        (code, "调解情况", "D2", 2, "period")
    ]


@pytest.mark.parametrize("text", ["统计期：2025年4月", "统计期：2024年1月"])
def test_period_bounds_are_allowed(wh, text):
    assert run(wh, a1_book(TWO_ROWS, meta=[TONGHUA, "", "", text])).errors == []


def test_check_period_uses_the_real_date_by_default():
    from etl.parser import ParsedFile

    today = dt.date.today()
    later = f"{today.year + 1}-01"
    parsed = ParsedFile(load_form("A"), period=later)
    check_period(parsed, "2024-01", today)
    assert [i.code for i in parsed.issues] == ["period_in_future"]


# ------------------------------------------------------------------ scope


def test_region_outside_the_uploaders_scope(wh):
    index = reference_index()
    tonghua = {r.code for r in index.unit_regions("220500")}
    rows = [a1_row("220500", "市本级"), a1_row("220502", "东昌区"), a1_row("220581", "梅河口市")]
    result = run(wh, a1_book(rows), allowed_regions=tonghua, scope_name="通化市")
    assert issues(result) == [("out_of_scope", "调解情况", "B7", "region_code")]
    assert "梅河口市" in result.errors[0].message and "通化市" in result.errors[0].message
    assert run(wh, a1_book(rows[:2]), allowed_regions=tonghua).errors == []
