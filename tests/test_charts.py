"""Chart details a user noticed: no labels over bars, distinguishable channel colours, target labels clear of titles."""

from __future__ import annotations

import itertools

import polars as pl

from dashboard import charts


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def test_rates_are_read_under_their_category_not_printed_over_the_bars():
    kinds = pl.DataFrame(
        {
            "label": ["企业调解委员会", "乡镇（街道）调解中心"],
            "accepted": [120, 80],
            "succeeded": [60, 20],
            "success_share": [0.5, 0.25],
        }
    )
    fig = charts.grouped_bars(
        kinds,
        "label",
        {"accepted": "受理", "succeeded": "调解成功"},
        "各类调解组织",
        rate_col="success_share",
        rate_label="成功占受理比例",
    )
    assert [t.mode for t in fig.data if t.type == "scatter"] == ["markers"]  # no text drawn next to the diamonds
    assert all(t.text is None for t in fig.data)
    assert [c.split("<br>")[1] for c in fig.data[0].x] == [
        "<span style='color:#e08a2c'>50.0%</span>",
        "<span style='color:#e08a2c'>25.0%</span>",
    ]


def test_the_four_channels_have_clearly_different_colours():
    keys = ("court_entrusted", "online_accepted", "arbitration_review", "judicial_confirmation")
    colours = [_rgb(charts.SERIES_COLORS[k]) for k in keys]
    distance = min(sum((a - b) ** 2 for a, b in zip(p, q)) ** 0.5 for p, q in itertools.combinations(colours, 2))
    assert distance > 100, distance  # "#3c8dbc" vs "#17a2b8" (the old pair) was 43


def test_a_target_near_the_top_has_its_label_under_the_line():
    panel = {"period": ["2025-01", "2025-02"], "rate": [0.9, 0.95], "numerator": [9, 19], "denominator": [10, 20]}
    fig = charts.measure_panels(
        [
            {**panel, "title": "工会百人以上企业调委会", "targets": [(1.0, "2025年底 100.0%")]},
            {**panel, "title": "规上企业调委会", "targets": [(0.6, "2025年底 60.0%")]},
            {**panel, "title": "乡镇（街道）调解中心", "targets": [(0.8, "2024年底 80.0%"), (0.9, "2025年底 90.0%")]},
        ]
    )
    anchors = {a.text: (a.xanchor, a.yanchor) for a in fig.layout.annotations if "年底" in a.text}
    assert anchors == {
        "2025年底 100.0%": ("left", "top"),
        "2025年底 60.0%": ("left", "bottom"),
        "2024年底 80.0%": ("left", "bottom"),
        "2025年底 90.0%": ("right", "top"),
    }


def test_a_long_ranking_draws_its_best_and_worst_fifteen_the_highlighted_row_and_says_what_it_left_out():
    frame = pl.DataFrame(
        {
            "name": [f"单位{i}" for i in range(40)] + [f"未报{i}" for i in range(12)],
            "rate": [i / 50 for i in range(40)] + [None] * 12,
        }
    )
    fig = charts.ranking_bars(frame, "name", "rate", "排名", highlight="单位20")
    bars, missing = fig.data[0], fig.data[1]
    assert list(bars.y) == (
        [f"单位{i}" for i in range(15)] + ["⋯", "单位20", "⋯⋯"] + [f"单位{i}" for i in range(25, 40)]
    )  # drawn bottom up: the worst first
    assert [x is None for x in bars.x].count(True) == 2  # the gaps draw no bar
    assert list(missing.y) == [f"未报{i}" for i in range(10)]
    assert fig.layout.title.text.split("<br>")[1].endswith(
        "共 40 个，显示最高、最低各 15 个（完整排名见明细表）；另有 12 个未报送，列出 10 个</span>"
    )


def test_a_ranking_that_fits_is_drawn_whole_without_a_note():
    frame = pl.DataFrame({"name": [f"单位{i}" for i in range(30)], "rate": [i / 50 for i in range(30)]})
    fig = charts.ranking_bars(frame, "name", "rate", "排名")
    assert list(fig.data[0].y) == [f"单位{i}" for i in range(30)]
    assert fig.layout.title.text == "排名"


def test_a_heat_map_of_more_than_thirty_rows_keeps_those_with_the_largest_totals_in_their_order():
    frame = pl.DataFrame(
        {
            "unit": [f"单位{u:02d}" for u in range(40) for _ in range(2)],
            "industry": ["制造业", "建筑业"] * 40,
            "rate": [0.5] * 80,
            "accepted": [u for u in range(40) for _ in range(2)],
        }
    )
    fig = charts.heatmap(
        frame, "industry", "unit", "rate", "热力", percent=True, rank_col="accepted", rank_word="受理数"
    )
    assert list(fig.data[0].y) == [f"单位{u:02d}" for u in range(10, 40)]
    assert fig.layout.title.text.endswith("共 40 行，显示受理数最多的 30 行</span>")


def test_a_status_grid_of_more_than_thirty_units_keeps_those_with_the_most_late_or_missing_reports():
    statuses = {u: ["missing"] * (u % 3) + ["on_time"] * (3 - u % 3) for u in range(40)}
    cells = pl.DataFrame(
        [
            {
                "period": f"2025-0{m + 1}",
                "unit_code": f"22{u:04d}",
                "unit_name": f"单位{u:02d}",
                "cell_status": status,
                "status_label": status,
                "first_loaded_at": None,
                "first_loaded_by": None,
                "days_late": None,
            }
            for u, months in statuses.items()
            for m, status in enumerate(months)
        ]
    )
    fig = charts.status_grid(cells, "报送日历")
    behind = [f"单位{u:02d}" for u in range(40) if u % 3]  # 26 units with a missing report
    on_time = ["单位00", "单位03", "单位06", "单位09"]  # and, to make 30, the first of the others by name
    assert list(fig.data[0].y) == sorted(behind + on_time)  # in the order of their codes
    assert fig.layout.title.text.endswith("共 40 个单位，显示迟报、未报最多的 30 个</span>")


def test_a_state_history_steps_over_the_named_states_with_one_marker_a_month():
    fig = charts.state_steps(
        ["2025-01", "2025-02", "2025-03"],
        [1, None, 3],
        ["未化解", "处置中", "已化解"],
        ["#c00", "#999", "#0a0"],
        ["未化解", "（未报）", "已化解"],
        height=220,
    )
    line, markers = fig.data
    assert (line.line.shape, list(markers.y), list(markers.marker.color)) == (
        "hv",
        [1, None, 3],
        ["#c00", "#999", "#0a0"],
    )
    assert (list(fig.layout.yaxis.tickvals), list(fig.layout.yaxis.ticktext)) == (
        [1, 2, 3],
        ["未化解", "处置中", "已化解"],
    )
    assert list(markers.customdata) == ["未化解", "（未报）", "已化解"]
