"""Local accounts: argon2 password hashes, lockout, roles and region scopes (interfaces.md §4).

Everything that changes an account writes audit_log in the same transaction (`Warehouse.audit`). Passwords and
hashes never leave this module: no function returns a hash, no audit detail, message or print contains one.

Used by the CLI (`python -m etl user …`, `ingest --user`), the login page and the admin page, so an account's
scope is the same wherever it acts: `load_scope(viewer, index)` is what both an app upload and
`ingest --user NAME` apply.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from auth.viewer import ROLE_LABELS, Viewer
from etl.regions import Region, RegionIndex
from etl.scope import LoadScope
from service import sessions
from warehouse import config
from warehouse.review import review_state_for  # noqa: F401  (the one review-state rule; re-exported)

ROLES = ("admin", "leader", "city", "county")
COUNTY_KINDS = ("district", "county", "county_city", "zone")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
ANONYMOUS = "（未知账号）"  # audit actor of a failed login with a name no account has (the typed name is not kept)
GENERIC_FAILURE = "账号或密码不正确。"

# argon2id with OWASP's recommended minimum (46 MiB, 1 pass, 1 lane: about 60 ms on the 2-core server);
# each hash carries its own random 16-byte salt and its parameters, and check_needs_rehash upgrades old hashes
# at the next sign-in when these change.
_HASHER = PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)

# Demo accounts (`python -m etl user demo-accounts`): one per role, on the demo warehouse only.
DEMO_PASSWORD = "demo1234"
DEMO_ACCOUNTS = (
    ("demo_admin", "admin", None, "演示·省级管理员"),
    ("demo_leader", "leader", None, "演示·省级领导"),
    ("demo_city", "city", "220500", "演示·通化市填报员"),
    ("demo_county", "county", "220502", "演示·通化市东昌区填报员"),
)

_PUBLIC_COLUMNS = (
    "name, display_name, role, region_code, is_demo, disabled, created_at, failed_attempts, locked_until, last_login_at"
)


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is Chinese and says why."""


@dataclass(frozen=True)
class Account:
    name: str
    display_name: str
    role: str
    region_code: str | None
    is_demo: bool
    disabled: bool
    created_at: dt.datetime
    failed_attempts: int
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None

    def viewer(self) -> Viewer:
        return Viewer(name=self.name, role=self.role, region_code=self.region_code, display_name=self.display_name)

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class LoginResult:
    status: str  # ok | invalid | locked | disabled | empty
    message: str = ""
    viewer: Viewer | None = None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# ---------------------------------------------------------------- settings and small helpers
def account_settings() -> dict:
    values = {
        "session_minutes": 120,
        "max_failed_logins": 5,
        "lockout_minutes": 15,
        "min_password_length": 8,
        "sso_claim": "preferred_username",
    }
    values.update(config.settings().get("accounts", {}))
    return values


def normalise_name(name: str | None) -> str:
    return (name or "").strip().lower()


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("not-a-password-of-anyone")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, name: str = "") -> None:
    minimum = int(account_settings()["min_password_length"])
    if len(password) < minimum:
        raise AccountError(f"密码太短：至少需要 {minimum} 个字符。")
    if name and normalise_name(password) == normalise_name(name):
        raise AccountError("密码不能与账号名相同。")
    if password != password.strip():
        raise AccountError("密码首尾不能有空格。")


def check_name(name: str) -> str:
    name = normalise_name(name)
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            f"账号名“{name}”不合规：请用 2–32 个小写英文字母、数字或 _ . -，以字母或数字开头（例如 tonghua_city）。"
        )
    return name


def _unit_list(index: RegionIndex) -> str:
    return "、".join(f"{u.code} {u.name}" for u in sorted(index.units, key=lambda r: r.code) if u.kind != "province")


