"""Sales invariants for `erp check`:

- a posted delivery or return names its voucher (existing in its company) and its stock posting under the key
  ``doc:<type>:<id>`` with one move per line (delivery vs stock moves / voucher);
- the quantity an order line (delivered = received, invoiced, returned), a delivery line (invoiced, returned) or
  a return line (invoiced = credited by a red invoice naming the return) counts equals the sum of its links
  (order progress vs lines), and a return line is never credited beyond what it took back;
- reservations: a line of an order that is not confirmed holds nothing (by the rule), and a confirmed line never
  reserves more than it ordered; unless the company allows over-reservation, the open reservations of a
  warehouse and product do not exceed its stock on hand.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database
from erp_core.documents.models import DocumentLink
from erp_core.sales.models import (
    SalesDelivery,
    SalesDeliveryLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
)

_POSTED = ((SalesDelivery, "sales_delivery"), (SalesReturn, "sales_return"))
_COUNTED = ((SalesOrderLine, "sales_order", ("received", "invoiced", "returned")),
            (SalesDeliveryLine, "sales_delivery", ("invoiced", "returned")),
            (SalesReturnLine, "sales_return", ("invoiced",)))


def sales_problems(session, company_id: int | None = None) -> list[Problem]:
    from erp_core.finance.models import Voucher
    from erp_core.inventory.models import StockPosting
    from erp_core.sales import rules

    out: list[Problem] = []
    for model, code in _POSTED:
        stmt = select(model).where(model.posted_at.is_not(None))
        if company_id is not None:
            stmt = stmt.where(model.company_id == company_id)
        for doc in session.execute(stmt).scalars():
            voucher = session.get(Voucher, doc.voucher_id) if doc.voucher_id is not None else None
            if (voucher is None or voucher.company_id != doc.company_id) and doc.cost_total != 0:
                out.append(Problem("check.problem.sales.no_voucher", {"number": doc.number}))
            posting = session.get(StockPosting, doc.stock_posting_id) if doc.stock_posting_id else None
            if posting is None or posting.posting_key != f"doc:{code}:{doc.id}" or \
                    posting.move_count != len(doc.lines):
                out.append(Problem("check.problem.sales.no_stock", {"number": doc.number}))
    for model, code, tracked in _COUNTED:
        counted: dict[tuple[int, str], Decimal] = {}
        stmt = select(DocumentLink.from_line, DocumentLink.counts_as, func.sum(DocumentLink.quantity)).where(
            DocumentLink.from_type == code, DocumentLink.counts_as.is_not(None)).group_by(
            DocumentLink.from_line, DocumentLink.counts_as)
        if company_id is not None:
            stmt = stmt.where(DocumentLink.company_id == company_id)
        for line_id, counts_as, total in session.execute(stmt):
            counted[(line_id, counts_as)] = Decimal(total or 0)
        for ln in session.execute(select(model)).scalars():
            if company_id is not None and ln.header.company_id != company_id:
                continue
            for what in tracked:
                if getattr(ln, f"{what}_qty") != counted.get((ln.id, what), Decimal(0)):
                    out.append(Problem("check.problem.sales.counts", {"number": ln.header.number,
                                                                      "line": ln.line_no, "what": what}))
            if code == "sales_return" and not Decimal(0) <= ln.invoiced_qty <= ln.ordered_qty:
                out.append(Problem("check.problem.sales.return_over_credited", {"number": ln.header.number,
                                                                                "line": ln.line_no}))
    held: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    stmt = select(SalesOrder).where(SalesOrder.status.in_(rules.OPEN_ORDER))
    if company_id is not None:
        stmt = stmt.where(SalesOrder.company_id == company_id)
    for order in session.execute(stmt).scalars():
        for ln in order.lines:
            if ln.reserved_qty > ln.ordered_qty:
                out.append(Problem("check.problem.sales.over_reserved_line", {"number": order.number,
                                                                              "line": ln.line_no}))
            wh = rules.order_line_warehouse(order, ln)
            if wh is not None and ln.product_id is not None:
                held[(order.company_id, wh, ln.product_id)] += rules.open_reservation(ln)
    for (cid, wh, pid), qty in sorted(held.items()):
        if qty <= 0 or rules.setting(session, cid).allow_over_reserve:
            continue
        on_hand = rules.on_hand(session, cid, wh, pid)
        if qty > on_hand:
            out.append(Problem("check.problem.sales.reserved_over_stock", {
                "warehouse": wh, "product": pid, "reserved": f"{qty.normalize():f}",
                "on_hand": f"{on_hand.normalize():f}"}))
    return out


@check("sales")
def sales(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return sales_problems(uow.session)
