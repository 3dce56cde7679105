"""Shared fixtures: every test builds its own small warehouse in a temp dir."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Our own copy of the shared acceptance samples, so a clone alone passes its tests.
SAMPLES = ROOT / "tests" / "samples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def empty_warehouse(tmp_path):
    from warehouse.db import Warehouse
    wh = Warehouse(tmp_path / "wh.duckdb")
    yield wh
    wh.close()


# ------------------------------------------------------------------ a real PostgreSQL for the lake (tests/pg.py)
@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the whole run (skips with the reason when none can be started)."""
    from pg import Cluster, Unavailable
    cluster = Cluster(port=55430 + (os.getpid() % 10))
    try:
        cluster.start()
    except Unavailable as exc:
        pytest.skip(f"没有可用的 PostgreSQL：{exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def make_lake(pg_cluster, tmp_path_factory):
    """make_lake() → a new, empty warehouse.lake.Lake: its own catalog database and data folder."""
    from warehouse.lake import Lake

    def make(name: str = "lake") -> Lake:
        make.count += 1
        database = f"{name}_{os.getpid()}_{make.count}_{uuid.uuid4().hex[:6]}"
        return Lake("postgres:" + pg_cluster.create_database(database), str(tmp_path_factory.mktemp(name) / "data"))

    make.count = 0
    return make
