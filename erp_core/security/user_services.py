"""User administration (用户管理): create, edit, disable / enable, unlock, roles, password set by an administrator,
and the user lists. Permissions ``admin.user.*``; every change is audited with before -> after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select

from erp_core.db.like import contains
from erp_core.kernel.errors import Conflict, DomainError
from erp_core.masterdata.models import Project
from erp_core.security.common import (
    USER_WORKFLOW,
    check_department_in_scope,
    check_may_give_roles,
    clean,
    contact_problems,
    department_problems,
    load_user,
    load_user_to_change,
    raise_problems,
    roles_by_ids,
    text_problems,
)
from erp_core.security.models import Role, User, UserRole
from erp_core.security.models_identity import UserProject
from erp_core.security.passwords import hash_password, policy_problems
from erp_core.security.scope import scoped
from erp_core.security.sessions import revoke_user_sessions
from erp_core.usecase import Context, query, use_case

USER_VIEW = {"zh": "查看用户", "en": "View users"}


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    email: str | None
    phone: str | None
    department_id: int | None
    status: str
    failed_logins: int
    locked_at: dt.datetime | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    must_change_password: bool
    version: int
    role_ids: tuple[int, ...] = ()
    role_codes: tuple[str, ...] = ()
    project_ids: tuple[int, ...] = ()


def _row(user: User, roles: list[Role], project_ids: tuple[int, ...] = ()) -> UserRow:
    return UserRow(user.id, user.username, user.display_name, user.email, user.phone, user.department_id,
                   user.status, user.failed_logins, user.locked_at, user.last_login_at, user.created_at,
                   user.must_change_password, user.version, tuple(r.id for r in roles),
                   tuple(r.code for r in roles), project_ids)


def projects_of(session, user_id: int) -> tuple[int, ...]:
    return tuple(session.execute(select(UserProject.project_id).where(UserProject.user_id == user_id)
                                 .order_by(UserProject.project_id)).scalars())


def _roles_of(session, user_ids: list[int]) -> dict[int, list[Role]]:
    out: dict[int, list[Role]] = {u: [] for u in user_ids}
    if user_ids:
        for uid, role in session.execute(select(UserRole.user_id, Role).join(Role, Role.id == UserRole.role_id)
                                         .where(UserRole.user_id.in_(user_ids)).order_by(Role.code)):
            out[uid].append(role)
    return out


def _username_taken(session, username: str) -> bool:
    return session.execute(select(User.id).where(func.lower(User.username) == username.lower())).first() is not None


@use_case("admin.user.create", zh="新建用户", en="Create user")
def create_user(ctx: Context, *, username: str, display_name: str, password: str, email: str | None = None,
                phone: str | None = None, department_id: int | None = None, role_ids: list[int] | None = None,
                must_change_password: bool = True) -> int:
    """Create an active user. The administrator sets the first password, so by default the user must change
    it at first login."""
    from erp_core.setup.services import validate_username

    s, company_id = ctx.session, ctx.actor.company_id
    username = (username or "").strip()
    roles, role_problems = roles_by_ids(s, company_id, role_ids)
    problems = (validate_username(username) + text_problems(display_name, "field.security.display_name",
                                                            required=True, max_len=100)
                + contact_problems(email, phone) + department_problems(s, company_id, department_id)
                + role_problems
                + policy_problems(password or "", username=username,
                                  min_length=ctx.db.settings.security.password_min_length))
    raise_problems(problems)
    check_department_in_scope(ctx, department_id)
    check_may_give_roles(ctx, roles)
    if _username_taken(s, username):
        raise Conflict("error.username.taken", username=username)
    user = User(company_id=company_id, username=username, display_name=display_name.strip(),
                email=clean(email), phone=clean(phone), department_id=department_id, status="active",
                password_hash=hash_password(password), must_change_password=bool(must_change_password))
    s.add(user)
    s.flush()
    s.add_all(UserRole(user_id=user.id, role_id=r.id) for r in roles)
    ctx.audit("user", user.id, username=username, roles=sorted(r.code for r in roles),
              department_id=department_id)
    return user.id


@use_case("admin.user.edit", zh="修改用户资料", en="Edit user")
def update_user(ctx: Context, *, user_id: int, version: int, display_name: str, email: str | None = None,
                phone: str | None = None, department_id: int | None = None) -> None:
    """Change a user's profile; ``version`` is the one the form loaded (a concurrent edit fails)."""
    user = load_user_to_change(ctx, user_id)
    ctx.check_version(user, version)
    raise_problems(text_problems(display_name, "field.security.display_name", required=True, max_len=100)
                   + contact_problems(email, phone) + department_problems(ctx.session, user.company_id,
                                                                          department_id))
    if department_id != user.department_id:
        check_department_in_scope(ctx, department_id)
    ctx.audit("user", user.id)
    ctx.diff(user, display_name=display_name.strip(), email=clean(email), phone=clean(phone),
             department_id=department_id)


