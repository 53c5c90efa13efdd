"""采购与库存看板 (erp_core/purchasing/dashboard_queries.py, pages/purchasing/dashboard.py): every figure equals the
operational query it summarizes (purchase_analysis by month and supplier, lines_to_receive, lines_to_invoice, the
stock ledger's aggregate), the stamp moves when something the figures depend on changes, a narrower grant is
refused; the page (AppTest, SQLite, the demo company) shows the same figures and keeps them between reruns."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP

import pytest

from erp_core.analytics import engine as analytics_engine
from erp_core.costing.loader import stock_as_of
from erp_core.kernel.errors import PermissionDenied
from erp_core.purchasing import dashboard_queries as dq
from erp_core.purchasing import queries as pq
from erp_core.purchasing import services as ps
from tests.purchasing.support import D, env, order, order_lines
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401

FEN = D("0.01")


@pytest.fixture
def st(db, company):
    s = env(db, company=company)
    yield s
    analytics_engine.forget(db, delete=True)


def _per_supplier(rows, price):
    out = defaultdict(lambda: [0, D(0)])
    for r in rows:
        out[r["partner_id"]][0] += 1
        out[r["partner_id"]][1] += (r["quantity"] * r[price]).quantize(FEN, rounding=ROUND_HALF_UP)
    return {k: tuple(v) for k, v in out.items()}


def test_the_figures_equal_the_operational_queries(db, st):
    a = order(db, st, [("P1", "10", "100"), ("P2", "4", "40.5")], day=dt.date(2026, 1, 10))
    order(db, st, [("P2", "7", "12.345")], day=dt.date(2026, 3, 5), supplier_id=st.supplier2)
    order(db, st, [("P3", "3", "8")], day=dt.date(2026, 3, 20))
    order(db, st, [("P1", "1", "1")], day=dt.date(2026, 4, 1), confirm=False)  # a draft counts nowhere
    a1, a2 = order_lines(db, a)
    rid = ps.create_receipt(db, st.admin, doc_date=dt.date(2026, 1, 15), lines=[
        {"order_line_id": a1, "quantity": D("6")}, {"order_line_id": a2, "quantity": D("4")}])
    ps.post_receipt(db, st.admin, receipt_id=rid)
    first = pq.lines_to_invoice(db, st.admin, receipt_id=rid)[0]
    iid = ps.create_invoice(db, st.admin, doc_date=dt.date(2026, 1, 20), invoice_no="9", lines=[
        {"receipt_line_id": first["receipt_line_id"], "quantity": D("2"), "unit_price": D("100")}])
    ps.post_invoice(db, st.admin, invoice_id=iid)

    on = dt.date(2026, 6, 30)
    got = dq.purchasing_dashboard(db, st.admin, year=2026, on=on)
    months = {r["key"]: r["net_amount"] for r in pq.purchase_analysis(
        db, st.admin, group_by="month", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))}
    assert {r["period"]: r["net_amount"] for r in got["by_month"] if r["net_amount"]} == months
    assert len(got["by_month"]) == 12 and months == {"2026-01": D("1162.00"), "2026-03": D("110.42")}
    suppliers = {r["key"]: r["net_amount"] for r in pq.purchase_analysis(
        db, st.admin, group_by="supplier", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))}
    assert {r["supplier_id"]: r["net_amount"] for r in got["by_supplier"]} == suppliers
    assert [r["supplier_id"] for r in got["by_supplier"]] == [st.supplier, st.supplier2]  # largest first
    assert {r["supplier_id"]: (r["lines"], r["amount"]) for r in got["to_receive"]} == _per_supplier(
        pq.lines_to_receive(db, st.admin), "net_price")
    assert {r["supplier_id"]: (r["lines"], r["amount"]) for r in got["to_invoice"]} == _per_supplier(
        pq.lines_to_invoice(db, st.admin), "unit_price") == {st.supplier: (2, D("562.00"))}
    with db.uow(readonly=True) as uow:
        stock = stock_as_of(uow.session, st.company_id, on)
    by_wh = defaultdict(D)
    for _, w, _, value in stock:
        by_wh[w] += value
    assert {r["warehouse_id"]: r["value"] for r in got["stock_by_warehouse"]} == dict(by_wh)
    assert sum(r["value"] for r in got["stock_by_category"]) == sum(by_wh.values()) == D("762.00")
    # received in January, never issued: both are slow movers at the end of June (P1 holds more value)
    assert [(r["product"].split()[0], r["quantity"], r["value"], r["last_out"]) for r in got["slow_movers"]] == [
        ("P1", D(6), D("600.00"), None), ("P2", D(4), D("162.00"), None)]
    assert got["as_of"].watermark >= 2


def test_the_stamp_moves_with_what_the_figures_depend_on(db, st):
    oid = order(db, st, [("P1", "2", "10")], confirm=False)
    s0 = dq.purchasing_dashboard_stamp(db, st.admin)
    assert dq.purchasing_dashboard_stamp(db, st.admin).key == s0.key  # nothing new: the same stamp
    ps.confirm_order(db, st.admin, order_id=oid)  # no stock, no voucher: the order's change alone
    s1 = dq.purchasing_dashboard_stamp(db, st.admin)
    assert s1.key != s0.key
    (line,) = order_lines(db, oid)
    rid = ps.create_receipt(db, st.admin, doc_date=dt.date(2026, 3, 3), lines=[{"order_line_id": line,
                                                                                "quantity": D("2")}])
    ps.post_receipt(db, st.admin, receipt_id=rid)
    s2 = dq.purchasing_dashboard_stamp(db, st.admin)
    assert s2.changes.seq > s1.changes.seq
    # and the figures read after it include the receipt (the copies synced while reading)
    got = dq.purchasing_dashboard(db, st.admin, year=2026)
    assert sum(r["amount"] for r in got["to_invoice"]) > 0


def test_a_department_grant_is_refused_the_company_totals(db, st):
    from tests.support.factories import actor

    buyer = actor(st.company_id, {"purchasing.analysis.view": "department"}, department_ids=frozenset({1}))
    with pytest.raises(PermissionDenied):
        dq.purchasing_dashboard_stamp(db, buyer)
    with pytest.raises(PermissionDenied):
        dq.purchasing_dashboard(db, buyer, year=2026)


# --- the page (AppTest, SQLite, the demo company: a year of purchases, receipts, invoices and stock) ----------

PAGE = "pages/purchasing/dashboard.py"


def test_the_page_shows_the_figures_keeps_them_and_follows_a_new_order(ui_db, ui_company, admin_app):  # noqa: F811
    from erp_core.i18n import format as fmt
    from erp_core.masterdata import items_services, partners_services, warehouse_services
    from tests.support.factories import admin_actor

    def money(v):
        return fmt.format_money(v, "zh_CN")

    admin = admin_actor(ui_db, ui_company)
    sup = partners_services.create_supplier(ui_db, admin, values={"code": "S001", "name": "江南茶厂"})
    wh = warehouse_services.create_warehouse(ui_db, admin, code="WH01", name="长沙总仓")
    prod = items_services.create_product(ui_db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                               "tax_rate": "VAT13"})

    def confirmed_order(qty, price):
        oid = ps.create_order(ui_db, admin, supplier_id=sup, doc_date=dt.date.today(), warehouse_id=wh,
                              lines=[{"product_id": prod, "quantity": D(qty), "unit_price": D(price)}])
        ps.confirm_order(ui_db, admin, order_id=oid)
        return oid

    def receive(oid, qty):
        (line,) = pq.lines_to_receive(ui_db, admin, order_id=oid)
        rid = ps.create_receipt(ui_db, admin, doc_date=dt.date.today(), lines=[
            {"order_line_id": line["order_line_id"], "quantity": D(qty)}])
        ps.post_receipt(ui_db, admin, receipt_id=rid)

    receive(confirmed_order("10", "100"), "10")
    at = admin_app.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "采购与库存看板"
    year = dt.date.today().year
    assert [m.label for m in at.metric] == ["本年采购额（不含税）", "库存金额", "待入库金额", "待收票金额"]
    assert [m.value for m in at.metric] == [money("1000"), money("1000"), money("0"), money("1000")]
    assert len(at.get("plotly_chart")) == 6
    assert not at.dataframe and not at.get("download_button")  # the figures' tables only when asked for
    assert any("库存流水号" in c.value for c in at.caption)
    first = [m.value for m in at.metric]
    at.run()
    assert [m.value for m in at.metric] == first and not at.exception
    # a new confirmed order (no stock, no voucher): the next rerun shows it to receive
    oid = confirmed_order("3", "1000")
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == [money("4000"), money("1000"), money("3000"), money("1000")]
    # two of the three received: stock grows by 2,000.00 and the receipt waits for its invoice
    receive(oid, "2")
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == [money("4000"), money("3000"), money("1000"), money("3000")]
    data = dq.purchasing_dashboard(ui_db, admin, year=year)
    assert [(r["warehouse"], r["value"]) for r in data["stock_by_warehouse"]] == [("WH01 长沙总仓", D("3000.00"))]
    at.toggle(key="purdash_figures").set_value(True).run()
    assert not at.exception, at.exception
    assert len(at.dataframe) == 6 and at.get("download_button")
    assert "待入库（已确认订单未到货）" in [s.value for s in at.subheader]
