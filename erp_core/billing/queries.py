"""Read side of billing: invoice and receipt lists and details, form choices (customers, bank accounts, a
customer's open invoices and advances, what a delivery or order has left to invoice), the receivables aging AS OF
ANY DATE, the receivables report of `erp report receivables`, the overdue list and the customer statement (对账单)
with its ledger balance beside it.

The aging, the receivables report and the overdue list are read from the analytics copy of the open items
(analytics/open_items.py, synced incrementally; ``aging_of`` is the same figures from the operational store, kept
as the reference the copy is tested against) and apply the grant's row scope: an item is seen when its invoice
(department, project, creator) or its customer (department, salesperson) is within the grant. The customer
statement is a company-wide figure (it shows the ledger's balance): it refuses a grant narrower than the company.
Lists apply the grant's row scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, case, func, or_, select, type_coerce

from erp_core.billing import invariants  # noqa: F401  (registers the receivables checks of `erp check`)
from erp_core.billing.doctypes import ADVANCE_APPLY, ARAP_OFFSET, RECEIPT, SALES_INVOICE
from erp_core.billing.models import FapiaoRecord, Receipt, SalesInvoice
from erp_core.documents.accounts import account_for
from erp_core.documents.registry import document_type
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.money import QUANTITY_SCALE
from erp_core.security.scope import require_company_wide, scoped
from erp_core.settings.common import require_company
from erp_core.settlement import open_items as oi
from erp_core.settlement.queries import BASES, BUCKETS, bucket_of
from erp_core.usecase import Context, query

ZERO = Decimal(0)
CENT = Decimal("0.01")
INVOICE_VIEW = ("sales.invoice.view", "查看销售发票", "View sales invoices")
RECEIPT_VIEW = ("finance.receipt.view", "查看收款单", "View receipts")
AR_VIEW = ("finance.receivables.view", "查看应收账款报表", "View receivables reports")
F_BASIS = "field.settlement.aging_basis"
F_PERIOD = "field.settlement.period"
REPORT_COLUMNS = ("customer_code", "customer_name", "invoice_no", "invoice_date", "due_date", "amount", "settled",
                  "outstanding", "days_overdue")


def customers(ctx: Context, company_id: int) -> dict[int, tuple[str, str]]:
    return customer_names(ctx.session, company_id)


def customer_names(session: Any, company_id: int) -> dict[int, tuple[str, str]]:
    from erp_core.masterdata.models_partners import Customer

    return {i: (c, n) for i, c, n in session.execute(
        select(Customer.id, Customer.code, Customer.name).where(Customer.company_id == company_id,
                                                                Customer.merged_into.is_(None)))}


def _list(ctx: Context, model: Any, partner_id: int | None, status: str | None, date_from: dt.date | None,
          date_to: dt.date | None, limit: int) -> list[Any]:
    company_id = require_company(ctx)
    stmt = select(model).where(model.company_id == company_id)
    stmt = scoped(stmt, ctx, company_col=model.company_id, department_col=model.department_id,
                  owner_col=model.created_by)
    if partner_id is not None:
        stmt = stmt.where(model.partner_id == partner_id)
    if status:
        stmt = stmt.where(model.status == status)
    if date_from is not None:
        stmt = stmt.where(model.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(model.doc_date <= date_to)
    return list(ctx.session.execute(stmt.order_by(model.doc_date.desc(), model.id.desc()).limit(limit)).scalars())


@query(INVOICE_VIEW[0], zh=INVOICE_VIEW[1], en=INVOICE_VIEW[2])
def invoice_list(ctx: Context, *, partner_id: int | None = None, status: str | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 500
                 ) -> list[dict[str, Any]]:
    """Sales invoices, newest first, with what is still open on each posted one."""
    names = customers(ctx, require_company(ctx))
    out = []
    for d in _list(ctx, SalesInvoice, partner_id, status, date_from, date_to, limit):
        settled = oi.settled_amount(ctx.session, d.company_id, SALES_INVOICE.code, d.id) if d.posted_at else ZERO
        code, name = names.get(d.partner_id, ("", ""))
        out.append({"id": d.id, "number": d.number, "doc_date": d.doc_date, "customer_code": code,
                    "customer_name": name, "invoice_no": d.invoice_no, "vat_kind": d.vat_kind, "red": d.red,
                    "net_total": d.net_total, "tax_total": d.tax_total, "total": d.total, "due_date": d.due_date,
                    "status": d.status, "open": (d.total - settled) if d.posted_at else None,
                    "version": d.version})
    return out


@query(INVOICE_VIEW[0], zh=INVOICE_VIEW[1], en=INVOICE_VIEW[2])
def invoice_detail(ctx: Context, *, invoice_id: int) -> dict[str, Any]:
    """One invoice with its lines (source, quantity, prices, VAT) and what is open."""
    company_id = require_company(ctx)
    d = ctx.session.get(SalesInvoice, invoice_id)
    if d is None or d.company_id != company_id:
        raise NotFound(entity="sales_invoice", id=invoice_id)
    code, name = customers(ctx, company_id).get(d.partner_id, ("", ""))
    settled = oi.settled_amount(ctx.session, company_id, SALES_INVOICE.code, d.id) if d.posted_at else ZERO
    return {"id": d.id, "number": d.number, "doc_date": d.doc_date, "customer_id": d.partner_id,
            "customer_code": code, "customer_name": name, "invoice_no": d.invoice_no, "vat_kind": d.vat_kind,
            "red": d.red, "red_reason": d.red_reason, "original_id": d.original_id, "due_date": d.due_date,
            "status": d.status, "version": d.version, "total": d.total, "net_total": d.net_total,
            "tax_total": d.tax_total, "open": d.total - settled if d.posted_at else None,
            "voucher_id": d.voucher_id, "remarks": d.remarks,
            "lines": [{"id": ln.id, "line_no": ln.line_no, "product_id": ln.product_id,
                       "source_type": ln.source_type, "source_line_id": ln.source_line_id,
                       "quantity": ln.ordered_qty, "unit_price": ln.unit_price, "amount": ln.amount,
                       "tax_rate": ln.tax_rate, "tax_amount": ln.tax_amount, "gross_amount": ln.gross_amount,
                       "advance": ln.advance, "remarks": ln.remarks} for ln in d.lines]}


def _invoice(ctx: Context, invoice_id: int) -> SalesInvoice:
    d = ctx.session.get(SalesInvoice, invoice_id)
    if d is None or d.company_id != require_company(ctx):
        raise NotFound(entity="sales_invoice", id=invoice_id)
    return d


@query(INVOICE_VIEW[0], zh=INVOICE_VIEW[1], en=INVOICE_VIEW[2])
def returns_to_credit(ctx: Context, *, invoice_id: int) -> list[dict[str, Any]]:
    """The invoice's customer's posted sales returns (not reversed) with goods not yet credited by a posted red
    invoice, oldest first: what a red invoice of this invoice may name. Each with the quantity still open and
    ``lines``: {invoice line id: quantity} the red invoice would credit on this invoice's lines (empty: none of
    the return's open goods were invoiced here)."""
    from erp_core.billing.invoice_services import red_lines_for_return

    d = _invoice(ctx, invoice_id)
    rt = document_type("sales_return")
    rets = ctx.session.execute(select(rt.header).where(
        rt.header.company_id == d.company_id, rt.header.partner_id == d.partner_id,
        rt.header.posted_at.is_not(None), rt.header.reverses_id.is_(None), rt.header.reversed_by_id.is_(None))
        .order_by(rt.header.doc_date, rt.header.id)).scalars()
    out = []
    for ret in rets:
        still = sum((rl.ordered_qty - (rl.invoiced_qty or ZERO) for rl in ret.lines), ZERO)
        if still <= 0:
            continue
        out.append({"id": ret.id, "number": ret.number, "doc_date": ret.doc_date, "reason": ret.reason,
                    "returned": sum((rl.ordered_qty for rl in ret.lines), ZERO), "open": still,
                    "lines": red_lines_for_return(ctx, d, ret)})
    return out


