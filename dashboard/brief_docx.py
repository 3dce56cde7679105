"""月度简报 as a Word document (python-docx): the xlsx brief's figures and sentences, with the 总览 charts as images.

`gather()` takes `brief.build()` (title, sentences, unit ranking, disputes — one definition, shared with the xlsx)
and adds what only the document shows: the 总览 tiles' figures for the month and for the same month a year
earlier (`q.kpis`, so 本月/环比/目标/差距 are the page's and 同比 comes from the same query), the open red and orange
signals, and the 总览 charts built by the same chart functions from the same queries. `brief_docx()` lays it out
for A4 with East Asian fonts (宋体 body, 黑体 headings) so Word shows the Chinese as intended. Everything is read
through the viewer's scoped queries: a clerk's document holds only their scope, like the xlsx.
Charts are rendered by `dashboard.chart_images` (kaleido + the system Chromium); without a browser the document
is still produced, with a Chinese note where the charts would be.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from auth.viewer import Viewer
from dashboard import brief as brief_mod
from dashboard import chart_images, charts, common, targets
from dashboard import queries as q
from dashboard.brief import Brief
from dashboard.format import change_pct, count, money_wan, percent, period_label, points, range_label, shift_period
from dashboard.panels import measure_panels
from warehouse import config, labels
from warehouse.db import Warehouse

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
KEY_FIGURE_HEADERS = ("指标", "本月", "上月", "环比", "上年同月", "同比", "目标", "差距")
UNIT_TABLE_HEADERS = ("指标", "数值", "分子/分母", "目标", "差距", "排名")
GREY = RGBColor(0x59, 0x59, 0x59)
ORANGE = RGBColor(0xB4, 0x53, 0x09)


@dataclass
class Chart:
    title: str  # the figure's own title (also the image's alt text)
    figure: go.Figure


@dataclass
class WordBrief:
    brief: Brief
    start: str  # the ranking window's first month (the brief's year-to-date start)
    kpis: pl.DataFrame  # q.kpis of the month: the 总览 tiles
    kpis_last_year: pl.DataFrame  # q.kpis of the same month a year earlier: 同比
    signals: pl.DataFrame  # open red/orange signals in scope
    charts: list[Chart] = field(default_factory=list)


# ------------------------------------------------------------------ gathering
def gather(wh: Warehouse, viewer: Viewer, region: str | None, period: str, start: str | None = None) -> WordBrief:
    """The xlsx brief of the month plus the tiles' figures, signals and the 总览 charts, within the viewer's scope."""
    chart_images.warm_up()  # Chromium starts (about 2 s) while the queries run
    b = brief_mod.build(wh, viewer, region, period, start)
    start = b.figures.ytd_start or period
    kpis = q.kpis(wh, viewer, region, period)
    return WordBrief(
        brief=b,
        start=start,
        kpis=kpis,
        kpis_last_year=q.kpis(wh, viewer, region, shift_period(period, -12)),
        signals=q.open_signals(wh, viewer, region, limit=1000),
        charts=overview_charts(wh, viewer, region, start, period, b.ranking, kpis),
    )


def overview_charts(
    wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str, ranking: pl.DataFrame, kpis: pl.DataFrame
) -> list[Chart]:
    """总览's four charts for the selection with `start`…`end` as the page's 统计期间: 各项目标完成情况, the unit
    ranking by 协商调解解决占比 (when more than one unit is visible), 各项指标进展, 受理与调解趋势. `ranking` is
    q.unit_ranking over the same window, `kpis` q.kpis of `end` (both from the brief)."""
    sel = q.selection(wh, viewer, region)
    coverage_keys = [m["key"] for m in q.coverage_measures()]
    out = []
    progress = q.target_progress(wh, viewer, region, start, end)
    targeted = progress.filter(
        pl.col("key").is_in(["mediation_share", *coverage_keys]) & pl.col("target").is_not_null()
    )
    if targeted.height and targeted["value"].is_not_null().any():
        out.append(
            Chart(
                "各项目标完成情况",
                charts.target_bullets(
                    targeted,
                    "各项目标完成情况",
                    subtitle=(
                        f"{sel.name} · 协商调解解决占比为 {range_label(start, end)} 累计，组织建设为 {period_label(end)} 期末数"
                        " · 红色虚线为目标值"
                    ),
                ),
            )
        )
    units = ranking.filter(pl.col("unit_code") != q.PROVINCE_CODE) if ranking.height else ranking
    if units.height and units["unit_code"].n_unique() >= 2:
        data = units.filter(pl.col("measure") == "mediation_share")
        province = ranking.filter((pl.col("unit_code") == q.PROVINCE_CODE) & (pl.col("measure") == "mediation_share"))
        title = f"各单位{data['label'][0]}"
        out.append(
            Chart(
                title,
                charts.ranking_bars(
                    data,
                    "unit_name",
                    "rate",
                    title,
                    subtitle=f"{range_label(start, end)} · 竖线为各单位目标（2024年均值+10个百分点）",
                    target_col="target",
                    average=province["rate"][0] if province.height else None,
                    num_col="numerator",
                    den_col="denominator",
                    highlight=sel.name if sel.level == "unit" else None,
                ),
            )
        )
    periods = common.periods(wh)
    campaign_start = max(periods[0] if periods else end, config.settings()["reporting"]["first_period"])
    share = kpis.filter(pl.col("key") == "mediation_share").row(0, named=True)
    panels = _measure_panels(wh, viewer, region, campaign_start, end, coverage_keys, share)
    if panels:
        out.append(
            Chart(
                "各项指标进展",
                charts.measure_panels(
                    panels,
                    "各项指标进展",
                    cols=3,
                    subtitle=f"{sel.name} · {range_label(campaign_start, end)} 逐月变化，红色虚线为目标值",
                ),
            )
        )
    trend_start = max(periods[0] if periods else end, min(start, shift_period(end, -23)))
    trend = q.trend(wh, viewer, region, trend_start, end)
    if trend.height:
        targets = (
            {"mediation_share": (share["target"], f"占比目标 {percent(share['target'])}")} if share["target"] else None
        )
        out.append(
            Chart(
                "受理、结案、调解成功与成功率",
                charts.cases_and_rates(
                    trend,
                    "受理、结案、调解成功与成功率",
                    subtitle=f"{sel.name} · {range_label(trend_start, end)} · 柱：件数（左轴）· 线：比率（右轴）",
                    rate_targets=targets,
                ),
            )
        )
    return out


def _measure_panels(
    wh: Warehouse, viewer: Viewer, region: str | None, start: str, end: str, coverage_keys: list[str], share: dict
) -> list[dict]:
    """The small multiples of 总览's 各项指标进展 for the selection (assembled by dashboard/panels.py, as on the page)."""
    return measure_panels(
        q.trend(wh, viewer, region, start, end),
        q.coverage_trend(wh, viewer, region, start, end),
        q.targets(wh),
        coverage_keys,
        share,
    )


