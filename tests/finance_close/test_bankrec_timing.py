"""Bank reconciliation on any day: when the books and the bank differ only by timing (a payment booked on 12-06
that clears the bank on 12-07, a bank charge booked a day later, an item on one side only), the reconciliation
statement (余额调节表) of every day lists the timing items and its adjusted balances agree."""

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from erp_core.finance.account_services import create_account
from erp_core.finance.bankrec_queries import reconciliation
from erp_core.finance.bankrec_services import confirm_matches, import_bank_statement
from erp_core.finance.models_bankrec import BankStatementLine
from erp_core.ledger.models import GlLine
from tests.finance.support import line
from tests.finance_close.support import closer, post

D = Decimal
OPENING = D("10000.00")
START = dt.date(2026, 12, 1)
MAPPING = {"date": "日期", "description": "摘要", "reference": "流水号", "amount": "金额", "balance": "余额"}


def _book(db, cid, bank: str, amount: Decimal, day: dt.date) -> int:
    """A voucher moving ``amount`` (> 0 in, < 0 out) through ``bank``; returns its bank ledger line id."""
    if amount > 0:
        vid = post(db, cid, [line(bank, debit=str(amount)), line("5001", credit=str(amount))], day)
    else:
        vid = post(db, cid, [line("5602", debit=str(-amount)), line(bank, credit=str(-amount))], day)
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(GlLine.id).where(GlLine.voucher_id == vid,
                                                           GlLine.account_code == bank)).scalar_one()


def _setup(db, cid, items, bank: str = "1002"):
    """items: (amount, book day or None, bank day or None). Books, imports the statement, matches the pairs."""
    who = closer(cid)
    post(db, cid, [line(bank, debit=str(OPENING)), line("3001", credit=str(OPENING))], dt.date(2026, 11, 30))
    gl_ids = [_book(db, cid, bank, amt, bd) if bd else None for amt, bd, _ in items]
    on_bank = sorted((bk, i) for i, (_, _, bk) in enumerate(items) if bk)
    rows, balance = ["日期,摘要,流水号,金额,余额"], OPENING
    for bk, i in on_bank:
        balance += items[i][0]
        rows.append(f"{bk.isoformat()},item{i},R{i:03d},{items[i][0]},{balance}")
    pairs = []
    if on_bank:
        sid = import_bank_statement(db, who, account_code=bank, filename="dec.csv",
                                    content="\n".join(rows).encode(), mapping=MAPPING).statement_id
        with db.uow(readonly=True) as uow:
            by_ref = dict(uow.session.execute(select(BankStatementLine.reference, BankStatementLine.id)
                                              .where(BankStatementLine.statement_id == sid)).all())
        pairs = [(by_ref[f"R{i:03d}"], gl_ids[i]) for i, (_, bd, bk) in enumerate(items) if bd and bk]
    if pairs:
        confirm_matches(db, who, pairs=pairs)
    return who


def _expect(items, as_of):
    """What the statement of ``as_of`` must list: book items not (yet) on the bank, bank items not (yet) booked."""
    book_open = [a for a, bd, bk in items if bd and bd <= as_of and not (bk and bk <= as_of)]
    bank_open = [a for a, bd, bk in items if bk and bk <= as_of and not (bd and bd <= as_of)]
    return (sum((a for a in book_open if a > 0), D(0)), -sum((a for a in book_open if a < 0), D(0)),
            sum((a for a in bank_open if a > 0), D(0)), -sum((a for a in bank_open if a < 0), D(0)))


def test_a_payment_that_clears_the_next_day_is_an_outstanding_payment(db, company):
    cid = company.company_id
    items = [(D("-1234.50"), dt.date(2026, 12, 6), dt.date(2026, 12, 7)),
             (D("500.00"), dt.date(2026, 12, 2), dt.date(2026, 12, 2))]
    who = _setup(db, cid, items)
    rec = reconciliation(db, who, account_code="1002", as_of=dt.date(2026, 12, 6))
    assert (rec.bank_balance, rec.book_balance) == (D("10500.00"), D("9265.50"))
    assert rec.outstanding_payments == D("1234.50")  # 企业已付、银行未付
    assert [(i.day, i.amount) for i in rec.book_unmatched] == [(dt.date(2026, 12, 6), D("-1234.50"))]
    assert rec.bank_unmatched == ()
    assert rec.adjusted_bank == rec.adjusted_book == D("9265.50") and rec.balanced
    later = reconciliation(db, who, account_code="1002", as_of=dt.date(2026, 12, 7))
    assert later.book_unmatched == () and later.outstanding_payments == 0 and later.balanced


def test_a_bank_charge_booked_later_is_a_bank_item_until_booked(db, company):
    cid = company.company_id
    items = [(D("-15.00"), dt.date(2026, 12, 5), dt.date(2026, 12, 3)),
             (D("88.00"), dt.date(2026, 12, 4), dt.date(2026, 12, 2))]
    who = _setup(db, cid, items)
    rec = reconciliation(db, who, account_code="1002", as_of=dt.date(2026, 12, 3))
    assert (rec.bank_credits_not_booked, rec.bank_charges_not_booked) == (D("88.00"), D("15.00"))
    assert rec.balanced
    rec = reconciliation(db, who, account_code="1002", as_of=dt.date(2026, 12, 4))
    assert (rec.bank_credits_not_booked, rec.bank_charges_not_booked) == (D("0"), D("15.00"))
    assert rec.balanced


amount = st.integers(min_value=-500_000, max_value=500_000).filter(bool).map(lambda fen: D(fen).scaleb(-2))
item = st.tuples(amount, st.integers(0, 9), st.integers(-3, 3), st.sampled_from(["both", "both", "book", "bank"]))


def test_random_timing_differences_always_reconcile(db, company):
    """Each example on its own bank account (1002xx): the books and its statement differ only by timing."""
    cid = company.company_id
    accounts = itertools.count(1)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(raw=st.lists(item, min_size=1, max_size=6))
    def run(raw):
        bank = f"1002{next(accounts):02d}"
        create_account(db, closer(cid, "finance.account.create"), code=bank, name=f"银行{bank}")
        items = [(D("1.00"), START, START)]  # the statement starts on 12-01 (the books before it are reconciled)
        for amt, day, lag, kind in raw:
            booked = START + dt.timedelta(days=day + 3)
            cleared = booked + dt.timedelta(days=lag)
            items.append((amt, booked if kind != "bank" else None, cleared if kind != "book" else None))
        who = _setup(db, cid, items, bank)
        for n in range(0, 17):
            as_of = START + dt.timedelta(days=n)
            rec = reconciliation(db, who, account_code=bank, as_of=as_of)
            assert (rec.deposits_in_transit, rec.outstanding_payments, rec.bank_credits_not_booked,
                    rec.bank_charges_not_booked) == _expect(items, as_of), as_of
            assert rec.adjusted_bank == rec.adjusted_book, as_of

    run()
