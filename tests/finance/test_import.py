"""`erp import vouchers`: all or nothing with a row-by-row report; --post posts in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_core.finance.import_services import import_vouchers
from erp_core.finance.models import Voucher
from erp_core.io.importer import ImportFailed, Table
from erp_core.kernel.actor import Actor
from erp_core.ledger.models import GlLine
from erp_core.masterdata.models import Department

HEADERS = ["date", "voucher_type", "voucher_no", "line_no", "account_code", "summary", "debit", "credit",
           "department", "project", "partner"]


def _count(db, model, **where):
    with db.uow(readonly=True) as uow:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return uow.session.execute(stmt).scalar_one()


def _system(company, db=None):
    """The CLI's actor; with ``db`` the company first allows posting on import (the audited migration switch)."""
    if db is not None:
        from tests.finance.support import allow_import_posting

        allow_import_posting(db, company.company_id)
    return Actor.system(company_id=company.company_id, reason="cli")


def test_import_and_post(db, company):
    with db.uow() as uow:
        uow.session.add(Department(company_id=company.company_id, code="D01", name="销售部"))
        uow.commit()
    rows = [["2026-11-03", "记", "1", "1", "5601", "广告费", "300.00", "", "D01", "", ""],
            ["2026-11-03", "记", "1", "2", "1002", "广告费", "", "300.00", "", "", ""],
            ["2026/11/05", "", "2", "", "1001", "提现", "50", "", "", "", ""],
            ["2026/11/05", "", "2", "", "1002", "提现", "", "50", "", "", ""]]
    report = import_vouchers(db, _system(company, db), Table(HEADERS, rows, "v.csv"), post=True)
    assert report.committed and (report.vouchers, report.lines) == (2, 4)
    assert _count(db, Voucher, status="posted", source="import") == 2
    assert _count(db, GlLine) == 4
    with db.uow(readonly=True) as uow:
        dep = uow.session.execute(select(GlLine.department_id).where(GlLine.account_code == "5601")).scalar_one()
        refs = sorted(uow.session.execute(select(Voucher.external_ref, Voucher.number)).all())
    assert dep is not None and refs == [("1", 1), ("2", 2)]


def test_posted_import_keeps_voucher_lines_equal_to_ledger_lines(db, company):
    """With --post the voucher lines are copied from the ledger lines inside the database: every voucher's
    lines must equal its ledger lines and what the same file gives without --post, and the stored content
    hash must match them (posting the voucher again is a replay, not a conflict)."""
    from erp_core.finance.models import VoucherLine
    from erp_core.ledger.posting import post_voucher
    from tests.support.factories import admin_actor

    with db.uow() as uow:
        uow.session.add(Department(company_id=company.company_id, code="D01", name="销售部"))
        uow.commit()

    def rows(day):
        return [[day, "记", "1", "1", "5601", "广告费 一", "300.10", "", "D01", "", ""],
                [day, "记", "1", "2", "5601", "", "0.05", "", "", "", ""],
                [day, "记", "1", "3", "1002", "付广告费", "", "300.15", "", "", ""],
                [day, "记", "2", "1", "1001", "提现", "5.00", "", "", "", ""],
                [day, "记", "2", "2", "1002", "提现", "", "5.00", "", "", ""]]

    cols = (VoucherLine.line_no, VoucherLine.summary, VoucherLine.account_id, VoucherLine.debit,
            VoucherLine.credit, VoucherLine.department_id, VoucherLine.project_id, VoucherLine.customer_id)
    posted = import_vouchers(db, _system(company, db), Table(HEADERS, rows("2026-11-03"), "p.csv"), post=True)
    # the same file numbers in the same period: the same source vouchers, imported again on purpose
    draft = import_vouchers(db, _system(company), Table(HEADERS, rows("2026-11-04"), "d.csv"), post=False,
                            allow_reimport=True)
    with db.uow(readonly=True) as uow:
        s = uow.session
        for pid, did in zip(posted.voucher_ids, draft.voucher_ids, strict=True):
            plines = s.execute(select(*cols).where(VoucherLine.voucher_id == pid).order_by(VoucherLine.line_no)).all()
            dlines = s.execute(select(*cols).where(VoucherLine.voucher_id == did).order_by(VoucherLine.line_no)).all()
            glines = s.execute(select(GlLine.line_no, GlLine.summary, GlLine.account_id, GlLine.debit, GlLine.credit,
                                      GlLine.department_id, GlLine.project_id, GlLine.customer_id)
                               .where(GlLine.voucher_id == pid).order_by(GlLine.line_no)).all()
            assert plines == glines == dlines and len(plines) in (2, 3)
    admin = admin_actor(db, company)
    for vid in posted.voucher_ids:
        assert post_voucher(db, admin, voucher_id=vid).replayed


