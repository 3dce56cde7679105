"""Versioned loads into the warehouse: supersede, restore, rejected files, one transaction per file,
roll-up identities over v_region, backup round trip, submission statuses, and the views' columns."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys

import duckdb
import pytest
from builders import TODAY, a1_row, a3_row, b1_row, form_workbook
from conftest import ROOT

from etl.ingest import ingest
from etl.regions import reference_index
from warehouse import config
from warehouse.db import Warehouse, quote_ident
from warehouse.load import history, restore_version


@pytest.fixture
def wh(tmp_path):
    warehouse = Warehouse(tmp_path / "wh.duckdb")
    yield warehouse
    warehouse.close()


def load(wh, form: str, data: dict, *, period: str = "2025-03", unit: str | None = None, name: str = "上报.xlsx", **kw):
    kw.setdefault("today", TODAY)
    content = form_workbook(form, data, period=period, unit=reference_index().get(unit) if unit else None)
    return ingest(wh, content, name, **kw)


def view_names(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'VIEW' "
            "and table_name like 'v\\_%' escape '\\' order by 1"
        ).fetchall()
    ]


def snapshot(con) -> dict:
    """Every public view's rows (sorted), and the meta tables a load writes."""
    state = {v: con.execute(f"select * from {quote_ident(v)} order by all").fetchall() for v in view_names(con)}
    for table in ("versions", "version_regions", "current_versions", "files"):
        state[table] = con.execute(f"select * from {table} order by all").fetchall()
    raw = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_name like 'raw\\_%' escape '\\' order by 1"
        ).fetchall()
    ]
    state["raw"] = {t: con.execute(f"select count(*) from {quote_ident(t)}").fetchall() for t in raw}
    return state


def mediation(wh, column: str = "accepted_total") -> dict[str, int]:
    return dict(wh.query(f"select region_code, {column} from v_mediation order by 1").rows())


TONGHUA_V1 = {
    "调解情况": [a1_row("220500", "市本级"), a1_row("220502", "东昌区", scale=2)],
    "重大集体争议": [a3_row("220502", "东昌区")],
}
TONGHUA_V2 = {"调解情况": [a1_row("220500", "市本级", scale=3), a1_row("220502", "东昌区", scale=4)]}


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """A new warehouse, only read (view definitions)."""
    warehouse = Warehouse(tmp_path_factory.mktemp("views") / "wh.duckdb")
    yield warehouse
    warehouse.close()


def test_public_views_exist(empty):
    assert view_names(empty._con) == sorted(
        [
            "v_region",
            "v_mediation",
            "v_mediation_industry",
            "v_org_building",
            "v_coverage",
            "v_major_disputes",
            "v_risk_warnings",
            "v_ledger",
            "v_submissions",
            "v_signals",
        ]
    )


# ------------------------------------------------------------------ supersede and restore


def test_supersede_shows_the_second_load_and_history_lists_both(wh):
    first = load(wh, "A", TONGHUA_V1, loaded_at=dt.datetime(2025, 4, 5, 9, 0))
    assert mediation(wh) == {"220500": 10, "220502": 20}
    assert wh.scalar("select count(*) from v_major_disputes") == 1
    second = load(wh, "A", TONGHUA_V2, loaded_at=dt.datetime(2025, 4, 8, 9, 0))
    assert (first.status, second.status) == ("loaded", "loaded") and first.version_id != second.version_id
    assert mediation(wh) == {"220500": 30, "220502": 40}
    assert wh.scalar("select count(*) from v_major_disputes") == 0, "the region's whole form A is the new file's"
    frame = history(wh)
    assert [
        (r["version_id"], r["form"], r["period"], r["regions"], r["current_regions"])
        for r in frame.iter_rows(named=True)
    ] == [
        (second.version_id, "A", "2025-03", "220500,220502", 2),
        (first.version_id, "A", "2025-03", "220500,220502", 0),
    ]


