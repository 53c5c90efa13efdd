"""Purchasing use cases (采购): one per action, each with its permission purchasing.<type>.<action>, running the
document kernel (docs/documents.md) inside its one unit of work.

- orders    create / edit (draft) / submit (approvals) / reopen / confirm (approval gate) / send / close / cancel
- receipts  create against confirmed order lines (several orders of one supplier), edit, post (stock + 暂估
            voucher; order lines count "received"; over-receipt beyond the company's tolerance refused), cancel,
            reverse (红字, only while nothing of it was invoiced or returned)
- invoices  create against posted receipt lines (专票/普票, blue or red), edit, post (receipt and order lines
            count "invoiced"), cancel, reverse
- returns   create against posted receipt lines, post (receipt and order lines count "returned"), cancel
- setting   over-receipt tolerance % and invoice method (单到回冲 reverse / 单到补差 difference)

Row scope: a use case touching an existing document checks the actor's scope of its own permission against the
document's department and creator (security.scope.may_touch); out of scope reads as not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents import services as k
from erp_core.documents.registry import DocumentType
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN, to_decimal
from erp_core.purchasing.documents import (
    PURCHASE_INVOICE,
    PURCHASE_ORDER,
    PURCHASE_RECEIPT,
    PURCHASE_RETURN,
)
from erp_core.purchasing.models import (
    DISCREPANCIES,
    INVOICE_METHODS,
    VAT_KINDS,
    ZERO,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseSetting,
)
from erp_core.security.scope import may_touch
from erp_core.usecase import Context, use_case

F_SUPPLIER = "field.purchasing.supplier"
F_PRODUCT = "field.purchasing.product"
F_WAREHOUSE = "field.purchasing.warehouse"
F_QTY = "field.purchasing.quantity"
F_PRICE = "field.purchasing.unit_price"
F_ORDER_LINE = "field.purchasing.order_line"
F_RECEIPT_LINE = "field.purchasing.receipt_line"
F_DISCREPANCY = "field.purchasing.discrepancy"
F_REASON = "field.purchasing.discrepancy_reason"
F_VAT_KIND = "field.purchasing.vat_kind"
F_INVOICE_NO = "field.purchasing.invoice_no"
F_TOLERANCE = "field.purchasing.over_receipt_pct"
F_METHOD = "field.purchasing.invoice_method"
F_DATE = "field.documents.doc_date"
PCT = Decimal("0.01")
UNIT = Decimal("0.000001")
ORDER_OPEN = ("confirmed", "sent")  # orders that may still be received


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _load(ctx: Context, t: DocumentType, doc_id: int, version: int | None = None, *, lock: bool = False,
          for_posting: bool = False) -> Any:
    doc = k.load_document(ctx, t, doc_id, lock=lock, for_posting=for_posting)
    if not may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id, owner_id=doc.created_by):
        raise NotFound(entity=t.code, id=doc_id)
    ctx.check_version(doc, version)
    return doc


def _date(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError("error.required", field=F_DATE)
    return value


def _supplier(ctx: Context, supplier_id: Any) -> int:
    from erp_core.masterdata.models_partners import Supplier

    row = ctx.session.get(Supplier, supplier_id) if isinstance(supplier_id, int) else None
    if row is None or row.company_id != _company(ctx):
        raise ValidationError("error.purchasing.supplier_unknown", field=F_SUPPLIER)
    if not row.active:
        raise ValidationError("error.purchasing.supplier_inactive", field=F_SUPPLIER, name=row.name)
    return row.id


def _warehouse_ok(ctx: Context, warehouse_id: Any) -> bool:
    from erp_core.masterdata.models_warehouse import Warehouse

    row = ctx.session.get(Warehouse, warehouse_id) if isinstance(warehouse_id, int) else None
    return row is not None and row.company_id == _company(ctx) and row.active


def _department_ok(ctx: Context, department_id: Any) -> bool:
    from erp_core.masterdata.models import Department

    row = ctx.session.get(Department, department_id) if isinstance(department_id, int) else None
    return row is not None and row.company_id == _company(ctx)


def _tax_rate(ctx: Context, code: str | None, on: dt.date) -> Decimal:
    from erp_core.settings.tax_services import tax_rate_on

    if not code:
        return ZERO
    row = tax_rate_on(ctx.session, _company(ctx), code, on)
    return row.rate if row is not None else ZERO


def _money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def order_line_amounts(quantity: Decimal, price: Decimal, rate: Decimal, *, includes_vat: bool
                       ) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(net unit price, net amount, VAT, gross amount) of one order line. With prices incl. VAT the gross
    amount is quantity x price and the VAT is the gross amount's share (gross - gross / (1 + rate)); otherwise
    the net amount is quantity x price and the VAT rate x net, each rounded half up to the fen."""
    if includes_vat:
        gross = _money(quantity * price)
        net = _money(gross / (1 + rate))
        return (price / (1 + rate)).quantize(UNIT, rounding=ROUND_HALF_UP), net, gross - net, gross
    net = _money(quantity * price)
    tax = _money(net * rate)
    return price, net, tax, net + tax


