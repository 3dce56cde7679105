"""报送情况: which unit reported which form for which month — on time, late, missing or corrected — with who and when."""

import datetime as dt

import polars as pl
import streamlit as st

from dashboard import charts, common, layout, state
from dashboard import format as fmt
from dashboard import submissions as subs
from dashboard.layout import cached
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from warehouse import labels

wh = warehouse()
viewer = current_viewer()
layout.header("报送情况", wh, f"各单位每月报表（附件1、附件2、工作台账）的报送情况；报送截止为次月{subs.due_day()}日。")
periods = cached(common.periods, wh, None)
if not periods:
    layout.empty_state("报送记录")
    st.stop()
flt = state.filters(periods, cached(common.region_choices, wh, viewer), show_industry=False, show_range=True)
start, end = flt.months
if fmt.shift_period(start, 5) > end:  # the grid reads best over half a year at least
    start = max(periods[0], fmt.shift_period(end, -11))
cells = cached(subs.grid, wh, viewer, start, end)
if not cells.height:
    layout.empty_state("报送记录")
    st.stop()

# ------------------------------------------------------------------ this month
latest = cells.filter(pl.col("period") == end)
st.markdown(f"#### {fmt.period_label(end)}报表报送情况")
summary = subs.period_summary(latest)
row = summary.row(0, named=True) if summary.height else None
c1, c2, c3, c4, c5 = st.columns(5)
if row:
    with c1:
        layout.kpi(
            "按时率",
            fmt.percent(row["on_time_rate"]),
            note=f"{labels.SUBMISSION_STATUS['on_time']} {row['on_time']}/{row['due']} 份",
            help="首次报送在截止日（次月10日，含当日）之前的报表份数 ÷ 应报份数（单位 × 报表）。来源：v_submissions。",
        )
    with c2:
        layout.kpi("按时报送", f"{row['on_time']} 份", help="首次报送在截止日之前。")
    with c3:
        layout.kpi(f"{labels.LATE}报送", f"{row['late']} 份", help="首次报送晚于截止日。")
    with c4:
        layout.kpi("尚未报送", f"{row['missing']} 份", help="截止日已过仍无任何版本。")
    with c5:
        layout.kpi(
            labels.SUBMISSION_STATUS["superseded"],
            f"{row['superseded']} 份",
            help="报送后又上传了新版本（或恢复了旧版本），原版本被替换。",
        )
missing = latest.filter(pl.col("status") == "missing")
if missing.height:
    groups = list(missing.group_by("unit_name", maintain_order=True))
    text = "；".join(f"{u}（{'、'.join(g['form_label'].to_list())}）" for (u,), g in groups[:8])
    more = f"；等 {len(groups)} 个单位" if len(groups) > 8 else ""
    st.warning(f"{fmt.period_label(end)}尚未报送：{text}{more}", icon=":material/schedule:")

# ------------------------------------------------------------------ 催报名单 (made on the due day by the service's job)
reminders = subs.reminder_list(wh, viewer)
if reminders and reminders["units"]:
    layout.section(
        "催报名单",
        f"{fmt.period_label(reminders['period'])}报表截止 {reminders['due_on']}；"
        f"名单于 {reminders['made_at']:%Y-%m-%d %H:%M} 生成，已补报的报表不再列出。",
    )
    for unit in reminders["units"]:
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.text(f"{unit['unit_name']}：未报 {'、'.join(unit['form_labels'])}")
        c2.download_button(
            "催报通知",
            subs.reminder_notice(
                unit["unit_name"],
                unit["form_labels"],
                reminders["period"],
                reminders["due_on"],
                f"{dt.date.today():%Y-%m-%d}",
            ),
            file_name=f"催报通知_{unit['unit_code']}_{reminders['period']}.txt",
            mime="text/plain",
            key=f"remind_{unit['unit_code']}",
            icon=":material/notifications:",
            width="stretch",
        )

# ------------------------------------------------------------------ grid


@st.fragment
def status_section() -> None:
    legend = "✓ {on_time} · ↻ {superseded} · 迟 {late} · ✗ {missing}".format(**labels.SUBMISSION_STATUS)
    layout.section(
        "报送日历", f"{fmt.range_label(start, end)} · 每格一个单位一个月；{legend}；鼠标移到格子上可看报送人和时间。"
    )
    forms = st.segmented_control(
        "报表", list(subs.FORM_LABELS), default="A", format_func=subs.FORM_LABELS.get, key="submissions_form"
    )
    form = forms or "A"
    data = cells.filter(pl.col("form") == form)
    layout.chart(
        charts.status_grid(data, f"{subs.FORM_LABELS[form]} 报送日历", subtitle=fmt.range_label(start, end)),
        f"报送日历_{subs.FORM_LABELS[form]}_{end}",
        key="submissions_grid",
    )


status_section()

# ------------------------------------------------------------------ per unit and month
layout.section("按时率", f"{fmt.range_label(start, end)} · 三种报表合计")
left, right = st.columns(2, gap="large")
units = subs.unit_summary(cells)
with left:
    if units.height > 1:
        layout.chart(
            charts.ranking_bars(
                units.with_columns(pl.col("on_time").cast(pl.Int64), pl.col("due").cast(pl.Int64)),
                "unit_name",
                "on_time_rate",
                "各单位按时率",
                subtitle=fmt.range_label(start, end),
                num_col="on_time",
                den_col="due",
            ),
            f"各单位按时率_{end}",
        )
    else:
        layout.no_data("当前账号只能查看本单位的报送情况。")
with right:
    months = subs.period_summary(cells)
    same_year = start[:4] == end[:4]
    fig = charts.grouped_bars(
        months.with_columns(
            pl.col("period").map_elements(lambda p: fmt.month_tick(p, same_year), return_dtype=pl.Utf8).alias("月份")
        ),
        "月份",
        {k: labels.SUBMISSION_STATUS[k] for k in ("on_time", "late", "missing")},
        "逐月报送份数",
        subtitle=fmt.range_label(start, end),
    )
    fig.update_layout(barmode="stack")
    for trace, color in zip(fig.data, (charts.GREEN, charts.ORANGE, charts.RED)):
        trace.marker.color = color
    layout.chart(fig, f"逐月报送份数_{end}")

with st.expander("各单位汇总（可下载）"):
    layout.table(
        units.select("unit_name", "due", "on_time", "late", "missing", "superseded", "on_time_rate"),
        f"各单位报送汇总_{fmt.range_label(start, end)}",
        headers={"unit_name": "单位", "due": "应报份数", **labels.SUBMISSION_STATUS, "on_time_rate": "按时率"},
        column_config={"按时率": layout.percent_column()},
        key="dl_units",
    )

# ------------------------------------------------------------------ detail
layout.section("报送明细", "每个单位、每月、每种报表一行：首次报送的时间和报送人、迟报天数、版本数和最近一次报送。")
# computed and sent only while open: at 40× the list is 13,200 rows (2 MB) that most visits never read
detail = st.expander(f"逐格明细（{cells.height:,} 行，可下载）", key="submissions_detail", on_change="rerun")
if detail.open:
    with detail:
        shown = cells.sort(["period", "unit_code", "form"], descending=[True, False, False])
        layout.table(subs.detail_table(shown), f"报送明细_{fmt.range_label(start, end)}", height=420, key="dl_detail")
