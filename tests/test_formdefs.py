"""The form definitions (etl/forms/*.toml) against forms.md, and every column of every form through the
template (header text in rows 3–4) and the parser (a distinctive value lands under its key)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from builders import (
    a1_row,
    a2_row,
    a3_row,
    a4_row,
    b1_row,
    c1_row,
    credit_code,
    form_workbook,
    grid_workbook,
    sheet_grid,
)

from etl.formdefs import all_forms, all_sheets, load_form
from etl.parser import parse_workbook
from etl.reader import read_grids
from etl.regions import reference_index
from etl.template import write_workbook

# forms.md, copied by hand: sheet → [(key, level-1 header, level-2 header or None)] in the order of the tables.
ACC = ("合计", "企业调解委员会", "乡镇（街道）调解中心", "仲裁院调解中心", "商（协）会调解组织", "其他调解组织")
PARTS = ("total", "enterprise", "township", "arbitration", "chamber", "other")
REGION = [("region_name", "地区", None), ("region_code", "地区代码", None)]
SPEC_COLUMNS = {
    "调解情况": REGION
    + [(f"accepted_{p}", "受理案件数（件）", s) for p, s in zip(PARTS, ACC)]
    + [("closed_total", "调解结案数（件）", None)]
    + [(f"succeeded_{p}", "调解成功数（件）", s) for p, s in zip(PARTS, ACC)]
    + [
        ("success_rate_pct", "调解成功率（%）", None),
        ("workers", "涉及劳动者人数（人）", None),
        ("amount_wan", "涉案金额（万元）", None),
        ("collective_cases", "集体劳动人事争议（10人以上）", "件数"),
        ("collective_workers", "集体劳动人事争议（10人以上）", "涉及人数"),
        ("court_entrusted", "法院委派委托调解案件数（件）", None),
        ("online_accepted", "线上调解受理数（件）", None),
        ("arbitration_review", "调解协议申请仲裁审查数（件）", None),
        ("judicial_confirmation", "调解协议申请司法确认数（件）", None),
        ("arbitration_filed", "仲裁机构立案受理数（件）", None),
    ],
    "分行业": REGION
    + [
        ("industry", "行业门类", None),
        ("accepted", "受理案件数（件）", None),
        ("succeeded", "调解成功数（件）", None),
        ("collective_cases", "集体劳动人事争议件数（件）", None),
        ("workers", "涉及劳动者人数（人）", None),
    ],
    "重大集体争议": [("seq", "序号", None)]
    + REGION
    + [
        ("occurred_on", "发生日期", None),
        ("employer", "用人单位名称", None),
        ("credit_code", "统一社会信用代码", None),
        ("industry", "行业门类", None),
        ("workers", "涉及劳动者人数（人）", None),
        ("amount_wan", "涉案金额（万元）", None),
        ("dispute_type", "争议类型", None),
        ("escalated", "有无激化行为", None),
        ("status", "处置状态", None),
        ("resolved_on", "化解日期", None),
        ("notes", "处置情况", None),
    ],
    "预警信息": [("seq", "序号", None)]
    + REGION
    + [
        ("found_on", "发现日期", None),
        ("employer", "用人单位名称", None),
        ("credit_code", "统一社会信用代码", None),
        ("industry", "行业门类", None),
        ("risk_type", "风险类型", None),
        ("workers", "涉及人数（人）", None),
        ("amount_wan", "涉及金额（万元）", None),
        ("level", "预警等级", None),
        ("owner", "处置责任单位", None),
        ("status", "处置状态", None),
        ("closed_on", "办结日期", None),
    ],
    "组织建设": REGION
    + [
        (k, "企业调解委员会", s)
        for k, s in [
            ("above_scale_enterprises", "规模以上企业数（家）"),
            ("above_scale_with_committee", "规模以上企业已建调解委员会数（家）"),
            ("union_100_enterprises", "已建工会且职工100人以上企业数（家）"),
            ("union_100_with_committee", "其中已建调解委员会数（家）"),
            ("joint_committees", "小微企业联合调解委员会数（个）"),
            ("parks", "园区数（个）"),
            ("parks_with_org", "已建调解组织的园区数（个）"),
            ("small_firm_liaisons", "小微企业调解员（信息员）人数（人）"),
        ]
    ]
    + [
        (k, "乡镇（街道）调解中心", s)
        for k, s in [
            ("townships", "乡镇（街道）数（个）"),
            ("township_centers", "已设实体化调解中心数（个）"),
            ("township_windows", "已设劳动人事争议接待窗口数（个）"),
        ]
    ]
    + [
        (k, "仲裁院调解中心", s)
        for k, s in [
            ("arbitration_courts", "仲裁院数（个）"),
            ("arbitration_with_center", "已设调解中心的仲裁院数（个）"),
            ("arbitration_in_hub", "入驻综治中心的仲裁院数（个）"),
            ("legal_stations", "职工法律服务工作站数（个）"),
        ]
    ]
    + [
        (k, "商（协）会调解组织", s)
        for k, s in [("chambers", "行业商（协）会数（个）"), ("chambers_with_org", "已建调解组织的商（协）会数（个）")]
    ]
    + [
        (k, "调解员队伍", s)
        for k, s in [
            ("mediators", "调解员总数（人）"),
            ("mediators_fulltime", "其中专职（人）"),
            ("mediators_parttime", "其中兼职（人）"),
            ("mediators_rostered", "纳入调解员名册人数（人）"),
            ("trained", "本期培训人次（人次）"),
        ]
    ],
    "工作台账": [("task_id", "任务编号", None)]
    + REGION
    + [
        ("task", "任务事项", None),
        ("category", "任务类别", None),
        ("lead_unit", "牵头单位", None),
        ("responsible_unit", "责任单位", None),
        ("task_force_lead", "专班负责人", None),
        ("playbook", "操作手册/标准模板", None),
        ("target_value", "目标值", None),
        ("done_value", "完成值", None),
        ("due_on", "计划完成时限", None),
        ("step", "当前环节", None),
        ("progress", "进展情况", None),
        ("closed_on", "闭环日期", None),
        ("evidence", "佐证材料", None),
    ],
}
SPEC_SHEETS = {
    "A": [("调解情况", True), ("分行业", False), ("重大集体争议", False), ("预警信息", False)],
    "B": [("组织建设", True)],
    "C": [("工作台账", True)],
}
SPEC_ENUMS = {
    ("重大集体争议", "dispute_type"): (
        "劳动报酬",
        "社会保险",
        "解除终止劳动合同",
        "经济补偿",
        "工伤待遇",
        "工作时间休息休假",
        "其他",
    ),
    ("重大集体争议", "status"): ("未化解", "处置中", "已化解"),
    ("预警信息", "risk_type"): ("拖欠工资", "欠缴社保", "停工停产", "经济性裁员", "关停搬迁", "劳资纠纷苗头", "其他"),
    ("预警信息", "level"): ("红", "橙", "黄", "蓝"),
    ("预警信息", "status"): ("未处置", "处置中", "已办结"),
    ("工作台账", "category"): (
        "企业调解委员会建设",
        "乡镇（街道）调解中心建设",
        "仲裁院调解中心建设",
        "商（协）会调解组织建设",
        "调解员队伍建设",
        "规范化建设",
        "信息化建设",
        "其他",
    ),
}
# forms.md: "Every column listed for a sheet must be present, except 序号 and 调解成功率（%）".
NOT_REQUIRED = {("重大集体争议", "seq"), ("预警信息", "seq"), ("调解情况", "success_rate_pct")}

COLUMNS = [(form, sheet, col) for form, sheet in all_sheets() for col in sheet.columns]
COLUMN_IDS = [f"{sheet.name}-{col.key}" for _, sheet, col in COLUMNS]


def test_forms_and_sheets_are_those_of_forms_md():
    assert {f.code: [(s.name, s.required) for s in f.sheets] for f in all_forms()} == SPEC_SHEETS


@pytest.mark.parametrize("sheet_name", list(SPEC_COLUMNS))
def test_columns_are_those_of_forms_md(sheet_name):
    sheet = next(s for _, s in all_sheets() if s.name == sheet_name)
    assert [(c.key, c.header, c.sub) for c in sheet.columns] == SPEC_COLUMNS[sheet_name]


def test_enum_values_and_required_columns_are_those_of_forms_md():
    enums = {(s.name, c.key): c.values for _, s in all_sheets() for c in s.columns if c.type == "enum"}
    assert enums == SPEC_ENUMS
    assert {(s.name, c.key) for _, s, c in COLUMNS if not c.required} == NOT_REQUIRED


# ------------------------------------------------------------------ template: every column has its header cell


@pytest.fixture(scope="module")
def templates():
    """Blank templates of A, B, C read back with openpyxl (merged level-1 cells filled over their range)."""
    books = {}
    for form in all_forms():
        book = openpyxl.load_workbook(io.BytesIO(write_workbook(form)))
        for ws in book.worksheets:
            grid = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in (3, 4)]
            for rng in ws.merged_cells.ranges:
                for r in range(max(rng.min_row, 3), min(rng.max_row, 4) + 1):
                    for c in range(rng.min_col, rng.max_col + 1):
                        grid[r - 3][c - 1] = ws.cell(rng.min_row, rng.min_col).value
            books[(form.code, ws.title)] = (grid, ws.cell(1, 1).value)
    return books


@pytest.mark.parametrize("form,sheet,col", COLUMNS, ids=COLUMN_IDS)
def test_template_has_a_header_cell_for_every_column(form, sheet, col, templates):
    (top, bottom), title = templates[(form.code, sheet.name)]
    assert title == sheet.title
    if col.sub:
        hits = [c for c in range(len(top)) if top[c] == col.header and bottom[c] == col.sub]
    else:  # single-level: the level-1 text alone (merged down over row 4 in a two-level sheet)
        hits = [c for c in range(len(top)) if top[c] == col.header and bottom[c] in (None, col.header)]
    assert len(hits) == 1, (col.header, col.sub, top, bottom)
    assert hits[0] == list(sheet.columns).index(col), "template columns follow the definition's order"


def test_template_sheets(templates):
    assert sorted(templates) == sorted(
        [
            ("A", "调解情况"),
            ("A", "分行业"),
            ("A", "重大集体争议"),
            ("A", "预警信息"),
            ("A", "填表说明"),
            ("A", "代码表"),
            ("B", "组织建设"),
            ("B", "填表说明"),
            ("B", "代码表"),
            ("C", "工作台账"),
            ("C", "填表说明"),
            ("C", "代码表"),
        ]
    )


# ------------------------------------------------------------------ parser: every column's value lands under its key


def distinctive(col, i: int, region: str):
    """(value written, typed value expected) for column i; values differ across columns so a column read
    from the wrong place shows."""
    t = col.type
    if t == "int":
        return 1000 + i, 1000 + i
    if t == "decimal":
        return 100 + i + 0.25, 100 + i + 0.25
    if t == "number":
        return 50 + i + 0.5, 50 + i + 0.5
    if t == "rate":
        return 66.7, 66.7
    if t == "date":
        return dt.date(2025, 3, 1 + i), dt.date(2025, 3, 1 + i)
    if t == "enum":
        return col.values[-1], col.values[-1]
    if t == "yesno":
        return True, True
    if t == "step":
        return 4, 4
    if t == "industry":
        return "K", "K"
    if t == "credit_code":
        code = credit_code(region, f"MA00000{i:02d}")
        return code, code
    if t == "text":
        return f"文本{col.key}", f"文本{col.key}"
    raise AssertionError(f"no distinctive value for type {t} ({col.key}): add one")


REGION_OF = {"A": ("220502", "东昌区"), "B": ("220502", "东昌区"), "C": ("222401", "延吉市")}


@pytest.fixture(scope="module")
def parsed_rows():
    """One workbook per form, one data row per sheet holding a distinctive value in every column."""
    out = {}
    for form in all_forms():
        code, name = REGION_OF[form.code]
        data, expected = {}, {}
        for sheet in form.sheets:
            row = {"region_code": code, "region_name": name}
            for i, col in enumerate(sheet.columns):
                if col.is_region or col.type == "seq":
                    continue
                row[col.key], expected[(sheet.name, col.key)] = distinctive(col, i, code)
            data[sheet.name] = [row]
        parsed = parse_workbook(read_grids(form_workbook(form.code, data)), reference_index())
        assert parsed.form.code == form.code and parsed.errors == []
        for sheet in form.sheets:
            assert len(parsed.sheets[sheet.name].rows) == 1, sheet.name
            out[(form.code, sheet.name)] = (parsed.sheets[sheet.name].rows[0].values, expected)
    return out


@pytest.mark.parametrize("form,sheet,col", COLUMNS, ids=COLUMN_IDS)
def test_parser_reads_every_column(form, sheet, col, parsed_rows):
    values, expected = parsed_rows[(form.code, sheet.name)]
    if col.type == "seq":
        assert "seq" not in values  # 序号 is ignored
    elif col.is_region:
        assert values["region_code"] == REGION_OF[form.code][0]
    else:
        assert values[col.key] == expected[(sheet.name, col.key)]
        assert type(values[col.key]) is type(expected[(sheet.name, col.key)])


@pytest.mark.parametrize("form,sheet", [(f, s) for f, s in all_sheets()], ids=[s.name for _, s in all_sheets()])
@pytest.mark.parametrize("only", ["region_name", "region_code"])
def test_region_from_name_alone_or_code_alone(form, sheet, only):
    """A row is identified by 地区代码, or by 地区 when the code cell is empty."""
    code, name = REGION_OF[form.code]
    row = VALID[sheet.name](code)
    row["region_name"], row["region_code"] = (name, None) if only == "region_name" else (None, code)
    parsed = parse_workbook(
        read_grids(
            form_workbook(
                form.code, {s.name: ([row] if s is sheet else []) for s in form.sheets if s.required or s is sheet}
            )
        ),
        reference_index(),
    )
    assert parsed.errors == []
    assert [r.values["region_code"] for r in parsed.sheets[sheet.name].rows] == [code]


VALID = {
    "调解情况": a1_row,
    "分行业": a2_row,
    "重大集体争议": a3_row,
    "预警信息": a4_row,
    "组织建设": b1_row,
    "工作台账": c1_row,
}


def test_every_sheet_has_a_valid_row_builder():
    assert set(VALID) == {s.name for _, s in all_sheets()}


# ------------------------------------------------------------------ every required column: missing → error naming it


@pytest.mark.parametrize("form,sheet,col", COLUMNS, ids=COLUMN_IDS)
def test_missing_column(form, sheet, col):
    code, name = REGION_OF[form.code]
    keys = [c.key for c in sheet.columns if c.key != col.key]
    grid, merges = sheet_grid(sheet, [VALID[sheet.name](code, name=name)], keys)
    sheets = {sheet.name: grid}
    merged = {sheet.name: merges}
    if not sheet.required:  # the form's required sheet, complete, beside it
        main = form.required_sheets[0]
        sheets[main.name], merged[main.name] = sheet_grid(main, [VALID[main.name](code, name=name)])
    parsed = parse_workbook(read_grids(grid_workbook(sheets, merged)), reference_index())
    missing = [(i.level, i.sheet, i.column) for i in parsed.issues if i.code == "missing_column"]
    if col.required:
        assert missing == [("error", sheet.name, col.key)]
        message = next(i.message for i in parsed.issues if i.code == "missing_column")
        assert sheet.name in message and col.header in message
    else:
        assert missing == [] and parsed.errors == []


def test_load_form_is_cached_and_complete():
    assert load_form("A") is load_form("A")
    assert len(COLUMNS) == sum(len(v) for v in SPEC_COLUMNS.values())