def check_region(index: RegionIndex, role: str, region_code: str | None) -> Region | None:
    """The account's region, validated against its role; AccountError (Chinese) when they do not fit."""
    if role not in ROLES:
        raise AccountError(
            f"未知角色“{role}”：只能是 admin（省级管理员）、leader（省级领导）、city（市级填报员）、county（县级填报员）。"
        )
    code = (region_code or "").strip()
    if role in ("admin", "leader"):
        if code:
            raise AccountError(f"{ROLE_LABELS[role]}账号面向全省，不设地区：请去掉地区代码 {code}。")
        return None
    if not code:
        raise AccountError(f"{ROLE_LABELS[role]}账号必须指定地区代码（--region）。")
    region = index.get(code)
    if region is None:
        raise AccountError(f"未知的地区代码 {code}：请使用 6 位行政区划代码（见 warehouse/ref/regions.csv）。")
    if role == "city" and not (region.code == region.unit_code and region.kind != "province"):
        raise AccountError(
            f"市级填报员的地区必须是报送单位（市、州及梅河口市、长白山管委会）的代码，"
            f"{code}（{region.name}）不是。可用的代码：{_unit_list(index)}。"
        )
    if role == "county" and region.kind not in COUNTY_KINDS:
        raise AccountError(
            f"县级填报员的地区必须是县级地区（县、市辖区、县级市或开发区）的代码，"
            f"{code}（{region.name}）不是；市（州）一级请用 city 角色。"
        )
    return region


def region_label(index: RegionIndex, region_code: str | None) -> str:
    """全省 / 通化市 / 通化市东昌区 — the region part of an account's description."""
    if not region_code:
        return "全省"
    region = index.get(region_code)
    if region is None:
        return region_code
    unit = index.get(region.unit_code)
    if unit is not None and unit.code != region.code:
        return f"{unit.name}{region.name}"
    return region.name


def scope_name(viewer: Viewer, index: RegionIndex) -> str:
    """The Chinese name of what a viewer may load, used in out-of-scope messages: 通化市及所辖县区."""
    if viewer.role in ("admin", "leader"):
        return "全省"
    if viewer.role == "city":
        unit = index.get(viewer.region_code or "")
        if unit is None:
            return viewer.region_code or ""
        return f"{unit.name}及所辖县区" if len(index.unit_regions(unit.code)) > 1 else unit.name
    return region_label(index, viewer.region_code)


def default_display_name(index: RegionIndex, role: str, region_code: str | None) -> str:
    if role in ("admin", "leader"):
        return ROLE_LABELS[role]
    return f"{region_label(index, region_code)}填报员"


# ---------------------------------------------------------------- scopes
def load_scope(viewer: Viewer, index: RegionIndex) -> LoadScope:
    """What this viewer may load — the same for an app upload and `python -m etl ingest --user NAME`."""
    if viewer.role == "admin":
        return LoadScope(
            user_name=viewer.name,
            allowed_regions=None,
            scope_name="全省",
            city=None,
            review_state=review_state_for(viewer),
        )
    if viewer.role == "leader":
        return LoadScope(
            user_name=viewer.name,
            allowed_regions=set(),
            scope_name="只读",
            error=f"账号“{viewer.name}”是省级领导（只读），不能上报或入库数据。",
        )
    allowed = viewer.load_regions(index)
    unit = index.get(viewer.unit_code(index) or "")
    if not allowed or unit is None:
        return LoadScope(
            user_name=viewer.name,
            allowed_regions=set(),
            scope_name="",
            error=f"账号“{viewer.name}”的地区 {viewer.region_code} 在地区表中不存在，无法确定填报范围。",
        )
    return LoadScope(
        user_name=viewer.name,
        allowed_regions=set(allowed),
        scope_name=scope_name(viewer, index),
        city=unit,
        review_state=review_state_for(viewer),
    )


def scope_for_user(wh, user: str) -> LoadScope:
    """The load scope of a named account (etl/scope.py's resolve_user_scope calls this)."""
    account = get_account(wh, user)
    if account is None:
        return LoadScope(
            user_name=normalise_name(user),
            allowed_regions=set(),
            error=f"没有名为“{normalise_name(user)}”的账号。请用 python -m etl user list 查看现有账号。",
        )
    if account.disabled:
        return LoadScope(user_name=account.name, allowed_regions=set(), error=f"账号“{account.name}”已停用，不能入库。")
    return load_scope(account.viewer(), wh.region_index())


# ---------------------------------------------------------------- reading
def _account(row: dict) -> Account:
    return Account(
        name=row["name"],
        display_name=row["display_name"],
        role=row["role"],
        region_code=row["region_code"],
        is_demo=bool(row["is_demo"]),
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        failed_attempts=int(row["failed_attempts"] or 0),
        locked_until=row["locked_until"],
        last_login_at=row["last_login_at"],
    )


