"""Login and logout. erp_core owns verification: the login form only collects the two fields.

Every outcome is audited. Failures count per user (lockout after N consecutive failures) and per client
address (throttling), and the failure counter is committed even though the login itself fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import DomainError
from erp_core.security import audit
from erp_core.security.ip_rules import ip_permitted
from erp_core.security.models import AuditLog, User
from erp_core.security.passwords import dummy_hash, verify_password
from erp_core.security.sessions import create_session, revoke_session

LOGIN_ACTION = "security.session.login"
LOGOUT_ACTION = "security.session.logout"
LOCK_ACTION = "security.user.locked"
SIGNOUT_ALL_ACTION = "security.session.signout_all"


class LoginFailed(DomainError):
    """Wrong username or password. Deliberately the same message for both, so usernames cannot be probed."""

    default_id = "error.login.invalid"


@dataclass(frozen=True)
class LoginResult:
    token: str
    user_id: int
    username: str
    display_name: str
    must_change_password: bool
    first_login: bool


def _throttled(db_session, ip: str | None, limit: int, window_minutes: int) -> bool:
    if not ip or not limit:
        return False
    since = naive_utcnow() - dt.timedelta(minutes=window_minutes)
    n = db_session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == LOGIN_ACTION, AuditLog.outcome == "failed", AuditLog.client_ip == ip,
        AuditLog.at_utc >= since)).scalar_one()
    return n >= limit


def login(db: Database, username: str, password: str, *, client_ip: str | None = None,
          user_agent: str | None = None) -> LoginResult:
    """Verify credentials and open a server-side session. Raises a DomainError saying why not."""
    policy = db.settings.security
    username = (username or "").strip()
    anon = Actor.anonymous(client_ip=client_ip)
    failure: DomainError | None = None
    with db.uow() as uow:
        s = uow.session
        if _throttled(s, client_ip, policy.ip_failure_limit, policy.ip_failure_window_minutes):
            audit.append(s, anon, action=LOGIN_ACTION, outcome="denied", entity="user", entity_id=username,
                         details={"reason": "throttled"})
            uow.commit()
            raise DomainError("error.login.throttled", minutes=policy.ip_failure_window_minutes)
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        now = naive_utcnow()
        if user is not None and not ip_permitted(s, user, client_ip):
            # Checked before the password, so a disallowed network cannot even guess passwords.
            dummy_hash()
            audit.append(s, Actor(user_id=user.id, username=user.username, company_id=user.company_id,
                                  client_ip=client_ip),
                         action=LOGIN_ACTION, outcome="denied", entity="user", entity_id=user.id,
                         details={"reason": "ip_refused", "client_ip": client_ip})
            uow.commit()
            raise DomainError("error.login.ip_refused", ip=client_ip or "?")
        if user is not None and user.status == "locked" and policy.lockout_minutes and user.locked_at \
                and now - user.locked_at >= dt.timedelta(minutes=policy.lockout_minutes):
            user.status, user.failed_logins, user.locked_at = "active", 0, None  # timed unlock
            audit.append(s, anon, action="security.user.unlocked", entity="user", entity_id=user.id,
                         company_id=user.company_id, details={"reason": "lockout_expired"})
        ok = verify_password(password or "", user.password_hash if user else dummy_hash())
        who = Actor(user_id=user.id if user else None, username=username[:64], company_id=user.company_id if user
                    else None, client_ip=client_ip)
        if user is None or not ok:
            failure = LoginFailed()
            details = {"reason": "bad_credentials"}
            if user is not None and user.status == "active":
                user.failed_logins += 1
                if user.failed_logins >= policy.lockout_threshold:
                    user.status, user.locked_at = "locked", now
                    audit.append(s, who, action=LOCK_ACTION, entity="user", entity_id=user.id,
                                 details={"failed_logins": user.failed_logins})
                    failure = DomainError("error.login.locked")
            audit.append(s, who, action=LOGIN_ACTION, outcome="failed", entity="user",
                         entity_id=user.id if user else None, details=details)
            uow.commit()
            raise failure
        if user.status != "active":
            audit.append(s, who, action=LOGIN_ACTION, outcome="denied", entity="user", entity_id=user.id,
                         details={"reason": user.status})
            uow.commit()
            raise DomainError(f"error.login.{user.status}")
        token, row = create_session(s, user, policy, client_ip=client_ip, user_agent=user_agent)
        first = not user.first_login_done
        user.failed_logins, user.last_login_at = 0, now
        audit.append(s, Actor(user_id=user.id, username=user.username, company_id=user.company_id,
                              client_ip=client_ip, session_id=row.id),
                     action=LOGIN_ACTION, entity="user", entity_id=user.id, details={"session": row.id})
        result = LoginResult(token, user.id, user.username, user.display_name, user.must_change_password, first)
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
