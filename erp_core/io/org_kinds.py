"""Departments, projects, warehouses and storage locations as import/export record kinds (issue #4).

The columns use the settings engineer's field names (field.settings.department.* ...) and the same limits as
org_services.py / warehouse_services.py (codes 40, names 200, address 300, keeper 100). A department's parent
and a project's department are given by code; a parent department may appear later in the same file (as
categories do, see importer._prepare_tree). Rows upsert by code; ``active`` defaults to yes on new rows.

Storage locations (库位) have a location code unique only within their warehouse: their upsert key is the pair
(warehouse code, location code) (``Kind.key``); a new location needs an active warehouse (as on the warehouse
page). Department-scoped importers of departments follow the settings page's rule (_department_scope_check).
"""

from __future__ import annotations

from typing import Any

from erp_core.io import parsers
from erp_core.masterdata import records as r
from erp_core.masterdata.models import Department, Project
from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

FD = "field.settings.department."
FP = "field.settings.project."
FW = "field.settings.warehouse."
FL = "field.settings.location."


def _code(field: str) -> r.Col:
    return r.Col("code", field, parsers.code(40), required=True, aliases=("编号", "代码", "编码"))


def _name(field: str) -> r.Col:
    return r.Col("name", field, parsers.text(200), required=True, aliases=("名称",))


def _active() -> r.Col:
    return r.Col("active", "field.masterdata.active", parsers.boolean(), aliases=("启用", "状态"))


def _default_active(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"active": True if attrs.get("active") is None else attrs["active"]}


def _department_tree_check(existing: dict[str, dict[str, Any]], rows: list[dict[str, Any]], lookups: r.Lookups,
                           row_of: dict[str, int]) -> list[tuple[int, str, Any, str, dict[str, Any]]]:
    """org_services' activity rules on the tree as it will be after the file: an active department may not sit
    under an inactive parent, and a department with active children may not be deactivated."""
    code_of = {v: k for k, v in lookups._load("department").items()}  # placeholders (< 0) included
    final = {code: (code_of.get(rec.get("parent_id")), bool(rec.get("active"))) for code, rec in existing.items()}
    for row in rows:
        code = row.get("code")
        parent = code_of.get(row["parent_id"]) if "parent_id" in row else final.get(code, (None, True))[0]
        final[code] = (parent, bool(row.get("active", True)))
    out = []
    for row in rows:
        code = row.get("code")
        parent, active = final[code]
        if active and parent is not None and not final.get(parent, (None, True))[1]:
            out.append((row_of[code], "parent", parent, "error.settings.department.parent_inactive", {}))
        if not active:
            children = sorted(c for c, (p, a) in final.items() if p == code and a)
            if children:
                out.append((row_of[code], "active", False, "error.settings.department.active_children",
                            {"children": ", ".join(children)}))
    return out


def _department_scope_check(ctx, existing: dict[str, dict[str, Any]], rows: list[dict[str, Any]],
                            lookups: r.Lookups, row_of: dict[str, int]) -> list[tuple[int, str, Any, str, dict]]:
    """The settings page's rule (org_services: create_department / edit_department) for a department-scoped
    importer, row by row: a new department's parent must lie within the actor's departments (their own and its
    subtree, or a department created by this file under one of them); an existing department must itself be
    within scope, and when the row moves it to another parent, that parent too. Called only for an actor whose
    scope is narrower than the whole company."""
    allowed = ctx.actor.department_ids
    code_of = {v: k for k, v in lookups._load("department").items()}  # placeholders (< 0) included
    parent_of = {code: code_of.get(rec.get("parent_id")) for code, rec in existing.items()}
    for row in rows:
        if "_id" not in row or "parent_id" in row:
            parent_of[row["code"]] = code_of.get(row.get("parent_id"))

    def within(code: str | None, seen: frozenset = frozenset()) -> bool:
        if code is None or code in seen:
            return False
        if code in existing:
            return existing[code]["id"] in allowed
        return within(parent_of.get(code), seen | {code})  # new in this file: where it is placed decides

    out = []
    for row in rows:
        code = row["code"]
        if "_id" in row:
            current = existing[code]
            ok = current["id"] in allowed
            if ok and "parent_id" in row and row["parent_id"] != current.get("parent_id"):
                ok = within(code_of.get(row["parent_id"]))
            column, value = ("parent", parent_of.get(code)) if current["id"] in allowed else ("code", code)
        else:
            ok = within(parent_of.get(code))
            column, value = "parent", parent_of.get(code)
        if not ok:
            out.append((row_of[code], column, value, "error.import.department_out_of_scope", {"code": code}))
    return out


