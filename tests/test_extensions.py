"""The DuckDB extensions come from their wheels, for the pinned duckdb version, with nothing fetched."""

import duckdb
import pytest

from warehouse import extensions


@pytest.mark.parametrize("name", sorted(extensions.WHEELS))
def test_each_wheel_holds_the_binary_for_this_duckdb(name):
    path = extensions.extension_file(name)
    assert path.is_file() and f"v{duckdb.__version__}" in path.parts


def test_load_brings_quack_with_httpfs_and_ducklake_with_postgres():
    con = extensions.connect()
    extensions.load(con, "quack", "ducklake", "postgres")
    loaded = {name for (name,) in con.execute("select extension_name from duckdb_extensions() where loaded").fetchall()}
    assert {"quack", "httpfs", "ducklake", "postgres_scanner"} <= loaded


def test_an_unknown_extension_is_refused():
    with pytest.raises(ValueError):
        extensions.extension_file("spatial")


def test_connections_never_autoinstall():
    con = extensions.connect()
    assert con.execute("select current_setting('autoinstall_known_extensions')").fetchone()[0] is False
