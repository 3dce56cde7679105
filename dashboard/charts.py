"""Plotly figure builders shared by the pages: Chinese titles and axes, one palette, targets as dashed lines.

Builders take polars frames and return `go.Figure`s (tested as specs, no browser needed). Pages show them with
`layout.chart(fig, "文件名")`, whose modebar downloads a PNG named in Chinese (`plotly_config`).
Conventions: rates are fractions on a percent axis (`tickformat=".0%"`); counts have thousands separators;
a target is a dashed dark-red line labelled "目标 …"; green = target met, orange = not yet, blue = no target.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Iterable, Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.format import FONT_FAMILY, HEAT_ROWS, period_label, short_name
from warehouse import labels

BLUE = "#1f5fa8"
LIGHT_BLUE = "#8fb4dc"
GREEN = "#2e9c6a"
ORANGE = "#e08a2c"
RED = "#c0392b"
PURPLE = "#7b4fa0"
GREY = "#9aa3ad"
TARGET = "#a61b1b"
# One colour per series, the same on every page.
SERIES_COLORS = {
    "accepted_total": BLUE,
    "accepted": BLUE,
    "closed_total": LIGHT_BLUE,
    "succeeded_total": GREEN,
    "succeeded": GREEN,
    "success_rate": ORANGE,
    "mediation_share": PURPLE,
    "arbitration_filed": GREY,
    # the four channels share one chart: four clearly different hues (blue, amber, purple, red)
    "court_entrusted": "#0072b2",
    "online_accepted": "#e69f00",
    "arbitration_review": "#7b4fa0",
    "judicial_confirmation": "#cc3311",
}
QUALITATIVE = [BLUE, ORANGE, GREEN, PURPLE, "#17a2b8", RED, "#8c564b", "#e377c2", GREY, "#bcbd22", "#2ca02c"]
STATUS_COLORS = {"on_time": GREEN, "superseded": "#4a90d9", "late": ORANGE, "missing": RED}


def plotly_config(filename: str) -> dict:
    """st.plotly_chart config: PNG download named in Chinese, no plotly logo, no cloud buttons."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
        "locale": "zh-CN",
    }


def style(
    fig: go.Figure, title: str | None = None, *, height: int = 380, legend: bool = True, subtitle: str | None = None
) -> go.Figure:
    """The house style: CJK font, left-aligned title (with an optional grey subtitle), light grid, legend on top."""
    text = title or ""
    if subtitle:
        text += f"<br><span style='font-size:12px;color:#6b7280'>{subtitle}</span>"
    fig.update_layout(
        title=dict(text=text, x=0.01, xanchor="left", font=dict(size=16)) if text else None,
        font=dict(family=FONT_FAMILY, size=13, color="#1f2937"),
        hoverlabel=dict(font_family=FONT_FAMILY),
        height=height,
        margin=dict(l=10, r=20, t=70 if subtitle else (52 if title else 20), b=10),
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, title_text=""),
        separators=".,",
    )
    fig.update_xaxes(showgrid=False, linecolor="#d1d5db", ticks="outside", tickcolor="#d1d5db")
    fig.update_yaxes(gridcolor="#eef0f3", zeroline=False, linecolor="#d1d5db")
    return fig


def _months(frame: pl.DataFrame) -> list[dt.date]:
    return month_dates(frame["period"].to_list())


def month_dates(periods: Iterable[str]) -> list[dt.date]:
    """'2025-03' → date(2025, 3, 1): months on a real date axis (even spacing, readable ticks)."""
    return [dt.date(int(p[:4]), int(p[5:7]), 1) for p in periods]


def month_axis(fig: go.Figure, count: int, **kwargs) -> None:
    """Ticks on a month axis: '2025年3月', every 1/3/6/12 months depending on how many months are shown."""
    step = 1 if count <= 8 else 3 if count <= 30 else 6 if count <= 60 else 12
    fig.update_xaxes(
        type="date", dtick=f"M{step}", tickformat="%Y年%-m月", hoverformat="%Y年%-m月", tickangle=0, **kwargs
    )


def _pct(value) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f}%"


def add_target_line(
    fig: go.Figure,
    value: float | None,
    label: str,
    *,
    axis: str = "y",
    row=None,
    col=None,
    secondary_y: bool | None = None,
    horizontal: bool = True,
) -> None:
    """A dashed dark-red target line with its label ('目标 80%')."""
    if value is None:
        return
    kwargs = dict(
        line_dash="dash",
        line_color=TARGET,
        line_width=1.6,
        opacity=0.9,
        annotation_text=label,
        annotation_font=dict(color=TARGET, size=11),
    )
    if row is not None:
        kwargs.update(row=row, col=col)
    if secondary_y is not None:
        kwargs.update(secondary_y=secondary_y)
    if horizontal:
        fig.add_hline(y=value, annotation_position="top right", **kwargs)
    else:
        fig.add_vline(x=value, annotation_position="top right", **kwargs)


