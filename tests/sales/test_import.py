"""数据初始化: sales orders and deliveries from files, one row per line grouped by number; prices from the price
list when the column is blank; --post confirms (reserving stock) / posts (cost of sales); all or nothing with a
row-by-row report (the dry run writes nothing); a second import of the same file skips every document
(idempotent by number); the CLI command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from erp_core.io.importer import ImportFailed, Table
from erp_core.sales import import_services as imp
from erp_core.sales import queries as sq
from tests.sales.support import D, env, voucher


@pytest.fixture
def st(db, company):
    return env(db, company=company)


ORDERS = Table(["单号", "日期", "客户编码", "仓库编码", "商品编码", "数量", "单价", "含税"], [
    ["SO-OLD-1", "2026-03-02", "C001", "WH01", "P1", "10", "", "是"],
    ["SO-OLD-1", "2026-03-02", "C001", "WH01", "P2", "5", "", "是"],
    ["SO-OLD-2", "2026/3/3", "C002", "WH01", "P1", "3", "", "是"]], "orders.csv")
DELIVERIES = Table(["单号", "日期", "订单号", "商品编码", "数量", "快递公司", "发货方式", "快递单号"], [
    ["FH-OLD-1", "2026-03-04", "SO-OLD-1", "P1", "10", "顺丰", "快递", "SF9"],
    ["FH-OLD-1", "2026-03-04", "SO-OLD-1", "P2", "2", "顺丰", "快递", "SF9"]], "deliveries.csv")


def test_orders_and_deliveries_posted_and_idempotent(db, st):
    report = imp.dry_run_sales_orders(db, st.admin, ORDERS, post=True)
    assert report.ok and report.created == 2, report.problems
    assert sq.list_orders(db, st.admin) == []
    assert imp.import_sales_orders(db, st.admin, ORDERS, post=True).created == 2
    orders = {r["total"]: r for r in sq.list_orders(db, st.admin)}
    # 10 x 107.35 (quantity break) + 5 x 45.20; 3 x 113
    assert set(orders) == {D("1299.50"), D("339.00")} and {r["status"] for r in orders.values()} == {"confirmed"}
    again = imp.import_sales_orders(db, st.admin, ORDERS, post=True)
    assert again.created == 0 and len(again.warnings) == 2
    assert imp.import_deliveries(db, st.admin, DELIVERIES, post=True).created == 1
    (d,) = sq.list_deliveries(db, st.admin)
    doc = sq.get_delivery(db, st.admin, delivery_id=d["id"])
    assert (doc["status"], doc["shipping_method"], doc["tracking_no"], doc["source_no"]) == \
        ("posted", "express", "SF9", "FH-OLD-1")
    assert voucher(db, doc["voucher_id"]) == [("5401", "640.00", "0.00", None), ("1405", "0.00", "640.00", None)]
    so1 = orders[D("1299.50")]["id"]
    assert sq.get_order(db, st.admin, order_id=so1)["progress"] == "partly_received"


def test_a_bad_file_writes_nothing_and_names_each_row(db, st):
    bad = Table(ORDERS.headers, [
        ["SO-X-1", "2026-03-02", "C001", "WH01", "P1", "1", "", "是"],
        ["SO-X-2", "2026-03-02", "NOPE", "WH01", "P1", "1", "", "是"],
        ["SO-X-3", "2026-03-02", "C001", "WH01", "P404", "1", "", "是"],
        ["SO-X-4", "2026-03-02", "C001", "WH01", "P3", "1", "", "是"]], "bad.csv")
    report = imp.dry_run_sales_orders(db, st.admin, bad)
    assert [(p.row, p.message_id) for p in report.problems] == [
        (3, "error.sales.import.unknown_customer"), (4, "error.sales.import.unknown_product"),
        (5, "error.sales.no_list_price")]
    with pytest.raises(ImportFailed):
        imp.import_sales_orders(db, st.admin, bad)
    assert sq.list_orders(db, st.admin) == []
    (p,) = imp.dry_run_deliveries(db, st.admin, Table(DELIVERIES.headers, [
        ["FH-X", "2026-03-04", "SO-NONE", "P1", "1", "", "", ""]], "d.csv")).problems
    assert (p.row, p.message_id) == (2, "error.sales.import.unknown_order")


def test_the_cli_command_posts_with_the_flag(db, st, tmp_path, monkeypatch):
    from erp_core.cli.base import main

    path = tmp_path / "orders.csv"
    path.write_text("\n".join(",".join(r) for r in [ORDERS.headers, *ORDERS.rows]), encoding="utf-8")
    monkeypatch.setenv("ERP_DATABASE_URL", str(db.engine.url.render_as_string(hide_password=False)))
    result = CliRunner().invoke(main, ["import", "sales-orders", str(path), "--post", "--company",
                                       str(st.company_id)])
    assert result.exit_code == 0, result.output
    assert {r["status"] for r in sq.list_orders(db, st.admin)} == {"confirmed"}
