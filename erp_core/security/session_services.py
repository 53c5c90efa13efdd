"""Active sessions (在线会话): the administrator's list, revoking one, and "sign out everywhere" for a user.
(A user signs themselves out everywhere with erp_core.security.auth.sign_out_everywhere.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import NotFound
from erp_core.security.common import load_user
from erp_core.security.models import User, UserSession
from erp_core.security.scope import scoped
from erp_core.security.sessions import revoke_session, revoke_user_sessions
from erp_core.usecase import Context, query, use_case

REVOKE = {"zh": "注销会话", "en": "Revoke sessions"}


@dataclass(frozen=True)
class SessionRow:
    id: int
    user_id: int
    username: str
    display_name: str
    client_ip: str | None
    user_agent: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime


@query("admin.session.view", zh="查看在线会话", en="View active sessions")
def list_active_sessions(ctx: Context, *, user_id: int | None = None) -> list[SessionRow]:
    """Sessions not revoked, not expired and not idle past the timeout, newest activity first."""
    now = naive_utcnow()
    policy = ctx.db.settings.security
    stmt = (select(UserSession, User.username, User.display_name).join(User, User.id == UserSession.user_id)
            .where(UserSession.revoked_at.is_(None), UserSession.expires_at > now))
    if policy.idle_timeout_minutes:
        stmt = stmt.where(UserSession.last_seen_at > now - dt.timedelta(minutes=policy.idle_timeout_minutes))
    if user_id is not None:
        stmt = stmt.where(UserSession.user_id == user_id)
    stmt = scoped(stmt, ctx, company_col=User.company_id, department_col=User.department_id, owner_col=User.id)
    rows = ctx.session.execute(stmt.order_by(UserSession.last_seen_at.desc())).all()
    return [SessionRow(r.id, r.user_id, username, name, r.client_ip, r.user_agent, r.created_at, r.last_seen_at,
                       r.expires_at) for r, username, name in rows]


@use_case("admin.session.revoke", **REVOKE)
def revoke_user_session(ctx: Context, *, session_id: int) -> None:
    """End one session; its cookie stops working at the next page load."""
    row = ctx.session.get(UserSession, session_id) if isinstance(session_id, int) else None
    if row is None:
        raise NotFound(entity="session", id=session_id)
    user = load_user(ctx, row.user_id)
    revoke_session(ctx.session, row.id, "admin_revoked")
    ctx.audit("session", row.id, user_id=user.id, username=user.username, client_ip=row.client_ip)


@use_case("admin.session.revoke", **REVOKE)
def sign_out_user_everywhere(ctx: Context, *, user_id: int) -> int:
    """End every session of one user. Returns how many were live."""
    user = load_user(ctx, user_id)
    n = revoke_user_sessions(ctx.session, user.id, "admin_signout_all")
    ctx.audit("user", user.id, sessions_revoked=n)
    return n
