"""月度简报 as Word: opens with python-docx, its figures are 总览's, a table per unit, a clerk's scope, charts or a note.

The warehouse is test_queries' tiny one plus February 2024 for 通化市, so 2025-02 has a 同比:

附件1 调解情况 (accepted, closed, succeeded, arbitration_filed), 通化市 = 220500 市本级 + 220502 东昌区:
    2024-02   220500 10, 8, 4, 10 · 220502 15, 10, 6, 5      → 通化市 25, 18, 10, 15
    2025-01   通化市 40, 30, 19, 10 · 长春市 40, 40, 20, 10
    2025-02   通化市 40, 30, 15, 30 (220500 20, 20, 10, 0 · 220502 20, 10, 5, 30) · 长春市 not reported
"""

from __future__ import annotations

import io

import polars as pl
import pytest
from docx import Document
from test_queries import a1, build_tiny, load

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import brief_docx, chart_images, targets
from dashboard import format as fmt
from dashboard import queries as q
from dashboard.chart_images import Images

NO_CHARTS = Images()  # most tests look at text and tables; rendering is tested on its own
COUNTY = Viewer("dongchang", "county", "220502")


def build(path):
    wh = build_tiny(path)
    load(wh, "A", "2024-02", {"调解情况": [a1("220500", 10, 8, 4, 10), a1("220502", 15, 10, 6, 5)]}, "220500")
    return wh


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    warehouse = build(tmp_path_factory.mktemp("brief_docx") / "wh.duckdb")
    yield warehouse
    warehouse.close()


def open_docx(content: bytes):
    return Document(io.BytesIO(content))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text]


def cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def everything(doc) -> str:
    return "\n".join(texts(doc) + [c for t in doc.tables for row in cells(t) for c in row])


# ------------------------------------------------------------------ sentences the document adds (pure)
def test_units_behind_target_from_ranking_rows():
    rows = [  # unit_code, unit_name, measure, label, rate, target, met
        ("220000", "全省", "mediation_share", "协商调解解决占比", 0.40, 0.45, False),
        ("220100", "长春市", "mediation_share", "协商调解解决占比", 0.50, 0.48, True),
        ("220200", "吉林市", "mediation_share", "协商调解解决占比", 0.40, 0.43, False),
        ("220500", "通化市", "mediation_share", "协商调解解决占比", 0.30, 0.41, False),
        ("220100", "长春市", "success_rate", "调解成功率", 0.70, None, None),
        ("220100", "长春市", "above_scale_committee", "规上企业调委会设立率", 0.75, 0.80, False),
        ("220200", "吉林市", "above_scale_committee", "规上企业调委会设立率", None, 0.80, None),
        ("220500", "通化市", "above_scale_committee", "规上企业调委会设立率", 0.90, 0.80, True),
    ]
    ranking = pl.DataFrame(
        rows, schema=["unit_code", "unit_name", "measure", "label", "rate", "target", "met"], orient="row"
    )
    assert brief_docx.behind_target_sentences(ranking) == [
        "协商调解解决占比未达到本单位目标的有2个单位：通化市（30.0%，目标41.0%，差11.0个百分点）、"
        "吉林市（40.0%，目标43.0%，差3.0个百分点）。",
        "规上企业调委会设立率未达到目标80.0%的有1个单位：长春市（75.0%，差5.0个百分点）。",
    ]
    met = ranking.with_columns(pl.when(pl.col("met").is_not_null()).then(True).alias("met"))
    assert brief_docx.behind_target_sentences(met) == ["各单位已有数据的指标均已达到现行目标。"]
    assert brief_docx.behind_target_sentences(pl.DataFrame()) == []


def test_signal_sentences_count_levels_and_name_the_first():
    signals = pl.DataFrame(
        {
            "level": ["red", "orange", "orange", "orange"],
            "period": ["2025-10", "2025-10", "2025-09", "2025-08"],
            "region_name": ["东昌区", "长春市", "白城市", "松原市"],
            "title": ["东昌区重大集体争议未化解", "长春市受理量激增", "白城市调解成功率下降", "松原市迟报"],
        }
    )
    assert brief_docx.signal_sentences(signals) == [
        "风险预警方面，目前有未办结的红色预警1条、橙色预警3条，其中：东昌区重大集体争议未化解（红色预警，2025年10月）；"
        "长春市受理量激增（橙色预警，2025年10月）；白城市调解成功率下降（橙色预警，2025年9月）。"
    ]
    assert brief_docx.signal_sentences(signals.head(0)) == ["风险预警方面，目前没有未办结的红色、橙色预警信号。"]


