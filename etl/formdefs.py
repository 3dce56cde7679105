"""Load the machine-readable form definitions (etl/forms/*.toml) into small typed objects."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMS_DIR = Path(__file__).resolve().parent / "forms"
UNIT_IN_BRACKETS = re.compile(r"[（(][^（）()]*[）)]$")

SQL_TYPES = {
    "region_name": "VARCHAR",
    "region_code": "VARCHAR",
    "text": "VARCHAR",
    "enum": "VARCHAR",
    "industry": "VARCHAR",
    "credit_code": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "number": "DOUBLE",
    "rate": "DOUBLE",
    "date": "DATE",
    "yesno": "BOOLEAN",
    "step": "INTEGER",
}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header texts, type and cell rules."""

    key: str
    header: str
    type: str
    sub: str | None = None
    unit: str | None = None
    required: bool = True
    optional: bool = False
    stored: bool = True
    empty_is_zero: bool | None = None
    label: str | None = None
    help: str | None = None
    values: tuple = ()
    aliases: tuple[str, ...] = ()
    min: float | None = None

    @property
    def title(self) -> str:
        """Chinese label without the unit, used in messages (e.g. 受理案件数·企业调解委员会)."""
        if self.label:
            return self.label
        head = strip_unit(self.header)
        return f"{head}·{strip_unit(self.sub)}" if self.sub else head

    @property
    def counts_empty_as_zero(self) -> bool:
        if self.empty_is_zero is not None:
            return self.empty_is_zero
        return self.type in ("int", "decimal") and not self.optional

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def is_region(self) -> bool:
        return self.type in ("region_name", "region_code")


@dataclass(frozen=True)
class Rule:
    """A validation rule: a kind implemented in etl/rules.py plus its parameters from the definition."""

    code: str
    kind: str
    level: str
    message: str
    fix: str
    params: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a form."""

    name: str
    table: str
    title: str
    required: bool
    layout: str  # "wide" (one row per region) or "long" (many rows per region)
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    unique: tuple = ()
    notes: str = ""
    stock: bool = False

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.stored and c.type != "seq" and c.type != "region_name")

    @property
    def has_two_level_header(self) -> bool:
        return any(c.sub for c in self.columns)


@dataclass(frozen=True)
class Form:
    """A reporting form (A, B or C) with its sheets."""

    code: str
    title: str
    attachment: str
    file_title: str
    sheets: tuple[Sheet, ...]

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    @property
    def required_sheets(self) -> tuple[Sheet, ...]:
        return tuple(s for s in self.sheets if s.required)


def strip_unit(text: str) -> str:
    """Drop a trailing bracketed unit: 受理案件数（件） → 受理案件数."""
    return UNIT_IN_BRACKETS.sub("", text).strip()


COLUMN_FIELDS = {
    "key",
    "header",
    "type",
    "sub",
    "unit",
    "required",
    "optional",
    "stored",
    "empty_is_zero",
    "label",
    "help",
    "values",
    "aliases",
    "min",
}


def _column(raw: dict) -> Column:
    unknown = set(raw) - COLUMN_FIELDS
    if unknown:
        raise ValueError(f"unknown column fields {sorted(unknown)} in {raw.get('key')}")
    data = dict(raw)
    data["values"] = tuple(data.get("values", ()))
    data["aliases"] = tuple(data.get("aliases", ()))
    if data["type"] not in SQL_TYPES and data["type"] != "seq":
        raise ValueError(f"unknown column type {data['type']!r} in {data['key']}")
    return Column(**data)


def _rule(raw: dict) -> Rule:
    base = {k: raw[k] for k in ("code", "kind", "level", "message")}
    params = {k: v for k, v in raw.items() if k not in ("code", "kind", "level", "message", "fix")}
    return Rule(**base, fix=raw.get("fix", ""), params=params)


def _sheet(raw: dict) -> Sheet:
    return Sheet(
        name=raw["name"],
        table=raw["table"],
        title=raw["title"],
        required=raw.get("required", False),
        layout=raw.get("layout", "long"),
        columns=tuple(_column(c) for c in raw["columns"]),
        rules=tuple(_rule(r) for r in raw.get("rules", ())),
        unique=tuple(tuple(u) if isinstance(u, list) else u for u in raw.get("unique", ())),
        notes=raw.get("notes", ""),
        stock=raw.get("stock", False),
    )


@lru_cache(maxsize=None)
def load_form(code: str) -> Form:
    """Read one form definition from etl/forms/<code>.toml."""
    raw = tomllib.loads((FORMS_DIR / f"{code}.toml").read_text(encoding="utf-8"))
    return Form(
        code=raw["form"],
        title=raw["title"],
        attachment=raw["attachment"],
        file_title=raw["file_title"],
        sheets=tuple(_sheet(s) for s in raw["sheets"]),
    )


def all_forms() -> tuple[Form, ...]:
    """Every form, in order A, B, C."""
    return tuple(load_form(p.stem) for p in sorted(FORMS_DIR.glob("*.toml")))


def all_sheets() -> list[tuple[Form, Sheet]]:
    return [(form, sheet) for form in all_forms() for sheet in form.sheets]
