"""`erp import sales-invoices|receipts|fapiao` (all or nothing, row errors, idempotent by number) and
`erp report receivables --as-of`."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from erp_core.billing.models import FapiaoRecord, Receipt, SalesInvoice
from tests.billing.support import build, deliver, order

D = Decimal


def _count(db, model):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_import_invoices_and_receipts_idempotent_then_report(db, erp_cli, tmp_path, company):
    st = build(db, company=company)
    ol = order(db, st, [("P1", "10", "50.00")])
    dno = None
    _, _dl = deliver(db, st, [(ol[0], "10")])
    with db.uow(readonly=True) as uow:
        from erp_core.documents.registry import document_type
        dno = uow.session.execute(select(document_type("sales_delivery").header.number)).scalar_one()
    invoices = tmp_path / "inv.csv"
    invoices.write_text("单号,日期,客户编码,商品编码,数量,不含税单价,发货单号,税率,发票号\n"
                        f"XS-1,2026-03-05,C001,P1,10,,{dno},,04400001\n"
                        "XS-2,2026-03-06,C002,S1,1,300,,0.06,\n", encoding="utf-8")
    r = erp_cli("import", "sales-invoices", str(invoices), "--post")
    assert r.exit_code == 0, r.output
    assert _count(db, SalesInvoice) == 2 and _count(db, FapiaoRecord) == 1
    r = erp_cli("import", "sales-invoices", str(invoices), "--post")  # again: skipped, nothing new
    assert r.exit_code == 0, r.output
    assert _count(db, SalesInvoice) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("单号,日期,客户编码,金额,核销单据号\n"
                   "SK-1,2026-03-20,C001,100,XS-1\n"
                   "SK-2,2026-03-20,C001,100,NO-SUCH\n", encoding="utf-8")
    r = erp_cli("import", "receipts", str(bad), "--post")
    assert r.exit_code != 0 and "NO-SUCH" in r.output
    assert _count(db, Receipt) == 0  # all or nothing
    good = tmp_path / "rc.csv"
    good.write_text("单号,日期,客户编码,金额,核销单据号\n"
                    "SK-1,2026-03-20,C001,65,XS-1\n"
                    "SK-1,2026-03-20,C001,35,\n", encoding="utf-8")
    assert erp_cli("import", "receipts", str(good), "--post").exit_code == 0
    assert erp_cli("import", "receipts", str(good), "--post").exit_code == 0
    assert _count(db, Receipt) == 1
    fp = tmp_path / "fp.csv"
    fp.write_text("发票号码,开票日期,购买方名称,金额,税额\n04400001,2026-03-05,湘潭机电有限公司,500,65\n"
                  "04400002,2026-03-06,长沙百货公司,300,18\n", encoding="utf-8")
    assert erp_cli("import", "fapiao", str(fp)).exit_code == 0
    assert _count(db, FapiaoRecord) == 2
    out = erp_cli("report", "receivables", "--as-of", "2026-03-31")
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0] == "customer_code,customer_name,invoice_no,invoice_date,due_date,amount,settled,outstanding,days_overdue"
    assert lines[1].startswith("C001,湘潭机电有限公司,SI202603-0001,2026-03-05,2026-04-04,565.00,65.00,500.00,0")
    assert lines[2].startswith("C002,长沙百货公司,SI202603-0002,2026-03-06,2026-03-06,318.00,0.00,318.00,25")
    past = erp_cli("report", "receivables", "--as-of", "2026-03-10").output.strip().splitlines()
    assert past[1].split(",")[6:8] == ["0.00", "565.00"]  # the receipt of the 20th is not seen yet
