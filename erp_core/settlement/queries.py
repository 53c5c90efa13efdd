"""Read side of payments and settlement: the payment list and one payment, the form's choices (suppliers, bank and
cash accounts, a supplier's open invoices and prepayments), the payables aging by open items AS OF ANY DATE, and
the supplier statement (对账单) with its ledger balance beside it.

Aging and statement are company-wide figures (a supplier's balance cannot be narrowed to a department), so they
refuse a grant narrower than the company (security.scope.require_company_wide); the payment list applies the
grant's row scope (department, own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from erp_core.documents.accounts import account_for
from erp_core.documents.registry import document_type
from erp_core.kernel.errors import ValidationError
from erp_core.security.scope import require_company_wide, scoped
from erp_core.settings.common import like_pattern, require_company
from erp_core.settlement import invariants  # noqa: F401  (registers the settlement checks of `erp check`)
from erp_core.settlement import open_items as oi
from erp_core.settlement.doctypes import PAYMENT, PREPAY_APPLY
from erp_core.settlement.models import Payment, PrepaymentApplication, Settlement
from erp_core.usecase import Context, query

ZERO = Decimal(0)
PAY_VIEW = ("finance.payment.view", "查看付款单", "View payments")
PAYABLES_VIEW = ("finance.payables.view", "查看应付账款报表", "View payables reports")
BUCKETS = ("0-30", "31-60", "61-90", ">90")
BASES = ("doc_date", "due_date")
F_BASIS = "field.settlement.aging_basis"
F_PERIOD = "field.settlement.period"


def _suppliers(ctx: Context, company_id: int) -> dict[int, tuple[str, str]]:
    from erp_core.masterdata.models_partners import Supplier

    return {i: (c, n) for i, c, n in ctx.session.execute(
        select(Supplier.id, Supplier.code, Supplier.name).where(Supplier.company_id == company_id,
                                                                Supplier.merged_into.is_(None)))}


@query(PAY_VIEW[0], zh=PAY_VIEW[1], en=PAY_VIEW[2])
def payment_list(ctx: Context, *, partner_id: int | None = None, status: str | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None, search: str = "",
                 limit: int = 500) -> list[dict[str, Any]]:
    """Payments (red copies included), newest first, within the grant's row scope (department, own)."""
    company_id = require_company(ctx)
    stmt = scoped(select(Payment), ctx, company_col=Payment.company_id, department_col=Payment.department_id,
                  project_col=Payment.project_id, owner_col=Payment.created_by)
    if partner_id is not None:
        stmt = stmt.where(Payment.partner_id == partner_id)
    if status:
        stmt = stmt.where(Payment.status == status)
    if date_from is not None:
        stmt = stmt.where(Payment.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Payment.doc_date <= date_to)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(Payment.number.ilike(pat, escape="\\"), Payment.remarks.ilike(pat, escape="\\")))
    names = _suppliers(ctx, company_id)
    out = []
    for p in ctx.session.execute(stmt.options(selectinload(Payment.lines))
                                 .order_by(Payment.doc_date.desc(), Payment.id.desc())
                                 .limit(max(1, min(int(limit), 5000)))).scalars():
        code, name = names.get(p.partner_id or 0, ("", ""))
        prepaid = sum((ln.amount for ln in p.lines if ln.item_type is None), ZERO) if p.reverses_id is None else None
        out.append({"id": p.id, "number": p.number, "doc_date": p.doc_date, "supplier_code": code,
                    "supplier_name": name, "account_code": p.account_code, "total": p.total,
                    "prepaid": prepaid, "status": p.status, "remarks": p.remarks, "version": p.version,
                    "reverses_id": p.reverses_id, "voucher_id": p.voucher_id})
    return out