# ------------------------------------------------------------------ trends
def cases_and_rates(
    trend: pl.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    bars: Sequence[str] = ("accepted_total", "closed_total", "succeeded_total"),
    rates: Sequence[str] = ("success_rate", "mediation_share"),
    labels: dict[str, str] | None = None,
    rate_targets: dict[str, tuple[float, str]] | None = None,
    height: int = 400,
) -> go.Figure:
    """Monthly counts as grouped bars (left axis) and rates as lines (right axis, percent).
    rate_targets: {rate column: (target value, label)} drawn as dashed lines on the right axis."""
    labels = {**DEFAULT_LABELS, **(labels or {})}
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    x = _months(trend)
    for key in bars:
        fig.add_trace(
            go.Bar(
                x=x,
                y=trend[key].to_list(),
                name=labels[key],
                marker_color=SERIES_COLORS.get(key, BLUE),
                hovertemplate="%{x}<br>" + labels[key] + "：%{y:,} 件<extra></extra>",
            ),
            secondary_y=False,
        )
    for key in rates:
        num, den = trend.get_column(f"{key}_num", default=None), trend.get_column(f"{key}_den", default=None)
        custom = list(zip(num.to_list(), den.to_list())) if num is not None and den is not None else None
        hover = "%{x}<br>" + labels[key] + "：%{y:.1%}"
        if custom:
            hover += "（%{customdata[0]:,.0f}/%{customdata[1]:,.0f}）"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=trend[key].to_list(),
                name=labels[key],
                mode="lines+markers",
                line=dict(color=SERIES_COLORS.get(key, ORANGE), width=2.5),
                marker=dict(size=6),
                customdata=custom,
                hovertemplate=hover + "<extra></extra>",
            ),
            secondary_y=True,
        )
    for _key, (value, label) in (rate_targets or {}).items():
        if value is not None and x:
            fig.add_trace(
                go.Scatter(
                    x=[x[0], x[-1]],
                    y=[value, value],
                    mode="lines",
                    name=label,
                    line=dict(color=TARGET, dash="dash", width=1.6),
                    hovertemplate=label + "<extra></extra>",
                ),
                secondary_y=True,
            )
    style(fig, title, subtitle=subtitle, height=height)
    fig.update_layout(barmode="group", bargap=0.25, hovermode="x unified")
    month_axis(fig, len(x))
    fig.update_yaxes(title_text="件数", tickformat=",", secondary_y=False, rangemode="tozero")
    top = max(
        [v for k in rates for v in trend[k].to_list() if v is not None]
        + [v for v, _ in (rate_targets or {}).values() if v is not None]
        + [0.0]
    )
    fig.update_yaxes(
        title_text="比率",
        tickformat=".0%",
        secondary_y=True,
        range=[0, 1.05 if top > 0.5 else 0.63],
        dtick=0.2 if top > 0.5 else 0.1,
        showgrid=False,
    )
    return fig


DEFAULT_LABELS = {
    "accepted_total": "受理",
    "closed_total": "结案",
    "succeeded_total": "调解成功",
    "success_rate": "调解成功率",
    "mediation_share": "协商调解解决占比",
    "arbitration_filed": "仲裁立案",
    "court_entrusted": "法院委派委托",
    "online_accepted": "线上调解受理",
    "arbitration_review": "申请仲裁审查",
    "judicial_confirmation": "申请司法确认",
    "accepted": "受理",
    "succeeded": "调解成功",
}


def count_lines(
    trend: pl.DataFrame,
    keys: Sequence[str],
    title: str,
    *,
    subtitle: str | None = None,
    labels: dict[str, str] | None = None,
    height: int = 360,
) -> go.Figure:
    """Monthly counts as lines, one per key."""
    labels = {**DEFAULT_LABELS, **(labels or {})}
    fig = go.Figure()
    x = _months(trend)
    for i, key in enumerate(keys):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=trend[key].to_list(),
                name=labels.get(key, key),
                mode="lines+markers",
                line=dict(color=SERIES_COLORS.get(key, QUALITATIVE[i % len(QUALITATIVE)]), width=2.2),
                hovertemplate="%{x}<br>" + labels.get(key, key) + "：%{y:,} 件<extra></extra>",
            )
        )
    style(fig, title, subtitle=subtitle, height=height)
    fig.update_layout(hovermode="x unified")
    month_axis(fig, len(x))
    fig.update_yaxes(title_text="件数", tickformat=",", rangemode="tozero")
    return fig


TARGET_LABEL_BELOW = 0.85  # a target at or above this rate gets its label below the dashed line


def measure_panels(
    panels: list[dict], title: str | None = None, *, cols: int = 4, subtitle: str | None = None, panel_height: int = 210
) -> go.Figure:
    """Small multiples of rates over time, one panel per measure, each with its dashed target line(s).

    panels: [{"title": str, "period": [...], "rate": [...], "numerator": [...], "denominator": [...],
              "targets": [(value, label), ...]}]
    """
    rows = max(1, math.ceil(len(panels) / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"<b>{p['title']}</b>" for p in panels],
        horizontal_spacing=0.05,
        vertical_spacing=0.22 if rows > 1 else 0.1,
    )
    # traces, axes and labels are collected and set in one go: per-subplot update calls are slow in plotly
    traces, axes, labels = [], {}, []
    for i, panel in enumerate(panels):
        n = "" if i == 0 else str(i + 1)
        x = month_dates(panel["period"])
        custom = list(zip(panel.get("numerator") or [None] * len(x), panel.get("denominator") or [None] * len(x)))
        values = panel["rate"]
        met = [t for t in panel.get("targets", []) if t[0] is not None]
        color = BLUE
        last = next((v for v in reversed(values) if v is not None), None)
        if met and last is not None:
            color = GREEN if last >= met[-1][0] - 1e-12 else ORANGE
        traces.append(
            go.Scatter(
                x=x,
                y=values,
                mode="lines",
                line=dict(color=color, width=2.4),
                showlegend=False,
                customdata=custom,
                name=panel["title"],
                xaxis=f"x{n}",
                yaxis=f"y{n}",
                hovertemplate="%{x}<br>%{y:.1%}（%{customdata[0]:,}/%{customdata[1]:,}）<extra></extra>",
            )
        )
        for j, (value, label) in enumerate(met):
            traces.append(
                go.Scatter(
                    x=[x[0], x[-1]] if x else [],
                    y=[value, value],
                    mode="lines",
                    line=dict(color=TARGET, dash="dash", width=1.4),
                    showlegend=False,
                    hovertemplate=f"{label}<extra></extra>",
                    name=label,
                    xaxis=f"x{n}",
                    yaxis=f"y{n}",
                )
            )
            if x:
                # near the top of the panel the label goes under its line, so it never runs into the panel title;
                # a second target's label sits at the other end, so two close targets never print over each other
                labels.append(
                    dict(
                        x=x[0] if j % 2 == 0 else x[-1],
                        y=value,
                        xref=f"x{n}",
                        yref=f"y{n}",
                        text=label,
                        showarrow=False,
                        xanchor="left" if j % 2 == 0 else "right",
                        yanchor="top" if value >= TARGET_LABEL_BELOW else "bottom",
                        font=dict(size=10, color=TARGET),
                    )
                )
        lo = min([v for v in values if v is not None] + [t[0] for t in met] + [1.0])
        step = 12 if len(x) <= 48 else 24 if len(x) <= 96 else 36
        axes[f"yaxis{n}"] = dict(tickformat=".0%", range=[max(0.0, lo - 0.12), 1.04])
        axes[f"xaxis{n}"] = dict(type="date", dtick=f"M{step}", tickformat="%Y年", hoverformat="%Y年%-m月", tickangle=0)
    fig.add_traces(traces)
    fig.update_annotations(font_size=12)  # the subplot titles
    fig.update_layout(annotations=list(fig.layout.annotations) + labels, **axes)
    style(fig, title, subtitle=subtitle, height=panel_height * rows + (90 if title else 40), legend=False)
    fig.update_layout(margin=dict(l=10, r=10, t=90 if subtitle else (70 if title else 30), b=10))
    return fig


