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
from tests.stockops.support import DAY, company, voucher

D = Decimal


@pytest.fixture
def st(db):
    st = company(db)
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
