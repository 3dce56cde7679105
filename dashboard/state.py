"""Global filters (period, region, industry) kept in the URL and in session state.

Every page calls `filters()` once: values come from the URL (a pasted link reopens the same view), fall back
to this session's last choice, and are validated against the allowed lists — anything else (a typo, SQL, a
region outside the viewer's scope) is ignored and replaced by the default. They are written back to the URL
on every run, because Streamlit resets query parameters when switching pages.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from etl.regions import read_industries
from dashboard.format import period_label

SESSION_KEY = "global_filters"


@dataclass(frozen=True)
class Filters:
    period: str | None
    region: str  # '220000' = province
    industry: str | None  # section A–T or None = all


def _valid(value, allowed, default):
    return value if value in allowed else default


def resolve(params: dict, remembered: dict, periods: list[str], regions: list[str], industries: list[str]) -> Filters:
    """Pure resolution of the filter values (tested without Streamlit)."""
    def pick(key, allowed, default):
        for source in (params, remembered):
            value = source.get(key)
            if value in allowed:
                return value
        return default
    period = pick("period", periods, periods[-1] if periods else None)
    region = pick("region", regions, regions[0] if regions else "220000")
    industry = pick("industry", industries, None)
    return Filters(period, region, industry)


def filters(periods: list[str], region_choices: list[tuple[str, str, str]], *, show_industry: bool = True,
            show_period: bool = True) -> Filters:
    """Sidebar widgets bound to the URL; returns the validated filters."""
    codes = [c for c, _, _ in region_choices]
    labels = {c: label for c, label, _ in region_choices}
    industries = list(read_industries())
    current = resolve(dict(st.query_params), st.session_state.get(SESSION_KEY, {}), periods, codes, industries)
    with st.sidebar:
        st.markdown("**筛选**")
        period = current.period
        if show_period and periods:
            period = st.selectbox("统计期", periods[::-1], index=periods[::-1].index(current.period),
                                  format_func=period_label, key="flt_period")
        region = st.selectbox("地区", codes, index=codes.index(current.region) if current.region in codes else 0,
                              format_func=lambda c: labels.get(c, c), key="flt_region") if codes else current.region
        industry = current.industry
        if show_industry:
            names = read_industries()
            options = [None, *industries]
            industry = st.selectbox("行业", options, index=options.index(current.industry),
                                    format_func=lambda c: "全部行业" if c is None else f"{c} {names[c]}", key="flt_industry")
    chosen = Filters(period, region, industry)
    remember(chosen)
    return chosen


def remember(chosen: Filters) -> None:
    values = {k: v for k, v in (("period", chosen.period), ("region", chosen.region), ("industry", chosen.industry)) if v}
    st.session_state[SESSION_KEY] = values
    for key in ("period", "region", "industry"):
        if key in values:
            if st.query_params.get(key) != values[key]:
                st.query_params[key] = values[key]
        elif key in st.query_params:
            del st.query_params[key]
