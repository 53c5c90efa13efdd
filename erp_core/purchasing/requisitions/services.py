"""Purchase requisition use cases (请购单), each with its permission purchasing.requisition.<action>:

- create / edit (draft): department, requester, needed-by date, reason; lines product, quantity, estimated
  price, warehouse, suggested supplier
- submit (approvals engine; facts: amount = estimated total) / reopen / approve (the approval gate) / close /
  cancel
- order (生成采购订单): the open quantity of the lines of one or more approved requisitions becomes draft purchase
  orders, ONE PER SUPPLIER (the supplier chosen for the line, else the line's suggested supplier, else the
  supplier of the product's latest confirmed order; a line with none is refused, naming it), each line linked
  upstream -> downstream and counted as "received" (= put on an order) on the requisition line, so the
  requisition's progress (未下单 / 部分下单 / 已下单) is derived. Cancelling such an order gives the quantity
  back (purchasing.services.cancel_order).

The same grouping serves the reorder suggestions (orders_for_lines, used by
purchasing.reorder_services.order_from_suggestions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents import services as k
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.purchasing.documents import CONFIRMED, PURCHASE_ORDER, last_confirmed_price
from erp_core.purchasing.models import ZERO, PurchaseOrder
from erp_core.purchasing.requisitions.documents import PURCHASE_REQUISITION
from erp_core.purchasing.requisitions.models import PurchaseRequisition
from erp_core.security.scope import may_touch
from erp_core.usecase import Context, use_case

F_SUPPLIER = "field.purchasing.supplier"
F_WAREHOUSE = "field.purchasing.warehouse"
F_REQUISITION = "field.pur2.requisition"
F_NEEDED_BY = "field.pur2.needed_by"
ORDERABLE = ("approved",)  # requisitions whose open lines may become orders


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _load(ctx: Context, doc_id: int, version: int | None = None, *, lock: bool = False) -> PurchaseRequisition:
    doc = k.load_document(ctx, PURCHASE_REQUISITION, doc_id, lock=lock)
    if not may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id, owner_id=doc.created_by):
        raise NotFound(entity=PURCHASE_REQUISITION.code, id=doc_id)
    ctx.check_version(doc, version)
    return doc


def last_supplier(session: Any, company_id: int, product_id: int) -> int | None:
    """The supplier of the company's latest confirmed purchase order of ``product_id`` (its default supplier)."""
    from erp_core.purchasing.models import PurchaseOrderLine

    return session.execute(
        select(PurchaseOrder.partner_id).join(PurchaseOrderLine, PurchaseOrderLine.header_id == PurchaseOrder.id)
        .where(PurchaseOrder.company_id == company_id, PurchaseOrder.status.in_(CONFIRMED),
               PurchaseOrderLine.product_id == product_id)
        .order_by(PurchaseOrder.doc_date.desc(), PurchaseOrder.id.desc()).limit(1)).scalar_one_or_none()


def _supplier_ok(ctx: Context, supplier_id: Any) -> bool:
    from erp_core.masterdata.models_partners import Supplier

    row = ctx.session.get(Supplier, supplier_id) if isinstance(supplier_id, int) else None
    return row is not None and row.company_id == _company(ctx) and row.active


def _lines(ctx: Context, lines: Sequence[Mapping[str, Any]], header_warehouse: int | None
           ) -> tuple[list[dict[str, Any]], list[int | None]]:
    """Kernel lines (product, quantity, estimated price, warehouse, remarks) and each line's suggested supplier."""
    from erp_core.purchasing.services import _order_lines

    problems: list[ValidationError] = []
    for i, ln in enumerate(lines or [], start=1):
        sid = ln.get("supplier_id")
        if sid is not None and not _supplier_ok(ctx, sid):
            problems.append(ValidationError("error.purchasing.supplier_unknown", field=F_SUPPLIER, line=i))
    raise_if(problems)
    clean = _order_lines(ctx, lines, header_warehouse)  # product / quantity / price / warehouse checks
    kernel = [{k2: r[k2] for k2 in ("product_id", "ordered_qty", "unit_price", "warehouse_id", "remarks")}
              for r in clean]
    return kernel, [ln.get("supplier_id") for ln in lines]


