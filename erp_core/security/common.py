"""Helpers shared by the security use cases: raising all validation problems at once, loading a user of the
actor's company, and checking user fields."""

from __future__ import annotations

import re

from sqlalchemy import select

from erp_core.kernel.actor import Scope
from erp_core.kernel.errors import DomainError, NotFound, ValidationError, ValidationErrors
from erp_core.kernel.workflow import Workflow
from erp_core.masterdata.models import Company, Department
from erp_core.security.models import USER_STATUSES, Role, RolePermission, User, UserRole

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,40}$")

# 用户状态: who may log in is decided by status alone (active); each move is one use case.
USER_WORKFLOW = Workflow("user", USER_STATUSES, [
    ("approve", "pending", "active"),
    ("reject", "pending", "rejected"),
    ("lock", "active", "locked"),
    ("unlock", "locked", "active"),
    ("disable", ("active", "locked"), "disabled"),
    ("enable", "disabled", "active"),
])


def raise_problems(problems: list[ValidationError]) -> None:
    """Raise nothing, the one problem, or all of them together."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationErrors(problems)


def installation_company_id(session) -> int | None:
    """The company of this installation (the first one), for anonymous requests."""
    return session.execute(select(Company.id).order_by(Company.id)).scalars().first()


def load_user(ctx, user_id: int, *, scoped: bool = True) -> User:
    """A user of the actor's company within the row scope of ``ctx.permission`` (as the user lists show them:
    own department and its sub-departments, or only oneself for scope *own*), or NotFound: a user the actor
    may not see does not exist for them. ``scoped=False`` only for accounts nobody owns yet (a pending
    registration has no department)."""
    from erp_core.security.scope import may_touch

    user = ctx.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or (not ctx.actor.is_system and user.company_id != ctx.actor.company_id):
        raise NotFound(entity="user", id=user_id)
    if scoped and not may_touch(ctx, company_id=user.company_id, department_id=user.department_id,
                                owner_id=user.id):
        raise NotFound(entity="user", id=user_id)
    ctx.company_id = user.company_id
    return user


def actor_is_admin(session, actor) -> bool:
    """The system actor, or a user holding the company's administrator role."""
    if actor.is_system:
        return True
    if actor.user_id is None:
        return False
    return session.execute(select(UserRole.user_id).join(Role, Role.id == UserRole.role_id).where(
        UserRole.user_id == actor.user_id, Role.is_admin.is_(True))).first() is not None


def beyond_actor(actor, grants) -> list[str]:
    """The permissions of ``grants`` ({permission: scope}) the actor does not hold at least as wide."""
    out = []
    for perm, scope in grants.items():
        mine = actor.scope(perm)
        if mine is None or mine.width < Scope(scope).width:
            out.append(perm)
    return sorted(out)


def role_grants_of(session, role: Role) -> dict[str, Scope]:
    return {p: Scope(sc) for p, sc in session.execute(
        select(RolePermission.permission, RolePermission.scope).where(RolePermission.role_id == role.id))}


def check_may_give_roles(ctx, roles) -> None:
    """Nobody assigns (or takes away) a role holding more than they hold themselves, at that scope; only an
    administrator gives or takes the administrator role."""
    for role in roles:
        if role.is_admin:
            if not actor_is_admin(ctx.session, ctx.actor):
                raise DomainError("error.security.admin_role_only_admin")
            continue
        beyond = beyond_actor(ctx.actor, role_grants_of(ctx.session, role))
        if beyond:
            raise DomainError("error.security.role_beyond_own", role=role.code, permissions=_few(beyond))


def check_may_manage(ctx, user: User) -> None:
    """A delegated administrator changes only accounts that hold no more than they do: setting the password,
    the roles, the profile or the status of a more powerful account would hand them its rights."""
    if ctx.actor.is_system or user.id == ctx.actor.user_id:
        return
    from erp_core.security.sessions import grants_of

    roles = ctx.session.execute(select(Role).join(UserRole, UserRole.role_id == Role.id)
                                .where(UserRole.user_id == user.id)).scalars().all()
    if any(r.is_admin for r in roles):
        if not actor_is_admin(ctx.session, ctx.actor):
            raise DomainError("error.security.user_beyond_own", username=user.username)
        return
    if beyond_actor(ctx.actor, grants_of(ctx.session, user.id)):
        raise DomainError("error.security.user_beyond_own", username=user.username)


def load_user_to_change(ctx, user_id: int) -> User:
    """``load_user`` for a use case that changes the account: row scope, and an account holding no more
    than the actor (check_may_manage)."""
    user = load_user(ctx, user_id)
    check_may_manage(ctx, user)
    return user


def check_department_in_scope(ctx, department_id: int | None) -> None:
    """The new state of a user must be within the actor's row scope too (a department-scoped administrator
    cannot move an account out of their departments, nor create one elsewhere)."""
    from erp_core.security.scope import may_touch

    if not may_touch(ctx, company_id=ctx.actor.company_id, department_id=department_id):
        raise ValidationError("error.choice", field="field.security.department")


def _few(items: list[str], n: int = 5) -> str:
    return ", ".join(items[:n]) + (" …" if len(items) > n else "")


def load_role(ctx, role_id: int) -> Role:
    role = ctx.session.get(Role, role_id) if isinstance(role_id, int) else None
    if role is None or (not ctx.actor.is_system and role.company_id != ctx.actor.company_id):
        raise NotFound(entity="role", id=role_id)
    ctx.company_id = role.company_id
    return role


def text_problems(value: str | None, field: str, *, required: bool, max_len: int) -> list[ValidationError]:
    value = (value or "").strip()
    if required and not value:
        return [ValidationError("error.required", field=field)]
    if len(value) > max_len:
        return [ValidationError("error.too_long", field=field, max=max_len)]
    return []


def contact_problems(email: str | None, phone: str | None) -> list[ValidationError]:
    problems = text_problems(email, "field.security.email", required=False, max_len=200)
    if not problems and email and email.strip() and not EMAIL_RE.match(email.strip()):
        problems.append(ValidationError("error.security.email_format", field="field.security.email"))
    if phone and phone.strip() and not PHONE_RE.match(phone.strip()):
        problems.append(ValidationError("error.security.phone_format", field="field.security.phone"))
    return problems


def department_problems(session, company_id: int, department_id: int | None) -> list[ValidationError]:
    if department_id is None:
        return []
    dep = session.get(Department, department_id) if isinstance(department_id, int) else None
    if dep is None or dep.company_id != company_id or not dep.active:
        return [ValidationError("error.choice", field="field.security.department")]
    return []


def roles_by_ids(session, company_id: int, role_ids) -> tuple[list[Role], list[ValidationError]]:
    ids = list(dict.fromkeys(role_ids or ()))
    if not all(isinstance(i, int) for i in ids):
        return [], [ValidationError("error.choice", field="field.security.roles")]
    roles = session.execute(select(Role).where(Role.id.in_(ids), Role.company_id == company_id)).scalars().all() \
        if ids else []
    if len(roles) != len(ids):
        return [], [ValidationError("error.choice", field="field.security.roles")]
    return list(roles), []


def clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