# ------------------------------------------------------------------ figures and sentences the document adds
def key_figure_rows(kpis: pl.DataFrame, last_year: pl.DataFrame) -> list[dict[str, str]]:
    """The 总览 tiles as table rows (texts): 本月 and 环比 as the tiles show them, 上年同月 and 同比 from the same
    query a year earlier; counts change in %, rates in percentage points; 分子/分母 kept for the 本月 cell."""
    before = {r["key"]: r for r in last_year.to_dicts()}
    rows = []
    for r in kpis.to_dicts():
        is_rate = r["unit"] == "%"
        show = percent if is_rate else (lambda v: count(v, " 件"))
        ly = before.get(r["key"], {}).get("value")
        if is_rate:
            month_on_month = points(r["change"])
            year_on_year = points(r["value"] - ly) if r["value"] is not None and ly is not None else "—"
        else:
            month_on_month = change_pct(r["value"], r["previous"])
            year_on_year = change_pct(r["value"], ly)
        target = "—"
        if r["target"] is not None:
            target = percent(r["target"]) + (f"（{r['target_date'].year}年底）" if r["target_date"] else "")
        gap = targets.gap_note(r.get("status"), r["value"], r["target"])  # the tiles' note (one status rule)
        rows.append(
            {
                "key": r["key"],
                "指标": r["label"],
                "本月": show(r["value"]),
                "上月": show(r["previous"]),
                "环比": month_on_month,
                "上年同月": show(ly),
                "同比": year_on_year,
                "目标": target,
                "差距": gap,
                "分子/分母": f"{count(r['numerator'])}/{count(r['denominator'])}" if r["numerator"] is not None else "",
            }
        )
    return rows


