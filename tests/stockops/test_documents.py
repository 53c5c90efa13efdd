"""Other receipts and issues, transfers: worked examples with exact stock moves and vouchers, red reversal
(all backends)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.documents import accounts
from erp_core.kernel.errors import ConcurrencyError, Conflict, ValidationError, ValidationErrors
from erp_core.stockops import services as S
from tests.stockops.support import DAY, moves, voucher, voucher_dims
from tests.stockops.support import company as stock_company

D = Decimal


@pytest.fixture
def st(db, company):
    return stock_company(db, setup=company)


def test_other_issue_to_a_chosen_expense_account_with_department(db, st):
    from erp_core.masterdata import org_services

    dept = org_services.create_department(db, st.admin, code="D01", name="行政部")
    doc_id = S.create_other_issue(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"], reason="领用",
                                  expense_account="5602", department_id=dept,
                                  lines=[{"product_id": st.products["P1"], "quantity": "3"},
                                         {"product_id": st.products["P2"], "quantity": "3",
                                          "location_id": st.locations["A1"]}])
    r = S.post_other_issue(db, st.admin, doc_id=doc_id)
    assert r.status == "posted" and r.number.startswith("QC202603-") and r.warnings == []
    # P1: 3 x 2.5 = 7.50; P2: 3 x 0.335 = 1.005 -> 1.01 (ROUND_HALF_UP); the voucher is built from the same amounts
    assert moves(db, r.stock_posting_id) == [
        ("issue", st.warehouses["WH01"], None, st.products["P1"], D("-3"), D("2.5"), D("-7.50")),
        ("issue", st.warehouses["WH01"], st.locations["A1"], st.products["P2"], D("-3"), D("0.335"), D("-1.01"))]
    assert voucher(db, r.voucher_id) == [("5602", D("8.51"), D(0)), ("1405", D(0), D("8.51"))]
    assert voucher_dims(db, r.voucher_id) == [("5602", dept, None), ("1405", None, None)]


def test_other_issue_defaults_to_the_other_issue_role_and_reverses_red(db, st):
    doc_id = S.create_other_issue(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                                  lines=[{"product_id": st.products["P1"], "quantity": "4"}])
    r = S.post_other_issue(db, st.admin, doc_id=doc_id)
    assert voucher(db, r.voucher_id) == [("5602", D("10.00"), D(0)), ("1405", D(0), D("10.00"))]
    red = S.reverse_other_issue(db, st.admin, doc_id=doc_id, doc_date=DAY + dt.timedelta(days=1))
    assert voucher(db, red.voucher_id) == [("5602", D("-10.00"), D(0)), ("1405", D(0), D("-10.00"))]
    assert moves(db, red.stock_posting_id) == [
        ("receipt", st.warehouses["WH01"], None, st.products["P1"], D("4"), D("2.5"), D("10.00"))]
    with pytest.raises(Conflict) as err:
        S.reverse_other_issue(db, st.admin, doc_id=doc_id)
    assert err.value.message_id == "error.documents.already_reversed"


def test_other_receipt_at_given_cost_to_the_chosen_counter_account(db, st):
    doc_id = S.create_other_receipt(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH02"],
                                    reason="赠品入库", counter_account="5301",
                                    lines=[{"product_id": st.products["P3"], "quantity": "3", "unit_cost": "0.335",
                                            "location_id": st.locations["B1"]}])
    r = S.post_other_receipt(db, st.admin, doc_id=doc_id)
    assert moves(db, r.stock_posting_id) == [
        ("receipt", st.warehouses["WH02"], st.locations["B1"], st.products["P3"], D("3"), D("0.335"), D("1.01"))]
    assert voucher(db, r.voucher_id) == [("1405", D("1.01"), D(0)), ("5301", D(0), D("1.01"))]


def test_receipt_form_problems_name_their_fields(db, st):
    with pytest.raises(ValidationErrors) as err:
        S.create_other_receipt(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH09"], counter_account="1",
                               lines=[{"product_id": st.products["S1"], "quantity": "1", "unit_cost": "1"},
                                      {"product_id": st.products["P1"], "quantity": "1", "unit_cost": "1",
                                       "location_id": st.locations["B1"]}])
    got = {(e.message_id, e.params.get("field"), e.params.get("line")) for e in err.value.errors}
    assert ("error.inventory.warehouse_inactive", "field.inv.warehouse", None) in got
    assert ("error.inv.account_not_leaf", "field.inv.account", None) in got or \
        ("error.inv.account_unknown", "field.inv.account", None) in got
    assert ("error.inventory.not_stock_item", "field.inv.product", 1) in got


def test_transfer_between_warehouses_of_one_account_posts_no_voucher(db, st):
    doc_id = S.create_transfer(db, st.admin, doc_date=DAY, from_warehouse_id=st.warehouses["WH01"],
                               to_warehouse_id=st.warehouses["WH02"], to_location_id=st.locations["B1"],
                               lines=[{"product_id": st.products["P2"], "quantity": "3"}])
    r = S.post_transfer(db, st.admin, doc_id=doc_id)
    assert r.voucher_id is None
    assert moves(db, r.stock_posting_id) == [
        ("transfer_out", st.warehouses["WH01"], None, st.products["P2"], D("-3"), D("0.335"), D("-1.01")),
        ("transfer_in", st.warehouses["WH02"], st.locations["B1"], st.products["P2"], D("3"), D("0.335"), D("1.01"))]


def test_transfer_across_stock_accounts_moves_the_value_between_them(db, st, monkeypatch):
    """WH02 keeps its goods on 1403 (a 科目设置 rule, stood in for here): Dr 1403 / Cr 1405 at the issue cost."""
    real = accounts.account_for

    def rule(ctx, role, **kw):
        if role == "stock" and kw.get("warehouse_id") == st.warehouses["WH02"]:
            return "1403"
        return real(ctx, role, **kw)

    monkeypatch.setattr(accounts, "account_for", rule)
    doc_id = S.create_transfer(db, st.admin, doc_date=DAY, from_warehouse_id=st.warehouses["WH01"],
                               to_warehouse_id=st.warehouses["WH02"],
                               lines=[{"product_id": st.products["P1"], "quantity": "40"},
                                      {"product_id": st.products["P2"], "quantity": "3"}])
    r = S.post_transfer(db, st.admin, doc_id=doc_id)
    assert voucher(db, r.voucher_id) == [("1403", D("101.01"), D(0)), ("1405", D(0), D("101.01"))]
    red = S.reverse_transfer(db, st.admin, doc_id=doc_id)
    assert voucher(db, red.voucher_id) == [("1403", D("-101.01"), D(0)), ("1405", D(0), D("-101.01"))]
    assert [m[0] for m in moves(db, red.stock_posting_id)] == ["transfer_in", "transfer_out"] * 2


def test_transfer_to_the_same_place_is_refused(db, st):
    with pytest.raises(ValidationError) as err:
        S.create_transfer(db, st.admin, doc_date=DAY, from_warehouse_id=st.warehouses["WH01"],
                          to_warehouse_id=st.warehouses["WH01"],
                          lines=[{"product_id": st.products["P1"], "quantity": "1"}])
    assert err.value.message_id == "error.inv.transfer_same_place"
    # two locations of one warehouse is a transfer
    doc_id = S.create_transfer(db, st.admin, doc_date=DAY, from_warehouse_id=st.warehouses["WH01"],
                               to_warehouse_id=st.warehouses["WH01"], to_location_id=st.locations["A1"],
                               lines=[{"product_id": st.products["P1"], "quantity": "1"}])
    assert S.post_transfer(db, st.admin, doc_id=doc_id).voucher_id is None


def test_a_posted_document_is_frozen_and_a_draft_can_be_edited_and_cancelled(db, st):
    doc_id = S.create_other_issue(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                                  lines=[{"product_id": st.products["P1"], "quantity": "1"}])
    v = S.update_other_issue(db, st.admin, doc_id=doc_id, version=1, warehouse_id=st.warehouses["WH01"],
                             lines=[{"product_id": st.products["P1"], "quantity": "2"}], reason="改")
    with pytest.raises(ConcurrencyError):  # the form's stale version
        S.update_other_issue(db, st.admin, doc_id=doc_id, version=1, warehouse_id=st.warehouses["WH01"],
                             lines=[{"product_id": st.products["P1"], "quantity": "3"}])
    r = S.post_other_issue(db, st.admin, doc_id=doc_id, version=v)
    assert voucher(db, r.voucher_id) == [("5602", D("5.00"), D(0)), ("1405", D(0), D("5.00"))]
    with pytest.raises(Conflict) as err:
        S.update_other_issue(db, st.admin, doc_id=doc_id, version=r.version, warehouse_id=st.warehouses["WH01"],
                             lines=[{"product_id": st.products["P1"], "quantity": "5"}])
    assert err.value.message_id == "error.documents.posted_frozen"
    other = S.create_other_issue(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                                 lines=[{"product_id": st.products["P1"], "quantity": "1"}])
    assert S.cancel_other_issue(db, st.admin, doc_id=other) == "cancelled"
