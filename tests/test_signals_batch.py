"""A batch of loads refreshes the early-warning signals once at the end, with the same result as per file."""

from etl.demo_data import simulate
from etl.formdefs import load_form
from etl.ingest import ingest
from etl.regions import reference_index
from etl.template import write_workbook
from warehouse.db import Warehouse
from warehouse.signals import batched


def _three_months_of_tonghua() -> list[tuple[str, bytes, object]]:
    index = reference_index()
    files = []
    for sub in simulate("2024-01", "2024-03", seed=7):
        if sub.unit_code == "220500" and sub.form == "A":
            content = write_workbook(load_form("A"), period=sub.period, unit=index.get("220500"), data=sub.sheets)
            files.append((f"{sub.period}.xlsx", content, sub.loaded_at))
    return files


def _signals(wh: Warehouse) -> list[tuple]:
    return wh.query("select signal_id, rule, level, status, period from signals order by signal_id").rows()


def test_batched_refresh_equals_refreshing_after_every_file(tmp_path):
    files = _three_months_of_tonghua()
    one_by_one = Warehouse(tmp_path / "each.duckdb")
    for name, content, at in files:
        assert ingest(one_by_one, content, name, loaded_at=at).status == "loaded"
    in_batch = Warehouse(tmp_path / "batch.duckdb")
    with batched(in_batch) as touched:
        for name, content, at in files:
            assert ingest(in_batch, content, name, loaded_at=at).status == "loaded"
        assert _signals(in_batch) == []  # nothing is refreshed until the batch ends
    assert len(touched) == 3
    expected = _signals(one_by_one)
    assert expected, "the scenario should raise some signals"
    assert _signals(in_batch) == expected


def test_a_batch_killed_before_its_refresh_is_finished_on_the_next_open(tmp_path, monkeypatch):
    """kill -9 after the files committed but before the batch's single refresh: the loads noted what they changed
    in their own transactions, so reopening the warehouse brings signals and serving tables to a clean run's."""
    from warehouse import build

    files = _three_months_of_tonghua()
    clean = Warehouse(tmp_path / "clean.duckdb")
    for name, content, at in files:
        assert ingest(clean, content, name, loaded_at=at).status == "loaded"
    crashed = Warehouse(tmp_path / "crashed.duckdb")
    with monkeypatch.context() as dying:
        dying.setattr(build, "finish", lambda wh, touched: None)  # the process dies before the refresh
        with batched(crashed):
            for name, content, at in files:
                assert ingest(crashed, content, name, loaded_at=at).status == "loaded"
    assert _signals(crashed) == []
    assert crashed.scalar("select count(*) from build_pending") == 3
    crashed.close()
    reopened = Warehouse(tmp_path / "crashed.duckdb")
    assert _signals(reopened) == _signals(clean)
    mediation = "select period, region_code, accepted_total from page_mediation order by all"
    assert reopened.query(mediation).rows() == clean.query(mediation).rows()
    assert reopened.scalar("select count(*) from build_pending") == 0
