"""Multi-level review: a county upload is 待审核 at its city, 退回 shows the reason to the county, a
resubmission supersedes it, 审核通过 makes it the approved figures; who may review what; pending_counts."""

from __future__ import annotations

import copy
import json

import pytest
from builders import TODAY, a1_row, form_workbook
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from auth.viewer import PROVINCE_ADMIN, Viewer
from dashboard import upload as up
from etl.ingest import ingest
from warehouse import config, review

COUNTY = Viewer("dongchang", "county", "220502", "东昌区填报员")
CITY = Viewer("tonghua", "city", "220500", "通化市填报员")
OTHER_CITY = Viewer("baishan", "city", "220600", "白山市填报员")
LEADER = Viewer("leader", "leader")


def use_review_config(monkeypatch, *, pending_counts: bool) -> None:
    base = config.settings()

    def patched() -> dict:
        settings = copy.deepcopy(base)
        settings.setdefault("review", {}).update(enabled=True, pending_counts=pending_counts)
        return settings

    monkeypatch.setattr(config, "settings", patched)


@pytest.fixture
def wh(empty_warehouse, monkeypatch):
    use_review_config(monkeypatch, pending_counts=True)
    return empty_warehouse


def upload(wh, viewer: Viewer, rows: list[dict]) -> str:
    scope = up.upload_scope(wh, viewer)
    fc = up.check_file(wh, scope, form_workbook("A", {"调解情况": rows}), "上报.xlsx", today=TODAY)
    assert fc.ok, [e.message for e in fc.result.errors]
    return up.load_file(wh, scope, fc, today=TODAY).loaded.version_id


def dongchang(accepted_enterprise: int = 4) -> list[dict]:
    """东昌区's row with 受理案件数合计 = 6 + accepted_enterprise."""
    return [a1_row("220502", "东昌区", accepted_enterprise=accepted_enterprise, accepted_total=6 + accepted_enterprise)]


def shown(wh, region: str = "220502"):
    """受理案件数合计 the dashboards show for 2025-03 (None = nothing)."""
    return wh.scalar("select accepted_total from v_mediation where period = '2025-03' and region_code = ?", [region])


def state(wh, version_id: str) -> tuple[str, str | None]:
    sub = review.submission(wh, version_id)
    return sub.review_state, sub.review_note


def queue_ids(wh, viewer: Viewer) -> list[str]:
    return [s.version_id for s in review.review_queue(wh, viewer)]


# ------------------------------------------------------------------ pending at the city
def test_a_county_upload_is_pending_at_its_city(wh):
    version = upload(wh, COUNTY, dongchang())
    sub = review.submission(wh, version)
    assert (sub.review_state, sub.submitter_role, sub.reviewer_role, sub.reviewer_unit) == (
        "pending",
        "county",
        "city",
        "220500",
    )
    assert queue_ids(wh, CITY) == [version]
    assert queue_ids(wh, OTHER_CITY) == [] and queue_ids(wh, COUNTY) == [] and queue_ids(wh, LEADER) == []
    assert queue_ids(wh, PROVINCE_ADMIN) == [version]  # the province may step in
    assert shown(wh) == 10  # pending_counts = true: counted at once …
    assert review.pending_current(wh, period="2025-03").rows() == [
        ("A", "2025-03", "220502", version)
    ]  # … marked 待审核
    assert [s.version_id for s in review.uploader_items(wh, COUNTY, states=("pending",))] == [version]


def test_an_administrators_upload_needs_no_review(wh):
    version = upload(wh, PROVINCE_ADMIN, dongchang())
    assert state(wh, version) == ("approved", None)
    assert queue_ids(wh, PROVINCE_ADMIN) == []