def get_account(wh, name: str) -> Account | None:
    rows = wh.query(f"select {_PUBLIC_COLUMNS} from accounts where name = ?", [normalise_name(name)]).to_dicts()
    return _account(rows[0]) if rows else None


def list_accounts(wh) -> list[Account]:
    rows = wh.query(
        f"select {_PUBLIC_COLUMNS} from accounts order by is_demo, "
        "case role when 'admin' then 1 when 'leader' then 2 when 'city' then 3 else 4 end, "
        "region_code nulls first, name"
    ).to_dicts()
    return [_account(r) for r in rows]


def active_viewer(wh, name: str) -> Viewer | None:
    """The viewer of an account that exists and is not disabled (the app re-checks this on every run)."""
    account = get_account(wh, name)
    return None if account is None or account.disabled else account.viewer()


def account_rows(wh, now: dt.datetime | None = None) -> list[dict]:
    """Accounts described in Chinese for tables (CLI list, admin page); never a hash."""
    now = now or _now()
    index = wh.region_index()
    out = []
    for a in list_accounts(wh):
        status = "已停用" if a.disabled else (f"锁定至 {a.locked_until:%H:%M}" if a.locked(now) else "正常")
        out.append(
            {
                "账号": a.name,
                "名称": a.display_name,
                "角色": ROLE_LABELS.get(a.role, a.role),
                "地区": region_label(index, a.region_code),
                "状态": status,
                "演示账号": "是" if a.is_demo else "",
                "创建时间": f"{a.created_at:%Y-%m-%d %H:%M}",
                "最近登录": f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "从未登录",
            }
        )
    return out


def demo_accounts(wh) -> list[dict]:
    """Enabled demo accounts with their known password, for the login page."""
    index = wh.region_index()
    return [
        {
            "name": a.name,
            "password": DEMO_PASSWORD,
            "display_name": a.display_name,
            "role": ROLE_LABELS.get(a.role, a.role),
            "region": region_label(index, a.region_code),
        }
        for a in list_accounts(wh)
        if a.is_demo and not a.disabled
    ]


def has_accounts(wh) -> bool:
    return bool(wh.scalar("select count(*) from accounts"))


# ---------------------------------------------------------------- changing accounts
def add_account(
    wh,
    name: str,
    *,
    role: str,
    password: str,
    actor: str,
    region_code: str | None = None,
    display_name: str | None = None,
    is_demo: bool = False,
    now: dt.datetime | None = None,
) -> Account:
    name = check_name(name)
    index = wh.region_index()
    region = check_region(index, role, region_code)
    check_password_policy(password, name)
    display = (display_name or "").strip() or default_display_name(index, role, region.code if region else None)
    if len(display) > 40:
        raise AccountError("名称太长：请不超过 40 个字。")
    if get_account(wh, name) is not None:
        raise AccountError(f"账号“{name}”已存在。账号不能删除也不能重名；如需重新启用，请使用“启用”。")
    password_hash = hash_password(password)
    now = now or _now()
    with wh.write(data=False) as cur:
        cur.execute(
            "insert into accounts (name, display_name, role, region_code, password_hash, is_demo, disabled, "
            "created_at, failed_attempts) values (?, ?, ?, ?, ?, ?, false, ?, 0)",
            [name, display, role, region.code if region else None, password_hash, is_demo, now],
        ).fetchall()
        wh.audit(
            cur,
            actor,
            "account_add",
            name,
            {"role": role, "region_code": region.code if region else None, "display_name": display, "is_demo": is_demo},
        )
    return get_account(wh, name)


def _require(wh, name: str) -> Account:
    account = get_account(wh, name)
    if account is None:
        raise AccountError(f"没有名为“{normalise_name(name)}”的账号。")
    return account


def _active_admins(wh) -> list[str]:
    return wh.query("select name from accounts where role = 'admin' and not disabled order by name")["name"].to_list()


