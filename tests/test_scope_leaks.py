"""What a clerk sees stays inside their scope (interfaces.md §4) on the upload preview, in 历史版本 and its
CLI twin, and on every page and download."""

from __future__ import annotations

import pytest
from builders import TODAY, a1_row, form_workbook
from conftest import every_view

from auth import accounts
from auth.viewer import Viewer

TONGHUA_CITY = Viewer("demo_city", "city", "220500", "通化市填报员")
DONGCHANG_COUNTY = Viewer("demo_county", "county", "220502", "通化市东昌区填报员")


def unit_rows(wh, unit: str, *, scale: int) -> list[dict]:
    """One 调解情况 row per region of a reporting unit (the city's own row written 市本级, as clerks do)."""
    regions = sorted(wh.region_index().unit_regions(unit), key=lambda r: r.code)
    return [a1_row(r.code, "市本级" if r.is_city else r.name, scale=scale) for r in regions]


@pytest.fixture
def wh(tmp_path):
    """February (admin-loaded) for 通化市 and 白山市 at five times March's figures, so March jumps everywhere."""
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path / "wh.duckdb")
    accounts.ensure_demo_accounts(wh, actor="test")
    february = form_workbook(
        "A", {"调解情况": unit_rows(wh, "220500", scale=5) + unit_rows(wh, "220600", scale=5)}, period="2025-02"
    )
    assert ingest(wh, february, "二月.xlsx", today=TODAY).status == "loaded"
    yield wh
    wh.close()


def check_as(wh, viewer: Viewer, content: bytes):
    from dashboard import upload as up

    scope = up.upload_scope(wh, viewer)
    return scope, up.check_file(wh, scope, content, "三月.xlsx", today=TODAY)


# ------------------------------------------------------------------ item 1: the upload preview
def test_a_county_checking_its_citys_file_sees_last_months_figures_of_its_own_region_only(wh):
    from dashboard import upload as up

    scope, fc = check_as(wh, DONGCHANG_COUNTY, form_workbook("A", {"调解情况": unit_rows(wh, "220500", scale=1)}))
    jumps = [w.message.split("（")[1].split(" · ")[0] for w in fc.result.warnings if w.code == "A1_ACCEPTED_JUMP"]
    assert jumps == ["东昌区"]
    assert up.key_totals(wh, fc.result, scope.allowed_regions).to_dicts() == [
        {"指标": "受理案件数合计", "本月": "10", "上月": "50", "增减": "-40", "增减率": "-80.0%"},
        {"指标": "调解结案数", "本月": "8", "上月": "40", "增减": "-32", "增减率": "-80.0%"},
        {"指标": "调解成功数合计", "本月": "6", "上月": "30", "增减": "-24", "增减率": "-80.0%"},
        {"指标": "涉案金额", "本月": "12.50", "上月": "62.50", "增减": "-50", "增减率": "-80.0%"},
    ]
    assert up.region_totals(wh, fc.result, scope.allowed_regions).to_dicts() == [
        {"地区": "东昌区", "指标": "受理案件数合计", "本月": "10", "上月": "50", "增减": "-40"}
    ]


def test_another_units_file_gets_one_headline_error_and_no_figures_of_that_unit(wh):
    from dashboard import upload as up

    scope, fc = check_as(wh, TONGHUA_CITY, form_workbook("A", {"调解情况": unit_rows(wh, "220600", scale=1)}))
    assert [(e.code, e.sheet, e.cell) for e in fc.result.errors] == [("out_of_scope", "调解情况", "B5")]
    assert fc.result.errors[0].message == (
        "“调解情况”工作表 B5 单元格：此文件为白山市报表，不在您的填报范围（通化市及所辖县区）。"
        "请上传本单位的报表；这份报表应由对应单位的填报员上报。"
    )
    assert fc.result.warnings == []
    assert up.key_totals(wh, fc.result, scope.allowed_regions).is_empty()
    assert up.region_totals(wh, fc.result, scope.allowed_regions).is_empty()