@query(INVOICE_VIEW[0], zh=INVOICE_VIEW[1], en=INVOICE_VIEW[2])
def deliveries_to_recognize(ctx: Context, *, invoice_id: int) -> list[dict[str, Any]]:
    """收入确认 candidates of an invoice: the posted, not reversed deliveries of the order lines its lines
    invoiced in advance (预收) that still have goods neither invoiced nor recognised, oldest first: id, number,
    date and the quantity left (recognize_revenue decides how much of it the advance covers)."""
    d = _invoice(ctx, invoice_id)
    if d.posted_at is None or d.red or d.reverses_id is not None or d.reversed_by_id is not None:
        return []
    from erp_core.billing.models import RevenueRecognition, RevenueRecognitionLine, SalesInvoiceLine

    order_lines = sorted({ln.source_line_id for ln in d.lines
                          if ln.advance and ln.source_type == "sales_order" and ln.source_line_id})
    if not order_lines:
        return []
    # only order lines whose advance invoices (any, as recognize_revenue takes them) still hold goods on 预收
    adv = ctx.session.execute(
        select(SalesInvoiceLine.id, SalesInvoiceLine.source_line_id, SalesInvoiceLine.ordered_qty)
        .join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.header_id)
        .where(SalesInvoice.company_id == d.company_id, SalesInvoice.posted_at.is_not(None),
               SalesInvoice.red.is_(False), SalesInvoice.reverses_id.is_(None),
               SalesInvoice.reversed_by_id.is_(None), SalesInvoiceLine.advance.is_(True),
               SalesInvoiceLine.source_type == "sales_order", SalesInvoiceLine.source_line_id.in_(order_lines))
    ).all()
    done = dict(ctx.session.execute(
        select(RevenueRecognitionLine.invoice_line_id, func.sum(RevenueRecognitionLine.ordered_qty))
        .join(RevenueRecognition, RevenueRecognition.id == RevenueRecognitionLine.header_id)
        .where(RevenueRecognition.company_id == d.company_id, RevenueRecognition.posted_at.is_not(None),
               RevenueRecognitionLine.invoice_line_id.in_([a[0] for a in adv] or [0]))
        .group_by(RevenueRecognitionLine.invoice_line_id)).all())
    open_adv: dict[int, Decimal] = {}
    for il_id, ol_id, q in adv:
        open_adv[ol_id] = open_adv.get(ol_id, ZERO) + q - Decimal(done.get(il_id) or 0)
    order_lines = [ol for ol in order_lines if open_adv.get(ol, ZERO) > 0]
    if not order_lines:
        return []
    t = document_type("sales_delivery")
    h, ln = t.header, t.line
    left = ln.ordered_qty - ln.returned_qty - ln.invoiced_qty
    rows = ctx.session.execute(
        select(h.id, h.number, h.doc_date, func.sum(type_coerce(left, BigInteger))).join(ln, ln.header_id == h.id)
        .where(h.company_id == d.company_id, h.posted_at.is_not(None), h.reverses_id.is_(None),
               h.reversed_by_id.is_(None), ln.order_line_id.in_(order_lines), left > 0)
        .group_by(h.id, h.number, h.doc_date).order_by(h.doc_date, h.number)).all()
    # the sum of a scaled column comes back in its stored unit (millionths) on every backend: read it as such
    return [{"id": i, "number": n, "doc_date": day, "quantity": Decimal(int(q)).scaleb(-QUANTITY_SCALE)}
            for i, n, day, q in rows]


