"""Server-side sessions (service/sessions.py): expiry by a test clock, revocation per account, safe redirects."""

from __future__ import annotations

import pytest

from service import sessions


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(clock):
    return sessions.SessionStore(clock=clock, idle_minutes=10, absolute_hours=1)


def test_a_session_found_by_its_cookie_stays_alive_while_used_and_ends_after_idle_time(store, clock):
    token = store.create("tonghua_city")
    clock.now += 9 * 60
    assert store.get(token).name == "tonghua_city"  # used: idle time starts again
    clock.now += 9 * 60
    assert store.get(token).name == "tonghua_city"
    clock.now += 10 * 60 + 1
    assert (store.get(token), store.ended_reason(token)) == (None, "idle")
    assert store.message("idle") == "超过 10 分钟没有操作，已自动退出登录。请重新登录。"


def test_a_session_ends_after_the_absolute_time_even_when_used(store, clock):
    token = store.create("boss")
    for _ in range(7):
        clock.now += 9 * 60
        store.get(token)
    assert (store.get(token), store.ended_reason(token)) == (None, "absolute")


def test_only_a_hash_of_the_cookie_is_kept(store):
    token = store.create("boss")
    assert token not in repr(store._sessions) and len(token) >= 43


def test_disabling_an_account_ends_all_its_sessions_and_no_other(store):
    a, b, other = store.create("tonghua_city"), store.create("tonghua_city"), store.create("boss")
    assert store.revoke_user("tonghua_city", "account_disabled") == 2
    assert [store.get(a), store.get(b), store.get(other).name] == [None, None, "boss"]
    assert store.ended_reason(a) == "account_disabled"


def test_an_unknown_or_empty_cookie_has_no_session(store):
    assert (store.get(None), store.get(""), store.get("forged"), store.ended_reason("forged")) == (
        None,
        None,
        None,
        None,
    )


def test_after_sign_in_only_local_paths_are_followed():
    assert [
        sessions.safe_next(t)
        for t in (
            "/coverage?period=2025-06&region=220500",
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil",
            "/login?next=/x",
            None,
            "overview",
        )
    ] == ["/coverage?period=2025-06&region=220500", "/", "/", "/", "/", "/", "/"]


def test_disabling_or_resetting_an_account_revokes_its_cookie_sessions(empty_warehouse):
    from auth import accounts

    store = sessions.enable(sessions.SessionStore(idle_minutes=10, absolute_hours=1))
    try:
        accounts.add_account(empty_warehouse, "boss", role="admin", password="Boss-Admin-2025", actor="t")
        accounts.add_account(empty_warehouse, "boss2", role="admin", password="Boss-Admin-2026", actor="t")
        accounts.add_account(
            empty_warehouse, "tonghua_city", role="city", region_code="220500", password="Tonghua-2025x", actor="t"
        )
        reset, disabled = store.create("boss2"), store.create("tonghua_city")
        accounts.reset_password(empty_warehouse, "boss2", "New-Secret-2027", actor="boss")
        accounts.disable_account(empty_warehouse, "tonghua_city", actor="boss")
        assert [store.ended_reason(reset), store.ended_reason(disabled)] == ["password_reset", "account_disabled"]
    finally:
        sessions.disable()
