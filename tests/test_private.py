"""The archive of uploaded originals is readable by the service account only (0700 folders, 0600 files)."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from builders import a1_row, form_workbook

from etl.ingest import ingest
from warehouse import config
from warehouse.db import Warehouse
from warehouse.private import private_dir, write_private


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The loosest umask, so only an explicit chmod can make the modes private."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_archived_originals_and_every_archive_folder_are_private_whatever_the_umask(tmp_path, open_umask):
    wh = Warehouse(tmp_path / "wh.duckdb")
    top = config.archive_dir(wh.path)
    (top / "loaded").mkdir(parents=True, mode=0o755)  # made by an earlier version, world-readable
    good = form_workbook("A", {"调解情况": [a1_row("220500", "市本级")]})
    bad = form_workbook("A", {"调解情况": [a1_row("220600", "市本级", accepted_total=11)]})
    assert [ingest(wh, content, name).status for content, name in ((good, "通化.xlsx"), (bad, "白山.xlsx"))] == [
        "loaded",
        "rejected",
    ]
    wh.close()
    today = dt.date.today().isoformat()
    # folders by their place in the archive, files by the uploaded name (after the hash prefix)
    found = {
        p.name.split("_", 1)[1] if p.is_file() else str(p.relative_to(top)): mode(p) for p in [top, *top.rglob("*")]
    }
    assert found == {
        ".": 0o700,
        "loaded": 0o700,
        f"loaded/{today}": 0o700,
        "通化.xlsx": 0o600,
        "rejected": 0o700,
        f"rejected/{today}": 0o700,
        "白山.xlsx": 0o600,
    }


def test_private_dir_leaves_the_folders_above_the_private_tree_alone(tmp_path, open_umask):
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    private_dir(shared / "archive" / "loaded", shared / "archive")
    assert [mode(p) for p in (shared, shared / "archive", shared / "archive" / "loaded")] == [0o755, 0o700, 0o700]


def test_write_private_never_overwrites_a_kept_original(tmp_path, open_umask):
    target = tmp_path / "original.xlsx"
    write_private(target, b"first")
    with pytest.raises(FileExistsError):
        write_private(target, b"second")
    assert (target.read_bytes(), mode(target)) == (b"first", 0o600)