def test_the_previous_month_history_reads_only_the_regions_it_is_scoped_to(wh):
    from warehouse.load import WarehouseHistory

    scoped = WarehouseHistory(wh, {"220502"})
    assert sorted(scoped.previous_rows("mediation", "2025-02", {"220502", "220602"})) == ["220502"]
    assert sorted(WarehouseHistory(wh).previous_rows("mediation", "2025-02", {"220502", "220602"})) == [
        "220502",
        "220602",
    ]
    assert scoped.previous_rows("mediation", "2025-02", {"220602"}) == {}


# ------------------------------------------------------------------ item 2: 历史版本 and `history --user`
@pytest.fixture
def versions(wh):
    """February as above, then two March loads of the whole 通化市 (every row jumps against February: one
    warning per row) and one March load of 白山市. Returns (first March, second March) version ids."""
    from etl.ingest import ingest

    loads = []
    for unit, scale in (("220500", 1), ("220500", 2), ("220600", 1)):
        result = ingest(
            wh, form_workbook("A", {"调解情况": unit_rows(wh, unit, scale=scale)}), f"{unit}-{scale}.xlsx", today=TODAY
        )
        assert result.status == "loaded" and len(result.warnings) == len(unit_rows(wh, unit, scale=1))
        loads.append(result.version_id)
    return loads[0], loads[1]


def test_a_county_sees_only_versions_touching_its_region_cut_down_to_it(wh, versions):
    from dashboard import upload as up

    subs = up.visible_versions(wh, DONGCHANG_COUNTY)
    assert [(s.file_name, s.regions, s.current_regions, s.warnings) for s in subs] == [
        ("220500-2.xlsx", ["220502"], ["220502"], 1),
        ("220500-1.xlsx", ["220502"], [], 1),
        ("二月.xlsx", ["220502"], ["220502"], 0),
    ]
    assert up.versions_frame(subs, wh.region_index())["地区"].to_list() == ["东昌区"] * 3
    assert up.version_warnings(wh, DONGCHANG_COUNTY, versions[1])["地区 · 项目"].to_list() == [
        "东昌区 · 受理案件数合计"
    ]


def test_a_city_sees_its_units_regions_of_a_province_wide_version_and_cannot_restore_it(wh, versions):
    from dashboard import upload as up

    subs = up.visible_versions(wh, TONGHUA_CITY)
    tonghua = sorted(r.code for r in wh.region_index().unit_regions("220500"))
    assert [(s.file_name, s.regions) for s in subs] == [
        ("220500-2.xlsx", tonghua),
        ("220500-1.xlsx", tonghua),
        ("二月.xlsx", tonghua),
    ]
    february = subs[-1]
    assert up.can_restore(TONGHUA_CITY, up.unscoped(february), wh.region_index())[0] is False


def test_a_countys_diff_of_two_city_versions_lists_only_its_own_rows(wh, versions):
    from dashboard import upload as up
    from warehouse import compare

    by_id = {s.version_id: s for s in up.visible_versions(wh, DONGCHANG_COUNTY)}
    old, new = by_id[versions[0]], by_id[versions[1]]
    regions = up.compare_regions(old, new, None, DONGCHANG_COUNTY, wh.region_index())
    assert regions == ["220502"]
    changes = compare.compare_versions(wh, old.version_id, new.version_id, regions)
    assert {c.region_name for c in changes} == {"东昌区"} and len(changes) > 1
    assert up.compare_regions(old, new, {"220503"}, DONGCHANG_COUNTY, wh.region_index()) == []


