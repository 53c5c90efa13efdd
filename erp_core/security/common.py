"""Helpers shared by the security use cases: raising all validation problems at once, loading a user of the
actor's company, and checking user fields."""

from __future__ import annotations

import re

from sqlalchemy import select

from erp_core.kernel.errors import NotFound, ValidationError, ValidationErrors
from erp_core.kernel.workflow import Workflow
from erp_core.masterdata.models import Company, Department
from erp_core.security.models import USER_STATUSES, Role, User

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


def load_user(ctx, user_id: int) -> User:
    """A user of the actor's company, or NotFound (a user of another company does not exist for this actor)."""
    user = ctx.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or (not ctx.actor.is_system and user.company_id != ctx.actor.company_id):
        raise NotFound(entity="user", id=user_id)
    ctx.company_id = user.company_id
    return user


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
