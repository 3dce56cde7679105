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


def resolve_user_viewer(wh, user: str | None):
    """(Viewer, error) of a named account for read commands (`history --user`); the administrator when nobody is named."""
    from auth.viewer import PROVINCE_ADMIN

    if not user:
        return PROVINCE_ADMIN, None
    try:
        from auth.accounts import get_account, normalise_name
    except ImportError:
        return None, f"账号功能未安装，无法按账号“{user}”的范围查询。"
    account = get_account(wh, user)
    if account is None:
        return None, f"没有名为“{normalise_name(user)}”的账号。请用 python -m etl user list 查看现有账号。"
    if account.disabled:
        return None, f"账号“{account.name}”已停用。"
    return account.viewer(), None
