"""The demo company's payments (付款单) and prepayments, one month at a time, through the real use cases.

    build_demo_payments(db, accountant, year=y, month=m, last_day=last_day)      # inside the month loop,
                                                                                # before the month is closed
For the month (up to ``last_day``): every open payable (purchase invoice) that falls due in the month or before
it (invoice date + the supplier's payment terms, 30 days when none) is paid from the bank account on its due day
(the 1st of the month for one due earlier); deterministically one in five only in part (60 %, the rest stays open
so the aging shows older amounts). One supplier a month is paid 5,000.00 in advance (预付, on the 10th); the next
month its open prepayments are applied to its open invoices (预付冲应付, on the 5th). ``items`` limits the work to
the given open items ((document type, id) pairs), e.g. the invoices the demo's purchasing built; None: every open
payable of the company. Returns counts for the demo summary.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor
from erp_core.settlement import services as pay
from erp_core.settlement.open_items import open_items

PREPAYMENT = Decimal("5000.00")


@dataclass
class DemoPayments:
    payments: int = 0
    partial: int = 0
    prepayments: int = 0
    applications: int = 0


def _terms(db: Database, company_id: int) -> dict[int, int]:
    from sqlalchemy import select

    from erp_core.masterdata.models_partners import Supplier

    with db.uow(readonly=True) as uow:
        return {i: d or 30 for i, d in uow.session.execute(select(Supplier.id, Supplier.payment_terms_days).where(
            Supplier.company_id == company_id))}


def build_demo_payments(db: Database, accountant: Actor, *, year: int, month: int, last_day: int | None = None,
                        items: Sequence[tuple[str, int]] | None = None) -> DemoPayments:
    company_id = accountant.company_id
    last = dt.date(year, month, last_day or calendar.monthrange(year, month)[1])
    first = dt.date(year, month, 1)
    out = DemoPayments()
    terms = _terms(db, company_id)
    wanted = set(items) if items is not None else None
    with db.uow(readonly=True) as uow:
        payables = [i for i in open_items(uow.session, company_id, kind="payable", as_of=last)
                    if i.open > 0 and (wanted is None or (i.item_type, i.item_id) in wanted)]
        prepaid = [i for i in open_items(uow.session, company_id, kind="prepayment", as_of=last) if i.open > 0]
    # last month's prepayments go against this supplier's invoices first (预付冲应付 on the 5th)
    for sup in sorted({i.partner_id for i in prepaid}):
        if last.day < 5:
            break
        avail = sum((i.open for i in prepaid if i.partner_id == sup), Decimal(0))
        lines = []
        for inv in (i for i in payables if i.partner_id == sup and i.doc_date <= first + dt.timedelta(days=4)):
            take = min(avail, inv.open)
            if take <= 0:
                break
            lines.append({"item_type": inv.item_type, "item_id": inv.item_id, "amount": take})
            avail -= take
        if lines:
            pay.apply_prepayment(db, accountant, partner_id=sup, doc_date=first + dt.timedelta(days=4), lines=lines)
            out.applications += 1
            used = {(ln["item_type"], ln["item_id"]): ln["amount"] for ln in lines}
            payables = [i for i in payables if (i.item_type, i.item_id) not in used]  # paid from the prepayment
    for inv in payables:
        due = inv.doc_date + dt.timedelta(days=terms.get(inv.partner_id or 0, 30))
        if due > last:
            continue
        day = max(due, first, inv.doc_date)
        part = zlib.crc32(inv.number.encode()) % 5 == 0  # one in five, the same every time
        amount = (inv.open * Decimal("0.6")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if part else inv.open
        pid = pay.create_payment(db, accountant, partner_id=inv.partner_id, doc_date=day, remarks="支付货款",
                                 lines=[{"item_type": inv.item_type, "item_id": inv.item_id, "amount": amount}])
        pay.post_payment(db, accountant, payment_id=pid)
        out.payments += 1
        out.partial += part
    suppliers = sorted(terms)
    if suppliers and last.day >= 10:
        sup = suppliers[(year * 12 + month) % len(suppliers)]
        pid = pay.create_payment(db, accountant, partner_id=sup, doc_date=dt.date(year, month, 10),
                                 remarks="预付货款", lines=[{"amount": PREPAYMENT}])
        pay.post_payment(db, accountant, payment_id=pid)
        out.prepayments += 1
    return out


def pay_supplier(db: Database, accountant: Actor, *, partner_id: int, on: dt.date, invoiced_before: dt.date) -> int:
    """One 付款单 dated ``on`` paying, in full, every invoice of the supplier dated before ``invoiced_before`` that is
    still open (the demo year's "pay last month's purchases on the 14th"); returns how much was paid."""
    with db.uow(readonly=True) as uow:
        items = [i for i in open_items(uow.session, accountant.company_id, kind="payable", partner_id=partner_id,
                                       as_of=on) if i.open > 0 and i.doc_date < invoiced_before]
    if not items:
        return 0
    pid = pay.create_payment(db, accountant, partner_id=partner_id, doc_date=on, remarks="支付货款",
                             lines=[{"item_type": i.item_type, "item_id": i.item_id, "amount": i.open} for i in items])
    pay.post_payment(db, accountant, payment_id=pid)
    return len(items)
