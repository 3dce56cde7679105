"""Shared fixtures: every test builds its own small warehouse in a temp dir."""
from __future__ import annotations

import sys
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
