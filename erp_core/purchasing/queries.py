"""Read side of purchasing: lists with filters (supplier, status / progress, date, number) under the actor's row
scope (department of the document, or documents the actor created), one document with its lines, links both ways
and step history, what is left to receive / invoice / return (生成下游单据 prefill), the three-way match of an
invoice (order / receipt / invoice quantity and price with the variances), choices for the forms, the setting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.db.like import contains
from erp_core.documents.models import DocumentStep
from erp_core.documents.queries import links_of
from erp_core.documents.registry import DocumentType, document_type
from erp_core.kernel.errors import NotFound
from erp_core.purchasing import invariants  # noqa: F401  (registers the purchasing check of `erp check`)
from erp_core.purchasing.documents import (
    PURCHASE_INVOICE,
    PURCHASE_ORDER,
    PURCHASE_RECEIPT,
    PURCHASE_RETURN,
)
from erp_core.purchasing.models import (
    ZERO,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseSetting,
)
from erp_core.security.scope import may_touch, scoped
from erp_core.usecase import Context, query

ORDER_OPEN = ("confirmed", "sent")


@dataclass
class Choices:
    suppliers: dict[int, str] = field(default_factory=dict)
    products: dict[int, str] = field(default_factory=dict)
    warehouses: dict[int, str] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)


def _company(ctx: Context) -> int:
    return ctx.actor.company_id


@query("purchasing.choice.view", zh="查看采购单据选项", en="View purchasing form choices")
def purchase_choices(ctx: Context) -> Choices:
    """Active suppliers, stock products, warehouses and departments of the company, as labels by id."""
    from erp_core.masterdata.models import Department
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Supplier
    from erp_core.masterdata.models_warehouse import Warehouse

    s, cid = ctx.session, _company(ctx)
    c = Choices()
    for model, target, extra in ((Supplier, c.suppliers, Supplier.active.is_(True)),
                                 (Warehouse, c.warehouses, Warehouse.active.is_(True)),
                                 (Department, c.departments, None)):
        stmt = select(model.id, model.code, model.name).where(model.company_id == cid).order_by(model.code)
        if extra is not None:
            stmt = stmt.where(extra)
        for i, code, name in s.execute(stmt):
            target[i] = f"{code} {name}"
    for i, code, name in s.execute(select(Product.id, Product.code, Product.name).where(
            Product.company_id == cid, Product.active.is_(True), Product.kind == "product").order_by(Product.code)):
        c.products[i] = f"{code} {name}"
    return c


def _names(ctx: Context, model: Any, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i: f"{code} {name}" for i, code, name in ctx.session.execute(
        select(model.id, model.code, model.name).where(model.id.in_(sorted(ids))))}


def _list(ctx: Context, t: DocumentType, *, supplier_id: int | None, status: str | None, progress: str | None,
          date_from: dt.date | None, date_to: dt.date | None, number: str, limit: int) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_partners import Supplier

    h = t.header
    stmt = scoped(select(h), ctx, company_col=h.company_id, department_col=h.department_id, owner_col=h.created_by)
    if supplier_id is not None:
        stmt = stmt.where(h.partner_id == supplier_id)
    if status:
        stmt = stmt.where(h.status == status)
    if progress:
        stmt = stmt.where(h.progress == progress)
    if date_from is not None:
        stmt = stmt.where(h.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(h.doc_date <= date_to)
    if number and number.strip():
        stmt = stmt.where(contains(h.number, number.strip().upper()))
    docs = ctx.session.execute(stmt.order_by(h.doc_date.desc(), h.id.desc()).limit(limit)).scalars().all()
    suppliers = _names(ctx, Supplier, {d.partner_id for d in docs})
    out = []
    for d in docs:
        row = {"id": d.id, "number": d.number, "doc_date": d.doc_date, "supplier": suppliers.get(d.partner_id, ""),
               "partner_id": d.partner_id, "status": d.status, "progress": d.progress, "total": d.total,
               "red": d.reverses_id is not None or bool(getattr(d, "red", False)), "version": d.version,
               "remarks": d.remarks}
        for extra in ("invoice_no", "vat_kind", "tax_total", "delivery_date"):
            if hasattr(d, extra):
                row[extra] = getattr(d, extra)
        out.append(row)
    return out




@query("purchasing.order.view", zh="查看采购订单", en="View purchase orders")
def list_orders(ctx: Context, *, supplier_id: int | None = None, status: str | None = None,
                progress: str | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
                number: str = "", limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, PURCHASE_ORDER, supplier_id=supplier_id, status=status, progress=progress,
                 date_from=date_from, date_to=date_to, number=number, limit=limit)


@query("purchasing.receipt.view", zh="查看采购入库单", en="View purchase receipts")
def list_receipts(ctx: Context, *, supplier_id: int | None = None, status: str | None = None,
                  date_from: dt.date | None = None, date_to: dt.date | None = None, number: str = "",
                  limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, PURCHASE_RECEIPT, supplier_id=supplier_id, status=status, progress=None,
                 date_from=date_from, date_to=date_to, number=number, limit=limit)


@query("purchasing.invoice.view", zh="查看采购发票", en="View purchase invoices")
def list_invoices(ctx: Context, *, supplier_id: int | None = None, status: str | None = None,
                  date_from: dt.date | None = None, date_to: dt.date | None = None, number: str = "",
                  limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, PURCHASE_INVOICE, supplier_id=supplier_id, status=status, progress=None,
                 date_from=date_from, date_to=date_to, number=number, limit=limit)


@query("purchasing.return.view", zh="查看采购退货单", en="View purchase returns")
def list_returns(ctx: Context, *, supplier_id: int | None = None, status: str | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None, number: str = "",
                 limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, PURCHASE_RETURN, supplier_id=supplier_id, status=status, progress=None,
                 date_from=date_from, date_to=date_to, number=number, limit=limit)


# --- one document -------------------------------------------------------------------------------------------

_LINE_EXTRA = ("tax_rate_code", "tax_rate", "net_price", "net_amount", "tax_amount", "gross_amount",
               "delivery_date", "order_line_id", "receipt_line_id", "discrepancy", "discrepancy_reason")
_HEADER_EXTRA = ("prices_include_vat", "delivery_date", "tax_total", "invoice_no", "vat_kind", "red", "net_total")


def _numbers(ctx: Context, refs: list[dict[str, Any]]) -> None:
    for r in refs:
        t = document_type(r["doc_type"])
        other = ctx.session.get(t.header, r["doc_id"])
        r["number"] = other.number if other is not None else ""
        r["type_zh"], r["type_en"] = t.zh, t.en


def _detail(ctx: Context, t: DocumentType, doc_id: int) -> dict[str, Any]:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Supplier
    from erp_core.masterdata.models_warehouse import Warehouse

    doc = ctx.session.get(t.header, doc_id)
    if doc is None or not may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id,
                                    owner_id=doc.created_by):
        raise NotFound(entity=t.code, id=doc_id)
    products = _names(ctx, Product, {ln.product_id for ln in doc.lines})
    warehouses = _names(ctx, Warehouse, {ln.warehouse_id for ln in doc.lines} | {doc.warehouse_id})
    lines = []
    for ln in doc.lines:
        row = {"id": ln.id, "line_no": ln.line_no, "product_id": ln.product_id,
               "product": products.get(ln.product_id, ""), "warehouse_id": ln.warehouse_id,
               "warehouse": warehouses.get(ln.warehouse_id, ""), "quantity": ln.ordered_qty,
               "received_qty": ln.received_qty, "invoiced_qty": ln.invoiced_qty, "returned_qty": ln.returned_qty,
               "unit_price": ln.unit_price, "amount": ln.amount, "remarks": ln.remarks}
        row.update({c: getattr(ln, c) for c in _LINE_EXTRA if hasattr(ln, c)})
        lines.append(row)
    links = links_of(ctx.session, doc.company_id, t.code, doc.id)
    _numbers(ctx, links["upstream"])
    _numbers(ctx, links["downstream"])
    steps = [{"action": r.action, "from_status": r.from_status, "to_status": r.to_status, "username": r.username,
              "comment": r.comment, "at": r.at}
             for r in ctx.session.execute(select(DocumentStep).where(
                 DocumentStep.company_id == doc.company_id, DocumentStep.doc_type == t.code,
                 DocumentStep.doc_id == doc.id).order_by(DocumentStep.id)).scalars()]
    supplier = _names(ctx, Supplier, {doc.partner_id}).get(doc.partner_id, "")
    out = {"id": doc.id, "number": doc.number, "doc_date": doc.doc_date, "status": doc.status,
           "progress": doc.progress, "partner_id": doc.partner_id, "supplier": supplier,
           "warehouse_id": doc.warehouse_id, "warehouse": warehouses.get(doc.warehouse_id, ""),
           "department_id": doc.department_id, "project_id": doc.project_id, "total": doc.total,
           "remarks": doc.remarks, "version": doc.version, "posted_at": doc.posted_at, "voucher_id": doc.voucher_id,
           "reverses_id": doc.reverses_id, "reversed_by_id": doc.reversed_by_id, "created_by": doc.created_by,
           "actions": [a for a in t.workflow.allowed(doc.status) if doc.posted_at is None or a == "reverse"],
           "lines": lines, "links": links, "steps": steps}
    out.update({c: getattr(doc, c) for c in _HEADER_EXTRA if hasattr(doc, c)})
    if out["reverses_id"] is not None or out["reversed_by_id"] is not None:
        out["actions"] = [a for a in out["actions"] if a != "reverse"]
    return out


@query("purchasing.order.view", zh="查看采购订单", en="View purchase orders")
def get_order(ctx: Context, *, order_id: int) -> dict[str, Any]:
    return _detail(ctx, PURCHASE_ORDER, order_id)


@query("purchasing.receipt.view", zh="查看采购入库单", en="View purchase receipts")
def get_receipt(ctx: Context, *, receipt_id: int) -> dict[str, Any]:
    return _detail(ctx, PURCHASE_RECEIPT, receipt_id)


@query("purchasing.invoice.view", zh="查看采购发票", en="View purchase invoices")
def get_invoice(ctx: Context, *, invoice_id: int) -> dict[str, Any]:
    return _detail(ctx, PURCHASE_INVOICE, invoice_id)


@query("purchasing.return.view", zh="查看采购退货单", en="View purchase returns")
def get_return(ctx: Context, *, return_id: int) -> dict[str, Any]:
    return _detail(ctx, PURCHASE_RETURN, return_id)


# --- what is left (生成下游单据) ------------------------------------------------------------------------------

@query("purchasing.receipt.view", zh="查看采购入库单", en="View purchase receipts")
def lines_to_receive(ctx: Context, *, supplier_id: int | None = None, order_id: int | None = None
                     ) -> list[dict[str, Any]]:
    """Lines of confirmed / sent orders (of one supplier or one order) with the quantity left to receive
    (ordered - received + returned, > 0): the prefill of a new receipt."""
    from erp_core.masterdata.models_items import Product

    stmt = scoped(select(PurchaseOrderLine, PurchaseOrder).join(
        PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.header_id), ctx, company_col=PurchaseOrder.company_id,
        department_col=PurchaseOrder.department_id, owner_col=PurchaseOrder.created_by).where(
        PurchaseOrder.status.in_(ORDER_OPEN))
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.partner_id == supplier_id)
    if order_id is not None:
        stmt = stmt.where(PurchaseOrder.id == order_id)
    rows = ctx.session.execute(stmt.order_by(PurchaseOrder.doc_date, PurchaseOrder.id, PurchaseOrderLine.line_no)
                               ).all()
    products = _names(ctx, Product, {ol.product_id for ol, _ in rows})
    out = []
    for ol, o in rows:
        left = ol.ordered_qty - ol.received_qty + ol.returned_qty
        if left > 0:
            out.append({"order_line_id": ol.id, "order_id": o.id, "order_number": o.number, "line_no": ol.line_no,
                        "partner_id": o.partner_id, "product_id": ol.product_id,
                        "product": products.get(ol.product_id, ""), "warehouse_id": ol.warehouse_id,
                        "ordered_qty": ol.ordered_qty, "received_qty": ol.received_qty - ol.returned_qty,
                        "quantity": left, "net_price": ol.net_price, "delivery_date": ol.delivery_date})
    return out


def _receipt_lines_left(ctx: Context, *, supplier_id: int | None, receipt_id: int | None, what: str
                        ) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_items import Product

    stmt = scoped(select(PurchaseReceiptLine, PurchaseReceipt).join(
        PurchaseReceipt, PurchaseReceipt.id == PurchaseReceiptLine.header_id), ctx,
        company_col=PurchaseReceipt.company_id, department_col=PurchaseReceipt.department_id,
        owner_col=PurchaseReceipt.created_by).where(PurchaseReceipt.status == "posted",
                                                   PurchaseReceipt.reverses_id.is_(None))
    if supplier_id is not None:
        stmt = stmt.where(PurchaseReceipt.partner_id == supplier_id)
    if receipt_id is not None:
        stmt = stmt.where(PurchaseReceipt.id == receipt_id)
    rows = ctx.session.execute(stmt.order_by(PurchaseReceipt.doc_date, PurchaseReceipt.id,
                                             PurchaseReceiptLine.line_no)).all()
    products = _names(ctx, Product, {rl.product_id for rl, _ in rows})
    out = []
    for rl, r in rows:
        ol = ctx.session.get(PurchaseOrderLine, rl.order_line_id) if rl.order_line_id else None
        left = (rl.ordered_qty - rl.returned_qty - rl.invoiced_qty if what == "invoice"
                else rl.ordered_qty - rl.returned_qty)
        if left > 0:
            out.append({"receipt_line_id": rl.id, "receipt_id": r.id, "receipt_number": r.number,
                        "line_no": rl.line_no, "partner_id": r.partner_id, "product_id": rl.product_id,
                        "product": products.get(rl.product_id, ""), "received_qty": rl.ordered_qty,
                        "invoiced_qty": rl.invoiced_qty, "returned_qty": rl.returned_qty, "quantity": left,
                        "unit_price": rl.unit_price, "tax_rate": ol.tax_rate if ol is not None else ZERO})
    return out


@query("purchasing.invoice.view", zh="查看采购发票", en="View purchase invoices")
def lines_to_invoice(ctx: Context, *, supplier_id: int | None = None, receipt_id: int | None = None
                     ) -> list[dict[str, Any]]:
    """Posted receipt lines with the quantity left to invoice (received - returned - invoiced, > 0), priced at
    the receipt's (order's) net price: the prefill of a new invoice."""
    return _receipt_lines_left(ctx, supplier_id=supplier_id, receipt_id=receipt_id, what="invoice")


@query("purchasing.return.view", zh="查看采购退货单", en="View purchase returns")
def lines_to_return(ctx: Context, *, supplier_id: int | None = None, receipt_id: int | None = None
                    ) -> list[dict[str, Any]]:
    return _receipt_lines_left(ctx, supplier_id=supplier_id, receipt_id=receipt_id, what="return")


# --- three-way match ----------------------------------------------------------------------------------------

@query("purchasing.invoice.view", zh="查看采购发票", en="View purchase invoices")
def three_way_match(ctx: Context, *, invoice_id: int) -> list[dict[str, Any]]:
    """Per invoice line: the order's quantity and net price, the receipt's quantity and price (暂估), the
    invoice's; quantity variance (invoiced - received net of returns), price variance (invoice - order price)
    and the amount variance (invoice net amount - 暂估 value of the invoiced quantity)."""
    from erp_core.inventory.posting import move_amount

    doc = _detail(ctx, PURCHASE_INVOICE, invoice_id)
    out = []
    for ln in doc["lines"]:
        rl = ctx.session.get(PurchaseReceiptLine, ln["receipt_line_id"])
        ol = ctx.session.get(PurchaseOrderLine, rl.order_line_id) if rl.order_line_id else None
        received = rl.ordered_qty - rl.returned_qty
        out.append({
            "line_no": ln["line_no"], "product": ln["product"],
            "order_number": ol.header.number if ol is not None else "",
            "order_qty": ol.ordered_qty if ol is not None else None,
            "order_price": ol.net_price if ol is not None else None,
            "receipt_number": rl.header.number, "receipt_qty": received, "receipt_price": rl.unit_price,
            "invoice_qty": ln["quantity"], "invoice_price": ln["unit_price"],
            "qty_variance": ln["quantity"] - received,
            "price_variance": ln["unit_price"] - (ol.net_price if ol is not None else rl.unit_price),
            "amount_variance": ln["amount"] - move_amount(ln["quantity"], rl.unit_price)})
    return out


@query("purchasing.setting.view", zh="查看采购设置", en="View purchasing settings")
def purchase_setting(ctx: Context) -> dict[str, Any]:
    row = ctx.session.get(PurchaseSetting, _company(ctx))
    if row is None:
        return {"over_receipt_pct": Decimal(0), "invoice_method": "reverse", "version": None}
    return {"over_receipt_pct": row.over_receipt_pct, "invoice_method": row.invoice_method, "version": row.version}


@query("purchasing.invoice.view", zh="查看采购发票", en="View purchase invoices")
def red_invoice_lines(ctx: Context, *, return_id: int) -> list[dict[str, Any]]:
    """The red invoice a posted return of invoiced goods needs: per return line, the quantity returned that was
    invoiced (at most the receipt line's invoiced quantity) at the price of the latest posted invoice of that
    receipt line, with its VAT rate. Empty when nothing returned had been invoiced."""
    from erp_core.purchasing.models import PurchaseInvoice, PurchaseInvoiceLine

    doc = _detail(ctx, PURCHASE_RETURN, return_id)
    if doc["status"] != "posted":
        return []
    for d in doc["links"]["downstream"]:  # a red invoice was made for this return already (and not cancelled)
        if d["doc_type"] == PURCHASE_INVOICE.code:
            made = ctx.session.get(PURCHASE_INVOICE.header, d["doc_id"])
            if made is not None and made.status != "cancelled":
                return []
    out = []
    for ln in doc["lines"]:
        rl = ctx.session.get(PurchaseReceiptLine, ln["receipt_line_id"])
        qty = min(ln["quantity"], rl.invoiced_qty)
        if qty <= 0:
            continue
        last = ctx.session.execute(select(PurchaseInvoiceLine.unit_price, PurchaseInvoiceLine.tax_rate).join(
            PurchaseInvoice, PurchaseInvoice.id == PurchaseInvoiceLine.header_id).where(
            PurchaseInvoiceLine.receipt_line_id == rl.id, PurchaseInvoice.status == "posted",
            PurchaseInvoice.red.is_(False), PurchaseInvoice.reverses_id.is_(None))
            .order_by(PurchaseInvoice.doc_date.desc(), PurchaseInvoice.id.desc()).limit(1)).first()
        if last is None:
            continue
        out.append({"receipt_line_id": rl.id, "product": ln["product"], "quantity": qty,
                    "unit_price": last.unit_price, "tax_rate": last.tax_rate})
    return out


# --- analysis -----------------------------------------------------------------------------------------------

ANALYSIS_GROUPS = ("supplier", "product", "month")


@query("purchasing.analysis.view", zh="查看采购分析", en="View purchase analysis")
def purchase_analysis(ctx: Context, *, group_by: str = "supplier", date_from: dt.date | None = None,
                      date_to: dt.date | None = None) -> list[dict[str, Any]]:
    """Confirmed orders (confirmed, sent, closed) by supplier, product or month (of the order date): ordered
    quantity, net amount, VAT, total incl. VAT, and the net amounts received (net of returns) and invoiced at
    the order price. Under the actor's row scope of the orders."""
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Supplier
    from erp_core.purchasing.documents import CONFIRMED

    if group_by not in ANALYSIS_GROUPS:
        raise ValueError(f"group_by: one of {ANALYSIS_GROUPS}")
    stmt = scoped(select(PurchaseOrderLine, PurchaseOrder).join(
        PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.header_id), ctx, company_col=PurchaseOrder.company_id,
        department_col=PurchaseOrder.department_id, owner_col=PurchaseOrder.created_by).where(
        PurchaseOrder.status.in_(CONFIRMED))
    if date_from is not None:
        stmt = stmt.where(PurchaseOrder.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(PurchaseOrder.doc_date <= date_to)
    rows = ctx.session.execute(stmt).all()
    names = (_names(ctx, Supplier, {o.partner_id for _, o in rows}) if group_by == "supplier" else
             _names(ctx, Product, {ln.product_id for ln, _ in rows}) if group_by == "product" else {})
    out: dict[Any, dict[str, Any]] = {}
    for ln, o in rows:
        key = (o.partner_id if group_by == "supplier" else ln.product_id if group_by == "product"
               else o.doc_date.strftime("%Y-%m"))
        acc = out.setdefault(key, {"key": key, "label": names.get(key, key) if group_by != "month" else key,
                                   "orders": set(), "quantity": Decimal(0), "net_amount": Decimal(0),
                                   "tax_amount": Decimal(0), "gross_amount": Decimal(0),
                                   "received_amount": Decimal(0), "invoiced_amount": Decimal(0)})
        acc["orders"].add(o.id)
        acc["quantity"] += ln.ordered_qty
        acc["net_amount"] += ln.net_amount
        acc["tax_amount"] += ln.tax_amount
        acc["gross_amount"] += ln.gross_amount
        acc["received_amount"] += ((ln.received_qty - ln.returned_qty) * ln.net_price).quantize(Decimal("0.01"))
        acc["invoiced_amount"] += (ln.invoiced_qty * ln.net_price).quantize(Decimal("0.01"))
    result = []
    for acc in out.values():
        acc["orders"] = len(acc["orders"])
        result.append(acc)
    if group_by == "month":
        return sorted(result, key=lambda r: r["key"])
    return sorted(result, key=lambda r: (-r["net_amount"], str(r["label"])))


@query("purchasing.analysis.view", zh="查看采购分析", en="View purchase analysis")
def price_history(ctx: Context, *, product_id: int) -> list[dict[str, Any]]:
    """Every confirmed order line of ``product_id``, oldest first: date, order, supplier, net unit price,
    quantity, and the change against the previous price (%)."""
    from erp_core.masterdata.models_partners import Supplier
    from erp_core.purchasing.documents import CONFIRMED

    stmt = scoped(select(PurchaseOrderLine, PurchaseOrder).join(
        PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.header_id), ctx, company_col=PurchaseOrder.company_id,
        department_col=PurchaseOrder.department_id, owner_col=PurchaseOrder.created_by).where(
        PurchaseOrder.status.in_(CONFIRMED), PurchaseOrderLine.product_id == product_id)
    rows = ctx.session.execute(stmt.order_by(PurchaseOrder.doc_date, PurchaseOrder.id, PurchaseOrderLine.line_no)).all()
    suppliers = _names(ctx, Supplier, {o.partner_id for _, o in rows})
    out, last = [], None
    for ln, o in rows:
        change = ((ln.net_price - last) * 100 / last).quantize(Decimal("0.01")) if last else None
        out.append({"doc_date": o.doc_date, "number": o.number, "supplier": suppliers.get(o.partner_id, ""),
                    "net_price": ln.net_price, "quantity": ln.ordered_qty, "change_pct": change})
        last = ln.net_price
    return out