def behind_target_sentences(ranking: pl.DataFrame) -> list[str]:
    """Per measure with a target, the units below it (value, target, gap; largest gap first), from
    q.unit_ranking rows (`Brief.ranking`); one sentence when every unit with a figure meets its targets."""
    units = ranking.filter(pl.col("unit_code") != q.PROVINCE_CODE) if ranking.height else ranking
    if not units.height or units["target"].is_null().all():
        return []
    out = []
    present = set(units["measure"].to_list())
    for measure in [m for m in (*q.RANKING_MEASURES, *(c["key"] for c in q.coverage_measures())) if m in present]:
        rows = units.filter((pl.col("measure") == measure) & pl.col("met").is_not_null() & ~pl.col("met"))
        if not rows.height:
            continue
        rows = rows.with_columns((pl.col("target") - pl.col("rate")).alias("gap")).sort(
            ["gap", "unit_code"], descending=[True, False]
        )
        per_unit = measure == "mediation_share"  # each unit's own target: its 2024 average + 10 points
        names = "、".join(
            f"{r['unit_name']}（{percent(r['rate'])}"
            + (f"，目标{percent(r['target'])}" if per_unit else "")
            + f"，差{100 * r['gap']:.1f}个百分点）"
            for r in rows.to_dicts()
        )
        goal = "本单位目标" if per_unit else f"目标{percent(rows['target'][0])}"
        out.append(f"{rows['label'][0]}未达到{goal}的有{rows.height}个单位：{names}。")
    return out or ["各单位已有数据的指标均已达到现行目标。"]


def signal_sentences(signals: pl.DataFrame, shown: int = 3) -> list[str]:
    """Open red and orange early-warning signals (q.open_signals rows, red first, newest first): how many of
    each level, and the first `shown` with their region and month."""
    if not signals.height:
        return [f"风险预警方面，目前没有{labels.SIGNAL_OPEN}的红色、橙色预警信号。"]
    counts = [
        f"{labels.SIGNAL_LEVEL[level]}预警{n}条"
        for level in ("red", "orange")
        if (n := signals.filter(pl.col("level") == level).height)
    ]
    first = "；".join(
        f"{r['title']}（{labels.SIGNAL_LEVEL.get(r['level'], '')}预警，{period_label(r['period'])}）"
        for r in signals.head(shown).to_dicts()
    )
    more = "，其中" if signals.height > shown else "，即"
    return [f"风险预警方面，目前有{labels.SIGNAL_OPEN}的{'、'.join(counts)}{more}：{first}。"]


# ------------------------------------------------------------------ the document
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    """A cell's text: characters XML cannot hold are dropped (a hostile employer name must not break the file)."""
    return _ILLEGAL_XML.sub("", "" if value is None else str(value))


def _fonts(rpr_owner, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Latin and East Asian fonts on a style or run; theme fonts removed, since Word prefers them to named ones."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        fonts.set(qn(attr), name)


def _setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    _fonts(normal.element, BODY_FONT)
    language = OxmlElement("w:lang")  # Chinese punctuation and quotes take the East Asian font
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(language)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.4
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 13)):
        style = doc.styles[name]
        style.font.size, style.font.bold = Pt(size), name != "Title"
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style.element, HEADING_FONT)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
    title = doc.styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    border = title.element.find(qn("w:pPr") + "/" + qn("w:pBdr"))
    if border is not None:  # the default template underlines the title: an official brief has none
        border.getparent().remove(border)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _page_field(footer.add_run())
    footer.add_run(" 页")