def test_any_problem_writes_nothing_and_reports_rows(db, company):
    rows = [["2026-11-03", "记", "1", "1", "5601", "x", "300.00", "", "NOPE", "", ""],  # unknown department
            ["2026-11-03", "记", "1", "2", "1002", "x", "", "299.00", "", "", ""],      # unbalanced
            ["2026-11-04", "记", "2", "1", "2221", "x", "10", "", "", "", ""],          # not a leaf (row 4)
            ["2026-11-05", "记", "2", "2", "1001", "x", "", "10", "", "", ""],          # date differs (row 5)
            ["not a date", "记", "3", "1", "1001", "x", "", "10", "", "", ""],          # row 6
            ["2026-11-04", "记", "4", "1", "1122", "x", "10", "", "", "", ""],          # customer required (row 7)
            ["2026-11-04", "记", "4", "2", "5001", "x", "", "10", "", "", ""]]
    with pytest.raises(ImportFailed) as err:
        import_vouchers(db, _system(company, db), Table(HEADERS, rows, "bad.csv"), post=True)
    got = {(p.row, p.column, p.message_id) for p in err.value.report.problems}
    assert (2, "department", "error.finance.import.unknown_code") in got
    assert (2, "voucher_no", "error.finance.voucher.unbalanced") in got
    assert (4, "account_code", "error.finance.line.account_not_leaf") in got
    assert (5, "date", "error.finance.import.date_mismatch") in got
    assert (6, "date", "error.finance.import.date_invalid") in got
    assert (7, "partner", "error.finance.line.dim_required") in got
    assert _count(db, Voucher) == 0 and _count(db, GlLine) == 0
    rendered = [p.render("zh_CN") for p in err.value.report.problems]
    assert all("{" not in r for r in rendered)


def test_missing_columns_reported(db, company):
    with pytest.raises(ImportFailed) as err:
        import_vouchers(db, _system(company), Table(["date", "summary"], [["2026-11-01", "x"]], "x.csv"))
    assert {p.column for p in err.value.report.problems} >= {"voucher_no", "account_code", "debit"}


def test_bulk_import_stays_a_bulk_path(db, company):
    """20,000 lines (10,000 vouchers) with --post are written by a handful of statements, not one per line or
    voucher (speed itself is measured in bench/, never asserted here)."""
    from sqlalchemy import event

    codes = ["1001", "1002", "5001", "5602", "1403", "2001"]
    rows = []
    for v in range(10_000):
        day = f"2026-11-{v % 28 + 1:02d}"
        amt = f"{(v % 977) + 1}.{v % 100:02d}"
        rows.append([day, "记", str(v + 1), "1", codes[v % 6], "批量", amt, "", "", "", ""])
        rows.append([day, "记", str(v + 1), "2", codes[(v + 1) % 6], "批量", "", amt, "", "", ""])
    statements = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = import_vouchers(db, _system(company, db), Table(HEADERS, rows, "big.csv"), post=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert report.lines == 20_000 and _count(db, GlLine) == 20_000 and _count(db, Voucher) == 10_000
    assert len(statements) < 100, statements[:20]


def test_ragged_rows_and_missing_columns(db, company):
    """A table built in code may have rows shorter than the header, and cells beyond the last header: columns
    the file lacks read as blank, never as a neighbouring cell."""
    headers = ["date", "voucher_no", "account_code", "debit", "credit"]  # no partner, department, summary...
    rows = [["2026-11-03", "1", "1001", "20", "", "C-STRAY"],  # a stray cell past the last header
            ["2026-11-03", "1", "1002", "", "20"],
            ["2026-11-04", "2", "1001", "5"],                  # short: credit missing
            ["2026-11-04", "2", "1002", "", "5", "", ""]]
    report = import_vouchers(db, _system(company, db), Table(headers, rows, "ragged.csv"), post=True)
    assert report.committed and (report.vouchers, report.lines) == (2, 4)
    with db.uow(readonly=True) as uow:
        got = uow.session.execute(select(GlLine.account_code, GlLine.debit, GlLine.credit, GlLine.customer_id,
                                         GlLine.summary).order_by(GlLine.posting_seq)).all()
    assert [(c, str(d), str(k), p, m) for c, d, k, p, m in got] == [
        ("1001", "20.00", "0.00", None, ""), ("1002", "0.00", "20.00", None, ""),
        ("1001", "5.00", "0.00", None, ""), ("1002", "0.00", "5.00", None, "")]


def test_post_import_respects_a_block_budget_over_the_whole_batch(db, company):
    from erp_core.finance.budget_services import save_budget
    from erp_core.kernel.errors import DomainError

    save_budget(db, _budget_actor(company), account_code="5601",
                period="2026-11", amount="500", control="block")
    rows = [["2026-11-03", "记", "1", "1", "5601", "广告费", "300.00", "", "", "", ""],
            ["2026-11-03", "记", "1", "2", "1002", "广告费", "", "300.00", "", "", ""],
            ["2026-11-04", "记", "2", "1", "5601", "广告费", "300.00", "", "", "", ""],
            ["2026-11-04", "记", "2", "2", "1002", "广告费", "", "300.00", "", "", ""]]
    with pytest.raises(DomainError):  # each voucher fits the budget alone; together they exceed it
        import_vouchers(db, _system(company, db), Table(HEADERS, rows, "b.csv"), post=True)
    assert _count(db, Voucher) == 0 and _count(db, GlLine) == 0
    report = import_vouchers(db, _system(company), Table(HEADERS, rows, "b.csv"))  # drafts are not checked
    assert report.vouchers == 2


def _budget_actor(company):
    from tests.support.factories import actor

    return actor(company.company_id, {"finance.budget.edit": "all"})


def test_line_numbers_in_any_digits_or_refused_by_name(db, company):
    """Full-width digits are a line number; a superscript is not (and is reported, not a crash)."""
    rows = [["2026-11-03", "记", "1", "１", "1001", "x", "10", "", "", "", ""],
            ["2026-11-03", "记", "1", "²", "1002", "x", "", "10", "", "", ""]]
    with pytest.raises(ImportFailed) as err:
        import_vouchers(db, _system(company, db), Table(HEADERS, rows, "n.csv"), post=True)
    assert [(p.row, p.column, p.value, p.message_id) for p in err.value.report.problems] == [
        (3, "line_no", "²", "error.finance.import.line_no_invalid")]
