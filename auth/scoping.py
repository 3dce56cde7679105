"""Region scopes in SQL: the predicates every page query adds so a viewer only gets rows of their scope.

Two grains (interfaces.md §4):
- detail rows (one row per region: v_mediation, v_major_disputes, v_ledger, …) — filter by the viewer's
  `detail_regions`: a county sees its own region, a city its unit's regions, province roles everything;
- totals per reporting unit (rankings, unit and province sums) — filter by `visible_units`: a county sees only
  its own unit's totals, cities and province roles see every unit (rankings and province totals).

The SQL text never depends on the viewer (the scope is bound as parameters), so queries can be cached on text.

    sql = f'''
        select region_code, accepted_total from v_mediation
        where period = ? and {region_filter_sql("region_code")}
    '''
    wh.query(sql, [period, *region_params(viewer, wh.region_index())])

    sql = f'''
        select r.unit_code, sum(m.accepted_total) as accepted
        from v_mediation as m join v_region as r using (region_code)
        where m.period = ? and {unit_filter_sql("r.unit_code")}
        group by r.unit_code
    '''
    wh.query(sql, [period, *unit_params(viewer, wh.region_index())])

For `$name` (dict) parameters use `region_filter_named()` / `region_named_params()` (and the unit variants).
"""

from __future__ import annotations

import re

from auth.viewer import Viewer
from etl.regions import RegionIndex

_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def _column(column: str) -> str:
    """`region_code` or `alias.region_code`, quoted; anything else is a programming error."""
    if not _COLUMN.fullmatch(column):
        raise ValueError(f"not a column reference: {column!r}")
    return ".".join(f'"{part}"' for part in column.split("."))


def _params(codes: frozenset[str] | None) -> list:
    return [True, []] if codes is None else [False, sorted(codes)]


# ------------------------------------------------------------------ positional (?) parameters
def region_filter_sql(column: str = "region_code") -> str:
    """Predicate keeping rows whose `column` is in the viewer's detail regions. Takes TWO `?` parameters:
    bind `*region_params(viewer, index)` at this place in the parameter list."""
    return f"(?::boolean or list_contains(?::varchar[], {_column(column)}))"


def region_params(viewer: Viewer, index: RegionIndex) -> list:
    """[unrestricted, codes] for region_filter_sql: [True, []] for province roles, else [False, sorted codes]."""
    return _params(viewer.detail_regions(index))


def unit_filter_sql(column: str = "unit_code") -> str:
    """Predicate keeping rows whose reporting-unit `column` the viewer may see totals of. TWO `?` parameters:
    bind `*unit_params(viewer, index)`."""
    return f"(?::boolean or list_contains(?::varchar[], {_column(column)}))"


def unit_params(viewer: Viewer, index: RegionIndex) -> list:
    return _params(viewer.visible_units(index))


# ------------------------------------------------------------------ named ($name) parameters
def region_filter_named(column: str = "region_code", prefix: str = "scope") -> str:
    """As region_filter_sql with `$<prefix>_all` / `$<prefix>_regions`; bind region_named_params(...)."""
    return f"(${prefix}_all::boolean or list_contains(${prefix}_regions::varchar[], {_column(column)}))"


def region_named_params(viewer: Viewer, index: RegionIndex, prefix: str = "scope") -> dict:
    unrestricted, codes = region_params(viewer, index)
    return {f"{prefix}_all": unrestricted, f"{prefix}_regions": codes}


def unit_filter_named(column: str = "unit_code", prefix: str = "scope_unit") -> str:
    return f"(${prefix}_all::boolean or list_contains(${prefix}_regions::varchar[], {_column(column)}))"


def unit_named_params(viewer: Viewer, index: RegionIndex, prefix: str = "scope_unit") -> dict:
    unrestricted, codes = unit_params(viewer, index)
    return {f"{prefix}_all": unrestricted, f"{prefix}_regions": codes}


# ------------------------------------------------------------------ 'where true' variant
def region_filter(viewer: Viewer, index: RegionIndex, column: str = "region_code") -> tuple[str, list]:
    """(sql, params) specialised to the viewer: ("true", []) when unrestricted, else one list parameter."""
    codes = viewer.detail_regions(index)
    if codes is None:
        return "true", []
    return f"list_contains(?::varchar[], {_column(column)})", [sorted(codes)]


def unit_filter(viewer: Viewer, index: RegionIndex, column: str = "unit_code") -> tuple[str, list]:
    units = viewer.visible_units(index)
    if units is None:
        return "true", []
    return f"list_contains(?::varchar[], {_column(column)})", [sorted(units)]


# ------------------------------------------------------------------ checks in Python
def may_see_region(viewer: Viewer, index: RegionIndex, code: str | None) -> bool:
    """Whether the viewer may see this region's own (detail) rows."""
    codes = viewer.detail_regions(index)
    return codes is None or code in codes


def may_see_unit(viewer: Viewer, index: RegionIndex, code: str | None) -> bool:
    """Whether the viewer may see this reporting unit's totals."""
    units = viewer.visible_units(index)
    return units is None or code in units


def sees_province_totals(viewer: Viewer, index: RegionIndex) -> bool:
    """Province totals and unit rankings: province roles and cities; a county sees only its own unit."""
    return viewer.visible_units(index) is None
