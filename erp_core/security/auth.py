"""Login and logout. erp_core owns verification: the login form only collects the two fields.

The order of a login (none of it holds a write transaction while bcrypt runs, so on SQLite a login never makes
another user's save wait):

1. one short write: count the attempt against the client address (``login_throttle``, an atomic UPDATE) before
   anything is verified, so parallel attempts cannot overtake the per-address limit; over the limit the
   attempt is refused and only aggregated (one audit entry per address and minute, the count in the table);
2. read the user (no lock);
3. an account that may not log in (locked, pending, disabled, rejected) is refused BEFORE its password is
   looked at, with the very answer a wrong password gets, so the lock is no password oracle;
4. verify the password outside any transaction;
5. one short write: a failure counts atomically (``failed_logins = failed_logins + 1`` in SQL) and locks the
   account at the threshold, and is audited in its own committed transaction; a success releases the
   attempt's count, opens the session and resets the counter.

A username that matches no user is never stored as typed (a password typed into the username field would
stay forever in the hash-chained log): the audit keeps a keyed hash of it (``masked_username``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from erp_core.db.uow import Database, is_lock_error
from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import DomainError
from erp_core.security import audit
from erp_core.security.ip_rules import ip_permitted
from erp_core.security.models import User
from erp_core.security.models_identity import LoginThrottle
from erp_core.security.passwords import dummy_hash, verify_password
from erp_core.security.sessions import create_session, revoke_session

LOGIN_ACTION = "security.session.login"
LOGOUT_ACTION = "security.session.logout"
LOCK_ACTION = "security.user.locked"
SIGNOUT_ALL_ACTION = "security.session.signout_all"
PASSWORD_FAILED_ACTION = "account.password.change"  # a wrong current password on the change-password form


class LoginFailed(DomainError):
    """Wrong username or password, or an account that may not log in. Deliberately the same message for all,
    so neither usernames nor the state of an account can be probed."""

    default_id = "error.login.failed"


@dataclass(frozen=True)
class LoginResult:
    token: str
    user_id: int
    username: str
    display_name: str
    must_change_password: bool
    first_login: bool


@dataclass(frozen=True)
class _UserSnapshot:
    id: int
    company_id: int
    username: str
    display_name: str
    status: str
    password_hash: str
    locked_at: dt.datetime | None
    must_change_password: bool
    first_login_done: bool


def masked_username(db: Database, typed: str) -> str:
    """What the audit log keeps of a username that matches no user: a keyed hash (the same name gives the same
    mark, so repeated attempts can be told apart and grouped), never the text itself."""
    key = db.settings.cookie_key().encode()
    digest = hmac.new(key, b"unknown-username:" + (typed or "").encode("utf-8"), hashlib.sha256).hexdigest()
    return f"<unknown:{digest[:16]}>"


THROTTLE_KEPT = dt.timedelta(hours=1)  # login_throttle keeps at least the last hour (and the whole window)


def _minute(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


def _bump(session, ip: str, minute: dt.datetime, **deltas: int) -> bool:
    """Atomically add ``deltas`` to the (address, minute) counters, creating the row when needed (then True)."""
    t = LoginThrottle.__table__
    values = {name: t.c[name] + delta for name, delta in deltas.items()}
    if session.execute(update(t).where(t.c.client_ip == ip, t.c.minute == minute).values(**values)).rowcount:
        return False
    with session.begin_nested():
        session.execute(t.insert().values(client_ip=ip, minute=minute, failures=max(deltas.get("failures", 0), 0),
                                          throttled=max(deltas.get("throttled", 0), 0)))
    return True


def _reserve_attempt(db: Database, ip: str | None) -> dt.datetime | None:
    """Count this attempt against ``ip`` before anything is verified; returns its minute (to release it on
    success), or raises error.login.throttled when the address is over the limit."""
    policy = db.settings.security
    if not ip or not policy.ip_failure_limit:
        return None
    for attempt in range(5):
        try:
            return _reserve_once(db, ip)
        except IntegrityError:  # two first attempts of a minute inserted the same row: the next try updates it
            if attempt == 4:
                raise
        except Exception as exc:
            if not is_lock_error(exc) or attempt == 4:
                raise
    return None  # pragma: no cover


def _reserve_once(db: Database, ip: str) -> dt.datetime:
    policy = db.settings.security
    now = naive_utcnow()
    minute = _minute(now)
    t = LoginThrottle.__table__
    with db.uow() as uow:
        s = uow.session
        new_row = _bump(s, ip, minute, failures=1)  # the row lock serializes this address's attempts of this minute
        since = minute - dt.timedelta(minutes=max(policy.ip_failure_window_minutes - 1, 0))
        if new_row:  # drop the minutes no limit reads any more (older rows are never updated: nobody waits on them)
            s.execute(delete(t).where(t.c.minute < min(since, minute - THROTTLE_KEPT)))
        total = s.execute(select(func.coalesce(func.sum(t.c.failures), 0)).where(
            t.c.client_ip == ip, t.c.minute >= since)).scalar_one()
        if total <= policy.ip_failure_limit:
            uow.commit()
            return minute
        # Over the limit: not an attempt after all, but a refusal, aggregated per address and minute.
        first = s.execute(select(t.c.throttled).where(t.c.client_ip == ip, t.c.minute == minute)).scalar_one() == 0
        _bump(s, ip, minute, failures=-1, throttled=1)
        if first:
            audit.append(s, Actor.anonymous(client_ip=ip), action=LOGIN_ACTION, outcome="denied", entity="user",
                         entity_id=None, details={"reason": "throttled", "minute": minute,
                                                  "aggregated": "login_throttle"})
        uow.commit()
    raise DomainError("error.login.throttled", minutes=policy.ip_failure_window_minutes)


def _release_attempt(session, ip: str | None, minute: dt.datetime | None) -> None:
    if ip and minute is not None:
        t = LoginThrottle.__table__
        session.execute(update(t).where(t.c.client_ip == ip, t.c.minute == minute)
                        .values(failures=t.c.failures - 1))


def _snapshot(session, username: str) -> _UserSnapshot | None:
    u = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if u is None:
        return None
    return _UserSnapshot(u.id, u.company_id, u.username, u.display_name, u.status, u.password_hash, u.locked_at,
                         bool(u.must_change_password), bool(u.first_login_done))


def _lock_expired(user: _UserSnapshot, policy, now: dt.datetime) -> bool:
    return (user.status == "locked" and bool(policy.lockout_minutes) and user.locked_at is not None
            and now - user.locked_at >= dt.timedelta(minutes=policy.lockout_minutes))


def _timed_unlock(session, user_id: int, policy, now: dt.datetime, company_id: int) -> None:
    """Lift a lock whose time is up (atomically: only one of several parallel logins does it and audits it)."""
    if not policy.lockout_minutes:
        return
    t = User.__table__
    n = session.execute(update(t).where(
        t.c.id == user_id, t.c.status == "locked",
        t.c.locked_at <= now - dt.timedelta(minutes=policy.lockout_minutes)).values(
        status="active", failed_logins=0, locked_at=None)).rowcount
    if n:
        audit.append(session, Actor.anonymous(), action="security.user.unlocked", entity="user", entity_id=user_id,
                     company_id=company_id, details={"reason": "lockout_expired"})


def count_failure(session, db: Database, user_id: int, who: Actor) -> bool:
    """One more consecutive failure for an active user, counted in SQL (parallel failures all count); locks the
    account when the threshold is reached. Returns True when this failure locked it."""
    policy = db.settings.security
    t = User.__table__
    session.execute(update(t).where(t.c.id == user_id, t.c.status == "active")
                    .values(failed_logins=t.c.failed_logins + 1))
    locked = session.execute(update(t).where(
        t.c.id == user_id, t.c.status == "active", t.c.failed_logins >= policy.lockout_threshold)
        .values(status="locked", locked_at=naive_utcnow())).rowcount
    if locked:
        n = session.execute(select(t.c.failed_logins).where(t.c.id == user_id)).scalar_one()
        audit.append(session, who, action=LOCK_ACTION, entity="user", entity_id=user_id,
                     details={"failed_logins": n})
    return bool(locked)


def record_failure(db: Database, *, action: str, user_id: int | None, who: Actor, details: dict,
                   count: bool) -> None:
    """Commit a failed attempt: the user's counter (when ``count``) and its audit entry, in a transaction of its
    own. Should the counter's transaction fail (a lock conflict that outlived the retries), the audit entry is
    still written on its own: no failed attempt goes unrecorded."""
    policy = db.settings.security
    for _attempt in range(3):
        try:
            with db.uow() as uow:
                s = uow.session
                if user_id is not None and count:
                    _timed_unlock(s, user_id, policy, naive_utcnow(), who.company_id)
                    count_failure(s, db, user_id, who)
                audit.append(s, who, action=action, outcome="failed", entity="user", entity_id=user_id,
                             details=details)
                uow.commit()
                return
        except Exception as exc:
            if not is_lock_error(exc):
                raise
    with db.uow() as uow:
        audit.append(uow.session, who, action=action, outcome="failed", entity="user", entity_id=user_id,
                     details={**details, "counter_not_updated": True})
        uow.commit()


def login(db: Database, username: str, password: str, *, client_ip: str | None = None,
          user_agent: str | None = None) -> LoginResult:
    """Verify credentials and open a server-side session. Raises a DomainError saying why not."""
    policy = db.settings.security
    username = (username or "").strip()
    minute = _reserve_attempt(db, client_ip)
    with db.uow(readonly=True) as uow:
        user = _snapshot(uow.session, username)
        ip_ok = user is None or ip_permitted(uow.session, uow.session.get(User, user.id), client_ip)
    now = naive_utcnow()
    if user is not None and not ip_ok:
        # Checked before the password, so a disallowed network cannot even guess passwords.
        dummy_hash()
        with db.uow() as uow:
            audit.append(uow.session, Actor(user_id=user.id, username=user.username, company_id=user.company_id,
                                            client_ip=client_ip),
                         action=LOGIN_ACTION, outcome="denied", entity="user", entity_id=user.id,
                         details={"reason": "ip_refused", "client_ip": client_ip})
            uow.commit()
        raise DomainError("error.login.ip_refused", ip=client_ip or "?")
    if user is None:
        who = Actor(user_id=None, username=masked_username(db, username), company_id=None, client_ip=client_ip)
    else:
        who = Actor(user_id=user.id, username=user.username, company_id=user.company_id, client_ip=client_ip)
    may_log_in = user is not None and (user.status == "active" or _lock_expired(user, policy, now))
    # The password of an account that may not log in is never looked at; the same bcrypt work is done, so the
    # answer's timing does not tell either.
    ok = verify_password(password or "", user.password_hash if may_log_in else dummy_hash()) and may_log_in
    if not ok:
        reason = "bad_credentials" if user is None or may_log_in else user.status
        record_failure(db, action=LOGIN_ACTION, user_id=user.id if user else None, who=who,
                       details={"reason": reason}, count=may_log_in)
        raise LoginFailed()
    with db.uow() as uow:
        s = uow.session
        _timed_unlock(s, user.id, policy, now, user.company_id)
        row_user = s.get(User, user.id)
        if row_user is None or row_user.status != "active" or row_user.password_hash != user.password_hash:
            uow.rollback()  # locked, disabled or given a new password while the password was being checked
            record_failure(db, action=LOGIN_ACTION, user_id=user.id, who=who,
                           details={"reason": "changed_during_login"}, count=False)
            raise LoginFailed()
        _release_attempt(s, client_ip, minute)
        token, row = create_session(s, row_user, policy, client_ip=client_ip, user_agent=user_agent)
        t = User.__table__
        # Bookkeeping in SQL, not through the ORM: a login is not an edit of the account, so it must not bump the
        # version an administrator's open form holds.
        s.execute(update(t).where(t.c.id == user.id).values(failed_logins=0, last_login_at=now))
        audit.append(s, Actor(user_id=user.id, username=user.username, company_id=user.company_id,
                              client_ip=client_ip, session_id=row.id),
                     action=LOGIN_ACTION, entity="user", entity_id=user.id, details={"session": row.id})
        result = LoginResult(token, user.id, user.username, user.display_name, row_user.must_change_password,
                             not row_user.first_login_done)
        uow.commit()
        return result


def logout(db: Database, actor: Actor) -> None:
    """End the actor's session on the server, so its cookie no longer logs anyone in."""
    if actor.session_id is None:
        return
    with db.uow() as uow:
        revoke_session(uow.session, actor.session_id, "logout")
        audit.append(uow.session, actor, action=LOGOUT_ACTION, entity="user", entity_id=actor.user_id)
        uow.commit()


def sign_out_everywhere(db: Database, actor: Actor, *, keep_current: bool = False) -> int:
    """End every session of the acting user ("sign out everywhere"); with ``keep_current`` all but this one.
    Needs no permission: anyone may end their own sessions. Returns how many were revoked."""
    from erp_core.security.sessions import revoke_user_sessions

    if actor.user_id is None:
        return 0
    with db.uow() as uow:
        n = revoke_user_sessions(uow.session, actor.user_id, "signout_all",
                                 except_id=actor.session_id if keep_current else None)
        audit.append(uow.session, actor, action=SIGNOUT_ALL_ACTION, entity="user", entity_id=actor.user_id,
                     details={"sessions_revoked": n, "kept_current": keep_current})
        uow.commit()
        return n
