"""Chinese number formatting: thousands separators, 万元, rates with one decimal and their fraction."""

from __future__ import annotations

import math

from dashboard.periods import shift as shift_period  # noqa: F401  (the one month arithmetic, dashboard/periods.py)
from warehouse import labels


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(value, unit: str = "") -> str:
    """12345 → '12,345' (+ unit)."""
    if _missing(value):
        return "—"
    return f"{int(round(value)):,}{unit}"


def money_wan(value) -> str:
    """Money in 万元 with two decimals: 1234.5 → '1,234.50 万元'."""
    if _missing(value):
        return "—"
    return f"{float(value):,.2f} 万元"


def rate(value, numerator=None, denominator=None) -> str:
    """A fraction as percent with one decimal, with its numerator/denominator when given: '72.5%（29/40）'."""
    if _missing(value):
        return "—" if denominator in (None, 0) else f"—（{count(numerator)}/{count(denominator)}）"
    text = f"{100 * float(value):.1f}%"
    if numerator is not None and denominator is not None:
        text += f"（{count(numerator)}/{count(denominator)}）"
    return text


UNCHANGED = "持平"  # a change that rounds to 0.0: never "-0.0%", never an arrow


def points(delta) -> str:
    """A change of a rate in percentage points: 0.034 → '+3.4 个百分点'; under 0.05 points → '持平'."""
    if _missing(delta):
        return "—"
    if round(100 * delta, 1) == 0:
        return UNCHANGED
    return f"{100 * delta:+.1f} 个百分点"


def change_pct(current, previous) -> str:
    """Month-on-month change: '+12.3%'; '—' without a base; a change that rounds to 0.0% → '持平'."""
    if _missing(current) or _missing(previous) or not previous:
        return "—"
    change = 100 * (current - previous) / previous
    if round(change, 1) == 0:
        return UNCHANGED
    return f"{change:+.1f}%"


def period_label(period: str | None) -> str:
    """'2025-10' → '2025年10月'."""
    if not period:
        return "—"
    return f"{int(period[:4])}年{int(period[5:7])}月"


def range_label(start: str | None, end: str | None) -> str:
    """'2025-01','2025-10' → '2025年1—10月'; across years '2024年11月—2025年10月'; one month → '2025年10月'."""
    if not start or not end or start == end:
        return period_label(end or start)
    if start[:4] == end[:4]:
        return f"{int(start[:4])}年{int(start[5:7])}—{int(end[5:7])}月"
    return f"{period_label(start)}—{period_label(end)}"


def percent(value, digits: int = 1) -> str:
    """A fraction as a bare percent: 0.725 → '72.5%'."""
    if _missing(value):
        return "—"
    return f"{100 * float(value):.{digits}f}%"


def trend_word(delta, up: str = "上升", down: str = "下降", flat: str = "持平") -> str:
    """The Chinese verb for a change: 上升 / 下降 / 持平 (None → '')."""
    if _missing(delta):
        return ""
    if abs(delta) < 1e-12:
        return flat
    return up if delta > 0 else down


# Long official names shortened for chart axes (the full name stays in tables and hover texts).
SHORT_NAMES = {
    "延边朝鲜族自治州": "延边州",
    "前郭尔罗斯蒙古族自治县": "前郭县",
    "长白朝鲜族自治县": "长白县",
    "伊通满族自治县": "伊通县",
    "长白山管委会": "长白山",
}


def short_name(name: str | None) -> str:
    if not name:
        return "—"
    for full, short in SHORT_NAMES.items():
        if name.startswith(full):
            return short + name[len(full) :]
    return name


# Short industry names for narrow chart axes: the one catalogue, warehouse/labels.py.
INDUSTRY_SHORT = labels.INDUSTRY_SHORT


def industry_tick(code: str) -> str:
    """'C' → 'C<br>制造业' (two lines, for a matrix's column labels)."""
    return f"{code}<br>{INDUSTRY_SHORT.get(code, '')}"


def month_tick(period: str, same_year: bool = True) -> str:
    """'2025-03' → '3月' (within one year) or '25年3月'."""
    return f"{int(period[5:7])}月" if same_year else f"{period[2:4]}年{int(period[5:7])}月"