# ------------------------------------------------------------------ comparisons
RANK_SHOWN = 30  # a ranking longer than this shows its best and worst halves (the whole list is in its table)
RANK_MISSING_SHOWN = 10  # and at most this many of the regions without a value
RANK_GAP = "⋯"
RANK_COLUMN = "rank_index"


def heaviest(frame: pl.DataFrame, key: str, weight: pl.Expr, limit: int = HEAT_ROWS) -> set:
    """The `limit` values of `key` whose rows add up to the most `weight` (ties by key): the rows a heat map or
    calendar of more than HEAT_ROWS rows keeps."""
    totals = frame.group_by(key).agg(weight.sum().alias("weight"))
    return set(totals.sort(["weight", key], descending=[True, False]).head(limit)[key].to_list())


def rank_window(
    data: pl.DataFrame, empty: pl.DataFrame, name_col: str, highlight: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, str | None]:
    """The rows a ranking draws: all of them when they fit; otherwise the RANK_SHOWN / 2 lowest and highest
    (`data` is sorted ascending) plus the highlighted row, and the first RANK_MISSING_SHOWN rows without a value.
    Returns (data with its place in the whole ranking in RANK_COLUMN, empty, the note on what was left out or
    None)."""
    notes = []
    total, missing = data.height, empty.height
    data = data.with_row_index(RANK_COLUMN)
    if total > RANK_SHOWN:
        half = RANK_SHOWN // 2
        keep = (pl.col(RANK_COLUMN) < half) | (pl.col(RANK_COLUMN) >= total - half)
        if highlight is not None:
            keep = keep | (pl.col(name_col) == highlight)
        data = data.filter(keep)
        notes.append(f"共 {total:,} 个，显示最高、最低各 {half} 个（完整排名见明细表）")
    if missing > RANK_MISSING_SHOWN:
        empty = empty.head(RANK_MISSING_SHOWN)
        notes.append(f"另有 {missing:,} 个未报送，列出 {RANK_MISSING_SHOWN} 个")
    return data, empty, "；".join(notes) or None


