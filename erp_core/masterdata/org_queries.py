"""Read side of departments and projects, with the actor's row scope applied."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from erp_core.masterdata.models import Department, Project
from erp_core.security.scope import scoped
from erp_core.settings.common import Page, like_pattern, paged, require_company
from erp_core.usecase import Context, query

DEP_VIEW = ("masterdata.department.view", "查看部门", "View departments")
PROJ_VIEW = ("masterdata.project.view", "查看项目", "View projects")


def _department_stmt(ctx: Context):
    parent = aliased(Department)
    stmt = (select(Department.id, Department.code, Department.name, Department.parent_id,
                   parent.code.label("parent_code"), Department.active, Department.version)
            .outerjoin(parent, parent.id == Department.parent_id))
    return scoped(stmt, ctx, company_col=Department.company_id, department_col=Department.id)


@query(DEP_VIEW[0], zh=DEP_VIEW[1], en=DEP_VIEW[2])
def list_departments(ctx: Context, *, search: str = "", active: bool | None = None, sort: str | None = None,
                     descending: bool = False, page: int = 1, page_size: int = 50) -> Page:
    """Departments the actor may see, filtered by text (code or name) and active flag, sorted, one page."""
    require_company(ctx)
    stmt = _department_stmt(ctx)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(Department.code.ilike(pat, escape="\\"), Department.name.ilike(pat, escape="\\")))
    if active is not None:
        stmt = stmt.where(Department.active.is_(active))
    sorts = {"code": Department.code, "name": Department.name, "active": Department.active}
    rows, total = paged(ctx.session, stmt, sort_columns=sorts, sort=sort, descending=descending, page=page,
                        page_size=page_size, default_sort="code")
    return Page([dict(r._mapping) for r in rows], total, page, page_size)


@query(DEP_VIEW[0], zh=DEP_VIEW[1], en=DEP_VIEW[2])
def department_tree(ctx: Context, *, include_inactive: bool = True) -> list[dict]:
    """Visible departments in tree order (each parent before its children, siblings by code) with ``depth``.
    A department whose parent the actor cannot see is shown as a root."""
    require_company(ctx)
    stmt = _department_stmt(ctx)
    if not include_inactive:
        stmt = stmt.where(Department.active.is_(True))
    rows = [dict(r._mapping) for r in ctx.session.execute(stmt.order_by(Department.code))]
    ids = {r["id"] for r in rows}
    children: dict[int | None, list[dict]] = {}
    for r in rows:
        children.setdefault(r["parent_id"] if r["parent_id"] in ids else None, []).append(r)
    out: list[dict] = []
    stack = [(r, 0) for r in reversed(children.get(None, []))]
    while stack:
        r, depth = stack.pop()
        out.append(r | {"depth": depth})
        stack.extend((c, depth + 1) for c in reversed(children.get(r["id"], [])))
    return out


@query(PROJ_VIEW[0], zh=PROJ_VIEW[1], en=PROJ_VIEW[2])
def list_projects(ctx: Context, *, search: str = "", department_id: int | None = None, active: bool | None = None,
                  sort: str | None = None, descending: bool = False, page: int = 1, page_size: int = 50) -> Page:
    """Projects the actor may see (company, and department or project membership for narrower scopes)."""
    require_company(ctx)
    stmt = (select(Project.id, Project.code, Project.name, Project.department_id,
                   Department.name.label("department_name"), Project.start_date, Project.end_date, Project.active,
                   Project.version)
            .outerjoin(Department, Department.id == Project.department_id))
    stmt = scoped(stmt, ctx, company_col=Project.company_id, department_col=Project.department_id,
                  project_col=Project.id)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(Project.code.ilike(pat, escape="\\"), Project.name.ilike(pat, escape="\\")))
    if department_id is not None:
        stmt = stmt.where(Project.department_id == department_id)
    if active is not None:
        stmt = stmt.where(Project.active.is_(active))
    sorts = {"code": Project.code, "name": Project.name, "start_date": Project.start_date,
             "end_date": Project.end_date, "active": Project.active}
    rows, total = paged(ctx.session, stmt, sort_columns=sorts, sort=sort, descending=descending, page=page,
                        page_size=page_size, default_sort="code")
    return Page([dict(r._mapping) for r in rows], total, page, page_size)