# --- purchase orders ----------------------------------------------------------------------------------------

def _order_lines(ctx: Context, lines: Sequence[Mapping[str, Any]], header_warehouse: int | None
                 ) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_items import Product

    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out = []
    for i, ln in enumerate(lines or [], start=1):
        pid = ln.get("product_id")
        product = ctx.session.get(Product, pid) if isinstance(pid, int) else None
        if product is None or product.company_id != _company(ctx):
            problems.append(ValidationError("error.purchasing.product_unknown", field=F_PRODUCT, line=i))
        elif not product.active or product.kind != "product":
            problems.append(ValidationError("error.purchasing.product_not_stock", field=F_PRODUCT, line=i,
                                            code=product.code))
        qty = k.line_number(ln.get("quantity"), F_QTY, i, problems)
        price = k.line_number(ln.get("unit_price", 0), F_PRICE, i, problems, positive=False)
        wh = ln.get("warehouse_id") or header_warehouse
        if wh is None:
            problems.append(ValidationError("error.purchasing.warehouse_required", field=F_WAREHOUSE, line=i))
        elif not _warehouse_ok(ctx, wh):
            problems.append(ValidationError("error.purchasing.warehouse_unknown", field=F_WAREHOUSE, line=i))
        out.append({"product_id": pid, "ordered_qty": qty, "unit_price": price, "warehouse_id": wh,
                    "remarks": str(ln.get("remarks") or "")[:200], "delivery_date": ln.get("delivery_date"),
                    "tax_rate_code": product.tax_rate_code if product is not None else None})
    raise_if(problems)
    return out


def _fill_order(ctx: Context, doc: PurchaseOrder, clean: list[dict[str, Any]]) -> None:
    """The order's own line columns (tax, net price, net / VAT / gross amounts) and its totals incl. VAT."""
    tax_total = gross_total = ZERO
    for ln, row in zip(doc.lines, clean, strict=True):
        rate = _tax_rate(ctx, row["tax_rate_code"], doc.doc_date)
        ln.tax_rate_code, ln.tax_rate, ln.delivery_date = row["tax_rate_code"], rate, row["delivery_date"]
        ln.net_price, ln.net_amount, ln.tax_amount, ln.gross_amount = order_line_amounts(
            ln.ordered_qty, ln.unit_price, rate, includes_vat=doc.prices_include_vat)
        tax_total += ln.tax_amount
        gross_total += ln.gross_amount
    doc.tax_total, doc.total = tax_total, gross_total


def _header(ctx: Context, *, department_id: Any, warehouse_id: Any) -> None:
    problems = []
    if department_id is not None and not _department_ok(ctx, department_id):
        problems.append(ValidationError("error.purchasing.department_unknown", field="field.purchasing.department"))
    if warehouse_id is not None and not _warehouse_ok(ctx, warehouse_id):
        problems.append(ValidationError("error.purchasing.warehouse_unknown", field=F_WAREHOUSE))
    raise_if(problems)


def _kernel_lines(clean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k2: r[k2] for k2 in ("product_id", "ordered_qty", "unit_price", "warehouse_id", "remarks")}
            for r in clean]


@use_case("purchasing.order.create", zh="新建采购订单", en="Create purchase order")
def create_order(ctx: Context, *, supplier_id: int, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                 prices_include_vat: bool = False, warehouse_id: int | None = None,
                 delivery_date: dt.date | None = None, department_id: int | None = None,
                 project_id: int | None = None, remarks: str = "") -> int:
    """A draft purchase order; lines: product_id, quantity, unit_price (incl. VAT when the header says so),
    warehouse_id (else the header's), delivery_date, remarks. The VAT rate comes from the product's tax code
    as valid on the order date."""
    day = _date(doc_date)
    supplier = _supplier(ctx, supplier_id)
    _header(ctx, department_id=department_id, warehouse_id=warehouse_id)
    clean = _order_lines(ctx, lines, warehouse_id)
    doc = k.create_document(ctx, PURCHASE_ORDER, doc_date=day, lines=_kernel_lines(clean), partner_id=supplier,
                            warehouse_id=warehouse_id, department_id=department_id, project_id=project_id,
                            remarks=(remarks or "")[:2000], prices_include_vat=bool(prices_include_vat),
                            delivery_date=delivery_date, prepare=lambda d: _fill_order(ctx, d, clean))
    return doc.id