@query(INVOICE_VIEW[0], zh=INVOICE_VIEW[1], en=INVOICE_VIEW[2])
def invoice_recognitions(ctx: Context, *, invoice_id: int) -> list[dict[str, Any]]:
    """The revenue recognitions (收入确认: 预收 → revenue when goods invoiced in advance are delivered) of the
    invoice's lines, with their red copies (冲销), oldest first: number, date, the deliveries, net amount,
    status, ``reverses`` (a red copy's original number) and ``reversible`` (posted, not reversed, not a copy)."""
    from erp_core.billing.models import RevenueRecognition, RevenueRecognitionLine

    d = _invoice(ctx, invoice_id)
    line_ids = [ln.id for ln in d.lines]
    if not line_ids:
        return []
    ids = ctx.session.execute(select(RevenueRecognitionLine.header_id).where(
        RevenueRecognitionLine.invoice_line_id.in_(line_ids)).distinct()).scalars().all()
    docs = [r for r in (ctx.session.get(RevenueRecognition, i) for i in sorted(ids))
            if r is not None and r.company_id == d.company_id]
    numbers = {r.id: r.number for r in docs}
    dline = document_type("sales_delivery").line
    out = []
    for r in docs:
        deliveries = sorted({dl.header.number for dl in (ctx.session.get(dline, ln.delivery_line_id)
                                                          for ln in r.lines if ln.delivery_line_id) if dl is not None})
        out.append({"id": r.id, "number": r.number, "doc_date": r.doc_date, "deliveries": ", ".join(deliveries),
                    "amount": sum((ln.amount for ln in r.lines), ZERO), "status": r.status,
                    "reverses": numbers.get(r.reverses_id, "") if r.reverses_id else "",
                    "reversible": r.posted_at is not None and r.reverses_id is None and r.reversed_by_id is None,
                    "version": r.version})
    return out