def test_only_the_right_reviewer_may_act(wh):
    version = upload(wh, COUNTY, dongchang())
    for viewer in (OTHER_CITY, COUNTY, LEADER):
        with pytest.raises(review.ReviewError, match="没有审核这个版本的权限"):
            review.approve(wh, version, viewer)
        with pytest.raises(review.ReviewError, match="没有审核这个版本的权限"):
            review.return_version(wh, version, viewer, reason="请核实")
    assert state(wh, version) == ("pending", None)


# ------------------------------------------------------------------ 退回
def test_a_return_needs_a_reason(wh):
    version = upload(wh, COUNTY, dongchang())
    with pytest.raises(review.ReviewError, match="请填写退回原因"):
        review.return_version(wh, version, CITY, reason="   ")
    assert state(wh, version) == ("pending", None)


def test_return_shows_the_reason_to_the_county(wh):
    version = upload(wh, COUNTY, dongchang())
    review.return_version(wh, version, CITY, reason="企业调解委员会受理数与台账不符，请核实后重报。")
    assert state(wh, version) == ("returned", "企业调解委员会受理数与台账不符，请核实后重报。")
    items = review.uploader_items(wh, COUNTY, states=("returned",))
    assert [(s.version_id, s.review_note, s.reviewed_by) for s in items] == [
        (version, "企业调解委员会受理数与台账不符，请核实后重报。", "tonghua")
    ]
    assert queue_ids(wh, CITY) == []


def test_the_upload_page_shows_the_county_its_returned_upload(wh, monkeypatch):
    version = upload(wh, COUNTY, dongchang())
    review.return_version(wh, version, CITY, reason="请补充二道江区以外的说明")
    monkeypatch.setenv("MEDIATION_DB", str(wh.path))
    wh.close()
    at = AppTest.from_file(str(ROOT / "pages/upload.py"), default_timeout=60)
    at.session_state["viewer"] = COUNTY
    at.run()
    assert not at.exception
    returned = [e.value for e in at.error]
    assert len(returned) == 1 and "被退回" in returned[0] and "退回原因：请补充二道江区以外的说明" in returned[0]


def test_returned_figures_leave_the_dashboards_for_the_last_approved_ones(wh):
    approved = upload(wh, PROVINCE_ADMIN, dongchang(4))
    pending = upload(wh, COUNTY, dongchang(7))
    assert shown(wh) == 13
    fallback = review.return_version(wh, pending, CITY, reason="数字有误")
    assert fallback == {"220502": approved}
    assert shown(wh) == 10


def test_returned_figures_without_approved_ones_leave_nothing(wh):
    pending = upload(wh, COUNTY, dongchang())
    assert review.return_version(wh, pending, CITY, reason="数字有误") == {"220502": None}
    assert shown(wh) is None


# ------------------------------------------------------------------ resubmission
def test_a_resubmission_supersedes_the_returned_upload(wh):
    first = upload(wh, COUNTY, dongchang(7))
    review.return_version(wh, first, CITY, reason="数字有误")
    second = upload(wh, COUNTY, dongchang(5))
    assert review.uploader_items(wh, COUNTY, states=("returned",)) == []
    assert review.submission(wh, first).state_label == "退回（已被新版本替代）"
    assert queue_ids(wh, CITY) == [second]
    assert shown(wh) == 11


def test_a_superseded_pending_upload_leaves_the_queue(wh):
    first = upload(wh, COUNTY, dongchang(7))
    second = upload(wh, COUNTY, dongchang(5))
    assert queue_ids(wh, CITY) == [second]
    with pytest.raises(review.ReviewError, match="已被同一地区更新的上报替代"):
        review.approve(wh, first, CITY)


