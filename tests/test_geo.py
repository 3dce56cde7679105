"""Offline map boundaries (warehouse/ref/geo_*) and dashboard/geo.py."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import geo  # noqa: E402

REF = ROOT / "warehouse" / "ref"
CITY_UNITS = {"220100", "220200", "220300", "220400", "220500", "220600", "220700", "220800", "222400"}
POLYGON_UNITS = CITY_UNITS | {"220581"}
MAX_BYTES = 600_000
# Jilin bounding box (with a small margin)
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 121.5, 131.4, 40.7, 46.4


def _regions() -> list[dict]:
    with (REF / "regions.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _codes(fc: dict) -> list[str]:
    return [f["properties"]["code"] for f in fc["features"]]


def _rings(geometry: dict):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for poly in polys:
        for i, ring in enumerate(poly):
            yield i, ring


def _signed_area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("name", ["geo_units.geojson", "geo_counties.geojson", "geo_markers.json"])
def test_file_sizes(name):
    path = REF / name
    assert path.exists(), f"run tools/build_geo.py to create {name}"
    assert path.stat().st_size < MAX_BYTES


# Issue 13: the boundaries were most of the map pages' payload (17,620 unit
# vertices, 734-820 KiB a visit).  The province map is ~800 px over ~10°, so
# ~0.01° simplification is below a pixel; these budgets keep it that way.
UNITS_MAX_VERTICES, UNITS_MAX_BYTES = 4_000, 80_000
COUNTIES_MAX_VERTICES, COUNTIES_MAX_BYTES = 12_000, 260_000


def _vertices(fc: dict) -> int:
    return sum(len(ring) for f in fc["features"] for _, ring in _rings(f["geometry"]))


@pytest.mark.parametrize(
    ("name", "max_vertices", "max_bytes"),
    [
        ("geo_units.geojson", UNITS_MAX_VERTICES, UNITS_MAX_BYTES),
        ("geo_counties.geojson", COUNTIES_MAX_VERTICES, COUNTIES_MAX_BYTES),
    ],
)
def test_boundaries_within_payload_budget(name, max_vertices, max_bytes):
    path = REF / name
    fc = json.loads(path.read_text(encoding="utf-8"))
    assert _vertices(fc) <= max_vertices
    assert path.stat().st_size <= max_bytes
    # 4 decimals (~10 m) is finer than any screen shows; more digits are bytes for nothing.
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\d\.\d{5,}", text)


def test_units_are_the_ten_polygon_units():
    fc = geo.load_units_geojson()
    assert fc["type"] == "FeatureCollection"
    codes = _codes(fc)
    assert len(codes) == 10 and set(codes) == POLYGON_UNITS
    assert "229901" not in codes  # 长白山 has no polygon
    names = {r["code"]: r["name"] for r in _regions()}
    for f in fc["features"]:
        p = f["properties"]
        assert isinstance(p["code"], str)
        assert p["name"] == names[p["code"]]
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_counties_match_regions_csv():
    regions = _regions()
    expected = {r["code"] for r in regions if r["kind"] not in ("province", "city", "zone", "special")}
    assert len(expected) == 60
    fc = geo.load_counties_geojson()
    codes = _codes(fc)
    assert len(codes) == len(set(codes))
    assert set(codes) == expected
    by_code = {r["code"]: r for r in regions}
    for f in fc["features"]:
        p = f["properties"]
        assert isinstance(p["code"], str) and isinstance(p["unit_code"], str)
        assert p["name"] == by_code[p["code"]]["name"]
        assert p["unit_code"] == by_code[p["code"]]["unit_code"]
    # every county belongs to a polygon unit
    assert {f["properties"]["unit_code"] for f in fc["features"]} == POLYGON_UNITS


def test_counties_filter_by_unit():
    tonghua = _codes(geo.load_counties_geojson("220500"))
    assert "220581" not in tonghua
    assert set(tonghua) == {"220502", "220503", "220521", "220523", "220524", "220582"}
    assert _codes(geo.load_counties_geojson("220581")) == ["220581"]
    assert _codes(geo.load_counties_geojson("229901")) == []
    # full collection untouched by filtering (cache returns shared objects)
    assert len(geo.load_counties_geojson()["features"]) == 60


def test_markers():
    m = geo.load_markers()
    assert set(m) == {"229901"}
    cbs = m["229901"]
    assert cbs["name"] == "长白山管委会"
    assert 127.5 < cbs["lon"] < 128.6 and 41.9 < cbs["lat"] < 42.7


@pytest.mark.parametrize("loader", [geo.load_units_geojson, geo.load_counties_geojson])
def test_coordinates_in_jilin_and_wound_for_plotly(loader):
    for f in loader()["features"]:
        for i, ring in _rings(f["geometry"]):
            assert ring[0] == ring[-1] and len(ring) >= 4
            for lon, lat in ring:
                assert LON_MIN < lon < LON_MAX and LAT_MIN < lat < LAT_MAX
                assert round(lon, 4) == lon and round(lat, 4) == lat
            # plotly/d3-geo: exterior clockwise (negative area), holes counter-clockwise
            area = _signed_area(ring)
            assert (area < 0) if i == 0 else (area > 0), (f["properties"]["code"], i)


# ---------------------------------------------------------------- geometry (shapely)


def _shapes(fc: dict) -> dict:
    shapely_geometry = pytest.importorskip("shapely.geometry")
    return {f["properties"]["code"]: shapely_geometry.shape(f["geometry"]) for f in fc["features"]}


def test_tonghua_excludes_meihekou():
    units = _shapes(geo.load_units_geojson())
    th, mhk = units["220500"], units["220581"]
    assert th.is_valid and mhk.is_valid
    assert th.intersection(mhk).area < 1e-6 * mhk.area
    assert not th.contains(mhk.representative_point())
    assert th.touches(mhk) or th.distance(mhk) < 1e-3  # neighbours


@pytest.mark.parametrize("loader", [geo.load_units_geojson, geo.load_counties_geojson])
def test_no_overlaps_between_regions(loader):
    shapely = pytest.importorskip("shapely")
    shapes = list(_shapes(loader()).values())
    assert all(s.is_valid for s in shapes)
    total = sum(s.area for s in shapes)
    union = shapely.union_all(shapes).area
    assert abs(total - union) < 1e-6 * union


def test_units_and_counties_cover_same_area():
    shapely = pytest.importorskip("shapely")
    units = shapely.union_all(list(_shapes(geo.load_units_geojson()).values()))
    counties = shapely.union_all(list(_shapes(geo.load_counties_geojson()).values()))
    assert units.symmetric_difference(counties).area < 0.01 * units.area


# ------------------------------------------------------------------------- figure


def _unit_frame() -> pl.DataFrame:
    fc = geo.load_units_geojson()
    codes = _codes(fc) + ["229901"]
    names = {f["properties"]["code"]: f["properties"]["name"] for f in fc["features"]}
    names["229901"] = "长白山管委会"
    return pl.DataFrame(
        {
            "region_code": codes,
            "name": [names[c] for c in codes],
            "rate": [50.0 + i for i in range(len(codes))],
            "orgs": list(range(len(codes))),
        }
    )


def _trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    return found[0] if found else None


def test_choropleth_units_with_marker():
    df = _unit_frame().with_columns(
        pl.when(pl.col("region_code") == "220400").then(None).otherwise(pl.col("rate")).alias("rate")
    )
    fig = geo.choropleth(
        df,
        geo.load_units_geojson(),
        "rate",
        "name",
        "覆盖率",
        "覆盖率",
        hover_cols=["orgs"],
        range_color=(0, 100),
        value_suffix="%",
    )
    data = _trace(fig, "data")
    assert data.featureidkey == "properties.code"
    assert len(data.locations) == 9  # 10 polygons minus the null 辽源
    assert "220400" not in data.locations and "229901" not in data.locations
    assert list(_trace(fig, "no-data").locations) == ["220400"]
    # every boundary is sent once: the grey layer carries only the regions without a value
    shipped = [f["properties"]["code"] for t in fig.data if t.type == "choropleth" for f in t.geojson["features"]]
    assert sorted(shipped) == sorted(_codes(geo.load_units_geojson()))
    mk = _trace(fig, "markers")
    assert mk is not None and list(mk.marker.color) == [60.0]
    assert mk.lon[0] == geo.load_markers()["229901"]["lon"]
    assert fig.layout.geo.visible is False
    assert fig.layout.geo.fitbounds == "locations"
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0, 100)
    assert "覆盖率：" in data.hovertemplate and "orgs：" in data.hovertemplate
    # offline: the first geo trace must not carry a locationmode (see geo.choropleth)
    assert fig.data[0].type == "scattergeo" and fig.data[0].locationmode is None


def test_choropleth_counties_pandas_and_int_codes():
    fc = geo.load_counties_geojson("220100")
    pdf = pd.DataFrame(
        {
            "region_code": [int(c) for c in _codes(fc)] + [220171],  # zone: no polygon, dropped
            "name": ["x"] * (len(fc["features"]) + 1),
            "v": [1.0] * (len(fc["features"]) + 1),
        }
    )
    fig = geo.choropleth(pdf, fc, "v", "name", "", "值")
    assert len(_trace(fig, "data").locations) == len(fc["features"]) == 11
    assert _trace(fig, "markers") is None


def test_choropleth_explicit_markers():
    df = _unit_frame()
    fig = geo.choropleth(df, geo.load_units_geojson(), "rate", "name", "t", "c", markers=df.head(0))
    assert _trace(fig, "markers") is None
    fig = geo.choropleth(
        df.filter(pl.col("region_code") != "229901"),
        geo.load_units_geojson(),
        "rate",
        "name",
        "t",
        "c",
        markers=df.filter(pl.col("region_code") == "229901"),
    )
    assert _trace(fig, "markers") is not None


def test_renders_offline(tmp_path):
    """Render with kaleido while plotly's topojson URL is unreachable."""
    pytest.importorskip("kaleido")
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome", "chrome")):
        pytest.skip("no Chrome/Chromium for kaleido")
    import plotly.io as pio

    fig = geo.choropleth(_unit_frame(), geo.load_units_geojson(), "rate", "name", "测试", "覆盖率")
    old = pio.defaults.topojson
    pio.defaults.topojson = "http://127.0.0.1:9/"  # any topojson fetch would fail
    try:
        png = fig.to_image(format="png", width=500, height=400)
    finally:
        pio.defaults.topojson = old
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