def _not_self(ctx: Context, user: User) -> None:
    if user.id == ctx.actor.user_id:
        raise DomainError("error.security.not_on_self")


def active_admin_ids(session, company_id: int) -> set[int]:
    """Active users holding the company's administrator role."""
    return set(session.execute(
        select(User.id).join(UserRole, UserRole.user_id == User.id).join(Role, Role.id == UserRole.role_id)
        .where(User.company_id == company_id, User.status == "active", Role.is_admin.is_(True))).scalars())


def _keeps_an_admin(ctx: Context, user: User, *, losing: bool) -> None:
    """Refuse a change that would leave the company without an active administrator."""
    if losing and active_admin_ids(ctx.session, user.company_id) == {user.id}:
        raise DomainError("error.security.last_admin")


@use_case("admin.user.disable", zh="停用用户", en="Disable user")
def disable_user(ctx: Context, *, user_id: int) -> int:
    """Disable a user and end all of their sessions at once. Returns the number of sessions revoked."""
    user = load_user_to_change(ctx, user_id)
    _not_self(ctx, user)
    _keeps_an_admin(ctx, user, losing=True)
    before = user.status
    USER_WORKFLOW.apply(user, "disable")
    revoked = revoke_user_sessions(ctx.session, user.id, "disabled")
    ctx.audit("user", user.id, status=[before, user.status], sessions_revoked=revoked)
    return revoked


@use_case("admin.user.enable", zh="启用用户", en="Enable user")
def enable_user(ctx: Context, *, user_id: int) -> None:
    user = load_user_to_change(ctx, user_id)
    before = user.status
    USER_WORKFLOW.apply(user, "enable")
    user.failed_logins, user.locked_at = 0, None
    ctx.audit("user", user.id, status=[before, user.status])


@use_case("admin.user.unlock", zh="解锁账户", en="Unlock account")
def unlock_user(ctx: Context, *, user_id: int) -> None:
    """Unlock an account locked by failed logins; the failure counter starts again at zero."""
    user = load_user_to_change(ctx, user_id)
    before = (user.status, user.failed_logins)
    USER_WORKFLOW.apply(user, "unlock")
    user.failed_logins, user.locked_at = 0, None
    ctx.audit("user", user.id, status=[before[0], user.status], failed_logins=[before[1], 0])


@use_case("admin.user.assign_roles", zh="分配角色", en="Assign roles")
def set_user_roles(ctx: Context, *, user_id: int, role_ids: list[int]) -> None:
    """Replace the user's roles (a permission change: audited as before -> after)."""
    user = load_user_to_change(ctx, user_id)
    roles, problems = roles_by_ids(ctx.session, user.company_id, role_ids)
    raise_problems(problems)
    _keeps_an_admin(ctx, user, losing=not any(r.is_admin for r in roles))
    held = _roles_of(ctx.session, [user.id])[user.id]
    held_ids, new_ids = {r.id for r in held}, {r.id for r in roles}
    # Given and taken away alike: a delegated administrator manages only roles within their own rights.
    check_may_give_roles(ctx, [r for r in roles if r.id not in held_ids] + [r for r in held if r.id not in new_ids])
    before = sorted(r.code for r in held)
    ctx.session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    ctx.session.add_all(UserRole(user_id=user.id, role_id=r.id) for r in roles)
    after = sorted(r.code for r in roles)
    ctx.audit("user", user.id, **({"roles": [before, after]} if before != after else {}))