# ------------------------------------------------------------------ 审核通过
def test_approval_makes_the_upload_the_approved_figures_and_is_audited(wh):
    first = upload(wh, COUNTY, dongchang(7))
    review.return_version(wh, first, CITY, reason="数字有误")
    second = upload(wh, COUNTY, dongchang(5))
    assert review.approve(wh, second, CITY) == ["220502"]
    assert state(wh, second) == ("approved", None)
    assert queue_ids(wh, CITY) == [] and review.uploader_items(wh, COUNTY) == []
    assert wh.query("select version_id from approved_versions where region_code = '220502'").rows() == [(second,)]
    assert shown(wh) == 11
    log = wh.query(
        "select actor, action, target, detail from audit_log where action like 'review_%' order by logged_at, action"
    ).rows()
    assert [(a, b, c) for a, b, c, _ in log] == [
        ("tonghua", "review_return", first),
        ("tonghua", "review_approve", second),
    ]
    assert json.loads(log[0][3])["reason"] == "数字有误"
    with pytest.raises(review.ReviewError, match="审核通过"):
        review.return_version(wh, second, CITY, reason="再看看")


def test_a_city_upload_goes_to_the_province(wh):
    version = upload(wh, CITY, [a1_row("220500", "市本级"), a1_row("220502", "东昌区")])
    sub = review.submission(wh, version)
    assert (sub.review_state, sub.reviewer_role) == ("pending", "admin")
    assert queue_ids(wh, CITY) == []
    with pytest.raises(review.ReviewError, match="省级管理员"):
        review.approve(wh, version, CITY)
    assert review.approve(wh, version, PROVINCE_ADMIN) == ["220500", "220502"]


def test_the_province_sees_uploads_addressed_to_it_first(wh):
    county = upload(wh, COUNTY, dongchang())
    city = upload(wh, CITY, [a1_row("220500", "市本级")])
    assert queue_ids(wh, PROVINCE_ADMIN) == [city, county]


def test_a_cli_load_without_a_record_is_routed_by_its_regions(wh):
    one = ingest(wh, form_workbook("A", {"调解情况": dongchang()}), "县.xlsx", today=TODAY, review_state="pending")
    many = ingest(
        wh,
        form_workbook("A", {"调解情况": [a1_row("220600", "市本级"), a1_row("220602", "浑江区")]}),
        "市.xlsx",
        today=TODAY,
        review_state="pending",
    )
    assert (
        review.submission(wh, one.version_id).reviewer_role,
        review.submission(wh, one.version_id).reviewer_unit,
    ) == ("city", "220500")
    assert review.submission(wh, many.version_id).reviewer_role == "admin"


# ------------------------------------------------------------------ pending_counts = false
def test_pending_figures_do_not_count_until_approved_when_configured(wh, monkeypatch):
    use_review_config(monkeypatch, pending_counts=False)
    approved = upload(wh, PROVINCE_ADMIN, dongchang(4))
    pending = upload(wh, COUNTY, dongchang(7))
    assert shown(wh) == 10 and review.pending_current(wh).height == 0
    review.approve(wh, pending, CITY)
    assert shown(wh) == 13
    again = upload(wh, COUNTY, dongchang(9))
    review.return_version(wh, again, CITY, reason="数字有误")
    assert shown(wh) == 13
    assert approved != pending


# ------------------------------------------------------------------ restore
def test_only_approved_versions_can_be_restored_by_admin_or_the_owning_city(wh):
    old = upload(wh, PROVINCE_ADMIN, dongchang(4))
    new = upload(wh, PROVINCE_ADMIN, dongchang(6))
    pending = upload(wh, COUNTY, dongchang(7))
    index = wh.region_index()
    assert up.can_restore(COUNTY, review.submission(wh, old), index)[0] is False
    assert up.can_restore(OTHER_CITY, review.submission(wh, old), index)[0] is False
    assert up.can_restore(CITY, review.submission(wh, pending), index) == (
        False,
        "这个版本的状态是“待审核”，只能恢复审核通过的版本。",
    )
    with pytest.raises(PermissionError):
        up.restore(wh, COUNTY, old)
    assert up.restore(wh, CITY, old) == ["220502"]
    assert shown(wh) == 10
    assert wh.query("select version_id from approved_versions").rows() == [(old,)]
    assert wh.query("select actor, action, target from audit_log where action = 'restore'").rows() == [
        ("tonghua", "restore", old)
    ]
    review.return_version(wh, pending, CITY, reason="数字有误")
    assert shown(wh) == 10  # the restored figures stay: the returned upload was no longer shown
    from warehouse.load import restore_version

    with pytest.raises(ValueError, match="退回"):
        restore_version(wh, pending, user="admin")
    assert new


