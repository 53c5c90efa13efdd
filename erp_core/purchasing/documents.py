"""The purchasing document types (docs/documents.md): workflows as data, approval facts of the order, and the
posting functions of receipts, invoices and returns. Found by code through documents.registry.KNOWN_TYPES.

Postings (accounts only through documents.accounts.account_for, amounts with inventory.posting.move_amount so
the stock ledger and the voucher agree to the fen):

- receipt  stock moves "receipt" at the order's net price;     Dr stock / Cr accrued_payable (暂估, supplier)
- invoice  per line: A = 暂估 value of the invoiced quantity (receipt cost), N = net amount at the invoice
           price, T = VAT, V = N (专票) or N + T (普票: VAT into cost);
           单到回冲: Dr accrued_payable A / Cr stock A (red the 暂估), then Dr stock V, Dr input_vat T (专票);
           单到补差: Dr accrued_payable A, Dr stock V - A (only the difference), Dr input_vat T (专票);
           both: Cr payable N + T (supplier); the stock side of V - A is a "revaluation" move (value only).
           When part of the product has left the warehouse by the invoice date (sold / issued at the 暂估
           cost), V - A is split in proportion: the on-hand share stays on stock (the revaluation move), the
           rest goes to cost of sales (account_for "cogs", 5401) — split_variance.
- return   stock moves "issue" at the receipt cost;              Dr accrued_payable / Cr stock
A red invoice (``red``) posts the negation of the same lines (for goods returned after invoicing).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents.accounts import account_for
from erp_core.documents.registry import DocumentType, PostingSpec, register
from erp_core.inventory.posting import move_amount
from erp_core.kernel.workflow import Workflow
from erp_core.purchasing.models import (
    ZERO,
    PurchaseInvoice,
    PurchaseInvoiceLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseReturn,
    PurchaseReturnLine,
    PurchaseSetting,
)

ORDER_FLOW = Workflow("purchase_order", ("draft", "submitted", "confirmed", "sent", "closed", "cancelled"), [
    ("submit", "draft", "submitted"),
    ("reopen", "submitted", "draft"),
    ("confirm", ("draft", "submitted"), "confirmed"),
    ("send", "confirmed", "sent"),
    ("close", ("confirmed", "sent"), "closed"),
    ("cancel", ("draft", "submitted", "confirmed"), "cancelled"),
])
POSTED_FLOW = ("draft", "posted", "reversed", "cancelled")


def _posted_flow(name: str) -> Workflow:
    return Workflow(name, POSTED_FLOW, [("post", "draft", "posted"), ("reverse", "posted", "reversed"),
                                        ("cancel", "draft", "cancelled")])


RECEIPT_FLOW = _posted_flow("purchase_receipt")
INVOICE_FLOW = _posted_flow("purchase_invoice")
RETURN_FLOW = _posted_flow("purchase_return")
CONFIRMED = ("confirmed", "sent", "closed")  # an order that was confirmed (whatever happened after)


# --- approval facts of the order ----------------------------------------------------------------------------

def last_confirmed_price(session: Any, company_id: int, product_id: int, *, exclude_id: int | None = None
                         ) -> Decimal | None:
    """The net unit price of ``product_id`` on the company's latest confirmed purchase order (by date, number)."""
    stmt = (select(PurchaseOrderLine.net_price).join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.header_id)
            .where(PurchaseOrder.company_id == company_id, PurchaseOrder.status.in_(CONFIRMED),
                   PurchaseOrderLine.product_id == product_id)
            .order_by(PurchaseOrder.doc_date.desc(), PurchaseOrder.id.desc()).limit(1))
    if exclude_id is not None:
        stmt = stmt.where(PurchaseOrder.id != exclude_id)
    return session.execute(stmt).scalar_one_or_none()


def order_facts(ctx: Any, doc: PurchaseOrder) -> dict[str, Any]:
    """amount (total incl. VAT), partner_new (no earlier confirmed order with this supplier) and
    max_price_increase_pct (largest rise of a line's net price over the product's last confirmed price)."""
    s = ctx.session
    earlier = s.execute(select(PurchaseOrder.id).where(
        PurchaseOrder.company_id == doc.company_id, PurchaseOrder.partner_id == doc.partner_id,
        PurchaseOrder.status.in_(CONFIRMED), PurchaseOrder.id != doc.id).limit(1)).scalar_one_or_none()
    rises = []
    for ln in doc.lines:
        if ln.product_id is None:
            continue
        last = last_confirmed_price(s, doc.company_id, ln.product_id, exclude_id=doc.id)
        if last:
            rises.append(((ln.net_price - last) * 100 / last).quantize(Decimal("0.01")))
    return {"amount": doc.total, "partner_new": earlier is None,
            "max_price_increase_pct": max(rises) if rises else None}


