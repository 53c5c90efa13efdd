"""Parts used on a service ticket (工单配件, issue #15 item 5): they leave stock through the one posting path — a
其他出库单 posted for the ticket — with exact stock moves and voucher; recorded on the ticket; refused without
stock; a red reversal shows on the ticket."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.crm.service import queries as tq
from erp_core.crm.service import services as ts
from erp_core.kernel.errors import DomainError, NotFound, ValidationError
from erp_core.masterdata import partners_services
from erp_core.stockops import services as S
from tests.stockops.support import DAY, moves, voucher
from tests.stockops.support import company as stock_company

D = Decimal


@pytest.fixture
def st(db, company):
    st = stock_company(db, setup=company)
    st.customer = partners_services.create_customer(db, st.admin, values={"code": "C01", "name": "长沙客户"},
                                                    confirm_duplicates=True)
    st.ticket = ts.create_ticket(db, st.admin, customer_id=st.customer, title="水泵漏水", problem_kind="fault")
    return st


def test_parts_leave_stock_with_moves_voucher_and_the_ticket_record(db, st):
    r = ts.issue_ticket_parts(db, st.admin, ticket_id=st.ticket, warehouse_id=st.warehouses["WH01"], doc_date=DAY,
                              lines=[{"product_id": st.products["P1"], "quantity": "2"},
                                     {"product_id": st.products["P2"], "quantity": "3"}])
    assert r["number"].startswith("QC202603-") and r["warnings"] == []
    # P1: 2 x 2.5 = 5.00; P2: 3 x 0.335 = 1.005 -> 1.01; the voucher: Dr 5601 销售费用 (role service_parts) / Cr 1405
    assert moves(db, r["stock_posting_id"]) == [
        ("issue", st.warehouses["WH01"], None, st.products["P1"], D("-2"), D("2.5"), D("-5.00")),
        ("issue", st.warehouses["WH01"], None, st.products["P2"], D("-3"), D("0.335"), D("-1.01"))]
    assert voucher(db, r["voucher_id"]) == [("5601", D("6.01"), D(0)), ("1405", D(0), D("6.01"))]
    t = tq.get_ticket(db, st.admin, ticket_id=st.ticket)
    assert [(p["number"], p["status"], p["quantity"], p["amount"]) for p in t["parts"]] == [
        (r["number"], "posted", D("2"), D("5.00")), (r["number"], "posted", D("3"), D("1.01"))]
    assert t["log"][-1]["kind"] == "part" and r["number"] in t["log"][-1]["content"]
    assert t["first_response_at"] is not None  # working on the ticket answers it

    S.reverse_other_issue(db, st.admin, doc_id=r["doc_id"], doc_date=DAY + dt.timedelta(days=1))
    assert {p["status"] for p in tq.get_ticket(db, st.admin, ticket_id=st.ticket)["parts"]} == {"reversed"}


def test_parts_refused_beyond_stock_on_hand_write_nothing(db, st):
    with pytest.raises(DomainError) as err:
        ts.issue_ticket_parts(db, st.admin, ticket_id=st.ticket, warehouse_id=st.warehouses["WH01"],
                              doc_date=DAY, lines=[{"product_id": st.products["P1"], "quantity": "101"}])
    assert "negative_stock" in str(getattr(err.value, "message_id", "")) + repr(err.value)
    assert tq.get_ticket(db, st.admin, ticket_id=st.ticket)["parts"] == []


def test_parts_need_lines_and_an_open_ticket_of_the_company(db, st):
    with pytest.raises(ValidationError):
        ts.issue_ticket_parts(db, st.admin, ticket_id=st.ticket, warehouse_id=st.warehouses["WH01"], lines=[])
    for action in ("start", "resolve", "close"):
        ts.change_ticket_status(db, st.admin, ticket_id=st.ticket, version=None, action=action)
    with pytest.raises(ValidationError) as err:
        ts.issue_ticket_parts(db, st.admin, ticket_id=st.ticket, warehouse_id=st.warehouses["WH01"], doc_date=DAY,
                              lines=[{"product_id": st.products["P1"], "quantity": "1"}])
    assert err.value.message_id == "error.crm.ticket_closed"
    with pytest.raises(NotFound):
        ts.issue_ticket_parts(db, st.admin, ticket_id=999_999, warehouse_id=st.warehouses["WH01"], doc_date=DAY,
                              lines=[{"product_id": st.products["P1"], "quantity": "1"}])