def _page_field(run) -> None:
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _para(doc, text: str, *, indent: bool = True, size: float | None = None, color: RGBColor | None = None, align=None):
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)  # two characters, as Chinese paragraphs start
    if align is not None:
        p.alignment = align
    run = p.add_run(_text(text))
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return p


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(
    doc,
    headers,
    rows: list[list],
    *,
    widths_cm: list[float],
    size: float = 9.5,
    colors: list[list[RGBColor | None]] | None = None,
):
    """A grid table: shaded bold header (repeated on every page), text left, figures right-aligned."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(header.cells, headers):
        _shade(cell, "E7ECF3")
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(_text(text))
        run.font.bold, run.font.size = True, Pt(size)
    for i, values in enumerate(rows):
        cells = table.add_row().cells
        for j, (cell, value) in enumerate(zip(cells, values)):
            lines = value if isinstance(value, tuple) else (value,)
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            for k, line in enumerate(lines):
                run = p.add_run(_text(line) if k == 0 else "\n" + _text(line))
                run.font.size = Pt(size if k == 0 else size - 1.5)
                if k:
                    run.font.color.rgb = GREY
                elif colors and colors[i][j] is not None:
                    run.font.color.rgb = colors[i][j]
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.line_spacing = 1.1
    return table


def _charts(doc, pictures: list[tuple[Chart, bytes | None]], note: str | None, state: dict) -> None:
    """The charts as pictures, or the note where they would be (in full the first time, briefly after that)."""
    if note:
        _para(
            doc,
            note if not state.get("noted") else "（图表未附，原因见上文说明。）",
            indent=False,
            size=10.5,
            color=GREY,
            align=WD_ALIGN_PARAGRAPH.CENTER,
        )
        state["noted"] = True
        return
    for chart, png in pictures:
        if png is None:  # not rendered (a caller that asked for no charts)
            continue
        doc.add_picture(io.BytesIO(png), width=Cm(16))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        shape = doc.inline_shapes[-1]
        shape._inline.docPr.set("descr", _text(chart.title))


def for_print(fig: go.Figure) -> go.Figure:
    """A copy laid out for a printed page: margins for the tick labels, and the legend under the plot where it
    cannot cover the subtitle (on screen the legend sits at the top right, beside the modebar)."""
    out = go.Figure(fig)
    # the screen's narrow margins rely on the browser's automargin; a fixed-size image needs room for tick labels
    out.update_layout(margin=dict(l=60, r=30, b=50))
    if out.layout.showlegend is not False:
        out.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0), margin=dict(b=70))
    return out


def render_charts(wb: WordBrief) -> chart_images.Images:
    """The brief's charts as PNG (or the note saying why there are none)."""
    return chart_images.render([for_print(c.figure) for c in wb.charts])


