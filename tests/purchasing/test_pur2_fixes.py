"""Small fixes of issue #12 (SQLite + the other backends when configured): a new purchase document is born at
version 1 and an edit moves it by exactly one; the red copy (红字) of an invoice carries the supplier's invoice
number, VAT kind, negated totals and its lines' receipt lines and VAT (the three-way match works on it)."""

from __future__ import annotations

import pytest

from erp_core.purchasing import queries as pq
from erp_core.purchasing import services as ps
from tests.purchasing.support import DAY, D, env, order, order_lines, receipt_lines


@pytest.fixture
def st(db, company):
    return env(db, company=company)


def test_new_documents_are_born_at_version_1_and_an_edit_moves_it_by_one(db, st):
    oid = order(db, st, [("P1", "10", "100")], confirm=False)
    doc = pq.get_order(db, st.admin, order_id=oid)
    assert (doc["version"], doc["total"], doc["tax_total"]) == (1, D("1130.00"), D("130.00"))
    ps.edit_order(db, st.admin, order_id=oid, version=1, supplier_id=st.supplier, warehouse_id=st.warehouses["WH01"],
                  lines=[{"product_id": st.products["P1"], "quantity": D("5"), "unit_price": D("100")}])
    doc = pq.get_order(db, st.admin, order_id=oid)
    assert (doc["version"], doc["total"]) == (2, D("565.00"))
    ps.confirm_order(db, st.admin, order_id=oid)
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(db, oid)[0],
                                                                "quantity": D("5")}])
    assert pq.get_receipt(db, st.admin, receipt_id=rid)["version"] == 1
    ps.post_receipt(db, st.admin, receipt_id=rid)
    iid = ps.create_invoice(db, st.admin, doc_date=DAY, invoice_no="0440001", lines=[
        {"receipt_line_id": receipt_lines(db, rid)[0], "quantity": D("5"), "unit_price": D("100")}])
    assert pq.get_invoice(db, st.admin, invoice_id=iid)["version"] == 1


def test_the_red_copy_of_an_invoice_keeps_its_number_kind_and_negated_totals(db, st):
    oid = order(db, st, [("P1", "10", "100")])
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(db, oid)[0],
                                                                "quantity": D("10")}])
    ps.post_receipt(db, st.admin, receipt_id=rid)
    iid = ps.create_invoice(db, st.admin, doc_date=DAY, invoice_no="0440002", vat_kind="ordinary", lines=[
        {"receipt_line_id": receipt_lines(db, rid)[0], "quantity": D("10"), "unit_price": D("101")}])
    ps.post_invoice(db, st.admin, invoice_id=iid)
    red_id = ps.reverse_invoice(db, st.admin, invoice_id=iid)
    red = pq.get_invoice(db, st.admin, invoice_id=red_id)
    assert (red["invoice_no"], red["vat_kind"], red["net_total"], red["tax_total"], red["total"]) == (
        "0440002", "ordinary", D("-1010.00"), D("-131.30"), D("-1141.30"))
    [ln] = red["lines"]
    assert (ln["receipt_line_id"], ln["tax_amount"], ln["gross_amount"]) == (
        receipt_lines(db, rid)[0], D("-131.30"), D("-1141.30"))
    [match] = pq.three_way_match(db, st.admin, invoice_id=red_id)
    assert match["invoice_qty"] == D("-10")


@pytest.mark.parametrize("method", ["difference", "reverse"])
def test_a_price_variance_on_goods_already_issued_is_split_between_stock_and_cost_of_sales(db, st, method):
    """10 received at the 暂估 price 100 (1,000); 6 leave the warehouse (其他出库, at 100); the invoice says 110
    (专票, VAT 13 %): variance 100, of which 4/10 = 40 stays on stock (revaluation move) and 6/10 = 60 goes to
    5401 cost of sales. The stock ledger and 1405 agree: 1,000 - 600 + 40 = 440."""
    from erp_core.stockops import services as S
    from tests.purchasing.support import moves, voucher
    from tests.purchasing.test_worked_examples import _stock_agrees

    ps.set_purchase_setting(db, st.admin, over_receipt_pct="0", invoice_method=method)
    oid = order(db, st, [("P1", "10", "100")])
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(db, oid)[0],
                                                                "quantity": D("10")}])
    ps.post_receipt(db, st.admin, receipt_id=rid)
    S.post_other_issue(db, st.admin, doc_id=S.create_other_issue(
        db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"], reason="销售出库",
        lines=[{"product_id": st.products["P1"], "quantity": "6"}]))
    iid = ps.create_invoice(db, st.admin, doc_date=DAY, invoice_no="0440003", lines=[
        {"receipt_line_id": receipt_lines(db, rid)[0], "quantity": D("10"), "unit_price": D("110")}])
    vid = ps.post_invoice(db, st.admin, invoice_id=iid)
    stock_lines = ([("1405", "40.00", "0.00", None)] if method == "difference" else
                   [("1405", "0.00", "1000.00", None), ("1405", "1040.00", "0.00", None)])
    assert voucher(db, vid) == [("220202", "1000.00", "0.00", st.supplier), *stock_lines,
                                ("5401", "60.00", "0.00", None), ("22210101", "143.00", "0.00", None),
                                ("220201", "0.00", "1243.00", st.supplier)]
    assert moves(db, "purchase_invoice", iid) == [("revaluation", "0", "0", "40.00")]
    assert _stock_agrees(db, st.company_id) == (D("440.00"), D("440.00"))


def test_split_variance_is_exact_to_the_fen():
    from erp_core.purchasing.documents import split_variance

    assert split_variance(D("100"), D("10"), D("10")) == (D("100"), D("0"))
    assert split_variance(D("100"), D("3"), D("1")) == (D("33.33"), D("66.67"))
    assert split_variance(D("-10"), D("4"), D("0")) == (D("0.00"), D("-10"))