def test_restore_makes_the_first_version_current_again(wh):
    first = load(wh, "A", TONGHUA_V1, loaded_at=dt.datetime(2025, 4, 5, 9, 0))
    load(wh, "A", TONGHUA_V2, loaded_at=dt.datetime(2025, 4, 8, 9, 0))
    assert restore_version(wh, first.version_id, user="省厅管理员") == ["220500", "220502"]
    assert mediation(wh) == {"220500": 10, "220502": 20}
    assert wh.scalar("select count(*) from v_major_disputes") == 1
    assert [(r["version_id"], r["current_regions"]) for r in history(wh).iter_rows(named=True)][1] == (
        first.version_id,
        2,
    )
    assert wh.query("select actor, action, target from audit_log where action = 'restore'").rows() == [
        ("省厅管理员", "restore", first.version_id)
    ]
    with pytest.raises(KeyError):
        restore_version(wh, "nosuchversion", user="admin")


def test_supersede_is_per_region_form_and_period(wh):
    load(wh, "A", TONGHUA_V1)
    load(wh, "A", {"调解情况": [a1_row("220502", "东昌区", scale=7)]})  # only 东昌区 again
    load(wh, "A", {"调解情况": [a1_row("220500", "市本级", scale=9)]}, period="2025-02")  # another month
    load(wh, "B", {"组织建设": [b1_row("220500", "市本级")]})  # another form
    assert wh.query("select period, region_code, accepted_total from v_mediation order by all").rows() == [
        ("2025-02", "220500", 90),
        ("2025-03", "220500", 10),
        ("2025-03", "220502", 70),
    ]
    assert wh.query("select period, region_code, mediators from v_org_building").rows() == [("2025-03", "220500", 30)]


# ------------------------------------------------------------------ a rejected file changes nothing


def test_rejected_file_changes_no_view(wh):
    load(wh, "A", TONGHUA_V1)
    load(wh, "B", {"组织建设": [b1_row("220502", "东昌区", townships=13)]})
    before = snapshot(wh._con)
    assert before["v_mediation"] and before["v_org_building"] and before["v_coverage"]
    bad = dict(TONGHUA_V2)
    bad["调解情况"] = [a1_row("220500", "市本级", scale=3), a1_row("220502", "东昌区", accepted_total=999)]
    result = load(wh, "A", bad)
    assert result.status == "rejected" and result.version_id is None
    assert [e.code for e in result.errors] == ["A1_ACCEPTED_SUM"]
    assert snapshot(wh._con) == before


@pytest.mark.parametrize("where", ["_point_current", "audit"])
def test_one_transaction_per_file(wh, monkeypatch, where):
    """A failure after the raw rows are inserted (pointer move, or the audit entry at the very end) leaves
    the warehouse exactly as it was, and the file is "skipped" with a Chinese reason."""
    load(wh, "A", TONGHUA_V1)
    before = snapshot(wh._con)

    def boom(*args, **kwargs):
        raise RuntimeError("磁盘已满（模拟）")

    if where == "audit":
        monkeypatch.setattr(wh, "audit", boom)
    else:
        import warehouse.load

        monkeypatch.setattr(warehouse.load, where, boom)
    failed = load(wh, "A", TONGHUA_V2)  # ingest() reports the failure as the file's result (etl/ingest.py)
    assert (failed.status, [e.code for e in failed.errors], failed.version_id) == ("skipped", ["load_failed"], None)
    monkeypatch.undo()
    assert snapshot(wh._con) == before
    assert load(wh, "A", TONGHUA_V2).status == "loaded"  # the warehouse is usable afterwards
    assert mediation(wh) == {"220500": 30, "220502": 40}


# ------------------------------------------------------------------ roll-up identities

UNIT_ROWS = {  # one file per reporting unit; scale s gives accepted 10·s, closed 8·s, succeeded 6·s
    "220100": [("220100", "市本级", 1)],
    "220200": [("220200", "市本级", 2)],
    "220300": [("220300", "市本级", 3)],
    "220400": [("220400", "市本级", 4)],
    "220500": [("220500", "市本级", 5), ("220502", "东昌区", 6)],
    "220600": [("220600", "市本级", 7)],
    "220700": [("220700", "市本级", 8)],
    "220800": [("220800", "市本级", 9)],
    "222400": [("222400", "州本级", 10)],
    "220581": [("220581", "梅河口市", 11)],
    "229901": [("229901", "长白山管委会", 12)],
}