def brief_docx(wb: WordBrief, images: chart_images.Images | None = None) -> bytes:
    """The Word document of a gathered brief; charts rendered here unless `images` are given."""
    b, f = wb.brief, wb.brief.figures
    if images is None:
        images = render_charts(wb)
    by_title = dict(zip((c.title for c in wb.charts), images.png)) if images.png else {}
    pictures = {c.title: (c, by_title.get(c.title)) for c in wb.charts}
    note, noted = (images.note if wb.charts else None), {}

    def charts_for(*titles: str) -> None:
        chosen = [pictures[t] for t in titles if t in pictures]
        if chosen:
            _charts(doc, [(c, png) for c, png in chosen], note, noted)

    doc = Document()
    _setup(doc)
    doc.core_properties.title = _text(b.title)
    doc.core_properties.language = "zh-CN"
    doc.add_paragraph(_text(b.title), style="Title")
    _para(
        doc,
        f"统计期：{period_label(f.period)} · {b.freshness} · 生成于 {dt.datetime.now():%Y-%m-%d %H:%M}",
        indent=False,
        size=10.5,
        color=GREY,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )

    doc.add_heading("一、总体情况", level=1)
    for text in b.sentences:
        _para(doc, text)

    doc.add_heading("二、关键数字", level=1)
    rows = key_figure_rows(wb.kpis, wb.kpis_last_year)
    _table(
        doc,
        KEY_FIGURE_HEADERS,
        [
            [
                r["指标"],
                (r["本月"], r["分子/分母"]) if r["分子/分母"] else r["本月"],
                *(r[h] for h in KEY_FIGURE_HEADERS[2:]),
            ]
            for r in rows
        ],
        widths_cm=[3.8, 2.0, 1.7, 2.1, 1.7, 2.1, 1.6, 1.9],
        size=9,
        colors=[[None] * 7 + [ORANGE if r["差距"].startswith("差") else None] for r in rows],
    )
    _para(
        doc,
        f"注：本月为{period_label(f.period)}（组织建设取期末数）；环比对上月、同比对上年同月，件数为增减百分比，"
        "比率为增减百分点；比率均由分子、分母分别合计后相除，单元格下方小字为分子/分母。",
        indent=False,
        size=9,
        color=GREY,
    )

    doc.add_heading("三、目标进展", level=1)
    for text in behind_target_sentences(b.ranking):
        _para(doc, text)
    charts_for("各项目标完成情况", "各项指标进展")

    unit_rows = b.ranking.filter(pl.col("unit_code") != q.PROVINCE_CODE) if b.ranking.height else b.ranking
    if unit_rows.height:
        doc.add_heading("四、各单位情况", level=1)
        _para(
            doc,
            f"调解成效为{range_label(wb.start, f.period)}累计，组织建设为{period_label(f.period)}期末数；"
            "排名为名次/参与排名的单位数，未报送的单位不参与排名。",
        )
        charts_for(*(c.title for c in wb.charts if c.title.startswith("各单位")))
        _unit_tables(doc, b.ranking, f.period, {r["key"]: r["target_date"] for r in wb.kpis.to_dicts()})

    doc.add_heading(f"{'五' if unit_rows.height else '四'}、风险提示", level=1)
    for text in signal_sentences(wb.signals):
        _para(doc, text)
    if b.disputes.height:
        shown = b.disputes.head(10)
        _para(
            doc,
            f"{labels.DISPUTE_UNRESOLVED}（{labels.DISPUTE_OPEN}、{labels.DISPUTE_IN_PROGRESS}）的重大集体劳动人事争议"
            f"{'（最新10起）' if b.disputes.height > 10 else ''}：",
            indent=False,
        )
        _table(
            doc,
            ("发生日期", "地区", "用人单位", "涉及人数", "涉案金额", "处置状态"),
            [
                [
                    str(r["occurred_on"] or "—"),
                    r["region_name"],
                    r["employer"],
                    count(r["workers"], " 人"),
                    money_wan(r["amount_wan"]),
                    r["status"],
                ]
                for r in shown.to_dicts()
            ],
            widths_cm=[2.2, 3.0, 5.0, 1.8, 2.6, 1.6],
            size=9,
        )

    trend_titles = [c.title for c in wb.charts if c.title.startswith("受理")]
    if trend_titles:
        doc.add_heading(f"{'六' if unit_rows.height else '五'}、受理与调解趋势", level=1)
        charts_for(*trend_titles)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _unit_tables(doc, ranking: pl.DataFrame, period: str, deadlines: dict) -> None:
    """One small table per unit: each measure's value, fraction, target, gap and rank among the units."""
    units = ranking.filter(pl.col("unit_code") != q.PROVINCE_CODE)
    ranked = dict(
        units.filter(pl.col("rate").is_not_null()).group_by("measure").len().iter_rows()
    )  # 名次/参与排名的单位数
    order = {m: i for i, m in enumerate((*q.RANKING_MEASURES, *(c["key"] for c in q.coverage_measures())))}
    for code in sorted(units["unit_code"].unique().to_list()):
        rows = sorted(units.filter(pl.col("unit_code") == code).to_dicts(), key=lambda r: order.get(r["measure"], 99))
        doc.add_heading(_text(rows[0]["unit_name"]), level=2)
        if all(r["rate"] is None for r in rows):
            _para(doc, "本期未报送调解情况和组织建设报表，无可比较的数字。")
            continue
        body, colors = [], []
        for r in rows:
            gap = targets.gap_note(
                targets.status(r["rate"], r["target"], deadlines.get(r["measure"]), period), r["rate"], r["target"]
            )
            body.append(
                [
                    r["label"],
                    percent(r["rate"]) if r["rate"] is not None else "未报送",
                    f"{count(r['numerator'])}/{count(r['denominator'])}" if r["denominator"] is not None else "—",
                    percent(r["target"]),
                    gap,
                    f"{r['rank']}/{ranked[r['measure']]}" if r["rank"] is not None else "—",
                ]
            )
            colors.append([None] * 4 + [ORANGE if "差" in gap else None, None])
        _table(doc, UNIT_TABLE_HEADERS, body, widths_cm=[5.4, 1.9, 2.8, 1.9, 2.8, 1.4], size=9, colors=colors)


def file_name(area: str, period: str) -> str:
    return brief_mod.file_name(area, period, "docx")
