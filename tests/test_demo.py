"""The demo builder: the real workbook path and the --scale fast path give the same kind of warehouse."""

import datetime as dt

import duckdb

from etl.demo import build_demo


def test_scaled_demo_repeats_the_province_with_synthetic_codes_and_typed_flags(tmp_path):
    db = tmp_path / "scaled.duckdb"
    build_demo(db, first="2025-01", last="2025-01", scale=2)
    con = duckdb.connect(str(db), read_only=True)
    # the last month of a run leaves one or two units not yet reported, so compare prefixes, not counts
    prefixes = {r[0] for r in con.execute("select distinct left(region_code, 2) from v_mediation").fetchall()}
    copies = con.execute("select count(*) from v_region where region_code like '31%'").fetchall()[0][0]
    flags = con.execute(
        "select count(*) filter (where escalated), count(*) filter (where not escalated) from v_major_disputes"
    ).fetchall()[0]
    con.close()
    assert (prefixes, copies) == ({"22", "31"}, 79)
    assert flags[0] < flags[0] + flags[1]  # 否 is read as false, not as true


def test_scaled_demo_before_the_campaign_is_the_simulation_shifted_back_in_whole_years(tmp_path):
    shifted, original = tmp_path / "2017.duckdb", tmp_path / "2024.duckdb"
    build_demo(shifted, first="2017-01", last="2017-02", scale=2)
    build_demo(original, first="2024-01", last="2024-02", scale=2)

    def figures(db, year):
        con = duckdb.connect(str(db), read_only=True)
        rows = con.execute(
            """select replace(period, ?, 'YYYY'), region_code, accepted_total from v_mediation
                              order by 1, 2""",
            [year],
        ).fetchall()
        dates = con.execute("select min(year(occurred_on)), max(year(occurred_on)) from v_major_disputes").fetchall()[0]
        con.close()
        return rows, dates

    rows_2017, years_2017 = figures(shifted, "2017")
    rows_2024, _ = figures(original, "2024")
    assert rows_2017 == rows_2024 and rows_2017
    assert years_2017[1] == 2017  # incidents carry dates of the shifted months


def test_demo_refuses_months_before_the_campaign_without_scale(tmp_path, capsys):
    from etl.cli import main

    assert main(["demo", "--db", str(tmp_path / "x.duckdb"), "--from", "2017-01", "--to", "2017-02"]) == 2
    assert "2024-01" in capsys.readouterr().err


def test_demo_dates_no_load_after_its_now(tmp_path):
    """The simulation dates late reports of the last month into the next one; none may lie after now."""
    from warehouse.db import Warehouse

    now = dt.datetime(2025, 2, 3, 12, 0)
    build_demo(tmp_path / "demo.duckdb", first="2025-01", last="2025-01", scale=2, now=now)
    wh = Warehouse(tmp_path / "demo.duckdb", read_only=True)
    assert wh.scalar("select max(loaded_at) from versions") <= now
    assert wh.scalar("select count(*) from versions where loaded_at = ?", [now]) > 0  # some were dated later
    wh.close()


def test_demo_refuses_to_replace_a_warehouse_another_process_has_open(tmp_path, capsys):
    """Deleting the file under the running app would lose its next upload: the old warehouse is kept, exit 1."""
    from holder import held

    from etl.cli import main
    from warehouse.db import Warehouse

    db = tmp_path / "wh.duckdb"
    Warehouse(db).close()
    before = db.read_bytes()
    with held(db):
        code = main(["demo", "--db", str(db), "--from", "2024-01", "--to", "2024-02", "--quiet"])
    err = capsys.readouterr().err
    assert (code, db.read_bytes() == before) == (1, True)
    assert "正被另一个进程" in err and err.rstrip().endswith("演示数据仓库没有重建。")
