"""Chinese number formats and definition texts (dashboard/format.py)."""

from __future__ import annotations

import math

from dashboard import format as fmt


def test_counts_money_rates():
    assert [fmt.count(12345), fmt.count(12345.4, " 件"), fmt.count(None), fmt.count(math.nan)] == [
        "12,345",
        "12,345 件",
        "—",
        "—",
    ]
    assert [fmt.money_wan(1234.5), fmt.money_wan(None)] == ["1,234.50 万元", "—"]
    assert [fmt.rate(0.725), fmt.rate(0.725, 29, 40), fmt.rate(None, 0, 0), fmt.rate(None, 3, 0), fmt.rate(None)] == [
        "72.5%",
        "72.5%（29/40）",
        "—",
        "—",
        "—",
    ]
    assert [fmt.percent(0.7256), fmt.percent(1), fmt.percent(None)] == ["72.6%", "100.0%", "—"]


def test_changes():
    assert [fmt.points(0.034), fmt.points(-0.0051), fmt.points(None)] == ["+3.4 个百分点", "-0.5 个百分点", "—"]
    # a change that rounds to 0.0 is 持平, never "-0.0" with a down arrow
    assert [fmt.points(-0.0004), fmt.points(0.0), fmt.change_pct(9999, 10000), fmt.change_pct(100, 100)] == [
        "持平",
        "持平",
        "持平",
        "持平",
    ]
    assert [fmt.change_pct(110, 100), fmt.change_pct(90, 100), fmt.change_pct(5, 0), fmt.change_pct(None, 3)] == [
        "+10.0%",
        "-10.0%",
        "—",
        "—",
    ]
    assert [fmt.trend_word(0.1), fmt.trend_word(-0.1), fmt.trend_word(0), fmt.trend_word(None)] == [
        "上升",
        "下降",
        "持平",
        "",
    ]


def test_periods():
    assert [fmt.period_label("2025-03"), fmt.period_label(None)] == ["2025年3月", "—"]
    assert [
        fmt.range_label("2025-01", "2025-10"),
        fmt.range_label("2024-11", "2025-10"),
        fmt.range_label("2025-10", "2025-10"),
        fmt.range_label(None, "2025-10"),
    ] == ["2025年1—10月", "2024年11月—2025年10月", "2025年10月", "2025年10月"]
    assert [fmt.shift_period("2025-01", -1), fmt.shift_period("2025-12", 1), fmt.shift_period("2025-06", -18)] == [
        "2024-12",
        "2026-01",
        "2023-12",
    ]
    assert [fmt.month_tick("2025-03"), fmt.month_tick("2025-03", same_year=False)] == ["3月", "25年3月"]


def test_names():
    assert [fmt.short_name("延边朝鲜族自治州"), fmt.short_name("通化市"), fmt.short_name(None)] == [
        "延边州",
        "通化市",
        "—",
    ]
    assert fmt.industry_tick("C") == "C<br>制造"  # labels.INDUSTRY_SHORT, the one catalogue


def test_definitions_name_formula_and_source():
    assert (
        fmt.column_source("court_entrusted")
        == "附件1“调解情况”表第21列“法院委派委托调解案件数（件）”（列代码 court_entrusted）"
    )
    assert (
        fmt.column_source("succeeded_enterprise")
        == "附件1“调解情况”表第11列“调解成功数（件）·企业调解委员会”（列代码 succeeded_enterprise）"
    )
    text = fmt.measure_help("mediation_share", "2025年底达到 60%")
    assert "协商调解解决占比" in text and "附件1" in text
    assert "现行公式：调解成功数 ÷（受理案件数 + 仲裁机构立案受理数）；" in text  # in words, never the config's keys
    assert "settings.toml" not in text and "accepted_total" not in text
    assert "先合计分子、分母再相除" in text and text.endswith("目标：2025年底达到 60%")
    assert "附件2第6列 ÷ 第5列" in fmt.measure_help("union_100_committee")
    assert fmt.column_help("online_accepted").startswith("**线上调解受理数（件）**：附件1“调解情况”表第22列")
    assert fmt.measure_label("success_rate") == "调解成功率"
