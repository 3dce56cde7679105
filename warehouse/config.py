"""Read config/settings.toml (or MEDIATION_CONFIG) once; the warehouse path honours MEDIATION_DB.

A lake (DuckLake, warehouse/lake.py) is configured by [warehouse] catalog and data_path, or MEDIATION_CATALOG and
MEDIATION_DATA_PATH.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config" / "settings.toml"
FORMULA_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[a-z_][a-z0-9_]*)|(?P<op>[-+*/()]))")


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def settings() -> dict:
    """The settings in force (a fresh dict each call, so callers may not change the cache)."""
    path = os.environ.get("MEDIATION_CONFIG", str(DEFAULT_CONFIG))
    import copy

    return copy.deepcopy(_load(path))


def warehouse_path() -> Path:
    path = Path(os.environ.get("MEDIATION_DB") or settings()["warehouse"]["path"])
    return path if path.is_absolute() else ROOT / path


def lake_settings() -> tuple[str, str] | None:
    """(catalog, data_path) of a DuckLake warehouse, or None for the single DuckDB file (the default).

    The catalog is DuckLake's metadata database, e.g. "postgres:dbname=mediation host=db.example port=5432
    user=mediation"; data_path is the folder (or s3://…) every process shares for the lake's Parquet files. A relative
    data_path is relative to the project folder.
    """
    section = settings().get("warehouse", {})
    catalog = os.environ.get("MEDIATION_CATALOG") or section.get("catalog") or ""
    if not catalog.strip():
        return None
    data_path = os.environ.get("MEDIATION_DATA_PATH") or section.get("data_path") or ""
    if not data_path.strip():
        raise ValueError(
            "配置了 [warehouse] catalog（或 MEDIATION_CATALOG）却没有 data_path（或 MEDIATION_DATA_PATH）："
            "数据湖需要一个所有服务器共享的数据文件目录"
        )
    if "://" not in data_path and not Path(data_path).is_absolute():
        data_path = str(ROOT / data_path)
    return catalog.strip(), data_path


def archive_dir(db_path: Path) -> Path:
    """Where original files are archived: config's archive_dir, relative to the warehouse file's folder."""
    configured = Path(settings()["warehouse"].get("archive_dir", "archive"))
    return configured if configured.is_absolute() else Path(db_path).resolve().parent / configured


def compile_formula(formula: str, allowed: set[str]) -> str:
    """A config formula over column keys → SQL with quoted identifiers and division guarded by nullif.

    Only keys, numbers, + - * / and parentheses are accepted, so config cannot smuggle SQL in.
    """
    tokens, pos = [], 0
    while pos < len(formula.strip()):
        match = FORMULA_TOKEN.match(formula, pos)
        if not match or match.end() == pos:
            raise ValueError(f"公式“{formula}”中有不允许的字符（位置 {pos}）")
        pos = match.end()
        if match.group("name"):
            if match.group("name") not in allowed:
                raise ValueError(f"公式“{formula}”引用了未知列 {match.group('name')}")
            tokens.append(f'cast("{match.group("name")}" as double)')
        else:
            tokens.append(match.group("num") or match.group("op"))
        if pos >= len(formula.rstrip()):
            break
    out, i = [], 0
    while i < len(tokens):
        if tokens[i] == "/":
            # wrap the divisor (a single operand or a parenthesised group) so x/0 is NULL, not infinity
            j = i + 1
            if tokens[j] == "(":
                depth = 0
                for k in range(j, len(tokens)):
                    depth += tokens[k] == "(" and 1 or (tokens[k] == ")" and -1 or 0)
                    if depth == 0:
                        break
                divisor = " ".join(tokens[j : k + 1])
                i = k + 1
            else:
                divisor = tokens[j]
                i = j + 1
            out.append(f"/ nullif({divisor}, 0)")
            continue
        out.append(tokens[i])
        i += 1
    return " ".join(out)
