"""The region reference (regions.csv): lookup by code or normalised name/alias, roll-up structure."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.cells import normalise

REF_DIR = Path(__file__).resolve().parents[1] / "warehouse" / "ref"
PROVINCE_CODE = "220000"
OLD_CODES = {"220381": "220184"}  # 公主岭市 moved from 四平 to 长春 in 2020


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    kind: str  # province, city, district, county, county_city, zone, special
    city_code: str
    unit_code: str
    streets: int
    towns: int
    townships: int
    township_like: int
    aliases: tuple[str, ...]

    @property
    def townships_ref(self) -> int:
        """Streets + towns + townships: the reference for B1's 乡镇（街道）数."""
        return self.streets + self.towns + self.townships

    @property
    def is_city(self) -> bool:
        return self.kind == "city"


def _int(text: str) -> int:
    return int(text) if text else 0


def region_from_row(row: dict) -> Region:
    aliases = tuple(a.split("(")[0] for a in (row.get("aliases") or "").split(";") if a)
    return Region(
        code=row["code"],
        name=row["name"],
        kind=row["kind"],
        city_code=row.get("city_code") or "",
        unit_code=row.get("unit_code") or "",
        streets=_int(row.get("streets", "")),
        towns=_int(row.get("towns", "")),
        townships=_int(row.get("townships", "")),
        township_like=_int(row.get("township_like", "")),
        aliases=aliases,
    )


def read_reference_rows() -> list[dict]:
    with open(REF_DIR / "regions.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def read_industries() -> dict[str, str]:
    """Industry section code → name (GB/T 4754-2017)."""
    with open(REF_DIR / "industries.csv", encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


class RegionIndex:
    """All regions a warehouse knows, indexed for matching rows of a workbook."""

    def __init__(self, rows: list[dict]):
        self.regions: dict[str, Region] = {}
        self._by_name: dict[str, set[str]] = {}
        for row in rows:
            region = region_from_row(row)
            self.regions[region.code] = region
            for name in (region.name, *region.aliases):
                if name and not name[0].isdigit():
                    self._by_name.setdefault(normalise(name), set()).add(region.code)

    def get(self, code: str) -> Region | None:
        return self.regions.get(code)

    def by_name(self, name: str) -> list[Region]:
        return [self.regions[c] for c in sorted(self._by_name.get(normalise(name), ()))]

    def city_by_name(self, name: str) -> Region | None:
        """A 市（州）(or 长白山/梅河口, which report like one) named exactly by name or alias."""
        for region in self.by_name(name):
            if region.is_city:
                return region
        return None

    def cities_in_text(self, text: str) -> list[Region]:
        """Reporting units named inside a free text such as 填报单位：通化市人力资源和社会保障局."""
        folded = normalise(text)
        found = []
        for region in self.regions.values():
            if region.kind in ("city", "special") or region.code == region.unit_code:
                names = (region.name, *region.aliases)
                if any(n and normalise(n) in folded for n in names):
                    found.append(region)
        # 通化市 is inside 梅河口市's text? No; but 延边朝鲜族自治州 contains 延边: keep the longest distinct.
        return found

    @property
    def units(self) -> list[Region]:
        """The reporting units (11 for Jilin): regions that are their own unit_code."""
        return [r for r in self.regions.values() if r.unit_code == r.code]

    def unit_regions(self, unit_code: str) -> list[Region]:
        return [r for r in self.regions.values() if r.unit_code == unit_code and r.kind != "province"]

    def is_subtotal_name(self, name: str) -> bool:
        text = normalise(name)
        if text in ("合计", "总计", "小计", "全市合计", "全州合计", "全省合计"):
            return True
        return self.city_by_name(name) is not None


@lru_cache(maxsize=1)
def reference_index() -> RegionIndex:
    """The index of the project's own regions.csv."""
    return RegionIndex(read_reference_rows())