@query(INVOICE_VIEW[0], zh=INVOICE_VIEW[1], en=INVOICE_VIEW[2])
def to_invoice(ctx: Context, *, partner_id: int | None = None) -> list[dict[str, Any]]:
    """Posted delivery lines with a quantity left to invoice (delivered - returned - invoiced), oldest first:
    what the invoice form offers."""
    company_id = require_company(ctx)
    t = document_type("sales_delivery")
    h, ln = t.header, t.line
    stmt = (select(h, ln).join(ln, ln.header_id == h.id)
            .where(h.company_id == company_id, h.posted_at.is_not(None), h.reverses_id.is_(None),
                   ln.ordered_qty - ln.returned_qty - ln.invoiced_qty > 0)
            .order_by(h.doc_date, h.number, ln.line_no))
    if partner_id is not None:
        stmt = stmt.where(h.partner_id == partner_id)
    names = customers(ctx, company_id)
    return [{"source_type": "sales_delivery", "source_line_id": line.id, "number": head.number,
             "doc_date": head.doc_date, "customer_id": head.partner_id,
             "customer_name": names.get(head.partner_id, ("", ""))[1], "product_id": line.product_id,
             "quantity": line.ordered_qty - line.returned_qty - line.invoiced_qty, "unit_price": line.unit_price,
             "tax_rate": getattr(line, "tax_rate", ZERO)} for head, line in ctx.session.execute(stmt).all()]


@query(RECEIPT_VIEW[0], zh=RECEIPT_VIEW[1], en=RECEIPT_VIEW[2])
def receipt_list(ctx: Context, *, partner_id: int | None = None, status: str | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 500
                 ) -> list[dict[str, Any]]:
    names = customers(ctx, require_company(ctx))
    return [{"id": d.id, "number": d.number, "doc_date": d.doc_date,
             "customer_code": names.get(d.partner_id, ("", ""))[0],
             "customer_name": names.get(d.partner_id, ("", ""))[1], "account_code": d.account_code,
             "total": d.total, "discount": sum((ln.discount for ln in d.lines), ZERO),
             "writeoff": sum((ln.writeoff for ln in d.lines), ZERO), "status": d.status, "version": d.version}
            for d in _list(ctx, Receipt, partner_id, status, date_from, date_to, limit)]


@query(RECEIPT_VIEW[0], zh=RECEIPT_VIEW[1], en=RECEIPT_VIEW[2])
def receipt_choices(ctx: Context) -> dict[str, Any]:
    """Customers {id: "code name"}, bank and cash leaf accounts {code: name}, the default account."""
    from erp_core.finance.models import Account
    from erp_core.settlement.services import default_bank_account

    company_id = require_company(ctx)
    roots = (account_for(ctx, "bank"), account_for(ctx, "cash"))
    accounts = {c: n for c, n in ctx.session.execute(
        select(Account.code, Account.name).where(Account.company_id == company_id, Account.is_leaf.is_(True),
                                                 Account.status == "active",
                                                 or_(*(Account.code.startswith(r) for r in roots)))
        .order_by(Account.code))}
    names = customers(ctx, company_id)
    return {"customers": {i: f"{c} {n}" for i, (c, n) in sorted(names.items(), key=lambda kv: kv[1])},
            "accounts": accounts, "default_account": default_bank_account(ctx)}


def _item_rows(items: list[oi.OpenItem], as_of: dt.date | None) -> list[dict[str, Any]]:
    return [{"item_type": i.item_type, "item_id": i.item_id, "number": i.number, "doc_date": i.doc_date,
             "due_date": i.due_date, "amount": i.amount, "settled": i.settled, "open": i.open,
             "days": (as_of - i.doc_date).days if as_of else None} for i in items]


@query(RECEIPT_VIEW[0], zh=RECEIPT_VIEW[1], en=RECEIPT_VIEW[2])
def customer_open_items(ctx: Context, *, partner_id: int, kind: str = "receivable") -> list[dict[str, Any]]:
    """The customer's open invoices ("receivable") or open advance receipts ("advance") now, oldest first."""
    if kind not in ("receivable", "advance"):
        raise ValidationError("error.choice", field="field.settlement.item")
    company_id = require_company(ctx)
    return _item_rows(oi.open_items(ctx.session, company_id, kind=kind, partner_id=partner_id), None)


