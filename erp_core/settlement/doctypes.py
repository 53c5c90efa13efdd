"""The two document types of this package, declared as data (docs/documents.md):

- 付款单 ``payment``: lines pay open payables (item_type/item_id) or, with no item, prepay (预付). Posting: Dr the
  payable account per settled line and Dr the prepayment account for the prepaid part (supplier dimension on
  both), Cr the bank or cash account of the header. Its prepaid part is itself an open item of kind
  "prepayment" (what the supplier still owes us in goods), applied later by a 预付冲应付.
- 预付冲应付 ``prepay_apply``: each line applies part of one prepayment to one open payable of the same
  supplier. Posting: Dr payable / Cr prepayment.

Accounts come from documents.accounts.account_for (roles "payable", "prepayment"); the bank/cash account is the
one the header names (a 1001/1002 account), defaulting to account_for("bank").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erp_core.documents.accounts import account_for
from erp_core.documents.registry import DocumentType, PostingSpec, register
from erp_core.kernel.workflow import Workflow
from erp_core.settlement.models import Payment, PaymentLine, PrepaymentApplication, PrepaymentApplicationLine

ZERO = Decimal(0)

PAYMENT_FLOW = Workflow("payment", ("draft", "posted", "reversed", "cancelled"), [
    ("post", "draft", "posted"), ("reverse", "posted", "reversed"), ("cancel", "draft", "cancelled")])
APPLY_FLOW = Workflow("prepay_apply", ("draft", "posted", "reversed"), [
    ("post", "draft", "posted"), ("reverse", "posted", "reversed")])


def prepaid_part(session: Any, doc: Payment) -> Decimal:
    """The payment's prepaid part (its lines that pay no item); a red copy's is its original's, negated (the red
    copy's lines carry no item: reverse_document copies the kernel's columns only)."""
    if doc.reverses_id is not None:
        original = session.get(Payment, doc.reverses_id)
        return -prepaid_part(session, original) if original is not None else ZERO
    return sum((ln.amount for ln in doc.lines if ln.item_type is None), ZERO)


def payment_facts(ctx: Any, doc: Payment) -> dict[str, Any]:
    """What approval rules look at: the amount paid ("payments above X"), and whether the supplier is new to us
    (no payment of ours posted to them yet)."""
    from sqlalchemy import func, select

    earlier = ctx.session.execute(select(func.count()).select_from(Payment).where(
        Payment.company_id == doc.company_id, Payment.partner_id == doc.partner_id, Payment.posted_at.is_not(None),
        Payment.id != doc.id)).scalar_one()
    return {"amount": doc.total, "partner_new": earlier == 0}


def _summary(kind: str, doc: Any, other: str = "") -> str:
    return f"{kind} {doc.number}{(' ' + other) if other else ''}"[:200]


def payment_posting(ctx: Any, doc: Payment) -> PostingSpec:
    supplier = doc.partner_id
    payable = account_for(ctx, "payable", partner_id=supplier)
    prepay = account_for(ctx, "prepayment", partner_id=supplier)
    lines: list[dict[str, Any]] = []
    for ln in doc.lines:
        if ln.item_type is None:
            lines.append({"account_code": prepay, "debit": ln.amount, "credit": ZERO, "supplier_id": supplier,
                          "summary": _summary("预付", doc)})
        else:
            lines.append({"account_code": payable, "debit": ln.amount, "credit": ZERO, "supplier_id": supplier,
                          "summary": _summary("付款", doc, ln.remarks)})
    lines.append({"account_code": doc.account_code or account_for(ctx, "bank"), "debit": ZERO, "credit": doc.total,
                  "summary": _summary("付款", doc)})
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=lines)


def apply_posting(ctx: Any, doc: PrepaymentApplication) -> PostingSpec:
    supplier = doc.partner_id
    payable = account_for(ctx, "payable", partner_id=supplier)
    prepay = account_for(ctx, "prepayment", partner_id=supplier)
    lines = [{"account_code": payable, "debit": ln.amount, "credit": ZERO, "supplier_id": supplier,
              "summary": _summary("预付冲应付", doc, ln.remarks)} for ln in doc.lines]
    lines.append({"account_code": prepay, "debit": ZERO, "credit": doc.total, "supplier_id": supplier,
                  "summary": _summary("预付冲应付", doc)})
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=lines)


PAYMENT = register(DocumentType(
    code="payment", zh="付款单", en="Payment", prefix="FK", header=Payment, line=PaymentLine,
    workflow=PAYMENT_FLOW, tracks=(), posting=payment_posting, reverse_action="reverse",
    approval_facts=payment_facts, approval_actions=("post",),
    extra={"open_item": "prepayment", "open_amount": prepaid_part, "header_fields": ("account_code",),
           "settles": "payable"}))

PREPAY_APPLY = register(DocumentType(
    code="prepay_apply", zh="预付冲应付", en="Prepayment applied", prefix="YFCY", header=PrepaymentApplication,
    line=PrepaymentApplicationLine, workflow=APPLY_FLOW, tracks=(), posting=apply_posting,
    reverse_action="reverse", approval_actions=()))