@use_case("purchasing.order.edit", zh="修改采购订单", en="Edit purchase order")
def edit_order(ctx: Context, *, order_id: int, version: int, supplier_id: int,
               lines: Sequence[Mapping[str, Any]], prices_include_vat: bool = False,
               warehouse_id: int | None = None, delivery_date: dt.date | None = None,
               department_id: int | None = None, project_id: int | None = None, remarks: str = "") -> None:
    """Change a draft order (all its lines); any approval it had is withdrawn."""
    doc = _load(ctx, PURCHASE_ORDER, order_id, version)
    supplier = _supplier(ctx, supplier_id)
    _header(ctx, department_id=department_id, warehouse_id=warehouse_id)
    clean = _order_lines(ctx, lines, warehouse_id)
    k.update_document(ctx, PURCHASE_ORDER, doc, version=version, lines=_kernel_lines(clean), partner_id=supplier,
                      warehouse_id=warehouse_id, department_id=department_id, project_id=project_id,
                      remarks=(remarks or "")[:2000], prices_include_vat=bool(prices_include_vat),
                      delivery_date=delivery_date, prepare=lambda d: _fill_order(ctx, d, clean))


@use_case("purchasing.order.submit", zh="提交采购订单审批", en="Submit purchase order for approval")
def submit_order(ctx: Context, *, order_id: int, version: int | None = None) -> int:
    """Draft -> submitted, and ask the approvals engine; returns how many approval requests were opened
    (0: no rule asks, the order may be confirmed at once)."""
    doc = _load(ctx, PURCHASE_ORDER, order_id, version, lock=True)
    k.transition(ctx, PURCHASE_ORDER, doc, "submit")
    return len(k.submit_document(ctx, PURCHASE_ORDER, doc))


def _transition(ctx: Context, order_id: int, version: int | None, action: str, comment: str = "") -> str:
    doc = _load(ctx, PURCHASE_ORDER, order_id, version, lock=True)
    return k.transition(ctx, PURCHASE_ORDER, doc, action, comment=comment)


@use_case("purchasing.order.reopen", zh="撤回采购订单", en="Reopen purchase order")
def reopen_order(ctx: Context, *, order_id: int, version: int | None = None) -> str:
    """Submitted -> draft (to edit it; its approval requests are withdrawn)."""
    from erp_core.approvals.services import withdraw_requests

    state = _transition(ctx, order_id, version, "reopen")
    withdraw_requests(ctx, PURCHASE_ORDER.code, order_id)
    return state


@use_case("purchasing.order.confirm", zh="确认采购订单", en="Confirm purchase order")
def confirm_order(ctx: Context, *, order_id: int, version: int | None = None) -> str:
    """Confirm (审核): refused while a matching approval rule was not asked, is pending or was rejected."""
    return _transition(ctx, order_id, version, "confirm")


@use_case("purchasing.order.send", zh="发送采购订单", en="Mark purchase order sent")
def send_order(ctx: Context, *, order_id: int, version: int | None = None) -> str:
    return _transition(ctx, order_id, version, "send")


@use_case("purchasing.order.close", zh="关闭采购订单", en="Close purchase order")
def close_order(ctx: Context, *, order_id: int, version: int | None = None, comment: str = "") -> str:
    """No more receipts against it (what was received stays; invoicing may continue)."""
    return _transition(ctx, order_id, version, "close", comment)


@use_case("purchasing.order.cancel", zh="作废采购订单", en="Cancel purchase order")
def cancel_order(ctx: Context, *, order_id: int, version: int | None = None, comment: str = "") -> str:
    """Only while nothing was received against it."""
    doc = _load(ctx, PURCHASE_ORDER, order_id, version, lock=True)
    if any(ln.received_qty != 0 for ln in doc.lines) or _has_drafts_against(ctx, doc):
        raise Conflict("error.purchasing.order_has_receipts", number=doc.number)
    state = k.transition(ctx, PURCHASE_ORDER, doc, "cancel", comment=comment)
    from erp_core.purchasing.requisitions.services import give_back_for_order

    give_back_for_order(ctx, doc)  # its requisition lines (请购单) are open again
    return state


def _has_drafts_against(ctx: Context, doc: PurchaseOrder) -> bool:
    ids = [ln.id for ln in doc.lines]
    return ctx.session.execute(select(PurchaseReceiptLine.id).join(
        PurchaseReceipt, PurchaseReceipt.id == PurchaseReceiptLine.header_id).where(
        PurchaseReceiptLine.order_line_id.in_(ids), PurchaseReceipt.status == "draft").limit(1)).first() is not None


# --- purchase receipts --------------------------------------------------------------------------------------

def tolerance_pct(session: Any, company_id: int) -> Decimal:
    """The over-receipt tolerance % (kept across transactions: erp_core/db/master_cache.py)."""
    from erp_core.db.master_cache import kept

    def read() -> Decimal:
        pct = session.execute(select(PurchaseSetting.over_receipt_pct).where(
            PurchaseSetting.company_id == company_id)).scalar()
        return pct if pct is not None else ZERO

    return kept(session, "purchase.tolerance", company_id, read)