def open_receivables(session: Any, company_id: int, *, as_of: dt.date | None = None,
                     partner_id: int | None = None) -> list[oi.OpenItem]:
    """The open receivables at the end of ``as_of``: oi.open_items(kind="receivable") computed as ONE SQL
    statement per open-item type (documents dated up to it LEFT JOIN their settlements dated up to it, summed in
    the database, only the items still open fetched) instead of loading every document: the aging at a million
    invoices (bench/bench_receivables.py). A type whose amount is not its total (extra["open_amount"]) is read
    through oi.open_items."""
    from erp_core.masterdata.models_partners import Customer
    from erp_core.settlement.models import Settlement

    terms = dict(session.execute(select(Customer.id, Customer.payment_terms_days)
                                 .where(Customer.company_id == company_id)).all())
    out: list[oi.OpenItem] = []
    for t in oi.open_item_types("receivable"):
        if t.extra.get("open_amount") is not None:
            out += oi.open_items(session, company_id, kind="receivable", partner_id=partner_id, as_of=as_of)
            continue
        h = t.header
        sums = select(Settlement.item_id.label("item_id"), func.sum(Settlement.amount).label("settled")).where(
            Settlement.company_id == company_id, Settlement.item_type == t.code)
        if as_of is not None:
            sums = sums.where(Settlement.settle_date <= as_of)
        sums = sums.group_by(Settlement.item_id).subquery()
        settled = func.coalesce(sums.c.settled, 0)
        due_col = getattr(h, "due_date", None)
        stmt = (select(h.id, h.number, h.doc_date, due_col if due_col is not None else h.doc_date, h.partner_id,
                       h.total, settled, h.remarks)
                .outerjoin(sums, sums.c.item_id == h.id)
                .where(h.company_id == company_id, h.posted_at.is_not(None), h.total != settled))
        if partner_id is not None:
            stmt = stmt.where(h.partner_id == partner_id)
        if as_of is not None:
            stmt = stmt.where(h.doc_date <= as_of)
        for i, number, day, due, partner, total, done, remarks in session.execute(stmt):
            if due is None or due_col is None:
                due = day + dt.timedelta(days=terms.get(partner or 0) or 0)
            out.append(oi.OpenItem("receivable", t.code, i, number, day, due, partner, Decimal(total),
                                   Decimal(done or 0), remarks or ""))
    out.sort(key=lambda i: (i.doc_date, i.number))
    return out


@dataclass
class Aging:
    as_of: dt.date
    basis: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    data_as_of: Any = None  # the analytics copy's AsOf (None: read from the operational store)


def _bucket_sums(session: Any, company_id: int, as_of: dt.date, basis: str, partner_id: int | None
                 ) -> list[tuple[int, str, Decimal]] | None:
    """(customer, bucket, open amount) summed in the database: one statement per receivable type, the buckets as
    date bounds (portable across the three backends). None when a type's amount is not its total."""
    from erp_core.kernel.money import MONEY_SCALE
    from erp_core.settlement.models import Settlement

    out: list[tuple[int, str, Decimal]] = []
    bounds = [(as_of - dt.timedelta(days=d), b) for d, b in ((30, "0-30"), (60, "31-60"), (90, "61-90"))]
    for t in oi.open_item_types("receivable"):
        if t.extra.get("open_amount") is not None or getattr(t.header, "due_date", None) is None and \
                basis == "due_date":
            return None
        h = t.header
        sums = select(Settlement.item_id.label("item_id"), func.sum(Settlement.amount).label("settled")).where(
            Settlement.company_id == company_id, Settlement.item_type == t.code, Settlement.settle_date <= as_of
        ).group_by(Settlement.item_id).subquery()
        raw_total = type_coerce(h.total, BigInteger)
        raw_settled = func.coalesce(type_coerce(sums.c.settled, BigInteger), 0)
        start = h.doc_date if basis == "doc_date" else func.coalesce(h.due_date, h.doc_date)
        bucket = case((start > as_of, "not_due"), *[(start >= day, b) for day, b in bounds], else_=">90")
        stmt = (select(h.partner_id, bucket, func.sum(raw_total - raw_settled))
                .outerjoin(sums, sums.c.item_id == h.id)
                .where(h.company_id == company_id, h.posted_at.is_not(None), h.doc_date <= as_of,
                       raw_total != raw_settled)
                .group_by(h.partner_id, bucket))
        if partner_id is not None:
            stmt = stmt.where(h.partner_id == partner_id)
        out += [(p or 0, b, Decimal(int(v or 0)).scaleb(-MONEY_SCALE)) for p, b, v in session.execute(stmt)]
    return out


