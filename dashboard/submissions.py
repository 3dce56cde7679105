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
from warehouse import config, labels
from warehouse.db import Warehouse

STATUS_LABELS = labels.SUBMISSION_STATUS
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
    frame = wh.query(
        f"""
        select s.period, s.unit_code, s.unit_name, s.form,
               cast(cast(s.period || '-01' as date) + interval 1 month + to_days(cast(? as integer) - 1) as date) as due_on,
               s.status, s.first_loaded_at, s.first_loaded_by, s.versions, s.replaced, s.last_loaded_at, s.last_loaded_by
        from page_submissions as s
        where s.period between ? and ? and {unit_filter} and {form_filter}
        order by s.period, s.unit_code, s.form
    """,
        [due_day(), start, end, *unit_params, *form_params],
    )
    from dashboard.upload import person_names

    people = person_names(wh)  # who uploaded, by display name (as the upload and history pages say it)
    frame = frame.with_columns(*[pl.col(c).replace(people).alias(c) for c in ("first_loaded_by", "last_loaded_by")])
    hidden = [c for c in frame["unit_code"].unique().to_list() if detail is not None and c not in detail]
    if hidden:  # who loaded is detail: only for units inside the viewer's detail regions
        mask = pl.col("unit_code").is_in(hidden)
        frame = frame.with_columns(
            *[pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in ("first_loaded_by", "last_loaded_by")]
        )
    return frame.with_columns(
        pl.col("form").replace_strict(FORM_LABELS, default=pl.col("form")).alias("form_label"),
        pl.when(pl.col("status") != "missing")
        .then(pl.when(pl.col("replaced") > 0).then(pl.lit("superseded")).otherwise(pl.col("status")))
        .otherwise(pl.lit("missing"))
        .alias("cell_status"),
        pl.when(pl.col("first_loaded_at").is_not_null() & (pl.col("status") == "late"))
        .then((pl.col("first_loaded_at").dt.date() - pl.col("due_on")).dt.total_days())
        .otherwise(None)
        .cast(pl.Int32)
        .alias("days_late"),
    ).with_columns(pl.col("cell_status").replace_strict(STATUS_LABELS).alias("status_label"))


def period_summary(cells: pl.DataFrame) -> pl.DataFrame:
    """Per month: due (cells), on_time, late, missing, superseded, on_time_rate (first submission by the due day)."""
    if not cells.height:
        return pl.DataFrame(
            schema={
                "period": pl.Utf8,
                "due": pl.UInt32,
                "on_time": pl.UInt32,
                "late": pl.UInt32,
                "missing": pl.UInt32,
                "superseded": pl.UInt32,
                "on_time_rate": pl.Float64,
            }
        )
    return (
        cells.group_by("period")
        .agg(_counts())
        .with_columns((pl.col("on_time") / pl.col("due")).alias("on_time_rate"))
        .sort("period")
    )


def unit_summary(cells: pl.DataFrame) -> pl.DataFrame:
    """Per unit over the cells given: due, on_time, late, missing, superseded, on_time_rate; worst first."""
    if not cells.height:
        return pl.DataFrame(
            schema={
                "unit_code": pl.Utf8,
                "unit_name": pl.Utf8,
                "due": pl.UInt32,
                "on_time": pl.UInt32,
                "late": pl.UInt32,
                "missing": pl.UInt32,
                "superseded": pl.UInt32,
                "on_time_rate": pl.Float64,
            }
        )
    return (
        cells.group_by("unit_code", "unit_name")
        .agg(_counts())
        .with_columns((pl.col("on_time") / pl.col("due")).alias("on_time_rate"))
        .sort(["on_time_rate", "unit_code"])
    )


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
        pl.col("days_late").alias(f"{labels.LATE}天数"),
        pl.col("versions").alias("版本数"),
        pl.col("replaced").alias("被替换版本数"),
        pl.col("last_loaded_at").alias("最近报送时间"),
        pl.col("last_loaded_by").alias("最近报送人"),
    )


# ------------------------------------------------------------------ 催报 (the due-day job, service/jobs.py)
def reminder_list(wh: Warehouse, viewer: Viewer) -> dict | None:
    """The latest 催报名单 (the reminders job's run), less the forms that have arrived since, in the viewer's scope.

    {period, due_on, made_at, units: [{unit_code, unit_name, forms: [A, C], form_labels: [...]}]}; None before the
    job's first successful run. The province sees every unit; a city or county clerk only their own unit.
    """
    from service import jobs

    run = jobs.last_runs(wh).get("reminders")
    if not run or run.get("outcome") != "ok":
        return None
    result = run.get("result") or {}
    period = str(result.get("period", ""))
    still = {u["unit_code"]: set(u["forms"]) for u in jobs.missing_reports(wh, period)}
    own = None if viewer.is_province else viewer.unit_code(wh.region_index())
    units = []
    for unit in result.get("units") or []:
        code = unit.get("unit_code")
        if own is not None and code != own:
            continue
        forms = [f for f in unit.get("forms") or [] if f in still.get(code, set())]
        if forms:
            units.append(
                {
                    "unit_code": code,
                    "unit_name": unit.get("unit_name", code),
                    "forms": forms,
                    "form_labels": [FORM_LABELS.get(f, f) for f in forms],
                }
            )
    return {"period": period, "due_on": str(result.get("due_on", "")), "made_at": run.get("logged_at"), "units": units}


def reminder_notice(unit_name: str, form_labels: list[str], period: str, due_on: str, issued_on: str) -> bytes:
    """催报通知 for one unit as a plain-text document (UTF-8 with BOM so Windows Notepad and WPS open it)."""
    year, month = period.split("-")
    lines = [
        "催报通知",
        "",
        f"{unit_name}人力资源和社会保障局（劳动人事争议仲裁院）：",
        "",
        f"    按照劳动人事争议调解组织建设行动数据报送要求，{int(year)}年{int(month)}月的报表应于 {due_on} 前报送。"
        f"截至 {issued_on}，贵单位尚未报送以下报表：",
        "",
        *[f"    {i}. {label}" for i, label in enumerate(form_labels, 1)],
        "",
        "    请于收到本通知后尽快登录吉林省劳动人事争议调解监测平台，在“模板下载”页下载模板，填报后在“数据上报”页上传。"
        "如有困难，请及时与省级管理员联系。",
        "",
        "吉林省劳动人事争议调解监测平台",
        issued_on,
        "",
    ]
    return ("\ufeff" + "\r\n".join(lines)).encode("utf-8")
