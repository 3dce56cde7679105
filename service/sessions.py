"""Server-side sign-in sessions: a random id in an HttpOnly cookie, the session itself in this process's memory.

Streamlit keeps its own session per websocket connection, so F5 or a new tab used to sign the user out. The
service's login route (service/web.py) creates a session here and sets its id as a cookie; every request and
every script run finds the user again by that cookie (auth/gate.py reads it through st.context.cookies).

- Only a SHA-256 of the id is stored, so a memory dump or a log line cannot be replayed as a cookie.
- Idle expiry ([session] idle_minutes) and absolute expiry ([session] absolute_hours); an expired or revoked id
  leaves a short-lived tombstone with the reason, so the page can say why the user was signed out.
- revoke_user() ends every session of an account at once (disabled account, password reset).
- One process holds the warehouse (DuckDB allows one), so one in-memory store is the whole truth; a restart of
  the service signs everyone out (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field

from warehouse import config

COOKIE = "mediation_session"
REASONS = {
    "idle": "超过 {idle:g} 分钟没有操作，已自动退出登录。请重新登录。",
    "absolute": "本次登录已超过 {absolute:g} 小时，为安全起见已退出登录。请重新登录。",
    "logout": "您已退出登录。",
    "account_disabled": "您的账号已被停用，已退出登录。如有疑问请联系省级管理员。",
    "password_reset": "您的密码已被重置，已退出登录。请用新密码重新登录。",
}


def session_settings() -> dict:
    """[session] of config/settings.toml; idle time defaults to [accounts] session_minutes."""
    values = {
        "idle_minutes": float(config.settings().get("accounts", {}).get("session_minutes", 120)),
        "absolute_hours": 12.0,
        "secure_cookie": "auto",
    }
    values.update(config.settings().get("session", {}))
    return values


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Session:
    name: str  # the account
    created: float
    last_seen: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # for the logout form


class SessionStore:
    """Thread-safe sessions by hashed id; `clock` is injectable so expiry is tested without waiting."""

    def __init__(self, clock=time.time, idle_minutes: float | None = None, absolute_hours: float | None = None):
        self._clock = clock
        self._idle = idle_minutes
        self._absolute = absolute_hours
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._ended: dict[str, tuple[str, float]] = {}  # digest → (reason, when): why a cookie stopped working

    def limits(self) -> tuple[float, float]:
        cfg = session_settings()
        idle = self._idle if self._idle is not None else float(cfg["idle_minutes"])
        absolute = self._absolute if self._absolute is not None else float(cfg["absolute_hours"])
        return idle, absolute

    def create(self, name: str) -> str:
        """A new session for the account; returns the cookie value (never stored)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._sessions[_digest(token)] = Session(name=name, created=now, last_seen=now)
        return token

    def get(self, token: str | None, *, touch: bool = True) -> Session | None:
        """The live session of a cookie value (counting as activity when touch), or None."""
        if not token:
            return None
        key = _digest(token)
        now = self._clock()
        idle, absolute = self.limits()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if now - session.created > absolute * 3600:
                self._end(key, "absolute", now)
                return None
            if now - session.last_seen > idle * 60:
                self._end(key, "idle", now)
                return None
            if touch:
                session.last_seen = now
            return session

    def ended_reason(self, token: str | None) -> str | None:
        """Why this cookie's session ended (a key of REASONS), if it ended recently; checks expiry first."""
        if not token:
            return None
        self.get(token, touch=False)
        with self._lock:
            ended = self._ended.get(_digest(token))
        return ended[0] if ended else None

    def message(self, reason: str | None) -> str | None:
        idle, absolute = self.limits()
        return REASONS.get(reason or "", "").format(idle=idle, absolute=absolute) or None

    def revoke(self, token: str | None, reason: str = "logout") -> Session | None:
        if not token:
            return None
        with self._lock:
            return self._end(_digest(token), reason, self._clock())

    def revoke_user(self, name: str, reason: str) -> int:
        """End every session of an account at once; returns how many there were."""
        with self._lock:
            keys = [k for k, s in self._sessions.items() if s.name == name]
            for key in keys:
                self._end(key, reason, self._clock())
            return len(keys)

    def active_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _end(self, key: str, reason: str, now: float) -> Session | None:
        session = self._sessions.pop(key, None)
        if session is not None:
            self._ended[key] = (reason, now)
        # tombstones live a day: enough for the page to explain, never an unbounded dict
        for old in [k for k, (_, when) in self._ended.items() if now - when > 86400]:
            del self._ended[old]
        return session


_STORE: SessionStore | None = None


def enable(store: SessionStore | None = None) -> SessionStore:
    """Switch cookie sessions on for this process (the service does at start)."""
    global _STORE
    _STORE = store or SessionStore()
    return _STORE


def disable() -> None:
    global _STORE
    _STORE = None


def store() -> SessionStore | None:
    """The process's store when running as the service; None under `streamlit run app.py` and AppTest."""
    return _STORE


def revoke_user(name: str, reason: str) -> int:
    return _STORE.revoke_user(name, reason) if _STORE is not None else 0


def safe_next(target: str | None) -> str:
    """A same-site path to go to after signing in ("/" unless target is a plain local path with its query)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    if target.startswith(("/login", "/logout")):
        return "/"
    return target