class _AgingBuilder:
    """The aging's rows per customer, filled from open items or from sums per bucket (both paths share it)."""

    COLS = ("not_due", *BUCKETS, "open", "advance", "net")

    def __init__(self, names: dict[int, tuple[str, str]], as_of: dt.date, basis: str) -> None:
        self.names, self.out, self.per = names, Aging(as_of=as_of, basis=basis), {}

    def row(self, pid: int) -> dict[str, Any]:
        if pid not in self.per:
            code, name = self.names.get(pid, ("", ""))
            self.per[pid] = {"partner_id": pid, "customer_code": code, "customer_name": name,
                             **{c: ZERO for c in self.COLS}}
        return self.per[pid]

    def add_sum(self, pid: int, bucket: str, amount: Decimal) -> None:
        r = self.row(pid)
        r[bucket] += amount
        r["open"] += amount

    def add_item(self, i: Any) -> None:
        as_of, basis = self.out.as_of, self.out.basis
        start = i.due_date if basis == "due_date" else i.doc_date
        b = bucket_of((as_of - start).days)
        pid = i.partner_id or 0
        self.add_sum(pid, b, i.open)
        r = self.row(pid)
        self.out.items.append({"item_type": i.item_type, "item_id": i.item_id, "number": i.number,
                               "doc_date": i.doc_date, "due_date": i.due_date, "amount": i.amount,
                               "settled": i.settled, "open": i.open, "days": (as_of - i.doc_date).days,
                               "partner_id": i.partner_id, "customer_code": r["customer_code"],
                               "customer_name": r["customer_name"], "bucket": b,
                               "days_overdue": max((as_of - i.due_date).days, 0)})

    def add_advance(self, pid: int, amount: Decimal) -> None:
        self.row(pid)["advance"] += amount

    def done(self) -> Aging:
        out = self.out
        for r in self.per.values():
            r["net"] = r["open"] - r["advance"]
        out.rows = sorted(self.per.values(), key=lambda r: r["customer_code"])
        out.totals = {c: sum((r[c] for r in out.rows), ZERO) for c in self.COLS}
        return out


def aging_of(ctx: Context, company_id: int, as_of: dt.date, basis: str = "doc_date",
             partner_id: int | None = None, *, items: bool = True) -> Aging:
    """The aging per customer from the OPERATIONAL store (the whole company; the reference the analytics copy's
    figures are tested against, see aging_from_copy); with ``items`` also every open item behind it, else the
    sums are made in the database."""
    b = _AgingBuilder(customers(ctx, company_id), as_of, basis)
    sums = None if items else _bucket_sums(ctx.session, company_id, as_of, basis, partner_id)
    if sums is not None:
        for pid, bucket, amount in sums:
            b.add_sum(pid, bucket, amount)
    else:
        for i in open_receivables(ctx.session, company_id, as_of=as_of, partner_id=partner_id):
            b.add_item(i)
    for i in oi.open_items(ctx.session, company_id, kind="advance", partner_id=partner_id, as_of=as_of):
        b.add_advance(i.partner_id or 0, i.open)
    return b.done()


def aging_from_copy(db: Any, company_id: int, as_of: dt.date, basis: str = "doc_date",
                    partner_id: int | None = None, *, items: bool = True, scope: Any = None) -> Aging:
    """The same aging from the analytics copy of the open items (analytics/open_items.py), within ``scope`` (an
    analytics.open_items.RowScope; None: the whole company). The customers' names and facts (payment terms,
    department, salesperson) are read first in a short unit of work of their own; no pooled connection is held
    while DuckDB works."""
    from erp_core.analytics import open_items as aoi
    from erp_core.analytics.engine import engine_for

    scope = scope or aoi.RowScope()
    with db.uow(readonly=True) as uow:
        names = customer_names(uow.session, company_id)
        part = aoi.partners(uow.session, company_id, "receivable")
    b = _AgingBuilder(names, as_of, basis)
    with aoi.reading(engine_for(db)) as snap:
        if items:
            for i in aoi.open_items(snap, company_id, kinds=("receivable",), as_of=as_of, part=part, scope=scope,
                                    partner_id=partner_id):
                b.add_item(i)
        else:
            for pid, bucket, amount in aoi.bucket_sums(snap, company_id, kind="receivable", as_of=as_of,
                                                       basis=basis, part=part, scope=scope,
                                                       partner_id=partner_id):
                b.add_sum(pid, bucket, amount)
        for pid, amount in aoi.kind_sums(snap, company_id, kind="advance", as_of=as_of, part=part, scope=scope,
                                         partner_id=partner_id).items():
            b.add_advance(pid, amount)
        b.out.data_as_of = snap.as_of
    return b.done()