def _receipt_lines(ctx: Context, lines: Sequence[Mapping[str, Any]], header_warehouse: int | None
                   ) -> tuple[list[dict[str, Any]], int]:
    """Clean receipt lines and the one supplier of their orders."""
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out, suppliers = [], set()
    for i, ln in enumerate(lines or [], start=1):
        olid = ln.get("order_line_id")
        ol = ctx.session.get(PurchaseOrderLine, olid) if isinstance(olid, int) else None
        order = ol.header if ol is not None else None
        if order is None or order.company_id != _company(ctx):
            problems.append(ValidationError("error.purchasing.order_line_unknown", field=F_ORDER_LINE, line=i))
            continue
        if order.status not in ORDER_OPEN:
            problems.append(ValidationError("error.purchasing.order_not_open", field=F_ORDER_LINE, line=i,
                                            number=order.number))
        suppliers.add(order.partner_id)
        qty = k.line_number(ln.get("quantity"), F_QTY, i, problems)
        disc = str(ln.get("discrepancy") or "")
        reason = str(ln.get("discrepancy_reason") or "").strip()
        if disc not in DISCREPANCIES:
            problems.append(ValidationError("error.purchasing.discrepancy_kind", field=F_DISCREPANCY, line=i))
        elif disc and not reason:
            problems.append(ValidationError("error.purchasing.discrepancy_reason", field=F_REASON, line=i))
        wh = ln.get("warehouse_id") or header_warehouse or ol.warehouse_id or order.warehouse_id
        if not _warehouse_ok(ctx, wh):
            problems.append(ValidationError("error.purchasing.warehouse_unknown", field=F_WAREHOUSE, line=i))
        out.append({"order_line": ol, "product_id": ol.product_id, "ordered_qty": qty, "unit_price": ol.net_price,
                    "warehouse_id": wh, "remarks": str(ln.get("remarks") or "")[:200], "discrepancy": disc,
                    "discrepancy_reason": reason[:200]})
    if len(suppliers) > 1:
        problems.append(ValidationError("error.purchasing.one_supplier", field=F_ORDER_LINE))
    raise_if(problems)
    _check_tolerance(ctx, [(r["order_line"], r["ordered_qty"]) for r in out])
    return out, suppliers.pop()


def _check_tolerance(ctx: Context, pairs: Sequence[tuple[PurchaseOrderLine, Decimal]]) -> None:
    """Received (net of returns) plus this receipt may exceed the ordered quantity by the company's tolerance %
    at most; beyond it each order line is refused with its numbers."""
    pct = tolerance_pct(ctx.session, _company(ctx))
    wanted: dict[int, Decimal] = {}
    by_id = {}
    for ol, qty in pairs:
        wanted[ol.id] = wanted.get(ol.id, ZERO) + qty
        by_id[ol.id] = ol
    problems = []
    for olid, qty in wanted.items():
        ol = by_id[olid]
        limit = ol.ordered_qty * (1 + pct / 100)
        already = ol.received_qty - ol.returned_qty
        if already + qty > limit:
            problems.append(ValidationError(
                "error.purchasing.over_receipt", field=F_QTY, number=ol.header.number, line=ol.line_no,
                ordered=f"{ol.ordered_qty.normalize():f}", received=f"{already.normalize():f}",
                quantity=f"{qty.normalize():f}", pct=f"{pct.normalize():f}",
                allowed=f"{max(limit - already, ZERO).normalize():f}"))
    raise_if(problems)


def _fill_receipt(doc: PurchaseReceipt, clean: list[dict[str, Any]]) -> None:
    for ln, row in zip(doc.lines, clean, strict=True):
        ln.order_line_id = row["order_line"].id
        ln.discrepancy, ln.discrepancy_reason = row["discrepancy"], row["discrepancy_reason"]


@use_case("purchasing.receipt.create", zh="新建采购入库单", en="Create purchase receipt")
def create_receipt(ctx: Context, *, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                   warehouse_id: int | None = None, department_id: int | None = None, remarks: str = "") -> int:
    """A draft receipt against confirmed order lines (of one supplier); lines: order_line_id, quantity,
    warehouse_id, discrepancy ("" / short / over / damaged) with its reason, remarks. Valued at each order
    line's price excl. VAT (暂估)."""
    day = _date(doc_date)
    _header(ctx, department_id=department_id, warehouse_id=warehouse_id)
    clean, supplier = _receipt_lines(ctx, lines, warehouse_id)
    doc = k.create_document(ctx, PURCHASE_RECEIPT, doc_date=day, lines=_kernel_lines(clean), partner_id=supplier,
                            warehouse_id=warehouse_id, department_id=department_id, remarks=(remarks or "")[:2000],
                            prepare=lambda d: _fill_receipt(d, clean))
    return doc.id