@use_case("admin.user.set_password", zh="重设用户密码", en="Set a user's password")
def set_user_password(ctx: Context, *, user_id: int, password: str) -> int:
    """An administrator sets a new password: the user must change it at next login; their sessions end."""
    user = load_user_to_change(ctx, user_id)
    raise_problems(policy_problems(password or "", username=user.username,
                                   min_length=ctx.db.settings.security.password_min_length))
    user.password_hash = hash_password(password)
    user.must_change_password = True
    revoked = revoke_user_sessions(ctx.session, user.id, "password_set")
    ctx.audit("user", user.id, password="***", sessions_revoked=revoked)
    return revoked


@use_case("admin.user.edit", zh="修改用户资料", en="Edit user")
def set_user_projects(ctx: Context, *, user_id: int, project_ids: list[int]) -> None:
    """Replace the projects the user belongs to: a grant of scope *project* opens the rows of these projects
    (plus the user's own). Only projects of the company; a delegated administrator (scope narrower than
    *all*) adds only projects they belong to themselves."""
    from erp_core.kernel.actor import Scope
    from erp_core.kernel.errors import ValidationError

    user = load_user_to_change(ctx, user_id)
    wanted = list(dict.fromkeys(project_ids or ()))
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in wanted):
        raise ValidationError("error.choice", field="field.security.projects")
    found = set(ctx.session.execute(select(Project.id).where(Project.id.in_(wanted),
                                                             Project.company_id == user.company_id)).scalars()) \
        if wanted else set()
    if len(found) != len(wanted):
        raise ValidationError("error.choice", field="field.security.projects")
    before = projects_of(ctx.session, user.id)
    added = [p for p in wanted if p not in before]
    if added and not ctx.actor.is_system and ctx.scope is not Scope.ALL:
        beyond = [p for p in added if p not in ctx.actor.project_ids]
        if beyond:
            codes = ctx.session.execute(select(Project.code).where(Project.id.in_(beyond))
                                        .order_by(Project.code)).scalars()
            raise DomainError("error.security.project_beyond_own", projects=", ".join(codes))
    ctx.session.execute(delete(UserProject).where(UserProject.user_id == user.id))
    ctx.session.add_all(UserProject(user_id=user.id, project_id=p) for p in wanted)
    after = tuple(sorted(wanted))
    ctx.audit("user", user.id, **({"project_ids": [list(before), list(after)]} if before != after else {}))


@query("admin.user.view", **USER_VIEW)
def list_users(ctx: Context, *, status: str | None = None, department_id: int | None = None,
               role_id: int | None = None, search: str | None = None, limit: int = 500) -> list[UserRow]:
    """Users of the actor's company (row scope applied), newest first."""
    stmt = scoped(select(User), ctx, company_col=User.company_id, department_col=User.department_id,
                  owner_col=User.id)
    if status:
        stmt = stmt.where(User.status == status)
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    if role_id is not None:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role_id == role_id)))
    if search and search.strip():
        s = search.strip()  # wildcards in the search are literal (erp_core.db.like)
        stmt = stmt.where(or_(contains(User.username, s, ignore_case=True),
                              contains(User.display_name, s, ignore_case=True),
                              contains(func.coalesce(User.email, ""), s, ignore_case=True)))
    users = ctx.session.execute(stmt.order_by(User.id.desc()).limit(max(1, min(int(limit), 5000)))).scalars().all()
    roles = _roles_of(ctx.session, [u.id for u in users])
    return [_row(u, roles[u.id]) for u in users]


@query("admin.user.view", **USER_VIEW)
def list_locked_users(ctx: Context) -> list[UserRow]:
    """Accounts locked by failed logins (the unlock list)."""
    return list_users.__wrapped__(ctx, status="locked")


@query("admin.user.view", **USER_VIEW)
def get_user(ctx: Context, *, user_id: int) -> UserRow:
    user = load_user(ctx, user_id)  # row scope applied, like the list
    return _row(user, _roles_of(ctx.session, [user.id])[user.id], projects_of(ctx.session, user.id))
