"""Server-side login sessions. The browser cookie only carries a random token; the session row decides.

Logout, password change, disabling a user and "sign out everywhere" revoke rows, so a replayed cookie is
worthless afterwards. Sessions also end after the idle timeout and the absolute lifetime.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erp_core.config import SecuritySettings
from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor, Scope
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import NotAuthenticated
from erp_core.masterdata.models import Department
from erp_core.security import audit as audit_module
from erp_core.security.generation import current, generation_column
from erp_core.security.ip_rules import ip_permitted
from erp_core.security.models import Role, RolePermission, User, UserRole, UserSession
from erp_core.security.models_identity import UserProject

# last_seen_at is written at most this often per session, so page views do not each cost a write (the idle
# timeout is counted in minutes).
_TOUCH_EVERY = dt.timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(session: Session, user: User, policy: SecuritySettings, *, client_ip: str | None,
                   user_agent: str | None = None) -> tuple[str, UserSession]:
    """Open a session for ``user`` inside the caller's transaction; returns (secret token, row)."""
    token = secrets.token_urlsafe(32)
    now = naive_utcnow()
    row = UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now,
                      expires_at=now + dt.timedelta(hours=policy.session_lifetime_hours),
                      client_ip=client_ip, user_agent=(user_agent or "")[:300] or None)
    session.add(row)
    session.flush()
    return token, row


def _ended(row: UserSession, policy: SecuritySettings, now: dt.datetime) -> str | None:
    if row.revoked_at is not None:
        return row.revoked_reason or "revoked"
    if now >= row.expires_at:
        return "expired"
    if policy.idle_timeout_minutes and now - row.last_seen_at >= dt.timedelta(minutes=policy.idle_timeout_minutes):
        return "idle"
    return None


@dataclass
class ActorCache:
    """What one browser session keeps between reruns: the Actor it built, for which session token (hash),
    client address and actor generation (erp_core/security/generation.py)."""

    token_hash: str | None = None
    client_ip: str | None = None
    generation: int | None = None
    actor: Actor | None = None


def _live_row(session: Session, where, *extra):
    """One statement: a session row's state (what _ended reads) and its user's status, plus ``extra`` columns.
    Used by the per-rerun Actor check and by every use case's live check."""
    return session.execute(select(UserSession.id, UserSession.user_id, UserSession.revoked_at,
                                  UserSession.revoked_reason, UserSession.expires_at, UserSession.last_seen_at,
                                  User.status, *extra)
                           .outerjoin(User, User.id == UserSession.user_id).where(where)).one_or_none()


# -- a session check stands for the live check of the reruns and queries right after it (issue #17) -------------
# A page's rerun checks its session (actor_for_token) and then runs a query or two, each of which checked the very
# same session row again in a transaction of its own; and a user clicking through a page reruns it several times a
# second. A full check vouches for the session (by its id, in this process) for
# ``security.session_recheck_seconds`` (default VOUCH_SECONDS): a rerun's session check and a QUERY (a read) of that
# session within that time run no statement of their own. Use cases (writes) always check inside their own
# transaction. Revoking a session or a user's sessions in this process drops their vouch at once, and so does any
# audited commit in this process (every use case, a lockout by failed logins: a user's status may have changed);
# another process's change reaches page views and reads within the window. The vouch keeps the time of the check
# that read the row, so every session is read at least once per window while it is used.
VOUCH_SECONDS = 3.0
# (database engine id, session id) -> (user id, must change password, when (monotonic), when (the core's clock,
# which tests move)); the engine in the key: several databases in one process (tests, tools) share session ids
_vouches: dict[tuple[int, int], tuple[int, bool, float, dt.datetime]] = {}
_vouches_lock = threading.Lock()


def _monotonic() -> float:  # the vouches' clock (tests move it past the window without touching time.monotonic)
    return time.monotonic()


def _window(db: Database) -> float:
    return float(db.settings.security.session_recheck_seconds)


def _fresh(db: Database, at: float, clock_at: dt.datetime) -> bool:
    """A vouch made at ``at`` (monotonic) / ``clock_at`` (the core's clock, by which the idle timeout counts; tests
    move it) still holds."""
    window = _window(db)
    return _monotonic() - at <= window and abs((naive_utcnow() - clock_at).total_seconds()) <= window


def _vouch(db: Database, session_id: int, user_id: int, must_change_password: bool) -> None:
    if _window(db) <= 0:
        return
    now = _monotonic()
    with _vouches_lock:
        if len(_vouches) > 4096:  # drop the stale ones (a vouch is worth a few seconds)
            for key in [k for k, v in _vouches.items() if now - v[2] > 30]:
                del _vouches[key]
        _vouches[(id(db.engine), session_id)] = (user_id, bool(must_change_password), now, naive_utcnow())


def _live_vouch(db: Database, actor: Actor) -> bool | None:
    """Whether ``actor``'s session must change its password, as the session check on ``db`` that vouched for it
    within the window saw it; None when there is no such vouch (none, another user's, or older than the window)."""
    seen = _vouches.get((id(db.engine), actor.session_id)) if actor.session_id is not None else None
    if seen is None:
        return None
    user_id, must_change, at, clock_at = seen
    return must_change if user_id == actor.user_id and _fresh(db, at, clock_at) else None