@use_case("purchasing.receipt.edit", zh="修改采购入库单", en="Edit purchase receipt")
def edit_receipt(ctx: Context, *, receipt_id: int, version: int, lines: Sequence[Mapping[str, Any]],
                 warehouse_id: int | None = None, department_id: int | None = None, remarks: str = "") -> None:
    doc = _load(ctx, PURCHASE_RECEIPT, receipt_id, version)
    _header(ctx, department_id=department_id, warehouse_id=warehouse_id)
    clean, supplier = _receipt_lines(ctx, lines, warehouse_id)
    k.update_document(ctx, PURCHASE_RECEIPT, doc, version=version, lines=_kernel_lines(clean), partner_id=supplier,
                      warehouse_id=warehouse_id, department_id=department_id, remarks=(remarks or "")[:2000],
                      prepare=lambda d: _fill_receipt(d, clean))


@use_case("purchasing.receipt.post", zh="过账采购入库单", en="Post purchase receipt")
def post_receipt(ctx: Context, *, receipt_id: int, version: int | None = None) -> int:
    """Stock moves "receipt" + the 暂估 voucher in this transaction; each order line counts the quantity as
    received (its order's progress follows). Returns the voucher id."""
    doc = _load(ctx, PURCHASE_RECEIPT, receipt_id, version, lock=True, for_posting=True)
    if doc.posted_at is not None:  # said first: the order-line checks below would refuse it less clearly
        raise Conflict("error.documents.already_posted", number=doc.number)
    lines = list(doc.lines)
    by_id = k.upstream_lines(ctx, PURCHASE_ORDER, PURCHASE_RECEIPT, doc)
    pairs = []
    for ln in lines:
        ol = by_id.get(ln.order_line_id)
        if ol is None:  # its order line is gone (read in the same statement as the others)
            raise NotFound(entity=PURCHASE_ORDER.code, id=ln.order_line_id)
        if ol.header.status not in ORDER_OPEN:
            raise Conflict("error.purchasing.order_not_open_post", number=ol.header.number)
        pairs.append((ol, ln))
    _check_tolerance(ctx, [(ol, ln.ordered_qty) for ol, ln in pairs])
    k.post_document(ctx, PURCHASE_RECEIPT, doc)
    k.link_lines(ctx, PURCHASE_ORDER, PURCHASE_RECEIPT, doc, [(ol.header, ol, ln, ln.ordered_qty) for ol, ln in pairs],
                 counts_as="received")
    return doc.voucher_id


@use_case("purchasing.receipt.cancel", zh="作废采购入库单", en="Cancel purchase receipt")
def cancel_receipt(ctx: Context, *, receipt_id: int, version: int | None = None) -> str:
    doc = _load(ctx, PURCHASE_RECEIPT, receipt_id, version, lock=True)
    return k.transition(ctx, PURCHASE_RECEIPT, doc, "cancel")


@use_case("purchasing.receipt.reverse", zh="红冲采购入库单", en="Reverse purchase receipt")
def reverse_receipt(ctx: Context, *, receipt_id: int, doc_date: dt.date | None = None, comment: str = "") -> int:
    """红字入库: the whole receipt negated (stock and voucher), the order lines' received quantities given back.
    Refused once any of it was invoiced or returned (return or red-invoice those instead)."""
    doc = _load(ctx, PURCHASE_RECEIPT, receipt_id, lock=True)
    if any(ln.invoiced_qty != 0 or ln.returned_qty != 0 for ln in doc.lines):
        raise Conflict("error.purchasing.receipt_in_use", number=doc.number)
    return k.reverse_document(ctx, PURCHASE_RECEIPT, doc, doc_date=doc_date, comment=comment).id


# --- purchase invoices --------------------------------------------------------------------------------------

def _posted_receipt_line(ctx: Context, rlid: Any, i: int, field: str, problems: list[ValidationError]
                         ) -> PurchaseReceiptLine | None:
    rl = ctx.session.get(PurchaseReceiptLine, rlid) if isinstance(rlid, int) else None
    if rl is None or rl.header.company_id != _company(ctx):
        problems.append(ValidationError("error.purchasing.receipt_line_unknown", field=field, line=i))
        return None
    r = rl.header
    if r.status != "posted" or r.reverses_id is not None:
        problems.append(ValidationError("error.purchasing.receipt_not_posted", field=field, line=i,
                                        number=r.number))
        return None
    return rl


