"""The sales document types (docs/documents.md, docs/sales.md): workflows as data, the order's approval facts and
the posting functions of deliveries and returns. Found by code through documents.registry.KNOWN_TYPES.

Postings (accounts only through documents.accounts.account_for; amounts with inventory.posting.move_amount so the
stock ledger and the voucher agree to the fen):

- delivery  stock moves "issue" at inventory.valuation.issue_unit_cost on the ship date (month-end average:
            the quantity leaves now, the costing run sets the cost later);  Dr cogs (主营业务成本) / Cr stock
- return    stock moves "receipt" at the original delivery line's cost;     Dr stock / Cr cogs

Revenue, output VAT and the receivable are posted by the sales invoice (billing), not by the delivery.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents import accounts
from erp_core.documents.registry import DocumentType, PostingSpec, register
from erp_core.inventory import valuation
from erp_core.inventory.posting import move_amount
from erp_core.kernel.workflow import Workflow
from erp_core.sales.models import (
    ZERO,
    SalesDelivery,
    SalesDeliveryLine,
    SalesOrder,
    SalesOrderLine,
    SalesQuotation,
    SalesQuotationLine,
    SalesReturn,
    SalesReturnLine,
)

QUOTATION_FLOW = Workflow("sales_quotation", ("draft", "sent", "accepted", "rejected", "cancelled"), [
    ("send", "draft", "sent"),
    ("accept", ("draft", "sent"), "accepted"),  # turned into an order
    ("reject", "sent", "rejected"),
    ("cancel", ("draft", "sent"), "cancelled"),
])
ORDER_FLOW = Workflow("sales_order", ("draft", "submitted", "confirmed", "closed", "cancelled"), [
    ("submit", "draft", "submitted"),
    ("reopen", "submitted", "draft"),
    ("confirm", ("draft", "submitted"), "confirmed"),
    ("close", "confirmed", "closed"),
    ("cancel", ("draft", "submitted", "confirmed"), "cancelled"),
])
POSTED_FLOW = ("draft", "posted", "reversed", "cancelled")


def _posted_flow(name: str) -> Workflow:
    return Workflow(name, POSTED_FLOW, [("post", "draft", "posted"), ("reverse", "posted", "reversed"),
                                        ("cancel", "draft", "cancelled")])


DELIVERY_FLOW = _posted_flow("sales_delivery")
RETURN_FLOW = _posted_flow("sales_return")
CONFIRMED = ("confirmed", "closed")  # an order that was confirmed (whatever happened after)
OPEN_ORDER = ("confirmed",)  # an order whose open lines hold reservations and can be delivered


# --- approval facts of the order ----------------------------------------------------------------------------

def order_facts(ctx: Any, doc: SalesOrder) -> dict[str, Any]:
    """amount (total incl. VAT), partner_new (no earlier confirmed order of this customer), credit_exceeded
    (the customer's exposure plus this order over its credit limit, when the company's credit control asks
    for approval), discount_over_limit (a line's discount above the company's limit), below_floor (a line's
    net price under its floor price)."""
    from erp_core.sales import rules

    s = ctx.session
    earlier = s.execute(select(SalesOrder.id).where(
        SalesOrder.company_id == doc.company_id, SalesOrder.partner_id == doc.partner_id,
        SalesOrder.status.in_(CONFIRMED), SalesOrder.id != doc.id).limit(1)).scalar_one_or_none()
    return {"amount": doc.total, "partner_new": earlier is None, **rules.order_checks(ctx, doc)}


# --- postings -----------------------------------------------------------------------------------------------

def _voucher(pairs: dict[tuple[str, str], Decimal], summary: str, doc: Any, cogs: set[str]
             ) -> list[dict[str, Any]]:
    """One debit and one credit line per (debit, credit) pair; the cost-of-sales lines carry the document's
    department and project (the department's gross margin)."""
    dims = {k: v for k, v in (("department_id", doc.department_id), ("project_id", doc.project_id)) if v}
    lines: list[dict[str, Any]] = []
    for (dr, cr), amount in pairs.items():
        if amount == 0:
            continue
        if amount < 0:
            dr, cr, amount = cr, dr, -amount
        lines.append({"account_code": dr, "debit": amount, "credit": ZERO, "summary": summary[:200],
                      **(dims if dr in cogs else {})})
        lines.append({"account_code": cr, "debit": ZERO, "credit": amount, "summary": summary[:200],
                      **(dims if cr in cogs else {})})
    return lines


def _wh(doc: Any, ln: Any) -> int | None:
    return ln.warehouse_id or doc.warehouse_id


def delivery_posting(ctx: Any, doc: SalesDelivery) -> PostingSpec:
    moves, pairs, cogs_codes = [], defaultdict(lambda: ZERO), set()
    total = ZERO
    with ctx.session.no_autoflush:  # the costs are read first: no flush of the lines between the reads
        costs = valuation.issue_unit_costs(ctx, [(ln.product_id, _wh(doc, ln), ln.ordered_qty) for ln in doc.lines],
                                           on=doc.doc_date)
    for ln, cost in zip(doc.lines, costs, strict=True):
        wh = _wh(doc, ln)
        amount = move_amount(ln.ordered_qty, cost)
        ln.cost_price, ln.cost_amount = cost, amount  # the document shows what it left at
        total += amount
        moves.append({"warehouse_id": wh, "product_id": ln.product_id, "quantity": -ln.ordered_qty,
                      "unit_cost": cost, "move_type": "issue"})
        cogs = accounts.account_for(ctx, "cogs", product_id=ln.product_id, warehouse_id=wh,
                                    partner_id=doc.partner_id, partner_kind="customer")
        stock = accounts.account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=wh)
        pairs[(cogs, stock)] += amount
        cogs_codes.add(cogs)
    doc.cost_total = total
    return PostingSpec(posting_date=doc.doc_date, moves=moves,
                       voucher_lines=_voucher(pairs, f"销售出库 {doc.number}", doc, cogs_codes))


