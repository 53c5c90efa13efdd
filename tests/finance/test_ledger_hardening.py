"""Issue #11 items 1, 4, 13, 14, 28: the posting rules hold in a fresh process, voucher dates stay inside the
company's window, `erp check` finds a posting made into a closed period, imports and opening balances follow
maker-checker (不得自审), a voucher file is not imported twice, and a total too large for a money column is a
field-named error."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erp_core.finance.import_services import import_vouchers, set_import_posting
from erp_core.finance.models import FinanceSetting, Voucher
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.io.importer import ImportFailed, Table
from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from erp_core.ledger.invariants import ledger_problems
from erp_core.ledger.models import AccountingPeriod, GlLine
from erp_core.ledger.posting import post_voucher
from erp_core.security.models import AuditLog
from tests.finance.support import accountant, allow_import_posting, ids, line
from tests.support.factories import actor

ROOT = Path(__file__).resolve().parents[2]
HEADERS = ["date", "voucher_type", "voucher_no", "line_no", "account_code", "summary", "debit", "credit"]
OCT = dt.date(2026, 10, 10)


def _count(db, model, *where):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _close(db, company_id: int, period: str, at: dt.datetime | None = None) -> None:
    """A closed period as the close use case leaves it (status and the moment)."""
    with db.uow() as uow:
        uow.session.add(AccountingPeriod(company_id=company_id, period=period, status="closed",
                                         closed_at=at or naive_utcnow(), closed_by="test"))
        uow.commit()


def _reviewed(db, company_id: int, day: dt.date = OCT) -> int:
    a, b = accountant(company_id), accountant(company_id)
    vid = create_voucher(db, a, voucher_date=day, lines=[line("1001", debit="10"), line("5001", credit="10")])
    review_voucher(db, b, voucher_id=vid)
    return vid


def _rows(day: str, no: str = "1", amount: str = "10") -> list[list[str]]:
    return [[day, "记", no, "1", "1001", "导入", amount, ""], [day, "记", no, "2", "5001", "导入", "", amount]]


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


# -- item 1: the rules live where posting lives ------------------------------------------------------------------

def test_a_fresh_process_that_only_imports_posting_refuses_a_date_before_a_closed_period(db, db_url, company):
    cid = company.company_id
    vid = _reviewed(db, cid)
    _close(db, cid, "2026-11")
    done = _python("""
        import sys
        from pathlib import Path
        from erp_core.config import Settings
        from erp_core.db.engine import make_engine
        from erp_core.db.uow import Database
        from erp_core.kernel.actor import Actor
        from erp_core.kernel.errors import DomainError
        from erp_core.ledger.posting import post_voucher
        url, cid, vid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        loaded = sorted(m for m in sys.modules if m.startswith("erp_core.finance.models_"))
        db = Database(make_engine(url), Settings(database_url=url, data_dir=Path("/tmp")))
        try:
            post_voucher(db, Actor.system(company_id=cid, reason="script"), voucher_id=vid)
        except DomainError as err:
            print("REFUSED", err.message_id, loaded)
        else:
            print("POSTED", loaded)
        """, db_url, str(cid), str(vid))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("REFUSED error.finance_close.post_before_closed"), done.stdout
    assert _count(db, GlLine) == 0


def test_the_erp_command_in_its_own_process_refuses_importing_before_a_closed_period(db, db_url, company,
                                                                                      tmp_path):
    cid = company.company_id
    allow_import_posting(db, cid)
    _close(db, cid, "2026-11")
    f = tmp_path / "old.csv"
    f.write_text(",".join(HEADERS) + "\n" + "\n".join(",".join(r) for r in _rows("2026-10-05")) + "\n",
                 encoding="utf-8")
    erp = Path(sys.executable).parent / "erp"
    done = subprocess.run([str(erp), "--lang", "en", "import", "vouchers", str(f), "--post"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "ERP_DATABASE_URL": db_url, "HOME": str(tmp_path),
                               "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0 and "2026-11" in done.stdout + done.stderr, (done.stdout, done.stderr)
    assert _count(db, GlLine) == 0 and _count(db, Voucher) == 0


@pytest.mark.parametrize(("day", "message"), [(dt.date(1, 1, 1), "error.ledger.date_too_early"),
                                              (dt.date(9999, 12, 31), "error.ledger.date_too_late")])
def test_absurd_dates_are_refused_by_entry_import_and_posting(db, company, day, message):
    cid = company.company_id
    with pytest.raises(ValidationError) as err:
        create_voucher(db, accountant(cid), voucher_date=day, lines=[line("1001", debit="1"),
                                                                      line("5001", credit="1")])
    assert (err.value.message_id, err.value.field) == (message, "field.finance.voucher.date")
    with pytest.raises(ImportFailed) as failed:
        import_vouchers(db, Actor.system(company_id=cid), Table(HEADERS, _rows(day.isoformat()), "x.csv"))
    assert [(p.row, p.column, p.message_id) for p in failed.value.report.problems] == [(2, "date", message)]
    assert _count(db, Voucher) == 0


def test_posting_rechecks_the_window_at_posting_time(db, company):
    from erp_core.kernel.clock import set_clock

    cid = company.company_id
    vid = _reviewed(db, cid, dt.date(2026, 12, 1))
    set_clock(lambda: dt.datetime(2060, 1, 1, tzinfo=dt.UTC))  # thirty-odd years later it is too old to post
    try:
        with pytest.raises(ValidationError) as err:
            post_voucher(db, accountant(cid), voucher_id=vid)
    finally:
        set_clock(None)
    assert err.value.message_id == "error.ledger.date_too_early"


def test_erp_check_finds_a_posting_made_after_its_period_was_closed(db, company):
    cid = company.company_id
    _close(db, cid, "2026-09")  # closed before anything: not a problem for later periods
    vid = _reviewed(db, cid)
    post_voucher(db, accountant(cid), voucher_id=vid)
    # legitimately: 2026-10 closed after the posting
    _close(db, cid, "2026-10", at=naive_utcnow() + dt.timedelta(seconds=5))
    with db.uow(readonly=True) as uow:
        assert ledger_problems(uow.session, cid) == []
    # forged: 2026-11 says it was closed a day before the posting (the guard was bypassed)
    _close(db, cid, "2026-11", at=naive_utcnow() - dt.timedelta(days=1))
    with db.uow(readonly=True) as uow:
        found = [(p.message_id, p.params["id"], p.params["closed"]) for p in ledger_problems(uow.session, cid)]
    assert found == [("check.problem.ledger.posted_into_closed", vid, "2026-11")]


# -- items 4 and 13: posting on import, repeated imports --------------------------------------------------------

def test_import_posts_only_with_the_company_switch_and_the_posting_permission(db, company):
    cid = company.company_id
    clerk = actor(cid, {"finance.voucher.import": "all"})
    table = Table(HEADERS, _rows("2026-11-03"), "p.csv")
    with pytest.raises(Conflict) as err:
        import_vouchers(db, Actor.system(company_id=cid), table, post=True)
    assert err.value.message_id == "error.ledger.import_post_not_allowed"
    assert _count(db, Voucher) == 0
    admin = Actor.system(company_id=cid, reason="admin")
    set_import_posting(db, admin, allowed=True)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(FinanceSetting, cid).import_posting_allowed is True
        assert uow.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "admin.finance.import_posting", AuditLog.outcome == "ok")).scalar_one() == 1
    with pytest.raises(PermissionDenied) as denied:  # import permission alone never posts
        import_vouchers(db, clerk, table, post=True)
    assert denied.value.params["permission"] == "finance.voucher.post"
    assert _count(db, Voucher) == 0
    poster = actor(cid, {"finance.voucher.import": "all", "finance.voucher.post": "all"})
    report = import_vouchers(db, poster, table, post=True)
    assert report.committed and _count(db, Voucher, Voucher.status == "posted") == 1
    report = import_vouchers(db, clerk, Table(HEADERS, _rows("2026-11-04", "2"), "d.csv"))
    assert _count(db, Voucher, Voucher.status == "draft") == 1  # drafts for a second person


def test_the_same_file_is_not_imported_twice_even_from_another_process(db, db_url, company, tmp_path):
    cid = company.company_id
    rows = _rows("2026-11-03") + _rows("2026-11-03", "2", "20")
    import_vouchers(db, Actor.system(company_id=cid), Table(HEADERS, rows, "v.csv"))
    with pytest.raises(ImportFailed) as failed:  # a rerun in this process
        import_vouchers(db, Actor.system(company_id=cid), Table(HEADERS, rows, "v.csv"))
    assert {(p.column, p.message_id) for p in failed.value.report.problems} == {
        ("voucher_no", "error.ledger.import_repeated")}
    f = tmp_path / "v.csv"
    f.write_text(",".join(HEADERS) + "\n" + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    erp = Path(sys.executable).parent / "erp"
    run = dict(cwd=ROOT, capture_output=True, text=True, timeout=300,
               env={"PATH": "/usr/bin:/bin", "ERP_DATABASE_URL": db_url, "HOME": str(tmp_path),
                               "PYTHONPATH": str(ROOT)})
    again = subprocess.run([str(erp), "--lang", "en", "import", "vouchers", str(f)], **run)
    assert again.returncode == 1 and "imported before as 记-0001" in again.stdout, again.stdout
    assert _count(db, Voucher) == 2
    forced = subprocess.run([str(erp), "--lang", "en", "import", "vouchers", str(f), "--allow-reimport"], **run)
    assert forced.returncode == 0, forced.stdout
    assert _count(db, Voucher) == 4


# -- item 14: a total beyond the money column ---------------------------------------------------------------------

def test_a_voucher_total_beyond_the_money_column_is_a_field_named_error(db, company):
    cid = company.company_id
    big = "9999999999999.99"  # each line is in range; 9,300 of them exceed a signed 64-bit count of fen
    n = 9300
    lines = [line("1001", debit=big) for _ in range(n)] + [line("5001", credit=big) for _ in range(n)]
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        create_voucher(db, accountant(cid), voucher_date=OCT, lines=lines)
    assert "error.finance.voucher.total_too_large" in ids(err.value)
    rows = [["2026-10-10", "记", "1", "", "1001", "x", big, ""] for _ in range(n)] + \
        [["2026-10-10", "记", "1", "", "5001", "x", "", big] for _ in range(n)]
    with pytest.raises(ImportFailed) as failed:
        import_vouchers(db, Actor.system(company_id=cid), Table(HEADERS, rows, "big.csv"))
    assert [(p.column, p.message_id) for p in failed.value.report.problems] == [
        ("voucher_no", "error.finance.voucher.total_too_large")]
    assert _count(db, Voucher) == 0


# -- item 28: opening balances --------------------------------------------------------------------------------

OPENING = Table(["科目编码", "借方", "贷方"], [["1002", "1000.00", ""], ["3001", "", "1000.00"]], "opening.csv")


def test_opening_balances_are_a_draft_for_a_second_person_and_set_the_books_start(db, company):
    from erp_core.io.ledger_import_services import import_opening_balances

    cid = company.company_id
    clerk = actor(cid, {"finance.opening_balance.import": "all", "finance.voucher.post": "all"})
    report = import_opening_balances(db, clerk, OPENING, opening_date=dt.date(2025, 12, 31))
    assert [w.message_id for w in report.warnings] == ["ledgerimport.opening_draft"]
    assert _count(db, GlLine) == 0
    with db.uow(readonly=True) as uow:
        vid, status, source = uow.session.execute(select(Voucher.id, Voucher.status, Voucher.source)).one()
    assert (status, source) == ("draft", "opening")
    import_opening_balances(db, clerk, OPENING, opening_date=dt.date(2025, 12, 31))  # same file: same draft
    assert _count(db, Voucher) == 1
    checker = accountant(cid)
    review_voucher(db, checker, voucher_id=vid)
    post_voucher(db, checker, voucher_id=vid)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(FinanceSetting, cid).books_start == dt.date(2025, 12, 31)
    with pytest.raises(ValidationError) as err:
        create_voucher(db, accountant(cid), voucher_date=dt.date(2025, 12, 30),
                       lines=[line("1001", debit="1"), line("5001", credit="1")])
    assert (err.value.message_id, err.value.field) == ("error.ledger.date_before_books_start",
                                                       "field.finance.voucher.date")


def test_opening_balances_after_a_close_or_after_posted_vouchers_are_refused(db, company):
    from erp_core.io.ledger_import_services import import_opening_balances

    cid = company.company_id
    allow_import_posting(db, cid)
    admin = Actor.system(company_id=cid, reason="cli")
    post_voucher(db, accountant(cid), voucher_id=_reviewed(db, cid, dt.date(2026, 1, 5)))
    with pytest.raises(ImportFailed) as failed:  # the books already run before this date
        import_opening_balances(db, admin, OPENING, opening_date=dt.date(2026, 2, 1))
    assert [p.message_id for p in failed.value.report.problems] == ["error.ledger.opening_after_postings"]
    _close(db, cid, "2026-01")
    with pytest.raises(ImportFailed) as failed:  # eleven (here one) closed months: no opening into the live period
        import_opening_balances(db, admin, OPENING, opening_date=dt.date(2026, 12, 1))
    assert [p.message_id for p in failed.value.report.problems] == ["error.ledger.opening_after_close"]
    assert _count(db, Voucher, Voucher.source == "opening") == 0


def test_one_voucher_number_format_everywhere():
    import duckdb

    from erp_core.finance.models import voucher_display_no, voucher_display_no_sql

    con = duckdb.connect()
    sql = voucher_display_no_sql("t", "n")
    got = con.execute(f"SELECT {sql} FROM (VALUES ('记', 1), ('转', 12345), ('记', NULL)) v(t, n)").fetchall()
    assert [g[0] for g in got] == [voucher_display_no("记", 1), voucher_display_no("转", 12345), "记-?"] == [
        "记-0001", "转-12345", "记-?"]


def test_no_module_registers_a_posting_rule_by_import_side_effect():
    from erp_core.ledger import hooks

    assert [name for name, _ in hooks.BUILT_IN] == ["period_order", "budget"]
    assert hooks.PRE_POST_CHECKS == {}
    with pytest.raises(ValueError):
        hooks.register_pre_post_check("budget", lambda *a: None)
