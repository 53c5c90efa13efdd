"""Roles and grants (角色与授权). A role grants catalog permissions, each with a row scope; the grant matrix is
saved as a whole and audited as before -> after, because permission changes are security events."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm.attributes import flag_modified

from erp_core.kernel.actor import Scope
from erp_core.kernel.errors import Conflict, DomainError, ValidationError
from erp_core.security.catalog import Permission, load_all
from erp_core.security.common import beyond_actor, load_role, raise_problems, text_problems
from erp_core.security.generation import bump as bump_actor_generation
from erp_core.security.models import Role, RolePermission, UserRole
from erp_core.usecase import Context, query, use_case

ROLE_VIEW = {"zh": "查看角色与授权", "en": "View roles and grants"}
ROLE_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
SCOPES = tuple(s.value for s in Scope)


@dataclass(frozen=True)
class RoleRow:
    id: int
    code: str
    name_zh: str
    name_en: str
    is_admin: bool
    version: int
    user_count: int
    grant_count: int


@dataclass(frozen=True)
class CatalogEntry:
    code: str
    module: str
    zh: str
    en: str


def _name_problems(name_zh: str, name_en: str) -> list[ValidationError]:
    return (text_problems(name_zh, "field.security.role_name_zh", required=True, max_len=100)
            + text_problems(name_en, "field.security.role_name_en", required=True, max_len=100))


@use_case("admin.role.create", zh="新建角色", en="Create role")
def create_role(ctx: Context, *, code: str, name_zh: str, name_en: str) -> int:
    code = (code or "").strip().lower()
    problems = [] if ROLE_CODE_RE.match(code) else [ValidationError("error.security.role_code_format",
                                                                    field="field.security.role_code")]
    raise_problems(problems + _name_problems(name_zh, name_en))
    s = ctx.session
    if s.execute(select(Role.id).where(Role.company_id == ctx.actor.company_id, Role.code == code)).first():
        raise Conflict("error.security.role_code_taken", code=code)
    role = Role(company_id=ctx.actor.company_id, code=code, name_zh=name_zh.strip(), name_en=name_en.strip(),
                is_admin=False)
    s.add(role)
    s.flush()
    ctx.audit("role", role.id, code=code, name_zh=role.name_zh, name_en=role.name_en)
    return role.id


@use_case("admin.role.edit", zh="修改角色", en="Edit role")
def update_role(ctx: Context, *, role_id: int, version: int, name_zh: str, name_en: str) -> None:
    role = load_role(ctx, role_id)
    ctx.check_version(role, version)
    raise_problems(_name_problems(name_zh, name_en))
    ctx.audit("role", role.id)
    ctx.diff(role, name_zh=name_zh.strip(), name_en=name_en.strip())


@use_case("admin.role.delete", zh="删除角色", en="Delete role")
def delete_role(ctx: Context, *, role_id: int) -> None:
    """Delete a role nobody holds (the administrator role cannot be deleted)."""
    role = load_role(ctx, role_id)
    if role.is_admin:
        raise DomainError("error.security.admin_role_fixed")
    if ctx.session.execute(select(UserRole.user_id).where(UserRole.role_id == role.id)).first():
        raise Conflict("error.security.role_in_use", code=role.code)
    grants = _grants(ctx.session, role.id)
    ctx.session.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
    ctx.session.delete(role)
    ctx.audit("role", role_id, code=role.code, grants=[grants, {}])


def _grants(session, role_id: int) -> dict[str, str]:
    return dict(session.execute(select(RolePermission.permission, RolePermission.scope)
                                .where(RolePermission.role_id == role_id).order_by(RolePermission.permission)).all())


# Permissions no role grants: self-service ones every signed-in user holds anyway (account.*), the anonymous
# visitor's (security.*: request an account, redeem a reset code) and first-time setup (system.*).
NOT_GRANTABLE_MODULES = ("account", "security", "system")


def grantable_permissions() -> dict[str, Permission]:
    return {code: p for code, p in load_all().items() if p.module not in NOT_GRANTABLE_MODULES}


def grant_problems(grants: dict[str, str]) -> list[ValidationError]:
    """Every grant must name a grantable catalog permission and a known scope."""
    catalog = grantable_permissions()
    problems: list[ValidationError] = []
    if not isinstance(grants, dict):
        return [ValidationError("error.choice", field="field.security.grants")]
    for code, scope in grants.items():
        if code not in catalog:
            problems.append(ValidationError("error.security.unknown_permission", field="field.security.grants",
                                            code=str(code)))
        elif str(scope) not in SCOPES:
            problems.append(ValidationError("error.security.unknown_scope", field="field.security.grants",
                                            code=str(code), scope=str(scope)))
    return problems


@use_case("admin.role.grant", zh="设置角色权限", en="Set role permissions")
def set_role_grants(ctx: Context, *, role_id: int, grants: dict[str, str], version: int | None = None) -> int | None:
    """Replace the role's whole grant matrix {permission: scope}. ``version`` (the role's, as loaded by the
    matrix editor) makes a concurrent edit fail instead of silently merging. When the company requires a second
    person's approval for permission changes (erp_core/changes; off by default) nothing changes now: the request
    waits for approval and its id is returned (None: applied now)."""
    from erp_core.changes.services import hold_for_approval

    role = load_role(ctx, role_id)
    ctx.check_version(role, version)
    after = _checked_grants(ctx, role, grants)
    held = hold_for_approval(ctx, "role_grants", role.id, {"grants": after, "version": role.version},
                             summary=f"{role.code} {role.name_zh}: {len(after)}")
    if held is not None:
        ctx.audit("role", role.id, code=role.code, grants_pending=held)
        return held
    apply_role_grants(ctx, role, after)
    return None


def _checked_grants(ctx: Context, role: Role, grants: dict[str, str]) -> dict[str, str]:
    if role.is_admin:
        raise DomainError("error.security.admin_role_fixed")
    raise_problems(grant_problems(grants))
    before = _grants(ctx.session, role.id)
    after = {code: str(scope) for code, scope in sorted(grants.items())}
    # Nobody grants what they do not hold at that scope (this role may be the actor's own): every grant this
    # save adds or widens must be within the actor's own rights. Narrowing and removing are always allowed.
    given = {p: sc for p, sc in after.items() if p not in before or Scope(sc).width > Scope(before[p]).width}
    beyond = beyond_actor(ctx.actor, given)
    if beyond:
        raise DomainError("error.security.grant_beyond_own",
                          permissions=", ".join(beyond[:5]) + (" …" if len(beyond) > 5 else ""))
    return after


def apply_role_grants(ctx: Context, role: Role, grants: dict[str, str]) -> None:
    """Write the role's grant matrix inside the caller's use case, after the checks of set_role_grants (run
    again here against the acting user: the approver of a pending change must hold what it gives, too)."""
    after = _checked_grants(ctx, role, grants)
    before = _grants(ctx.session, role.id)
    ctx.session.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
    ctx.session.add_all(RolePermission(role_id=role.id, permission=p, scope=s) for p, s in after.items())
    flag_modified(role, "name_zh")  # bump the role's version: the matrix is part of the role
    # Whoever calls this (the grant editor, or an approved major change under approvals.request.decide), the
    # signed-in holders of the role rebuild their Actor at their next rerun.
    bump_actor_generation(ctx.session)
    changes = {"added": {p: s for p, s in after.items() if p not in before},
               "removed": {p: s for p, s in before.items() if p not in after},
               "rescoped": {p: [before[p], s] for p, s in after.items() if p in before and before[p] != s}}
    ctx.audit("role", role.id, code=role.code, grants=[before, after],
              **{k: v for k, v in changes.items() if v})


@query("admin.role.view", **ROLE_VIEW)
def list_roles(ctx: Context) -> list[RoleRow]:
    s = ctx.session
    users = dict(s.execute(select(UserRole.role_id, func.count()).group_by(UserRole.role_id)).all())
    grants = dict(s.execute(select(RolePermission.role_id, func.count()).group_by(RolePermission.role_id)).all())
    roles = s.execute(select(Role).where(Role.company_id == ctx.actor.company_id).order_by(Role.id)).scalars()
    return [RoleRow(r.id, r.code, r.name_zh, r.name_en, r.is_admin, r.version, users.get(r.id, 0),
                    grants.get(r.id, 0)) for r in roles]


@query("admin.role.view", **ROLE_VIEW)
def role_grants(ctx: Context, *, role_id: int) -> dict[str, str]:
    """The role's grant matrix {permission: scope} (an administrator role holds everything implicitly)."""
    role = load_role(ctx, role_id)
    if role.is_admin:
        return {code: Scope.ALL.value for code in sorted(load_all())}
    return _grants(ctx.session, role.id)


@query("admin.role.view", **ROLE_VIEW)
def permission_catalog(ctx: Context) -> list[CatalogEntry]:
    """Every permission a role can grant, for the matrix editor (rows) and the review."""
    return [CatalogEntry(p.code, p.module, p.zh, p.en)
            for p in sorted(grantable_permissions().values(), key=lambda p: p.code)]
