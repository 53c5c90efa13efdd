"""Bank reconciliation reads: bank accounts, match suggestions, matches, and the reconciliation statement
(余额调节表):

    bank balance + deposits in transit (book receipts not yet in the bank) - outstanding payments (book payments
    not yet in the bank)  ==  book balance + bank credits not booked (bank receipts not in the books) - bank
    charges not booked (bank payments not in the books)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.finance.bankrec_services import BANK_PREFIX, Suggestion, bank_account, suggest, unmatched_lines
from erp_core.finance.models import Account, Voucher, voucher_display_no
from erp_core.finance.models_bankrec import BankMatch, BankStatementLine
from erp_core.ledger.models import GlLine
from erp_core.security.scope import require_company_wide
from erp_core.usecase import Context, query

VIEW = ("finance.bankrec.view", "查看银行对账", "View bank reconciliation")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Item:
    id: int  # statement line id or gl_line id
    day: dt.date
    amount: Decimal  # signed: > 0 money in
    text: str  # description / summary
    reference: str  # statement reference / voucher number


@dataclass(frozen=True)
class MatchRow:
    id: int
    amount: Decimal
    statement_date: dt.date
    book_date: dt.date
    description: str
    summary: str
    voucher_no: str
    score: int
    matched_by: str


@dataclass(frozen=True)
class Reconciliation:
    account_code: str
    as_of: dt.date
    bank_balance: Decimal
    book_balance: Decimal
    deposits_in_transit: Decimal  # 企业已收、银行未收
    outstanding_payments: Decimal  # 企业已付、银行未付
    bank_credits_not_booked: Decimal  # 银行已收、企业未收
    bank_charges_not_booked: Decimal  # 银行已付、企业未付
    book_unmatched: tuple[Item, ...]
    bank_unmatched: tuple[Item, ...]

    @property
    def adjusted_bank(self) -> Decimal:
        return self.bank_balance + self.deposits_in_transit - self.outstanding_payments

    @property
    def adjusted_book(self) -> Decimal:
        return self.book_balance + self.bank_credits_not_booked - self.bank_charges_not_booked

    @property
    def balanced(self) -> bool:
        return self.adjusted_bank == self.adjusted_book


def _company_wide(ctx: Context) -> None:
    """Bank accounts belong to no department or project: a narrower grant sees nothing (deny by default)."""
    require_company_wide(ctx, "error.finance_bankrec.company_scope")


@query(*VIEW[:1], zh=VIEW[1], en=VIEW[2])
def bank_accounts(ctx: Context) -> list[tuple[str, str]]:
    """(code, label) of the company's postable bank accounts (1002 and its sub-accounts)."""
    _company_wide(ctx)
    rows = ctx.session.execute(select(Account).where(Account.company_id == ctx.actor.company_id,
                                                     Account.code.like(f"{BANK_PREFIX}%"), Account.is_leaf)
                               .order_by(Account.code)).scalars()
    return [(a.code, a.label(ctx.actor.locale)) for a in rows]


@query(*VIEW[:1], zh=VIEW[1], en=VIEW[2])
def match_suggestions(ctx: Context, *, account_code: str, window_days: int = 3) -> list[Suggestion]:
    _company_wide(ctx)
    acc = bank_account(ctx.session, ctx.actor.company_id, account_code)
    return suggest(ctx.session, ctx.actor.company_id, acc.id, max(0, min(int(window_days), 60)))


@query(*VIEW[:1], zh=VIEW[1], en=VIEW[2])
def list_matches(ctx: Context, *, account_code: str) -> list[MatchRow]:
    _company_wide(ctx)
    acc = bank_account(ctx.session, ctx.actor.company_id, account_code)
    rows = ctx.session.execute(
        select(BankMatch, BankStatementLine, GlLine, Voucher.voucher_type, Voucher.number)
        .join(BankStatementLine, BankStatementLine.id == BankMatch.statement_line_id)
        .join(GlLine, GlLine.id == BankMatch.gl_line_id).join(Voucher, Voucher.id == GlLine.voucher_id)
        .where(BankMatch.company_id == ctx.actor.company_id, BankMatch.account_id == acc.id)
        .order_by(BankStatementLine.line_date, BankMatch.id)).all()
    return [MatchRow(m.id, Decimal(st.amount), st.line_date, g.posting_date, st.description, g.summary,
                     voucher_display_no(t, n), m.score, m.matched_by) for m, st, g, t, n in rows]


def _bank_balance(session, company_id: int, account_id: int, as_of: dt.date) -> Decimal:
    """The statement balance on ``as_of``: opening (the first line's balance less its amount, when the file
    has balances) plus every amount up to that day."""
    first = session.execute(select(BankStatementLine).where(BankStatementLine.company_id == company_id,
                                                            BankStatementLine.account_id == account_id)
                            .order_by(BankStatementLine.line_date, BankStatementLine.id).limit(1)).scalar()
    if first is None:
        return ZERO
    opening = Decimal(first.balance) - Decimal(first.amount) if first.balance is not None else ZERO
    total = session.execute(select(func.sum(BankStatementLine.amount)).where(
        BankStatementLine.company_id == company_id, BankStatementLine.account_id == account_id,
        BankStatementLine.line_date <= as_of)).scalar()
    return opening + Decimal(total or 0)


@query(*VIEW[:1], zh=VIEW[1], en=VIEW[2])
def reconciliation(ctx: Context, *, account_code: str, as_of: dt.date, since: dt.date | None = None
                   ) -> Reconciliation:
    """The reconciliation statement of a bank account on ``as_of``. Ledger lines before ``since`` (default: the
    first day of the month of the first statement line) count as reconciled before the statement began."""
    _company_wide(ctx)
    s, cid = ctx.session, ctx.actor.company_id
    acc = bank_account(s, cid, account_code)
    if since is None:
        since = s.execute(select(func.min(BankStatementLine.line_date)).where(
            BankStatementLine.company_id == cid, BankStatementLine.account_id == acc.id)).scalar()
        since = since.replace(day=1) if since is not None else None
    d, c = s.execute(select(func.sum(GlLine.debit), func.sum(GlLine.credit)).where(
        GlLine.company_id == cid, GlLine.account_id == acc.id, GlLine.posting_date <= as_of)).one()
    book_balance = Decimal(d or 0) - Decimal(c or 0)
    statement, book = unmatched_lines(s, cid, acc.id, since=since, until=as_of)
    book_items = tuple(Item(g.id, g.posting_date, Decimal(g.debit) - Decimal(g.credit), g.summary, no)
                       for g, no in book)
    bank_items = tuple(Item(x.id, x.line_date, Decimal(x.amount), x.description, x.reference) for x in statement)
    return Reconciliation(
        acc.code, as_of, _bank_balance(s, cid, acc.id, as_of), book_balance,
        deposits_in_transit=sum((i.amount for i in book_items if i.amount > 0), ZERO),
        outstanding_payments=-sum((i.amount for i in book_items if i.amount < 0), ZERO),
        bank_credits_not_booked=sum((i.amount for i in bank_items if i.amount > 0), ZERO),
        bank_charges_not_booked=-sum((i.amount for i in bank_items if i.amount < 0), ZERO),
        book_unmatched=book_items, bank_unmatched=bank_items)
