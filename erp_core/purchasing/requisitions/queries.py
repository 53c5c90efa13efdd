"""Read side of purchase requisitions (请购单): the list with filters under the actor's row scope (department of
the requisition, or requisitions the actor created), one requisition with its lines (ordered so far, open, the
supplier an order would go to), links both ways and step history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from erp_core.db.like import contains
from erp_core.purchasing.queries import _detail, _names
from erp_core.purchasing.requisitions import invariants  # noqa: F401  (registers the check of `erp check`)
from erp_core.purchasing.requisitions.documents import PURCHASE_REQUISITION
from erp_core.purchasing.requisitions.models import PurchaseRequisition
from erp_core.security.scope import scoped
from erp_core.usecase import Context, query

VIEW = ("purchasing.requisition.view", "查看请购单", "View purchase requisitions")


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_requisitions(ctx: Context, *, status: str | None = None, progress: str | None = None,
                      department_id: int | None = None, date_from: dt.date | None = None,
                      date_to: dt.date | None = None, number: str = "", limit: int = 500) -> list[dict[str, Any]]:
    from erp_core.masterdata.models import Department

    h = PurchaseRequisition
    stmt = scoped(select(h), ctx, company_col=h.company_id, department_col=h.department_id, owner_col=h.created_by)
    if status:
        stmt = stmt.where(h.status == status)
    if progress:
        stmt = stmt.where(h.progress == progress)
    if department_id is not None:
        stmt = stmt.where(h.department_id == department_id)
    if date_from is not None:
        stmt = stmt.where(h.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(h.doc_date <= date_to)
    if number and number.strip():
        stmt = stmt.where(contains(h.number, number.strip().upper()))
    docs = ctx.session.execute(stmt.order_by(h.doc_date.desc(), h.id.desc()).limit(limit)).scalars().all()
    departments = _names(ctx, Department, {d.department_id for d in docs})
    return [{"id": d.id, "number": d.number, "doc_date": d.doc_date, "department": departments.get(d.department_id, ""),
             "department_id": d.department_id, "requester": d.requester, "needed_by": d.needed_by,
             "reason": d.reason, "status": d.status, "progress": d.progress, "total": d.total,
             "version": d.version, "remarks": d.remarks} for d in docs]


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def get_requisition(ctx: Context, *, requisition_id: int) -> dict[str, Any]:
    """One requisition: header (requester, needed-by date, reason), lines with the quantity already on orders
    (``ordered_qty_on_orders``) and still open, the suggested supplier and the one an order would use."""
    from erp_core.masterdata.models_partners import Supplier
    from erp_core.purchasing.requisitions.services import last_supplier

    out = _detail(ctx, PURCHASE_REQUISITION, requisition_id)
    doc = ctx.session.get(PurchaseRequisition, requisition_id)
    out.update(requester=doc.requester, needed_by=doc.needed_by, reason=doc.reason, source_no=doc.source_no)
    by_id = {ln.id: ln for ln in doc.lines}
    targets = {}
    for row in out["lines"]:
        ln = by_id[row["id"]]
        targets[ln.id] = ln.supplier_id or last_supplier(ctx.session, doc.company_id, ln.product_id)
    names = _names(ctx, Supplier, {v for v in targets.values() if v} | {ln.supplier_id for ln in doc.lines})
    for row in out["lines"]:
        ln = by_id[row["id"]]
        row.update(supplier_id=ln.supplier_id, supplier=names.get(ln.supplier_id, ""),
                   on_orders=ln.received_qty, open_qty=ln.ordered_qty - ln.received_qty,
                   order_supplier_id=targets[ln.id], order_supplier=names.get(targets[ln.id], ""))
    return out