def _header(ctx: Context, *, department_id: Any, warehouse_id: Any, needed_by: Any) -> None:
    from erp_core.purchasing.services import _header as po_header

    po_header(ctx, department_id=department_id, warehouse_id=warehouse_id)
    if needed_by is not None and (not isinstance(needed_by, dt.date) or isinstance(needed_by, dt.datetime)):
        raise ValidationError("error.required", field=F_NEEDED_BY)


@use_case("purchasing.requisition.create", zh="新建请购单", en="Create purchase requisition")
def create_requisition(ctx: Context, *, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                       department_id: int | None = None, requester: str = "", needed_by: dt.date | None = None,
                       reason: str = "", warehouse_id: int | None = None, project_id: int | None = None,
                       remarks: str = "", source_no: str | None = None) -> int:
    """A draft requisition; lines: product_id, quantity, unit_price (estimated, may be 0), warehouse_id (else
    the header's), supplier_id (suggested, optional), remarks."""
    from erp_core.purchasing.services import _date

    day = _date(doc_date)
    _header(ctx, department_id=department_id, warehouse_id=warehouse_id, needed_by=needed_by)
    kernel, suppliers = _lines(ctx, lines, warehouse_id)
    doc = k.create_document(ctx, PURCHASE_REQUISITION, doc_date=day, lines=kernel, department_id=department_id,
                            warehouse_id=warehouse_id, project_id=project_id, remarks=(remarks or "")[:2000],
                            requester=(requester or ctx.actor.username or "")[:64], needed_by=needed_by,
                            reason=(reason or "")[:500], source_no=source_no)
    for ln, sid in zip(doc.lines, suppliers, strict=True):
        ln.supplier_id = sid
    ctx.session.flush()
    return doc.id


@use_case("purchasing.requisition.edit", zh="修改请购单", en="Edit purchase requisition")
def edit_requisition(ctx: Context, *, requisition_id: int, version: int, lines: Sequence[Mapping[str, Any]],
                     department_id: int | None = None, requester: str = "", needed_by: dt.date | None = None,
                     reason: str = "", warehouse_id: int | None = None, project_id: int | None = None,
                     remarks: str = "") -> None:
    """Change a draft requisition (all its lines); any approval it had is withdrawn."""
    doc = _load(ctx, requisition_id, version)
    _header(ctx, department_id=department_id, warehouse_id=warehouse_id, needed_by=needed_by)
    kernel, suppliers = _lines(ctx, lines, warehouse_id)
    k.update_document(ctx, PURCHASE_REQUISITION, doc, version=version, lines=kernel, department_id=department_id,
                      warehouse_id=warehouse_id, project_id=project_id, remarks=(remarks or "")[:2000],
                      requester=(requester or doc.requester)[:64], needed_by=needed_by, reason=(reason or "")[:500])
    for ln, sid in zip(doc.lines, suppliers, strict=True):
        ln.supplier_id = sid
    ctx.session.flush()


@use_case("purchasing.requisition.submit", zh="提交请购单审批", en="Submit purchase requisition for approval")
def submit_requisition(ctx: Context, *, requisition_id: int, version: int | None = None) -> int:
    """Draft -> submitted, and ask the approvals engine; returns how many approval requests were opened."""
    doc = _load(ctx, requisition_id, version, lock=True)
    k.transition(ctx, PURCHASE_REQUISITION, doc, "submit")
    return len(k.submit_document(ctx, PURCHASE_REQUISITION, doc))


def _transition(ctx: Context, requisition_id: int, version: int | None, action: str, comment: str = "") -> str:
    doc = _load(ctx, requisition_id, version, lock=True)
    return k.transition(ctx, PURCHASE_REQUISITION, doc, action, comment=comment)