@query(PAY_VIEW[0], zh=PAY_VIEW[1], en=PAY_VIEW[2])
def payment_detail(ctx: Context, *, payment_id: int) -> dict[str, Any]:
    """One payment: header, lines (the invoice each pays, or 预付) and the settlement rows it made."""
    from erp_core.documents.services import load_document
    from erp_core.kernel.errors import NotFound
    from erp_core.security.scope import may_touch

    doc = load_document(ctx, PAYMENT, payment_id)
    if not may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id, project_id=doc.project_id,
                     owner_id=doc.created_by):
        raise NotFound(entity="payment", id=payment_id)
    numbers = {}
    # a red copy's lines carry no item (reverse_document copies the kernel's columns): read its original's
    original = ctx.session.get(Payment, doc.reverses_id) if doc.reverses_id is not None else None
    targets = {ln.line_no: (ln.item_type, ln.item_id) for ln in (original or doc).lines}
    for ln in doc.lines:
        item_type, item_id = targets.get(ln.line_no, (None, None))
        if item_type is not None:
            t = document_type(item_type)
            item = ctx.session.get(t.header, item_id)
            numbers[ln.id] = item.number if item is not None else ""
    rows = ctx.session.execute(select(Settlement).where(
        Settlement.company_id == doc.company_id,
        or_((Settlement.source_type == PAYMENT.code) & (Settlement.source_id == doc.id),
            (Settlement.item_type == PAYMENT.code) & (Settlement.item_id == doc.id))).order_by(Settlement.id)).scalars()
    code, name = _suppliers(ctx, doc.company_id).get(doc.partner_id or 0, ("", ""))
    return {"id": doc.id, "number": doc.number, "doc_date": doc.doc_date, "partner_id": doc.partner_id,
            "supplier_code": code, "supplier_name": name, "account_code": doc.account_code, "total": doc.total,
            "status": doc.status, "remarks": doc.remarks, "version": doc.version, "posted": doc.posted_at is not None,
            "reverses_id": doc.reverses_id, "reversed_by_id": doc.reversed_by_id, "voucher_id": doc.voucher_id,
            "lines": [{"line_no": ln.line_no, "item_type": targets.get(ln.line_no, (None, None))[0],
                       "item_id": targets.get(ln.line_no, (None, None))[1],
                       "item_number": numbers.get(ln.id, ""), "amount": ln.amount, "remarks": ln.remarks}
                      for ln in doc.lines],
            "settlements": [{"date": r.settle_date, "item_number": r.item_number, "source_number": r.source_number,
                             "amount": r.amount, "reverses_id": r.reverses_id} for r in rows]}


@query(PAY_VIEW[0], zh=PAY_VIEW[1], en=PAY_VIEW[2])
def payment_choices(ctx: Context) -> dict[str, Any]:
    """What the payment form offers: suppliers {id: "code name"}, bank and cash leaf accounts {code: name}."""
    from erp_core.finance.models import Account

    company_id = require_company(ctx)
    roots = (account_for(ctx, "bank"), account_for(ctx, "cash"))
    accounts = {c: n for c, n in ctx.session.execute(
        select(Account.code, Account.name).where(Account.company_id == company_id, Account.is_leaf.is_(True),
                                                 Account.status == "active", or_(*(Account.code.startswith(r)
                                                                                  for r in roots)))
        .order_by(Account.code))}
    suppliers = {i: f"{c} {n}" for i, (c, n) in sorted(_suppliers(ctx, company_id).items(), key=lambda kv: kv[1])}
    from erp_core.settlement.services import default_bank_account

    return {"suppliers": suppliers, "accounts": accounts, "default_account": default_bank_account(ctx)}


def _item_rows(items: list[oi.OpenItem], as_of: dt.date | None) -> list[dict[str, Any]]:
    return [{"item_type": i.item_type, "item_id": i.item_id, "number": i.number, "doc_date": i.doc_date,
             "due_date": i.due_date, "amount": i.amount, "settled": i.settled, "open": i.open,
             "days": (as_of - i.doc_date).days if as_of else None} for i in items]


@query(PAY_VIEW[0], zh=PAY_VIEW[1], en=PAY_VIEW[2])
def supplier_open_items(ctx: Context, *, partner_id: int, kind: str = "payable") -> list[dict[str, Any]]:
    """The supplier's open invoices ("payable") or open prepayments ("prepayment") now, oldest first: what a
    payment or a 预付冲应付 may settle."""
    if kind not in ("payable", "prepayment"):
        raise ValidationError("error.choice", field="field.settlement.item")
    company_id = require_company(ctx)
    return _item_rows(oi.open_items(ctx.session, company_id, kind=kind, partner_id=partner_id), None)


@dataclass
class Aging:
    as_of: dt.date
    basis: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)  # every open item, with its bucket
    data_as_of: Any = None  # the analytics copy's AsOf (None: read from the operational store)


def bucket_of(days: int) -> str:
    """0-30 / 31-60 / 61-90 / >90 days; an item not yet due (days < 0, due-date basis) is "not_due"."""
    if days < 0:
        return "not_due"
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return ">90"


@query(PAYABLES_VIEW[0], zh=PAYABLES_VIEW[1], en=PAYABLES_VIEW[2], session=False)
def payables_aging(ctx: Context, *, as_of: dt.date, basis: str = "doc_date",
                   partner_id: int | None = None) -> Aging:
    """应付账龄 by open items as they stood at the end of ``as_of`` (invoices dated up to it, settlements dated up
    to it; later payments are ignored), aged from the invoice date or the due date: per supplier the open amount
    in 0-30 / 31-60 / 61-90 / >90 days (and not yet due), the open prepayments and the net owed. Read from the
    analytics copy of the open items (analytics/open_items.py; payables_aging_of is the same from the store)."""
    if basis not in BASES:
        raise ValidationError("error.choice", field=F_BASIS)
    require_company_wide(ctx)
    return payables_aging_from_copy(ctx.db, require_company(ctx), as_of, basis, partner_id)


