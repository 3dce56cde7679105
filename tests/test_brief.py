"""月度简报: sentences from hand-checkable figures, figures gathered within scope, the workbook."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from builders import b1_row, form_workbook
from test_queries import a1, build_tiny

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import brief
from dashboard import coverage as cov
from dashboard import queries as q
from dashboard.brief import BriefFigures, Coverage
from etl.ingest import ingest
from etl.regions import reference_index
from warehouse.db import Warehouse


def test_sentences_from_figures():
    f = BriefFigures(
        area="全省",
        period="2025-10",
        accepted=1100,
        accepted_prev=1000,
        accepted_last_year=1250,
        closed=1000,
        succeeded=750,
        success_rate=0.75,
        success_rate_prev=0.738,
        share=0.5,
        share_num=750,
        share_den=1500,
        share_prev=0.5,
        share_target=0.555,
        share_baseline=0.455,
        share_target_year=2025,
        ytd_start="2025-01",
        ytd_accepted=10000,
        ytd_succeeded=7000,
        ytd_share=0.48,
        coverage=[
            Coverage("工会百人以上企业调委会设立率", 0.931, 931, 1000, 0.9, 2025),
            Coverage("仲裁院调解中心设立率", 0.969, 63, 65, 1.0, 2025),
            Coverage("园区调解组织覆盖率", 0.83, 83, 100),
        ],
        ranking_label="2025年1—10月累计协商调解解决占比",
        top_units=[("长白山管委会", 0.511), ("梅河口市", 0.506)],
        bottom_units=[("白城市", 0.39)],
        major_new=2,
        major_open=5,
        major_not_started=3,
        major_in_progress=2,
        major_workers=276,
        major_amount=639.22,
        major_escalated=1,
        units_due=11,
        units_on_time=9,
        units_late=["吉林市"],
        units_missing=["白城市"],
    )
    assert brief.sentences(f) == [
        "2025年10月，全省各类调解组织受理劳动人事争议案件1,100件，环比上升10.0%，同比下降12.0%；"
        "调解结案1,000件，调解成功750件，调解成功率75.0%，较上月提高1.2个百分点。",
        "协商调解解决占比为50.0%（调解成功750件 ÷ 调解受理与仲裁立案合计1,500件），与上月持平，"
        "距2025年底目标55.5%（2024年均值45.5%提高10个百分点）还差5.5个百分点。",
        "2025年1—10月累计受理10,000件，调解成功7,000件，累计协商调解解决占比48.0%。",
        "组织建设方面，已达到目标的有工会百人以上企业调委会设立率（93.1%）；"
        "尚未达到目标的有仲裁院调解中心设立率（96.9%，目标100.0%，差3.1个百分点）。",
        "各单位中，2025年1—10月累计协商调解解决占比较高的是长白山管委会（51.1%）、梅河口市（50.6%），较低的是白城市（39.0%）。",
        "本月新发生重大集体劳动人事争议2起；目前在办5起（未化解3起、处置中2起），涉及劳动者276人、金额639.22 万元，其中有激化行为的1起。",
        "报送方面，本月应报单位11个，按时报送9个，迟报1个（吉林市），尚未报送1个（白城市）。",
    ]


def test_sentences_without_figures():
    assert brief.sentences(BriefFigures(area="通化市", period="2025-02")) == ["2025年2月，通化市暂无调解情况报表数据。"]
    quiet = BriefFigures(
        area="通化市",
        period="2025-02",
        accepted=40,
        accepted_prev=40,
        closed=30,
        succeeded=15,
        success_rate=0.5,
        major_open=0,
        major_new=0,
    )
    assert brief.sentences(quiet) == [
        "2025年2月，通化市各类调解组织受理劳动人事争议案件40件，与上月持平；调解结案30件，调解成功15件，调解成功率50.0%。",
        "本月未新发生重大集体劳动人事争议，目前无在办的重大集体争议。",
    ]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    wh = build_tiny(tmp_path_factory.mktemp("brief") / "wh.duckdb")
    yield wh
    wh.close()


def test_build_for_a_unit(tiny):
    b = brief.build(tiny, PROVINCE_ADMIN, "220500", "2025-02")
    f = b.figures
    assert (f.accepted, f.accepted_prev, f.closed, f.succeeded, f.ytd_accepted, f.ytd_succeeded) == (
        40,
        40,
        30,
        15,
        80,
        34,
    )
    assert f.share_target == pytest.approx(0.3) and f.share_baseline == pytest.approx(0.2)
    assert (f.major_open, f.major_new, f.units_due, f.units_on_time, f.units_late) == (
        1,
        0,
        1,
        0,
        ["通化市"],
    )  # loaded now: late
    assert b.title == "通化市劳动人事争议调解工作月度简报（2025年2月）"
    assert b.sentences[0] == (
        "2025年2月，通化市各类调解组织受理劳动人事争议案件40件，与上月持平；"
        "调解结案30件，调解成功15件，调解成功率50.0%，较上月下降13.3个百分点。"
    )
    assert "距2025年底目标30.0%（2024年均值20.0%提高10个百分点）还差8.6个百分点" in b.sentences[1]
    assert b.sentences[2] == "2025年1—2月累计受理80件，调解成功34件，累计协商调解解决占比28.3%。"
    assert "规上企业调委会设立率（66.7%，目标80.0%，差13.3个百分点）" in b.sentences[3]


def test_build_for_a_county_stays_in_scope(tiny):
    b = brief.build(tiny, Viewer("dongchang", "county", "220502"), "220502", "2025-02")
    assert b.figures.accepted == 20 and b.figures.top_units == [] and b.units.height == 0
    assert b.disputes["region_code"].unique().to_list() in ([], ["220502"])


def test_workbook(tiny):
    b = brief.build(tiny, PROVINCE_ADMIN, None, "2025-01")
    book = openpyxl.load_workbook(io.BytesIO(brief.brief_xlsx(b)))
    assert book.sheetnames == ["简报", "关键数字", "各单位", "重大集体争议", "口径说明"]
    ws = book["简报"]
    assert ws["A1"].value == "吉林省劳动人事争议调解工作月度简报（2025年1月）"
    assert ws["A2"].value.startswith("数据截至 2025年2月 · 已报送 1/11 个单位")  # 长春 has no 2025-02
    texts = [ws.cell(row=r, column=1).value for r in range(5, 5 + len(b.sentences))]
    assert texts == ["　　" + s for s in b.sentences]
    assert texts[0].startswith("　　2025年1月，全省各类调解组织受理劳动人事争议案件80件")
    sheet = book["关键数字"]
    figures = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert figures[0] == [
        "指标",
        "单位",
        "本月",
        "上月",
        "环比",
        "目标（%）",
        "差距（百分点）",
        "达标情况",
        "分子",
        "分母",
    ]
    assert figures[1][:5] == ["受理案件数", "件", 80, 40, "上升100.0%"]
    # numbers are numbers with a number format (never "5,626 件" or 86.60714285714286 as stored values)
    by_label = {row[0].value: row for row in sheet.iter_rows(min_row=4) if row[0].value}
    accepted, rate = by_label["受理案件数"], by_label["调解成功率"]
    assert (accepted[2].data_type, accepted[2].number_format) == ("n", "#,##0")
    assert (rate[1].value, rate[2].data_type, rate[2].number_format) == ("%", "n", "0.0")
    assert rate[2].value == round(rate[2].value, 1)
    assert brief.file_name("全省", "2025-01") == "吉林省调解工作月度简报_2025年1月.xlsx"


def test_sentences_after_the_deadline_say_overdue_never_still_short():
    f = BriefFigures(
        area="全省",
        period="2026-11",
        share=0.484,
        share_target=0.555,
        share_baseline=0.455,
        share_target_year=2025,
        share_target_date=dt.date(2025, 12, 31),
        coverage=[
            Coverage("仲裁院调解中心设立率", 0.969, 63, 65, 1.0, 2025, dt.date(2025, 12, 31)),
            Coverage("园区调解组织覆盖率", 0.83, 83, 100),
        ],
    )
    text = brief.sentences(f)
    assert text[1].endswith("2025年底目标55.5%（2024年均值45.5%提高10个百分点）已逾期，尚差7.1个百分点。")
    assert (
        text[2]
        == "组织建设方面，逾期未达标的有仲裁院调解中心设立率（96.9%，2025年底目标100.0%已逾期，尚差3.1个百分点）。"
    )
    assert not any("距" in t or "还差" in t for t in text)


# ------------------------------------------------------------------ brief and 组织建设 agree, before and after a deadline
# 梅河口市 (220581, a unit of one region): 2024 share 4/20 = 20 % → target 30 % by 2025-12-31 (config: +10 points);
# 2025-12 and 2026-01 at 5/20 = 25 %. 规上企业调委会设立率 5/10 → 6/10 → 6/10 against 80 % by 2025-12-31.
MEIHEKOU = "220581"
DEADLINE_TODAY = dt.date(2026, 2, 20)


def _load(wh, form: str, period: str, data: dict) -> None:
    content = form_workbook(form, data, period=period, unit=reference_index().get(MEIHEKOU))
    result = ingest(wh, content, f"{MEIHEKOU}-{period}-{form}.xlsx", today=DEADLINE_TODAY)
    assert result.status == "loaded", [e.message for e in result.errors]


@pytest.fixture(scope="module")
def past_deadline(tmp_path_factory):
    wh = Warehouse(tmp_path_factory.mktemp("deadline") / "wh.duckdb")
    region = reference_index().get(MEIHEKOU)
    _load(wh, "A", "2024-06", {"调解情况": [a1(MEIHEKOU, 10, 10, 4, 10)]})
    for period, done in (("2025-11", 5), ("2025-12", 6), ("2026-01", 6)):
        if period != "2025-11":
            _load(wh, "A", period, {"调解情况": [a1(MEIHEKOU, 20, 20, 5, 0)]})
        _load(
            wh,
            "B",
            period,
            {
                "组织建设": [
                    b1_row(
                        MEIHEKOU,
                        region.name,
                        townships=region.townships_ref,
                        above_scale_enterprises=10,
                        above_scale_with_committee=done,
                    )
                ]
            },
        )
    yield wh
    wh.close()


@pytest.mark.parametrize(("period", "overdue"), [("2025-12", False), ("2026-01", True)])
def test_the_brief_and_coverage_page_agree_on_target_status_before_and_after_the_deadline(
    past_deadline, period, overdue
):
    wh = past_deadline
    page = cov.projections(wh, PROVINCE_ADMIN, "above_scale_committee", period)
    unit = page.filter(page["region_code"] == MEIHEKOU).row(0, named=True)
    tiles = {r["key"]: r for r in q.kpis(wh, PROVINCE_ADMIN, MEIHEKOU, period).to_dicts()}
    b = brief.build(wh, PROVINCE_ADMIN, MEIHEKOU, period)
    in_brief = next(c for c in b.figures.coverage if c.label == "规上企业调委会设立率")
    statuses = (unit["status"], tiles["above_scale_committee"]["status"], in_brief.status)
    assert [s == "overdue" for s in statuses] == [overdue] * 3, statuses
    assert (cov.panel_verdict(unit).startswith("逾期未达标"), tiles["mediation_share"]["status"] == "overdue") == (
        overdue,
        overdue,
    )
    share, coverage = b.sentences[1], next(t for t in b.sentences if t.startswith("组织建设方面"))
    if overdue:
        assert share.endswith("2025年底目标30.0%（2024年均值20.0%提高10个百分点）已逾期，尚差5.0个百分点。")
        assert "逾期未达标的有规上企业调委会设立率（60.0%，2025年底目标80.0%已逾期，尚差20.0个百分点）" in coverage
        assert (
            "逾期未达标" in b.key_figures.filter(b.key_figures["指标"] == "规上企业调委会设立率")["达标情况"].to_list()
        )
    else:
        assert share.endswith("距2025年底目标30.0%（2024年均值20.0%提高10个百分点）还差5.0个百分点。")
        assert "尚未达到目标的有规上企业调委会设立率（60.0%，目标80.0%，差20.0个百分点）" in coverage
        assert unit["status"] in ("on_track", "late", "stalled") and "逾期" not in " ".join(b.sentences[:4])