# --- postings -----------------------------------------------------------------------------------------------

def _voucher(entries: Iterable[tuple[str, Decimal, str, int | None]], *, sign: int = 1) -> list[dict[str, Any]]:
    """Signed entries (account, amount: + debit / - credit, summary, supplier id) summed per account, summary
    and supplier in first-seen order, zero sums dropped, as voucher lines."""
    sums: dict[tuple[str, str, int | None], Decimal] = {}
    for account, amount, summary, supplier in entries:
        key = (account, summary, supplier)
        sums[key] = sums.get(key, ZERO) + amount * sign
    out = []
    for (account, summary, supplier), amount in sums.items():
        if amount == 0:
            continue
        line = {"account_code": account, "debit": amount if amount > 0 else ZERO,
                "credit": -amount if amount < 0 else ZERO, "summary": summary[:200]}
        if supplier is not None:
            line["supplier_id"] = supplier
        out.append(line)
    return out


def _wh(doc: Any, ln: Any) -> int | None:
    return ln.warehouse_id or doc.warehouse_id


def receipt_posting(ctx: Any, doc: PurchaseReceipt) -> PostingSpec:
    moves, entries = [], []
    accrued = account_for(ctx, "accrued_payable", partner_id=doc.partner_id)
    for ln in doc.lines:
        wh = _wh(doc, ln)
        amount = move_amount(ln.ordered_qty, ln.unit_price)
        moves.append({"warehouse_id": wh, "product_id": ln.product_id, "quantity": ln.ordered_qty,
                      "unit_cost": ln.unit_price, "move_type": "receipt"})
        entries.append((account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=wh), amount,
                        f"采购入库 {doc.number}", None))
        entries.append((accrued, -amount, f"采购入库暂估 {doc.number}", doc.partner_id))
    return PostingSpec(posting_date=doc.doc_date, moves=moves, voucher_lines=_voucher(entries))


def invoice_method(session: Any, company_id: int) -> str:
    row = session.get(PurchaseSetting, company_id)
    return row.invoice_method if row is not None else "reverse"


def on_hand(session: Any, company_id: int, product_id: int, warehouse_id: int | None, on: Any) -> Decimal:
    """Quantity of ``product_id`` in ``warehouse_id`` at the end of day ``on`` (sum of its stock moves)."""
    from sqlalchemy import func

    from erp_core.inventory.models import StockMove

    stmt = select(func.coalesce(func.sum(StockMove.quantity), 0)).where(
        StockMove.company_id == company_id, StockMove.product_id == product_id, StockMove.move_date <= on)
    if warehouse_id is not None:
        stmt = stmt.where(StockMove.warehouse_id == warehouse_id)
    return Decimal(session.execute(stmt).scalar_one())


def split_variance(diff: Decimal, quantity: Decimal, in_stock: Decimal) -> tuple[Decimal, Decimal]:
    """(stock part, cost-of-sales part) of a price variance ``diff`` on ``quantity`` invoiced units of which
    ``in_stock`` are still on hand: the stock keeps diff x in_stock / quantity (rounded half up to the fen),
    cost of sales takes the rest (the part of the goods already sold or issued). Pure."""
    from decimal import ROUND_HALF_UP

    if quantity <= 0 or in_stock >= quantity:
        return diff, ZERO
    kept = max(in_stock, ZERO)
    stock = (diff * kept / quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return stock, diff - stock


def invoice_posting(ctx: Any, doc: PurchaseInvoice) -> PostingSpec:
    s = ctx.session
    method = invoice_method(s, doc.company_id)
    sign = -1 if doc.red else 1
    accrued = account_for(ctx, "accrued_payable", partner_id=doc.partner_id)
    payable = account_for(ctx, "payable", partner_id=doc.partner_id)
    vat = account_for(ctx, "input_vat", partner_id=doc.partner_id)
    no = doc.number + (f"（发票号 {doc.invoice_no}）" if doc.invoice_no else "")
    moves, entries = [], []
    allotted: dict[tuple[int, int | None], Decimal] = {}  # on-hand quantity already given to earlier lines
    for ln in doc.lines:
        rl = s.get(PurchaseReceiptLine, ln.receipt_line_id)
        wh = _wh(rl.header, rl)
        stock = account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=wh)
        accrued_value = move_amount(ln.ordered_qty, rl.unit_price)
        value = ln.amount + (ln.tax_amount if doc.vat_kind == "ordinary" else ZERO)
        diff = value - accrued_value
        to_stock, to_cogs = diff, ZERO
        if diff != 0 and not doc.red:  # goods of the product already gone: their share goes to cost of sales
            key = (ln.product_id, wh)
            left = on_hand(s, doc.company_id, ln.product_id, wh, doc.doc_date) - allotted.get(key, ZERO)
            kept = min(max(left, ZERO), ln.ordered_qty)
            allotted[key] = allotted.get(key, ZERO) + kept
            to_stock, to_cogs = split_variance(diff, ln.ordered_qty, kept)
        entries.append((accrued, accrued_value, f"冲回暂估 {no}", doc.partner_id))
        if method == "reverse":
            entries.append((stock, -accrued_value, f"冲回暂估 {no}", None))
            entries.append((stock, value - to_cogs, f"采购发票入库成本 {no}", None))
        else:
            entries.append((stock, to_stock, f"采购发票差价 {no}", None))
        if to_cogs != 0:
            entries.append((account_for(ctx, "cogs", product_id=ln.product_id, warehouse_id=wh), to_cogs,
                            f"采购发票差价（已出库部分）{no}", None))
        if doc.vat_kind == "special":
            entries.append((vat, ln.tax_amount, f"进项税额 {no}", None))
        entries.append((payable, -(ln.amount + ln.tax_amount), f"应付账款 {no}", doc.partner_id))
        if to_stock * sign != 0:
            moves.append({"warehouse_id": wh, "product_id": ln.product_id, "quantity": ZERO, "unit_cost": ZERO,
                          "amount": to_stock * sign, "move_type": "revaluation"})
    return PostingSpec(posting_date=doc.doc_date, moves=moves, voucher_lines=_voucher(entries, sign=sign))


