"""Bank reconciliation: a statement imports (CSV with inflow/outflow columns, XLSX with a signed amount), bad
files write nothing and list every problem, matching picks the right ledger lines (amount, date window,
reference), undo restores the unmatched items, and the reconciliation statement balances."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from erp_core.finance.bankrec_queries import bank_accounts, list_matches, match_suggestions, reconciliation
from erp_core.finance.bankrec_services import auto_match, confirm_matches, import_bank_statement, undo_match
from erp_core.finance.models_bankrec import BankStatementLine
from erp_core.kernel.errors import Conflict, PermissionDenied, ValidationErrors
from tests.finance.support import line
from tests.finance_close.support import closer, post
from tests.support.factories import actor

D = Decimal
CSV = """交易日期,摘要,流水号,支出,收入,余额
2026-11-04,货款,REF001,,"1,130.00",11130.00
2026-11-05,转账支出,,500.00,,10630.00
2026-11-20,手续费,,15.00,,10615.00
2026-11-25,利息,,,40.00,10655.00
""".encode()
SPLIT = {"date": "交易日期", "description": "摘要", "reference": "流水号", "outflow": "支出", "inflow": "收入",
         "balance": "余额"}


def _books(db, cid):
    post(db, cid, [line("1002", debit="10000"), line("3001", credit="10000")], dt.date(2026, 10, 31))
    post(db, cid, [line("1002", debit="1130", summary="收货款 REF001"), line("5001", credit="1000"),
                   line("22210102", credit="130")], dt.date(2026, 11, 3))
    post(db, cid, [line("5602", debit="500", summary="房租"), line("1002", credit="500", summary="房租")],
         dt.date(2026, 11, 5))
    post(db, cid, [line("5602", debit="500", summary="咨询费"), line("1002", credit="500", summary="咨询费")],
         dt.date(2026, 11, 20))
    post(db, cid, [line("1002", debit="200", summary="收现金存入"), line("5001", credit="200")],
         dt.date(2026, 11, 28))
    post(db, cid, [line("5602", debit="300", summary="开出支票"), line("1002", credit="300")],
         dt.date(2026, 11, 29))


def test_import_match_undo_and_reconcile(db, company):
    cid = company.company_id
    who = closer(cid)
    _books(db, cid)
    assert ("1002", "1002 银行存款") in bank_accounts(db, who)
    result = import_bank_statement(db, who, account_code="1002", filename="nov.csv", content=CSV, mapping=SPLIT)
    assert result.line_count == 4
    again = import_bank_statement(db, who, account_code="1002", filename="nov.csv", content=CSV, mapping=SPLIT)
    assert (again.statement_id, again.line_count, again.skipped) == (None, 0, 4)  # an overlapping file
    suggestions = match_suggestions(db, who, account_code="1002", window_days=3)
    pairs = {(s.amount, s.book_date, s.score) for s in suggestions}
    # the receipt matches on amount, a 1-day gap and the reference; the -500 on 11-05 takes the 11-05 payment,
    # not the one on 11-20 (outside the window)
    assert pairs == {(D("1130.00"), dt.date(2026, 11, 3), 50 + 22 + 20), (D("-500.00"), dt.date(2026, 11, 5), 80)}
    ids = auto_match(db, who, account_code="1002", window_days=3, min_score=70)
    assert len(ids) == 2 and match_suggestions(db, who, account_code="1002") == []
    rec = reconciliation(db, who, account_code="1002", as_of=dt.date(2026, 11, 30))
    assert (rec.bank_balance, rec.book_balance) == (D("10655.00"), D("10030.00"))
    assert (rec.deposits_in_transit, rec.outstanding_payments) == (D("200.00"), D("800.00"))
    assert (rec.bank_credits_not_booked, rec.bank_charges_not_booked) == (D("40.00"), D("15.00"))
    assert rec.adjusted_bank == rec.adjusted_book == D("10055.00") and rec.balanced
    assert sorted(i.amount for i in rec.book_unmatched) == [D("-500.00"), D("-300.00"), D("200.00")]
    assert sorted(i.amount for i in rec.bank_unmatched) == [D("-15.00"), D("40.00")]
    # undo one match: both lines are unmatched again and the statement still balances
    matches = list_matches(db, who, account_code="1002")
    undo_match(db, who, match_id=[m for m in matches if m.amount == D("1130.00")][0].id)
    rec = reconciliation(db, who, account_code="1002", as_of=dt.date(2026, 11, 30))
    assert rec.deposits_in_transit == D("1330.00") and rec.bank_credits_not_booked == D("1170.00")
    assert rec.balanced
    assert len(list_matches(db, who, account_code="1002")) == 1
    # by hand: a wrong amount is refused, the right pair accepted, a second use of a line refused
    st_1130 = [i for i in rec.bank_unmatched if i.amount == D("1130.00")][0].id
    gl_1130 = [i for i in rec.book_unmatched if i.amount == D("1130.00")][0].id
    gl_200 = [i for i in rec.book_unmatched if i.amount == D("200.00")][0].id
    with pytest.raises(Conflict):
        confirm_matches(db, who, pairs=[(st_1130, gl_200)])
    confirm_matches(db, who, pairs=[(st_1130, gl_1130)])
    with pytest.raises(Conflict):
        confirm_matches(db, who, pairs=[(st_1130, gl_1130)])
    with pytest.raises(PermissionDenied):
        undo_match(db, actor(cid, {"finance.bankrec.view": "all"}), match_id=ids[0])


def test_xlsx_signed_amount_import(db, company):
    cid = company.company_id
    who = closer(cid)
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "说明", "金额"])
    ws.append([dt.datetime(2026, 11, 4), "收款", 1130])
    ws.append(["2026/11/5", "付款", -500.25])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_bank_statement(db, who, account_code="1002", filename="nov.xlsx", content=buf.getvalue(),
                                   mapping={"date": "日期", "description": "说明", "amount": "金额"})
    assert result.line_count == 2
    with db.uow(readonly=True) as uow:
        got = uow.session.execute(select(BankStatementLine.line_date, BankStatementLine.amount)
                                  .order_by(BankStatementLine.row_no)).all()
    assert got == [(dt.date(2026, 11, 4), D("1130.00")), (dt.date(2026, 11, 5), D("-500.25"))]


def test_bad_statement_writes_nothing_and_lists_every_problem(db, company):
    who = closer(company.company_id)
    bad = "交易日期,摘要,流水号,支出,收入,余额\n2026-13-01,x,,1,,\n2026-11-02,y,,abc,,\n2026-11-03,z,,,,\n".encode()
    with pytest.raises(ValidationErrors) as err:
        import_bank_statement(db, who, account_code="1002", filename="bad.csv", content=bad, mapping=SPLIT)
    assert {(e.message_id, e.params.get("row")) for e in err.value.errors} == {
        ("error.finance_bankrec.row_date", 2), ("error.finance_bankrec.row_amount", 3),
        ("error.finance_bankrec.row_required", 4)}
    with pytest.raises(ValidationErrors) as err:
        import_bank_statement(db, who, account_code="1122", filename="a.csv", content=CSV, mapping=SPLIT)
    with pytest.raises(ValidationErrors) as err:
        import_bank_statement(db, who, account_code="1002", filename="a.csv", content=CSV,
                              mapping={"date": "日期", "amount": "金额", "inflow": "收入"})
    assert {e.message_id for e in err.value.errors} == {"error.finance_bankrec.column_missing",
                                                        "error.finance_bankrec.amount_columns"}
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(BankStatementLine)).scalar() == 0


def test_a_department_scoped_viewer_sees_no_bank_data(db, company):
    viewer = actor(company.company_id, {"finance.bankrec.view": "department"}, department_ids=frozenset({1}))
    for call in (lambda: bank_accounts(db, viewer),
                 lambda: reconciliation(db, viewer, account_code="1002", as_of=dt.date(2026, 11, 30)),
                 lambda: list_matches(db, viewer, account_code="1002")):
        with pytest.raises(PermissionDenied) as err:
            call()
        assert err.value.message_id == "error.finance_bankrec.company_scope"
