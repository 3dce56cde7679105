"""etl/ingest.py: one file in, one result out — never a crash, archived under a safe name, and archived as
"loaded" only when it really is in the warehouse."""

from __future__ import annotations

import pytest
from builders import TODAY, a1_row, b1_row, form_workbook

from etl import ingest as ingest_module
from etl.ingest import check, ingest, safe_name
from warehouse import config
from warehouse.db import Warehouse

GOOD = form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]})


@pytest.fixture
def wh(tmp_path):
    warehouse = Warehouse(tmp_path / "wh.duckdb")
    yield warehouse
    warehouse.close()


def archived(wh) -> dict[str, list[str]]:
    root = config.archive_dir(wh.path)
    return {
        outcome: sorted(p.name[13:] for p in (root / outcome).rglob("*") if p.is_file())
        for outcome in ("loaded", "rejected")
        if (root / outcome).exists()
    }


def test_safe_name_keeps_a_bounded_readable_name_with_its_extension():
    names = [
        "甲" * 81 + ".xlsx",
        "报表\x00.xlsx",
        "报表\n✔ 已入库.xlsx",
        "../../etc/passwd",
        "C:\\上报\\报表.xls",
        "",
        " . ",
    ]
    assert [safe_name(n) for n in names] == [
        "甲" * 38 + ".xlsx",
        "报表_.xlsx",
        "报表_✔ 已入库.xlsx",
        "passwd",
        "报表.xls",
        "文件",
        "文件",
    ]
    assert max(len(safe_name(n).encode()) for n in names) <= 120


def test_hostile_upload_names_are_archived_and_stored_safely(wh):
    names = ["甲" * 81 + ".xlsx", "通化\x00.xlsx", "通化\n✔ 已入库 伪造.xlsx"]
    results = [
        ingest(wh, form_workbook("A", {"调解情况": [a1_row("220502", "东昌区", scale=i + 1)]}), name, today=TODAY)
        for i, name in enumerate(names)
    ]
    assert [r.status for r in results] == ["loaded"] * 3
    assert archived(wh) == {"loaded": sorted(["甲" * 38 + ".xlsx", "通化_.xlsx", "通化_✔ 已入库 伪造.xlsx"])}
    assert sorted(wh.query("select file_name from files").to_series().to_list()) == archived(wh)["loaded"]


def test_a_failed_load_is_skipped_with_a_chinese_reason_and_archived_as_rejected(wh, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("模拟：磁盘已满")

    monkeypatch.setattr(ingest_module, "load_version", boom)
    result = ingest(wh, GOOD, "通化.xlsx", today=TODAY)
    assert (result.status, result.version_id, [(e.code, e.message) for e in result.errors]) == (
        "skipped",
        None,
        [
            (
                "load_failed",
                "入库时发生了意外错误，文件没有入库，数据仓库未改动。请稍后重新上传；仍然失败时请把文件发给系统管理员。",
            )
        ],
    )
    assert archived(wh) == {"rejected": ["通化.xlsx"]}


def test_a_crash_while_checking_is_that_files_result_not_an_exception(wh, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyError("模拟：解析器缺陷")

    monkeypatch.setattr(ingest_module, "parse_workbook", boom)
    preview = check(wh, GOOD, "通化.xlsx", today=TODAY)
    loaded = ingest(wh, GOOD, "通化.xlsx", today=TODAY)
    assert [(r.status, [e.code for e in r.errors]) for r in (preview, loaded)] == [("skipped", ["check_failed"])] * 2
    assert loaded.errors[0].message.startswith("读取或校验这个文件时发生了意外错误，文件没有入库")
    assert wh.scalar("select count(*) from versions") == 0


# ------------------------------------------------------------------ Batch: checked one by one, one transaction
def _batch_files():
    """Two units' March reports, then 东昌区's April report (it compares with March: depends on the batch)."""
    return [
        (form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]}), "东昌区3月.xlsx"),
        (form_workbook("A", {"调解情况": [a1_row("220202", "昌邑区")]}), "昌邑区3月.xlsx"),
        (form_workbook("B", {"组织建设": [b1_row("220502", "东昌区")]}), "东昌区组织建设3月.xlsx"),
        (form_workbook("A", {"调解情况": [a1_row("220502", "东昌区", scale=5)]}, period="2025-04"), "东昌区4月.xlsx"),
    ]


def _outcome(results, warehouse):
    figures = warehouse.query("select period, region_code, accepted_total from v_mediation order by all").rows()
    figures += warehouse.query(
        "select f.file_name, v.form, v.period, v.review_state, v.row_counts, v.warnings "
        "from versions as v join files as f using (file_id) order by v.load_seq"
    ).rows()
    figures += warehouse.query(
        "select c.form, c.period, c.region_code, f.file_name from current_versions as c "
        "join versions using (version_id) join files as f using (file_id) order by all"
    ).rows()
    figures += warehouse.query(
        "select a.form, a.period, a.region_code, f.file_name from approved_versions as a "
        "join versions using (version_id) join files as f using (file_id) order by all"
    ).rows()
    figures += warehouse.query("select action, count(*) from audit_log group by all order by all").rows()
    figures += warehouse.query("select * exclude (version_id) from raw_mediation order by all").rows()
    return (
        [(r.file, r.status, r.form, r.period, r.rows, [(w.code, w.message) for w in r.warnings]) for r in results],
        figures,
    )