@use_case("purchasing.requisition.reopen", zh="撤回请购单", en="Reopen purchase requisition")
def reopen_requisition(ctx: Context, *, requisition_id: int, version: int | None = None) -> str:
    from erp_core.approvals.services import withdraw_requests

    state = _transition(ctx, requisition_id, version, "reopen")
    withdraw_requests(ctx, PURCHASE_REQUISITION.code, requisition_id)
    return state


@use_case("purchasing.requisition.approve", zh="审核请购单", en="Approve purchase requisition")
def approve_requisition(ctx: Context, *, requisition_id: int, version: int | None = None) -> str:
    """审核: refused while a matching approval rule was not asked, is pending or was rejected."""
    return _transition(ctx, requisition_id, version, "approve")


@use_case("purchasing.requisition.close", zh="关闭请购单", en="Close purchase requisition")
def close_requisition(ctx: Context, *, requisition_id: int, version: int | None = None, comment: str = "") -> str:
    """No more orders from it (what was ordered stays)."""
    return _transition(ctx, requisition_id, version, "close", comment)


@use_case("purchasing.requisition.cancel", zh="作废请购单", en="Cancel purchase requisition")
def cancel_requisition(ctx: Context, *, requisition_id: int, version: int | None = None, comment: str = "") -> str:
    """Only while nothing of it was put on an order."""
    doc = _load(ctx, requisition_id, version, lock=True)
    if any(ln.received_qty != 0 for ln in doc.lines):
        raise Conflict("error.pur2.requisition_ordered", number=doc.number)
    return k.transition(ctx, PURCHASE_REQUISITION, doc, "cancel", comment=comment)


# --- 生成采购订单 ---------------------------------------------------------------------------------------------

def orders_for_lines(ctx: Context, wanted: Sequence[Mapping[str, Any]], *, doc_date: dt.date,
                     department_id: int | None = None, project_id: int | None = None,
                     delivery_date: dt.date | None = None, remarks: str = "") -> list[tuple[int, list[Any]]]:
    """Draft purchase orders, one per supplier, for ``wanted`` lines (product_id, quantity, unit_price,
    warehouse_id, supplier_id, remarks; ``key``: anything the caller wants back). Returns (order id, [keys in
    the order's line order]) per order, in the order suppliers first appear."""
    from erp_core.purchasing.services import create_order

    groups: dict[int, list[Mapping[str, Any]]] = {}
    for w in wanted:
        groups.setdefault(w["supplier_id"], []).append(w)
    out = []
    for supplier_id, rows in groups.items():
        lines = [{"product_id": r["product_id"], "quantity": r["quantity"], "unit_price": r["unit_price"],
                  "warehouse_id": r["warehouse_id"], "remarks": r.get("remarks", "")} for r in rows]
        oid = create_order.__wrapped__(ctx, supplier_id=supplier_id, doc_date=doc_date, lines=lines,
                                       department_id=department_id, project_id=project_id,
                                       delivery_date=delivery_date, remarks=remarks)
        out.append((oid, [r.get("key") for r in rows]))
    return out


def default_price(ctx: Context, product_id: int, estimate: Decimal | None) -> Decimal:
    """The estimated price when given (> 0), else the product's last confirmed order price, else 0."""
    if estimate:
        return estimate
    return last_confirmed_price(ctx.session, _company(ctx), product_id) or ZERO