def return_posting(ctx: Any, doc: PurchaseReturn) -> PostingSpec:
    s = ctx.session
    moves, entries = [], []
    accrued = account_for(ctx, "accrued_payable", partner_id=doc.partner_id)
    for ln in doc.lines:
        rl = s.get(PurchaseReceiptLine, ln.receipt_line_id)
        wh = _wh(rl.header, rl)
        amount = move_amount(ln.ordered_qty, rl.unit_price)
        moves.append({"warehouse_id": wh, "product_id": ln.product_id, "quantity": -ln.ordered_qty,
                      "unit_cost": rl.unit_price, "move_type": "issue"})
        entries.append((accrued, amount, f"采购退货 {doc.number}", doc.partner_id))
        entries.append((account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=wh), -amount,
                        f"采购退货出库 {doc.number}", None))
    return PostingSpec(posting_date=doc.doc_date, moves=moves, voucher_lines=_voucher(entries))


_ORDER_FIELDS = ("prices_include_vat", "delivery_date")

PURCHASE_ORDER = register(DocumentType(
    code="purchase_order", zh="采购订单", en="Purchase order", prefix="PO", header=PurchaseOrder,
    line=PurchaseOrderLine, workflow=ORDER_FLOW, tracks=("received", "invoiced", "returned"),
    approval_facts=order_facts, approval_actions=("confirm",), posting=None,
    extra={"header_fields": _ORDER_FIELDS}))
PURCHASE_RECEIPT = register(DocumentType(
    code="purchase_receipt", zh="采购入库单", en="Purchase receipt", prefix="PR", header=PurchaseReceipt,
    line=PurchaseReceiptLine, workflow=RECEIPT_FLOW, tracks=("invoiced", "returned"), posting=receipt_posting,
    reverse_action="reverse", approval_actions=()))
PURCHASE_INVOICE = register(DocumentType(
    code="purchase_invoice", zh="采购发票", en="Purchase invoice", prefix="PI", header=PurchaseInvoice,
    line=PurchaseInvoiceLine, workflow=INVOICE_FLOW, tracks=(), posting=invoice_posting,
    reverse_action="reverse", approval_actions=(),
    extra={"open_item": "payable", "header_fields": ("invoice_no", "vat_kind", "red"),
           "red_copy_fields": {"net_total": "negate", "tax_total": "negate"},
           "red_copy_line_fields": {"receipt_line_id": "copy", "tax_rate": "copy", "tax_amount": "negate",
                                    "gross_amount": "negate"}}))
PURCHASE_RETURN = register(DocumentType(
    code="purchase_return", zh="采购退货单", en="Purchase return", prefix="PT", header=PurchaseReturn,
    line=PurchaseReturnLine, workflow=RETURN_FLOW, tracks=(), posting=return_posting, reverse_action="reverse",
    approval_actions=()))
TYPES = (PURCHASE_ORDER, PURCHASE_RECEIPT, PURCHASE_INVOICE, PURCHASE_RETURN)
