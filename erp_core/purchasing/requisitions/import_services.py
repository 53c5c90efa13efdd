"""数据初始化 of purchase requisitions (请购单) from CSV / XLSX: `erp import purchase-requisitions FILE [--post]`
and the import page (format in docs/formats.md). One row per line; rows with the same 单号 form one requisition
(header columns from its first row); with ``post`` each requisition is approved (审核, the approval gate
applies). Same machinery as the other purchasing imports (erp_core/purchasing/import_services.py): all or
nothing, a dry run reporting every problem by row, idempotent by number (kept as source_no)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erp_core.io.importer import ImportReport, Progress, Table
from erp_core.purchasing import import_services as pi
from erp_core.purchasing.requisitions import services as rqs
from erp_core.purchasing.requisitions.models import PurchaseRequisition
from erp_core.usecase import Context, query, use_case

COLUMNS: pi.Columns = {
    **pi._COMMON,
    "department": ("field.purchasing.department", ("部门", "部门编码", "department", "department_code"), False),
    "requester": ("field.pur2.requester", ("requester",), False),
    "needed_by": ("field.pur2.needed_by", ("needed_by",), False),
    "reason": ("field.pur2.reason", ("reason",), False),
    "warehouse": ("field.purchasing.import.warehouse_code", ("仓库", "仓库编码", "warehouse", "warehouse_code"), True),
    "unit_price": ("pur2.col.estimated_price", ("单价", "price", "unit_price"), False),
    "supplier": ("field.purchasing.import.supplier_code", ("供应商", "供应商编码", "supplier", "supplier_code"), False),
}
EXAMPLE = {"number": "QG-2025-001", "date": "2025-12-01", "department": "D01", "requester": "张三",
           "needed_by": "2025-12-15", "reason": "门店补货", "product": "P0001", "quantity": "50",
           "unit_price": "12.50", "warehouse": "WH01", "supplier": "S001", "remarks": ""}


def _departments(lk: pi._Lookups) -> dict[str, int]:
    from erp_core.masterdata.models import Department

    if not hasattr(lk, "departments"):
        lk.departments = {c: i for c, i in lk.ctx.session.execute(select(Department.code, Department.id).where(
            Department.company_id == lk.ctx.actor.company_id))}
    return lk.departments


def _optional(mapping: dict[str, int], raw: dict[str, Any], key: str, message_id: str) -> int | None:
    return pi._ref(mapping, raw, key, message_id) if pi._code(raw.get(key)) else None


def _build(lk: pi._Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    header = {"doc_date": pi._parse(first, "date", pi.DATE, required=True),
              "department_id": _optional(_departments(lk), first, "department", "error.pur2.import.unknown_department"),
              "requester": str(first.get("requester") or "").strip(),
              "needed_by": pi._parse(first, "needed_by", pi.DATE), "reason": str(first.get("reason") or ""),
              "remarks": str(first.get("remarks") or "")}
    lines = []
    for lk.row, r in enumerate(rows):
        lines.append({"product_id": pi._ref(lk.products, r, "product", "error.purchasing.import.unknown_product"),
                      "quantity": pi._parse(r, "quantity", pi.QTY, required=True),
                      "unit_price": pi._parse(r, "unit_price", pi.QTY) or 0,
                      "warehouse_id": pi._ref(lk.warehouses, r, "warehouse",
                                              "error.purchasing.import.unknown_warehouse"),
                      "supplier_id": _optional(lk.suppliers, r, "supplier", "error.purchasing.import.unknown_supplier")})
    header["warehouse_id"] = lines[0]["warehouse_id"]
    return rqs.create_requisition.__wrapped__(lk.ctx, lines=lines, **header)


def _approve(ctx: Context, doc_id: int) -> None:
    rqs.approve_requisition.__wrapped__(ctx, requisition_id=doc_id)


KIND = pi._Kind("purchase-requisitions", COLUMNS, PurchaseRequisition, _build, post=_approve)


@query("purchasing.requisition.import", zh="导入请购单", en="Import purchase requisitions", session=False)
def dry_run_purchase_requisitions(ctx: Context, table: Table, progress: Progress | None = None, *,
                                  post: bool = False) -> ImportReport:
    """historical purchase requisitions, one row per line (with --post: approved)."""
    return pi._dry(ctx, KIND, table, post, progress)


@use_case("purchasing.requisition.import", zh="导入请购单", en="Import purchase requisitions")
def import_purchase_requisitions(ctx: Context, table: Table, progress: Progress | None = None, *,
                                 post: bool = False) -> ImportReport:
    return pi._commit(ctx, KIND, table, post, progress)


def _register() -> None:
    from erp_core.io.registry import POST_PARAM, ImportKind, register

    pi.KINDS[KIND.name] = KIND
    pi.EXAMPLES[KIND.name] = EXAMPLE
    register(ImportKind(name=KIND.name, label="pur2.import.requisitions",
                        permission=import_purchase_requisitions.permission, dry_run=dry_run_purchase_requisitions,
                        commit=import_purchase_requisitions, template=pi._template(KIND.name), params=(POST_PARAM,),
                        order=299))


_register()