def disable_account(wh, name: str, *, actor: str) -> Account:
    account = _require(wh, name)
    if account.disabled:
        raise AccountError(f"账号“{account.name}”已经是停用状态。")
    if account.name == normalise_name(actor):
        raise AccountError("不能停用自己正在使用的账号：请用另一个管理员账号操作。")
    if account.role == "admin" and _active_admins(wh) == [account.name]:
        raise AccountError("不能停用最后一个可用的省级管理员账号：请先创建另一个管理员账号。")
    with wh.write(data=False) as cur:
        cur.execute("update accounts set disabled = true where name = ?", [account.name]).fetchall()
        wh.audit(
            cur, actor, "account_disable", account.name, {"role": account.role, "region_code": account.region_code}
        )
    sessions.revoke_user(account.name, "account_disabled")  # signed out everywhere at once (cookie sessions)
    return get_account(wh, account.name)


def enable_account(wh, name: str, *, actor: str) -> Account:
    account = _require(wh, name)
    if not account.disabled:
        raise AccountError(f"账号“{account.name}”没有停用，无需启用。")
    with wh.write(data=False) as cur:
        cur.execute(
            "update accounts set disabled = false, failed_attempts = 0, locked_until = null where name = ?",
            [account.name],
        ).fetchall()
        wh.audit(cur, actor, "account_enable", account.name, {"role": account.role, "region_code": account.region_code})
    return get_account(wh, account.name)


def reset_password(wh, name: str, password: str, *, actor: str) -> Account:
    """New password; clears a lockout. A demo account given its own password stops being listed as demo."""
    account = _require(wh, name)
    check_password_policy(password, account.name)
    password_hash = hash_password(password)
    with wh.write(data=False) as cur:
        cur.execute(
            "update accounts set password_hash = ?, failed_attempts = 0, locked_until = null, is_demo = false "
            "where name = ?",
            [password_hash, account.name],
        ).fetchall()
        wh.audit(cur, actor, "password_reset", account.name, {"was_demo": account.is_demo})
    sessions.revoke_user(account.name, "password_reset")  # whoever knew the old password is signed out now
    return get_account(wh, account.name)


def unlock_account(wh, name: str, *, actor: str) -> Account:
    account = _require(wh, name)
    with wh.write(data=False) as cur:
        cur.execute(
            "update accounts set failed_attempts = 0, locked_until = null where name = ?", [account.name]
        ).fetchall()
        wh.audit(cur, actor, "account_unlock", account.name, {})
    return get_account(wh, account.name)


def ensure_demo_accounts(wh, *, actor: str) -> tuple[list[str], str | None]:
    """Create the missing demo accounts (idempotent). Refused on a real installation (an enabled non-demo admin)."""
    real_admins = wh.query(
        "select name from accounts where role = 'admin' and not is_demo and not disabled order by name"
    )["name"].to_list()
    if real_admins:
        return [], (f"此数据仓库已有正式管理员账号（{'、'.join(real_admins)}），视为正式安装，不创建演示账号。")
    created = []
    for name, role, region, display in DEMO_ACCOUNTS:
        if get_account(wh, name) is None:
            add_account(
                wh,
                name,
                role=role,
                region_code=region,
                password=DEMO_PASSWORD,
                display_name=display,
                is_demo=True,
                actor=actor,
            )
            created.append(name)
    return created, None