def return_posting(ctx: Any, doc: SalesReturn) -> PostingSpec:
    s = ctx.session
    moves, pairs, cogs_codes = [], defaultdict(lambda: ZERO), set()
    total = ZERO
    for ln in doc.lines:
        dl = s.get(SalesDeliveryLine, ln.delivery_line_id)
        wh = _wh(dl.header, dl)
        cost = dl.cost_price
        amount = move_amount(ln.ordered_qty, cost)
        ln.cost_price, ln.cost_amount = cost, amount
        total += amount
        moves.append({"warehouse_id": wh, "product_id": ln.product_id, "quantity": ln.ordered_qty,
                      "unit_cost": cost, "move_type": "receipt"})
        cogs = accounts.account_for(ctx, "cogs", product_id=ln.product_id, warehouse_id=wh,
                                    partner_id=doc.partner_id, partner_kind="customer")
        stock = accounts.account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=wh)
        pairs[(stock, cogs)] += amount
        cogs_codes.add(cogs)
    doc.cost_total = total
    summary = f"销售退货 {doc.number} {doc.reason}".strip()
    return PostingSpec(posting_date=doc.doc_date, moves=moves,
                       voucher_lines=_voucher(pairs, summary, doc, cogs_codes))


_ORDER_FIELDS = ("prices_include_vat", "delivery_date", "salesperson_id", "consignee", "consignee_phone",
                 "ship_address", "quotation_id", "source_no")
_DELIVERY_FIELDS = ("carrier", "shipping_method", "tracking_no", "consignee", "consignee_phone", "ship_address",
                    "salesperson_id", "source_no")

SALES_QUOTATION = register(DocumentType(
    code="sales_quotation", zh="报价单", en="Sales quotation", prefix="SQ", header=SalesQuotation,
    line=SalesQuotationLine, workflow=QUOTATION_FLOW, tracks=(), posting=None, approval_actions=(),
    extra={"header_fields": ("prices_include_vat", "valid_until", "delivery_date", "salesperson_id")}))
SALES_ORDER = register(DocumentType(
    code="sales_order", zh="销售订单", en="Sales order", prefix="SO", header=SalesOrder, line=SalesOrderLine,
    workflow=ORDER_FLOW, tracks=("received", "invoiced", "returned"), approval_facts=order_facts,
    approval_actions=("confirm",), posting=None, extra={"header_fields": _ORDER_FIELDS}))
SALES_DELIVERY = register(DocumentType(
    code="sales_delivery", zh="销售出库单", en="Sales delivery", prefix="SD", header=SalesDelivery,
    line=SalesDeliveryLine, workflow=DELIVERY_FLOW, tracks=("invoiced", "returned"), posting=delivery_posting,
    reverse_action="reverse", approval_actions=(), extra={"header_fields": _DELIVERY_FIELDS}))
SALES_RETURN = register(DocumentType(
    code="sales_return", zh="销售退货单", en="Sales return", prefix="SR", header=SalesReturn,
    line=SalesReturnLine, workflow=RETURN_FLOW, tracks=("invoiced",), posting=return_posting,
    reverse_action="reverse", approval_actions=(), extra={"header_fields": ("reason",)}))
TYPES = (SALES_QUOTATION, SALES_ORDER, SALES_DELIVERY, SALES_RETURN)
