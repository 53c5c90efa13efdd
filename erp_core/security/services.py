"""Use cases of user administration that the foundation needs (the first administrator)."""

from __future__ import annotations

from sqlalchemy import select

from erp_core.kernel.errors import Conflict, NotFound, ValidationErrors
from erp_core.masterdata.models import Company
from erp_core.security.models import Role, User, UserRole
from erp_core.security.passwords import hash_password, policy_problems
from erp_core.usecase import Context, use_case


@use_case("admin.user.create_admin", zh="新建管理员", en="Create administrator")
def create_admin(ctx: Context, *, username: str, password: str, display_name: str = "",
                 must_change_password: bool = True) -> int:
    """Create a user holding the company's administrator role."""
    from erp_core.setup.services import validate_username

    s = ctx.session
    company_id = ctx.actor.company_id or s.execute(select(Company.id).order_by(Company.id)).scalars().first()
    if company_id is None:
        raise NotFound("error.company.none")
    username = (username or "").strip()
    problems = validate_username(username) + policy_problems(
        password or "", username=username, min_length=ctx.db.settings.security.password_min_length)
    if problems:
        raise ValidationErrors(problems)
    if s.execute(select(User.id).where(User.username == username)).first():
        raise Conflict("error.username.taken", username=username)
    role = s.execute(select(Role).where(Role.company_id == company_id, Role.is_admin.is_(True))
                     .order_by(Role.id)).scalars().first()
    if role is None:
        raise NotFound("error.role.admin_missing")
    user = User(company_id=company_id, username=username, display_name=display_name.strip() or username,
                password_hash=hash_password(password), status="active", must_change_password=must_change_password)
    s.add(user)
    s.flush()
    s.add(UserRole(user_id=user.id, role_id=role.id))
    ctx.company_id = company_id
    ctx.audit("user", user.id, username=username, role=role.code)
    return user.id
