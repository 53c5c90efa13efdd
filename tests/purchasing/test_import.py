"""数据初始化 (SQLite, PostgreSQL, MariaDB): purchase orders, receipts and invoices from files, one row per line
grouped by number; --post confirms / posts; all or nothing with a row-by-row report (the dry run writes
nothing); a second import of the same file skips every document (idempotent by number); the CLI command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from erp_core.io.importer import ImportFailed, Table
from erp_core.purchasing import import_services as imp
from erp_core.purchasing import queries as pq
from tests.purchasing.support import D, env


@pytest.fixture
def st(db, company):
    from erp_core.masterdata import warehouse_services

    s = env(db, company=company)
    return s, warehouse_services


ORDERS = Table(["单号", "日期", "供应商编码", "仓库编码", "商品编码", "数量", "单价", "单价含税"], [
    ["PO-OLD-1", "2026-01-05", "S001", "WH01", "P1", "10", "100", "否"],
    ["PO-OLD-1", "2026-01-05", "S001", "WH01", "P2", "5", "40", "否"],
    ["PO-OLD-2", "2026/1/6", "S002", "WH01", "P1", "3", "113", "是"]], "orders.csv")
RECEIPTS = Table(["单号", "日期", "订单号", "商品编码", "数量"], [
    ["RK-OLD-1", "2026-01-08", "PO-OLD-1", "P1", "10"],
    ["RK-OLD-1", "2026-01-08", "PO-OLD-1", "P2", "5"]], "receipts.csv")
INVOICES = Table(["单号", "日期", "入库单号", "商品编码", "数量", "不含税单价", "发票号", "发票类型"], [
    ["FP-OLD-1", "2026-01-20", "RK-OLD-1", "P1", "10", "101", "04401234", "专票"]], "invoices.csv")


def test_orders_receipts_invoices_posted_and_idempotent(db, st):
    s, _ = st
    report = imp.dry_run_purchase_orders(db, s.admin, ORDERS, post=True)
    assert report.ok and report.created == 2
    assert pq.list_orders(db, s.admin) == []  # the dry run wrote nothing
    report = imp.import_purchase_orders(db, s.admin, ORDERS, post=True)
    assert report.committed and report.created == 2
    orders = {r["total"]: r for r in pq.list_orders(db, s.admin)}
    assert set(orders) == {D("1356.00"), D("339.00")} and {r["status"] for r in orders.values()} == {"confirmed"}
    again = imp.import_purchase_orders(db, s.admin, ORDERS, post=True)
    assert again.created == 0 and len(again.warnings) == 2
    assert imp.import_purchase_receipts(db, s.admin, RECEIPTS, post=True).created == 1
    assert imp.import_purchase_invoices(db, s.admin, INVOICES, post=True).created == 1
    (inv,) = pq.list_invoices(db, s.admin)
    assert (inv["status"], inv["invoice_no"], inv["total"]) == ("posted", "04401234", D("1141.30"))
    (po1,) = [r for r in pq.list_orders(db, s.admin) if r["total"] == D("1356.00")]
    assert pq.get_order(db, s.admin, order_id=po1["id"])["progress"] == "to_invoice"


def test_a_bad_file_writes_nothing_and_names_each_row(db, st):
    s, _ = st
    bad = Table(ORDERS.headers, [
        ["PO-X-1", "2026-01-05", "S001", "WH01", "P1", "10", "100", "否"],
        ["PO-X-2", "2026-01-05", "NOPE", "WH01", "P1", "1", "1", "否"],
        ["PO-X-3", "2026-01-05", "S001", "WH01", "P404", "1", "1", "否"],
        ["PO-X-4", "2026-01-05", "S001", "WH01", "P1", "-1", "1", "否"]], "bad.csv")
    report = imp.dry_run_purchase_orders(db, s.admin, bad)
    assert [(p.row, p.message_id) for p in report.problems] == [
        (3, "error.purchasing.import.unknown_supplier"), (4, "error.purchasing.import.unknown_product"),
        (5, "error.import.min")]
    with pytest.raises(ImportFailed):
        imp.import_purchase_orders(db, s.admin, bad)
    assert pq.list_orders(db, s.admin) == []
    receipts = Table(RECEIPTS.headers, [["RK-X", "2026-01-08", "PO-NONE", "P1", "1"]], "r.csv")
    (p,) = imp.dry_run_purchase_receipts(db, s.admin, receipts).problems
    assert (p.row, p.message_id) == (2, "error.purchasing.import.unknown_order")


def test_the_cli_command_posts_with_the_flag(db, st, tmp_path, monkeypatch):
    from erp_core.cli.base import main

    s, _ = st
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(",".join(r) for r in [ORDERS.headers, *ORDERS.rows]), encoding="utf-8")
    monkeypatch.setenv("ERP_DATABASE_URL", str(db.engine.url.render_as_string(hide_password=False)))
    result = CliRunner().invoke(main, ["import", "purchase-orders", str(path), "--post",
                                       "--company", str(s.company_id)])
    assert result.exit_code == 0, result.output
    assert {r["status"] for r in pq.list_orders(db, s.admin)} == {"confirmed"}
