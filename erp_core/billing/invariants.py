"""Receivables invariants for `erp check`:

- ``receivables_vs_ledger``: per company and customer, the open receivables (sales invoices, all settlements)
  equal the balance (debit - credit) of the receivable control accounts -- 1122 / the standard's default and its
  sub-accounts, and every account (with its sub-accounts) a 科目设置 rule names for the receivable role -- and
  the open advance receipts the advance accounts' balance (credit - debit, the same way), counting the ledger
  lines of the vouchers posted by sales invoices, receipts, 预收冲应收 and 应收冲应付 (an invoice's 预收 line for goods invoiced before delivery is deferred revenue, not an
  advance receipt: left out). Holds by construction; checked anyway.
- ``revenue_vs_invoices``: per company and month, the revenue and output VAT on the vouchers of sales invoices
  and revenue recognitions equal the invoices' net amounts (lines not invoiced in advance) plus the
  recognitions', and the invoices' VAT, whatever account each line went to: the accounts a role can land on
  are its default and every account a 科目设置 rule names for it, so revenue a rule sends elsewhere by product
  category (e.g. 5051 其他业务收入) is counted where it went (and an income-statement account a rule named
  when the voucher was posted still counts as revenue after the rule changed); a line of those vouchers on a
  balance-sheet account of none of the roles revenue, output VAT, receivable, advance receipt is a problem.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import or_, select

from erp_core.checks import Problem, check
from erp_core.db.like import starts_with
from erp_core.db.uow import Database

ZERO = Decimal(0)
DOCS = ("sales_invoice", "receipt", "advance_apply", "arap_offset")


def _companies(session, company_id):
    from erp_core.masterdata.models import Company

    return session.execute(select(Company.id) if company_id is None
                           else select(Company.id).where(Company.id == company_id)).scalars().all()


def receivables_vs_ledger_problems(session, company_id: int | None = None) -> list[Problem]:
    from erp_core.ledger.models import GlLine, Posting
    from erp_core.settlement.open_items import open_items

    out: list[Problem] = []
    for cid in _companies(session, company_id):
        ctx = SimpleNamespace(session=session, company_id=cid, actor=SimpleNamespace(company_id=cid))
        want: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
        for kind in ("receivable", "advance"):
            for i in open_items(session, cid, kind=kind):
                want[(kind, i.partner_id or 0)] += i.open
        have: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
        # every control account of the role: the standard's default with its sub-accounts (by prefix) and every
        # account (and its sub-accounts) a rule of 科目设置 names for it (by customer, category, warehouse)
        control = {role: role_accounts(session, ctx, role) for role in ("receivable", "advance_receipt")}
        for kind, role, docs in (("receivable", "receivable", DOCS),
                                 ("advance", "advance_receipt", ("receipt", "advance_apply"))):
            keyed = or_(*(starts_with(Posting.posting_key, f"doc:{code}:") for code in docs))
            for cust, d, c in session.execute(
                    select(GlLine.customer_id, GlLine.debit, GlLine.credit)
                    .join(Posting, Posting.voucher_id == GlLine.voucher_id)
                    .where(GlLine.company_id == cid, Posting.company_id == cid, keyed,
                           or_(*(starts_with(GlLine.account_code, a) for a in control[role])))):
                d, c = Decimal(d or 0), Decimal(c or 0)
                have[(kind, cust or 0)] += d - c if kind == "receivable" else c - d
        for key in sorted(set(want) | set(have)):
            if want.get(key, ZERO) != have.get(key, ZERO):
                out.append(Problem("check.problem.billing.vs_ledger", {
                    "company": cid, "kind": key[0], "customer": key[1], "open": f"{want.get(key, ZERO):,.2f}",
                    "ledger": f"{have.get(key, ZERO):,.2f}"}))
    return out


def revenue_vs_invoices_problems(session, company_id: int | None = None) -> list[Problem]:
    from erp_core.billing.models import SalesInvoice
    from erp_core.ledger.models import GlLine, Posting

    out: list[Problem] = []
    for cid in _companies(session, company_id):
        ctx = SimpleNamespace(session=session, company_id=cid, actor=SimpleNamespace(company_id=cid))
        want: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for doc in session.execute(select(SalesInvoice).where(SalesInvoice.company_id == cid,
                                                              SalesInvoice.posted_at.is_not(None))).scalars():
            src, sign = doc, (-1 if doc.red else 1)
            if doc.reverses_id is not None:  # a red copy of reverse_document: the original's lines, negated
                src, sign = session.get(SalesInvoice, doc.reverses_id), -1
            month = doc.doc_date.strftime("%Y-%m")
            want[(month, "revenue")] += sign * sum((ln.amount for ln in src.lines if not ln.advance), ZERO)
            want[(month, "output_vat")] += sign * sum((ln.tax_amount for ln in src.lines), ZERO)
        from erp_core.billing.models import RevenueRecognition

        for doc in session.execute(select(RevenueRecognition).where(
                RevenueRecognition.company_id == cid, RevenueRecognition.posted_at.is_not(None))).scalars():
            want[(doc.doc_date.strftime("%Y-%m"), "revenue")] += doc.total  # a red copy's total is negative
        have: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        keyed = or_(starts_with(Posting.posting_key, "doc:sales_invoice:"),
                    starts_with(Posting.posting_key, "doc:revenue_recognition:"))
        roles = {role: role_accounts(session, ctx, role) for role in ("revenue", "output_vat", "receivable",
                                                                      "advance_receipt")}
        stray: set[str] = set()
        for day, code, d, c in session.execute(
                select(GlLine.posting_date, GlLine.account_code, GlLine.debit, GlLine.credit)
                .join(Posting, Posting.voucher_id == GlLine.voucher_id)
                .where(GlLine.company_id == cid, Posting.company_id == cid, keyed)):
            # revenue on whichever account 科目设置 sends a category's revenue to; VAT likewise; the receivable
            # and the deferred revenue (预收) of goods invoiced before delivery are not revenue
            role = next((r for r, accounts in roles.items() if _under(code, accounts)), None)
            if role is None and _profit_loss(session, cid, code):
                role = "revenue"  # an income account a rule named when the voucher was posted, since changed
            if role in ("revenue", "output_vat"):
                have[(day.strftime("%Y-%m"), role)] += Decimal(c or 0) - Decimal(d or 0)
            elif role is None:
                stray.add(code)
        for code in sorted(stray):
            out.append(Problem("check.problem.billing.revenue_account", {"company": cid, "account": code}))
        for key in sorted(set(want) | set(have)):
            if want.get(key, ZERO) != have.get(key, ZERO):
                out.append(Problem("check.problem.billing.revenue", {
                    "company": cid, "month": key[0], "what": key[1], "invoices": f"{want.get(key, ZERO):,.2f}",
                    "ledger": f"{have.get(key, ZERO):,.2f}"}))
    return out


def role_accounts(session, ctx, role: str) -> tuple[str, ...]:
    """The accounts a posting role can land on in the company: the standard's default and every account a rule
    of 科目设置 names for the role (by product category, warehouse or partner)."""
    from erp_core.costing.models import AccountRule
    from erp_core.documents.accounts import account_for

    rules = session.execute(select(AccountRule.account_code).where(AccountRule.company_id == ctx.company_id,
                                                                   AccountRule.role == role)).scalars().all()
    return tuple(sorted({account_for(ctx, role), *rules}))


def _profit_loss(session, company_id: int, code: str) -> bool:
    """Whether the account is an income-statement account (损益类) of the company's chart."""
    from erp_core.finance.models import Account

    seen = session.info.setdefault("billing.profit_loss", {})
    if (company_id, code) not in seen:
        seen[(company_id, code)] = session.execute(select(Account.category).where(
            Account.company_id == company_id, Account.code == code)).scalar_one_or_none() == "profit_loss"
    return seen[(company_id, code)]


def _under(code: str, accounts: tuple[str, ...]) -> bool:
    return any(code.startswith(a) for a in accounts)


@check("receivables_vs_ledger")
def receivables_vs_ledger(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return receivables_vs_ledger_problems(uow.session)


@check("revenue_vs_invoices")
def revenue_vs_invoices(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return revenue_vs_invoices_problems(uow.session)