def _invoice_lines(ctx: Context, lines: Sequence[Mapping[str, Any]], *, red: bool
                   ) -> tuple[list[dict[str, Any]], int]:
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out, suppliers = [], set()
    wanted: dict[int, Decimal] = {}
    for i, ln in enumerate(lines or [], start=1):
        rl = _posted_receipt_line(ctx, ln.get("receipt_line_id"), i, F_RECEIPT_LINE, problems)
        qty = k.line_number(ln.get("quantity"), F_QTY, i, problems)
        price = k.line_number(ln.get("unit_price", 0), F_PRICE, i, problems, positive=False)
        if rl is None:
            continue
        suppliers.add(rl.header.partner_id)
        ol = ctx.session.get(PurchaseOrderLine, rl.order_line_id) if rl.order_line_id else None
        rate = ln.get("tax_rate")
        rate = to_decimal(rate) if rate not in (None, "") else (ol.tax_rate if ol is not None else ZERO)
        if qty is not None:
            wanted[rl.id] = wanted.get(rl.id, ZERO) + qty
            room = rl.invoiced_qty if red else rl.ordered_qty - rl.returned_qty - rl.invoiced_qty
            if wanted[rl.id] > room:
                problems.append(ValidationError(
                    "error.purchasing.red_over_invoiced" if red else "error.purchasing.over_invoice",
                    field=F_QTY, line=i, number=rl.header.number, room=f"{room.normalize():f}"))
        out.append({"receipt_line": rl, "product_id": rl.product_id, "ordered_qty": qty, "unit_price": price,
                    "warehouse_id": rl.warehouse_id, "remarks": str(ln.get("remarks") or "")[:200], "tax_rate": rate,
                    "tax_amount": ln.get("tax_amount")})
    if len(suppliers) > 1:
        problems.append(ValidationError("error.purchasing.one_supplier", field=F_RECEIPT_LINE))
    raise_if(problems)
    return out, suppliers.pop()


def _fill_invoice(doc: Any, clean: list[dict[str, Any]]) -> None:
    """VAT per line: rate x net amount rounded to the fen, unless the invoice's printed VAT is given. The
    header's totals are what is owed to the supplier (open item "payable"): negative for a red invoice."""
    net = tax = ZERO
    for ln, row in zip(doc.lines, clean, strict=True):
        ln.receipt_line_id, ln.tax_rate = row["receipt_line"].id, row["tax_rate"]
        given = row["tax_amount"]
        ln.tax_amount = _money(to_decimal(given)) if given not in (None, "") else _money(ln.amount * ln.tax_rate)
        ln.gross_amount = ln.amount + ln.tax_amount
        net += ln.amount
        tax += ln.tax_amount
    sign = -1 if doc.red else 1
    doc.net_total, doc.tax_total, doc.total = net * sign, tax * sign, (net + tax) * sign


def _invoice_header(invoice_no: str, vat_kind: str) -> None:
    problems = []
    if vat_kind not in VAT_KINDS:
        problems.append(ValidationError("error.purchasing.vat_kind", field=F_VAT_KIND))
    if len(invoice_no or "") > 40:
        problems.append(ValidationError("error.purchasing.invoice_no", field=F_INVOICE_NO))
    raise_if(problems)


@use_case("purchasing.invoice.create", zh="新建采购发票", en="Create purchase invoice")
def create_invoice(ctx: Context, *, doc_date: dt.date, lines: Sequence[Mapping[str, Any]], invoice_no: str = "",
                   vat_kind: str = "special", red: bool = False, department_id: int | None = None,
                   remarks: str = "", return_id: int | None = None) -> int:
    """A draft supplier invoice matched to POSTED receipt lines (an invoice that arrives before the goods waits
    for their receipt); lines: receipt_line_id, quantity, unit_price (excl. VAT), tax_rate (default: the
    order line's), tax_amount (default: rate x net). ``red``: a red invoice (红字发票) against lines already
    invoiced, e.g. after a return (``return_id``: that return, linked upstream of the red invoice)."""
    day = _date(doc_date)
    _invoice_header(invoice_no, vat_kind)
    _header(ctx, department_id=department_id, warehouse_id=None)
    clean, supplier = _invoice_lines(ctx, lines, red=bool(red))
    doc = k.create_document(ctx, PURCHASE_INVOICE, doc_date=day, lines=_kernel_lines(clean), partner_id=supplier,
                            department_id=department_id, remarks=(remarks or "")[:2000],
                            invoice_no=(invoice_no or "").strip(), vat_kind=vat_kind, red=bool(red),
                            prepare=lambda d: _fill_invoice(d, clean))
    if return_id is not None:
        returned = _load(ctx, PURCHASE_RETURN, return_id)
        if not red or returned.partner_id != supplier:
            raise ValidationError("error.purchasing.red_for_return", field=F_RECEIPT_LINE)
        k.link(ctx, PURCHASE_RETURN, returned, PURCHASE_INVOICE, doc)
    ctx.session.flush()
    return doc.id