def vouched(db: Database, actor: Actor, permission: str) -> bool:
    """True when a session check on ``db`` saw ``actor``'s session live within the window and the actor may use
    ``permission`` now (a password that must be changed leaves only the self-service open)."""
    must_change = _live_vouch(db, actor)
    return must_change is not None and (not must_change or permission in _self_service())


def forget_vouch(session_id: int | None = None, *, user_id: int | None = None) -> None:
    """Drop the vouch of a session, of every session of a user, or (no arguments) all of them."""
    with _vouches_lock:
        if session_id is None and user_id is None:
            _vouches.clear()
            return
        for key in [k for k, v in _vouches.items() if k[1] == session_id or v[0] == user_id]:
            del _vouches[key]


def _forget_all_vouches() -> None:
    forget_vouch()


audit_module.AFTER_AUDITED_COMMIT.append(_forget_all_vouches)


def _cached(s: Session, cache: ActorCache | None, digest: str, client_ip: str | None, policy: SecuritySettings,
            now: dt.datetime) -> tuple[Actor, int, dt.datetime, bool] | None:
    """The cached Actor when one statement shows nothing it was built from has changed: the session live, the
    user active, the generation the same. None: build it again (the full path also ends a dead session)."""
    if cache is None or cache.actor is None or cache.token_hash != digest or cache.client_ip != client_ip:
        return None
    row = _live_row(s, UserSession.token_hash == digest, generation_column().label("generation"),
                    User.must_change_password)
    if (row is None or row.user_id != cache.actor.user_id or row.status != "active"
            or row.generation != cache.generation or _ended(row, policy, now) is not None):
        return None
    return cache.actor, row.id, row.last_seen_at, bool(row.must_change_password)


def _checked_just_now(db: Database, cache: ActorCache | None, digest: str, client_ip: str | None) -> bool:
    """True when this browser session's cached Actor was confirmed by a full session check (a statement) in this
    process within the window (``security.session_recheck_seconds``), and nothing has dropped that vouch since (a
    revocation, any audited commit in this process). A page rerun then costs no transaction at all (issue #17). The
    vouch keeps the time of the check that read the row, so a statement runs at least once per window per session
    in use; another process's revocation is seen within that time."""
    if cache is None or cache.actor is None or cache.token_hash != digest or cache.client_ip != client_ip:
        return False
    return _live_vouch(db, cache.actor) is False  # a session that must change its password is checked in full


def actor_for_token(db: Database, token: str | None, *, client_ip: str | None = None,
                    cache: ActorCache | None = None) -> Actor:
    """The Actor of a live session, or NotAuthenticated (reason in ``params['reason']``).

    Runs on every page load, so it only reads: it writes only when the session must end, or to move
    ``last_seen_at`` on (at most once per ``_TOUCH_EVERY`` per session, a single UPDATE). With ``cache`` (kept
    by the browser session) one statement decides whether the Actor built last time still holds; otherwise the
    Actor is built again and the cache filled."""
    if not token:
        raise NotAuthenticated(reason="missing")
    policy = db.settings.security
    digest = token_hash(token)
    if _checked_just_now(db, cache, digest, client_ip):
        return cache.actor
    now = naive_utcnow()
    must_change = False
    with db.uow(readonly=True) as uow:
        s = uow.session
        hit = _cached(s, cache, digest, client_ip, policy, now)
        if hit is not None:
            actor, session_id, last_seen, must_change = hit
            reason = None
        else:
            generation = current(s)  # read BEFORE what the Actor is built from: a change in between rebuilds
            row = s.execute(select(UserSession).where(UserSession.token_hash == digest)).scalar_one_or_none()
            if row is None:
                raise NotAuthenticated(reason="unknown")
            reason = _ended(row, policy, now)
            user = s.get(User, row.user_id)
            if reason is None and (user is None or user.status != "active"):
                reason = "user_inactive"
            if reason is None and not ip_permitted(s, user, client_ip):
                reason = "ip_refused"
            actor = None if reason else build_actor(s, user, session_id=row.id, client_ip=client_ip)
            must_change = bool(user is not None and user.must_change_password)
            session_id, revoked, last_seen = row.id, row.revoked_at is not None, row.last_seen_at
            who = None if user is None else Actor(user_id=user.id, username=user.username,
                                                  company_id=user.company_id, client_ip=client_ip,
                                                  session_id=row.id)
    if reason is not None:
        forget_vouch(session_id)
        if cache is not None:
            cache.actor = None
        if not revoked:
            _end(db, session_id, reason, who)
        raise NotAuthenticated(reason=reason)
    if hit is None and cache is not None:
        cache.token_hash, cache.client_ip, cache.generation, cache.actor = digest, client_ip, generation, actor
    if now - last_seen >= _TOUCH_EVERY:
        with db.uow() as uow:
            uow.session.execute(update(UserSession).where(UserSession.id == session_id,
                                                          UserSession.last_seen_at < now)
                                .values(last_seen_at=now))
            uow.commit()
    _vouch(db, session_id, actor.user_id, must_change)
    return actor


