"""The demo company's sales invoices, receipts and red invoices, one month at a time, through the real use cases
(issue #13, part B). Works on whatever the sales side posted (deliveries, returns):

    build_demo_billing(db, accountant, year=y, month=m, last_day=last_day)     # inside the month loop,
                                                                              # before the month is closed
For the month (up to ``last_day``):
- every posted delivery is invoiced two days after it ships (专票, a fapiao number); one shipped in the month's
  last three days is invoiced early the next month (until then delivered-not-invoiced: the open month shows some);
- in April and October a customer sends goods of one of the month's invoiced deliveries back six days after the
  invoice (``late_return``: the sales side's return, posted by the warehouse keeper);
- a posted return (红字发货) whose goods were invoiced gets a red invoice (红字发票, reason 退货) for them, naming the
  return (its lines count as credited);
- every open invoice is collected a month after it (a slow payer's two or three months; not before its due day,
  the 1st for one due earlier): one in
  four only 70 % (the rest stays open for the aging), and the month's first receipt settles its invoice with a
  2 % cash discount (现金折扣); in one month of three a customer pays 3,000.00 in advance (预收, on the 8th),
  applied to its open invoices the next month (预收冲应收).
Returns counts for the demo summary. Without sales documents nothing happens.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from erp_core.billing import invoice_services as inv
from erp_core.billing import receipt_services as rc
from erp_core.billing.models import SalesInvoice, SalesInvoiceLine
from erp_core.db.uow import Database
from erp_core.documents.registry import document_type
from erp_core.kernel.actor import Actor
from erp_core.settlement.open_items import open_items

ADVANCE = Decimal("3000.00")
LATE_RETURN_MONTHS = (4, 10)  # a return after the invoice, credited by a red invoice
CENT = Decimal("0.01")


@dataclass
class DemoBilling:
    invoices: int = 0
    red_invoices: int = 0
    receipts: int = 0
    partial: int = 0
    discounts: int = 0
    advances: int = 0
    applications: int = 0
    late_returns: int = 0
    fapiao: list[str] = field(default_factory=list)


def _h(*parts) -> int:
    return zlib.crc32("/".join(str(p) for p in parts).encode())


def build_demo_billing(db: Database, accountant: Actor, *, year: int, month: int, last_day: int | None = None,
                       out: DemoBilling | None = None, slow: dict[int, int] | None = None,
                       late_return: Callable[[dt.date, int], int | None] | None = None) -> DemoBilling:
    out = out or DemoBilling()
    cid = accountant.company_id
    first = dt.date(year, month, 1)
    last = dt.date(year, month, last_day or calendar.monthrange(year, month)[1])
    t = document_type("sales_delivery")
    with db.uow(readonly=True) as uow:
        deliveries = [(d.id, d.doc_date, [(ln.id, ln.ordered_qty - ln.returned_qty - ln.invoiced_qty)
                                          for ln in d.lines])
                      for d in uow.session.execute(select(t.header).where(
                          t.header.company_id == cid, t.header.posted_at.is_not(None), t.header.reverses_id.is_(None),
                          t.header.doc_date >= first - dt.timedelta(days=40), t.header.doc_date <= last)
                          .order_by(t.header.doc_date, t.header.id)).scalars()]
    invoiced: list[tuple[dt.date, int]] = []  # (invoice date, delivery id) of this month's invoices
    for did, ship, lines in deliveries:
        lines = [(lid, q) for lid, q in lines if q > 0]
        month_end = dt.date(ship.year, ship.month, calendar.monthrange(ship.year, ship.month)[1])
        if not lines or (ship >= first and month_end - ship < dt.timedelta(days=3)):
            continue  # shipped in the month's last days: invoiced next month (delivered, not invoiced until then)
        day = max(min(ship + dt.timedelta(days=2), last), first)
        no = f"{year % 100:02d}{month:02d}{len(out.fapiao) + 1:05d}"
        iid = inv.create_invoice(db, accountant, doc_date=day, invoice_no=f"0443{no}",
                                 lines=[{"source_type": "sales_delivery", "source_line_id": lid, "quantity": q}
                                        for lid, q in lines])
        inv.post_invoice(db, accountant, invoice_id=iid)
        out.invoices += 1
        out.fapiao.append(f"0443{no}")
        invoiced.append((day, did))
    if late_return is not None and month in LATE_RETURN_MONTHS:
        for day, did in invoiced:
            back = day + dt.timedelta(days=6)
            if back <= last and late_return(back, did) is not None:
                out.late_returns += 1
                break
    _red_invoices(db, accountant, first, last, out)
    _receipts(db, accountant, year, month, first, last, out, slow or {})
    return out


def _red_invoices(db: Database, accountant: Actor, first: dt.date, last: dt.date, out: DemoBilling) -> None:
    """A red invoice for each posted return of the month whose goods were invoiced."""
    rt = document_type("sales_return")
    cid = accountant.company_id
    with db.uow(readonly=True) as uow:
        s = uow.session
        plans = []
        for ret in s.execute(select(rt.header).where(rt.header.company_id == cid, rt.header.posted_at.is_not(None),
                                                     rt.header.reverses_id.is_(None), rt.header.doc_date >= first,
                                                     rt.header.doc_date <= last)).scalars():
            by_original: dict[int, list[dict]] = {}
            for ln in ret.lines:
                row = s.execute(select(SalesInvoice.id, SalesInvoiceLine.id).join(
                    SalesInvoiceLine, SalesInvoiceLine.header_id == SalesInvoice.id).where(
                    SalesInvoice.company_id == cid, SalesInvoice.red.is_(False), SalesInvoice.posted_at.is_not(None),
                    SalesInvoice.reverses_id.is_(None), SalesInvoiceLine.source_type == "sales_delivery",
                    SalesInvoiceLine.source_line_id == ln.delivery_line_id)).first()
                dl = s.get(document_type("sales_delivery").line, ln.delivery_line_id)
                excess = dl.invoiced_qty + dl.returned_qty - dl.ordered_qty  # returned goods that were invoiced
                if row is not None and excess > 0:
                    by_original.setdefault(row[0], []).append({"line_id": row[1],
                                                               "quantity": min(excess, ln.ordered_qty)})
            plans += [(ret.doc_date, oid, lines, ret.id) for oid, lines in by_original.items()]
    for day, oid, lines, ret_id in plans:
        try:
            rid = inv.create_red_invoice(db, accountant, original_id=oid, doc_date=day, reason="退货", lines=lines,
                                         return_id=ret_id)
            inv.post_invoice(db, accountant, invoice_id=rid)
            out.red_invoices += 1
        except Exception:  # noqa: BLE001 - a return of goods not (fully) invoiced: no red invoice
            continue


def _receipts(db: Database, accountant: Actor, year: int, month: int, first: dt.date, last: dt.date,
              out: DemoBilling, slow: dict[int, int]) -> None:
    cid = accountant.company_id
    with db.uow(readonly=True) as uow:
        items = [i for i in open_items(uow.session, cid, kind="receivable", as_of=last) if i.open > 0]
        advances = [i for i in open_items(uow.session, cid, kind="advance", as_of=last) if i.open > 0]
    by_customer: dict[int, list] = {}
    for i in items:
        by_customer.setdefault(i.partner_id, []).append(i)
    # last month's advances applied to the customer's open invoices
    for a in advances:
        if a.doc_date >= first:
            continue
        left = a.open
        lines = []
        for i in by_customer.get(a.partner_id, []):
            take = min(left, i.open)
            if take > 0:
                lines.append({"item_id": i.item_id, "amount": take, "advance_id": a.item_id})
                left -= take
        if lines:
            rc.apply_advance(db, accountant, partner_id=a.partner_id, doc_date=first, lines=lines)
            out.applications += 1
    with db.uow(readonly=True) as uow:
        items = [i for i in open_items(uow.session, cid, kind="receivable", as_of=last) if i.open > 0]
    discounted = False
    for i in sorted(items, key=lambda x: (x.due_date, x.number)):
        collect = max(i.due_date, i.doc_date + dt.timedelta(days=30 * slow.get(i.partner_id, 1)))
        if collect > last:
            continue
        day = max(collect, first)
        line = {"item_id": i.item_id, "amount": i.open}
        if not discounted:
            discount = (i.open * Decimal("0.02")).quantize(CENT, rounding=ROUND_HALF_UP)
            line = {"item_id": i.item_id, "amount": i.open - discount, "discount": discount}
            discounted = True
            out.discounts += 1
        elif _h("partial", i.item_id) % 4 == 0:
            line = {"item_id": i.item_id, "amount": (i.open * Decimal("0.7")).quantize(CENT)}
            out.partial += 1
        rid = rc.create_receipt(db, accountant, partner_id=i.partner_id, doc_date=day, lines=[line])
        rc.post_receipt(db, accountant, receipt_id=rid)
        out.receipts += 1
    if month % 3 == 0 and items and last.day >= 8:
        customer = sorted({i.partner_id for i in items})[0]
        rid = rc.create_receipt(db, accountant, partner_id=customer, doc_date=dt.date(year, month, 8),
                                lines=[{"amount": ADVANCE}], remarks="预收货款")
        rc.post_receipt(db, accountant, receipt_id=rid)
        out.advances += 1