@pytest.fixture
def province(wh):
    for unit, rows in UNIT_ROWS.items():
        result = load(wh, "A", {"调解情况": [a1_row(c, n, scale=s) for c, n, s in rows]}, unit=unit)
        assert result.status == "loaded", [e.message for e in result.errors]
    return wh


def test_v_region_has_eleven_units(wh):
    units = wh.query("select unit_code, count(*) from v_region group by 1 order by 1").rows()
    assert [u for u, _ in units] == sorted(UNIT_ROWS)
    assert wh.scalar("select count(*) from v_region") == 79  # 80 regions less the province row
    assert wh.query(
        "select region_code, city_code, unit_code, kind from v_region where region_code in "
        "('220500', '220502', '220581', '229901') order by 1"
    ).rows() == [
        ("220500", "220500", "220500", "city"),
        ("220502", "220500", "220500", "district"),
        ("220581", "220500", "220581", "county_city"),
        ("229901", None, "229901", "special"),
    ]


def test_roll_up_identities(province):
    wh = province
    by_unit = dict(
        wh.query(
            "select r.unit_code, sum(m.accepted_total) from v_mediation m join v_region r using (region_code) "
            "group by 1 order by 1"
        ).rows()
    )
    assert by_unit == {
        "220100": 10,
        "220200": 20,
        "220300": 30,
        "220400": 40,
        "220500": 110,
        "220581": 110,
        "220600": 70,
        "220700": 80,
        "220800": 90,
        "222400": 100,
        "229901": 120,
    }
    assert sum(by_unit.values()) == wh.scalar("select sum(accepted_total) from v_mediation") == 780  # province
    # 通化 unit = 市本级 + 东昌区 (梅河口 reports on its own); 长白山 belongs to no city
    assert by_unit["220500"] == 50 + 60
    by_city = dict(
        wh.query(
            "select r.city_code, sum(m.accepted_total) from v_mediation m join v_region r using (region_code) "
            "group by 1 order by 1 nulls last"
        ).rows()
    )
    assert by_city["220500"] == 50 + 60 + 110 and by_city[None] == 120
    # rates are recomputed from summed numerators and denominators: 通化 unit 66 / 88
    rate = wh.scalar(
        "select sum(m.succeeded_total) / sum(m.closed_total) from v_mediation m join v_region r "
        "using (region_code) where r.unit_code = '220500'"
    )
    assert rate == pytest.approx(0.75)
    assert wh.query("select distinct round(success_rate, 6) from v_mediation").rows() == [(0.75,)]


def test_derived_measures_per_row(wh):
    load(wh, "A", {"调解情况": [a1_row("220502", "东昌区")]})
    assert wh.query("select success_rate, mediation_share from v_mediation").rows() == [(6 / 8, 6 / (10 + 5))]


# ------------------------------------------------------------------ backup round trip


