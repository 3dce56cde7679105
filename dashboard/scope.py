"""What a viewer may see (auth/viewer.py, auth/scoping.py): the one Scope of dashboard/'s queries."""

from __future__ import annotations

from dataclasses import dataclass

from auth import scoping
from auth.viewer import Viewer
from warehouse.db import Warehouse


@dataclass(frozen=True)
class Scope:
    """Detail regions and units whose totals may be seen (sorted codes; None = all) and the province total."""

    detail: tuple[str, ...] | None
    units: tuple[str, ...] | None
    province: bool

    def sees_region(self, code: str) -> bool:
        return self.detail is None or code in self.detail

    def sees_unit(self, code: str) -> bool:
        return self.units is None or code in self.units

    def params(self) -> dict:
        return {"detail": self.detail, "units": self.units}


def scope_of(wh: Warehouse, viewer: Viewer) -> Scope:
    """The viewer's scope in this warehouse's regions."""
    index = wh.region_index()
    detail, units = viewer.detail_regions(index), viewer.visible_units(index)
    return Scope(
        None if detail is None else tuple(sorted(detail)),
        None if units is None else tuple(sorted(units)),
        scoping.sees_province_totals(viewer, index),
    )