@use_case("purchasing.requisition.order", zh="请购单生成采购订单", en="Create purchase orders from requisitions")
def order_requisitions(ctx: Context, *, requisition_ids: Sequence[int], doc_date: dt.date,
                       suppliers: Mapping[int, int] | None = None) -> list[int]:
    """生成采购订单: every open line (quantity not yet on an order) of the approved requisitions becomes a line of
    a draft purchase order of its supplier (``suppliers``: requisition line id -> supplier chosen on the form;
    else the line's suggested supplier; else the product's latest supplier). One order per supplier; each order
    line linked to its requisition line and counted there. Returns the new orders' ids."""
    from erp_core.masterdata.models_items import Product
    from erp_core.purchasing.services import _date

    day = _date(doc_date)
    chosen = {int(a): b for a, b in (suppliers or {}).items()}
    ids = list(dict.fromkeys(requisition_ids or []))
    if not ids:
        raise ValidationError("error.required", field=F_REQUISITION)
    locked = {i: _load(ctx, i, lock=True) for i in sorted(ids)}  # in id order: two of these never wait in reverse
    docs = [locked[i] for i in ids]
    problems: list[ValidationError] = []
    wanted = []
    for doc in docs:
        if doc.status not in ORDERABLE:
            raise Conflict("error.pur2.requisition_not_approved", number=doc.number, status=doc.status)
        for ln in doc.lines:
            left = ln.ordered_qty - ln.received_qty
            if left <= 0:
                continue
            sid = chosen.get(ln.id) or ln.supplier_id or last_supplier(ctx.session, doc.company_id, ln.product_id)
            if sid is None or not _supplier_ok(ctx, sid):
                product = ctx.session.get(Product, ln.product_id)
                problems.append(ValidationError("error.pur2.requisition_no_supplier", field=F_SUPPLIER,
                                                line=ln.line_no, number=doc.number,
                                                code=product.code if product is not None else ""))
                continue
            wanted.append({"supplier_id": sid, "product_id": ln.product_id, "quantity": left,
                           "unit_price": default_price(ctx, ln.product_id, ln.unit_price),
                           "warehouse_id": ln.warehouse_id or doc.warehouse_id,
                           "remarks": f"{doc.number}#{ln.line_no}", "key": (doc, ln, left)})
    raise_if(problems)
    if not wanted:
        raise Conflict("error.pur2.requisition_nothing_open", numbers=", ".join(d.number for d in docs))
    first = docs[0]
    needed = [d.needed_by for d in docs if d.needed_by is not None]
    made = orders_for_lines(ctx, wanted, doc_date=day, department_id=first.department_id,
                            project_id=first.project_id, delivery_date=min(needed) if needed else None,
                            remarks="请购单 " + ", ".join(d.number for d in docs))
    for oid, keys in made:
        order = ctx.session.get(PurchaseOrder, oid)
        for ol, (doc, ln, left) in zip(order.lines, keys, strict=True):
            k.link(ctx, PURCHASE_REQUISITION, doc, PURCHASE_ORDER, order, from_line=ln, to_line=ol, quantity=left,
                   counts_as="received")
    ctx.session.flush()
    ctx.audit(PURCHASE_REQUISITION.code, ids[0] if len(ids) == 1 else ids, orders=[o for o, _ in made])
    return [o for o, _ in made]


def give_back_for_order(ctx: Context, order: PurchaseOrder) -> None:
    """A cancelled purchase order no longer holds its requisition lines' quantities: count them back."""
    from erp_core.documents.models import DocumentLink
    from erp_core.purchasing.requisitions.models import PurchaseRequisitionLine

    s = ctx.session
    rows = s.execute(select(DocumentLink).where(
        DocumentLink.company_id == order.company_id, DocumentLink.from_type == PURCHASE_REQUISITION.code,
        DocumentLink.to_type == PURCHASE_ORDER.code, DocumentLink.to_id == order.id,
        DocumentLink.counts_as == "received")).scalars().all()
    # the requisitions locked (after the order) and their lines read after the lock: an order made from them at
    # the same instant counts on the same lines (k.lock_upstream_lines)
    k.lock_upstream_lines(ctx, [(PURCHASE_REQUISITION, up.from_line) for up in rows])
    for up in rows:
        doc = s.get(PurchaseRequisition, up.from_id)
        ln = s.get(PurchaseRequisitionLine, up.from_line)
        k.link(ctx, PURCHASE_REQUISITION, doc, PURCHASE_ORDER, order, from_line=ln, quantity=-up.quantity,
               counts_as="received", kind="cancel")
