"""`erp import payments FILE [--post] [--dry-run]` on every backend: a bad file is refused row by row with nothing
written; a good one creates draft payments with the file's numbers (or posts them with --post: invoices settled,
vouchers written); importing the same file again writes nothing new; two rows of the file together may not
settle more than an invoice's open amount."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_core.ledger.models import GlLine
from erp_core.settlement.models import Payment, Settlement
from tests.settlement.support import build, invoices, post_invoice  # noqa: F401

HEAD = "付款单号,日期,供应商编码,金额,核销单据号,付款账户,备注\n"


@pytest.fixture
def books(db, invoices, company):  # noqa: F811
    return build(db, company=company)


def _count(db, model):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_payments_import_all_or_nothing_idempotent_and_posted(db, books, erp_cli, tmp_path):
    post_invoice(books, "1000.00")  # TI202601-0001
    post_invoice(books, "300.00", supplier="B")  # TI202601-0002
    f = tmp_path / "payments.csv"
    f.write_text(HEAD + "FK-1,2026-01-20,S001,600,TI202601-0001,,\n"
                        "FK-1,2026-01-20,S001,500,TI202601-0001,,\n"  # together more than is open
                        "FK-2,2026-01-21,S999,10,,,\n"  # no such supplier
                        "FK-3,2026-01-22,S002,10,TI202601-0001,,\n",  # an invoice of another supplier
                 encoding="utf-8")
    bad = erp_cli("import", "payments", str(f), "--post")
    assert bad.exit_code == 1, bad.output
    assert "Row 3" in bad.output and "Row 4" in bad.output and "Row 5" in bad.output
    assert _count(db, Payment) == 0 and _count(db, Settlement) == 0
    f.write_text(HEAD + "FK-1,2026-01-20,S001,600,TI202601-0001,1002,一月付款\n"
                        "FK-1,2026-01-20,S001,400,,1002,预付\n"
                        "FK-2,2026-01-21,S002,300,TI202601-0002,1001,\n", encoding="utf-8")
    dry = erp_cli("import", "payments", str(f), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _count(db, Payment) == 0
    done = erp_cli("import", "payments", str(f), "--post")
    assert done.exit_code == 0, done.output
    with db.uow(readonly=True) as uow:
        pays = uow.session.execute(select(Payment).order_by(Payment.number)).scalars().all()
        assert [(p.number, str(p.total), p.status, p.account_code) for p in pays] == [
            ("FK-1", "1000.00", "posted", "1002"), ("FK-2", "300.00", "posted", "1001")]
        assert uow.session.execute(select(func.sum(Settlement.amount))).scalar_one() == 900
    gl = _count(db, GlLine)
    again = erp_cli("import", "payments", str(f), "--post")
    assert again.exit_code == 0, again.output
    assert "Imported before" in again.output
    assert _count(db, Payment) == 2 and _count(db, GlLine) == gl


def test_a_department_scoped_grant_may_not_import_payments(db, books):
    from erp_core.io.importer import Table
    from erp_core.kernel.errors import PermissionDenied
    from erp_core.settlement.import_services import import_payments
    from tests.support.factories import actor

    clerk = actor(books.company_id, {"finance.payment.import": "department"})
    with pytest.raises(PermissionDenied):
        import_payments(db, clerk, Table(["付款单号", "日期", "供应商编码", "金额"], [["FK-9", "2026-01-10", "S001", "1"]],
                                         "p.csv"))
    assert _count(db, Payment) == 0
