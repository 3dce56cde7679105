"""Every page renders in AppTest on an empty and on a demo-like warehouse."""

from __future__ import annotations

import pytest
from conftest import LAZY_VIEWS, ROOT, SAMPLES, every_view
from streamlit.testing.v1 import AppTest

PAGES = [
    "pages/overview.py",
    "pages/forms_doc.py",
    "pages/settings.py",
    "pages/login.py",
    "pages/admin.py",
    "pages/mediation.py",
    "pages/submissions.py",
    "pages/coverage.py",
    "pages/disputes.py",
    "pages/ledger.py",
    "pages/risk.py",
    "pages/upload.py",
    "pages/templates.py",
    "pages/review.py",
    "pages/history.py",
]


@pytest.fixture
def warehouse_with_samples(tmp_path, monkeypatch):
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    db = tmp_path / "wh.duckdb"
    wh = Warehouse(db)
    for name in ("通化市2025年3月劳动人事争议调解情况月报.xlsx", "长春市2025年6月调解组织建设情况统计表.xlsx"):
        assert ingest(wh, (SAMPLES / name).read_bytes(), name).status == "loaded"
    wh.close()
    monkeypatch.setenv("MEDIATION_DB", str(db))
    return db


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATION_DB", str(tmp_path / "empty.duckdb"))


def _run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_warehouse(empty_db, page):
    at = _run(page)
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_data(warehouse_with_samples, page):
    at = _run(page)
    assert not at.exception, at.exception


def test_overview_shows_empty_state_on_empty_warehouse(empty_db):
    at = _run("pages/overview.py")
    assert any("暂无数据" in i.value for i in at.info)


def test_app_navigation_runs(warehouse_with_samples):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception


# ------------------------------------------------------------------ 总览 / 调解成效 / 报送情况 on a demo warehouse
REPORT_PAGES = [
    "pages/overview.py",
    "pages/mediation.py",
    "pages/submissions.py",
    "pages/coverage.py",
    "pages/disputes.py",
    "pages/ledger.py",
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """`python -m etl demo --from 2025-01 --to 2025-03` (the real workbook path), built once for this module."""
    from etl.demo import build_demo

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(db, first="2025-01", last="2025-03")
    return db


@pytest.fixture
def demo(demo_db, monkeypatch):
    monkeypatch.setenv("MEDIATION_DB", str(demo_db))
    return demo_db


def _charts(at: AppTest) -> list[dict]:
    import json

    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _run_as(page: str, viewer=None, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    if viewer is not None:
        at.session_state["viewer"] = viewer
    if params:
        at.query_params.update(params)
    at.run()
    return at


OVERVIEW_VIEWS = dict(LAZY_VIEWS["pages/overview.py"])["overview_view"]


def _titles(at: AppTest) -> list[str]:
    return [(s["layout"].get("title") or {}).get("text", "").split("<br>")[0] for s in _charts(at)]


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_report_pages_show_real_charts_on_the_demo(demo, page):
    at = _run_as(page)
    assert not at.exception, at.exception
    specs = [spec for state in every_view(at, page) for spec in _charts(state)]  # 总览: three views, one at a time
    assert len(specs) >= 3
    titles = [s["layout"].get("title", {}).get("text", "") for s in specs]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in titles if t), titles
    assert any("数据截至 2025年3月" in m.value for m in at.markdown)  # the freshness banner
    assert at.query_params["period"] == ["2025-03"] or at.query_params["period"] == "2025-03"


def test_overview_headline_figures_and_deep_link(demo):
    at = _run_as("pages/overview.py", params={"period": "2025-02", "from": "2025-01", "region": "220500"})
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["受理案件数（本月）", "调解成功率", "协商调解解决占比", "在办重大集体争议"]
    assert "工会百人以上企业调委会" in labels
    assert all(m.help for m in at.metric), "every figure has its definition at hand"
    assert any("通化市 · 2025年2月" in h.value for h in at.markdown)
    # a different ranking measure reruns only the fragment
    at.selectbox(key="overview_rank_measure").select("above_scale_committee").run()
    assert not at.exception, at.exception


def test_pages_for_a_county_clerk_stay_in_scope(demo):
    from auth.viewer import Viewer

    county = Viewer("dongchang", "county", "220502", "东昌区填报员")
    for page in REPORT_PAGES:
        at = _run_as(page, county)
        assert not at.exception, (page, at.exception)
        regions = at.selectbox(key="flt_region").options
        assert "全省" not in regions and "长春市" not in regions, regions
    at = _run_as("pages/mediation.py", county, {"region": "220000"})  # a pasted province link is refused quietly
    assert not at.exception
    assert at.selectbox(key="flt_region").value == "220500"


def test_filters_follow_the_user_from_page_to_page(demo):
    """A deep link opens 总览 on that view; on the next page the URL is rebuilt from the session (Streamlit drops
    query parameters when switching pages)."""
    from auth.viewer import PROVINCE_ADMIN

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["viewer"] = PROVINCE_ADMIN
    at.query_params.update({"period": "2025-02", "from": "2025-01", "region": "220500"})
    at.run()
    assert not at.exception, at.exception
    for page, title in (("pages/mediation.py", "调解成效"), ("pages/submissions.py", "报送情况")):
        at.query_params.clear()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert at.title[0].value == title
        assert {k: at.query_params[k] for k in ("period", "from", "region")} == {
            "period": "2025-02",
            "from": "2025-01",
            "region": "220500",
        }


def test_overview_computes_and_draws_only_the_open_view(demo):
    """总览's targets, progress and trend are tabs with lazy content: the first screen carries two charts."""
    at = _run_as("pages/overview.py")
    assert [t.label for t in at.tabs] == OVERVIEW_VIEWS
    drawn = {OVERVIEW_VIEWS[0]: _titles(at)}
    for view in OVERVIEW_VIEWS[1:]:
        at.session_state["overview_view"] = view
        at.run()
        assert not at.exception, at.exception
        drawn[view] = _titles(at)
    assert drawn == {
        "目标与排名": ["各项目标完成情况", "各单位协商调解解决占比"],
        "逐月进展": [""],  # the small multiples: each panel has its own title, the figure none
        "调解趋势": ["受理、结案、调解成功与成功率"],
    }


def test_mediation_draws_the_industry_heat_map_only_in_its_own_tab(demo):
    at = _run_as("pages/mediation.py")
    first = _titles(at)
    at.session_state["mediation_industry_view"] = "行业热力图"
    at.run()
    assert not at.exception, at.exception
    second = _titles(at)
    assert ("受理案件数最多的行业" in first, "各单位 × 行业" in first) == (True, False)
    assert ("受理案件数最多的行业" in second, "各单位 × 行业" in second) == (False, True)