@use_case("purchasing.invoice.edit", zh="修改采购发票", en="Edit purchase invoice")
def edit_invoice(ctx: Context, *, invoice_id: int, version: int, lines: Sequence[Mapping[str, Any]],
                 invoice_no: str = "", vat_kind: str = "special", department_id: int | None = None,
                 remarks: str = "") -> None:
    doc = _load(ctx, PURCHASE_INVOICE, invoice_id, version)
    _invoice_header(invoice_no, vat_kind)
    _header(ctx, department_id=department_id, warehouse_id=None)
    clean, supplier = _invoice_lines(ctx, lines, red=doc.red)
    k.update_document(ctx, PURCHASE_INVOICE, doc, version=version, lines=_kernel_lines(clean), partner_id=supplier,
                      department_id=department_id, remarks=(remarks or "")[:2000],
                      invoice_no=(invoice_no or "").strip(), vat_kind=vat_kind,
                      prepare=lambda d: _fill_invoice(d, clean))


@use_case("purchasing.invoice.post", zh="过账采购发票", en="Post purchase invoice")
def post_invoice(ctx: Context, *, invoice_id: int, version: int | None = None) -> int:
    """The invoice's voucher (by the company's method, 单到回冲 or 单到补差) and the stock revaluation of any
    price difference; the receipt and order lines count the quantity as invoiced. Returns the voucher id."""
    doc = _load(ctx, PURCHASE_INVOICE, invoice_id, version, lock=True)
    k.lock_upstream_lines(ctx, [(PURCHASE_RECEIPT, ln.receipt_line_id) for ln in doc.lines],
                          order_type=PURCHASE_ORDER)  # the checks below read what postings before it committed
    problems: list[ValidationError] = []
    wanted: dict[int, Decimal] = {}
    pairs = []
    for i, ln in enumerate(doc.lines, start=1):
        rl = _posted_receipt_line(ctx, ln.receipt_line_id, i, F_RECEIPT_LINE, problems)
        if rl is None:
            continue
        wanted[rl.id] = wanted.get(rl.id, ZERO) + ln.ordered_qty
        room = rl.invoiced_qty if doc.red else rl.ordered_qty - rl.returned_qty - rl.invoiced_qty
        if wanted[rl.id] > room:
            problems.append(ValidationError(
                "error.purchasing.red_over_invoiced" if doc.red else "error.purchasing.over_invoice",
                field=F_QTY, line=i, number=rl.header.number, room=f"{room.normalize():f}"))
        pairs.append((rl, ln))
    raise_if(problems)
    k.post_document(ctx, PURCHASE_INVOICE, doc)
    sign = -1 if doc.red else 1
    for rl, ln in pairs:
        k.link(ctx, PURCHASE_RECEIPT, rl.header, PURCHASE_INVOICE, doc, from_line=rl, to_line=ln,
               quantity=ln.ordered_qty * sign, counts_as="invoiced")
        if rl.order_line_id is not None:
            ol = ctx.session.get(PurchaseOrderLine, rl.order_line_id)
            k.link(ctx, PURCHASE_ORDER, ol.header, PURCHASE_INVOICE, doc, from_line=ol, to_line=ln,
                   quantity=ln.ordered_qty * sign, counts_as="invoiced")
    return doc.voucher_id


@use_case("purchasing.invoice.cancel", zh="作废采购发票", en="Cancel purchase invoice")
def cancel_invoice(ctx: Context, *, invoice_id: int, version: int | None = None) -> str:
    doc = _load(ctx, PURCHASE_INVOICE, invoice_id, version, lock=True)
    return k.transition(ctx, PURCHASE_INVOICE, doc, "cancel")


@use_case("purchasing.invoice.reverse", zh="红冲采购发票", en="Reverse purchase invoice")
def reverse_invoice(ctx: Context, *, invoice_id: int, doc_date: dt.date | None = None, comment: str = "") -> int:
    """The whole invoice negated (voucher and stock revaluation); the lines count back as not invoiced."""
    doc = _load(ctx, PURCHASE_INVOICE, invoice_id, lock=True)
    return k.reverse_document(ctx, PURCHASE_INVOICE, doc, doc_date=doc_date, comment=comment).id


# --- purchase returns ---------------------------------------------------------------------------------------

@use_case("purchasing.return.create", zh="新建采购退货单", en="Create purchase return")
def create_return(ctx: Context, *, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                  department_id: int | None = None, remarks: str = "") -> int:
    """A draft return against posted receipt lines (quantity up to what was received and not yet returned),
    valued at the receipt's cost. Goods already invoiced need a red invoice as well (create_invoice red=True)."""
    day = _date(doc_date)
    _header(ctx, department_id=department_id, warehouse_id=None)
    clean, supplier = _return_lines(ctx, lines)
    doc = k.create_document(ctx, PURCHASE_RETURN, doc_date=day, lines=_kernel_lines(clean), partner_id=supplier,
                            department_id=department_id, remarks=(remarks or "")[:2000])
    for ln, row in zip(doc.lines, clean, strict=True):
        ln.receipt_line_id = row["receipt_line"].id
    ctx.session.flush()
    return doc.id


