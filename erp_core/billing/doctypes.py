"""The billing document types, declared as data (docs/documents.md, docs/receivables.md):

- 销售发票 ``sales_invoice`` (open item "receivable"): per line Dr receivable (gross, customer) / Cr revenue (net,
  by the product's category through account_for) / Cr output VAT (销项). A line invoiced before its goods are
  delivered (``advance``) credits 预收账款 (advance_receipt) instead of revenue. A red invoice posts the negation.
- 收款单 ``receipt``: lines settle open receivables (cash ``amount`` + ``discount`` + ``writeoff``) or, with no
  item, are received in advance (预收). Posting: Dr bank (the cash), Dr cash_discount (现金折扣, 财务费用),
  Dr bad_debt (坏账), Cr receivable per settled line, Cr advance_receipt for the advance part. Its advance part is
  an open item of kind "advance" (goods or money we still owe the customer), applied by a 预收冲应收.
- 预收冲应收 ``advance_apply``: Dr advance_receipt / Cr receivable.
- 应收冲应付 ``arap_offset``: Dr payable (supplier) / Cr receivable (customer) of the same partner.
- 收入确认 ``revenue_recognition``: goods invoiced before delivery, now delivered: Dr advance_receipt (customer) /
  Cr revenue for the delivered quantity at the advance invoice line's net price.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from erp_core.billing.models import (
    AdvanceApplication,
    AdvanceApplicationLine,
    ArApOffset,
    ArApOffsetLine,
    Receipt,
    ReceiptLine,
    RevenueRecognition,
    RevenueRecognitionLine,
    SalesInvoice,
    SalesInvoiceLine,
)
from erp_core.documents.accounts import account_for
from erp_core.documents.registry import DocumentType, PostingSpec, register
from erp_core.kernel.workflow import Workflow

ZERO = Decimal(0)
POSTED_FLOW = ("draft", "posted", "reversed", "cancelled")


def _flow(name: str) -> Workflow:
    return Workflow(name, POSTED_FLOW, [("post", "draft", "posted"), ("reverse", "posted", "reversed"),
                                        ("cancel", "draft", "cancelled")])


def _voucher(entries: Iterable[tuple[str, Decimal, str, dict[str, int]]], *, sign: int = 1) -> list[dict[str, Any]]:
    """Signed entries (account, amount: + debit / - credit, summary, dimensions) summed per account, summary and
    dimensions in first-seen order, zero sums dropped."""
    sums: dict[tuple[str, str, tuple], Decimal] = {}
    for account, amount, summary, dims in entries:
        key = (account, summary[:200], tuple(sorted(dims.items())))
        sums[key] = sums.get(key, ZERO) + amount * sign
    out = []
    for (account, summary, dims), amount in sums.items():
        if amount == 0:
            continue
        out.append({"account_code": account, "debit": amount if amount > 0 else ZERO,
                    "credit": -amount if amount < 0 else ZERO, "summary": summary, **dict(dims)})
    return out


def invoice_posting(ctx: Any, doc: SalesInvoice) -> PostingSpec:
    cust = doc.partner_id
    c = {"customer_id": cust}
    no = doc.number + (f"（发票号 {doc.invoice_no}）" if doc.invoice_no else "")
    receivable = account_for(ctx, "receivable", partner_id=cust)
    advance = account_for(ctx, "advance_receipt", partner_id=cust)
    # revenue by department and project (a promotion's sales on its project), as the source documents had them
    dims = {k: v for k, v in (("department_id", doc.department_id), ("project_id", doc.project_id)) if v}
    entries = []
    for ln in doc.lines:
        entries.append((receivable, ln.amount + ln.tax_amount, f"应收账款 {no}", c))
        if ln.advance:
            entries.append((advance, -ln.amount, f"预收（先开票后发货） {no}", c))
        else:
            entries.append((account_for(ctx, "revenue", product_id=ln.product_id, partner_id=cust), -ln.amount,
                            f"主营业务收入 {no}", dims))
        entries.append((account_for(ctx, "output_vat", product_id=ln.product_id, partner_id=cust),
                        -ln.tax_amount, f"销项税额 {no}", {}))
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=_voucher(entries, sign=-1 if doc.red else 1))


def advance_part(session: Any, doc: Receipt) -> Decimal:
    """The receipt's advance part (its lines that settle no item); a red copy's is its original's, negated."""
    if doc.reverses_id is not None:
        original = session.get(Receipt, doc.reverses_id)
        return -advance_part(session, original) if original is not None else ZERO
    return sum((ln.amount for ln in doc.lines if ln.item_type is None), ZERO)


