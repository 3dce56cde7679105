"""auth/scoping.py: the SQL predicates page queries use to keep rows inside a viewer's scope."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from auth import scoping
from auth.viewer import Viewer
from etl.regions import reference_index

PROVINCE = Viewer("p", "leader")
TONGHUA_CITY = Viewer("c", "city", "220500")
DONGCHANG_COUNTY = Viewer("k", "county", "220502")
MEIHEKOU_CITY = Viewer("m", "city", "220581")


@pytest.fixture(scope="module")
def two_units(tmp_path_factory):
    """通化市 (7 rows) and 梅河口市 (1 row), form A 2025-03."""
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path_factory.mktemp("scoping") / "wh.duckdb")
    for name in ("通化市2025年3月劳动人事争议调解情况月报.xlsx", "梅河口市2025年3月劳动人事争议调解情况.xlsx"):
        assert ingest(wh, (SAMPLES / name).read_bytes(), name).status == "loaded"
    yield wh
    wh.close()


def detail_codes(wh, viewer) -> list[str]:
    sql = f"select region_code from v_mediation where period = ? and {scoping.region_filter_sql('region_code')} order by 1"
    return wh.query(sql, ["2025-03", *scoping.region_params(viewer, wh.region_index())])["region_code"].to_list()


def unit_totals(wh, viewer) -> dict[str, int]:
    sql = f"""
        select r.unit_code, sum(m.accepted_total)::int as accepted
        from v_mediation as m join v_region as r using (region_code)
        where m.period = ? and {scoping.unit_filter_sql("r.unit_code")}
        group by r.unit_code order by 1
    """
    return dict(wh.query(sql, ["2025-03", *scoping.unit_params(viewer, wh.region_index())]).rows())


def test_detail_rows_follow_the_viewers_detail_regions(two_units):
    assert {v.name: detail_codes(two_units, v) for v in (PROVINCE, TONGHUA_CITY, DONGCHANG_COUNTY, MEIHEKOU_CITY)} == {
        "p": ["220500", "220502", "220503", "220521", "220523", "220524", "220581", "220582"],
        "c": ["220500", "220502", "220503", "220521", "220523", "220524", "220582"],
        "k": ["220502"],
        "m": ["220581"],
    }


def test_unit_totals_follow_the_viewers_visible_units(two_units):
    assert {v.name: unit_totals(two_units, v) for v in (PROVINCE, TONGHUA_CITY, DONGCHANG_COUNTY)} == {
        "p": {"220500": 191, "220581": 33},
        "c": {"220500": 191, "220581": 33},  # cities see every unit's totals (rankings)
        "k": {"220500": 191},  # a county only its own unit's
    }


def test_named_and_where_true_variants_agree(two_units):
    index = two_units.region_index()
    for viewer in (PROVINCE, TONGHUA_CITY, DONGCHANG_COUNTY):
        named = two_units.query(
            f"select region_code from v_mediation where period = $period and {scoping.region_filter_named('region_code')} order by 1",
            {"period": "2025-03", **scoping.region_named_params(viewer, index)},
        )["region_code"].to_list()
        clause, params = scoping.region_filter(viewer, index)
        specialised = two_units.query(
            f"select region_code from v_mediation where period = ? and {clause} order by 1", ["2025-03", *params]
        )["region_code"].to_list()
        assert named == specialised == detail_codes(two_units, viewer)


def test_rows_without_a_region_never_pass_a_restricted_filter(two_units):
    sql = f"select count(*) from (values ('220502'), (null)) as t(region_code) where {scoping.region_filter_sql()}"
    assert two_units.scalar(sql, scoping.region_params(DONGCHANG_COUNTY, two_units.region_index())) == 1


def test_params_and_python_checks():
    index = reference_index()
    assert scoping.region_params(PROVINCE, index) == [True, []]
    assert scoping.region_params(DONGCHANG_COUNTY, index) == [False, ["220502"]]
    assert scoping.unit_params(TONGHUA_CITY, index) == [True, []]
    assert scoping.unit_params(DONGCHANG_COUNTY, index) == [False, ["220500"]]
    assert scoping.region_filter(PROVINCE, index) == ("true", [])
    assert [scoping.may_see_region(TONGHUA_CITY, index, c) for c in ("220502", "220581", "220202")] == [
        True,
        False,
        False,
    ]
    assert [scoping.may_see_unit(DONGCHANG_COUNTY, index, c) for c in ("220500", "220581")] == [True, False]
    assert [scoping.sees_province_totals(v, index) for v in (PROVINCE, TONGHUA_CITY, DONGCHANG_COUNTY)] == [
        True,
        True,
        False,
    ]


def test_column_references_are_checked():
    assert (
        scoping.region_filter_sql("m.region_code") == '(?::boolean or list_contains(?::varchar[], "m"."region_code"))'
    )
    with pytest.raises(ValueError):
        scoping.region_filter_sql("region_code) or (1=1")
