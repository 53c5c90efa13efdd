"""The requisition invariant for `erp check`: what a requisition line counts as put on orders (received_qty)
equals the sum of its links to purchase orders (生成采购订单 adds, a cancelled order gives back)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database
from erp_core.documents.models import DocumentLink
from erp_core.purchasing.requisitions.models import PurchaseRequisition, PurchaseRequisitionLine


def requisition_problems(session, company_id: int | None = None) -> list[Problem]:
    counted: dict[int, Decimal] = {}
    stmt = select(DocumentLink.from_line, func.sum(DocumentLink.quantity)).where(
        DocumentLink.from_type == "purchase_requisition", DocumentLink.counts_as == "received").group_by(
        DocumentLink.from_line)
    if company_id is not None:
        stmt = stmt.where(DocumentLink.company_id == company_id)
    for line_id, total in session.execute(stmt):
        counted[line_id] = Decimal(total or 0)
    stmt = select(PurchaseRequisitionLine, PurchaseRequisition.number).join(
        PurchaseRequisition, PurchaseRequisition.id == PurchaseRequisitionLine.header_id)
    if company_id is not None:
        stmt = stmt.where(PurchaseRequisition.company_id == company_id)
    out = []
    for ln, number in session.execute(stmt):
        if ln.received_qty != counted.get(ln.id, Decimal(0)):
            out.append(Problem("check.problem.pur2.requisition_counts", {"number": number, "line": ln.line_no}))
    return out


@check("purchase_requisitions")
def purchase_requisitions(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return requisition_problems(uow.session)