DEPARTMENT = r.Kind(
    name="department", model=Department, permission="masterdata.department",
    entity_label="import_org.kind.department",
    columns=(
        _code(FD + "code"),
        _name(FD + "name"),
        r.Col("parent", FD + "parent", parsers.code(40), attr="parent_id", ref="department",
              aliases=("上级编码", "上级部门编码", "parent code")),
        _active(),
    ),
    derived=_default_active,
    extra={"tree_ref": "department", "cycle_error": "error.settings.department.cycle",
           "final_check": _department_tree_check, "scope_check": _department_scope_check},
)

PROJECT = r.Kind(
    name="project", model=Project, permission="masterdata.project", entity_label="import_org.kind.project",
    department_attr="department_id",
    columns=(
        _code(FP + "code"),
        _name(FP + "name"),
        r.Col("department", FP + "department", parsers.code(40), attr="department_id", ref="department",
              aliases=("部门", "部门编码", "department code")),
        r.Col("start_date", FP + "start_date", parsers.date(), aliases=("开始日期",)),
        r.Col("end_date", FP + "end_date", parsers.date(), aliases=("结束日期",)),
        _active(),
    ),
    derived=_default_active,
    extra={"date_order": ("start_date", "end_date")},
)

WAREHOUSE = r.Kind(
    name="warehouse", model=Warehouse, permission="masterdata.warehouse",
    entity_label="import_org.kind.warehouse",
    columns=(
        _code(FW + "code"),
        _name(FW + "name"),
        r.Col("address", FW + "address", parsers.text(300, multiline=True), aliases=("地址",)),
        r.Col("keeper", FW + "keeper", parsers.text(100), aliases=("仓管员", "库管员")),
        _active(),
    ),
    derived=_default_active,
)



def _location_check(existing: dict[Any, dict[str, Any]], rows: list[dict[str, Any]], lookups: r.Lookups,
                    row_of: dict[Any, int]) -> list[tuple[int, str, Any, str, dict[str, Any]]]:
    """A new storage location needs an active warehouse (warehouse_services.create_location's rule)."""
    from sqlalchemy import select

    inactive = {wid: code for wid, code in lookups.session.execute(
        select(Warehouse.id, Warehouse.code).where(Warehouse.company_id == lookups.company_id,
                                                   Warehouse.active.is_(False)))}
    return [(row_of[(row["warehouse_id"], row["code"])], "warehouse", inactive[row["warehouse_id"]],
             "error.settings.warehouse.inactive", {"code": inactive[row["warehouse_id"]]})
            for row in rows if "_id" not in row and row["warehouse_id"] in inactive]


def _location_example(ctx) -> dict[str, Any]:
    """The template's example names the company's first active warehouse, so it imports as it is."""
    from sqlalchemy import select

    code = ctx.session.execute(select(Warehouse.code).where(Warehouse.company_id == ctx.company_id,
                                                            Warehouse.active.is_(True))
                               .order_by(Warehouse.code).limit(1)).scalar()
    return {"warehouse": code} if code else {}


LOCATION = r.Kind(
    name="location", model=WarehouseLocation, permission="masterdata.warehouse",
    entity_label="import_kinds.kind.location", key=("warehouse", "code"), sort_attrs=("warehouse", "code"),
    columns=(
        r.Col("warehouse", FL + "warehouse", parsers.code(40), required=True, attr="warehouse_id",
              ref="warehouse", aliases=("仓库编码", "仓库", "warehouse code")),
        _code(FL + "code"),
        _name(FL + "name"),
        _active(),
    ),
    derived=_default_active,
    extra={"file_check": _location_check, "example": _location_example},
)

KINDS = {"departments": DEPARTMENT, "projects": PROJECT, "warehouses": WAREHOUSE, "locations": LOCATION}

EXAMPLES: dict[str, dict[str, Any]] = {
    "department": {"code": "D01", "name": "销售部", "parent": "", "active": True},
    "project": {"code": "PRJ001", "name": "长沙门店改造", "department": "", "start_date": None,
                "end_date": None, "active": True},
    "warehouse": {"code": "WH01", "name": "总仓", "address": "湖南省长沙市岳麓区示例路 1 号", "keeper": "王五",
                  "active": True},
    "location": {"warehouse": "WH01", "code": "A01", "name": "A 区 1 号货架", "active": True},
}
