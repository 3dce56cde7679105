"""The app's pages as data: sections, titles, icons and URL paths (app.py builds the navigation from it; the
service redirects a URL naming no page; tools and benchmarks list the pages from it)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (file, title, icon, url path) per section; a page appears once its file exists. The first page is the site's
# home: Streamlit serves it at "/" (its url path is kept for old links, which the service redirects to "/").
SECTIONS = {
    "监测分析": [
        ("pages/overview.py", "总览", ":material/dashboard:", "overview"),
        ("pages/coverage.py", "组织建设", ":material/account_tree:", "coverage"),
        ("pages/mediation.py", "调解成效", ":material/handshake:", "mediation"),
        ("pages/disputes.py", "重大集体争议", ":material/groups:", "disputes"),
        ("pages/risk.py", "风险预警", ":material/warning:", "risk"),
        ("pages/ledger.py", "工作台账", ":material/checklist:", "ledger"),
        ("pages/submissions.py", "报送情况", ":material/calendar_month:", "submissions"),
    ],
    "数据填报": [
        ("pages/upload.py", "数据上报", ":material/upload_file:", "upload"),
        ("pages/templates.py", "模板下载", ":material/download:", "templates"),
        ("pages/review.py", "审核", ":material/fact_check:", "review"),
        ("pages/history.py", "历史版本", ":material/history:", "history"),
    ],
    "说明与管理": [
        ("pages/forms_doc.py", "报表说明", ":material/description:", "forms"),
        ("pages/settings.py", "参数设置", ":material/tune:", "settings"),
        ("pages/admin.py", "账号与审计", ":material/admin_panel_settings:", "admin"),
    ],
}

# Pages only administrators get in the navigation (the page itself refuses anyone else, too).
ADMIN_ONLY = {"pages/admin.py"}


def sections() -> dict[str, list[tuple[str, str]]]:
    """{section: [(url_path, title)]} of the pages whose file exists."""
    return {
        name: [(url, title) for file, title, _icon, url in pages if (ROOT / file).exists()]
        for name, pages in SECTIONS.items()
    }


def home_path() -> str:
    """The url path of the first page, which Streamlit serves at "/"."""
    return next(iter(SECTIONS.values()))[0][3]


def served_paths() -> set[str]:
    """The URL paths Streamlit answers with a page: "/" and "/<url_path>" of every page but the first."""
    home = home_path()
    return {"/"} | {f"/{url}" for pages in sections().values() for url, _ in pages if url != home}
