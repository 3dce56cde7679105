"""Every error and warning rule of forms.md: one failing and one passing case each, on small workbooks.

Rules with a code in etl/forms/*.toml are enumerated mechanically (a new rule without a case here fails
`test_every_rule_code_has_cases`); the errors forms.md states without a TOML rule (unknown industry,
duplicate rows, bad step, workers < 10, bad credit code, bad choice) are in SPEC_ERRORS below.
A failing case must raise that issue and nothing else; a passing case, usually the boundary value, must
raise no issue at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from builders import (
    TODAY,
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

from etl.formdefs import all_sheets, load_form
from etl.ingest import check, ingest
from etl.issues import col_letter
from warehouse.db import Warehouse

PREVIOUS = "2025-02"
A_CODE, A_NAME = "220502", "东昌区"  # townships reference 9 + 2 + 2 = 13
C_CODE, C_NAME = "222401", "延吉市"


def a1(**over) -> dict:
    return a1_row(A_CODE, A_NAME, **over)


def a1_simple(accepted: int, closed: int, succeeded: int) -> dict:
    """All cases at 企业调解委员会; no collective, online, court or review figures to get in the way."""
    row = a1(
        collective_cases=0,
        collective_workers=0,
        court_entrusted=0,
        online_accepted=0,
        arbitration_review=0,
        judicial_confirmation=0,
        workers=accepted,
    )
    for part in ("enterprise", "township", "arbitration", "chamber", "other"):
        row[f"accepted_{part}"] = accepted if part == "enterprise" else 0
        row[f"succeeded_{part}"] = succeeded if part == "enterprise" else 0
    row.update(accepted_total=accepted, closed_total=closed, succeeded_total=succeeded)
    return row


def b1(**over) -> dict:
    return b1_row(A_CODE, A_NAME, **{"townships": 13, **over})


def c1(task_id: str = "T-01", **over) -> dict:
    return c1_row(C_CODE, task_id, C_NAME, **over)


def A(sheet: str | None = None, rows: list[dict] | None = None, main: dict | None = None) -> dict:
    data = {"调解情况": [main or a1()]}
    if sheet:
        data[sheet] = rows
    return data


@dataclass
class Case:
    form: str
    sheet: str
    column: str  # the column key the issue names
    fail: list[dict]  # workbook data per failing variant
    passing: list[dict]  # workbook data per passing variant
    previous: dict | None = None  # a first load for PREVIOUS (rules comparing with last month)
    previous_pass: dict | None = None  # another first load for the passing variants, when it differs
    row: int | None = 0  # data row index the issue points at (None: no single row, e.g. a task gone missing)
    ids: list[str] = field(default_factory=list)


STOCKS = [
    "above_scale_with_committee",
    "union_100_with_committee",
    "joint_committees",
    "parks_with_org",
    "township_centers",
    "arbitration_with_center",
    "chambers_with_org",
]

# dates of events (发生、化解、发现、办结、闭环) for the period 2025-03: outside and on the edges of the window
DATES_OUT = [dt.date(1999, 12, 31), dt.date(2025, 5, 1), "1900-01-01", dt.date(9999, 12, 31)]  # 1900 as typed text
DATE_IDS = ["1999-12-31", "2025-05-01", "1900-01-01", "9999-12-31"]
DATES_IN = [dt.date(2000, 1, 1), dt.date(2025, 4, 30)]
DUE_OUT = [dt.date(1999, 12, 31), dt.date(2035, 4, 1), dt.date(9999, 12, 31)]
DUE_IN = [dt.date(2000, 1, 1), dt.date(2035, 3, 31)]

CASES: dict[str, Case] = {
    # ---- A1 调解情况: errors
    "A1_ACCEPTED_SUM": Case("A", "调解情况", "accepted_total", [A(main=a1(accepted_total=11))], [A()]),
    "A1_SUCCEEDED_SUM": Case("A", "调解情况", "succeeded_total", [A(main=a1(succeeded_total=5))], [A()]),
    "A1_SUCCEEDED_GT_CLOSED": Case(
        "A", "调解情况", "succeeded_total", [A(main=a1(closed_total=5))], [A(main=a1(closed_total=6))]
    ),
    "A1_COLLECTIVE_GT_ACCEPTED": Case(
        "A",
        "调解情况",
        "collective_cases",
        [A(main=a1(collective_cases=11, collective_workers=110, workers=110))],
        [A(main=a1(collective_cases=10, collective_workers=100, workers=100))],
    ),
    "A1_COLLECTIVE_WORKERS_LOW": Case(
        "A", "调解情况", "collective_workers", [A(main=a1(collective_workers=9))], [A(main=a1(collective_workers=10))]
    ),
    "A1_WORKERS_LT_COLLECTIVE": Case("A", "调解情况", "workers", [A(main=a1(workers=11))], [A(main=a1(workers=12))]),
    "A1_ONLINE_GT_ACCEPTED": Case(
        "A", "调解情况", "online_accepted", [A(main=a1(online_accepted=11))], [A(main=a1(online_accepted=10))]
    ),
    "A1_COURT_GT_ACCEPTED": Case(
        "A", "调解情况", "court_entrusted", [A(main=a1(court_entrusted=11))], [A(main=a1(court_entrusted=10))]
    ),
    "A1_RATE_MISMATCH": Case(
        "A",
        "调解情况",
        "success_rate_pct",  # 6 / 8 = 75 %
        [A(main=a1(success_rate_pct=80)), A(main=a1(success_rate_pct="0.7")), A(main=a1(success_rate_pct=75.2))],
        [
            A(main=a1(success_rate_pct=75)),
            A(main=a1(success_rate_pct="75.0%")),
            A(main=a1(success_rate_pct=0.75)),
            A(main=a1(success_rate_pct=75.1)),
        ],
    ),
    # ---- A1 warnings
    "A1_CLOSED_GT_ACCEPTED": Case(
        "A", "调解情况", "closed_total", [A(main=a1(closed_total=11))], [A(main=a1(closed_total=10))]
    ),
    "A1_REVIEW_GT_SUCCEEDED": Case(
        "A",
        "调解情况",
        "arbitration_review",
        [A(main=a1(arbitration_review=4, judicial_confirmation=3))],
        [A(main=a1(arbitration_review=3, judicial_confirmation=3))],
    ),
    "A1_RATE_OUTLIER": Case(
        "A",
        "调解情况",
        "succeeded_total",  # below 30 % or above 99 % with ≥ 20 closed
        [A(main=a1_simple(20, 20, 5)), A(main=a1_simple(20, 20, 20))],
        [A(main=a1_simple(20, 20, 6)), A(main=a1_simple(19, 19, 1))],
    ),
    "A1_ACCEPTED_JUMP": Case(
        "A",
        "调解情况",
        "accepted_total",  # more than double / less than half, ≥ 20 cases
        [A(main=a1_simple(41, 30, 22))],
        [A(main=a1_simple(40, 30, 22))],
        previous=A(main=a1_simple(20, 16, 12)),
    ),
    # ---- A2 分行业
    "A2_SUCCEEDED_GT_ACCEPTED": Case(
        "A",
        "分行业",
        "succeeded",
        [A("分行业", [a2_row(A_CODE, A_NAME, succeeded=11)])],
        [A("分行业", [a2_row(A_CODE, A_NAME, succeeded=10)])],
    ),
    "A2_SUM_DIFFERS": Case(
        "A",
        "分行业",
        "accepted",
        [
            A(
                "分行业",
                [
                    a2_row(A_CODE, A_NAME, accepted=6, succeeded=3),
                    a2_row(A_CODE, A_NAME, industry="E", accepted=3, succeeded=3),
                ],
            )
        ],
        [
            A(
                "分行业",
                [
                    a2_row(A_CODE, A_NAME, accepted=6, succeeded=3),
                    a2_row(A_CODE, A_NAME, industry="E", accepted=4, succeeded=3),
                ],
            )
        ],
    ),
    # ---- A3 重大集体争议
    "A3_RESOLVED_ON": Case(
        "A",
        "重大集体争议",
        "resolved_on",
        [
            A("重大集体争议", [a3_row(A_CODE, A_NAME, status="已化解")]),
            A("重大集体争议", [a3_row(A_CODE, A_NAME, resolved_on=dt.date(2025, 3, 20))]),
        ],
        [A("重大集体争议", [a3_row(A_CODE, A_NAME, status="已化解", resolved_on=dt.date(2025, 3, 20))])],
    ),
    "A3_RESOLVED_BEFORE_OCCURRED": Case(
        "A",
        "重大集体争议",
        "resolved_on",
        [A("重大集体争议", [a3_row(A_CODE, A_NAME, status="已化解", resolved_on=dt.date(2025, 3, 4))])],
        [A("重大集体争议", [a3_row(A_CODE, A_NAME, status="已化解", resolved_on=dt.date(2025, 3, 5))])],
    ),
    "A3_CREDIT_CODE_CHECK": Case(
        "A",
        "重大集体争议",
        "credit_code",
        [A("重大集体争议", [a3_row(A_CODE, A_NAME, credit_code=credit_code(A_CODE)[:17] + "0")])],
        [A("重大集体争议", [a3_row(A_CODE, A_NAME)])],
    ),
    "A3_DATE_RANGE": Case(  # 2000-01-01 … the last day of the month after the period (2025-03 → 2025-04-30)
        "A",
        "重大集体争议",
        "occurred_on",
        [A("重大集体争议", [a3_row(A_CODE, A_NAME, occurred_on=day)]) for day in DATES_OUT],
        [A("重大集体争议", [a3_row(A_CODE, A_NAME, occurred_on=day)]) for day in DATES_IN],
        ids=DATE_IDS,
    ),
    # ---- A4 预警信息
    "A4_CLOSED_ON": Case(
        "A",
        "预警信息",
        "closed_on",
        [
            A("预警信息", [a4_row(A_CODE, A_NAME, status="已办结")]),
            A("预警信息", [a4_row(A_CODE, A_NAME, closed_on=dt.date(2025, 3, 20))]),
        ],
        [A("预警信息", [a4_row(A_CODE, A_NAME, status="已办结", closed_on=dt.date(2025, 3, 20))])],
    ),
    "A4_CLOSED_BEFORE_FOUND": Case(
        "A",
        "预警信息",
        "closed_on",
        [A("预警信息", [a4_row(A_CODE, A_NAME, status="已办结", closed_on=dt.date(2025, 3, 5))])],
        [A("预警信息", [a4_row(A_CODE, A_NAME, status="已办结", closed_on=dt.date(2025, 3, 6))])],
    ),
    "A4_CREDIT_CODE_CHECK": Case(
        "A",
        "预警信息",
        "credit_code",
        [A("预警信息", [a4_row(A_CODE, A_NAME, credit_code=credit_code(A_CODE, "MA0000002")[:17] + "0")])],
        [A("预警信息", [a4_row(A_CODE, A_NAME)])],
    ),
    "A4_DATE_RANGE": Case(
        "A",
        "预警信息",
        "found_on",
        [A("预警信息", [a4_row(A_CODE, A_NAME, found_on=day)]) for day in DATES_OUT],
        [A("预警信息", [a4_row(A_CODE, A_NAME, found_on=day)]) for day in DATES_IN],
        ids=DATE_IDS,
    ),
    # ---- B1 组织建设: "已建/已设/入驻" above its base; 21 + 22 ≠ 20; 23 > 20
    "B1_ABOVE_SCALE": Case(
        "B",
        "组织建设",
        "above_scale_with_committee",
        [{"组织建设": [b1(above_scale_with_committee=21)]}],
        [{"组织建设": [b1(above_scale_with_committee=20)]}],
    ),
    "B1_UNION_100": Case(
        "B",
        "组织建设",
        "union_100_with_committee",
        [{"组织建设": [b1(union_100_with_committee=11)]}],
        [{"组织建设": [b1(union_100_with_committee=10)]}],
    ),
    "B1_PARKS": Case(
        "B",
        "组织建设",
        "parks_with_org",
        [{"组织建设": [b1(parks_with_org=4)]}],
        [{"组织建设": [b1(parks_with_org=3)]}],
    ),
    "B1_TOWNSHIP_CENTERS": Case(
        "B",
        "组织建设",
        "township_centers",
        [{"组织建设": [b1(township_centers=14)]}],
        [{"组织建设": [b1(township_centers=13)]}],
    ),
    "B1_TOWNSHIP_WINDOWS": Case(
        "B",
        "组织建设",
        "township_windows",
        [{"组织建设": [b1(township_windows=14)]}],
        [{"组织建设": [b1(township_windows=13)]}],
    ),
    "B1_ARBITRATION_CENTER": Case(
        "B",
        "组织建设",
        "arbitration_with_center",
        [{"组织建设": [b1(arbitration_with_center=2)]}],
        [{"组织建设": [b1(arbitration_courts=2, arbitration_with_center=2)]}],
    ),
    "B1_ARBITRATION_HUB": Case(
        "B",
        "组织建设",
        "arbitration_in_hub",
        [{"组织建设": [b1(arbitration_in_hub=2)]}],
        [{"组织建设": [b1(arbitration_courts=2, arbitration_in_hub=2)]}],
    ),
    "B1_CHAMBERS": Case(
        "B",
        "组织建设",
        "chambers_with_org",
        [{"组织建设": [b1(chambers_with_org=7)]}],
        [{"组织建设": [b1(chambers_with_org=6)]}],
    ),
    "B1_MEDIATORS_SUM": Case(
        "B",
        "组织建设",
        "mediators",
        [{"组织建设": [b1(mediators=31)]}, {"组织建设": [b1(mediators_fulltime=11)]}],
        [{"组织建设": [b1(mediators=31, mediators_fulltime=11)]}],
    ),
    "B1_ROSTERED": Case(
        "B",
        "组织建设",
        "mediators_rostered",
        [{"组织建设": [b1(mediators_rostered=31)]}],
        [{"组织建设": [b1(mediators_rostered=30)]}],
    ),
    # ---- B1 warnings
    "B1_STOCK_DECREASED": Case(
        "B",
        "组织建设",
        "*",  # each stock column lower than last month
        [{"组织建设": [b1(**{key: b1()[key] - 1})]} for key in STOCKS],
        [
            {"组织建设": [b1()]},
            {
                "组织建设": [
                    b1(
                        **{key: b1()[key] + 1 for key in STOCKS},
                        above_scale_enterprises=21,
                        union_100_enterprises=10,
                        parks=3,
                        arbitration_courts=2,
                        chambers=6,
                    )
                ]
            },
        ],
        previous={"组织建设": [b1()]},
        ids=STOCKS,
    ),
    "B1_TOWNSHIPS_REF": Case(
        "B",
        "组织建设",
        "townships",  # 舒兰市 reference 5 + 10 + 5 = 20, tolerance 10 % = 2
        [{"组织建设": [b1_row("220283", "舒兰市", townships=t)]} for t in (23, 17)],
        [{"组织建设": [b1_row("220283", "舒兰市", townships=t)]} for t in (22, 18, 20)],
    ),
    # ---- C1 工作台账
    "C1_CLOSED_ON": Case(
        "C",
        "工作台账",
        "closed_on",
        [{"工作台账": [c1(step=5)]}, {"工作台账": [c1(step=4, closed_on=dt.date(2025, 3, 20))]}],
        [{"工作台账": [c1(step=5, closed_on=dt.date(2025, 3, 20))]}],
    ),
    "C1_CLOSED_ON_RANGE": Case(
        "C",
        "工作台账",
        "closed_on",
        [{"工作台账": [c1(step=5, closed_on=day)]} for day in DATES_OUT],
        [{"工作台账": [c1(step=5, closed_on=day)]} for day in DATES_IN],
        ids=DATE_IDS,
    ),
    "C1_DUE_ON_RANGE": Case(  # a due date may lie ahead, up to the last day of the period's month + 120 months
        "C",
        "工作台账",
        "due_on",
        [{"工作台账": [c1(due_on=day)]} for day in DUE_OUT],
        [{"工作台账": [c1(due_on=day)]} for day in DUE_IN],
        ids=["1999-12-31", "2035-04-01", "9999-12-31"],
    ),
    "C1_DONE_GT_TARGET": Case(
        "C", "工作台账", "done_value", [{"工作台账": [c1(done_value=11)]}], [{"工作台账": [c1(done_value=10)]}]
    ),
    "C1_STEP_BACK": Case(
        "C",
        "工作台账",
        "step",
        [{"工作台账": [c1(step=2)]}],
        [{"工作台账": [c1(step=3)]}, {"工作台账": [c1(step=4)]}],
        previous={"工作台账": [c1(step=3)]},
    ),
    "C1_TASK_MISSING": Case(
        "C",
        "工作台账",
        "task_id",
        [{"工作台账": [c1()]}],
        [{"工作台账": [c1()]}],
        previous={"工作台账": [c1(), c1("T-02", step=4)]},
        previous_pass={"工作台账": [c1(), c1("T-02", step=5, closed_on=dt.date(2025, 2, 20))]},
        row=None,
    ),
}

RULES = {rule.code: (sheet, rule) for _, sheet in all_sheets() for rule in sheet.rules}


def test_every_rule_code_has_cases():
    assert set(CASES) == set(RULES)
    for code, case in CASES.items():
        assert RULES[code][0].name == case.sheet, code


@pytest.fixture(scope="module")
def shared_wh(tmp_path_factory):
    """check() only reads: one warehouse serves every case without a previous month."""
    wh = Warehouse(tmp_path_factory.mktemp("rules") / "wh.duckdb")
    yield wh
    wh.close()


def outcome(case: Case, data: dict, previous: dict | None, shared_wh, tmp_path):
    if previous is None:
        return check(shared_wh, form_workbook(case.form, data), "测试.xlsx", today=TODAY)
    wh = Warehouse(tmp_path / "history.duckdb")
    first = ingest(wh, form_workbook(case.form, previous, period=PREVIOUS), "上月.xlsx", today=TODAY)
    assert first.status == "loaded", [e.message for e in first.errors]
    result = check(wh, form_workbook(case.form, data), "本月.xlsx", today=TODAY)
    wh.close()
    return result


def expected_cell(case: Case, column: str, row: int) -> str:
    sheet = next(s for _, s in all_sheets() if s.name == case.sheet)
    first_data_row = 5 if sheet.has_two_level_header else 4  # template: title, 填报单位/统计期, header
    return f"{col_letter([c.key for c in sheet.columns].index(column))}{first_data_row + row}"


FAILING = [(code, i) for code, case in CASES.items() for i in range(len(case.fail))]
PASSING = [(code, i) for code, case in CASES.items() for i in range(len(case.passing))]


@pytest.mark.parametrize(
    "code,variant", FAILING, ids=[f"{c}-{CASES[c].ids[i] if CASES[c].ids else i}" for c, i in FAILING]
)
def test_rule_failing_case(code, variant, shared_wh, tmp_path):
    case = CASES[code]
    sheet, rule = RULES[code]
    result = outcome(case, case.fail[variant], case.previous, shared_wh, tmp_path)
    issues = result.errors + result.warnings
    assert {(i.code, "error" if i in result.errors else "warning") for i in issues} == {(code, rule.level)}, [
        i.message for i in issues
    ]
    assert result.status == ("rejected" if rule.level == "error" else "checked")
    issue = issues[0]
    column = STOCKS[variant] if case.column == "*" else case.column
    assert (issue.sheet, issue.column) == (case.sheet, column)
    if case.row is not None:
        assert issue.cell == expected_cell(case, column, case.row)
        assert f"“{case.sheet}”工作表 {issue.cell} 单元格" in issue.message  # the clerk can find the cell
    assert rule.fix in issue.message


@pytest.mark.parametrize("code,variant", PASSING, ids=[f"{c}-{i}" for c, i in PASSING])
def test_rule_passing_case(code, variant, shared_wh, tmp_path):
    case = CASES[code]
    previous = case.previous_pass or case.previous
    result = outcome(case, case.passing[variant], previous, shared_wh, tmp_path)
    assert [i.message for i in result.errors + result.warnings] == []
    assert result.status == "checked"


def test_a1_rate_mismatch_message_names_both_rates(shared_wh):
    result = check(shared_wh, form_workbook("A", A(main=a1(success_rate_pct=80))), "t.xlsx", today=TODAY)
    assert "80%" in result.errors[0].message and "75%" in result.errors[0].message


def test_a2_sum_differs_names_the_remainder(shared_wh):
    data = A("分行业", [a2_row(A_CODE, A_NAME, accepted=6, succeeded=3)])
    result = check(shared_wh, form_workbook("A", data), "t.xlsx", today=TODAY)
    assert [w.code for w in result.warnings] == ["A2_SUM_DIFFERS"]
    assert all(n in result.warnings[0].message for n in ("东昌区", "6", "10", "4"))


def test_a2_sum_differs_for_a_region_left_out_of_the_industry_sheet(shared_wh):
    """Per region: a region of 调解情况 with cases but no 分行业 row has an industry sum of 0 (all 未分行业)."""
    data = {
        "调解情况": [a1(), a1_row("220503", "二道江区", scale=2), a1_row("220521", "通化县", scale=0)],
        "分行业": [a2_row(A_CODE, A_NAME)],
    }
    result = check(shared_wh, form_workbook("A", data), "t.xlsx", today=TODAY)
    assert [(w.code, w.sheet, w.cell, w.column) for w in result.warnings] == [
        ("A2_SUM_DIFFERS", "分行业", None, "accepted")
    ]
    assert "二道江区" in result.warnings[0].message and "20" in result.warnings[0].message
    assert result.errors == []
    # a 分行业 sheet left empty (industry not reported at all) raises nothing
    data["分行业"] = []
    assert check(shared_wh, form_workbook("A", data), "t.xlsx", today=TODAY).warnings == []


# ------------------------------------------------------------------ forms.md errors without a TOML rule

SPEC_ERRORS = {
    # code: (form, sheet, column, failing data, passing data, failing data row index)
    "unknown_industry": (
        "A",
        "分行业",
        "industry",
        A("分行业", [a2_row(A_CODE, A_NAME, industry="Z")]),
        A("分行业", [a2_row(A_CODE, A_NAME, industry="C 制造业")]),
        0,
    ),
    "duplicate_row/industry": (
        "A",
        "分行业",
        "industry",
        A(
            "分行业",
            [
                a2_row(A_CODE, A_NAME, accepted=5, succeeded=3),
                a2_row(A_CODE, A_NAME, industry="制造业", accepted=5, succeeded=3),
            ],
        ),
        A(
            "分行业",
            [
                a2_row(A_CODE, A_NAME, accepted=5, succeeded=3),
                a2_row(A_CODE, A_NAME, industry="D", accepted=5, succeeded=3),
            ],
        ),
        1,
    ),
    "below_minimum/workers": (
        "A",
        "重大集体争议",
        "workers",
        A("重大集体争议", [a3_row(A_CODE, A_NAME, workers=9)]),
        A("重大集体争议", [a3_row(A_CODE, A_NAME, workers=10)]),
        0,
    ),
    "bad_credit_code": (
        "A",
        "重大集体争议",
        "credit_code",
        A("重大集体争议", [a3_row(A_CODE, A_NAME, credit_code=credit_code(A_CODE)[:17])]),
        A("重大集体争议", [a3_row(A_CODE, A_NAME, credit_code=None)]),
        0,
    ),
    "bad_value/dispute_type": (
        "A",
        "重大集体争议",
        "dispute_type",
        A("重大集体争议", [a3_row(A_CODE, A_NAME, dispute_type="欠薪")]),
        A("重大集体争议", [a3_row(A_CODE, A_NAME, dispute_type="工伤待遇")]),
        0,
    ),
    "duplicate_row/task_id": (
        "C",
        "工作台账",
        "task_id",
        {"工作台账": [c1(), c1(task="另一项任务")]},
        {"工作台账": [c1(), c1_row("222402", "T-01", "图们市")]},
        1,
    ),
    "bad_step": ("C", "工作台账", "step", {"工作台账": [c1(step="6 验收")]}, {"工作台账": [c1(step="4 考核评估")]}, 0),
    "duplicate_row/region": (
        "A",
        "调解情况",
        "region_code",
        {"调解情况": [a1(), a1()]},
        {"调解情况": [a1(), a1_row("220503", "二道江区")]},
        1,
    ),
}


def clerk_workbook(form: str, data: dict) -> bytes:
    """Like the template, but cells exactly as given (the template writer cannot write a wrong step)."""
    sheets, merges = {}, {}
    for name, rows in data.items():
        sheets[name], merges[name] = sheet_grid(load_form(form).sheet(name), rows, meta=["统计期：2025年3月"])
    return grid_workbook(sheets, merges)


@pytest.mark.parametrize("name", list(SPEC_ERRORS))
def test_spec_error_failing_and_passing(name, shared_wh):
    form, sheet, column, bad, good, row = SPEC_ERRORS[name]
    result = check(shared_wh, clerk_workbook(form, bad), "t.xlsx", today=TODAY)
    assert [(e.code, e.sheet, e.column) for e in result.errors] == [(name.split("/")[0], sheet, column)], [
        e.message for e in result.errors
    ]
    assert result.errors[0].cell == expected_cell(Case(form, sheet, column, [], []), column, row)
    assert result.warnings == []
    passed = check(shared_wh, clerk_workbook(form, good), "t.xlsx", today=TODAY)
    assert [i.message for i in passed.errors + passed.warnings] == []


def test_duplicate_region_names_both_rows(shared_wh):
    """forms.md: one region may appear once per sheet; a repeated region is an error naming both rows."""
    result = check(
        shared_wh, form_workbook("A", {"调解情况": [a1(), a1_row("220503", "二道江区"), a1()]}), "t.xlsx", today=TODAY
    )
    assert [(e.code, e.row) for e in result.errors] == [("duplicate_row", 7)]
    assert "第 5 行" in result.errors[0].message and "“调解情况”工作表 B7 单元格" in result.errors[0].message


# ------------------------------------------------------------------ storage ranges (issue 9 item 6)


def test_a_count_beyond_its_storage_range_is_an_error_at_its_cell_and_computes_nothing(shared_wh):
    """20 nines typed as text, and 1e300 stored as a number: BIGINT holds neither; no other rule may use them."""
    from builders import with_stored_number

    typed = form_workbook("A", A(main=a1(arbitration_filed="99999999999999999999")))
    stored = with_stored_number(form_workbook("A", A()), "K5", "1e300")  # 调解成功数·企业调解委员会
    found = [
        [(e.code, e.cell, e.column, e.message) for e in check(shared_wh, book, "t.xlsx", today=TODAY).errors]
        for book in (typed, stored)
    ]
    limit = "绝对值不超过 9,223,372,036,854,775,807"
    assert found == [
        [
            (
                "out_of_range",
                "Y5",
                "arbitration_filed",
                f"“调解情况”工作表 Y5 单元格（东昌区 · 仲裁机构立案受理数）：“1e+20”超出这一列能保存的范围（{limit}）。"
                "请核对“仲裁机构立案受理数”，填写实际数值。",
            )
        ],
        [
            (
                "out_of_range",
                "K5",
                "succeeded_enterprise",
                f"“调解情况”工作表 K5 单元格（东昌区 · 调解成功数·企业调解委员会）：“1e+300”超出这一列能保存的范围（{limit}）。"
                "请核对“调解成功数·企业调解委员会”，填写实际数值。",
            )
        ],
    ]


def test_storage_ranges_come_from_the_declared_type_and_their_edges_load(tmp_path):
    """DECIMAL(18,2) money holds below 10^16; BIGINT counts up to 2^63 − 1 (9e18 loads, the views read it)."""
    wh = Warehouse(tmp_path / "wh.duckdb")
    over = check(wh, form_workbook("A", A(main=a1(amount_wan=1e16))), "t.xlsx", today=TODAY)
    cell = expected_cell(Case("A", "调解情况", "amount_wan", [], []), "amount_wan", 0)
    assert [(e.code, e.cell) for e in over.errors] == [("out_of_range", cell)]
    assert "9,999,999,999,999,999.99" in over.errors[0].message
    edge = ingest(
        wh, form_workbook("A", A(main=a1(arbitration_filed=9 * 10**18, amount_wan=9.9e15))), "t.xlsx", today=TODAY
    )
    assert (edge.status, edge.errors) == ("loaded", [])
    assert wh.query("select arbitration_filed from v_mediation").to_dicts() == [{"arbitration_filed": 9 * 10**18}]
    wh.close()


def test_the_date_window_checks_every_column_it_lists(shared_wh):
    """A3_DATE_RANGE covers 化解日期 as well as 发生日期; the message names the date and the window."""
    data = A("重大集体争议", [a3_row(A_CODE, A_NAME, status="已化解", resolved_on=dt.date(2025, 5, 1))])
    result = check(shared_wh, form_workbook("A", data), "t.xlsx", today=TODAY)
    assert [(e.code, e.column, e.message) for e in result.errors] == [
        (
            "A3_DATE_RANGE",
            "resolved_on",
            f"“重大集体争议”工作表 {expected_cell(CASES['A3_DATE_RANGE'], 'resolved_on', 0)} 单元格（东昌区 · 化解日期）："
            "化解日期 2025-05-01 不在合理范围内（应在 2000-01-01 至 2025-04-30 之间）。"
            "请核对日期是否录错（年份、月份）；日期不早于2000年1月1日，不晚于统计期次月的最后一天。",
        )
    ]
