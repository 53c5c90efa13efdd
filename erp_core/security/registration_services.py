"""Self-registration (自助注册): a visitor asks for an account, which stays pending (cannot log in) until an
administrator approves it, choosing roles and department, or rejects it. Off unless the company turns it on
(``set_registration_open``); while off, the anonymous request is refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from erp_core.db.uow import Database
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, DomainError, NotFound, ValidationError
from erp_core.security.common import (
    USER_WORKFLOW,
    check_department_in_scope,
    check_may_give_roles,
    clean,
    contact_problems,
    department_problems,
    installation_company_id,
    load_user,
    raise_problems,
    text_problems,
)
from erp_core.security.models import AuditLog, Role, User, UserRole
from erp_core.security.models_identity import SecurityPolicy
from erp_core.security.passwords import hash_password, policy_problems
from erp_core.security.user_services import UserRow, _roles_of, _row
from erp_core.usecase import Context, query, use_case

REGISTRATION_PERMISSION = "security.registration.request"  # held by anonymous visitors on the login page
POLICY_VIEW = {"zh": "查看安全策略", "en": "View security policy"}


def policy_of(session, company_id: int | None) -> SecurityPolicy | None:
    return session.get(SecurityPolicy, company_id) if company_id is not None else None


def registration_is_open(db: Database) -> bool:
    """Whether the login page offers "request an account" (public information, no permission needed)."""
    with db.uow(readonly=True) as uow:
        policy = policy_of(uow.session, installation_company_id(uow.session))
        return bool(policy and policy.registration_open)


@use_case(REGISTRATION_PERMISSION, zh="申请注册账户", en="Request an account")
def request_registration(ctx: Context, *, username: str, display_name: str, password: str,
                         email: str | None = None, phone: str | None = None) -> int:
    """Create a pending account for a visitor. It cannot log in until an administrator approves it."""
    from erp_core.setup.services import validate_username

    s = ctx.session
    company_id = installation_company_id(s)
    policy = policy_of(s, company_id)
    if policy is None or not policy.registration_open:
        raise DomainError("error.registration.closed")
    _throttle(ctx)
    username = (username or "").strip()
    raise_problems(validate_username(username)
                   + text_problems(display_name, "field.security.display_name", required=True, max_len=100)
                   + contact_problems(email, phone)
                   + policy_problems(password or "", username=username,
                                     min_length=ctx.db.settings.security.password_min_length))
    if s.execute(select(User.id).where(func.lower(User.username) == username.lower())).first():
        raise Conflict("error.username.taken", username=username)
    user = User(company_id=company_id, username=username, display_name=display_name.strip(), email=clean(email),
                phone=clean(phone), status="pending", password_hash=hash_password(password),
                must_change_password=False)
    s.add(user)
    s.flush()
    ctx.company_id = company_id
    ctx.audit("user", user.id, username=username, status="pending")
    return user.id


def _throttle(ctx: Context) -> None:
    """At most security.ip_failure_limit requests per client address per window: a registration form must not
    become a way to flood the pending list."""
    policy, ip = ctx.db.settings.security, ctx.actor.client_ip
    if not ip or not policy.ip_failure_limit:
        return
    since = naive_utcnow() - dt.timedelta(minutes=policy.ip_failure_window_minutes)
    n = ctx.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == REGISTRATION_PERMISSION, AuditLog.client_ip == ip, AuditLog.at_utc >= since)).scalar_one()
    if n >= policy.ip_failure_limit:
        raise DomainError("error.registration.throttled", minutes=policy.ip_failure_window_minutes)


def _pending(ctx: Context, user_id: int) -> User:
    user = load_user(ctx, user_id, scoped=False)  # a request belongs to no department yet
    if user.status != "pending":
        raise DomainError("error.registration.not_pending", username=user.username)
    return user


@use_case("admin.registration.approve", zh="批准注册", en="Approve registration")
def approve_registration(ctx: Context, *, user_id: int, role_codes: list[str],
                         department_id: int | None = None) -> None:
    """Activate a pending account with the chosen roles (by code) and department."""
    user = _pending(ctx, user_id)
    codes = list(dict.fromkeys(role_codes or ()))
    roles = ctx.session.execute(select(Role).where(Role.company_id == user.company_id,
                                                   Role.code.in_(codes))).scalars().all() if codes else []
    problems = department_problems(ctx.session, user.company_id, department_id)
    if not codes or len(roles) != len(codes):
        problems.append(ValidationError("error.choice" if codes else "error.required",
                                        field="field.security.roles"))
    raise_problems(problems)
    check_department_in_scope(ctx, department_id)  # the account's new place must be within the approver's scope
    check_may_give_roles(ctx, roles)
    USER_WORKFLOW.apply(user, "approve")
    user.department_id = department_id
    ctx.session.add_all(UserRole(user_id=user.id, role_id=r.id) for r in roles)
    ctx.audit("user", user.id, status=["pending", "active"], roles=sorted(codes), department_id=department_id)


@use_case("admin.registration.reject", zh="拒绝注册", en="Reject registration")
def reject_registration(ctx: Context, *, user_id: int, reason: str) -> None:
    """Refuse a pending account. The row stays (status rejected) so the decision and its reason are on record."""
    user = _pending(ctx, user_id)
    raise_problems(text_problems(reason, "field.security.reason", required=True, max_len=500))
    USER_WORKFLOW.apply(user, "reject")
    ctx.audit("user", user.id, status=["pending", "rejected"], reason=reason.strip())


@query("admin.registration.view", zh="查看注册申请", en="View registration requests")
def list_pending_registrations(ctx: Context) -> list[UserRow]:
    users = ctx.session.execute(select(User).where(User.company_id == ctx.actor.company_id,
                                                   User.status == "pending").order_by(User.created_at)).scalars().all()
    roles = _roles_of(ctx.session, [u.id for u in users])
    return [_row(u, roles[u.id]) for u in users]


@use_case("admin.security_policy.edit", zh="修改安全策略", en="Edit security policy")
def set_registration_open(ctx: Context, *, open: bool) -> None:
    """Turn self-registration on or off for the actor's company."""
    company_id = ctx.actor.company_id
    if company_id is None:
        raise NotFound(entity="company")
    policy = policy_of(ctx.session, company_id)
    if policy is None:
        policy = SecurityPolicy(company_id=company_id, registration_open=False)
        ctx.session.add(policy)
        ctx.session.flush()
    ctx.audit("security_policy", company_id)
    ctx.diff(policy, registration_open=bool(open))


@query("admin.security_policy.view", **POLICY_VIEW)
def get_registration_open(ctx: Context) -> bool:
    policy = policy_of(ctx.session, ctx.actor.company_id)
    return bool(policy and policy.registration_open)
