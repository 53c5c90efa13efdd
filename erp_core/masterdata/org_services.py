"""Departments (部门, a tree) and projects (项目): create, edit (version-checked), deactivate, reactivate.

Rules: codes are unique within the company; a parent must belong to the same company and may not be the
department itself or one of its descendants (no cycles); a department with active children cannot be
deactivated. A department-scoped actor may only touch departments inside its own subtree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.kernel.errors import Conflict, PermissionDenied
from erp_core.masterdata.models import Department, Project
from erp_core.security.scope import may_touch
from erp_core.settings.common import (
    Problems,
    clean_code,
    clean_date,
    clean_text,
    get_owned,
    require_company,
    save,
)
from erp_core.usecase import Context, use_case

FD = "field.settings.department."
FP = "field.settings.project."


def _guard(ctx: Context, *, department_id: int | None, project_id: int | None = None) -> None:
    if not may_touch(ctx, company_id=ctx.company_id, department_id=department_id, project_id=project_id):
        raise PermissionDenied(permission=ctx.permission)


def _code_taken(s: Session, model, company_id: int, code: str, exclude_id: int | None) -> bool:
    stmt = select(model.id).where(model.company_id == company_id, model.code == code)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return s.execute(stmt).first() is not None


def _ancestors(s: Session, company_id: int, dep_id: int | None) -> list[int]:
    parents = dict(s.execute(select(Department.id, Department.parent_id)
                             .where(Department.company_id == company_id)).all())
    out, seen = [], set()
    while dep_id is not None and dep_id not in seen:
        seen.add(dep_id)
        out.append(dep_id)
        dep_id = parents.get(dep_id)
    return out


def _department_values(ctx: Context, p: Problems, *, code, name, parent_id, self_id: int | None) -> dict:
    company_id = ctx.company_id
    code_v = clean_code(p, code, FD + "code", max_len=40)
    name_v = clean_text(p, name, FD + "name", max_len=200)
    if code_v and _code_taken(ctx.session, Department, company_id, code_v, self_id):
        p.add("error.settings.code_taken", FD + "code", code=code_v)
    if parent_id is not None:
        parent = ctx.session.get(Department, parent_id)
        if parent is None or parent.company_id != company_id:
            p.add("error.settings.department.parent_missing", FD + "parent")
        elif self_id is not None and self_id in _ancestors(ctx.session, company_id, parent_id):
            p.add("error.settings.department.cycle", FD + "parent")
        elif not parent.active:
            p.add("error.settings.department.parent_inactive", FD + "parent")
    return {"code": code_v, "name": name_v, "parent_id": parent_id}


@use_case("masterdata.department.create", zh="新建部门", en="Create department")
def create_department(ctx: Context, *, code: str, name: str, parent_id: int | None = None) -> int:
    company_id = require_company(ctx)
    p = Problems()
    v = _department_values(ctx, p, code=code, name=name, parent_id=parent_id, self_id=None)
    p.raise_any()
    _guard(ctx, department_id=parent_id)
    dep = Department(company_id=company_id, **v)
    save(ctx, dep)
    ctx.audit("department", dep.id, **v)
    return dep.id


@use_case("masterdata.department.edit", zh="修改部门", en="Edit department")
def edit_department(ctx: Context, *, department_id: int, version: int, code: str, name: str,
                    parent_id: int | None = None) -> None:
    company_id = require_company(ctx)
    dep = get_owned(ctx.session, Department, department_id, company_id)
    _guard(ctx, department_id=dep.id)
    ctx.check_version(dep, version)
    p = Problems()
    v = _department_values(ctx, p, code=code, name=name, parent_id=parent_id, self_id=dep.id)
    p.raise_any()
    if parent_id != dep.parent_id:
        _guard(ctx, department_id=parent_id)  # moving under a parent outside one's scope is refused
    ctx.diff(dep, **v)
    save(ctx)
    ctx.audit("department", dep.id)


@use_case("masterdata.department.deactivate", zh="停用部门", en="Deactivate department")
def deactivate_department(ctx: Context, *, department_id: int, version: int) -> None:
    company_id = require_company(ctx)
    dep = get_owned(ctx.session, Department, department_id, company_id)
    _guard(ctx, department_id=dep.id)
    ctx.check_version(dep, version)
    children = ctx.session.execute(select(Department.code).where(
        Department.parent_id == dep.id, Department.active.is_(True)).order_by(Department.code)).scalars().all()
    if children:
        raise Conflict("error.settings.department.active_children", children=", ".join(children))
    ctx.diff(dep, active=False)
    ctx.audit("department", dep.id)


@use_case("masterdata.department.activate", zh="启用部门", en="Reactivate department")
def activate_department(ctx: Context, *, department_id: int, version: int) -> None:
    company_id = require_company(ctx)
    dep = get_owned(ctx.session, Department, department_id, company_id)
    _guard(ctx, department_id=dep.id)
    ctx.check_version(dep, version)
    if dep.parent_id is not None and not ctx.session.get(Department, dep.parent_id).active:
        raise Conflict("error.settings.department.parent_inactive_now")
    ctx.diff(dep, active=True)
    ctx.audit("department", dep.id)


def _project_values(ctx: Context, p: Problems, *, code, name, department_id, start_date, end_date,
                    self_id: int | None) -> dict:
    code_v = clean_code(p, code, FP + "code", max_len=40)
    name_v = clean_text(p, name, FP + "name", max_len=200)
    if code_v and _code_taken(ctx.session, Project, ctx.company_id, code_v, self_id):
        p.add("error.settings.code_taken", FP + "code", code=code_v)
    if department_id is not None:
        dep = ctx.session.get(Department, department_id)
        if dep is None or dep.company_id != ctx.company_id:
            p.add("error.settings.department.missing", FP + "department")
    start = clean_date(p, start_date, FP + "start_date", required=False)
    end = clean_date(p, end_date, FP + "end_date", required=False)
    if start and end and end < start:
        p.add("error.settings.date_order", FP + "end_date")
    return {"code": code_v, "name": name_v, "department_id": department_id, "start_date": start, "end_date": end}


def _audit_values(v: dict) -> dict:
    return {k: x.isoformat() if isinstance(x, dt.date) else x for k, x in v.items()}


@use_case("masterdata.project.create", zh="新建项目", en="Create project")
def create_project(ctx: Context, *, code: str, name: str, department_id: int | None = None,
                   start_date: dt.date | str | None = None, end_date: dt.date | str | None = None) -> int:
    company_id = require_company(ctx)
    p = Problems()
    v = _project_values(ctx, p, code=code, name=name, department_id=department_id, start_date=start_date,
                        end_date=end_date, self_id=None)
    p.raise_any()
    _guard(ctx, department_id=department_id)
    project = Project(company_id=company_id, **v)
    save(ctx, project)
    ctx.audit("project", project.id, **_audit_values(v))
    return project.id


@use_case("masterdata.project.edit", zh="修改项目", en="Edit project")
def edit_project(ctx: Context, *, project_id: int, version: int, code: str, name: str,
                 department_id: int | None = None, start_date: dt.date | str | None = None,
                 end_date: dt.date | str | None = None) -> None:
    company_id = require_company(ctx)
    project = get_owned(ctx.session, Project, project_id, company_id)
    _guard(ctx, department_id=project.department_id, project_id=project.id)
    ctx.check_version(project, version)
    p = Problems()
    v = _project_values(ctx, p, code=code, name=name, department_id=department_id, start_date=start_date,
                        end_date=end_date, self_id=project.id)
    p.raise_any()
    if department_id != project.department_id:
        _guard(ctx, department_id=department_id)
    ctx.diff(project, **v)
    save(ctx)
    ctx.audit("project", project.id)


def _set_project_active(ctx: Context, project_id: int, version: int, active: bool) -> None:
    project = get_owned(ctx.session, Project, project_id, require_company(ctx))
    _guard(ctx, department_id=project.department_id, project_id=project.id)
    ctx.check_version(project, version)
    ctx.diff(project, active=active)
    ctx.audit("project", project.id)


@use_case("masterdata.project.deactivate", zh="停用项目", en="Deactivate project")
def deactivate_project(ctx: Context, *, project_id: int, version: int) -> None:
    _set_project_active(ctx, project_id, version, False)


@use_case("masterdata.project.activate", zh="启用项目", en="Reactivate project")
def activate_project(ctx: Context, *, project_id: int, version: int) -> None:
    _set_project_active(ctx, project_id, version, True)