def test_history_user_in_the_cli_lists_what_the_page_lists(wh, versions, capsys):
    from etl.cli import main

    path = str(wh.path)
    wh.close()
    assert main(["history", "--db", path, "--user", "demo_county"]) == 0
    county = capsys.readouterr().out.splitlines()
    assert [(line.split()[0], line.split("地区 ")[1].split()[0]) for line in county] == [
        (versions[1], "220502"),
        (versions[0], "220502"),
        (county[2].split()[0], "220502"),
    ]
    assert main(["history", "--db", path]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4  # the administrator sees 白山市's version too
    assert main(["history", "--db", path, "--user", "nobody"]) == 2
    assert "没有名为“nobody”的账号" in capsys.readouterr().err


# ------------------------------------------------------------------ rendering every page as a clerk (items 3 and 11)
def run_page(page: str, viewer: Viewer, downloads: list | None = None, **widgets):
    """A page as the signed-in viewer sees it; `downloads` collects the bytes of every download button rendered
    (AppTest cannot click a download, so the data — or the function that would make it — is taken as it is passed);
    `widgets` are widget keys set before a second run (e.g. a filter)."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=180)
    at.session_state["viewer"] = viewer
    at.run()
    for key, value in widgets.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception, (page, at.exception)
    return at


@pytest.fixture
def record_downloads(monkeypatch):
    """Every st.download_button's data (called when deferred), as pages pass it."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    served: list[bytes] = []
    main_button, dg_button = st.download_button, DeltaGenerator.download_button

    def keep(data):
        served.append(data() if callable(data) else data)

    def main(label, data=None, *args, **kwargs):
        keep(data)
        return main_button(label, data, *args, **kwargs)

    def method(self, label, data=None, *args, **kwargs):
        keep(data)
        return dg_button(self, label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", main)
    monkeypatch.setattr(DeltaGenerator, "download_button", method)
    return served


def _elements(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _elements(child)


def _proto_strings(message, skip=("placeholder",)):
    """Every string field of an element's protobuf message, nested messages and lists included."""
    for field, value in message.ListFields():
        if field.name in skip:
            continue
        repeated = (
            hasattr(value, "__iter__") and not isinstance(value, (str, bytes)) and not hasattr(value, "ListFields")
        )
        values = list(value) if repeated else [value]
        for item in values:
            if isinstance(item, str):
                yield item
            elif hasattr(item, "ListFields"):
                yield from _proto_strings(item, skip)


def page_texts(at) -> list[str]:
    """All a page shows: every element's text, labels, options, chart specs and every table's cells."""
    texts = []
    for node in _elements(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            texts.extend(_proto_strings(proto))
        if getattr(node, "type", "") in ("arrow_data_frame", "arrow_table", "dataframe", "table"):
            frame = node.value
            texts.extend(str(c) for c in frame.columns)
            texts.extend(str(v) for row in frame.itertuples(index=False) for v in row)
    return texts


def download_texts(data) -> list[str]:
    """A download's content as text: every cell of every sheet of a workbook, else the decoded bytes."""
    import io

    import openpyxl

    content = data.encode() if isinstance(data, str) else bytes(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        return [content.decode("utf-8", "ignore")]
    return [
        str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v is not None
    ] + book.sheetnames


def region_finder():
    """text → the region codes it names: 6-digit codes, names and aliases (longest first, so 通化县 is not 通化市
    and 吉林省 is not 吉林市); an alias that begins another region's name (吉林 of 吉林省) names nothing for sure."""
    import re

    from etl.regions import reference_index

    index = reference_index()
    names: dict[str, str] = {
        "全省": "220000"
    }  # province figures say 全省; 吉林省 also names the campaign and employers
    for region in index.regions.values():
        if region.kind == "province":
            continue
        names[region.name] = region.code
        for alias in region.aliases:
            if len(alias) >= 2 and not any(
                other.name.startswith(alias) and other.code != region.code for other in index.regions.values()
            ):
                names.setdefault(alias, region.code)
    by_name = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    by_code = re.compile(r"(?<![0-9A-Za-z])\d{6}(?![0-9A-Za-z])")

    def find(text: str) -> set[str]:
        found = {names[m.group(0)] for m in by_name.finditer(text)}
        return found | {m.group(0) for m in by_code.finditer(text) if m.group(0) in index.regions}

    return find


def static_sources() -> str:
    """The product's own wording (page texts, help, form notes, settings): a long text found verbatim there is
    a description written by the team (“长白山管委会无独立边界…”), not figures of a region."""
    from conftest import ROOT

    files = [
        *ROOT.glob("pages/*.py"),
        *ROOT.glob("dashboard/*.py"),
        *ROOT.glob("etl/forms/*.toml"),
        *ROOT.glob("config/*.toml"),
        ROOT / "etl" / "template.py",
    ]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def named_regions(text: str, find, sources: str) -> set[str]:
    """The regions a text names, leaving out its clauses written verbatim in the product's sources (a clause of
    six characters or more: a lone region name is always counted)."""
    import re

    return {
        code
        for clause in re.split(r"[；。\n]", text)
        if not (len(clause) >= 6 and clause in sources)
        for code in find(clause)
    }


def allowed_by_spec(viewer: Viewer) -> set[str]:
    """interfaces.md §4, read literally: 市级填报员 sees its own unit (city, its counties, zones) + province totals
    and rankings (the 11 reporting units); 县级填报员 sees its own region + its unit's totals."""
    from etl.regions import reference_index

    index = reference_index()
    regions = index.regions.values()
    if viewer.role == "city":
        own_unit = {r.code for r in regions if r.unit_code == viewer.region_code}
        return own_unit | {"220000"} | {r.code for r in regions if r.code == r.unit_code}
    unit = index.get(viewer.region_code).unit_code
    return {viewer.region_code, unit}


ALL_PAGES = [
    "pages/overview.py",
    "pages/coverage.py",
    "pages/mediation.py",
    "pages/disputes.py",
    "pages/risk.py",
    "pages/ledger.py",
    "pages/submissions.py",
    "pages/upload.py",
    "pages/templates.py",
    "pages/review.py",
    "pages/history.py",
    "pages/forms_doc.py",
    "pages/settings.py",
]


@pytest.fixture(scope="module")
def busy_demo(tmp_path_factory):
    """The demo warehouse (2025-01…03) plus what makes history and review pages tell things: a province-wide
    admin load over 通化市 and 白山市, a 通化市 county's pending upload, a 白山市 county's pending upload and a
    returned upload of 东昌区."""
    from etl.demo import build_demo
    from etl.ingest import ingest
    from warehouse import review
    from warehouse.db import Warehouse

    db = tmp_path_factory.mktemp("scope") / "demo.duckdb"
    build_demo(db, first="2025-01", last="2025-03")
    wh = Warehouse(db)
    accounts.ensure_demo_accounts(wh, actor="test")
    index = wh.region_index()
    two_units = unit_rows(wh, "220500", scale=3) + unit_rows(wh, "220600", scale=3)
    assert ingest(wh, form_workbook("A", {"调解情况": two_units}), "两市补报.xlsx", today=TODAY).status == "loaded"
    for code, name in (("220503", "二道江区"), ("220602", "浑江区"), ("220502", "东昌区")):
        clerk = Viewer(f"clerk_{code}", "county", code)
        result = ingest(
            wh,
            form_workbook("A", {"调解情况": [a1_row(code, name, scale=4)]}),
            f"{name}三月.xlsx",
            user=clerk.name,
            allowed_regions={code},
            review_state="pending",
            today=TODAY,
            after_load=lambda cur, version_id, clerk=clerk: review.record_submission(cur, version_id, clerk, index),
        )
        assert result.status == "loaded"
        if code == "220502":
            review.return_version(wh, result.version_id, Viewer("admin", "admin"), reason="请核实东昌区受理数")
    wh.close()
    return db


@pytest.mark.parametrize("viewer", [TONGHUA_CITY, DONGCHANG_COUNTY], ids=["city", "county"])
def test_every_page_and_download_of_a_clerk_names_only_regions_the_spec_lets_them_see(
    busy_demo, viewer, monkeypatch, record_downloads
):
    monkeypatch.setenv("MEDIATION_DB", str(busy_demo))
    find = region_finder()
    allowed = allowed_by_spec(viewer)
    sources = static_sources()
    seen: dict[str, set[str]] = {}
    for page in ALL_PAGES:
        for at in every_view(run_page(page, viewer), page):
            for text in page_texts(at):
                for code in named_regions(text, find, sources) - allowed:
                    seen.setdefault(page, set()).add(code)
    for data in record_downloads:
        for text in download_texts(data):
            for code in named_regions(text, find, sources) - allowed:
                seen.setdefault("downloads", set()).add(code)
    assert len(record_downloads) >= 3  # the brief, the template and a list export at least
    assert seen == {}


# ------------------------------------------------------------------ item 11: user text never renders as Markdown
HOSTILE_NAME = "**粗体**[点我](javascript:alert(1))<img src=x onerror=alert(1)>.xlsx"
HOSTILE_REASON = "**粗体** [点我](http:x) <b>x"
# what would render as Markdown/HTML: the characters typed, without the backslash of md_escape in front
RAW_MARKS = __import__("re").compile(r"(?<!\\)\*(?<!\\)\*粗体|(?<!\\)\]\((?:javascript|http)|(?<!\\)<(?:img|b>)")


def unescaped(at) -> list[str]:
    """Markdown bodies and labels (markdown, captions, alerts, status and expander labels) showing user text raw."""
    found = []
    for node in _elements(at._tree):
        proto = getattr(node, "proto", None)
        if (
            proto is None
            or not hasattr(proto, "ListFields")
            or getattr(node, "type", "") in ("arrow_data_frame", "arrow_table", "dataframe", "table", "selectbox")
        ):
            continue
        found += [
            text for text in _proto_strings(proto, skip=("placeholder", "id", "form_id")) if RAW_MARKS.search(text)
        ]
    return found


def test_a_hostile_file_name_and_return_reason_show_as_typed_on_upload_and_review(tmp_path, monkeypatch):
    from dashboard.runtime import _open
    from warehouse import review

    monkeypatch.setenv("MEDIATION_DB", str(tmp_path / "wh.duckdb"))
    at = run_page("pages/upload.py", DONGCHANG_COUNTY)
    content = form_workbook("A", {"调解情况": [a1_row("220502", "东昌区")]})
    at.file_uploader(key="upload_files").set_value([(HOSTILE_NAME, content, "application/octet-stream")]).run()
    assert at.status and unescaped(at) == []
    [b for b in at.button if b.label == "确认入库"][0].click().run()
    assert not at.exception and unescaped(at) == []
    reviewer = run_page("pages/review.py", TONGHUA_CITY)
    assert any("粗体" in m.value for m in reviewer.markdown) and unescaped(reviewer) == []
    wh = _open(str(tmp_path / "wh.duckdb"))
    [pending] = review.review_queue(wh, TONGHUA_CITY)
    review.return_version(wh, pending.version_id, TONGHUA_CITY, reason=HOSTILE_REASON)
    clerk = run_page("pages/upload.py", DONGCHANG_COUNTY)
    assert "粗体" in clerk.error[0].value and unescaped(clerk) == []


def test_pages_pass_user_strings_through_md_escape():
    """Static check: in pages, a user-controlled value (file names, who loaded or reviewed, reasons, change lines
    naming employers) inside an f-string given to Streamlit is wrapped in md_escape(...)."""
    import ast

    from conftest import ROOT

    user_fields = {"file_name", "review_note", "reviewed_by", "loaded_by", "display_name", "employer", "row_label"}
    user_names = {"line", "reason"}
    # shown as plain text, never as Markdown: selectbox options (format_func) and the product's own lines
    plain_text = {"history.py up.person(people, s.loaded_by)", "disputes.py r['employer']", "templates.py line"}
    raw = []
    for path in sorted(ROOT.glob("pages/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        escaped = {
            id(n)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", "")) == "md_escape"
            for n in ast.walk(call)
        }
        called = {id(call.func) for call in ast.walk(tree) if isinstance(call, ast.Call)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.FormattedValue) or id(node.value) in escaped:
                continue
            if f"{path.name} {ast.unparse(node.value)}" in plain_text:
                continue
            for part in ast.walk(node.value):
                user = (
                    (isinstance(part, ast.Attribute) and part.attr in user_fields and id(part) not in called)
                    or (isinstance(part, ast.Name) and part.id in user_names)
                    or (isinstance(part, ast.Subscript) and getattr(part.slice, "value", None) in user_fields)
                    or (
                        isinstance(part, ast.Attribute)
                        and part.attr == "name"
                        and getattr(part.value, "id", "") in ("f", "fc")
                    )
                )
                if user:
                    raw.append(f"{path.name} {ast.unparse(node.value)}")
                    break
    assert raw == [], raw
