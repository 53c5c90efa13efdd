"""The settlement kernel (核销): open items and the rows that settle them.

An open item is a POSTED document of a registered type whose ``extra`` says ``{"open_item": <kind>}`` (kind one
of models.KINDS): a purchase invoice is a "payable", a payment's prepaid part a "prepayment", a sales invoice a
"receivable". Its amount is ``header.total`` (negative for a red copy) unless the type gives
``extra["open_amount"](session, doc)``. Its open amount is that amount minus the sum of its settlement rows.

Rules every caller gets from ``settle``: the item is locked (row lock on its header; on SQLite the database write
lock of BEGIN IMMEDIATE), its settled sum is read after the lock, and an amount that would settle more than is
open (or with the wrong sign) is refused. So two payments racing for one invoice cannot over-settle: the second
waits for the first to commit and then sees what it settled. Rows are never changed or deleted (database
triggers); ``unsettle_source`` gives a source's settlements back with negated rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from erp_core.documents.registry import DocumentType, document_type, registered
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound
from erp_core.settlement.models import Settlement

ZERO = Decimal(0)


@dataclass(frozen=True)
class OpenItem:
    kind: str
    item_type: str
    item_id: int
    number: str
    doc_date: dt.date
    due_date: dt.date
    partner_id: int | None
    amount: Decimal  # the document's amount (negative for a red copy)
    settled: Decimal  # settled up to the date asked
    remarks: str = ""

    @property
    def open(self) -> Decimal:
        return self.amount - self.settled


def open_item_types(kind: str | None = None) -> list[DocumentType]:
    """The registered document types that make open items (of ``kind``)."""
    return [t for t in registered() if t.extra.get("open_item") and (kind is None or t.extra["open_item"] == kind)]


def item_amount(session: Any, t: DocumentType, doc: Any) -> Decimal:
    fn = t.extra.get("open_amount")
    return Decimal(fn(session, doc)) if fn is not None else Decimal(doc.total or 0)


def _company(ctx: Any) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def lock_item(ctx: Any, item_type: str, item_id: int) -> tuple[DocumentType, Any]:
    """The posted open-item document, row-locked (NotFound when it is not one of the company's open items)."""
    t = document_type(item_type)
    if not t.extra.get("open_item"):
        raise NotFound(entity=item_type, id=item_id)
    doc = ctx.session.execute(select(t.header).where(t.header.id == item_id).with_for_update()).scalar_one_or_none()
    if doc is None or doc.company_id != _company(ctx) or doc.posted_at is None:
        raise NotFound(entity=item_type, id=item_id)
    return t, doc


def settled_amount(session: Any, company_id: int, item_type: str, item_id: int, *, as_of: dt.date | None = None,
                   lock: bool = False) -> Decimal:
    """The sum of the item's settlement rows (up to ``as_of``). With ``lock`` the rows are read with a locking
    read, so a row committed by a concurrent settler is seen (READ COMMITTED on every server backend)."""
    stmt = select(Settlement.amount).where(Settlement.company_id == company_id, Settlement.item_type == item_type,
                                           Settlement.item_id == item_id)
    if as_of is not None:
        stmt = stmt.where(Settlement.settle_date <= as_of)
    if lock:
        stmt = stmt.with_for_update()
    return sum((Decimal(a) for a in session.execute(stmt).scalars()), ZERO)


def open_amount(ctx: Any, item_type: str, item_id: int, *, lock: bool = False) -> tuple[DocumentType, Any, Decimal]:
    """(type, document, amount still open) of one item; with ``lock`` the item stays locked until commit."""
    if lock:
        t, doc = lock_item(ctx, item_type, item_id)
    else:
        t = document_type(item_type)
        doc = ctx.session.get(t.header, item_id)
        if doc is None or doc.company_id != _company(ctx) or doc.posted_at is None or not t.extra.get("open_item"):
            raise NotFound(entity=item_type, id=item_id)
    total = item_amount(ctx.session, t, doc)
    return t, doc, total - settled_amount(ctx.session, doc.company_id, item_type, item_id, lock=lock)


def settle(ctx: Any, *, item_type: str, item_id: int, amount: Decimal, source_type: str, source_id: int,
           source_number: str, settle_date: dt.date, kind: str | None = None,
           partner_id: int | None = None) -> Settlement:
    """Set ``amount`` (same sign as the item) against one open item, under the item's lock. Refused (Conflict)
    when the item is of another kind or partner, or when more than is open would be settled."""
    t, doc, still_open = open_amount(ctx, item_type, item_id, lock=True)
    item_kind = t.extra["open_item"]
    if kind is not None and item_kind != kind:
        raise Conflict("error.settlement.wrong_kind", number=doc.number, kind=item_kind)
    if partner_id is not None and doc.partner_id != partner_id:
        raise Conflict("error.settlement.wrong_partner", number=doc.number)
    amount = Decimal(amount)
    if amount == 0 or (amount > 0) != (still_open > 0) or abs(amount) > abs(still_open):
        raise Conflict("error.settlement.over", number=doc.number, open=f"{still_open:,.2f}",
                       amount=f"{amount:,.2f}")
    row = Settlement(company_id=doc.company_id, kind=item_kind, partner_id=doc.partner_id or 0, item_type=t.code,
                     item_id=doc.id, item_number=doc.number, source_type=source_type, source_id=source_id,
                     source_number=source_number, amount=amount, settle_date=settle_date,
                     created_by=ctx.actor.user_id, created_at=naive_utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    return row


def unsettle_source(ctx: Any, source_type: str, source_id: int, *, settle_date: dt.date,
                    source_number: str | None = None) -> list[Settlement]:
    """Give back every settlement ``source`` made that is not given back yet: one negated row each (反核销),
    naming the row it reverses. Returns the new rows."""
    s, company_id = ctx.session, _company(ctx)
    rows = s.execute(select(Settlement).where(Settlement.company_id == company_id,
                                              Settlement.source_type == source_type,
                                              Settlement.source_id == source_id,
                                              Settlement.reverses_id.is_(None)).order_by(Settlement.id)).scalars().all()
    done = set(s.execute(select(Settlement.reverses_id).where(
        Settlement.company_id == company_id, Settlement.reverses_id.in_([r.id for r in rows]))).scalars()) \
        if rows else set()
    out = []
    # one lock order for every caller (post_payment settles in this order too): no deadlock between two of them
    for r in sorted(rows, key=lambda x: (x.item_type, x.item_id, x.id)):
        if r.id in done:
            continue
        lock_item(ctx, r.item_type, r.item_id)
        back = Settlement(company_id=company_id, kind=r.kind, partner_id=r.partner_id, item_type=r.item_type,
                          item_id=r.item_id, item_number=r.item_number, source_type=r.source_type,
                          source_id=r.source_id, source_number=source_number or r.source_number, amount=-r.amount,
                          settle_date=settle_date, reverses_id=r.id, created_by=ctx.actor.user_id,
                          created_at=naive_utcnow())
        s.add(back)
        out.append(back)
    s.flush()
    return out


def _due(doc: Any, terms: dict[int, int | None]) -> dt.date:
    own = getattr(doc, "due_date", None)
    if own is not None:
        return own
    days = terms.get(doc.partner_id or 0)
    return doc.doc_date + dt.timedelta(days=days or 0)


def _terms(session: Any, company_id: int, kind: str) -> dict[int, int | None]:
    from erp_core.masterdata.models_partners import Customer, Supplier

    model = Customer if kind in ("receivable", "advance") else Supplier
    return dict(session.execute(select(model.id, model.payment_terms_days).where(model.company_id == company_id)).all())


def open_items(session: Any, company_id: int, *, kind: str, partner_id: int | None = None,
               as_of: dt.date | None = None, include_settled: bool = False) -> list[OpenItem]:
    """Every open item of ``kind`` (of one partner) as it stood at the end of ``as_of`` (documents dated up to it,
    settlements dated up to it; None: everything), oldest first. Fully settled items only with
    ``include_settled``. The due date is the document's own ``due_date`` if its type has one, else its date plus
    the partner's payment terms (账期)."""
    terms = _terms(session, company_id, kind)
    out: list[OpenItem] = []
    for t in open_item_types(kind):
        h = t.header
        stmt = select(h).where(h.company_id == company_id, h.posted_at.is_not(None))
        if t.extra.get("open_amount") is not None:  # the amount is read from the lines: load them at once
            stmt = stmt.options(selectinload(h.lines))
        if partner_id is not None:
            stmt = stmt.where(h.partner_id == partner_id)
        if as_of is not None:
            stmt = stmt.where(h.doc_date <= as_of)
        docs = session.execute(stmt).scalars().all()
        if not docs:
            continue
        sums = select(Settlement.item_id, func.sum(Settlement.amount)).where(
            Settlement.company_id == company_id, Settlement.item_type == t.code)
        if as_of is not None:
            sums = sums.where(Settlement.settle_date <= as_of)
        settled = {i: Decimal(v or 0) for i, v in session.execute(sums.group_by(Settlement.item_id)).all()}
        for doc in docs:
            amount = item_amount(session, t, doc)
            item = OpenItem(kind, t.code, doc.id, doc.number, doc.doc_date, _due(doc, terms), doc.partner_id,
                            amount, settled.get(doc.id, ZERO), doc.remarks or "")
            if amount == 0 and item.settled == 0:
                continue
            if include_settled or item.open != 0:
                out.append(item)
    out.sort(key=lambda i: (i.doc_date, i.number))
    return out
