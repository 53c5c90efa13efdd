"""Employees (职员) as a record kind, and their use cases."""

from __future__ import annotations

from typing import Any

from erp_core.io import parsers
from erp_core.masterdata import records as r
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, use_case

EMPLOYEE = r.Kind(
    name="employee", model=Employee, permission="masterdata.employee", custom_entity="employee",
    department_attr="department_id", entity_label="masterdata.kind.employee",
    search_attrs=("code", "name", "phone", "email", "position"), sort_attrs=("code", "name", "hire_date"),
    derived=lambda a: {"active": True if a.get("active") is None else a["active"]},
    columns=(
        r.Col("code", "field.masterdata.code", parsers.code(40), required=True, aliases=("工号", "编号")),
        r.Col("name", "field.masterdata.person_name", parsers.text(100), required=True, aliases=("名称",)),
        r.Col("department", "field.masterdata.department", parsers.code(40), attr="department_id",
              ref="department", aliases=("部门",)),
        r.Col("position", "field.masterdata.position", parsers.text(100), aliases=("岗位",)),
        r.Col("phone", "field.masterdata.phone", parsers.phone(), aliases=("电话", "手机")),
        r.Col("email", "field.masterdata.email", parsers.email(), aliases=("邮箱",)),
        r.Col("hire_date", "field.masterdata.hire_date", parsers.date(), aliases=("入职时间",)),
        r.Col("active", "field.masterdata.active", parsers.boolean(), aliases=("在职", "启用")),
    ),
)


@use_case("masterdata.employee.create", zh="新建职员", en="Create employee")
def create_employee(ctx: Context, *, values: dict[str, Any], custom: dict[str, Any] | None = None) -> int:
    return r.create(EMPLOYEE, ctx, values, custom)


@use_case("masterdata.employee.edit", zh="修改职员", en="Edit employee")
def edit_employee(ctx: Context, *, employee_id: int, version: int | None, values: dict[str, Any],
                  custom: dict[str, Any] | None = None) -> None:
    r.edit(EMPLOYEE, ctx, employee_id, version, values, custom)


@use_case("masterdata.employee.deactivate", zh="停用职员", en="Deactivate employee")
def set_employee_active(ctx: Context, *, employee_id: int, version: int | None, active: bool = False) -> None:
    r.set_active(EMPLOYEE, ctx, employee_id, version, active)
