"""Permission review (权限审查): who can do what (user x permission x scope, and through which roles), dormant
accounts, administrators, and dated sign-offs of the review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from erp_core.kernel.actor import Scope
from erp_core.kernel.clock import naive_utcnow
from erp_core.security.catalog import load_all
from erp_core.security.common import raise_problems, text_problems
from erp_core.security.models import Role, RolePermission, User, UserRole
from erp_core.security.models_identity import ReviewSignoff
from erp_core.security.user_services import UserRow, _roles_of, _row
from erp_core.usecase import Context, query, use_case

REVIEW_VIEW = {"zh": "查看权限审查", "en": "View permission review"}
ACTIVE_STATUSES = ("active", "locked")


@dataclass(frozen=True)
class GrantRow:
    user_id: int
    username: str
    display_name: str
    status: str
    permission: str
    scope: str
    roles: tuple[str, ...]  # the roles that grant it (at any scope)


@dataclass(frozen=True)
class SignoffRow:
    id: int
    signed_at: dt.datetime
    user_id: int | None
    username: str
    note: str


def _users(ctx: Context, include_inactive: bool) -> list[User]:
    stmt = select(User).where(User.company_id == ctx.actor.company_id)
    if not include_inactive:
        stmt = stmt.where(User.status.in_(ACTIVE_STATUSES))
    return list(ctx.session.execute(stmt.order_by(User.username)).scalars())


@query("admin.review.view", **REVIEW_VIEW)
def permission_matrix(ctx: Context, *, user_id: int | None = None, permission_prefix: str | None = None,
                      include_inactive: bool = False) -> list[GrantRow]:
    """Every (user, permission) pair the company's users hold, at the widest scope, with the granting roles.
    An administrator role grants every catalog permission at scope all."""
    s = ctx.session
    catalog = sorted(load_all())
    users = [u for u in _users(ctx, include_inactive) if user_id is None or u.id == user_id]
    roles_by_user = _roles_of(s, [u.id for u in users])
    role_ids = {r.id for rs in roles_by_user.values() for r in rs}
    role_grants: dict[int, dict[str, str]] = {}
    if role_ids:
        for rid, perm, scope in s.execute(select(RolePermission.role_id, RolePermission.permission,
                                                 RolePermission.scope).where(RolePermission.role_id.in_(role_ids))):
            role_grants.setdefault(rid, {})[perm] = scope
    out: list[GrantRow] = []
    for u in users:
        merged: dict[str, tuple[Scope, list[str]]] = {}
        for role in roles_by_user[u.id]:
            grants = {p: "all" for p in catalog} if role.is_admin else role_grants.get(role.id, {})
            for perm, scope in grants.items():
                sc = Scope(scope)
                cur = merged.get(perm)
                if cur is None:
                    merged[perm] = (sc, [role.code])
                else:
                    merged[perm] = (sc if sc.width > cur[0].width else cur[0], cur[1] + [role.code])
        for perm in sorted(merged):
            if permission_prefix and not perm.startswith(permission_prefix):
                continue
            sc, codes = merged[perm]
            out.append(GrantRow(u.id, u.username, u.display_name, u.status, perm, sc.value, tuple(sorted(codes))))
    return out


@query("admin.review.view", **REVIEW_VIEW)
def dormant_accounts(ctx: Context, *, days: int | None = None) -> list[UserRow]:
    """Active accounts with no login for ``days`` (default security.dormant_days), never-used ones included
    once they are that old."""
    days = ctx.db.settings.security.dormant_days if days is None else max(0, int(days))
    cutoff = naive_utcnow() - dt.timedelta(days=days)
    users = [u for u in _users(ctx, False)
             if (u.last_login_at or u.created_at) < cutoff]
    roles = _roles_of(ctx.session, [u.id for u in users])
    return [_row(u, roles[u.id]) for u in users]


@query("admin.review.view", **REVIEW_VIEW)
def administrators(ctx: Context) -> list[UserRow]:
    """Users holding an administrator role or any ``admin.*`` permission, whatever their status."""
    s = ctx.session
    admin_roles = select(Role.id).where(Role.company_id == ctx.actor.company_id, Role.is_admin.is_(True))
    granting = select(RolePermission.role_id).where(RolePermission.permission.like("admin.%"))
    ids = select(UserRole.user_id).where(or_role(UserRole.role_id, admin_roles, granting))
    users = s.execute(select(User).where(User.company_id == ctx.actor.company_id, User.id.in_(ids))
                      .order_by(User.username)).scalars().all()
    roles = _roles_of(s, [u.id for u in users])
    return [_row(u, roles[u.id]) for u in users]


def or_role(col, *subqueries):
    from sqlalchemy import or_

    return or_(*(col.in_(q) for q in subqueries))


@use_case("admin.review.signoff", zh="权限审查签字", en="Sign off permission review")
def record_review_signoff(ctx: Context, *, note: str) -> int:
    """Record that the actor reviewed the company's permissions today, with a note (who, when in UTC)."""
    raise_problems(text_problems(note, "field.security.review_note", required=True, max_len=2000))
    users = _users(ctx, False)
    row = ReviewSignoff(company_id=ctx.actor.company_id, user_id=ctx.actor.user_id, username=ctx.actor.username,
                        note=note.strip())
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("review_signoff", row.id, note=row.note, active_users=len(users))
    return row.id


@query("admin.review.view", **REVIEW_VIEW)
def list_review_signoffs(ctx: Context) -> list[SignoffRow]:
    rows = ctx.session.execute(select(ReviewSignoff).where(ReviewSignoff.company_id == ctx.actor.company_id)
                               .order_by(ReviewSignoff.signed_at.desc(), ReviewSignoff.id.desc())).scalars()
    return [SignoffRow(r.id, r.signed_at, r.user_id, r.username, r.note) for r in rows]