# ------------------------------------------------------------------ the document
def test_opens_with_title_period_and_sections(wh):
    word = brief_docx.gather(wh, PROVINCE_ADMIN, None, "2025-02")
    doc = open_docx(brief_docx.brief_docx(word, NO_CHARTS))
    paragraphs = texts(doc)
    assert paragraphs[0] == "吉林省劳动人事争议调解工作月度简报（2025年2月）" == word.brief.title
    assert doc.paragraphs[0].style.name == "Title"
    assert paragraphs[1].startswith("统计期：2025年2月 · 数据截至 2025年2月 · 已报送 1/11 个单位 · 生成于 ")
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == [
        "一、总体情况",
        "二、关键数字",
        "三、目标进展",
        "四、各单位情况",
        "五、风险提示",
        "六、受理与调解趋势",
    ]
    for sentence in word.brief.sentences:  # the brief's own sentences, not a second wording of them
        assert sentence in paragraphs
    assert doc.core_properties.title == word.brief.title
    # Word shows Chinese in the East Asian font of the style
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"
    assert brief_docx.file_name("全省", "2025-02") == "吉林省调解工作月度简报_2025年2月.docx"


def test_key_figures_are_the_pages(wh):
    """本月, 环比 and 差距 are what 总览's tiles show (q.kpis + dashboard.format); 同比 compares the same query a
    year earlier."""
    doc = open_docx(brief_docx.brief_docx(brief_docx.gather(wh, PROVINCE_ADMIN, "220500", "2025-02"), NO_CHARTS))
    table = cells(doc.tables[0])
    assert table[:4] == [
        ["指标", "本月", "上月", "环比", "上年同月", "同比", "目标", "差距"],
        ["受理案件数", "40 件", "40 件", "持平", "25 件", "+60.0%", "—", "—"],
        ["调解成功率", "50.0%\n15/30", "63.3%", "-13.3 个百分点", "55.6%", "-5.6 个百分点", "—", "—"],
        [
            "协商调解解决占比",
            "21.4%\n15/70",
            "38.0%",
            "-16.6 个百分点",
            "25.0%",
            "-3.6 个百分点",
            "32.5%（2025年底）",
            "未达标 · 差 11.1 个百分点",
        ],
    ]
    tiles = q.kpis(wh, PROVINCE_ADMIN, "220500", "2025-02").to_dicts()
    assert [row[0] for row in table[1:]] == [t["label"] for t in tiles]
    for row, t in zip(table[1:], tiles):  # the page's formatting of the page's query, row by row
        if t["unit"] == "%":
            assert row[1].split("\n")[0] == fmt.percent(t["value"]) and row[3] == fmt.points(t["change"])
        else:
            assert row[1] == fmt.count(t["value"], " 件") and row[3] == fmt.change_pct(t["value"], t["previous"])
        if t["gap"] is not None:
            # the tile's note, word for word (one status rule: 已达标 / 未达标 · 差 / 逾期未达标 · 差)
            assert row[7] == (
                targets.label("reached")
                if t["met"]
                else f"{targets.label(t['status'])} · 差 {abs(100 * t['gap']):.1f} 个百分点"
            )


def test_a_table_per_unit(wh):
    word = brief_docx.gather(wh, PROVINCE_ADMIN, None, "2025-02")
    doc = open_docx(brief_docx.brief_docx(word, NO_CHARTS))
    units = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert units == [
        "长春市",
        "吉林市",
        "四平市",
        "辽源市",
        "通化市",
        "梅河口市",
        "白山市",
        "松原市",
        "白城市",
        "延边朝鲜族自治州",
        "长白山管委会",
    ]
    per_unit = [t for t in doc.tables if cells(t)[0] == list(brief_docx.UNIT_TABLE_HEADERS)]
    assert len(per_unit) == 2  # the units with figures; the others say they did not report
    assert texts(doc).count("本期未报送调解情况和组织建设报表，无可比较的数字。") == 9
    tonghua = cells(per_unit[1])
    assert tonghua[:4] == [
        ["指标", "数值", "分子/分母", "目标", "差距", "排名"],
        ["协商调解解决占比", "28.3%", "34/120", "32.5%", "未达标 · 差 4.2 个百分点", "2/2"],  # 长春市 20/50
        ["调解成功率", "56.7%", "34/60", "—", "—", "1/2"],  # 长春市 20/40
        ["规上企业调委会设立率", "66.7%", "20/30", "80.0%", "未达标 · 差 13.3 个百分点", "1/1"],  # 长春市: no 附件2
    ]
    assert "协商调解解决占比未达到本单位目标的有1个单位：通化市（28.3%，目标32.5%，差4.2个百分点）。" in texts(doc)


