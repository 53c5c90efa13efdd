"""Purchasing invariants for `erp check`: every posted receipt, invoice and return has what its posting wrote.

- a posted document names its voucher, and that voucher exists in its company (posted, or a draft for review
  when the company's vouchers from documents are drafts);
- a posted receipt or return (and an invoice whose price differed from the 暂估) names its stock posting, and
  that posting exists under the document's key ``doc:<type>:<id>`` with as many moves as the document posts;
- the quantity an order line counts as received / invoiced / returned equals the sum of its links.

(The stock ledger's value against the stock account is inventory.queries.stock_vs_ledger, on the stock page.)
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database
from erp_core.documents.models import DocumentLink
from erp_core.purchasing.models import (
    PurchaseInvoice,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReturn,
)

_POSTED = ((PurchaseReceipt, "purchase_receipt", True), (PurchaseReturn, "purchase_return", True),
           (PurchaseInvoice, "purchase_invoice", False))


def purchasing_problems(session, company_id: int | None = None) -> list[Problem]:
    from erp_core.finance.models import Voucher
    from erp_core.inventory.models import StockPosting

    out: list[Problem] = []
    for model, code, needs_stock in _POSTED:
        stmt = select(model).where(model.posted_at.is_not(None))
        if company_id is not None:
            stmt = stmt.where(model.company_id == company_id)
        for doc in session.execute(stmt).scalars():
            voucher = session.get(Voucher, doc.voucher_id) if doc.voucher_id is not None else None
            if voucher is None or voucher.company_id != doc.company_id:
                out.append(Problem("check.problem.purchasing.no_voucher", {"number": doc.number}))
            if doc.stock_posting_id is None:
                if needs_stock:
                    out.append(Problem("check.problem.purchasing.no_stock", {"number": doc.number}))
                continue
            posting = session.get(StockPosting, doc.stock_posting_id)
            if posting is None or posting.posting_key != f"doc:{code}:{doc.id}" or (
                    needs_stock and posting.move_count != len(doc.lines)):
                out.append(Problem("check.problem.purchasing.no_stock", {"number": doc.number}))
    counted = {}
    stmt = select(DocumentLink.from_line, DocumentLink.counts_as, func.count(), func.sum(DocumentLink.quantity)).where(
        DocumentLink.from_type == "purchase_order", DocumentLink.counts_as.is_not(None)).group_by(
        DocumentLink.from_line, DocumentLink.counts_as)
    if company_id is not None:
        stmt = stmt.where(DocumentLink.company_id == company_id)
    for line_id, counts_as, _n, total in session.execute(stmt):
        counted[(line_id, counts_as)] = Decimal(total or 0)
    stmt = select(PurchaseOrderLine)
    for ln in session.execute(stmt).scalars():
        if company_id is not None and ln.header.company_id != company_id:
            continue
        for what in ("received", "invoiced", "returned"):
            want = counted.get((ln.id, what), Decimal(0))
            if getattr(ln, f"{what}_qty") != want:
                out.append(Problem("check.problem.purchasing.counts", {"number": ln.header.number,
                                                                       "line": ln.line_no, "what": what}))
    return out


@check("purchasing")
def purchasing(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return purchasing_problems(uow.session)
