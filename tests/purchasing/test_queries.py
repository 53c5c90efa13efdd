"""The read side: one receipt against two orders, what is left to receive / invoice / return (生成下游单据
prefill), the three-way match with its variances, links both ways (查看上游/下游单据), list filters and the row
scope (a department-scoped buyer sees their department's and their own documents only)."""

from __future__ import annotations

import pytest

from erp_core.kernel.errors import Conflict, NotFound
from erp_core.purchasing import queries as pq
from erp_core.purchasing import services as ps
from tests.purchasing.support import DAY, D, env, order, order_lines
from tests.support.factories import actor


@pytest.fixture
def st(db, company):
    return env(db, company=company)


def test_one_receipt_for_two_orders_and_what_is_left(db, st):
    a = order(db, st, [("P1", "10", "100"), ("P2", "4", "40")])
    b = order(db, st, [("P1", "5", "90")])
    left = pq.lines_to_receive(db, st.admin, supplier_id=st.supplier)
    assert [(r["order_id"], r["quantity"]) for r in left] == [(a, D(10)), (a, D(4)), (b, D(5))]
    a1, _ = order_lines(db, a)
    (b1,) = order_lines(db, b)
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": a1, "quantity": D("10")},
                                                             {"order_line_id": b1, "quantity": D("2")}])
    ps.post_receipt(db, st.admin, receipt_id=rid)
    assert [(r["order_id"], r["quantity"]) for r in pq.lines_to_receive(db, st.admin)] == [(a, D(4)), (b, D(3))]
    receipt = pq.get_receipt(db, st.admin, receipt_id=rid)
    assert {u["number"] for u in receipt["links"]["upstream"]} == {
        pq.get_order(db, st.admin, order_id=a)["number"], pq.get_order(db, st.admin, order_id=b)["number"]}
    assert receipt["total"] == D("1180.00") and receipt["actions"] == ["reverse"]
    downstream = pq.get_order(db, st.admin, order_id=a)["links"]["downstream"]
    assert [(d["doc_type"], d["doc_id"], d["quantity"], d["counts_as"]) for d in downstream] == [
        ("purchase_receipt", rid, D(10), "received")]
    with pytest.raises(Conflict) as exc:
        ps.cancel_order(db, st.admin, order_id=a)
    assert exc.value.message_id == "error.purchasing.order_has_receipts"
    # invoice prefill and the three-way match: 10 of P1 invoiced at 101, 2 of order b's line at 90
    to_invoice = pq.lines_to_invoice(db, st.admin, receipt_id=rid)
    assert [(r["quantity"], r["unit_price"], r["tax_rate"]) for r in to_invoice] == [
        (D(10), D(100), D("0.13")), (D(2), D(90), D("0.13"))]
    iid = ps.create_invoice(db, st.admin, doc_date=DAY, invoice_no="1234", lines=[
        {"receipt_line_id": to_invoice[0]["receipt_line_id"], "quantity": D("10"), "unit_price": D("101")},
        {"receipt_line_id": to_invoice[1]["receipt_line_id"], "quantity": D("2"), "unit_price": D("90")}])
    inv = pq.get_invoice(db, st.admin, invoice_id=iid)
    assert (inv["net_total"], inv["tax_total"], inv["total"]) == (D("1190.00"), D("154.70"), D("1344.70"))
    match = pq.three_way_match(db, st.admin, invoice_id=iid)
    assert [(m["order_qty"], m["order_price"], m["receipt_qty"], m["receipt_price"], m["invoice_qty"],
             m["invoice_price"], m["qty_variance"], m["price_variance"], m["amount_variance"]) for m in match] == [
        (D(10), D(100), D(10), D(100), D(10), D(101), D(0), D(1), D("10.00")),
        (D(5), D(90), D(2), D(90), D(2), D(90), D(0), D(0), D("0.00"))]
    ps.post_invoice(db, st.admin, invoice_id=iid)
    assert pq.lines_to_invoice(db, st.admin, receipt_id=rid) == []
    assert [r["quantity"] for r in pq.lines_to_return(db, st.admin, receipt_id=rid)] == [D(10), D(2)]
    assert pq.get_order(db, st.admin, order_id=b)["progress"] == "partly_received"


def test_list_filters_and_row_scope(db, st):
    from erp_core.masterdata.org_services import create_department

    sales = create_department(db, st.admin, code="D1", name="采购部")
    other = create_department(db, st.admin, code="D2", name="行政部")
    mine = ps.create_order(db, st.admin, supplier_id=st.supplier, doc_date=DAY, department_id=sales,
                           warehouse_id=st.warehouses["WH01"],
                           lines=[{"product_id": st.products["P1"], "quantity": D("1"), "unit_price": D("1")}])
    theirs = ps.create_order(db, st.admin, supplier_id=st.supplier2, doc_date=DAY, department_id=other,
                             warehouse_id=st.warehouses["WH01"],
                             lines=[{"product_id": st.products["P1"], "quantity": D("1"), "unit_price": D("1")}])
    everyone = pq.list_orders(db, st.admin)
    assert {r["id"] for r in everyone} == {mine, theirs}
    assert [r["id"] for r in pq.list_orders(db, st.admin, supplier_id=st.supplier2)] == [theirs]
    assert [r["id"] for r in pq.list_orders(db, st.admin, status="confirmed")] == []
    number = pq.get_order(db, st.admin, order_id=mine)["number"]
    assert [r["id"] for r in pq.list_orders(db, st.admin, number=number.lower())] == [mine]
    buyer = actor(st.company_id, {"purchasing.order.view": "department", "purchasing.order.confirm": "department"},
                  department_ids=frozenset({sales}))
    assert [r["id"] for r in pq.list_orders(db, buyer)] == [mine]
    with pytest.raises(NotFound):
        pq.get_order(db, buyer, order_id=theirs)
    with pytest.raises(NotFound):
        ps.confirm_order(db, buyer, order_id=theirs)
    assert ps.confirm_order(db, buyer, order_id=mine) == "confirmed"


def test_purchase_analysis_and_price_history(db, st):
    a = order(db, st, [("P1", "10", "100"), ("P2", "4", "40")])
    order(db, st, [("P1", "5", "110")], supplier_id=st.supplier2, day=DAY.replace(month=4))
    order(db, st, [("P1", "1", "999")], confirm=False)  # a draft counts nowhere
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(db, a)[0],
                                                               "quantity": D("6")}])
    ps.post_receipt(db, st.admin, receipt_id=rid)
    by_supplier = pq.purchase_analysis(db, st.admin, group_by="supplier")
    assert [(r["key"], r["orders"], r["net_amount"], r["gross_amount"], r["received_amount"])
            for r in by_supplier] == [(st.supplier, 1, D("1160.00"), D("1310.80"), D("600.00")),
                                      (st.supplier2, 1, D("550.00"), D("621.50"), D("0"))]
    assert [(r["key"], r["net_amount"]) for r in pq.purchase_analysis(db, st.admin, group_by="month")] == [
        ("2026-03", D("1160.00")), ("2026-04", D("550.00"))]
    history = pq.price_history(db, st.admin, product_id=st.products["P1"])
    assert [(h["net_price"], h["change_pct"]) for h in history] == [(D(100), None), (D(110), D("10.00"))]