# Chinese headers of column keys that pages and exports share.
COLUMN_LABELS = {
    "period": "统计期",
    "region_code": "地区代码",
    "region_name": "地区",
    "unit_code": "单位代码",
    "unit_name": "单位",
    "industry_code": "行业代码",
    "industry_name": "行业",
    "form": "报表",
    "measure": "指标",
    "label": "指标",
    "numerator": "分子",
    "denominator": "分母",
    "rate": "比率",
    "target": "目标值",
    "target_date": "目标时限",
    "gap": "差距",
    "accepted_total": "受理案件数（件）",
    "closed_total": "调解结案数（件）",
    "succeeded_total": "调解成功数（件）",
    "success_rate": "调解成功率",
    "mediation_share": "协商调解解决占比",
    "workers": "涉及劳动者人数（人）",
    "amount_wan": "涉案金额（万元）",
    "collective_cases": "集体争议件数（件）",
    "collective_workers": "集体争议涉及人数（人）",
    "court_entrusted": "法院委派委托调解案件数（件）",
    "online_accepted": "线上调解受理数（件）",
    "arbitration_review": "调解协议申请仲裁审查数（件）",
    "judicial_confirmation": "调解协议申请司法确认数（件）",
    "arbitration_filed": "仲裁机构立案受理数（件）",
    "accepted": "受理案件数（件）",
    "succeeded": "调解成功数（件）",
    "status": "状态",
    "loaded_at": "报送时间",
    "loaded_by": "报送人",
}


# ------------------------------------------------------------------ definitions (help texts)
def column_source(key: str, table: str = "mediation") -> str:
    """Where a figure comes from: '附件1“调解情况”表第21列“法院委派委托调解案件数（件）”（列代码 court_entrusted）'."""
    from etl.formdefs import all_sheets

    for form, sheet in all_sheets():
        if sheet.table != table:
            continue
        for number, col in enumerate(sheet.columns, 1):
            if col.key == key:
                head = col.header + (f"·{col.sub}" if col.sub else "")
                return f"{form.attachment}“{sheet.name}”表第{number}列“{head}”（列代码 {key}）"
    return f"列代码 {key}"


def _measure(key: str) -> dict | None:
    from warehouse.db import measures

    return next((m for m in measures() if m["key"] == key), None)


def measure_label(key: str) -> str:
    found = _measure(key)
    return found["label"] if found else COLUMN_LABELS.get(key, key)


def measure_help(key: str, target: str | None = None) -> str:
    """Help text of a measure: its definition (formula and source form/column, from warehouse/measures.toml),
    the formula in force (config [measures]) for the mediation rates, and the target when given."""
    found = _measure(key)
    if found is None:
        text = column_source(key)
    else:
        text = f"**{found['label']}**：{found['definition']}"
    if key in ("success_rate", "mediation_share"):
        from warehouse import config

        formula = config.settings()["measures"][key]
        text += f"\n\n现行公式：{formula_words(formula)}；汇总时先合计分子、分母再相除。"
    elif found is not None and found.get("kind") == "coverage":
        text += "\n\n汇总时先合计分子、分母再相除（存量指标，取期末月）。"
    if target:
        text += f"\n\n目标：{target}"
    return text


def formula_words(formula: str) -> str:
    """A config formula over column keys in words: 'succeeded_total / closed_total' → '调解成功数 ÷ 调解结案数'."""
    import re

    def name(match: re.Match) -> str:
        return re.sub(r"（[^）]*）$", "", COLUMN_LABELS.get(match.group(0), match.group(0)))

    words = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", name, formula)
    words = words.replace("/", "÷").replace("*", "×")
    return re.sub(r"\s*\)", "）", re.sub(r"\s*\(\s*", "（", words))


def column_help(key: str, extra: str = "") -> str:
    """Help text of a raw count: its Chinese name and source column."""
    return f"**{COLUMN_LABELS.get(key, key)}**：{column_source(key)}。" + (f"\n\n{extra}" if extra else "")


# A heat map of more rows than this (the 40× warehouse's 440 units) draws the rows with the largest totals and
# says so; one rule for every heat map (组织建设, 调解成效, 重大集体争议, 风险预警).
HEAT_ROWS = 30

# The CJK font stack of every chart (plotly figures, maps, the Word brief's chart images).
FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