def _scope(ctx: Context) -> Any:
    from erp_core.analytics.open_items import RowScope

    return RowScope.of(ctx.actor, ctx.permission)


@query(AR_VIEW[0], zh=AR_VIEW[1], en=AR_VIEW[2], session=False)
def receivables_aging(ctx: Context, *, as_of: dt.date, basis: str = "doc_date",
                      partner_id: int | None = None, items: bool = True) -> Aging:
    """应收账龄 by open items as they stood at the end of ``as_of`` (invoices dated up to it, settlements dated up
    to it; later receipts are ignored), aged from the invoice date or the due date into 0-30 / 31-60 / 61-90 /
    >90 days (and not yet due), with the open advance receipts (预收) and the net owed per customer; ``items``:
    with the open items behind it (False: the sums only). Read from the analytics copy of the open items, within
    the grant's row scope; ``data_as_of`` says what the copy is as of."""
    if basis not in BASES:
        raise ValidationError("error.choice", field=F_BASIS)
    return aging_from_copy(ctx.db, require_company(ctx), as_of, basis, partner_id, items=items, scope=_scope(ctx))


@query(AR_VIEW[0], zh=AR_VIEW[1], en=AR_VIEW[2], session=False)
def receivables_report(ctx: Context, *, as_of: dt.date, overdue_only: bool = False) -> list[dict[str, Any]]:
    """One row per invoice open at the end of ``as_of`` (columns REPORT_COLUMNS; invoice_no is the document
    number), by customer and date; ``overdue_only``: the overdue list (due before ``as_of``). From the analytics
    copy, within the grant's row scope."""
    aging = aging_from_copy(ctx.db, require_company(ctx), as_of, scope=_scope(ctx))
    return report_rows(aging, overdue_only)


def report_rows(aging: Aging, overdue_only: bool = False) -> list[dict[str, Any]]:
    """The receivables report's rows of an aging with its items."""
    rows = [{"customer_code": i["customer_code"], "customer_name": i["customer_name"], "invoice_no": i["number"],
             "invoice_date": i["doc_date"], "due_date": i["due_date"], "amount": i["amount"].quantize(CENT),
             "settled": i["settled"].quantize(CENT), "outstanding": i["open"].quantize(CENT),
             "days_overdue": i["days_overdue"]} for i in aging.items]
    if overdue_only:
        rows = [r for r in rows if r["days_overdue"] > 0 and r["outstanding"] > 0]
    rows.sort(key=lambda r: (r["customer_code"], r["invoice_date"], r["invoice_no"]))
    return rows


@dataclass
class Statement:
    partner_id: int
    customer_code: str
    customer_name: str
    date_from: dt.date
    date_to: dt.date
    opening: Decimal = ZERO
    rows: list[dict[str, Any]] = field(default_factory=list)
    increase: Decimal = ZERO
    decrease: Decimal = ZERO
    closing: Decimal = ZERO
    gl_closing: Decimal = ZERO  # debit - credit of the receivable and advance accounts for the customer
    accounts: tuple[str, ...] = ()


def _entries(ctx: Context, company_id: int, partner_id: int, up_to: dt.date) -> list[dict[str, Any]]:
    """Posted documents that move what the customer owes: invoices (red negative) increase it; receipts decrease
    it by their cash plus discounts and write-offs; 应收冲应付 decreases it; 预收冲应收 leaves it (memo)."""
    out: list[dict[str, Any]] = []
    for t, effect in ((SALES_INVOICE, "increase"), (RECEIPT, "decrease"), (ARAP_OFFSET, "decrease"),
                      (ADVANCE_APPLY, "memo")):
        h = t.header
        for d in ctx.session.execute(select(h).where(h.company_id == company_id, h.partner_id == partner_id,
                                                     h.posted_at.is_not(None), h.doc_date <= up_to)).scalars():
            amount = d.total
            if t is RECEIPT:
                src = ctx.session.get(Receipt, d.reverses_id) if d.reverses_id else d
                extra = sum((ln.discount + ln.writeoff for ln in src.lines), ZERO)
                amount += -extra if d.reverses_id else extra
            out.append({"doc_date": d.doc_date, "doc_type": t.code, "doc_type_zh": t.zh, "doc_type_en": t.en,
                        "number": d.number, "remarks": d.remarks or "", "effect": effect, "amount": amount,
                        "posted_at": d.posted_at})
    out.sort(key=lambda e: (e["doc_date"], e["posted_at"], e["number"]))
    return out