def ranking_bars(
    frame: pl.DataFrame,
    name_col: str,
    value_col: str,
    title: str,
    *,
    subtitle: str | None = None,
    percent: bool = True,
    target_col: str | None = None,
    target: float | None = None,
    target_label: str | None = None,
    average: float | None = None,
    average_label: str = "全省",
    num_col: str | None = None,
    den_col: str | None = None,
    highlight: str | None = None,
    unit: str = "件",
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars sorted best first (top). Bars are green when they meet their target (per row via target_col
    or one common target), orange when not, blue without a target; the target is a dashed line (common) or a
    dashed tick per bar (target_col); the average is a dotted grey line. Rows without a value are listed as
    '未报送' at the bottom. A long ranking keeps its head and tail (`rank_window`)."""
    data = frame.filter(pl.col(value_col).is_not_null()).sort(value_col, descending=False)
    empty = frame.filter(pl.col(value_col).is_null())
    data, empty, cut = rank_window(data, empty, name_col, highlight)
    if cut:
        subtitle = f"{subtitle} · {cut}" if subtitle else cut
    shown_names = data[name_col].to_list()
    names = [short_name(n) for n in shown_names]
    values = data[value_col].to_list()
    targets = data[target_col].to_list() if target_col else [target] * len(values)
    colors = []
    for v, t, _name in zip(values, targets, data[name_col].to_list()):
        base = BLUE if t is None else (GREEN if v >= t - 1e-12 else ORANGE)
        colors.append(base)
    text = [_pct(v) if percent else f"{v:,.0f}" for v in values]
    custom = None
    hover = "<b>%{y}</b><br>" + ("%{x:.1%}" if percent else "%{x:,} " + unit)
    if num_col and den_col:
        custom = list(zip(data[num_col].to_list(), data[den_col].to_list(), targets))
        hover += "（%{customdata[0]:,.0f}/%{customdata[1]:,.0f}）"
        if any(t is not None for t in targets):
            hover += "<br>目标：%{customdata[2]:.1%}"
    # rows left out of a long ranking: an empty row "⋯" wherever the drawn places jump
    places = data[RANK_COLUMN].to_list()
    gaps = [i for i in range(1, len(places)) if places[i] != places[i - 1] + 1]
    for n, i in enumerate(reversed(gaps)):
        names.insert(i, RANK_GAP * (len(gaps) - n))  # distinct labels: one category per gap
        for column in (values, targets, text):
            column.insert(i, None)
        colors.insert(i, GREY)
        if custom:
            custom.insert(i, (None, None, None))
        shown_names.insert(i, None)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=colors,
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=hover + "<extra></extra>",
            name=title,
        )
    )
    if highlight:
        fig.update_traces(
            marker_line_color=["#111827" if n == highlight else "rgba(0,0,0,0)" for n in shown_names],
            marker_line_width=2,
        )
    if target_col and any(t is not None for t in targets):
        fig.add_trace(
            go.Scatter(
                x=targets,
                y=names,
                mode="markers",
                name="目标",
                marker=dict(symbol="line-ns", size=18, line=dict(width=2.5, color=TARGET)),
                hovertemplate="<b>%{y}</b><br>目标：%{x:.1%}<extra></extra>",
            )
        )
    elif target is not None:
        add_target_line(fig, target, target_label or f"目标 {_pct(target)}", horizontal=False)
    if average is not None:
        fig.add_vline(
            x=average,
            line_dash="dot",
            line_color=GREY,
            line_width=1.5,
            annotation_text=f"{average_label} {_pct(average) if percent else f'{average:,.0f}'}",
            annotation_position="bottom right",
            annotation_font=dict(color="#4b5563", size=11),
        )
    if empty.height:
        missing = [short_name(n) for n in empty[name_col].to_list()]
        fig.add_trace(
            go.Bar(
                x=[0] * len(missing),
                y=missing,
                orientation="h",
                name="未报送",
                marker_color=GREY,
                text=["未报送"] * len(missing),
                textposition="outside",
                cliponaxis=False,
                hovertemplate="<b>%{y}</b><br>本期未报送<extra></extra>",
                showlegend=False,
            )
        )
        fig.update_yaxes(categoryorder="array", categoryarray=missing + names)
    style(
        fig, title, subtitle=subtitle, height=height or max(300, 34 * (len(values) + empty.height) + 110), legend=False
    )
    top = max([v for v in values if v is not None] + [t for t in targets if t is not None] + [0.0])
    if percent:
        fig.update_xaxes(tickformat=".0%", range=[0, min(1.12, max(top * 1.12, 0.1))])
    else:
        fig.update_xaxes(tickformat=",", range=[0, top * 1.15 if top else 1])
    fig.update_yaxes(showgrid=False)
    fig.update_xaxes(showgrid=True, gridcolor="#eef0f3")
    fig.update_layout(bargap=0.35)
    return fig


def target_bullets(kpis: pl.DataFrame, title: str, *, subtitle: str | None = None) -> go.Figure:
    """Progress toward target per measure: one horizontal bar per measure, its target as a dark-red tick, and
    the value with the gap written to the right. Rows need: tile, value, target, numerator, denominator,
    target_text; with a ``status`` column (queries.kpis, dashboard.targets.status) a measure past its deadline
    says so (labels.TARGET_STATUS["overdue"]) before its gap."""
    data = kpis.filter(pl.col("value").is_not_null()).reverse()
    names = data["tile"].to_list()
    values = data["value"].to_list()
    targets = data["target"].to_list()
    colors = [BLUE if t is None else (GREEN if v >= t - 1e-12 else ORANGE) for v, t in zip(values, targets)]
    statuses = data["status"].to_list() if "status" in data.columns else [None] * data.height
    custom = list(zip(data["numerator"].to_list(), data["denominator"].to_list(), data["target_text"].to_list()))
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=colors,
            textposition="none",
            customdata=custom,
            name="当前值",
            hovertemplate="<b>%{y}</b><br>%{x:.1%}（%{customdata[0]:,.0f}/%{customdata[1]:,.0f}）"
            "<br>目标：%{customdata[2]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=targets,
            y=names,
            mode="markers",
            name="目标",
            marker=dict(symbol="line-ns", size=24, line=dict(width=3, color=TARGET)),
            hovertemplate="<b>%{y}</b><br>目标：%{x:.1%}<extra></extra>",
        )
    )
    for name, v, t, color, status in zip(names, values, targets, colors, statuses):
        if t is None:
            label = _pct(v)
        elif v >= t - 1e-12:
            label = f"<b>{_pct(v)}</b>  {labels.TARGET_STATUS['reached']}"
        else:
            label = f"<b>{_pct(v)}</b>  差{abs(100 * (v - t)):.1f}个百分点"
            if status == "overdue":  # a second line: the bar's row has room, the plot's right margin has not
                label += f"<br>{labels.TARGET_STATUS['overdue']}"
        fig.add_annotation(
            x=max(v, t or 0) + 0.03,
            y=name,
            text=label,
            showarrow=False,
            xanchor="left",
            align="left",
            font=dict(size=12, color=GREEN if color == GREEN else ("#b45309" if color == ORANGE else "#1f2937")),
        )
    style(fig, title, subtitle=subtitle, height=max(280, 46 * len(names) + 100), legend=False)
    fig.update_xaxes(
        tickformat=".0%", range=[0, 1.75], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1.0], showgrid=True, gridcolor="#eef0f3"
    )
    fig.update_yaxes(showgrid=False)
    fig.update_layout(bargap=0.45)
    return fig


def grouped_bars(
    frame: pl.DataFrame,
    category_col: str,
    series: dict[str, str],
    title: str,
    *,
    subtitle: str | None = None,
    rate_col: str | None = None,
    rate_label: str | None = None,
    horizontal: bool = False,
    height: int = 360,
) -> go.Figure:
    """Counts per category as grouped bars (series: {column: label}), optionally a rate as markers on a right axis."""
    fig = make_subplots(specs=[[{"secondary_y": bool(rate_col)}]])
    cats = [short_name(c) for c in frame[category_col].to_list()]
    if rate_col and not horizontal:  # the rate is read under its category, never printed over the bars
        cats = [
            f"{c}<br><span style='color:{ORANGE}'>{_pct(v)}</span>" for c, v in zip(cats, frame[rate_col].to_list())
        ]
    for i, (col, label) in enumerate(series.items()):
        values = frame[col].to_list()
        kwargs = dict(x=values, y=cats, orientation="h") if horizontal else dict(x=cats, y=values)
        fig.add_trace(
            go.Bar(
                name=label,
                marker_color=SERIES_COLORS.get(col, QUALITATIVE[i % len(QUALITATIVE)]),
                hovertemplate="%{"
                + ("y" if horizontal else "x")
                + "}<br>"
                + label
                + "：%{"
                + ("x" if horizontal else "y")
                + ":,}<extra></extra>",
                **kwargs,
            ),
            secondary_y=False if rate_col else None,
        )
    if rate_col:
        fig.add_trace(
            go.Scatter(
                x=cats,
                y=frame[rate_col].to_list(),
                name=rate_label or rate_col,
                mode="markers",
                marker=dict(color=ORANGE, size=11, symbol="diamond"),
                hovertemplate="%{x}<br>" + (rate_label or "") + "：%{y:.1%}<extra></extra>",
            ),
            secondary_y=True,
        )
        fig.update_yaxes(
            tickformat=".0%",
            range=[0, 1.1],
            tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
            secondary_y=True,
            showgrid=False,
            title_text=rate_label,
        )
    style(fig, title, subtitle=subtitle, height=height)
    fig.update_layout(barmode="group", bargap=0.3)
    if horizontal:
        fig.update_xaxes(tickformat=",")
        fig.update_yaxes(autorange="reversed", showgrid=False)
    else:
        fig.update_yaxes(tickformat=",", title_text="件数", secondary_y=False if rate_col else None)
    return fig


def heatmap(
    frame: pl.DataFrame,
    x_col: str,
    y_col: str,
    z_col: str,
    title: str,
    *,
    subtitle: str | None = None,
    percent: bool = False,
    x_order: Iterable[str] | None = None,
    y_order: Iterable[str] | None = None,
    colorscale: str | list = "Blues",
    z_label: str = "件数",
    text: bool = True,
    height: int | None = None,
    row_limit: int = HEAT_ROWS,
    rank_col: str | None = None,
    rank_word: str = "数值",
) -> go.Figure:
    """A matrix (e.g. unit × industry) with the value written in each cell; empty cells stay blank. More than
    `row_limit` rows (the 40× warehouse's 440 units): the `row_limit` with the largest total of `rank_col`
    (default the value), in their order, and the subtitle says so."""
    xs = list(x_order) if x_order is not None else sorted(set(frame[x_col].to_list()))
    ys = list(y_order) if y_order is not None else sorted(set(frame[y_col].to_list()))
    if len(ys) > row_limit:
        top = heaviest(frame, y_col, pl.col(rank_col or z_col), row_limit)
        note = f"共 {len(ys):,} 行，显示{rank_word}最多的 {row_limit} 行"
        ys = [y for y in ys if y in top]
        subtitle = f"{subtitle} · {note}" if subtitle else note
    lookup = {(r[x_col], r[y_col]): r[z_col] for r in frame.select(x_col, y_col, z_col).to_dicts()}
    z = [[lookup.get((x, y)) for x in xs] for y in ys]
    fmt = (
        (lambda v: "" if v is None else f"{100 * v:.0f}%") if percent else (lambda v: "" if v is None else f"{v:,.0f}")
    )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[short_name(x) for x in xs],
            y=[short_name(y) for y in ys],
            colorscale=colorscale,
            xgap=2,
            ygap=2,
            text=[[fmt(v) for v in row] for row in z] if text else None,
            texttemplate="%{text}" if text else None,
            textfont=dict(size=11),
            hoverongaps=False,
            colorbar=dict(title=dict(text=z_label), tickformat=".0%" if percent else ",", thickness=12),
            hovertemplate="%{y} · %{x}<br>"
            + z_label
            + "："
            + ("%{z:.1%}" if percent else "%{z:,}")
            + "<extra></extra>",
        )
    )
    style(fig, title, subtitle=subtitle, height=height or max(320, 30 * len(ys) + 150), legend=False)
    fig.update_xaxes(side="top", tickangle=0, showgrid=False, tickfont=dict(size=11))
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(margin=dict(t=135 if subtitle else 110))
    return fig


def state_steps(
    periods: Sequence[str],
    levels: Sequence[int | None],
    level_labels: Sequence[str],
    colors: Sequence[str],
    hover: Sequence[str],
    *,
    height: int,
    marker_size: int = 13,
    title: str = "",
) -> go.Figure:
    """One thing's state month by month (a dispute's 处置状态, a task's 环节): a grey step line over the states
    (`levels` are 1-based positions in `level_labels`, None where unknown) with a coloured marker per month and
    `hover` as each marker's text."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=list(periods),
            y=list(levels),
            mode="lines",
            line=dict(shape="hv", color="#999999", width=2),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(periods),
            y=list(levels),
            mode="markers",
            showlegend=False,
            marker=dict(size=marker_size, color=list(colors), line=dict(color="white", width=1.5)),
            customdata=list(hover),
            hovertemplate="%{x}：%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=8, r=8, t=40 if title else 10, b=30),
        plot_bgcolor="white",
        yaxis=dict(
            range=[0.5, len(level_labels) + 0.5],
            tickvals=list(range(1, len(level_labels) + 1)),
            ticktext=list(level_labels),
            gridcolor="#eeeeee",
        ),
        xaxis=dict(type="category", title=None),
        font=dict(family=FONT_FAMILY),
        title=dict(text=title, x=0, font_size=14) if title else None,
    )
    return fig


def status_grid(
    cells: pl.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    y_order: Sequence[str] | None = None,
    height: int | None = None,
) -> go.Figure:
    """Submissions: units (rows) × months (columns), one colour per status (labels.SUBMISSION_STATUS), hover with who and
    when. cells needs: period, unit_name, cell_status, status_label, first_loaded_at, first_loaded_by, versions,
    days_late (one form, or several forms with `form_label` — then each column is month · form)."""
    codes = {s: i for i, s in enumerate(("on_time", "superseded", "late", "missing"))}
    multi = "form" in cells.columns and cells["form"].n_unique() > 1
    if multi:
        cells = cells.with_columns((pl.col("period") + " " + pl.col("form")).alias("_col"))
    else:
        cells = cells.with_columns(pl.col("period").alias("_col"))
    xs = sorted(set(cells["_col"].to_list()))
    ys = list(y_order) if y_order is not None else list(dict.fromkeys(cells.sort("unit_code")["unit_name"].to_list()))
    if len(ys) > HEAT_ROWS:  # the units with the most late or missing reports (dashboard.format.HEAT_ROWS)
        top = heaviest(cells, "unit_name", pl.col("cell_status").is_in(["late", "missing"]))
        note = f"共 {len(ys):,} 个单位，显示迟报、未报最多的 {HEAT_ROWS} 个"
        ys = [y for y in ys if y in top]
        cells = cells.filter(pl.col("unit_name").is_in(ys))
        subtitle = f"{subtitle} · {note}" if subtitle else note
    by = {(r["_col"], r["unit_name"]): r for r in cells.to_dicts()}
    z, text, hover = [], [], []
    symbols = {"on_time": "✓", "superseded": "↻", "late": "迟", "missing": "✗"}
    for y in ys:
        zr, tr, hr = [], [], []
        for x in xs:
            r = by.get((x, y))
            if r is None:
                zr.append(None), tr.append(""), hr.append("")
                continue
            zr.append(codes[r["cell_status"]])
            tr.append(symbols[r["cell_status"]])
            who = r.get("first_loaded_by") or "—"
            when = r["first_loaded_at"].strftime("%Y-%m-%d %H:%M") if r.get("first_loaded_at") else "—"
            extra = f"<br>{labels.LATE} {r['days_late']} 天" if r.get("days_late") else ""
            if r.get("replaced"):
                extra += (
                    f"<br>已更正：{r['replaced']} 个旧版本被替换（最近 {r.get('last_loaded_by') or '—'}，"
                    f"{r['last_loaded_at'].strftime('%Y-%m-%d %H:%M') if r.get('last_loaded_at') else '—'}）"
                )
            form = f" · {r['form_label']}" if r.get("form_label") else ""
            hr.append(
                f"<b>{y}</b> · {period_label(r['period'])}{form}<br>{r['status_label']}"
                f"<br>首次报送：{when}（{who}）{extra}"
            )
        z.append(zr), text.append(tr), hover.append(hr)
    n = len(codes)
    scale = []
    for status, i in codes.items():
        scale += [[i / n, STATUS_COLORS[status]], [(i + 1) / n, STATUS_COLORS[status]]]
    xlabels = [(f"{int(x[5:7])}月" + (f"<br>{x[8:]}" if multi else "")) if len(x) >= 7 else x for x in xs]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(len(xs))),
            y=[short_name(y) for y in ys],
            zmin=0,
            zmax=n,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
            text=text,
            texttemplate="%{text}",
            textfont=dict(color="white", size=12),
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            hoverongaps=False,
        )
    )
    for status in codes:  # legend entries
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{symbols[status]} {_STATUS_NAMES[status]}",
                marker=dict(size=12, color=STATUS_COLORS[status], symbol="square"),
            )
        )
    style(fig, title, subtitle=subtitle, height=height or max(300, 30 * len(ys) + 170))
    years = sorted({x[:4] for x in xs})
    fig.update_xaxes(
        tickmode="array",
        tickvals=list(range(len(xs))),
        ticktext=xlabels,
        side="top",
        showgrid=False,
        title_text=" / ".join(f"{y}年" for y in years),
    )
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(
        legend=dict(y=-0.02, yanchor="top", x=0, xanchor="left"), margin=dict(t=120 if subtitle else 100, b=40)
    )
    return fig


