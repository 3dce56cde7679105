"""Global filters: URL → validated values (pure), and written back to the URL by the sidebar widgets."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.state import Filters, default_start, resolve, url_values

PERIODS = ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]
REGIONS = ["220000", "220500", "220502"]
INDUSTRIES = ["C", "E"]


def test_defaults_are_the_latest_month_from_january_the_first_region_and_all_industries():
    assert resolve({}, {}, PERIODS, REGIONS, INDUSTRIES) == Filters("2025-03", "220000", None, "2025-01")


def test_url_wins_over_the_remembered_choice():
    params = {"period": "2024-12", "from": "2024-11", "region": "220500", "industry": "E"}
    remembered = {"period": "2025-02", "region": "220502", "industry": "C"}
    assert resolve(params, remembered, PERIODS, REGIONS, INDUSTRIES) == Filters("2024-12", "220500", "E", "2024-11")
    assert resolve({}, remembered, PERIODS, REGIONS, INDUSTRIES) == Filters("2025-02", "220502", "C", "2025-01")


def test_invalid_values_fall_back_to_defaults():
    params = {"period": "2025-13", "from": "2025-03'; drop table versions;--", "region": "220100", "industry": "Z"}
    assert resolve(params, {}, PERIODS, REGIONS, INDUSTRIES) == Filters("2025-03", "220000", None, "2025-01")


def test_a_range_start_after_the_period_is_ignored():
    assert resolve({"period": "2024-12", "from": "2025-02"}, {}, PERIODS, REGIONS, INDUSTRIES).start == "2024-11"
    assert resolve({"period": "2025-03", "from": "2025-03"}, {}, PERIODS, REGIONS, INDUSTRIES).months == (
        "2025-03",
        "2025-03",
    )


def test_default_start_and_url_values():
    assert default_start("2025-03", PERIODS) == "2025-01"
    assert default_start("2024-12", PERIODS) == "2024-11"  # the first month with data in that year
    assert default_start(None, PERIODS) is None
    assert url_values(Filters("2025-03", "220500", None, "2025-01")) == {
        "period": "2025-03",
        "from": "2025-01",
        "region": "220500",
    }


def _script(show_range: bool):
    import streamlit as st

    from dashboard import state

    flt = state.filters(
        ["2025-01", "2025-02", "2025-03"],
        [("220000", "全省", "province"), ("220500", "通化市", "unit")],
        show_range=show_range,
    )
    st.write(f"{flt.start}|{flt.period}|{flt.region}|{flt.industry}")


def _page(show_range: bool) -> AppTest:
    return AppTest.from_function(_script, kwargs={"show_range": show_range})


def test_filters_read_the_url_and_write_it_back():
    at = _page(True)
    at.query_params.update({"period": "2025-02", "region": "220500", "industry": "C"})
    at.run()
    assert not at.exception
    assert at.markdown[0].value == "2025-01|2025-02|220500|C"
    assert {k: at.query_params[k] for k in ("period", "from", "region", "industry")} == {
        "period": "2025-02",
        "from": "2025-01",
        "region": "220500",
        "industry": "C",
    }


def test_changing_a_filter_updates_the_url_and_the_session():
    at = _page(False)
    at.run()
    at.selectbox(key="flt_period").select("2025-01").run()
    assert at.markdown[0].value == "2025-01|2025-01|220000|None"
    assert at.session_state["global_filters"] == {"period": "2025-01", "from": "2025-01", "region": "220000"}
    at.selectbox(key="flt_region").select("220500").run()
    assert at.session_state["global_filters"]["region"] == "220500"
