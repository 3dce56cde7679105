"""Chinese on screen: every page, rendered in AppTest for each role, shows no English words outside an allow-list
(file types, units, codes); and no emoji anywhere in pages/, dashboard/ or service/ (they render as boxes on a
machine without an emoji font; Material icons are used instead)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, SAMPLES, every_view
from streamlit.testing.v1 import AppTest

from auth.viewer import Viewer

PAGES = [
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
    "pages/admin.py",
    "pages/login.py",
]

ROLES = {
    "leader": Viewer("demo_leader", "leader", None, "省级领导"),
    "city": Viewer("demo_city", "city", "220500", "通化市填报员"),
    "county": Viewer("demo_county", "county", "220502", "东昌区填报员"),
    "admin": Viewer("demo_admin", "admin", None, "省级管理员"),
}

# Latin words a Chinese user reads without trouble: file types, units, product names. Anything else is a finding.
ALLOWED_WORDS = {
    "xlsx",
    "xlsm",
    "xls",
    "docx",
    "Excel",
    "Word",
    "WPS",
    "PNG",
    "MB",
    "KB",
    "GB",
    "SSO",
    "ID",
    "OK",
    "HTTPS",
    "OIDC",
    "SHA",
}
# Codes are allowed as they are: account names and column keys (with _ or digits: demo_city, succeeded_total,
# R3, A1), region codes, and the one-letter form/industry codes (A, B, C, E) that the regex below never matches.
CODE = re.compile(r"^[A-Za-z]+[_\d][A-Za-z0-9_]*$|^[a-z]+_[a-z_]+$")
# Table columns that hold codes for administrators on purpose (where a setting is changed; the raw audit record).
CODE_COLUMNS = {"配置项", "配置写法", "原始记录", "账号", "操作人", "对象", "列代码", "代码"}
ACCOUNT_NAMES = {"demo_admin", "demo_leader", "demo_city", "demo_county", "admin"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MARKUP = [
    re.compile(p)
    for p in (
        r"<[^>]+>",  # HTML of the freshness banner and badges
        r":material/[a-z_]+:",  # Material icon shortcodes
        r":[a-z]+(-background|-badge)?\[",  # colour and badge directives
        r"\]\([^)]*\)",  # markdown link targets
        r"`[^`]*`",  # inline code: commands and codes, shown as code on purpose
        r"https?://\S+",
        r"\b[\w.-]+\.(xlsx|xlsm|xls|docx|png|csv)\b",  # file names
        r"\bdemo\d*\b|\bdemo1234\b",
        r"\b[A-Z]{1,3}-\d+\b",  # example codes such as 编号 TH-01
    )
]


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory):
    """Two real sample workbooks (附件1 通化市, 附件2 长春市) loaded, plus the demo accounts: something on every page."""
    from auth import accounts
    from etl.ingest import ingest
    from warehouse.db import Warehouse

    db = tmp_path_factory.mktemp("english") / "wh.duckdb"
    wh = Warehouse(db)
    for name in ("通化市2025年3月劳动人事争议调解情况月报.xlsx", "长春市2025年6月调解组织建设情况统计表.xlsx"):
        assert ingest(wh, (SAMPLES / name).read_bytes(), name, user="demo_city").status == "loaded"
    accounts.ensure_demo_accounts(wh, actor="demo_admin")
    wh.close()
    return db


def english_words(text: str) -> list[str]:
    """The Latin words of a visible text that are neither markup, allowed words nor codes."""
    for pattern in MARKUP:
        text = pattern.sub(" ", text)
    return [w for w in WORD.findall(text) if w not in ALLOWED_WORDS and not CODE.match(w) and len(w) > 1]


def _chart_texts(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    texts = [layout.get("title", {}).get("text", "") if isinstance(layout.get("title"), dict) else ""]
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            title = axis.get("title")
            texts.append(title.get("text", "") if isinstance(title, dict) else str(title or ""))
            texts += [str(t) for t in axis.get("ticktext", []) or []]
    texts += [str(a.get("text", "")) for a in layout.get("annotations", []) or []]
    legend = layout.get("legend", {}).get("title", {})
    texts.append(legend.get("text", "") if isinstance(legend, dict) else "")
    legend_shown = layout.get("showlegend", True) is not False
    for trace in spec.get("data", []):
        # a name is read only in a legend (maps and heatmaps have none)
        if legend_shown and trace.get("showlegend", True) is not False and trace.get("type") not in NO_LEGEND:
            texts.append(str(trace.get("name") or ""))
        texts += [str(t) for t in (trace.get("text") if isinstance(trace.get("text"), list) else [])]
    return texts


NO_LEGEND = {"choropleth", "choroplethmap", "choroplethmapbox", "heatmap"}


def _shown_columns(frame) -> dict[str, str]:
    """Column name → the header a user sees (column_config labels; hidden columns left out)."""
    try:
        config = json.loads(frame.proto.columns or "{}")
    except ValueError:
        config = {}
    shown = {}
    for column in frame.value.columns:
        spec = config.get(str(column), config.get(f"col:{column}", {}))
        if spec is None or (isinstance(spec, dict) and spec.get("hidden")):
            continue
        shown[str(column)] = (spec.get("label") if isinstance(spec, dict) else None) or str(column)
    return shown


def visible_texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) of everything a user reads on the page without hovering."""
    out = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "info",
        "warning",
        "error",
        "success",
        "exception",
    ):
        out += [(kind, str(e.value)) for e in at.get(kind)]
    for m in at.metric:
        out += [("metric", m.label), ("metric", str(m.value)), ("metric", str(m.proto.body))]
    for kind in (
        "button",
        "download_button",
        "checkbox",
        "toggle",
        "text_input",
        "text_area",
        "number_input",
        "date_input",
        "file_uploader",
        "slider",
        "select_slider",
    ):
        for w in at.get(kind):
            out.append((kind, w.proto.label))
            if getattr(w.proto, "placeholder", ""):
                out.append((kind, w.proto.placeholder))
    for kind in ("selectbox", "multiselect", "radio", "button_group"):
        for w in at.get(kind):
            out.append((kind, w.proto.label))
            if kind in ("selectbox", "multiselect"):
                # without a placeholder of ours the browser shows Streamlit's own "Choose an option" whenever
                # nothing is chosen (no locale option), so a missing placeholder counts as those words
                out.append((kind, w.proto.placeholder or "Choose an option"))
            options = getattr(w, "options", None) or []
            out += [(kind, str(o)) for o in options]
    for kind in ("tab", "expander"):
        out += [(kind, str(e.label)) for e in at.get(kind)]
    for frame in at.dataframe:
        value, shown = frame.value, _shown_columns(frame)
        out += [("table header", label) for label in shown.values()]
        for column in value.columns:
            if str(column) not in shown or shown[str(column)] in CODE_COLUMNS:
                continue
            out += [("table cell", v) for v in value[column].dropna().astype(str).tolist()[:200]]
    if at.get("file_uploader") and not any(
        "stFileUploaderDropzoneInstructions" in h.proto.body for h in at.get("html")
    ):
        out.append(("file_uploader", "Upload 20MB per file"))  # its own texts, unless layout's CSS replaces them
    for chart in at.get("plotly_chart"):
        out += [("chart", t) for t in _chart_texts(json.loads(chart.proto.spec))]
    return [(where, text) for where, text in out if text]