def _return_lines(ctx: Context, lines: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out, suppliers = [], set()
    wanted: dict[int, Decimal] = {}
    for i, ln in enumerate(lines or [], start=1):
        rl = _posted_receipt_line(ctx, ln.get("receipt_line_id"), i, F_RECEIPT_LINE, problems)
        qty = k.line_number(ln.get("quantity"), F_QTY, i, problems)
        if rl is None:
            continue
        suppliers.add(rl.header.partner_id)
        if qty is not None:
            wanted[rl.id] = wanted.get(rl.id, ZERO) + qty
            room = rl.ordered_qty - rl.returned_qty
            if wanted[rl.id] > room:
                problems.append(ValidationError("error.purchasing.over_return", field=F_QTY, line=i,
                                                number=rl.header.number, room=f"{room.normalize():f}"))
        out.append({"receipt_line": rl, "product_id": rl.product_id, "ordered_qty": qty,
                    "unit_price": rl.unit_price, "warehouse_id": rl.warehouse_id,
                    "remarks": str(ln.get("remarks") or "")[:200]})
    if len(suppliers) > 1:
        problems.append(ValidationError("error.purchasing.one_supplier", field=F_RECEIPT_LINE))
    raise_if(problems)
    return out, suppliers.pop()


@use_case("purchasing.return.post", zh="过账采购退货单", en="Post purchase return")
def post_return(ctx: Context, *, return_id: int, version: int | None = None) -> int:
    """Stock moves "issue" at the receipt cost and Dr accrued_payable / Cr stock; the receipt and order lines
    count the quantity as returned (the order's progress goes back)."""
    from erp_core.purchasing.models import PurchaseReturn  # noqa: F401  (type of doc)

    doc = _load(ctx, PURCHASE_RETURN, return_id, version, lock=True)
    k.lock_upstream_lines(ctx, [(PURCHASE_RECEIPT, ln.receipt_line_id) for ln in doc.lines],
                          order_type=PURCHASE_ORDER)  # the checks below read what postings before it committed
    problems: list[ValidationError] = []
    pairs = []
    for i, ln in enumerate(doc.lines, start=1):
        rl = _posted_receipt_line(ctx, ln.receipt_line_id, i, F_RECEIPT_LINE, problems)
        if rl is not None and rl.returned_qty + ln.ordered_qty > rl.ordered_qty:
            problems.append(ValidationError("error.purchasing.over_return", field=F_QTY, line=i,
                                            number=rl.header.number,
                                            room=f"{(rl.ordered_qty - rl.returned_qty).normalize():f}"))
        pairs.append((rl, ln))
    raise_if(problems)
    k.post_document(ctx, PURCHASE_RETURN, doc)
    for rl, ln in pairs:
        k.link(ctx, PURCHASE_RECEIPT, rl.header, PURCHASE_RETURN, doc, from_line=rl, to_line=ln,
               quantity=ln.ordered_qty, counts_as="returned")
        if rl.order_line_id is not None:
            ol = ctx.session.get(PurchaseOrderLine, rl.order_line_id)
            k.link(ctx, PURCHASE_ORDER, ol.header, PURCHASE_RETURN, doc, from_line=ol, to_line=ln,
                   quantity=ln.ordered_qty, counts_as="returned")
    return doc.voucher_id


@use_case("purchasing.return.cancel", zh="作废采购退货单", en="Cancel purchase return")
def cancel_return(ctx: Context, *, return_id: int, version: int | None = None) -> str:
    doc = _load(ctx, PURCHASE_RETURN, return_id, version, lock=True)
    return k.transition(ctx, PURCHASE_RETURN, doc, "cancel")


# --- setting ------------------------------------------------------------------------------------------------

@use_case("purchasing.setting.edit", zh="修改采购设置", en="Change purchasing settings")
def set_purchase_setting(ctx: Context, *, over_receipt_pct: Any = "0", invoice_method: str = "reverse") -> None:
    """超收容差 % (0..100: receipts may exceed the ordered quantity by this much) and the invoice method:
    "reverse" 单到回冲 (red the 暂估, then book at the invoice price) or "difference" 单到补差."""
    problems: list[ValidationError] = []
    pct = k.line_number(over_receipt_pct, F_TOLERANCE, 0, problems, positive=False)
    if pct is not None and pct > 100:
        problems.append(ValidationError("error.purchasing.tolerance_range", field=F_TOLERANCE))
    if invoice_method not in INVOICE_METHODS:
        problems.append(ValidationError("error.purchasing.invoice_method", field=F_METHOD))
    raise_if(problems)
    row = ctx.session.get(PurchaseSetting, _company(ctx))
    if row is None:
        row = PurchaseSetting(company_id=_company(ctx), over_receipt_pct=ZERO, invoice_method="reverse")
        ctx.session.add(row)
    ctx.diff(row, over_receipt_pct=pct, invoice_method=invoice_method)
    row.updated_by = ctx.actor.user_id
    ctx.session.flush()
    ctx.audit("purchase_setting", _company(ctx))