# ---------------------------------------------------------------- signing in
def authenticate(wh, name: str, password: str, *, now: dt.datetime | None = None, via: str = "password") -> LoginResult:
    """Check a password; count failures, lock after too many; every attempt is audited (never the password)."""
    settings = account_settings()
    now = now or _now()
    name = normalise_name(name)
    if not name or not password:
        return LoginResult("empty", "请输入账号和密码。")
    rows = wh.query(f"select {_PUBLIC_COLUMNS}, password_hash from accounts where name = ?", [name]).to_dicts()
    if not rows:
        _verify(_dummy_hash(), password)  # same work as for a real account: no hint whether the name exists
        with wh.write(data=False) as cur:
            wh.audit(cur, ANONYMOUS, "login_failed", None, {"reason": "unknown_account", "via": via})
        return LoginResult("invalid", GENERIC_FAILURE)
    password_hash = rows[0].pop("password_hash")
    account = _account(rows[0])
    if account.locked(now):
        with wh.write(data=False) as cur:
            wh.audit(
                cur,
                account.name,
                "login_refused",
                account.name,
                {"reason": "locked", "until": account.locked_until, "via": via},
            )
        return LoginResult(
            "locked",
            f"该账号因连续输错密码已被锁定，请在 {account.locked_until:%H:%M} 之后再试，或请省级管理员解除锁定。",
            locked_until=account.locked_until,
        )
    if not _verify(password_hash, password):
        attempts = account.failed_attempts + 1
        limit = int(settings["max_failed_logins"])
        with wh.write(data=False) as cur:
            if attempts >= limit:
                until = now + dt.timedelta(minutes=int(settings["lockout_minutes"]))
                cur.execute(
                    "update accounts set failed_attempts = 0, locked_until = ? where name = ?", [until, account.name]
                ).fetchall()
                wh.audit(
                    cur,
                    account.name,
                    "account_locked",
                    account.name,
                    {"attempts": attempts, "until": until, "via": via},
                )
            else:
                cur.execute(
                    "update accounts set failed_attempts = ? where name = ?", [attempts, account.name]
                ).fetchall()
                wh.audit(cur, account.name, "login_failed", account.name, {"attempt": attempts, "via": via})
        if attempts >= limit:
            return LoginResult(
                "locked",
                f"连续 {limit} 次密码错误，账号已锁定 {settings['lockout_minutes']} 分钟"
                f"（至 {until:%H:%M}）。如忘记密码，请联系省级管理员重置。",
                locked_until=until,
            )
        return LoginResult(
            "invalid", f"{GENERIC_FAILURE}连续输错 {limit} 次将锁定 {settings['lockout_minutes']} 分钟。"
        )
    if account.disabled:
        with wh.write(data=False) as cur:
            wh.audit(cur, account.name, "login_refused", account.name, {"reason": "disabled", "via": via})
        return LoginResult("disabled", "该账号已停用。如需继续使用，请联系省级管理员。")
    new_hash = hash_password(password) if _HASHER.check_needs_rehash(password_hash) else None
    with wh.write(data=False) as cur:
        cur.execute(
            "update accounts set failed_attempts = 0, locked_until = null, last_login_at = ? where name = ?",
            [now, account.name],
        ).fetchall()
        if new_hash:
            cur.execute("update accounts set password_hash = ? where name = ?", [new_hash, account.name]).fetchall()
        wh.audit(
            cur,
            account.name,
            "login",
            account.name,
            {"via": via, "role": account.role, "region_code": account.region_code},
        )
    return LoginResult("ok", viewer=account.viewer())


def sso_sign_in(wh, claim_value: str | None) -> LoginResult:
    """Single sign-on (st.login): the identity provider vouched for claim_value; map it to a local account."""
    name = normalise_name(claim_value)
    account = get_account(wh, name) if name else None
    if account is None:
        with wh.write(data=False) as cur:
            wh.audit(cur, ANONYMOUS, "login_failed", None, {"reason": "sso_no_account", "via": "sso"})
        return LoginResult("invalid", f"统一身份认证已通过，但本平台没有对应账号“{name}”。请联系省级管理员开通。")
    if account.disabled:
        with wh.write(data=False) as cur:
            wh.audit(cur, account.name, "login_refused", account.name, {"reason": "disabled", "via": "sso"})
        return LoginResult("disabled", "该账号已停用。如需继续使用，请联系省级管理员。")
    with wh.write(data=False) as cur:
        cur.execute("update accounts set last_login_at = ? where name = ?", [_now(), account.name]).fetchall()
        wh.audit(
            cur,
            account.name,
            "login",
            account.name,
            {"via": "sso", "role": account.role, "region_code": account.region_code},
        )
    return LoginResult("ok", viewer=account.viewer())


def record_logout(wh, viewer: Viewer, reason: str = "user") -> None:
    with wh.write(data=False) as cur:
        wh.audit(cur, viewer.name, "logout", viewer.name, {"reason": reason})


def account_frame(wh) -> pl.DataFrame:
    rows = account_rows(wh)
    schema = {k: pl.Utf8 for k in ("账号", "名称", "角色", "地区", "状态", "演示账号", "创建时间", "最近登录")}
    return pl.DataFrame(rows, schema=schema)