def test_a_county_clerk_sees_only_their_scope(wh):
    for region in ("220502", "220500"):  # their own region; their unit's totals
        word = brief_docx.gather(wh, COUNTY, region, "2025-02")
        doc = open_docx(brief_docx.brief_docx(word, NO_CHARTS))
        text = everything(doc)
        assert "长春" not in text and "各单位情况" not in text
        assert not [p for p in doc.paragraphs if p.style.name == "Heading 2"]
        assert all("长春" not in chart.figure.to_json() for chart in word.charts)
    doc = open_docx(brief_docx.brief_docx(brief_docx.gather(wh, COUNTY, "220502", "2025-02"), NO_CHARTS))
    assert texts(doc)[0] == "东昌区劳动人事争议调解工作月度简报（2025年2月）"
    assert cells(doc.tables[0])[1][:2] == ["受理案件数", "20 件"]  # 东昌区 alone
    with pytest.raises(q.ScopeError):
        brief_docx.gather(wh, COUNTY, "220100", "2025-02")


def test_without_chromium_the_document_has_a_note_instead_of_charts(wh, monkeypatch):
    monkeypatch.setattr(chart_images, "browser_path", lambda: None)
    word = brief_docx.gather(wh, PROVINCE_ADMIN, None, "2025-02")
    assert [c.title for c in word.charts] == [
        "各项目标完成情况",
        "各单位协商调解解决占比",
        "各项指标进展",
        "受理、结案、调解成功与成功率",
    ]
    doc = open_docx(brief_docx.brief_docx(word))
    assert len(doc.inline_shapes) == 0
    notes = [t for t in texts(doc) if "图表" in t and ("未附" in t or "Chromium" in t)]
    assert notes[0].startswith("本机未安装 Chromium 浏览器，无法把图表导出为图片，本简报未附图表")
    assert notes[1:] == ["（图表未附，原因见上文说明。）"] * 2


def test_text_that_xml_cannot_hold_is_dropped():
    assert brief_docx._text("长春\x00测试\x1b公司") == "长春测试公司"


@pytest.mark.skipif(
    chart_images.browser_path() is None,
    reason="no Chromium on PATH (/usr/bin/chromium): kaleido cannot render the charts",
)
def test_charts_are_embedded_as_pictures(wh):
    word = brief_docx.gather(wh, PROVINCE_ADMIN, None, "2025-02")
    images = brief_docx.render_charts(word)
    assert images.note is None and len(images.png) == 4
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in images.png)
    doc = open_docx(brief_docx.brief_docx(word, images))
    assert len(doc.inline_shapes) == 4
    described = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    assert described == ["各项目标完成情况", "各项指标进展", "各单位协商调解解决占比", "受理、结案、调解成功与成功率"]


# ------------------------------------------------------------------ python -m etl brief
def test_command_line_writes_the_docx_and_the_xlsx_within_an_accounts_scope(tmp_path, monkeypatch, capsys):
    import openpyxl

    from auth import accounts
    from etl.cli import main

    db = tmp_path / "wh.duckdb"
    made = build(db)
    accounts.add_account(
        made, "dongchang", role="county", region_code="220502", password="Dongchang-2025!", actor="test"
    )
    made.close()
    monkeypatch.setattr(chart_images, "browser_path", lambda: None)  # fast; rendering is tested above
    monkeypatch.chdir(tmp_path)
    assert main(["brief", "--db", str(db), "--period", "2025-02", "--format", "docx"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "已生成月度简报 吉林省调解工作月度简报_2025年2月.docx（全省 · 2025-02，未附图表）"
    assert err.startswith("本机未安装 Chromium 浏览器")
    doc = open_docx((tmp_path / "吉林省调解工作月度简报_2025年2月.docx").read_bytes())
    assert texts(doc)[0] == "吉林省劳动人事争议调解工作月度简报（2025年2月）"

    assert main(["brief", "--db", str(db), "--user", "dongchang", "--format", "docx", "--out", "county.docx"]) == 0
    doc = open_docx((tmp_path / "county.docx").read_bytes())  # the latest month, the page's default region: the unit
    assert texts(doc)[0] == "通化市劳动人事争议调解工作月度简报（2025年2月）" and "长春" not in everything(doc)
    assert main(["brief", "--db", str(db), "--user", "dongchang", "--out", "county.xlsx"]) == 0
    assert openpyxl.load_workbook(tmp_path / "county.xlsx")["简报"]["A1"].value == texts(doc)[0]
    capsys.readouterr()

    assert main(["brief", "--db", str(db), "--user", "dongchang", "--region", "220100"]) == 2
    assert capsys.readouterr().err.strip() == "当前账号无权查看 长春市 的数据。请用 --region 选择该账号可以查看的地区。"
    assert main(["brief", "--db", str(db), "--user", "nobody"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["brief", "--db", str(db), "--format", "pdf"])
    assert usage.value.code == 2