# ------------------------------------------------------------------ the 审核 page
def review_page(wh, monkeypatch, viewer: Viewer) -> AppTest:
    monkeypatch.setenv("MEDIATION_DB", str(wh.path))
    at = AppTest.from_file(str(ROOT / "pages/review.py"), default_timeout=60)
    at.session_state["viewer"] = viewer
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_review_page_approves_and_returns(wh, monkeypatch):
    approved = upload(wh, PROVINCE_ADMIN, dongchang(4))
    pending = upload(wh, COUNTY, dongchang(7))
    wh.close()
    at = review_page(wh, monkeypatch, CITY)
    [item] = at.expander
    assert "东昌区" in item.label and "2025年3月" in item.label
    assert "**与已审核数据对比：变化 2 处**" in [m.value for m in at.markdown]
    assert "- 东昌区 受理案件数合计 10 → 13\n- 东昌区 受理案件数·企业调解委员会 4 → 7" in [m.value for m in at.markdown]
    at.button(key=f"return_{pending}").click().run()
    assert [e.value for e in at.error] == ["请填写退回原因，让填报单位知道要改什么。"]
    at.text_area(key=f"reason_{pending}").input("企业调解委员会受理数请核实").run()
    at.button(key=f"return_{pending}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("已退回")
    assert "目前没有等待您审核的上报。" in [s.value for s in at.success]
    assert approved


def test_the_review_page_tells_a_county_where_results_appear(wh, monkeypatch):
    at = review_page(wh, monkeypatch, COUNTY)
    assert [i.value for i in at.info] == [
        "您上报的数据由所属市（州）审核。审核结果（通过或退回原因）会显示在“数据上报”页面。"
    ]


def test_the_review_page_approval(wh, monkeypatch):
    pending = upload(wh, COUNTY, dongchang(7))
    wh.close()
    at = review_page(wh, monkeypatch, CITY)
    at.button(key=f"approve_{pending}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("已审核通过")
    from dashboard.runtime import _open

    assert _open(str(wh.path)).scalar("select review_state from versions where version_id = ?", [pending]) == "approved"


def test_a_note_for_dashboards_names_the_figures_awaiting_review(wh):
    assert review.pending_note(wh) == ""
    upload(
        wh,
        CITY,
        [
            a1_row("220500", "市本级"),
            a1_row("220502", "东昌区"),
            a1_row("220503", "二道江区"),
            a1_row("220521", "通化县"),
        ],
    )
    assert (
        review.pending_note(wh)
        == "含待审核数据：2025年3月 表A 通化市本级、东昌区、二道江区等 4 个地区（审核通过前可能变动）"
    )
    assert review.pending_note(wh, regions={"220502"}) == "含待审核数据：2025年3月 表A 东昌区（审核通过前可能变动）"
    assert review.pending_note(wh, period="2025-04") == ""


def test_dashboards_mark_figures_awaiting_review(tmp_path):
    """[review] pending_counts = true: a county's pending upload counts on the dashboards, marked 待审核."""
    from builders import a1_row, form_workbook

    from auth.viewer import PROVINCE_ADMIN, Viewer
    from dashboard.common import pending_note
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path / "wh.duckdb")
    content = form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]}, period="2025-03")
    assert ingest(wh, content, "dongchang.xlsx", review_state="pending").status == "loaded"
    assert pending_note(wh, PROVINCE_ADMIN) == "含待审核数据：2025年3月 表A 东昌区（审核通过前可能变动）"
    other_county = Viewer(name="x", role="county", region_code="220503")
    assert pending_note(wh, other_county) == ""
