"""报送情况: each reporting unit × month × form — on time, late, missing, or corrected (superseded) — with who
and when. Testable without Streamlit.

Status of a cell (v_submissions): `on_time` / `late` by the first submission against the due day (config
[reporting] due_day of the next month), `missing` when nothing was loaded. A cell is also `superseded` (已更正)
when one of its versions was later replaced by another (a correction or a restore): `replaced` counts them.

Scope (interfaces.md §4): a unit's submission status is a unit-level fact, shown for the units whose totals the
viewer may see (province and city viewers: all units, like a ranking; a county viewer: its own unit). Who
loaded a file is detail: shown only for units inside the viewer's detail regions.
"""
from __future__ import annotations

import polars as pl

from auth import scoping
from auth.viewer import Viewer
from warehouse import config
from warehouse.db import Warehouse

STATUS_LABELS = {"on_time": "按时", "late": "逾期", "missing": "未报", "superseded": "已更正"}
STATUS_ORDER = ("on_time", "superseded", "late", "missing")
FORM_LABELS = {"A": "附件1 调解情况", "B": "附件2 组织建设", "C": "工作台账"}


def due_day() -> int:
    return int(config.settings()["reporting"]["due_day"])


def grid(wh: Warehouse, viewer: Viewer, start: str, end: str, form: str | None = None) -> pl.DataFrame:
    """One row per unit × month × form in [start, end] (months whose due day has passed, or with a load).

    Columns: period, unit_code, unit_name, form, form_label, due_on, status (on_time/late/missing),
    cell_status (status, or superseded when a version was replaced), status_label, first_loaded_at,
    first_loaded_by, versions, replaced, last_loaded_at, last_loaded_by, days_late.
    """
    index = wh.region_index()
    detail = viewer.detail_regions(index)
    unit_filter, unit_params = scoping.unit_filter(viewer, index, "s.unit_code")
    form_filter, form_params = ("true", []) if form is None else ("s.form = ?", [form])
    frame = wh.query(f"""
        select s.period, s.unit_code, s.unit_name, s.form,
               cast(cast(s.period || '-01' as date) + interval 1 month + to_days(cast(? as integer) - 1) as date) as due_on,
               s.status, s.first_loaded_at, s.first_loaded_by, s.versions, s.replaced, s.last_loaded_at, s.last_loaded_by
        from page_submissions as s
        where s.period between ? and ? and {unit_filter} and {form_filter}
        order by s.period, s.unit_code, s.form
    """, [due_day(), start, end, *unit_params, *form_params])
    hidden = [c for c in frame["unit_code"].unique().to_list() if detail is not None and c not in detail]
    if hidden:  # who loaded is detail: only for units inside the viewer's detail regions
        mask = pl.col("unit_code").is_in(hidden)
        frame = frame.with_columns(*[pl.when(mask).then(None).otherwise(pl.col(c)).alias(c)
                                     for c in ("first_loaded_by", "last_loaded_by")])
    return frame.with_columns(
        pl.col("form").replace_strict(FORM_LABELS, default=pl.col("form")).alias("form_label"),
        pl.when(pl.col("status") != "missing").then(pl.when(pl.col("replaced") > 0).then(pl.lit("superseded"))
                                                    .otherwise(pl.col("status"))).otherwise(pl.lit("missing"))
        .alias("cell_status"),
        pl.when(pl.col("first_loaded_at").is_not_null() & (pl.col("status") == "late"))
        .then((pl.col("first_loaded_at").dt.date() - pl.col("due_on")).dt.total_days()).otherwise(None)
        .cast(pl.Int32).alias("days_late"),
    ).with_columns(pl.col("cell_status").replace_strict(STATUS_LABELS).alias("status_label"))


def period_summary(cells: pl.DataFrame) -> pl.DataFrame:
    """Per month: due (cells), on_time, late, missing, superseded, on_time_rate (first submission by the due day)."""
    if not cells.height:
        return pl.DataFrame(schema={"period": pl.Utf8, "due": pl.UInt32, "on_time": pl.UInt32, "late": pl.UInt32,
                                    "missing": pl.UInt32, "superseded": pl.UInt32, "on_time_rate": pl.Float64})
    return cells.group_by("period").agg(_counts()).with_columns(
        (pl.col("on_time") / pl.col("due")).alias("on_time_rate")).sort("period")


def unit_summary(cells: pl.DataFrame) -> pl.DataFrame:
    """Per unit over the cells given: due, on_time, late, missing, superseded, on_time_rate; worst first."""
    if not cells.height:
        return pl.DataFrame(schema={"unit_code": pl.Utf8, "unit_name": pl.Utf8, "due": pl.UInt32, "on_time": pl.UInt32,
                                    "late": pl.UInt32, "missing": pl.UInt32, "superseded": pl.UInt32,
                                    "on_time_rate": pl.Float64})
    return cells.group_by("unit_code", "unit_name").agg(_counts()).with_columns(
        (pl.col("on_time") / pl.col("due")).alias("on_time_rate")).sort(["on_time_rate", "unit_code"])


def _counts() -> list[pl.Expr]:
    return [
        pl.len().alias("due"),
        (pl.col("status") == "on_time").sum().alias("on_time"),
        (pl.col("status") == "late").sum().alias("late"),
        (pl.col("status") == "missing").sum().alias("missing"),
        (pl.col("cell_status") == "superseded").sum().alias("superseded"),
    ]


def detail_table(cells: pl.DataFrame) -> pl.DataFrame:
    """The cells with Chinese headers, for the page's table and its .xlsx download."""
    return cells.select(
        pl.col("period").alias("统计期"),
        pl.col("unit_name").alias("单位"),
        pl.col("form_label").alias("报表"),
        pl.col("status_label").alias("状态"),
        pl.col("due_on").alias("截止日期"),
        pl.col("first_loaded_at").alias("首次报送时间"),
        pl.col("first_loaded_by").alias("首次报送人"),
        pl.col("days_late").alias("逾期天数"),
        pl.col("versions").alias("版本数"),
        pl.col("replaced").alias("被替换版本数"),
        pl.col("last_loaded_at").alias("最近报送时间"),
        pl.col("last_loaded_by").alias("最近报送人"),
    )
