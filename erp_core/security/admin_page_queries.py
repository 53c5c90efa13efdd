"""Small reads the administration pages need that the identity services do not offer: the departments a user
can be placed in (for the user form, filters and registration approval) and the projects a user can belong to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from erp_core.masterdata.models import Department, Project
from erp_core.security.user_services import USER_VIEW
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class DepartmentChoice:
    id: int
    code: str
    name: str
    active: bool


@query("admin.user.view", **USER_VIEW)
def department_choices(ctx: Context, *, include_inactive: bool = False) -> list[DepartmentChoice]:
    """Departments of the actor's company, by code (active ones only unless ``include_inactive``).
    Department names are company-wide reference data, so no row scope narrows them."""
    stmt = select(Department).where(Department.company_id == ctx.actor.company_id)
    if not include_inactive:
        stmt = stmt.where(Department.active.is_(True))
    return [DepartmentChoice(d.id, d.code, d.name, bool(d.active))
            for d in ctx.session.execute(stmt.order_by(Department.code)).scalars()]


@dataclass(frozen=True)
class ProjectChoice:
    id: int
    code: str
    name: str
    active: bool


@query("admin.user.view", **USER_VIEW)
def project_choices(ctx: Context, *, include_inactive: bool = False) -> list[ProjectChoice]:
    """Projects of the actor's company, by code (for the user form's "projects" field). Like departments,
    project names are company-wide reference data."""
    stmt = select(Project).where(Project.company_id == ctx.actor.company_id)
    if not include_inactive:
        stmt = stmt.where(Project.active.is_(True))
    return [ProjectChoice(p.id, p.code, p.name, bool(p.active))
            for p in ctx.session.execute(stmt.order_by(Project.code)).scalars()]
