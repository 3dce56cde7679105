"""The inner loop's marker lists name tests that exist, so `pytest -m "not slow"` never silently grows slow."""

from __future__ import annotations

from conftest import ROOT, SLOW_MODULES, SLOW_TESTS


def test_every_slow_module_and_test_named_in_conftest_exists():
    tests = ROOT / "tests"
    modules = {p.name for p in tests.rglob("test_*.py")}
    missing = sorted(m for m in SLOW_MODULES if m not in modules)
    for key in SLOW_TESTS:
        path, name = key.split("::")
        file = tests / path
        if not file.is_file() or f"def {name}(" not in file.read_text(encoding="utf-8"):
            missing.append(key)
    assert missing == []