def test_a_batch_gives_the_same_results_as_one_file_at_a_time(tmp_path):
    one = Warehouse(tmp_path / "one.duckdb")
    alone = [ingest(one, content, name, today=TODAY) for content, name in _batch_files()]
    many = Warehouse(tmp_path / "many.duckdb")
    batch = ingest_module.Batch(many)
    together = [r for content, name in _batch_files() for r in batch.add(content, name, today=TODAY)] + batch.flush()
    assert _outcome(together, many) == _outcome(alone, one)
    assert any(w.code for w in together[-1].warnings)  # April was checked against March: the batch wrote it first
    assert [r.status for r in together] == ["loaded"] * 4 and all(r.version_id for r in together)
    one.close()
    many.close()


def test_a_batch_checks_against_earlier_months_as_they_stand_after_each_write(tmp_path):
    """The batch keeps the previous month's rows it read for later files of the same month (etl.ingest
    _BatchHistory), and reads them again once it has written: 昌邑区's April must see the March it just wrote."""
    files = [
        (form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]}, period="2025-04"), "东昌区4月.xlsx"),
        (form_workbook("A", {"调解情况": [a1_row("220202", "昌邑区")]}), "昌邑区3月.xlsx"),
        (form_workbook("A", {"调解情况": [a1_row("220202", "昌邑区", scale=5)]}, period="2025-04"), "昌邑区4月.xlsx"),
    ]
    one = Warehouse(tmp_path / "one.duckdb")
    alone = [ingest(one, content, name, today=TODAY) for content, name in files]
    many = Warehouse(tmp_path / "many.duckdb")
    batch = ingest_module.Batch(many)
    together = [r for content, name in files for r in batch.add(content, name, today=TODAY)] + batch.flush()
    assert _outcome(together, many) == _outcome(alone, one)
    assert any(w.code for w in together[-1].warnings) and not together[0].warnings
    one.close()
    many.close()


def test_the_batch_reads_earlier_months_only_in_the_uploaders_scope(wh):
    from warehouse.load import WarehouseHistory

    for content, name in _batch_files()[:2]:  # 东昌区 and 昌邑区, March
        assert ingest(wh, content, name, today=TODAY).status == "loaded"
    both = {"220502", "220202"}
    for scope in (None, {"220502"}, {"220101"}):
        kept = ingest_module._BatchHistory(wh, scope, {}).previous_rows("mediation", "2025-03", both)
        assert kept == WarehouseHistory(wh, scope).previous_rows("mediation", "2025-03", both)
        assert set(kept) == (both if scope is None else both & scope)


def test_a_batch_writes_independent_files_in_one_transaction(wh, monkeypatch):
    groups = []
    real = ingest_module.load_versions
    monkeypatch.setattr(
        ingest_module, "load_versions", lambda warehouse, items: (groups.append(len(items)), real(warehouse, items))[1]
    )
    batch = ingest_module.Batch(wh)
    names = [name for _, name in _batch_files()]
    returned = [r.file for content, name in _batch_files() for r in batch.add(content, name, today=TODAY)]
    # April shares form and region with a waiting file: the three March files are written (and final) first
    assert (groups, returned) == ([3], names[:3])
    assert [r.file for r in batch.flush()] == names[3:]
    assert groups == [3, 1]


def test_a_failing_group_is_loaded_file_by_file_and_only_the_bad_file_fails(wh, monkeypatch):
    from warehouse import build

    real = build.after_change

    def after_change(warehouse, cur, form, period, regions, **kwargs):
        if "220202" in regions:  # 昌邑区's file
            raise RuntimeError("模拟：这个文件写入失败")
        return real(warehouse, cur, form, period, regions, **kwargs)

    monkeypatch.setattr(build, "after_change", after_change)
    batch = ingest_module.Batch(wh)
    results = [r for content, name in _batch_files()[:3] for r in batch.add(content, name, today=TODAY)] + batch.flush()
    assert [(r.file, r.status) for r in results] == [
        ("东昌区3月.xlsx", "loaded"),
        ("昌邑区3月.xlsx", "skipped"),
        ("东昌区组织建设3月.xlsx", "loaded"),
    ]
    assert results[1].errors[0].code == "load_failed" and results[1].version_id is None
    assert sorted(wh.query("select file_name from files").to_series().to_list()) == [
        "东昌区3月.xlsx",
        "东昌区组织建设3月.xlsx",
    ]
    assert archived(wh) == {"loaded": ["东昌区3月.xlsx", "东昌区组织建设3月.xlsx"], "rejected": ["昌邑区3月.xlsx"]}


def test_a_batch_writes_a_group_once_it_holds_enough_bytes(wh, monkeypatch):
    groups = []
    real = ingest_module.load_versions
    monkeypatch.setattr(
        ingest_module, "load_versions", lambda warehouse, items: (groups.append(len(items)), real(warehouse, items))[1]
    )
    files = _batch_files()[:3]
    batch = ingest_module.Batch(wh, max_bytes=len(files[0][0]) + len(files[1][0]))
    returned = [r.file for content, name in files for r in batch.add(content, name, today=TODAY)]
    assert (groups, returned) == ([2], [files[0][1], files[1][1]])
    assert [r.status for r in batch.flush()] == ["loaded"] and groups == [2, 1]