def test_backup_and_restore_backup_round_trip(province, tmp_path):
    province.close()
    db, folder, copy = province.path, tmp_path / "backup", tmp_path / "restored" / "copy.duckdb"
    moved = tmp_path / "usb" / "backup-2025-04"  # the folder is carried to another machine or disk
    for args in (["backup", str(folder), "--db", str(db)], ["restore-backup", str(moved), "--db", str(copy)]):
        proc = subprocess.run(
            [sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        if args[0] == "backup":
            moved.parent.mkdir()
            shutil.move(folder, moved)
    snapshots = []
    for path in (db, copy):
        con = duckdb.connect(str(path), read_only=True)
        snapshots.append(snapshot(con))
        snapshots[-1]["audit"] = con.execute("select * from audit_log order by all").fetchall()
        con.close()
    assert snapshots[0]["v_mediation"] and snapshots[0]["files"]
    assert snapshots[1] == snapshots[0]
    # a second backup into a non-empty folder is refused rather than mixing two backups
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "backup", str(moved), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0


# ------------------------------------------------------------------ submission statuses


def test_submission_statuses_with_the_configured_due_day(tmp_path, monkeypatch):
    """Due day 5 (config): 通化 on the 5th (late in the evening) is on time, 白山 just after midnight is late,
    a later correction by 通化 keeps its first submission's status; the other 9 units are missing."""
    settings = tmp_path / "settings.toml"
    text = config.DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "due_day = 10" in text
    settings.write_text(text.replace("due_day = 10", "due_day = 5"), encoding="utf-8")
    monkeypatch.setenv("MEDIATION_CONFIG", str(settings))
    wh = Warehouse(tmp_path / "wh.duckdb")
    load(wh, "A", {"调解情况": [a1_row("220500", "市本级")]}, unit="220500", loaded_at=dt.datetime(2025, 4, 5, 23, 59))
    load(wh, "A", {"调解情况": [a1_row("220600", "市本级")]}, unit="220600", loaded_at=dt.datetime(2025, 4, 6, 0, 1))
    load(
        wh, "A", {"调解情况": [a1_row("220500", "市本级", scale=2)]}, unit="220500", loaded_at=dt.datetime(2025, 4, 20)
    )
    statuses = dict(
        wh.query("select region_code, status from v_submissions where period = '2025-03' and form = 'A'").rows()
    )
    assert statuses == {**{u: "missing" for u in UNIT_ROWS}, "220500": "on_time", "220600": "late"}
    assert wh.query("select distinct status from v_submissions where period = '2025-03' and form <> 'A'").rows() == [
        ("missing",)
    ]
    wh.close()


def test_submission_due_day_default_is_the_10th(wh):
    load(wh, "A", {"调解情况": [a1_row("220600", "市本级")]}, unit="220600", loaded_at=dt.datetime(2025, 4, 10, 18, 0))
    load(wh, "B", {"组织建设": [b1_row("220600", "市本级")]}, unit="220600", loaded_at=dt.datetime(2025, 4, 11, 8, 0))
    assert wh.query(
        "select form, status from v_submissions where period = '2025-03' and region_code = '220600' order by form"
    ).rows() == [("A", "on_time"), ("B", "late"), ("C", "missing")]


# ------------------------------------------------------------------ columns and types of the public views

A1_KEYS = [
    "accepted_total",
    "accepted_enterprise",
    "accepted_township",
    "accepted_arbitration",
    "accepted_chamber",
    "accepted_other",
    "closed_total",
    "succeeded_total",
    "succeeded_enterprise",
    "succeeded_township",
    "succeeded_arbitration",
    "succeeded_chamber",
    "succeeded_other",
    "workers",
    "amount_wan",
    "collective_cases",
    "collective_workers",
    "court_entrusted",
    "online_accepted",
    "arbitration_review",
    "judicial_confirmation",
    "arbitration_filed",
]
B1_KEYS = [
    "above_scale_enterprises",
    "above_scale_with_committee",
    "union_100_enterprises",
    "union_100_with_committee",
    "joint_committees",
    "parks",
    "parks_with_org",
    "small_firm_liaisons",
    "townships",
    "township_centers",
    "township_windows",
    "arbitration_courts",
    "arbitration_with_center",
    "arbitration_in_hub",
    "legal_stations",
    "chambers",
    "chambers_with_org",
    "mediators",
    "mediators_fulltime",
    "mediators_parttime",
    "mediators_rostered",
    "trained",
]
VIEW_COLUMNS = {  # interfaces.md §2 (v_mediation: 调解成功率 is the recomputed success_rate, not the file's figure)
    "v_region": "region_code, region_name, kind, city_code, unit_code, unit_name, townships_ref",
    "v_mediation": ", ".join(["period", "region_code", *A1_KEYS, "success_rate", "mediation_share"]),
    "v_mediation_industry": "period, region_code, industry_code, industry_name, accepted, succeeded, collective_cases, workers",
    "v_org_building": ", ".join(["period", "region_code", *B1_KEYS]),
    "v_coverage": "period, region_code, measure, numerator, denominator, rate, target, target_date",
    "v_major_disputes": "incident_id, region_code, occurred_on, employer, credit_code, industry_code, workers, amount_wan, "
    "dispute_type, escalated, status, resolved_on, is_major, first_period, last_period",
    "v_risk_warnings": "warning_id, region_code, found_on, employer, industry_code, risk_type, workers, amount_wan, level, "
    "owner, status, closed_on",
    "v_ledger": "region_code, task_id, task, category, lead_unit, responsible_unit, task_force_lead, playbook, target_value, "
    "done_value, due_on, step, step_name, closed_on, overdue, period",
    "v_submissions": "period, region_code, form, version_id, loaded_at, loaded_by, file_sha256, status",
    "v_signals": "signal_id, rule, level, period, region_code, industry_code, title, explanation, status, first_seen, last_seen",
}


@pytest.mark.parametrize("view", list(VIEW_COLUMNS))
def test_view_columns_are_those_of_interfaces_md(empty, view):
    columns = [r[0] for r in empty._con.execute(f"describe {view}").fetchall()]
    assert ", ".join(columns) == VIEW_COLUMNS[view]


TYPES = {
    ("v_mediation", "period"): "VARCHAR",
    ("v_mediation", "accepted_total"): "BIGINT",
    ("v_mediation", "amount_wan"): "DECIMAL(18,2)",
    ("v_mediation", "success_rate"): "DOUBLE",
    ("v_coverage", "rate"): "DOUBLE",
    ("v_major_disputes", "occurred_on"): "DATE",
    ("v_major_disputes", "escalated"): "BOOLEAN",
    ("v_major_disputes", "is_major"): "BOOLEAN",
    ("v_major_disputes", "amount_wan"): "DECIMAL(18,2)",
    ("v_ledger", "step"): "INTEGER",
    ("v_ledger", "overdue"): "BOOLEAN",
    ("v_ledger", "due_on"): "DATE",
    ("v_risk_warnings", "amount_wan"): "DECIMAL(18,2)",
}


def test_view_column_types(empty):
    got = {}
    for view, column in TYPES:
        got[(view, column)] = dict((r[0], r[1]) for r in empty._con.execute(f"describe {view}").fetchall())[column]
    assert got == TYPES


def test_money_keeps_two_places(wh):
    load(wh, "A", {"调解情况": [a1_row("220502", "东昌区", amount_wan=1234.56)]})
    assert wh._con.execute("select amount_wan::varchar from v_mediation").fetchall() == [("1234.56",)]


# ------------------------------------------------------------------ load order (issue 7)
def test_versions_are_ordered_by_load_sequence_not_by_their_dates(wh):
    """A version dated earlier than one loaded before it (a clerk's clock, the old demo's future dates) is still
    the newest: history lists it first, review does not call it superseded, the first submission stays first."""
    from warehouse import review

    data = {"调解情况": [a1_row("220500")]}
    first = load(wh, "A", data, unit="220500", loaded_at=dt.datetime(2025, 4, 8, 9, 0)).version_id
    second = load(
        wh, "A", data, unit="220500", loaded_at=dt.datetime(2025, 4, 2, 9, 0), review_state="pending"
    ).version_id
    assert history(wh)["version_id"].to_list() == [second, first]
    assert wh.query("select version_id, load_seq from versions order by load_seq").rows() == [(first, 1), (second, 2)]
    pending = review.submission(wh, second)
    assert (pending.superseded, pending.latest_regions) == (False, ["220500"])
    assert [s.version_id for s in review.submissions(wh)] == [second, first]
    assert wh.query(
        "select version_id from v_submissions where period = '2025-03' and region_code = '220500' and form = 'A'"
    ).rows() == [(first,)]


def test_a_load_is_never_dated_after_now(wh):
    later = dt.datetime.now() + dt.timedelta(days=4)
    load(wh, "A", {"调解情况": [a1_row("220500")]}, unit="220500", loaded_at=later)
    assert wh.scalar("select max(loaded_at) <= current_localtimestamp() from versions") is True
