"""Posting: the ledger is append-only at the database, posting is idempotent, posting_seq is gap-free, a
reversal is a linked negated copy posted once, closed periods refuse postings."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from erp_core.db.append_only import is_append_only_violation
from erp_core.finance.models import Voucher
from erp_core.finance.queries import get_voucher
from erp_core.finance.voucher_services import create_voucher, review_voucher, update_voucher
from erp_core.kernel.errors import Conflict, ValidationError
from erp_core.ledger.models import AccountingPeriod, GlLine, Posting
from erp_core.ledger.posting import create_and_post_system_voucher, post_voucher, reverse_voucher
from erp_core.usecase import Context
from tests.finance.support import DAY, accountant, customer, line

SALE = [line("1122", debit="1130", summary="销售", customer_id=1), line("5001", credit="1000"),
        line("22210102", credit="130")]  # customer 1: made by the ``company`` fixture below


@pytest.fixture
def company(company, db):
    assert customer(db, company.company_id) == 1
    return company


def _posted(db, company_id, lines=SALE, day=DAY):
    a, b = accountant(company_id), accountant(company_id)
    vid = create_voucher(db, a, voucher_date=day, lines=lines)
    review_voucher(db, b, voucher_id=vid)
    return vid, post_voucher(db, b, voucher_id=vid), b


def _gl(db, **where):
    with db.uow(readonly=True) as uow:
        stmt = select(GlLine).order_by(GlLine.posting_seq)
        for k, v in where.items():
            stmt = stmt.where(getattr(GlLine, k) == v)
        return [(g.posting_seq, g.voucher_id, g.line_no, g.account_code, g.debit, g.credit, g.period, g.customer_id)
                for g in uow.session.execute(stmt).scalars()]


def test_post_writes_ledger_lines_in_the_same_transaction(db, company):
    vid, result, poster = _posted(db, company.company_id)
    assert (result.first_seq, result.line_count, result.replayed) == (1, 3, False)
    assert _gl(db) == [(1, vid, 1, "1122", Decimal("1130.00"), 0, "2026-11", 1),
                       (2, vid, 2, "5001", 0, Decimal("1000.00"), "2026-11", None),
                       (3, vid, 3, "22210102", 0, Decimal("130.00"), "2026-11", None)]
    d = get_voucher(db, poster, voucher_id=vid)
    assert d.status == "posted" and d.posted_by_name == poster.username


@pytest.mark.parametrize("statement", [
    "UPDATE gl_line SET debit = debit + 100",
    "DELETE FROM gl_line",
    "UPDATE posting SET content_hash = 'x'",
    "DELETE FROM posting",
    "UPDATE voucher SET attachments = 9",
    "DELETE FROM voucher_line",  # lines of a posted voucher: the voucher row refuses via the cascade below
])
def test_ledger_rows_cannot_be_changed_at_the_database(db, company, statement):
    _posted(db, company.company_id)
    before = _gl(db)
    if statement == "DELETE FROM voucher_line":
        statement = "DELETE FROM voucher"
    with pytest.raises(DBAPIError) as err:
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert is_append_only_violation(err.value)
    assert _gl(db) == before


def test_draft_voucher_rows_stay_editable_at_the_database(db, company):
    a = accountant(company.company_id)
    create_voucher(db, a, voucher_date=DAY, lines=SALE)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE voucher SET attachments = 3"))


def test_posting_twice_with_the_same_key_replays(db, company):
    vid, first, poster = _posted(db, company.company_id)
    again = post_voucher(db, poster, voucher_id=vid)
    assert again.replayed and (again.first_seq, again.line_count) == (first.first_seq, first.line_count)
    again = post_voucher(db, poster, voucher_id=vid, posting_key=f"voucher:{vid}")
    assert again.replayed
    assert len(_gl(db)) == 3


def test_same_key_different_content_is_refused(db, company):
    vid, _, poster = _posted(db, company.company_id)
    other, _, _ = _posted(db, company.company_id, lines=[line("1001", debit="1"), line("5001", credit="1")])
    with pytest.raises(Conflict) as err:
        post_voucher(db, poster, voucher_id=other, posting_key=f"voucher:{vid}")
    assert err.value.message_id == "error.finance.posting_key_mismatch"
    assert len(_gl(db)) == 5


def _system_post(db, actor, *, lines, key):
    """What a generating use case (period close) does inside its own unit of work."""
    with db.uow() as uow:
        ctx = Context(uow.session, actor, "finance.voucher.post", db, company_id=actor.company_id)
        vid = create_and_post_system_voucher(ctx, voucher_date=DAY, lines=lines, posting_key=key)
        uow.commit()
    return vid


def test_system_voucher_idempotent_by_key(db, company):
    a = accountant(company.company_id)
    lines = [line("3103", debit="500", summary="结转收入"), line("5001", credit="500")]
    first = _system_post(db, a, lines=lines, key="close:2026-11:revenue")
    assert _system_post(db, a, lines=lines, key="close:2026-11:revenue") == first
    with pytest.raises(Conflict):
        _system_post(db, a, lines=[line("3103", debit="501"), line("5001", credit="501")],
                     key="close:2026-11:revenue")
    assert len(_gl(db)) == 2
    d = get_voucher(db, a, voucher_id=first)
    assert d.status == "posted" and d.source == "system" and d.number == 1


def test_posting_seq_is_gap_free_even_after_a_failed_posting(db, company):
    _posted(db, company.company_id)
    a, b = accountant(company.company_id), accountant(company.company_id)
    vid = create_voucher(db, a, voucher_date=DAY, lines=SALE)
    review_voucher(db, b, voucher_id=vid)
    with db.uow() as uow:  # the period closes before this voucher is posted
        uow.session.add(AccountingPeriod(company_id=company.company_id, period="2026-11", status="closed"))
        uow.commit()
    with pytest.raises(ValidationError) as err:
        post_voucher(db, b, voucher_id=vid)
    assert err.value.message_id == "error.finance.period_closed"
    with db.uow() as uow:
        uow.session.get(AccountingPeriod, (company.company_id, "2026-11")).status = "open"
        uow.commit()
    _posted(db, company.company_id)
    seqs = [g[0] for g in _gl(db)]
    assert seqs == list(range(1, len(seqs) + 1)) == list(range(1, 7))


def test_reversal_is_a_draft_reviewed_by_another_then_posted_once(db, company):
    vid, _, poster = _posted(db, company.company_id)
    rid = reverse_voucher(db, poster, voucher_id=vid, voucher_date=dt.date(2026, 12, 2))
    r = get_voucher(db, poster, voucher_id=rid)
    # maker-checker (不得自审): the red entry waits for a second person; nothing reached the ledger yet
    assert r.status == "draft" and r.created_by_name == poster.username and len(_gl(db)) == 3
    with pytest.raises(Conflict) as err:
        review_voucher(db, poster, voucher_id=rid)
    assert err.value.message_id == "error.finance.voucher.self_review"
    with pytest.raises(Conflict) as err:  # the mirror of a posted voucher: not editable
        update_voucher(db, poster, voucher_id=rid, version=r.version, voucher_date=dt.date(2026, 12, 2),
                       lines=[line("1001", debit="1"), line("5001", credit="1")])
    assert err.value.message_id == "error.ledger.reversal_not_editable"
    checker = accountant(company.company_id)
    review_voucher(db, checker, voucher_id=rid)
    post_voucher(db, checker, voucher_id=rid)
    r = get_voucher(db, poster, voucher_id=rid)
    assert r.reverses_id == vid and r.status == "posted" and r.period == "2026-12" and r.source == "reversal"
    assert get_voucher(db, poster, voucher_id=vid).reversed_by_id == rid
    assert [(x.account_code, x.debit, x.credit) for x in r.lines] == [
        ("1122", Decimal("-1130.00"), 0), ("5001", 0, Decimal("-1000.00")), ("22210102", 0, Decimal("-130.00"))]
    # the ledger nets to zero per account
    with db.uow(readonly=True) as uow:
        net = uow.session.execute(select(GlLine.account_code, func.sum(GlLine.debit), func.sum(GlLine.credit))
                                  .group_by(GlLine.account_code)).all()
    assert all(d == 0 and c == 0 for _, d, c in net)
    with pytest.raises(Conflict) as err:
        reverse_voucher(db, poster, voucher_id=vid, voucher_date=dt.date(2026, 12, 2))
    assert err.value.message_id == "error.finance.voucher.already_reversed"
    with pytest.raises(Conflict):
        reverse_voucher(db, poster, voucher_id=rid, voucher_date=dt.date(2026, 12, 2))


def test_unposted_voucher_cannot_be_reversed(db, company):
    a = accountant(company.company_id)
    vid = create_voucher(db, a, voucher_date=DAY, lines=SALE)
    with pytest.raises(Conflict) as err:
        reverse_voucher(db, a, voucher_id=vid, voucher_date=DAY)
    assert err.value.message_id == "error.finance.voucher.reverse_unposted"


def test_reversal_into_closed_period_refused(db, company):
    vid, _, poster = _posted(db, company.company_id)
    with db.uow() as uow:
        uow.session.add(AccountingPeriod(company_id=company.company_id, period="2026-12", status="closed"))
        uow.commit()
    with pytest.raises(ValidationError):
        reverse_voucher(db, poster, voucher_id=vid, voucher_date=dt.date(2026, 12, 5))
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(Voucher)).scalar_one() == 1
        assert uow.session.execute(select(func.count()).select_from(Posting)).scalar_one() == 1
