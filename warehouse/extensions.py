"""DuckDB extensions loaded from their installed PyPI wheels, never downloaded at run time.

A government intranet server installs from a pip mirror and never reaches DuckDB's extension site, so each
extension comes from its ``duckdb-extension-<name>`` wheel (pinned in requirements.txt to the duckdb version) and
is loaded with ``LOAD '<file>'``. ``INSTALL`` is never called.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

# The wheels' package names; postgres is published as postgres_scanner.
WHEELS = {"ducklake": "ducklake", "postgres": "postgres_scanner", "httpfs": "httpfs", "quack": "quack"}

# Loading order: an extension before the ones that need it (quack's client speaks over httpfs; ducklake's
# PostgreSQL catalog needs postgres).
NEEDS = {"quack": ("httpfs",), "ducklake": (), "postgres": (), "httpfs": ()}


class ExtensionMissing(RuntimeError):
    """An extension's wheel is not installed (or not for this duckdb version)."""


def extension_file(name: str) -> Path:
    """The ``.duckdb_extension`` file of ``name`` inside its installed wheel, for this duckdb's version."""
    if name not in WHEELS:
        raise ValueError(f"unknown extension {name!r}")
    wheel = WHEELS[name]
    spec = importlib.util.find_spec(f"duckdb_extension_{wheel}")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(
            f"未安装 DuckDB 扩展 duckdb-extension-{wheel.replace('_', '-')}（请按 requirements.txt 安装）"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{wheel}.duckdb_extension"
    if not path.is_file():
        raise ExtensionMissing(
            f"DuckDB 扩展 {wheel} 与 duckdb {duckdb.__version__} 版本不符（请按 requirements.txt 安装）"
        )
    return path


def load(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Load each named extension (and what it needs) into ``con`` from its wheel file."""
    done: set[str] = set()

    def _load(name: str) -> None:
        if name in done:
            return
        for need in NEEDS[name]:
            _load(need)
        # A path is a value, but LOAD takes no bound parameters: the path comes from our own install, and
        # single quotes are doubled all the same.
        con.execute("load '" + str(extension_file(name)).replace("'", "''") + "'")
        done.add(name)

    for name in names:
        _load(name)


def connect(database: str = ":memory:", *, read_only: bool = False, **config) -> duckdb.DuckDBPyConnection:
    """A connection that never fetches extensions from the network (autoinstall/autoload off)."""
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False, **config}
    return duckdb.connect(database, read_only=read_only, config=config)
