"""Stock reports against hand-computed figures (all backends): stock on hand as of a past date, 收发存汇总表,
库存明细账, low stock and reorder suggestions, their Excel export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from erp_core.inventory.queries import stock_on_hand
from erp_core.masterdata import items_services
from erp_core.stockops import report_queries as R
from erp_core.stockops import services as S
from tests.stockops.support import company as stock_company

D = Decimal


def _d(m, d):
    return dt.date(2026, m, d)


@pytest.fixture
def st(db, company):
    """WH01 opening 03-01: P1 100 @ 2.5 (250.00), P2 10 @ 0.335 (3.35). Then:
    03-10 receipt P1 20 @ 3.1 (62.00)          -> 120, 312.00, average 2.6
    03-15 issue P1 30 @ 2.6 (78.00)            -> 90, 234.00
    03-20 transfer P1 10 @ 2.6 WH01 -> WH02    -> WH01 80, 208.00; WH02 10, 26.00
    04-02 issue P1 5 @ 2.6 (13.00)             -> WH01 75, 195.00"""
    st = stock_company(db, setup=company)
    wh1, wh2, p1 = st.warehouses["WH01"], st.warehouses["WH02"], st.products["P1"]
    S.post_other_receipt(db, st.admin, doc_id=S.create_other_receipt(
        db, st.admin, doc_date=_d(3, 10), warehouse_id=wh1, lines=[{"product_id": p1, "quantity": "20",
                                                                     "unit_cost": "3.1"}]))
    S.post_other_issue(db, st.admin, doc_id=S.create_other_issue(
        db, st.admin, doc_date=_d(3, 15), warehouse_id=wh1, lines=[{"product_id": p1, "quantity": "30"}]))
    S.post_transfer(db, st.admin, doc_id=S.create_transfer(
        db, st.admin, doc_date=_d(3, 20), from_warehouse_id=wh1, to_warehouse_id=wh2,
        lines=[{"product_id": p1, "quantity": "10"}]))
    S.post_other_issue(db, st.admin, doc_id=S.create_other_issue(
        db, st.admin, doc_date=_d(4, 2), warehouse_id=wh1, lines=[{"product_id": p1, "quantity": "5"}]))
    return st


def test_stock_on_hand_as_of_a_past_date(db, st):
    rows = stock_on_hand(db, st.admin, as_of=_d(3, 15)).rows
    assert [(r["warehouse_code"], r["product_code"], r["quantity"], r["value"]) for r in rows] == [
        ("WH01", "P1", D("90"), D("234.00")), ("WH01", "P2", D("10"), D("3.35"))]


def test_movement_summary_for_a_date_range(db, st):
    s = R.stock_movement_summary(db, st.admin, date_from=_d(3, 11), date_to=_d(3, 31))
    got = [(r["product_code"], r["warehouse_code"], r["opening_qty"], r["opening_amount"], r["in_qty"],
            r["in_amount"], r["out_qty"], r["out_amount"], r["closing_qty"], r["closing_amount"]) for r in s.rows]
    assert got == [
        ("P1", "WH01", D("120"), D("312.00"), D(0), D(0), D("40"), D("104.00"), D("80"), D("208.00")),
        ("P1", "WH02", D(0), D(0), D("10"), D("26.00"), D(0), D(0), D("10"), D("26.00")),
        ("P2", "WH01", D("10"), D("3.35"), D(0), D(0), D(0), D(0), D("10"), D("3.35"))]
    assert s.totals["closing_amount"] == D("237.35")


def test_product_ledger_with_running_balance(db, st):
    led = R.product_ledger(db, st.admin, product_id=st.products["P1"], date_from=_d(3, 11), date_to=_d(4, 30),
                           warehouse_id=st.warehouses["WH01"])
    assert (led.opening_qty, led.opening_amount) == (D("120"), D("312.00"))
    assert [(r["move_type"], r["out_qty"], r["amount"], r["balance_qty"], r["balance_amount"]) for r in led.rows] == [
        ("issue", D("30"), D("-78.00"), D("90"), D("234.00")),
        ("transfer_out", D("10"), D("-26.00"), D("80"), D("208.00")),
        ("issue", D("5"), D("-13.00"), D("75"), D("195.00"))]
    assert (led.closing_qty, led.closing_amount) == (D("75"), D("195.00"))


def test_low_stock_and_reorder_suggestions(db, st):
    items_services.edit_product(db, st.admin, product_id=st.products["P1"], version=None,
                                values={"reorder_point": "100", "reorder_quantity": "50"})
    items_services.edit_product(db, st.admin, product_id=st.products["P2"], version=None,
                                values={"reorder_point": "5"})  # 10 on hand: fine
    low = R.low_stock(db, st.admin)
    assert [(r["product_code"], r["on_hand"], r["shortfall"]) for r in low] == [("P1", D("85"), D("15"))]
    [sug] = R.reorder_suggestions(db, st.admin)
    assert (sug["suggested_qty"], sug["unit_cost"], sug["amount"]) == (D("50"), D("3.1"), D("155.00"))
    assert R.purchase_order_lines([sug]) == [{"product_id": st.products["P1"], "ordered_qty": D("50"),
                                              "unit_price": D("3.1")}]
    f = R.export_stock_report(db, st.admin, report="reorder")
    rows = list(load_workbook(io.BytesIO(f.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "商品编码" and rows[1][0] == "P1" and rows[1][6] == 50


def test_movement_summary_export(db, st):
    f = R.export_stock_report(db, st.admin, report="stock_movement", date_from=_d(3, 11), date_to=_d(3, 31),
                              locale="en")
    rows = list(load_workbook(io.BytesIO(f.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Product code", "Product name", "Warehouse") and len(rows) == 4
    assert rows[1][-1] == 208
