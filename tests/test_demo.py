"""The demo builder: the real workbook path and the --scale fast path give the same kind of warehouse."""
import duckdb

from etl.demo import build_demo


def test_scaled_demo_repeats_the_province_with_synthetic_codes_and_typed_flags(tmp_path):
    db = tmp_path / "scaled.duckdb"
    build_demo(db, first="2025-01", last="2025-01", scale=2)
    con = duckdb.connect(str(db), read_only=True)
    # the last month of a run leaves one or two units not yet reported, so compare prefixes, not counts
    prefixes = {r[0] for r in con.execute("select distinct left(region_code, 2) from v_mediation").fetchall()}
    copies = con.execute("select count(*) from v_region where region_code like '31%'").fetchall()[0][0]
    flags = con.execute("select count(*) filter (where escalated), count(*) filter (where not escalated) from v_major_disputes").fetchall()[0]
    con.close()
    assert (prefixes, copies) == ({"22", "31"}, 79)
    assert flags[0] < flags[0] + flags[1]  # 否 is read as false, not as true
