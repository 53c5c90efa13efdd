"""Reads of employees (row scope: department)."""

from __future__ import annotations

from typing import Any

from erp_core.masterdata import records as r
from erp_core.masterdata.employees_services import EMPLOYEE
from erp_core.usecase import Context, query


@query("masterdata.employee.view", zh="查看职员", en="View employees")
def list_employees(ctx: Context, **kwargs: Any) -> r.Page:
    return r.list_records(EMPLOYEE, ctx, **kwargs)


@query("masterdata.employee.view", zh="查看职员", en="View employees")
def get_employee(ctx: Context, *, employee_id: int) -> dict[str, Any]:
    return r.detail(EMPLOYEE, ctx, employee_id)


@query("masterdata.employee.view", zh="查看职员", en="View employees")
def employee_references(ctx: Context, *, ref: str) -> list[dict[str, Any]]:
    """Departments to pick on the employees page, code + name, inside the actor's row scope."""
    return r.reference_choices(EMPLOYEE, ctx, ref)