def receipt_posting(ctx: Any, doc: Receipt) -> PostingSpec:
    """A red copy (reverse_document) has the kernel's columns only: its voucher is the original's negated by
    the kernel, so this builds the original's."""
    cust = doc.partner_id
    c = {"customer_id": cust}
    receivable = account_for(ctx, "receivable", partner_id=cust)
    entries = []
    for ln in doc.lines:
        discount, writeoff = ln.discount or ZERO, ln.writeoff or ZERO
        if ln.item_type is None:
            entries.append((account_for(ctx, "advance_receipt", partner_id=cust), -ln.amount, f"预收 {doc.number}",
                            c))
        else:
            entries.append((receivable, -(ln.amount + discount + writeoff), f"收款 {doc.number} {ln.remarks}", c))
        if discount:
            entries.append((account_for(ctx, "cash_discount", partner_id=cust, partner_kind="customer"), discount,
                            f"现金折扣 {doc.number} {ln.remarks}", {}))
        if writeoff:
            entries.append((account_for(ctx, "bad_debt", partner_id=cust, partner_kind="customer"), writeoff,
                            f"坏账核销 {doc.number} {ln.remarks}", {}))
    bank = [(doc.account_code or account_for(ctx, "bank"), doc.total, f"收款 {doc.number}", {})]
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=_voucher(bank + entries))


def apply_posting(ctx: Any, doc: AdvanceApplication) -> PostingSpec:
    cust = doc.partner_id
    c = {"customer_id": cust}
    entries = [(account_for(ctx, "advance_receipt", partner_id=cust), doc.total, f"预收冲应收 {doc.number}", c)]
    entries += [(account_for(ctx, "receivable", partner_id=cust), -ln.amount, f"预收冲应收 {doc.number} {ln.remarks}",
                 c) for ln in doc.lines]
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=_voucher(entries))


def offset_posting(ctx: Any, doc: ArApOffset) -> PostingSpec:
    entries = [(account_for(ctx, "payable", partner_id=doc.supplier_id), doc.total, f"应收冲应付 {doc.number}",
                {"supplier_id": doc.supplier_id})]
    entries += [(account_for(ctx, "receivable", partner_id=doc.partner_id), -ln.amount,
                 f"应收冲应付 {doc.number} {ln.remarks}", {"customer_id": doc.partner_id}) for ln in doc.lines]
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=_voucher(entries))


def recognition_posting(ctx: Any, doc: RevenueRecognition) -> PostingSpec:
    cust = doc.partner_id
    entries = []
    for ln in doc.lines:
        entries.append((account_for(ctx, "advance_receipt", partner_id=cust), ln.amount, f"收入确认 {doc.number}",
                        {"customer_id": cust}))
        entries.append((account_for(ctx, "revenue", product_id=ln.product_id, partner_id=cust), -ln.amount,
                        f"主营业务收入（先开票后发货） {doc.number}", {}))
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=_voucher(entries))


SALES_INVOICE = register(DocumentType(
    code="sales_invoice", zh="销售发票", en="Sales invoice", prefix="SI", header=SalesInvoice,
    line=SalesInvoiceLine, workflow=_flow("sales_invoice"), tracks=(), posting=invoice_posting,
    reverse_action="reverse", approval_actions=(),
    extra={"open_item": "receivable", "header_fields": ("invoice_no", "vat_kind", "red", "red_reason",
                                                        "original_id", "due_date", "source_no")}))
RECEIPT = register(DocumentType(
    code="receipt", zh="收款单", en="Receipt", prefix="SK", header=Receipt, line=ReceiptLine,
    workflow=_flow("receipt"), tracks=(), posting=receipt_posting, reverse_action="reverse", approval_actions=(),
    extra={"open_item": "advance", "open_amount": advance_part, "header_fields": ("account_code", "source_no"),
           "settles": "receivable"}))
ADVANCE_APPLY = register(DocumentType(
    code="advance_apply", zh="预收冲应收", en="Advance applied", prefix="YSCY", header=AdvanceApplication,
    line=AdvanceApplicationLine, workflow=Workflow("advance_apply", ("draft", "posted", "reversed"), [
        ("post", "draft", "posted"), ("reverse", "posted", "reversed")]),
    tracks=(), posting=apply_posting, reverse_action="reverse", approval_actions=()))
ARAP_OFFSET = register(DocumentType(
    code="arap_offset", zh="应收冲应付", en="Receivable offset against payable", prefix="YSYF", header=ArApOffset,
    line=ArApOffsetLine, workflow=Workflow("arap_offset", ("draft", "posted", "reversed"), [
        ("post", "draft", "posted"), ("reverse", "posted", "reversed")]),
    tracks=(), posting=offset_posting, reverse_action="reverse", approval_actions=(),
    extra={"header_fields": ("supplier_id",)}))
REVENUE_RECOGNITION = register(DocumentType(
    code="revenue_recognition", zh="收入确认", en="Revenue recognition", prefix="SRQR", header=RevenueRecognition,
    line=RevenueRecognitionLine, workflow=Workflow("revenue_recognition", ("draft", "posted", "reversed"), [
        ("post", "draft", "posted"), ("reverse", "posted", "reversed")]),
    tracks=(), posting=recognition_posting, reverse_action="reverse", approval_actions=(),
    extra={"red_copy_line_fields": {"invoice_line_id": "copy", "delivery_line_id": "copy"}}))
TYPES = (SALES_INVOICE, RECEIPT, ADVANCE_APPLY, ARAP_OFFSET, REVENUE_RECOGNITION)
