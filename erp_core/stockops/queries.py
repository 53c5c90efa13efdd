"""Read side of the inventory documents: lists with filters (and their Excel export), one document with its
lines, the stocktake count sheet, and the choices the forms offer. Inventory documents are company records
(warehouses have no department or owner), so reads are narrowed to the actor's company (security.scope
.company_rows), like the stock ledger's queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select

from erp_core.documents.registry import document_type
from erp_core.kernel.errors import NotFound
from erp_core.security.scope import company_rows
from erp_core.settings.common import Page, like_pattern, paged, require_company
from erp_core.usecase import Context, query

VIEW = ("inventory.document.view", "查看库存单据", "View inventory documents")
EXPORT = ("inventory.document.export", "导出库存单据", "Export inventory documents")
DOC_TYPES = ("other_receipt", "other_issue", "stock_transfer", "stocktake", "stocktake_writeoff")


def _type(doc_type: str):
    if doc_type not in DOC_TYPES:
        raise NotFound(entity="document_type", id=doc_type)
    return document_type(doc_type)


def _list_stmt(ctx: Context, doc_type: str, *, status: str | None, warehouse_id: int | None,
               date_from: dt.date | None, date_to: dt.date | None, search: str):
    from erp_core.masterdata.models_warehouse import Warehouse

    t = _type(doc_type)
    h = t.header
    company_id = require_company(ctx)
    cols = [h.id, h.number, h.doc_date, h.status, h.warehouse_id, Warehouse.code.label("warehouse_code"),
            Warehouse.name.label("warehouse_name"), h.total, h.remarks, h.reverses_id, h.reversed_by_id,
            h.voucher_id, h.version, h.posted_at]
    extra = [c for c in ("reason", "counter_account", "expense_account", "to_warehouse_id", "as_of",
                         "gain_amount", "loss_amount", "stocktake_id") if hasattr(h, c)]
    cols += [getattr(h, c) for c in extra]
    stmt = select(*cols).outerjoin(Warehouse, Warehouse.id == h.warehouse_id)
    stmt = company_rows(stmt, ctx, company_col=h.company_id).where(h.company_id == company_id)
    if status:
        stmt = stmt.where(h.status == status)
    if warehouse_id is not None:
        stmt = stmt.where(or_(h.warehouse_id == warehouse_id, *(
            [h.to_warehouse_id == warehouse_id] if hasattr(h, "to_warehouse_id") else [])))
    if date_from is not None:
        stmt = stmt.where(h.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(h.doc_date <= date_to)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(h.number.ilike(pat, escape="\\"), h.remarks.ilike(pat, escape="\\"),
                              *([h.reason.ilike(pat, escape="\\")] if hasattr(h, "reason") else [])))
    return t, stmt


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_stock_documents(ctx: Context, *, doc_type: str, status: str | None = None, warehouse_id: int | None = None,
                         date_from: dt.date | None = None, date_to: dt.date | None = None, search: str = "",
                         sort: str | None = None, descending: bool = True, page: int = 1,
                         page_size: int = 50) -> Page:
    """The documents of one inventory type (other_receipt, other_issue, stock_transfer, stocktake,
    stocktake_writeoff), newest first, filtered by state, warehouse (either side of a transfer), date range and
    text in the number, remarks or reason."""
    t, stmt = _list_stmt(ctx, doc_type, status=status, warehouse_id=warehouse_id, date_from=date_from,
                         date_to=date_to, search=search)
    h = t.header
    rows, total = paged(ctx.session, stmt, sort_columns={"number": h.number, "doc_date": h.doc_date,
                                                         "total": h.total}, sort=sort, descending=descending,
                        page=page, page_size=page_size, default_sort="number")
    return Page([dict(r._mapping) for r in rows], total, page, page_size)


@query(EXPORT[0], zh=EXPORT[1], en=EXPORT[2])
def export_stock_documents(ctx: Context, *, doc_type: str, fmt: str = "xlsx", locale: str | None = None,
                           **filters: Any):
    """The list (same filters, every page) as XLSX or CSV, headers in ``locale``."""
    from erp_core.i18n import t as tr
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    allowed = {"status", "warehouse_id", "date_from", "date_to", "search"}
    kw = {"status": None, "warehouse_id": None, "date_from": None, "date_to": None, "search": "",
          **{k: v for k, v in filters.items() if k in allowed}}
    t, stmt = _list_stmt(ctx, doc_type, **kw)
    rows = [dict(r._mapping) for r in ctx.session.execute(stmt.order_by(t.header.number))]
    loc = locale or ctx.actor.locale
    columns = ["number", "doc_date", "status", "warehouse_code", "total", "remarks"]
    head = [tr(f"inv.col.{c}", loc) for c in columns]
    body = [[tr(f"inv.status.{r['status']}", loc) if c == "status" else r.get(c) for c in columns] for r in rows]
    name = doc_type
    if fmt == "csv":
        return SheetFile(to_csv_bytes(head, body), f"{name}.csv", "text/csv", len(body))
    return SheetFile(to_xlsx_bytes(head, body, sheet=name), f"{name}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(body))


@dataclass
class DocumentDetail:
    header: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)


def _detail(ctx: Context, doc_type: str, doc_id: int) -> DocumentDetail:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    t = _type(doc_type)
    company_id = require_company(ctx)
    doc = ctx.session.get(t.header, doc_id)
    if doc is None or doc.company_id != company_id:
        raise NotFound(entity=t.code, id=doc_id)
    header = {c.key: getattr(doc, c.key) for c in sa_inspect(t.header).column_attrs}
    wh_ids = {v for k, v in header.items() if k in ("warehouse_id", "to_warehouse_id") and v}
    whs = {i: (c, n) for i, c, n in ctx.session.execute(select(Warehouse.id, Warehouse.code, Warehouse.name)
                                                         .where(Warehouse.id.in_(sorted(wh_ids) or [0])))}
    for k in ("warehouse", "to_warehouse"):
        code_name = whs.get(header.get(f"{k}_id"))
        header[f"{k}_code"], header[f"{k}_name"] = code_name if code_name else (None, None)
    lines = [{c.key: getattr(ln, c.key) for c in sa_inspect(t.line).column_attrs} for ln in doc.lines]
    pids = sorted({ln["product_id"] for ln in lines if ln.get("product_id")}) or [0]
    prods = {r.id: r for r in ctx.session.execute(select(Product.id, Product.code, Product.name, Product.unit_code)
                                                  .where(Product.id.in_(pids)))}
    loc_ids = sorted({ln.get("location_id") for ln in lines if ln.get("location_id")} |
                     {header.get(k) for k in ("location_id", "from_location_id", "to_location_id") if header.get(k)})
    locs = dict(ctx.session.execute(select(WarehouseLocation.id, WarehouseLocation.code).where(
        WarehouseLocation.id.in_(loc_ids or [0]))).all())
    for k in ("location", "from_location", "to_location"):
        if f"{k}_id" in header:
            header[f"{k}_code"] = locs.get(header[f"{k}_id"])
    for ln in lines:
        p = prods.get(ln.get("product_id"))
        ln.update(product_code=p.code if p else None, product_name=p.name if p else None,
                  unit_code=p.unit_code if p else None, location_code=locs.get(ln.get("location_id")))
        if doc_type == "stocktake":
            ln["variance"] = None if ln["counted_qty"] is None else ln["counted_qty"] - ln["book_qty"]
    return DocumentDetail(header, lines)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def stock_document(ctx: Context, *, doc_type: str, doc_id: int) -> DocumentDetail:
    """One inventory document with its lines (product and location codes; a stocktake's variances)."""
    return _detail(ctx, doc_type, doc_id)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def stocktake_detail(ctx: Context, *, stocktake_id: int) -> DocumentDetail:
    """A stocktake with its lines: book, counted and variance quantities, location and product codes."""
    return _detail(ctx, "stocktake", stocktake_id)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def export_count_sheet(ctx: Context, *, stocktake_id: int, locale: str | None = None):
    """The count sheet (盘点表) of a stocktake as XLSX: book quantities and an empty 实盘数量 column to fill in
    and import back (stocktake_services.import_count_sheet)."""
    from erp_core.io.tabular import SheetFile
    from erp_core.stockops.count_sheet import to_xlsx
    from erp_core.stockops.models import Stocktake

    company_id = require_company(ctx)
    doc = ctx.session.get(Stocktake, stocktake_id)
    if doc is None or doc.company_id != company_id:
        raise NotFound(entity="stocktake", id=stocktake_id)
    return SheetFile(to_xlsx(ctx.session, doc, locale or ctx.actor.locale), f"{doc.number}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(doc.lines))


@dataclass(frozen=True)
class FormChoices:
    warehouses: dict[int, str]  # active warehouses: id -> "code name"
    locations: dict[int, dict[int, str]]  # warehouse id -> {location id: "code name"} (active)
    products: dict[int, str]  # active stock items: id -> "code name"
    accounts: dict[str, str]  # active leaf accounts: code -> "code name"
    departments: dict[int, str]
    projects: dict[int, str]


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def stock_form_choices(ctx: Context) -> FormChoices:
    """What the inventory document forms offer (holders of the document permissions need them without a
    master-data or finance permission)."""
    from erp_core.finance.models import Account
    from erp_core.masterdata.models import Department, Project
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    cid = require_company(ctx)
    s = ctx.session
    whs = {i: f"{c} {n}" for i, c, n in s.execute(select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.company_id == cid, Warehouse.active.is_(True)).order_by(Warehouse.code))}
    locs: dict[int, dict[int, str]] = {}
    for i, w, c, n in s.execute(select(WarehouseLocation.id, WarehouseLocation.warehouse_id, WarehouseLocation.code,
                                       WarehouseLocation.name).where(WarehouseLocation.company_id == cid,
                                                                     WarehouseLocation.active.is_(True))
                                .order_by(WarehouseLocation.code)):
        locs.setdefault(w, {})[i] = f"{c} {n}"
    prods = {i: f"{c} {n}" for i, c, n in s.execute(select(Product.id, Product.code, Product.name).where(
        Product.company_id == cid, Product.active.is_(True), Product.kind == "product").order_by(Product.code))}
    en = not (ctx.actor.locale or "zh_CN").startswith("zh")
    accs = {c: f"{c} {(ne or n) if en else n}" for c, n, ne in s.execute(
        select(Account.code, Account.name, Account.name_en).where(
            Account.company_id == cid, Account.is_leaf.is_(True), Account.status == "active").order_by(Account.code))}
    depts = {i: f"{c} {n}" for i, c, n in s.execute(select(Department.id, Department.code, Department.name).where(
        Department.company_id == cid).order_by(Department.code))}
    projs = {i: f"{c} {n}" for i, c, n in s.execute(select(Project.id, Project.code, Project.name).where(
        Project.company_id == cid).order_by(Project.code))}
    return FormChoices(whs, locs, prods, accs, depts, projs)


@query("inventory.setting.edit", zh="修改库存参数", en="Change inventory settings")
def inventory_setting(ctx: Context) -> dict[str, Any]:
    """The company's inventory settings (allow_negative_stock, version; defaults when never saved)."""
    from erp_core.inventory.models import InventorySetting

    row = ctx.session.get(InventorySetting, require_company(ctx))
    return {"allow_negative_stock": bool(row and row.allow_negative_stock), "version": row.version if row else None}
