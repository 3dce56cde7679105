"""Phone layout (issue 13, 390×844): every figure the pages show is laid out for a phone by
dashboard.charts.phone_layout (via dashboard.layout.plotly_chart), and the phone CSS block stacks tiles."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import re

import plotly.graph_objects as go
import polars as pl
import pytest
from conftest import ROOT
from plotly.subplots import make_subplots

from dashboard import charts, layout
from dashboard.charts import PHONE_COLUMNS, PHONE_WIDTH, phone_layout

MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][:35]
UNITS = [
    "长春市",
    "吉林市",
    "四平市",
    "辽源市",
    "通化市",
    "白山市",
    "松原市",
    "白城市",
    "延边朝鲜族自治州",
    "长白山管委会",
    "梅河口市",
]
INDUSTRIES = [
    "A 农林牧渔",
    "B 采矿业",
    "C 制造业",
    "D 电力燃气",
    "E 建筑业",
    "F 批发零售",
    "G 交通运输",
    "H 住宿餐饮",
    "I 信息技术",
    "J 金融业",
    "K 房地产",
    "L 租赁商务",
    "M 科研技术",
    "N 水利环境",
]
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Safari/604.1"
)  # iPadOS asks for desktop pages unless told otherwise; either way no "Mobi"
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def _trend() -> pl.DataFrame:
    n = len(MONTHS)
    return pl.DataFrame(
        {
            "period": MONTHS,
            "accepted_total": [5000 + 10 * i for i in range(n)],
            "closed_total": [4800 + 10 * i for i in range(n)],
            "succeeded_total": [3600 + 10 * i for i in range(n)],
            "success_rate": [0.7 + 0.001 * i for i in range(n)],
            "mediation_share": [0.45 + 0.001 * i for i in range(n)],
        }
    )


def _units() -> pl.DataFrame:
    return pl.DataFrame({"name": UNITS, "value": [0.4 + 0.01 * i for i in range(11)], "target": [0.5] * 11})


def _panels() -> list[dict]:
    names = [
        "协商调解解决占比",
        "调解成功率",
        "工会百人以上企业调委会",
        "规上企业调委会",
        "乡镇（街道）调解中心",
        "仲裁院调解中心",
        "商（协）会调解组织",
        "园区调解组织",
    ]
    return [
        {
            "title": n,
            "period": MONTHS,
            "rate": [0.3 + 0.015 * i for i in range(len(MONTHS))],
            "targets": [(0.8, "2025年底 80.0%")],
        }
        for n in names
    ]


def _kinds() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "label": [
                "人民调解委员会",
                "企业劳动争议调解委员会",
                "乡镇（街道）调解中心",
                "行业性区域性调解组织",
                "其他调解组织",
            ],
            "accepted": [100, 200, 300, 400, 50],
            "succeeded": [80, 150, 200, 300, 40],
            "rate": [0.8, 0.75, 0.66, 0.75, 0.8],
        }
    )


def _cells() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "period": f"2026-{m:02d}",
                "unit_name": u,
                "unit_code": f"22{k:02d}00",
                "cell_status": "on_time",
                "status_label": "按时",
                "first_loaded_at": dt.datetime(2026, m, 5),
                "first_loaded_by": "张三",
                "versions": 1,
                "days_late": None,
            }
            for k, u in enumerate(UNITS)
            for m in range(1, 12)
        ]
    )


def _heat() -> pl.DataFrame:
    return pl.DataFrame(
        [{"unit": u, "industry": i, "cases": 10 * k + j} for k, u in enumerate(UNITS) for j, i in enumerate(INDUSTRIES)]
    )


# Every builder of dashboard/charts.py, with the long titles and subtitles the pages give them.
BUILDERS = {
    "cases_and_rates": lambda: charts.cases_and_rates(
        _trend(),
        "受理、结案、调解成功与成功率",
        subtitle="柱：件数（左轴）· 线：比率（右轴）",
        rate_targets={"mediation_share": (0.555, "占比目标 55.5%")},
    ),
    "count_lines": lambda: charts.count_lines(
        _trend(),
        ["accepted_total", "closed_total", "succeeded_total"],
        "委派委托、线上调解与协议效力确认（逐月）",
        subtitle="全省 · 2024年1月—2026年11月",
    ),
    "measure_panels": lambda: charts.measure_panels(_panels(), cols=4),
    "ranking_bars": lambda: charts.ranking_bars(
        _units(),
        "name",
        "value",
        "各单位协商调解解决占比",
        subtitle="2026年1—11月 · 竖线为各单位目标（2024年均值+10个百分点）",
        target_col="target",
        average=0.47,
    ),
    "target_bullets": lambda: charts.target_bullets(
        pl.DataFrame(
            {
                "tile": ["协商调解解决占比", "仲裁院调解中心"],
                "value": [0.475, 0.969],
                "target": [0.555, 1.0],
                "numerator": [4056, 63],
                "denominator": [8376, 65],
                "target_text": ["55.5%", "100%"],
            }
        ),
        "各项目标完成情况",
        subtitle="全省 · 协商调解解决占比为 2026年1—11月 累计，组织建设为 2026年11月 期末数 · 红色虚线为目标值",
    ),
    "grouped_bars": lambda: charts.grouped_bars(
        _kinds(),
        "label",
        {"accepted": "受理", "succeeded": "调解成功"},
        "各类调解组织受理与调解成功",
        subtitle="全省 · 2026年1—11月",
        rate_col="rate",
        rate_label="成功占受理比例",
    ),
    "heatmap": lambda: charts.heatmap(
        _heat(),
        "industry",
        "unit",
        "cases",
        "各单位 × 行业",
        subtitle="2026年1—11月 · 受理数前12的行业",
        x_order=INDUSTRIES,
        y_order=UNITS,
    ),
    "status_grid": lambda: charts.status_grid(_cells(), "附件1 调解情况 报送日历", subtitle="2026年1—11月"),
    "share_donut": lambda: charts.share_donut(
        _kinds(), "label", "accepted", "各类调解组织受理占比", subtitle="2026年1—11月累计"
    ),
}


def _line_widths(text: str, size: float) -> list[float]:
    """Each line's width in px as plotly draws it (a span's font-size counts inside the span, across <br>)."""
    widths, current = [], size
    for line in re.split(r"<br\s*/?>", text, flags=re.I):
        width = 0.0
        for token in re.split(r"(<[^>]+>)", line):
            if token.startswith("<"):
                found = re.search(r"font-size:\s*(\d+)px", token)
                current = float(found.group(1)) if found else (size if token.lower() == "</span>" else current)
            else:
                width += charts._visible_width(token) * current
        widths.append(width)
    return widths


@pytest.mark.parametrize("name", BUILDERS)
def test_every_builder_fits_a_phone(name):
    fig = phone_layout(BUILDERS[name]())
    title = fig.layout.title
    if title.text:  # the title and subtitle are wrapped to the phone's width
        assert max(_line_widths(title.text, title.font.size or 16)) <= PHONE_WIDTH, title.text
    if fig.layout.showlegend is not False and any(t.showlegend is not False and t.name for t in fig.data):
        legend = fig.layout.legend  # under the plot, never beside the title
        assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "container", 0, "bottom")
    for key, axis in fig.layout.to_plotly_json().items():
        if re.fullmatch(r"[xy]axis\d*", key):
            assert axis.get("automargin") is True, key  # tick labels and axis titles push the margins
            if axis.get("type") == "date":
                assert axis.get("dtick") is None and axis.get("nticks") == 3, key  # plotly thins the month ticks
    assert (
        len(
            {tuple(fig.layout[k].domain or (0, 1)) for k in fig.layout.to_plotly_json() if re.fullmatch(r"xaxis\d*", k)}
        )
        <= PHONE_COLUMNS
    )


@pytest.mark.parametrize("name", BUILDERS)
def test_phone_layout_keeps_the_data(name):
    def data(fig):  # a crowded heatmap's cell numbers may go, its colour bar moves; the data stay
        return [
            {
                k: v
                for k, v in t.to_plotly_json().items()
                if t.type != "heatmap" or k not in ("text", "texttemplate", "colorbar")
            }
            for t in fig.data
        ]

    assert data(phone_layout(BUILDERS[name]())) == data(BUILDERS[name]())


def test_wrap_keeps_the_text_and_breaks_after_punctuation():
    text = (
        "各项目标完成情况<br><span style='font-size:12px;color:#6b7280'>全省 · 协商调解解决占比为 2026年1—11月 累计，"
        "组织建设为 2026年11月 期末数 · 红色虚线为目标值</span>"
    )
    wrapped = charts._wrap(text, 16, 200)
    assert wrapped.replace("<br>", "") == text.replace("<br>", "")
    lines = re.split(r"<br>", re.sub(r"<span[^>]*>|</span>", "", wrapped))
    assert len(lines) == 5
    assert all(not line.startswith(("，", "）", "、", "。")) for line in lines)
    assert max(_line_widths(wrapped, 16)) <= 200


def test_small_multiples_go_two_per_row_with_their_titles():
    fig = phone_layout(charts.measure_panels(_panels(), cols=4))
    domains = [
        (tuple(fig.layout[f"xaxis{n}"].domain), tuple(fig.layout[f"yaxis{n}"].domain))
        for n in ("", *map(str, range(2, 9)))
    ]
    assert len({x for x, _ in domains}) == 2 and len({y for _, y in domains}) == 4
    for i, (a, b) in enumerate(domains):  # no two panels overlap
        for c, d in domains[i + 1 :]:
            assert a[1] <= c[0] or c[1] <= a[0] or b[1] <= d[0] or d[1] <= b[0]
    titles = {a.text: (a.x, a.y) for a in fig.layout.annotations if a.xref == "paper"}
    x, y = domains[2]  # the third panel: second row, left
    assert titles["<b>工会百人以上企业调委会</b>"] == pytest.approx((sum(x) / 2, y[1]))
    assert fig.layout.height > charts.measure_panels(_panels(), cols=4).layout.height


def test_shared_y_tick_labels_stay_on_the_left_column():
    fig = make_subplots(rows=2, cols=4, shared_yaxes=True, subplot_titles=[f"单位{i}" for i in range(8)])
    for i in range(8):
        fig.add_trace(go.Scatter(x=MONTHS, y=list(range(len(MONTHS)))), row=i // 4 + 1, col=i % 4 + 1)
    fig.update_layout(height=610)
    phone_layout(fig)
    shown = [fig.layout[f"yaxis{'' if n == 1 else n}"].showticklabels is not False for n in range(1, 9)]
    assert shown == [True, False] * 4


def test_matrix_columns_turn_upright_and_cells_drop_crowded_numbers():
    desktop = BUILDERS["heatmap"]()
    phone = phone_layout(BUILDERS["heatmap"]())
    assert phone.layout.xaxis.tickangle == -90
    assert phone.layout.margin.t > desktop.layout.margin.t
    assert phone.data[0].texttemplate is None and desktop.data[0].texttemplate == "%{text}"
    bar = phone.data[0].colorbar  # under the matrix, so the cells get the whole width
    assert (bar.orientation, bar.yref, bar.y, bar.yanchor, bar.title.text) == ("h", "container", 0, "bottom", "件数")
    grid = phone_layout(BUILDERS["status_grid"]())  # 11 months fit upright; the ✓ ✗ symbols stay
    assert grid.data[0].texttemplate == "%{text}"


def test_bar_annotations_put_the_gap_under_the_value():
    fig = phone_layout(BUILDERS["target_bullets"]())
    assert [a.text for a in fig.layout.annotations if a.xref != "paper"] == [
        "<b>96.9%</b><br>差3.1个百分点",
        "<b>47.5%</b><br>差8.0个百分点",
    ]


def test_phone_css_stacks_tiles_and_hides_the_toolbar():
    css = layout.PHONE_CSS
    assert f"@media (max-width: {layout.PHONE_MAX_WIDTH_PX}px)" in css
    block = css[css.index("@media") :]
    assert re.search(r'\[data-testid="stHorizontalBlock"\] \{ flex-wrap: wrap !important; \}', block)
    assert re.search(r'\[data-testid="stColumn"\] \{ min-width: 100% !important;', block)
    assert re.search(r"\.modebar-container \{ display: none !important; \}", block)
    assert re.search(r'\[data-testid="stElementToolbar"\] \{ display: none !important; \}', block)


def test_a_target_label_at_a_panels_top_goes_under_its_line():
    panels = _panels()
    panels[0]["targets"] = [(1.0, "2025年底 100.0%")]
    desktop, phone = charts.measure_panels(panels, cols=4), phone_layout(charts.measure_panels(panels, cols=4))

    def anchors(fig):
        return [(a.text, a.yanchor) for a in fig.layout.annotations if a.yref != "paper"][:2]

    # a target at the panel's top is labelled under its line on every screen (charts.measure_panels), and the
    # phone layout keeps it there
    assert anchors(desktop) == anchors(phone) == [("2025年底 100.0%", "top"), ("2025年底 80.0%", "bottom")]


@pytest.mark.parametrize(
    "agent, phone",
    [
        (IPHONE, True),
        (ANDROID_PHONE, True),
        (ANDROID_TABLET, False),
        (IPAD, False),
        (DESKTOP, False),
        (None, False),
        ("", False),
    ],
)
def test_phone_is_told_by_the_user_agent(agent, phone):
    assert layout.is_phone_agent(agent) is phone


def test_plotly_chart_lays_out_a_copy_for_phones(monkeypatch):
    shown = []
    monkeypatch.setattr(layout.st, "plotly_chart", lambda fig, **kwargs: shown.append((fig, kwargs)))
    fig = BUILDERS["measure_panels"]()
    before = fig.to_plotly_json()
    monkeypatch.setattr(layout, "on_phone", lambda: True)
    layout.chart(fig, "各项指标进展")
    monkeypatch.setattr(layout, "on_phone", lambda: False)
    layout.chart(fig, "各项指标进展")
    (phone, phone_kwargs), (desktop, desktop_kwargs) = shown
    assert fig.to_plotly_json() == before  # the page's figure is left alone
    assert desktop is fig and desktop_kwargs["config"]["toImageButtonOptions"]["filename"] == "各项指标进展"
    assert phone is not fig and phone.layout.height > fig.layout.height
    assert phone_kwargs["config"]["displayModeBar"] is False and phone_kwargs["width"] == "stretch"


def test_pages_show_every_chart_through_layout():
    """A page calling st.plotly_chart itself would skip the phone layout."""
    direct = []
    for page in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "plotly_chart"
                and getattr(node.func.value, "id", None) == "st"
            ):
                direct.append(f"{page.name}:{node.lineno}")
    assert direct == []


def test_screenshot_tool_emulates_a_phone_the_app_recognises():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "tools" / "screenshots.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    phone = tool.DEVICES["phone"]
    assert (phone["viewport"], phone["device_scale_factor"], phone["is_mobile"], phone["has_touch"]) == (
        {"width": 390, "height": 844},
        2,
        True,
        True,
    )
    assert layout.is_phone_agent(phone["user_agent"])  # Streamlit closes the sidebar for it, pages lay out for it
    assert [url for url, _ in tool.app_sections()[tool.PHONE_SECTION]] == [
        "overview",
        "coverage",
        "mediation",
        "disputes",
        "risk",
        "ledger",
        "submissions",
    ]