def _run(page: str, viewer: Viewer) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.session_state["viewer"] = viewer
    at.run()
    return at


@pytest.mark.parametrize("role", list(ROLES))
def test_no_english_words_on_any_page(loaded_db, monkeypatch, role):
    monkeypatch.setenv("MEDIATION_DB", str(loaded_db))
    findings = {}
    for page in PAGES:
        words = set()
        for at in every_view(_run(page, ROLES[role]), page):
            assert not at.exception, (page, at.exception)
            words |= {
                (where, w, text[:80])
                for where, text in visible_texts(at)
                for w in english_words(text)
                if not (page == "pages/admin.py" and w in ACCOUNT_NAMES)
            }  # accounts are that page's subject
        if words:
            findings[page] = sorted(words)
    assert not findings, "\n" + "\n".join(
        f"{page}: {where} {word!r} in {text!r}" for page, words in findings.items() for where, word, text in words
    )


def test_the_check_finds_english_and_lets_codes_and_units_pass():
    """The detector itself: it must fail on Streamlit's own English and pass on units, file types and codes."""
    assert english_words("Choose an option") == ["Choose", "an", "option"]
    assert english_words("20MB per file") == ["per", "file"]
    assert english_words("审核退回：review_return") == []
    assert english_words("单个文件不超过 20 MB，支持 .xlsx、.xlsm 和 .xls") == []
    assert english_words("R3 集体争议聚集 · 账号 demo_city · 附件1 A 表") == []
    assert english_words("<div style='color:#14532d'>数据截至 2025年3月</div> :material/info: 说明") == []


# Pictographs (U+1F000–U+1FAFF), the emoji variation selector, and the BMP symbols that default to emoji style.
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\ufe0f\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615"
    "\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3"
    "\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0"
    "\u27bf\u2b1b\u2b1c\u2b50\u2b55]"
)


def test_no_emoji_in_the_app_code():
    found = []
    for folder in ("pages", "dashboard", "service", "auth"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if EMOJI.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    found += [
        f"app.py: {line.strip()[:80]}"
        for line in (ROOT / "app.py").read_text(encoding="utf-8").splitlines()
        if EMOJI.search(line)
    ]
    assert found == []
    assert EMOJI.search("🗺️") and EMOJI.search("📋") and EMOJI.search("✅") and not EMOJI.search("✓ 按时 ↻ ⬆")


def test_the_service_login_page_reads_in_chinese():
    """The service's own /login page (service/login_page.py, plain HTML outside Streamlit)."""
    import html as html_lib

    from service import login_page

    demo = [{"role": "省级领导", "region": "全省", "name": "demo_leader", "password": "demo1234"}]
    page = login_page.render(csrf="x", next_url="/", demo=demo, sso=True, error="账号或密码错误。")
    body = re.sub(r"<style>.*?</style>|<head>.*?</head>", " ", page, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", body))
    assert english_words(text) == []
