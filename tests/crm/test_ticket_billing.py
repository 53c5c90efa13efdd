"""Chargeable ticket parts are billed (issue #15 item 5, parts used on a ticket): a part sold to the customer (not
under warranty) leaves stock through the posted 其他出库单 to 主营业务成本 (role cogs) instead of 销售费用, and
"收费配件开票" makes a draft sales invoice (erp_core.billing's own create_invoice) for the ticket's customer at
the customer's price-list price, linked to the ticket; warranty parts stay free; nothing is billed twice; a
reversed issue is not billed; a cancelled invoice frees the parts; a part without a price is refused by code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.billing import invoice_services as inv
from erp_core.billing.models import SalesInvoice
from erp_core.crm.service import queries as tq
from erp_core.crm.service import services as ts
from erp_core.kernel.errors import ValidationError
from erp_core.masterdata import partners_services
from erp_core.sales import services as ss
from erp_core.stockops import services as S
from tests.stockops.support import DAY, voucher
from tests.stockops.support import company as stock_company
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401

D = Decimal


@pytest.fixture
def st(db, company):
    st = stock_company(db, setup=company)
    st.customer = partners_services.create_customer(db, st.admin, values={"code": "C01", "name": "长沙客户"},
                                                    confirm_duplicates=True)
    st.ticket = ts.create_ticket(db, st.admin, customer_id=st.customer, title="水泵漏水", problem_kind="fault")
    # the customer's own price list: P1 at 10.00 excl. VAT (P2 is on no list)
    ss.save_price_list(db, st.admin, code="C01", name="长沙客户价", customer_id=st.customer,
                       prices_include_vat=False, prices=[{"product_id": st.products["P1"], "price": D("10")}])
    return st


def _issue(db, st, product, qty, *, chargeable):
    return ts.issue_ticket_parts(db, st.admin, ticket_id=st.ticket, warehouse_id=st.warehouses["WH01"],
                                 doc_date=DAY, lines=[{"product_id": st.products[product], "quantity": qty}],
                                 chargeable=chargeable)


def _invoice(db, invoice_id):
    with db.uow(readonly=True) as uow:
        doc = uow.session.get(SalesInvoice, invoice_id)
        return (doc.partner_id, doc.status, doc.net_total,
                [(ln.product_id, ln.ordered_qty, ln.unit_price, ln.amount) for ln in doc.lines])


def test_chargeable_parts_billed_at_the_customer_price_warranty_parts_free(db, st):
    free = _issue(db, st, "P2", "3", chargeable=False)
    sold = _issue(db, st, "P1", "2", chargeable=True)
    # warranty: Dr 5601 销售费用; sold: Dr 5401 主营业务成本 (2 x 2.50) / Cr 1405
    assert voucher(db, free["voucher_id"])[0][0] == "5601"
    assert voucher(db, sold["voucher_id"]) == [("5401", D("5.00"), D(0)), ("1405", D(0), D("5.00"))]
    assert tq.get_ticket(db, st.admin, ticket_id=st.ticket)["unbilled_parts"] == 1

    r = ts.bill_ticket_parts(db, st.admin, ticket_id=st.ticket, doc_date=DAY)
    partner, status, net, lines = _invoice(db, r["invoice_id"])
    assert (partner, status, net) == (st.customer, "draft", D("20.00"))
    assert lines == [(st.products["P1"], D("2"), D("10"), D("20.00"))]  # P2 (warranty) is not on it
    t = tq.get_ticket(db, st.admin, ticket_id=st.ticket)
    assert [(p["product_code"], p["chargeable"], p["invoice"]) for p in t["parts"]] == [
        ("P2", False, None), ("P1", True, r["number"])]
    assert t["unbilled_parts"] == 0 and t["log"][-1]["kind"] == "bill" and r["number"] in t["log"][-1]["content"]
    with pytest.raises(ValidationError) as err:  # nothing billed twice
        ts.bill_ticket_parts(db, st.admin, ticket_id=st.ticket, doc_date=DAY)
    assert err.value.message_id == "error.crm3.nothing_to_bill"

    # the invoice posts like any other: Dr 1122 应收 / Cr 5001 收入 20.00 + Cr 2221 销项
    vid = inv.post_invoice(db, st.admin, invoice_id=r["invoice_id"])
    lines = voucher(db, vid)
    assert {code[:4] for code, _, _ in lines} >= {"1122", "5001"}
    assert sum(cr for code, _, cr in lines if code.startswith("5001")) == D("20.00")
    assert sum(dr for _, dr, _ in lines) == sum(cr for _, _, cr in lines) == r["total"]


def test_a_part_without_a_price_is_refused_then_priced_and_a_cancelled_invoice_frees_the_parts(db, st):
    _issue(db, st, "P2", "4", chargeable=True)
    with pytest.raises(ValidationError) as err:
        ts.bill_ticket_parts(db, st.admin, ticket_id=st.ticket, doc_date=DAY)
    assert err.value.message_id == "error.crm3.part_no_price" and err.value.params["products"] == "P2"
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(SalesInvoice.id)).first() is None  # nothing written

    first = ts.bill_ticket_parts(db, st.admin, ticket_id=st.ticket, doc_date=DAY, prices={st.products["P2"]: "0.5"})
    assert _invoice(db, first["invoice_id"])[3] == [(st.products["P2"], D("4"), D("0.5"), D("2.00"))]
    inv.cancel_invoice(db, st.admin, invoice_id=first["invoice_id"])
    again = ts.bill_ticket_parts(db, st.admin, ticket_id=st.ticket, doc_date=DAY, prices={st.products["P2"]: "0.6"})
    assert again["invoice_id"] != first["invoice_id"]
    assert _invoice(db, again["invoice_id"])[3] == [(st.products["P2"], D("4"), D("0.6"), D("2.40"))]


def test_a_reversed_chargeable_issue_is_not_billed(db, st):
    sold = _issue(db, st, "P1", "1", chargeable=True)
    S.reverse_other_issue(db, st.admin, doc_id=sold["doc_id"], doc_date=DAY + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as err:
        ts.bill_ticket_parts(db, st.admin, ticket_id=st.ticket, doc_date=DAY)
    assert err.value.message_id == "error.crm3.nothing_to_bill"


def test_the_ticket_page_issues_a_chargeable_part_and_bills_it(ui_db, ui_company, admin_app):  # noqa: F811
    """On the ticket page: the parts form with 收费配件 ticked, then 收费配件开票 — a draft invoice for the ticket's
    customer at the customer's price-list price, shown against the part."""
    from erp_core.masterdata import items_services, warehouse_services
    from tests.support.factories import admin_actor

    admin = admin_actor(ui_db, ui_company)
    cust = partners_services.create_customer(ui_db, admin, values={"code": "TK01", "name": "工单客户"},
                                             confirm_duplicates=True)
    wh = warehouse_services.create_warehouse(ui_db, admin, code="WH01", name="长沙总仓")
    pid = items_services.create_product(ui_db, admin, values={"code": "PT01", "name": "密封圈", "tax_rate": "VAT13"})
    rid = S.create_other_receipt(ui_db, admin, doc_date=DAY, warehouse_id=wh,
                                 lines=[{"product_id": pid, "quantity": "10", "unit_cost": "3"}])
    S.post_other_receipt(ui_db, admin, doc_id=rid)
    ss.save_price_list(ui_db, admin, code="STD", name="标准价", prices_include_vat=False,
                       prices=[{"product_id": pid, "price": D("8")}])
    tid = ts.create_ticket(ui_db, admin, customer_id=cust, title="设备异响", problem_kind="fault")
    at = admin_app.switch_page("pages/crm/tickets.py").run()
    next(n for n in at.number_input if n.key == "crm_t_open").set_value(tid)
    at = at.run()
    at.checkbox(key="crm_t_parts_chargeable").check()
    form_button = next(b for b in at.button if b.label == "领用配件（过账其他出库单）")
    at = form_button.click().run()
    assert not at.exception, at.exception
    assert tq.get_ticket(ui_db, admin, ticket_id=tid)["unbilled_parts"] == 1
    at = at.button(key="crm_t_bill").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    part = tq.get_ticket(ui_db, admin, ticket_id=tid)["parts"][0]
    assert part["chargeable"] and part["invoice"] and part["invoice"] in at.success[0].value
    with ui_db.uow(readonly=True) as uow:
        doc = uow.session.execute(select(SalesInvoice).where(SalesInvoice.number == part["invoice"])).scalar_one()
        assert (doc.partner_id, doc.status, doc.net_total) == (cust, "draft", D("8.00"))