class _Builder:
    COLS = ("not_due", *BUCKETS, "open", "prepaid", "net")

    def __init__(self, names: dict[int, tuple[str, str]], as_of: dt.date, basis: str) -> None:
        self.names, self.out, self.per = names, Aging(as_of=as_of, basis=basis), {}

    def row(self, pid: int) -> dict[str, Any]:
        if pid not in self.per:
            code, name = self.names.get(pid, ("", ""))
            self.per[pid] = {"partner_id": pid, "supplier_code": code, "supplier_name": name,
                             **{c: ZERO for c in self.COLS}}
        return self.per[pid]

    def add_item(self, i: Any) -> None:
        as_of = self.out.as_of
        start = i.due_date if self.out.basis == "due_date" else i.doc_date
        b = bucket_of((as_of - start).days)
        r = self.row(i.partner_id or 0)
        r[b] += i.open
        r["open"] += i.open
        self.out.items.append({"item_type": i.item_type, "item_id": i.item_id, "number": i.number,
                               "doc_date": i.doc_date, "due_date": i.due_date, "amount": i.amount,
                               "settled": i.settled, "open": i.open, "days": (as_of - i.doc_date).days,
                               "partner_id": i.partner_id, "supplier_code": r["supplier_code"],
                               "supplier_name": r["supplier_name"], "bucket": b})

    def done(self) -> Aging:
        for r in self.per.values():
            r["net"] = r["open"] - r["prepaid"]
        self.out.rows = sorted(self.per.values(), key=lambda r: r["supplier_code"])
        self.out.totals = {c: sum((r[c] for r in self.out.rows), ZERO) for c in self.COLS}
        return self.out


def payables_aging_of(ctx: Context, company_id: int, as_of: dt.date, basis: str = "doc_date",
                      partner_id: int | None = None) -> Aging:
    """The payables aging from the OPERATIONAL store (the reference the analytics copy is tested against)."""
    b = _Builder(_suppliers(ctx, company_id), as_of, basis)
    for i in oi.open_items(ctx.session, company_id, kind="payable", partner_id=partner_id, as_of=as_of):
        b.add_item(i)
    for i in oi.open_items(ctx.session, company_id, kind="prepayment", partner_id=partner_id, as_of=as_of):
        b.row(i.partner_id or 0)["prepaid"] += i.open
    return b.done()


def payables_aging_from_copy(db: Any, company_id: int, as_of: dt.date, basis: str = "doc_date",
                             partner_id: int | None = None) -> Aging:
    """The payables aging from the analytics copy of the open items (the whole company)."""
    from erp_core.analytics import open_items as aoi
    from erp_core.analytics.engine import engine_for

    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, None, PAYABLES_VIEW[0], db, company_id=company_id)  # type: ignore[arg-type]
        names = _suppliers(ctx, company_id)
        part = aoi.partners(uow.session, company_id, "payable")
    b = _Builder(names, as_of, basis)
    with aoi.reading(engine_for(db)) as snap:
        for i in aoi.open_items(snap, company_id, kinds=("payable",), as_of=as_of, part=part,
                                partner_id=partner_id):
            b.add_item(i)
        for pid, amount in aoi.kind_sums(snap, company_id, kind="prepayment", as_of=as_of, part=part,
                                         partner_id=partner_id).items():
            b.row(pid)["prepaid"] += amount
        b.out.data_as_of = snap.as_of
    return b.done()


@dataclass
class Statement:
    partner_id: int
    supplier_code: str
    supplier_name: str
    date_from: dt.date
    date_to: dt.date
    opening: Decimal = ZERO
    rows: list[dict[str, Any]] = field(default_factory=list)
    increase: Decimal = ZERO
    decrease: Decimal = ZERO
    closing: Decimal = ZERO
    gl_closing: Decimal = ZERO  # credit - debit of the payable and prepayment accounts for the supplier
    accounts: tuple[str, ...] = ()