def gl_customer_balance(ctx: Context, company_id: int, partner_id: int, up_to: dt.date) -> tuple[Decimal, tuple]:
    """Debit minus credit, up to ``up_to``, of the receivable account on the customer's dimension, less the
    advance receipts (预收) of posted receipts and applications: what the ledger says the customer owes net."""
    from erp_core.ledger.models import GlLine

    codes = tuple(sorted({account_for(ctx, "receivable", partner_id=partner_id),
                          account_for(ctx, "advance_receipt", partner_id=partner_id)}))
    d, c = ctx.session.execute(select(func.coalesce(func.sum(GlLine.debit), 0),
                                      func.coalesce(func.sum(GlLine.credit), 0))
                               .where(GlLine.company_id == company_id, GlLine.customer_id == partner_id,
                                      GlLine.posting_date <= up_to,
                                      or_(*(GlLine.account_code.startswith(code) for code in codes)))).one()
    return Decimal(d) - Decimal(c), codes


@query(AR_VIEW[0], zh=AR_VIEW[1], en=AR_VIEW[2])
def customer_statement(ctx: Context, *, partner_id: int, date_from: dt.date, date_to: dt.date) -> Statement:
    """客户对账单 for a period: opening balance, each invoice, red invoice, receipt and offset of the period,
    closing balance = what the customer owes net of advances; beside it the ledger's balance of the receivable
    and advance accounts for the customer (they differ by goods invoiced before delivery, whose net amount waits
    on 预收, and by manual vouchers or opening balances)."""
    if date_from > date_to:
        raise ValidationError("error.settlement.period", field=F_PERIOD)
    require_company_wide(ctx)
    company_id = require_company(ctx)
    code, name = customers(ctx, company_id).get(partner_id, ("", ""))
    if not code:
        raise NotFound(entity="customer", id=partner_id)
    st = Statement(partner_id, code, name, date_from, date_to)
    balance = ZERO
    for e in _entries(ctx, company_id, partner_id, date_to):
        change = e["amount"] if e["effect"] == "increase" else -e["amount"] if e["effect"] == "decrease" else ZERO
        if e["doc_date"] < date_from:
            st.opening += change
            balance = st.opening
            continue
        balance += change
        if e["effect"] == "increase":
            st.increase += e["amount"]
        elif e["effect"] == "decrease":
            st.decrease += e["amount"]
        st.rows.append({**{k: e[k] for k in ("doc_date", "doc_type", "doc_type_zh", "doc_type_en", "number",
                                             "remarks")},
                        "increase": e["amount"] if e["effect"] == "increase" else None,
                        "decrease": e["amount"] if e["effect"] == "decrease" else None,
                        "applied": e["amount"] if e["effect"] == "memo" else None, "balance": balance})
    st.closing = st.opening + st.increase - st.decrease
    st.gl_closing, st.accounts = gl_customer_balance(ctx, company_id, partner_id, date_to)
    return st


@query(AR_VIEW[0], zh=AR_VIEW[1], en=AR_VIEW[2])
def receivables_choices(ctx: Context) -> dict[int, str]:
    """Customers {id: "code name"} for the report filters."""
    company_id = require_company(ctx)
    return {i: f"{c} {n}" for i, (c, n) in sorted(customers(ctx, company_id).items(), key=lambda kv: kv[1])}


@query(INVOICE_VIEW[0], zh=INVOICE_VIEW[1], en=INVOICE_VIEW[2])
def fapiao_register(ctx: Context, *, date_from: dt.date | None = None, date_to: dt.date | None = None
                    ) -> list[dict[str, Any]]:
    """发票登记簿: issued fapiao numbers with the invoice each belongs to."""
    company_id = require_company(ctx)
    stmt = select(FapiaoRecord).where(FapiaoRecord.company_id == company_id)
    if date_from is not None:
        stmt = stmt.where(FapiaoRecord.issue_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(FapiaoRecord.issue_date <= date_to)
    numbers = dict(ctx.session.execute(select(SalesInvoice.id, SalesInvoice.number).where(
        SalesInvoice.company_id == company_id)).all())
    return [{"fapiao_no": r.fapiao_no, "issue_date": r.issue_date, "buyer_name": r.buyer_name,
             "buyer_tax_id": r.buyer_tax_id, "amount": r.amount, "tax": r.tax, "origin": r.origin,
             "invoice": numbers.get(r.invoice_id, "")}
            for r in ctx.session.execute(stmt.order_by(FapiaoRecord.issue_date, FapiaoRecord.fapiao_no)).scalars()]
