"""Who is loading, and which regions they may load (the province administrator when nobody is named)."""
from __future__ import annotations

from dataclasses import dataclass

from etl.regions import Region


@dataclass
class LoadScope:
    user_name: str = "admin"
    allowed_regions: set[str] | None = None  # None = every region
    scope_name: str = ""
    city: Region | None = None
    review_state: str = "approved"
    error: str | None = None


def resolve_user_scope(wh, user: str | None) -> LoadScope:
    """The scope a named account has; accounts live in the warehouse (auth/accounts.py, same rules as the app)."""
    if not user:
        return LoadScope()
    try:
        from auth.accounts import scope_for_user
    except ImportError:
        return LoadScope(error=f"账号功能未安装，无法按账号“{user}”的范围入库。")
    return scope_for_user(wh, user)