def _entries(ctx: Context, company_id: int, partner_id: int, up_to: dt.date) -> list[dict[str, Any]]:
    """Every posted document that moves what we owe the supplier, up to ``up_to``: invoices and returns (the
    open-item types of kind payable, red copies negative) increase it, payments decrease it by their total
    (the settled and the prepaid part), a 预付冲应付 moves it from payable to prepayment and leaves it."""
    out: list[dict[str, Any]] = []
    kinds = [(t, "increase") for t in oi.open_item_types("payable")] + [(PAYMENT, "decrease"), (PREPAY_APPLY, "memo")]
    for t, effect in kinds:
        h = t.header
        for d in ctx.session.execute(select(h).where(h.company_id == company_id, h.partner_id == partner_id,
                                                     h.posted_at.is_not(None), h.doc_date <= up_to)).scalars():
            out.append({"doc_date": d.doc_date, "doc_type": t.code, "doc_type_zh": t.zh, "doc_type_en": t.en,
                        "number": d.number, "remarks": d.remarks or "", "effect": effect, "amount": d.total,
                        "posted_at": d.posted_at})
    out.sort(key=lambda e: (e["doc_date"], e["posted_at"], e["number"]))
    return out


def _change(e: dict[str, Any]) -> Decimal:
    return e["amount"] if e["effect"] == "increase" else -e["amount"] if e["effect"] == "decrease" else ZERO


def gl_supplier_balance(ctx: Context, company_id: int, partner_id: int, up_to: dt.date) -> tuple[Decimal, tuple]:
    """Credit minus debit, up to ``up_to``, of the payable and prepayment accounts (and their sub-accounts) on
    the supplier's dimension: what the ledger says we owe them, net of what we prepaid."""
    from erp_core.ledger.models import GlLine

    codes = tuple(sorted({account_for(ctx, "payable", partner_id=partner_id),
                          account_for(ctx, "prepayment", partner_id=partner_id)}))
    d, c = ctx.session.execute(select(func.coalesce(func.sum(GlLine.debit), 0), func.coalesce(func.sum(GlLine.credit), 0))
                               .where(GlLine.company_id == company_id, GlLine.supplier_id == partner_id,
                                      GlLine.posting_date <= up_to,
                                      or_(*(GlLine.account_code.startswith(code) for code in codes)))).one()
    return Decimal(c) - Decimal(d), codes


@query(PAYABLES_VIEW[0], zh=PAYABLES_VIEW[1], en=PAYABLES_VIEW[2])
def supplier_statement(ctx: Context, *, partner_id: int, date_from: dt.date, date_to: dt.date) -> Statement:
    """供应商对账单 for a period: the opening balance (what we owed at the end of the day before), each invoice,
    return, payment and prepayment application of the period, the closing balance, and the ledger's balance of
    the payable and prepayment accounts for the supplier at the end of the period beside it (they agree when
    every posting to those accounts came from these documents)."""
    if date_from > date_to:
        raise ValidationError("error.settlement.period", field=F_PERIOD)
    require_company_wide(ctx)
    company_id = require_company(ctx)
    code, name = _suppliers(ctx, company_id).get(partner_id, ("", ""))
    if not code:
        from erp_core.kernel.errors import NotFound

        raise NotFound(entity="supplier", id=partner_id)
    st = Statement(partner_id, code, name, date_from, date_to)
    balance = ZERO
    for e in _entries(ctx, company_id, partner_id, date_to):
        change = _change(e)
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
    st.gl_closing, st.accounts = gl_supplier_balance(ctx, company_id, partner_id, date_to)
    return st


@query(PAYABLES_VIEW[0], zh=PAYABLES_VIEW[1], en=PAYABLES_VIEW[2])
def payables_choices(ctx: Context) -> dict[int, str]:
    """Suppliers {id: "code name"} for the report filters."""
    company_id = require_company(ctx)
    return {i: f"{c} {n}" for i, (c, n) in sorted(_suppliers(ctx, company_id).items(), key=lambda kv: kv[1])}


def application_list_rows(ctx: Context, company_id: int, partner_id: int | None) -> list[dict[str, Any]]:
    stmt = select(PrepaymentApplication).where(PrepaymentApplication.company_id == company_id)
    if partner_id is not None:
        stmt = stmt.where(PrepaymentApplication.partner_id == partner_id)
    return [{"id": a.id, "number": a.number, "doc_date": a.doc_date, "partner_id": a.partner_id, "total": a.total,
             "status": a.status, "reverses_id": a.reverses_id}
            for a in ctx.session.execute(stmt.order_by(PrepaymentApplication.id.desc())).scalars()]


@query("finance.prepayment.view", zh="查看预付冲应付", en="View prepayment applications")
def application_list(ctx: Context, *, partner_id: int | None = None) -> list[dict[str, Any]]:
    """预付冲应付 documents (red copies included), newest first, with the supplier."""
    require_company_wide(ctx)
    company_id = require_company(ctx)
    names = _suppliers(ctx, company_id)
    rows = application_list_rows(ctx, company_id, partner_id)
    for r in rows:
        r["supplier_code"], r["supplier_name"] = names.get(r["partner_id"] or 0, ("", ""))
    return rows
