"""The app's pages as data (dashboard/navigation.py) and which request paths name no page (service/paths.py)."""

from __future__ import annotations

from conftest import ROOT

from dashboard import navigation
from service.paths import names_no_page


def test_every_listed_page_file_exists_and_every_page_file_is_listed():
    listed = {file for pages in navigation.SECTIONS.values() for file, *_ in pages}
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")} - {"pages/login.py"}  # the sign-in page
    assert listed == on_disk


def test_the_home_page_is_served_at_the_root_and_every_other_page_at_its_path():
    assert navigation.home_path() == "overview"
    assert navigation.served_paths() == {
        "/",
        "/coverage",
        "/mediation",
        "/disputes",
        "/risk",
        "/ledger",
        "/submissions",
        "/upload",
        "/templates",
        "/review",
        "/history",
        "/forms",
        "/settings",
        "/admin",
    }


def test_only_single_segments_naming_no_page_are_redirected():
    cases = ["/", "/overview", "/coverage", "/coverage/", "/nosuch", "/a/b", "/static/x.js", "/favicon.png"]
    cases += ["/login", "/healthz", "/cli", "/_stcore/health", "/robots.txt", "/x.png"]
    assert [p for p in cases if names_no_page(p)] == ["/overview", "/nosuch"]