_STATUS_NAMES = labels.SUBMISSION_STATUS


def share_donut(
    frame: pl.DataFrame, label_col: str, value_col: str, title: str, *, subtitle: str | None = None, height: int = 340
) -> go.Figure:
    """Shares of a whole (e.g. cases by kind of organization)."""
    fig = go.Figure(
        go.Pie(
            labels=[short_name(v) for v in frame[label_col].to_list()],
            values=frame[value_col].to_list(),
            hole=0.55,
            sort=False,
            marker=dict(colors=QUALITATIVE),
            textinfo="percent",
            hovertemplate="%{label}<br>%{value:,} 件（%{percent}）<extra></extra>",
        )
    )
    style(fig, title, subtitle=subtitle, height=height)
    fig.update_layout(legend=dict(orientation="v", y=0.5, yanchor="middle", x=1.02, xanchor="left"))
    return fig


# ------------------------------------------------------------------ phone (390 px wide screens)
PHONE_WIDTH = 358  # CSS px a chart gets on a 390 px phone (Streamlit's side padding taken off)
PHONE_COLUMNS = 2  # small multiples: panels per row on a phone
_BREAKS = "，。；、·：）) "
_CLOSING = "，。；、：）)%"
_SCALED = ("heatmap", "choropleth", "choroplethmap", "choroplethmapbox")


