"""Who is looking: role and region, and the regions that role may see in detail or load.

Scopes are enforced where data is read and loaded (query layer, ingest), never only by hiding widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.regions import RegionIndex

ROLE_LABELS = {"admin": "省级管理员", "leader": "省级领导", "city": "市级填报员", "county": "县级填报员"}


@dataclass(frozen=True)
class Viewer:
    name: str
    role: str  # admin | leader | city | county
    region_code: str | None = None  # city: its unit's code; county: its own region's code
    display_name: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_province(self) -> bool:
        return self.role in ("admin", "leader")

    def unit_code(self, index: RegionIndex) -> str | None:
        if self.is_province or not self.region_code:
            return None
        region = index.get(self.region_code)
        return region.unit_code if region else None

    def detail_regions(self, index: RegionIndex) -> frozenset[str] | None:
        """Regions whose own rows (not only totals) this viewer may see; None = all."""
        if self.is_province:
            return None
        if self.role == "city":
            return frozenset(r.code for r in index.unit_regions(self.unit_code(index) or ""))
        return frozenset({self.region_code}) if self.region_code else frozenset()

    def visible_units(self, index: RegionIndex) -> frozenset[str] | None:
        """Units whose totals this viewer may see; None = all (province, and cities for rankings)."""
        if self.is_province or self.role == "city":
            return None
        unit = self.unit_code(index)
        return frozenset({unit}) if unit else frozenset()

    def load_regions(self, index: RegionIndex) -> frozenset[str] | None:
        """Regions this viewer may load; None = any; empty = nothing (leaders read only)."""
        if self.role == "admin":
            return None
        if self.role == "leader":
            return frozenset()
        return self.detail_regions(index)

    @property
    def can_manage_accounts(self) -> bool:
        return self.role == "admin"


PROVINCE_ADMIN = Viewer(name="admin", role="admin", display_name="省级管理员")
