"""Chart-of-accounts and opening-balance import through the ledger's own rules (dry run writes nothing)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.finance.models import Account, Voucher
from erp_core.io.importer import ImportFailed, Table
from erp_core.io.ledger_import_services import (
    dry_run_accounts,
    dry_run_opening_balances,
    import_accounts,
    import_opening_balances,
)
from erp_core.ledger.models import GlLine
from erp_core.masterdata import partners_services as ps
from tests.finance.support import allow_import_posting
from tests.support.factories import admin_actor


def _count(db, model, *where):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


def test_accounts_dry_run_lists_every_problem_then_commit_upserts(db, admin):
    before = _count(db, Account)
    table = Table(["科目编码", "科目名称", "辅助核算"], [
        ["10020101", "工行基本户", ""],  # child of a row further down: parents go first
        ["100201", "工商银行", ""],
        ["1002", "银行存款（改名）", ""],
        ["99999", "坏编码", ""],
        ["66010199", "无上级", ""],
        ["100202", "", "客户,外星人"],
    ], "accounts.csv")
    report = dry_run_accounts(db, admin, table)
    found = {(p.row, p.message_id) for p in report.problems}
    assert {p.row for p in report.problems} == {5, 6, 7}
    assert {(5, "error.finance.account.code_format"), (6, "error.finance.account.no_parent"),
            (7, "error.required"), (7, "error.choice")} <= found, found
    assert _count(db, Account) == before
    with pytest.raises(ImportFailed):
        import_accounts(db, admin, table)
    assert _count(db, Account) == before
    good = Table(table.headers, table.rows[:3], "accounts.csv")
    report = import_accounts(db, admin, good)
    assert (report.created, report.updated) == (2, 1)
    with db.uow(readonly=True) as uow:
        names = dict(uow.session.execute(select(Account.code, Account.name).where(
            Account.company_id == admin.company_id, Account.code.in_(["1002", "100201", "10020101"]))).all())
    assert names == {"1002": "银行存款（改名）", "100201": "工商银行", "10020101": "工行基本户"}


def test_opening_balances_post_one_balanced_voucher_once(db, admin):
    ps.create_customer(db, admin, values={"code": "C1", "name": "甲"})
    table = Table(["科目编码", "借方", "贷方", "客户"], [
        ["1002", "1000.00", "", ""],
        ["1122", "500.50", "", "C1"],
        ["3001", "", "1500.50", ""],
    ], "opening.xlsx")
    day = dt.date(2026, 1, 1)
    allow_import_posting(db, admin.company_id)  # posted at once only with the company's migration switch
    assert dry_run_opening_balances(db, admin, table, opening_date=day).ok
    assert _count(db, Voucher) == 0 and _count(db, GlLine) == 0
    report = import_opening_balances(db, admin, table, opening_date=day)
    assert report.committed and report.created == 3
    assert _count(db, Voucher) == 1 and _count(db, GlLine) == 3
    import_opening_balances(db, admin, table, opening_date=day)  # same file again: posted once
    assert _count(db, Voucher) == 1
    with db.uow(readonly=True) as uow:
        total = uow.session.execute(select(Voucher.total)).scalar_one()
    assert total == Decimal("1500.50")


def test_opening_balance_problems_name_rows_and_write_nothing(db, admin):
    table = Table(["account_code", "debit", "credit", "customer"], [
        ["1002", "100", "", ""],
        ["1122", "50", "", ""],  # receivables need a customer
        ["1122", "5", "", "NOPE"],
        ["3001", "", "100", ""],  # unbalanced (after the others)
    ], "o.csv")
    report = dry_run_opening_balances(db, admin, table, opening_date=dt.date(2026, 1, 1))
    assert [(p.row, p.message_id) for p in report.problems] == [(4, "error.masterdata.unknown_ref")]
    table.rows[2][3] = ""
    report = dry_run_opening_balances(db, admin, table, opening_date=dt.date(2026, 1, 1))
    assert {p.row for p in report.problems} == {3, 4}
    with pytest.raises(ImportFailed):
        import_opening_balances(db, admin, table, opening_date=dt.date(2026, 1, 1))
    assert _count(db, Voucher) == 0 and _count(db, GlLine) == 0


def test_accounts_template_passes_its_own_dry_run(db, admin):
    from erp_core.io.importer import read_table
    from erp_core.io.ledger_import_services import template

    for fmt in ("xlsx", "csv"):
        f = template("accounts", fmt, "zh_CN")
        report = dry_run_accounts(db, admin, read_table(f.data, f.filename))
        assert report.ok, [p.render("en") for p in report.problems]
    head = read_table(template("opening-balances", "csv", "en").data, "o.csv").headers
    assert head[:4] == ["Account code*", "Summary", "Debit", "Credit"]