def _end(db: Database, session_id: int, reason: str, who: Actor | None) -> None:
    from erp_core.security import audit

    with db.uow() as uow:
        s = uow.session
        if reason == "ip_refused" and who is not None:
            audit.append(s, who, action="security.session.ip_refused", outcome="denied", entity="user",
                         entity_id=who.user_id, details={"client_ip": who.client_ip, "session": session_id})
        revoke_session(s, session_id, reason)
        uow.commit()


# What an actor whose password must be changed may still do: its own account's self-service (change the
# password, read the profile, pick the language). Everything else waits for the new password.
def _self_service() -> tuple[str, ...]:
    from erp_core.security.account_services import SELF_SERVICE_PERMISSIONS

    return SELF_SERVICE_PERMISSIONS


def session_problem(session: Session, actor: Actor, policy: SecuritySettings, permission: str) -> str | None:
    """Why the actor's session may not act now (None: it may). Checked inside every use case's and query's
    transaction for logged-in actors, so the rules hold for every caller, not only for the web pages:
    revoked, expired, idle past the timeout, a user no longer active, or a password that must be changed
    first (only the account's self-service stays open then)."""
    # One statement (this runs in every use case and query).
    row = _live_row(session, UserSession.id == actor.session_id, User.must_change_password)
    if row is None or row.user_id != actor.user_id:
        return "unknown"
    reason = _ended(row, policy, naive_utcnow())
    if reason is not None:
        return reason
    if row.status != "active":
        return "user_inactive"
    if row.must_change_password and permission not in _self_service():
        return "must_change_password"
    return None


def revoke_session(session: Session, session_id: int, reason: str) -> None:
    forget_vouch(session_id)
    session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                    .values(revoked_at=naive_utcnow(), revoked_reason=reason))


def revoke_user_sessions(session: Session, user_id: int, reason: str, *, except_id: int | None = None) -> int:
    forget_vouch(user_id=user_id)
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if except_id is not None:
        stmt = stmt.where(UserSession.id != except_id)
    return session.execute(stmt.values(revoked_at=naive_utcnow(), revoked_reason=reason)).rowcount or 0


def grants_of(session: Session, user_id: int) -> dict[str, Scope]:
    """Union of the user's roles: each permission at the widest scope any role grants."""
    from erp_core.security.catalog import load_all

    roles = session.execute(select(Role).join(UserRole, UserRole.role_id == Role.id)
                            .where(UserRole.user_id == user_id)).scalars().all()
    grants: dict[str, Scope] = {}
    if any(r.is_admin for r in roles):
        return {code: Scope.ALL for code in load_all()}
    role_ids = [r.id for r in roles]
    if role_ids:
        for perm, scope in session.execute(select(RolePermission.permission, RolePermission.scope)
                                           .where(RolePermission.role_id.in_(role_ids))):
            sc = Scope(scope)
            if perm not in grants or sc.width > grants[perm].width:
                grants[perm] = sc
    return grants


def department_subtree(session: Session, company_id: int, root_id: int | None) -> frozenset[int]:
    if root_id is None:
        return frozenset()
    children: dict[int | None, list[int]] = {}
    for dep_id, parent in session.execute(select(Department.id, Department.parent_id)
                                          .where(Department.company_id == company_id)):
        children.setdefault(parent, []).append(dep_id)
    out, stack = set(), [root_id]
    while stack:
        d = stack.pop()
        if d not in out:
            out.add(d)
            stack.extend(children.get(d, []))
    return frozenset(out)


def build_actor(session: Session, user: User, *, session_id: int | None, client_ip: str | None) -> Actor:
    from erp_core.masterdata.models import Company
    from erp_core.security.account_services import SELF_SERVICE_PERMISSIONS

    company = session.get(Company, user.company_id)
    grants = grants_of(session, user.id)
    for perm in SELF_SERVICE_PERMISSIONS:  # every user may manage their own account, whatever their roles
        grants.setdefault(perm, Scope.OWN)
    from erp_core.helpdesk.services import EVERYONE_PERMISSIONS

    for perm in EVERYONE_PERMISSIONS:  # every user may send feedback and read their own (issue #16 item 8)
        grants.setdefault(perm, Scope.OWN)
    return Actor(
        user_id=user.id, username=user.username, company_id=user.company_id,
        grants=MappingProxyType(grants),
        department_ids=department_subtree(session, user.company_id, user.department_id),
        project_ids=frozenset(session.execute(select(UserProject.project_id)
                                              .where(UserProject.user_id == user.id)).scalars()),
        locale=user.locale or (company.default_locale if company else "zh_CN"),
        time_zone=user.time_zone or (company.time_zone if company else "Asia/Shanghai"),
        client_ip=client_ip, session_id=session_id,
    )