def _visible_width(text: str) -> float:
    """Width of plain text in em: CJK characters are one em, Latin letters and digits about half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)


def _wrap(text: str, size: float, width: float) -> str:
    """Break plotly pseudo-HTML text (tags kept, existing <br> respected) into lines of at most `width` px,
    preferring to break after punctuation and spaces. `size` is the font size outside any
    <span style='font-size:…px'> (a subtitle), whose own size counts inside it."""
    out, line, last_break, current = [], 0.0, None, size
    for token in re.split(r"(<[^>]+>)", text):
        if token.startswith("<"):
            lowered = token.lower()
            if lowered in ("<br>", "<br/>", "<br />"):
                line, last_break = 0.0, None
            elif lowered.startswith("<span"):
                found = re.search(r"font-size:\s*(\d+(?:\.\d+)?)px", lowered)
                current = float(found.group(1)) if found else current
            elif lowered == "</span>":
                current = size
            out.append(token)
            continue
        for ch in token:
            w = _visible_width(ch) * current
            if line + w > width and line > 0 and ch not in _CLOSING:  # never start a line with "）" or "，"
                if last_break is not None and line - last_break[1] < width / 2:  # break after punctuation
                    out.insert(last_break[0] + 1, "<br>")
                    line -= last_break[1]
                else:
                    out.append("<br>")
                    line = 0.0
                last_break = None
            out.append(ch)
            line += w
            if ch in _BREAKS:
                last_break = (len(out) - 1, line)
    return "".join(out)


def _text_height(text: str, size: float) -> float:
    """Height in px of (wrapped) pseudo-HTML text: each line as tall as its font (a subtitle line: its span's)."""
    total = 0.0
    for part in re.split(r"<br\s*/?>", text, flags=re.I):
        outside = re.sub(r"<span[^>]*>.*?(</span>|$)", "", part, flags=re.I)
        sizes = [float(v) for v in re.findall(r"font-size:\s*(\d+(?:\.\d+)?)px", part)]
        total += 1.3 * (size if re.sub(r"<[^>]+>", "", outside).strip() or not sizes else max(sizes))
    return total


def _lines(text: str) -> int:
    return text.lower().replace("<br/>", "<br>").replace("<br />", "<br>").count("<br>") + 1


def _regrid(fig: go.Figure, columns: int) -> None:
    """Lay small multiples (make_subplots panels) out `columns` per row: axis domains, subplot titles, shared y
    tick labels and the figure height follow."""
    names = sorted(
        (k for k in fig.layout.to_plotly_json() if re.fullmatch(r"xaxis\d*", k)), key=lambda k: int(k[5:] or 1)
    )
    panels = [(x, "yaxis" + x[5:]) for x in names if fig.layout[x].domain and fig.layout["yaxis" + x[5:]].domain]
    cols_before = len({tuple(fig.layout[x].domain) for x, _ in panels})
    if cols_before <= columns or len(panels) <= columns:
        return
    rows_before = len({tuple(fig.layout[y].domain) for _, y in panels})
    rows = math.ceil(len(panels) / columns)
    ys = sorted({tuple(fig.layout[y].domain) for _, y in panels}, reverse=True)
    row_px = (fig.layout.height or 450) / rows_before  # keep each panel's height
    v_gap = (ys[0][0] - ys[1][1]) if len(ys) > 1 else 0.1  # fraction of the old grid's height
    gap_px = v_gap * (fig.layout.height or 450)
    height = row_px * rows + (fig.layout.margin.t or 80) * 0.3
    fig.layout.height = round(height)
    shared = any(fig.layout[y].showticklabels is False for _, y in panels)
    h_gap = 0.06 if shared else 0.17  # room for the right panel's y tick labels (100%) unless shared
    span = (1 - h_gap * (columns - 1)) / columns
    v = min(0.5, gap_px / height)
    tall = (1 - v * (rows - 1)) / rows
    moved = {}
    for i, (x, y) in enumerate(panels):
        r, c = divmod(i, columns)
        old = (sum(fig.layout[x].domain) / 2, fig.layout[y].domain[1])
        fig.layout[x].domain = [c * (span + h_gap), c * (span + h_gap) + span]
        top = 1 - r * (tall + v)
        fig.layout[y].domain = [max(0.0, top - tall), top]
        if shared:
            fig.layout[y].showticklabels = c == 0
        moved[old] = (sum(fig.layout[x].domain) / 2, top)
    for ann in fig.layout.annotations:  # the subplot titles sit centred on top of their panel
        if ann.xref == "paper" and ann.yref == "paper":
            key = next((k for k in moved if abs(k[0] - (ann.x or 0)) < 1e-6 and abs(k[1] - (ann.y or 0)) < 1e-6), None)
            if key is not None:
                ann.x, ann.y = moved[key]


def _top_labels(fig: go.Figure, key: str, width: int) -> None:
    """Column labels above a matrix (heatmap, submission calendar): a size smaller, turned upright when they
    still do not fit side by side (the top margin grows by their length, the title stays at the top), and the
    numbers in the cells dropped when the cells get too narrow for them (hover still tells)."""
    axis = fig.layout[key]
    ref = "x" + key[5:]
    cells = [t for t in fig.data if t.type == "heatmap" and (t.xaxis or "x") == ref]
    labels = [str(v) for t in cells for v in (t.x if t.x is not None else ())]
    if axis.ticktext:
        labels = [re.sub(r"<[^>]+>", " ", str(v)) for v in axis.ticktext]
    if not labels:
        return
    count = len(set(labels))
    scale = any(t.showscale is not False and not t.colorbar.orientation == "h" for t in cells)
    room = (width - (150 if scale else 70)) / count  # px per column: row labels and a colour bar take the rest
    longest = max(_visible_width(v) for v in labels)
    axis.tickfont = dict(size=10)
    if longest * 10 + 4 > room:
        axis.tickangle = -90
        fig.layout.margin.t = (fig.layout.margin.t or 80) + min(130, round(longest * 10))
    for trace in cells:
        size = trace.textfont.size if trace.textfont and trace.textfont.size else 12
        texts = [str(v) for row in (trace.text or ()) for v in (row if isinstance(row, (list, tuple)) else [row])]
        if texts and max(_visible_width(v) for v in texts) * size + 4 > room:
            trace.texttemplate, trace.text = None, None


def phone_layout(fig: go.Figure, width: int = PHONE_WIDTH) -> go.Figure:
    """The same figure made readable on a phone (`layout.plotly_chart` applies it when the viewer is on one):
    title and subtitle wrapped to the width at the top (top margin grown to fit), the legend horizontal under the
    plot, month axes with fewer ticks, crowded labels free to turn, small multiples PHONE_COLUMNS per row, a
    value label's "  gap" text under its value. Data and hover texts stay as they are."""
    _regrid(fig, PHONE_COLUMNS)
    layout = fig.layout
    margin = layout.margin
    top = margin.t if margin.t is not None else 80
    if layout.title and layout.title.text:
        size = layout.title.font.size if layout.title.font and layout.title.font.size else 16
        before = _text_height(layout.title.text, size)
        layout.title.text = _wrap(layout.title.text, size, width - 16)
        after = _text_height(layout.title.text, size)
        top = max(top + after - before, after + 14)
    layout.margin = dict(l=margin.l, r=margin.r, t=round(top), b=margin.b)
    for ann in layout.annotations:
        if not ann.text:
            continue
        if ann.xref == "paper":  # subplot titles: wrapped to their panel
            ann.text = _wrap(ann.text, ann.font.size if ann.font and ann.font.size else 12, width / PHONE_COLUMNS - 8)
        elif "  " in ann.text and ann.xanchor == "left":  # "96.9%  差3.1个百分点" beside a bar: two lines
            ann.text = ann.text.replace("  ", "<br>")
        if re.fullmatch(r"y\d*", ann.yref or "") and ann.yanchor == "bottom" and isinstance(ann.y, (int, float)):
            span = layout["yaxis" + ann.yref[1:]].range  # a target label on a line at the panel's top: under it,
            if span and ann.y >= span[1] - 0.1 * (span[1] - span[0]):  # clear of the panel's title
                ann.yanchor = "top"
    bars = [t.colorbar for t in fig.data if t.type in _SCALED and t.showscale is not False and not t.coloraxis]
    if any(t.coloraxis for t in fig.data if t.type in _SCALED) and layout.coloraxis.showscale is not False:
        bars.append(layout.coloraxis.colorbar)  # maps share one colour axis
    if bars and not any(t.showlegend for t in fig.data if t.type not in _SCALED):
        for bar in bars:  # the colour bar under the map or matrix: the plot gets the whole width
            bar.update(
                orientation="h",
                x=0,
                xanchor="left",
                xref="container",
                y=0,
                yanchor="bottom",
                yref="container",
                thickness=10,
                len=min(1.0, 270 / width),
                title_side="right",
            )
        layout.height = (layout.height or 450) + 60
        layout.margin.b = (layout.margin.b or 0) + 60
    names = [str(label) for t in fig.data if t.type == "pie" for label in (t.labels or ())]
    names += [t.name for t in fig.data if t.type != "pie" and t.name and t.showlegend is not False]
    if layout.showlegend is not False and names:
        # plotly packs a horizontal legend into the plot area's width (about 3/4 of the figure's here)
        entry = max(_visible_width(n) for n in names) * 11 + 50  # symbol, text at 11 px, gap
        layout.legend = dict(
            orientation="h",
            xref="container",
            x=0,
            xanchor="left",
            yref="container",
            y=0,
            yanchor="bottom",
            title_text="",
            font=dict(size=11),
            traceorder="normal",
        )
        rows = math.ceil(len(set(names)) / max(1, int(width * 0.75 // entry)))
        layout.height = (layout.height or 450) + 22 * rows  # the plot keeps its height above the legend
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    for key in layout.to_plotly_json():
        if not re.fullmatch(r"[xy]axis\d*", key):
            continue
        axis = layout[key]
        if axis.type == "date" and axis.dtick:
            axis.dtick, axis.nticks = None, 3  # "2025年10月" needs about 80 px
        elif key.startswith("x") and axis.tickangle == 0 and axis.type != "date":
            axis.tickangle = None  # let plotly turn crowded category labels
        if key.startswith("x") and axis.side == "top":
            _top_labels(fig, key, width)
        if axis.tickvals is not None and len(axis.tickvals) > 4 and axis.tickformat and "%" in axis.tickformat:
            axis.tickvals = axis.tickvals[::2]  # 0%, 40%, 80%: room for each label
    return fig
