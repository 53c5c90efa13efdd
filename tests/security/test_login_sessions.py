"""Login, lockout and unlock (manual and timed), throttling per address, sessions: cookie replay after logout,
idle timeout, absolute lifetime, sign out everywhere."""

import dataclasses

import pytest

from erp_core.kernel.errors import DomainError, NotAuthenticated
from erp_core.security import auth
from erp_core.security.auth import LoginFailed, login, logout, sign_out_everywhere
from erp_core.security.session_services import (
    list_active_sessions,
    revoke_user_session,
    sign_out_user_everywhere,
)
from erp_core.security.sessions import actor_for_token
from erp_core.security.user_services import list_locked_users, unlock_user
from tests.security.helpers import PASSWORD, audit_entries, new_user, session_actor, setup_company, user


def _fail(db, username, n, ip="10.9.9.9"):
    errors = []
    for _ in range(n):
        with pytest.raises(DomainError) as err:
            login(db, username, "Wrong-Passw0rd!", client_ip=ip)
        errors.append(err.value.message_id)
    return errors


def _with_security(db, **changes):
    db.settings = dataclasses.replace(db.settings, security=dataclasses.replace(db.settings.security, **changes))


def test_lockout_after_threshold_then_admin_unlocks(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "locky")
    errors = _fail(db, "locky", 5)
    # one answer for every refusal: the attempt that locks, and the account once locked, look like a wrong password
    assert errors == ["error.login.failed"] * 5
    assert user(db, uid).status == "locked"
    # even the right password does not open a locked account, and the answer does not tell it was right
    with pytest.raises(DomainError) as err:
        login(db, "locky", PASSWORD)
    assert err.value.message_id == "error.login.failed"
    assert [u.username for u in list_locked_users(db, admin)] == ["locky"]
    assert audit_entries(db, auth.LOCK_ACTION)[-1].entity_id == str(uid)
    unlock_user(db, admin, user_id=uid)
    assert user(db, uid).failed_logins == 0 and list_locked_users(db, admin) == []
    assert audit_entries(db, "admin.user.unlock", "ok")
    assert login(db, "locky", PASSWORD).user_id == uid


def test_successful_login_resets_the_failure_counter(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "counter")
    _fail(db, "counter", 4)
    login(db, "counter", PASSWORD)
    assert user(db, uid).failed_logins == 0
    _fail(db, "counter", 4)
    assert user(db, uid).status == "active"


def test_timed_unlock_when_configured(db, moving_clock, company):
    _, admin = setup_company(db, company)
    _with_security(db, lockout_minutes=15)
    uid = new_user(db, admin, "timed")
    _fail(db, "timed", 5)
    moving_clock.advance(minutes=14)
    with pytest.raises(DomainError) as err:
        login(db, "timed", PASSWORD)
    assert err.value.message_id == "error.login.failed"
    moving_clock.advance(minutes=2)
    assert login(db, "timed", PASSWORD).user_id == uid
    assert any('"lockout_expired"' in e.details for e in audit_entries(db, "security.user.unlocked"))


def test_without_timed_unlock_the_lock_stays(db, moving_clock, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "stays")
    _fail(db, "stays", 5)
    moving_clock.advance(days=30)
    with pytest.raises(DomainError):
        login(db, "stays", PASSWORD)


def test_failures_are_throttled_per_client_address(db, company):
    _, admin = setup_company(db, company)
    _with_security(db, ip_failure_limit=3)
    new_user(db, admin, "victim")
    with pytest.raises(LoginFailed):
        login(db, "nobody", "x", client_ip="203.0.113.7")
    _fail(db, "victim", 2, ip="203.0.113.7")
    with pytest.raises(DomainError) as err:  # right password, but the address is throttled
        login(db, "victim", PASSWORD, client_ip="203.0.113.7")
    assert err.value.message_id == "error.login.throttled"
    assert login(db, "victim", PASSWORD, client_ip="198.51.100.1").username == "victim"


def test_unknown_user_and_wrong_password_look_the_same(db, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "known")
    with pytest.raises(LoginFailed) as a:
        login(db, "known", "Wrong-Passw0rd!")
    with pytest.raises(LoginFailed) as b:
        login(db, "unknown-user", "Wrong-Passw0rd!")
    assert a.value.message_id == b.value.message_id == "error.login.failed"


def test_cookie_replayed_after_logout_does_not_log_in(db, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "replay")
    token, actor = session_actor(db, "replay")
    logout(db, actor)
    with pytest.raises(NotAuthenticated) as err:
        actor_for_token(db, token, client_ip="10.0.0.5")
    assert err.value.params["reason"] == "logout"
    with pytest.raises(NotAuthenticated):
        actor_for_token(db, "forged-" + token, client_ip="10.0.0.5")


def test_idle_timeout_and_absolute_lifetime(db, moving_clock, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "sleepy")
    token, _ = session_actor(db, "sleepy")
    moving_clock.advance(minutes=29)
    actor_for_token(db, token)  # activity keeps it alive
    moving_clock.advance(minutes=29)
    actor_for_token(db, token)
    moving_clock.advance(minutes=31)
    with pytest.raises(NotAuthenticated) as err:
        actor_for_token(db, token)
    assert err.value.params["reason"] == "idle"

    token, _ = session_actor(db, "sleepy")
    for _ in range(12 * 3):  # busy all day, every 20 minutes
        moving_clock.advance(minutes=20)
        try:
            actor_for_token(db, token)
        except NotAuthenticated as exc:
            assert exc.params["reason"] == "expired"
            break
    else:
        pytest.fail("the session outlived its absolute lifetime")


def test_sign_out_everywhere_for_oneself_and_by_admin(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "roamer")
    t1, a1 = session_actor(db, "roamer")
    t2, _ = session_actor(db, "roamer", ip="10.0.0.6")
    t3, _ = session_actor(db, "roamer", ip="10.0.0.7")
    assert len(list_active_sessions(db, admin, user_id=uid)) == 3
    assert sign_out_everywhere(db, a1, keep_current=True) == 2
    actor_for_token(db, t1)
    for t in (t2, t3):
        with pytest.raises(NotAuthenticated):
            actor_for_token(db, t)
    t4, _ = session_actor(db, "roamer")
    assert sign_out_user_everywhere(db, admin, user_id=uid) == 2
    for t in (t1, t4):
        with pytest.raises(NotAuthenticated):
            actor_for_token(db, t)
    assert list_active_sessions(db, admin, user_id=uid) == []


def test_admin_revokes_one_session(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "oneoff")
    t1, _ = session_actor(db, "oneoff")
    t2, _ = session_actor(db, "oneoff")
    rows = list_active_sessions(db, admin, user_id=uid)
    assert {r.client_ip for r in rows} == {"10.0.0.5"}
    victim = max(r.id for r in rows)
    revoke_user_session(db, admin, session_id=victim)
    alive = [t for t in (t1, t2) if _alive(db, t)]
    assert len(alive) == 1


def _alive(db, token) -> bool:
    try:
        actor_for_token(db, token)
        return True
    except NotAuthenticated:
        return False
