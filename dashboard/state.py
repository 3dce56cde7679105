"""Global filters (period or period range, region, industry) kept in the URL and in session state.

Every page calls `filters()` once: values come from the URL (a pasted link reopens the same view), fall back
to this session's last choice, and are validated against the allowed lists — anything else (a typo, SQL, a
region outside the viewer's scope) is ignored and replaced by the default. They are written back to the URL
on every run, because Streamlit resets query parameters when switching pages.

URL keys: `period` (the month shown, the end of a range), `from` (first month of a range), `region`,
`industry` — e.g. `?period=2025-09&from=2025-01&region=220500&industry=E`. A page without a range widget
keeps `from` untouched, so moving between pages keeps the whole view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st

from dashboard.format import period_label
from etl.regions import read_industries

SESSION_KEY = "global_filters"
URL_KEYS = ("period", "from", "region", "industry")


@dataclass(frozen=True)
class Filters:
    period: str | None  # the month shown; the last month of the range
    region: str  # '220000' = province
    industry: str | None  # section A–T or None = all
    start: str | None = None  # first month of the range (≤ period); defaults to January of the period's year

    @property
    def months(self) -> tuple[str | None, str | None]:
        """(first, last) month of the range; a single month gives (period, period)."""
        return (self.start or self.period, self.period)


def default_start(period: str | None, periods: list[str]) -> str | None:
    """January of the period's year (年初至今, the usual reporting window), or the first month with data after it."""
    if not period:
        return None
    year_start = period[:4] + "-01"
    return next((p for p in periods if year_start <= p <= period), period)


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
    earlier = [p for p in periods if period is not None and p <= period]
    start = pick("from", earlier, default_start(period, periods))
    return Filters(period, region, industry, start)


def filters(
    periods: list[str],
    region_choices: list[tuple[str, str, str]],
    *,
    show_industry: bool = True,
    show_period: bool = True,
    show_range: bool = False,
) -> Filters:
    """Sidebar widgets bound to the URL; returns the validated filters.

    show_range: a range slider (first … last month) instead of the single-month select.
    """
    codes = [c for c, _, _ in region_choices]
    labels = {c: label for c, label, _ in region_choices}
    industries = list(read_industries())
    current = resolve(dict(st.query_params), st.session_state.get(SESSION_KEY, {}), periods, codes, industries)
    with st.sidebar:
        st.markdown("**筛选**")
        period, start = current.period, current.start
        if show_range and periods and show_period:
            if len(periods) > 1:
                start, period = st.select_slider(
                    "统计期间",
                    periods,
                    value=(current.start, current.period),
                    format_func=period_label,
                    key="flt_range",
                    help="起止月份（含）。累计数为期间合计，比率由期间合计的分子、分母计算。",
                )
            else:
                st.caption(f"统计期间：{period_label(periods[0])}")
        elif show_period and periods:
            period = st.selectbox(
                "统计期",
                periods[::-1],
                index=periods[::-1].index(current.period),
                format_func=period_label,
                placeholder="请选择",
                key="flt_period",
            )
            if start and start > period:
                start = default_start(period, periods)
        region = (
            st.selectbox(
                "地区",
                codes,
                index=codes.index(current.region) if current.region in codes else 0,
                format_func=lambda c: labels.get(c, c),
                placeholder="请选择",
                key="flt_region",
            )
            if codes
            else current.region
        )
        industry = current.industry
        if show_industry:
            names = read_industries()
            options = [None, *industries]
            industry = st.selectbox(
                "行业",
                options,
                index=options.index(current.industry),
                format_func=lambda c: "全部行业" if c is None else f"{c} {names[c]}",
                placeholder="请选择",
                key="flt_industry",
            )
    chosen = Filters(period, region, industry, start)
    remember(chosen)
    return chosen


def url_values(chosen: Filters) -> dict[str, str]:
    """The URL query parameters of a view (empty values left out)."""
    pairs = (
        ("period", chosen.period),
        ("from", chosen.start),
        ("region", chosen.region),
        ("industry", chosen.industry),
    )
    return {k: v for k, v in pairs if v}


def remember(chosen: Filters) -> None:
    values = url_values(chosen)
    st.session_state[SESSION_KEY] = values
    for key in URL_KEYS:
        if key in values:
            if st.query_params.get(key) != values[key]:
                st.query_params[key] = values[key]
        elif key in st.query_params:
            del st.query_params[key]


def drill_to(code: str, *, forget: tuple[str, ...] = ()) -> None:
    """Make ``code`` the global region (sidebar widget and URL), e.g. from a map click or a breadcrumb button;
    ``forget`` names page selections (URL keys and widget keys) that belong to the old region."""
    st.session_state["flt_region"] = code  # the sidebar's region selectbox (filters())
    st.query_params["region"] = code
    for key in forget:
        st.query_params.pop(key, None)
        st.session_state.pop(key, None)


def drill_from(key: str, drill: Callable[[str], None] = drill_to) -> None:
    """on_change of a 下钻 selectbox: go to the chosen region and reset the box."""
    code = st.session_state.get(key)
    st.session_state[key] = None
    if code:
        drill(code)


def drill_on_map_select(widget_key: str, may_see: Callable[[str], bool]) -> Callable[[], None]:
    """An on_select callback for a map chart: drill to the first clicked region the viewer may see."""
    from dashboard.layout import selected_points

    def callback() -> None:
        for point in selected_points(st.session_state.get(widget_key)):
            code = point.get("location")
            if code and may_see(code):
                drill_to(code)
                return

    return callback
