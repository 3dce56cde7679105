"""Which request paths are pages: Streamlit's own endpoints and files and the service's routes are not."""

from __future__ import annotations

from functools import lru_cache

from dashboard import navigation

# Never a page: Streamlit's assets and endpoints, its OIDC routes (optional SSO, docs/accounts.md) and the
# service's own routes. These are also the paths served without a session (service/web.py).
NOT_PAGES = (
    "/_stcore/",
    "/static/",
    "/component/",
    "/media/",
    "/app/static/",
    "/auth/",
    "/oauth2callback",
    "/favicon",
    "/robots.txt",
    "/manifest.json",
    "/login",
    "/logout",
    "/healthz",
    "/cli",
)


@lru_cache(maxsize=1)
def _served() -> frozenset[str]:
    return frozenset(navigation.served_paths())


def names_no_page(path: str) -> bool:
    """Whether a request for `path` would open Streamlit's "Page not found" dialog: a single path segment (no
    file name with a dot) that is none of the app's pages, nor one of Streamlit's or the service's routes."""
    if path.startswith(NOT_PAGES):
        return False
    trimmed = "/" + path.strip("/")
    return trimmed not in _served() and "/" not in trimmed[1:] and "." not in trimmed
