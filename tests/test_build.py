"""The build graph (warehouse/build.py): models in dependency order, serving tables kept current by the writes,
and nothing on the read side that writes."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from builders import a1_row, a3_row, b1_row, c1_row, form_workbook

from etl.ingest import ingest
from etl.regions import reference_index
from warehouse import build
from warehouse.db import Warehouse
from warehouse.load import restore_version

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2025, 3, 20)
WRITE_STATEMENT = re.compile(
    r"\b(create\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?(table|view|macro|sequence|index)"
    r"|insert\s+(or\s+\w+\s+)?into|delete\s+from|update\s+\w+\s+set|drop\s+(table|view|macro|sequence|index|schema)|alter\s+table)\b",
    re.I,
)


def _strings(path: Path) -> list[str]:
    """Every string literal of a module (f-string parts included): where its SQL is."""
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_dashboard_package_holds_no_statement_that_writes():
    offending = {
        f"{path.name}: {m.group(0)}"
        for path in sorted((ROOT / "dashboard").rglob("*.py"))
        for text in _strings(path)
        for m in [WRITE_STATEMENT.search(text)]
        if m
    }
    offending |= {path.name for path in (ROOT / "dashboard").rglob("*.sql")}
    assert offending == set()


def test_the_write_detector_catches_what_the_old_read_path_did():
    found = [
        bool(WRITE_STATEMENT.search(s))
        for s in (
            "create or replace table page_mediation as select 1",
            "insert into page_mart_state values (?, ?)",
            "delete from cfg_setting",
            "update versions set review_state = 'approved'",
            "select * from page_mediation",
        )
    ]
    assert found == [True, True, True, True, False]


# ------------------------------------------------------------------ dependency order
def test_every_model_is_built_after_the_models_it_reads():
    order = [m.name for m in build.models()]
    names = set(order)
    late = [
        (m.name, dep)
        for m in build.models()
        for dep in build.dependencies(m, names)
        if order.index(dep) > order.index(m.name)
    ]
    assert late == []
    assert order.index("page_submission_cells") < order.index("page_submissions")
    assert order.index("submission_due") < order.index("submission_status") < order.index("mart_submissions")


def _models_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, sql in files.items():
        (tmp_path / "models" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "models" / rel).write_text(sql, encoding="utf-8")
    return tmp_path


@pytest.fixture
def models_in(monkeypatch):
    """Point the builder at a models folder made by the test."""

    def use(tmp_path: Path, files: dict[str, str]):
        monkeypatch.setattr(build, "HERE", _models_dir(tmp_path, files))
        build.models.cache_clear()
        return build.models

    yield use
    build.models.cache_clear()


def test_order_follows_what_a_model_reads_not_its_file_name(tmp_path, models_in):
    models = models_in(
        tmp_path,
        {
            "views/a_first.sql": "create or replace view a_first as select * from z_last",
            "views/z_last.sql": "-- refresh: period\ncreate or replace view z_last as select 1 as x",
            "macros/m.sql": "create or replace macro m(x) as x + 1",
            "staging/s.sql": "create or replace view s as select m(x) from a_first",
        },
    )
    assert [m.name for m in models()] == ["m", "z_last", "a_first", "s"]


def test_a_cycle_between_models_is_an_error(tmp_path, models_in):
    models = models_in(
        tmp_path,
        {
            "views/a.sql": "create or replace view a as select * from b",
            "views/b.sql": "create or replace view b as select * from a join c using (x)",
            "views/c.sql": "create or replace view c as select 1 as x",
        },
    )
    with pytest.raises(build.BuildError, match="循环依赖"):
        models()


def test_the_contributing_guide_lists_the_build_graph_generated_from_the_code():
    guide = (ROOT / "docs" / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert build.graph_text() in guide, "run `python -m warehouse.build --graph` and paste it into docs/CONTRIBUTING.md"


# ------------------------------------------------------------------ serving tables follow every write
def _load(wh, form, period, data, unit, *, at=None):
    content = form_workbook(form, data, period=period, unit=reference_index().get(unit))
    result = ingest(wh, content, f"{unit}-{period}-{form}.xlsx", today=TODAY, loaded_at=at)
    assert result.status == "loaded", [e.message for e in result.errors]
    return result.version_id


def _serving_matches_its_definition(wh) -> dict[str, bool]:
    out = {}
    for m in build.models():
        if m.kind == "table":
            body = m.body()
            out[m.name] = wh.scalar(f"""select count(*) = 0 from (
                (select * from {m.name} except all select * from ({body}))
                union all (select * from ({body}) except all select * from {m.name}))""")
    return out


def test_serving_tables_refreshed_by_loads_restores_and_reviews_equal_a_whole_rebuild(tmp_path):
    wh = Warehouse(tmp_path / "wh.duckdb")
    first = _load(
        wh,
        "A",
        "2025-01",
        {
            "调解情况": [a1_row("220500")],
            "重大集体争议": [a3_row("220500", occurred_on=dt.date(2025, 1, 8), workers=35)],
        },
        "220500",
    )
    _load(wh, "A", "2025-01", {"调解情况": [a1_row("220500", scale=2)]}, "220500")  # supersedes the first
    _load(wh, "A", "2025-02", {"调解情况": [a1_row("220500")]}, "220500")
    _load(wh, "B", "2025-01", {"组织建设": [b1_row("220500")]}, "220500")
    _load(wh, "C", "2025-01", {"工作台账": [c1_row("220500")]}, "220500")
    restore_version(wh, first, user="admin")
    assert _serving_matches_its_definition(wh) == {m.name: True for m in build.models() if m.kind == "table"}
    assert wh.scalar("select count(*) from page_major_disputes") == 1  # the restored version's incident


def test_a_batch_of_every_form_of_a_month_leaves_the_serving_tables_equal_to_a_whole_rebuild(tmp_path):
    """The batch's one refresh makes each serving table's refresh once per month (page_submission_cells is touched
    by forms A, B and C alike): the tables must still equal their definitions."""
    from etl.ingest import Batch

    wh = Warehouse(tmp_path / "wh.duckdb")
    _load(wh, "A", "2025-01", {"调解情况": [a1_row("220500")]}, "220500")
    unit = reference_index().get("220500")
    files = [
        form_workbook("A", {"调解情况": [a1_row("220500", scale=2)]}, period="2025-02", unit=unit),
        form_workbook("B", {"组织建设": [b1_row("220500")]}, period="2025-02", unit=unit),
        form_workbook("C", {"工作台账": [c1_row("220500")]}, period="2025-02", unit=unit),
    ]
    with build.batched(wh):
        batch = Batch(wh)
        results = [r for n, content in enumerate(files) for r in batch.add(content, f"{n}.xlsx", today=TODAY)]
        results += batch.flush()
    assert [r.status for r in results] == ["loaded"] * 3
    assert _serving_matches_its_definition(wh) == {m.name: True for m in build.models() if m.kind == "table"}
    assert wh.scalar("select count(*) from page_submission_cells where period = '2025-02'") > 0


def test_a_settings_change_rebuilds_the_serving_tables_on_the_next_open(tmp_path, monkeypatch):
    wh = Warehouse(tmp_path / "wh.duckdb")
    _load(
        wh,
        "A",
        "2025-01",
        {
            "调解情况": [a1_row("220500")],
            "重大集体争议": [a3_row("220500", occurred_on=dt.date(2025, 1, 8), workers=35)],
        },
        "220500",
    )
    assert wh.scalar("select count(*) from page_major_disputes") == 1
    wh.close()
    from warehouse import config

    settings = config.settings()
    stricter = {**settings, "major_dispute": {**settings["major_dispute"], "workers_min": 100, "amount_wan_min": 1e9}}
    monkeypatch.setattr(config, "settings", lambda: stricter)
    wh = Warehouse(tmp_path / "wh.duckdb")
    assert wh.scalar("select count(*) from page_major_disputes") == 0
    wh.close()


def test_reports_as_of_keeps_each_items_latest_report_up_to_a_month_reported_within_the_window():
    import duckdb

    con = duckdb.connect()
    con.execute((ROOT / "warehouse" / "models" / "macros" / "reports_as_of.sql").read_text(encoding="utf-8"))
    con.execute(
        "create table reports as select * from (values "
        "('I1', '220523', '2025-03', '未化解'), ('I1', '220523', '2025-04', '处置中'), "
        "('I1', '220523', '2025-05', '已化解'), ('I1', '220500', '2025-03', '处置中'), "
        "('I2', '220500', '2025-01', '处置中')) as t(incident_id, region_code, period, status)"
    )
    rows = con.sql(
        "select incident_id, region_code, status, first_period, reported_period "
        "from reports_as_of('reports', 'incident_id', '2025-02', '2025-04') "
        "order by all"
    ).fetchall()
    # I1 of 220523 as of 2025-04 (its 05 report is later); same id in another region is another item;
    # I2's latest report (2025-01) is before the window's start: left out
    assert rows == [("I1", "220500", "处置中", "2025-03", "2025-03"), ("I1", "220523", "处置中", "2025-03", "2025-04")]
    assert len(con.sql("select * from reports_as_of('reports', 'incident_id', null, '2025-04')").fetchall()) == 3
