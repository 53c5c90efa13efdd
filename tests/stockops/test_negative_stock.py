"""Negative stock (负库存): refused by default for every outbound move, as of the move date and at the end of the
ledger, with a message naming the product, warehouse and shortfall; allowed with a warning by the company
setting. The opening-stock import is unaffected (all backends)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.i18n import render_error
from erp_core.kernel.errors import ValidationError
from erp_core.stockops import services as S
from tests.inventory.support import counts
from tests.stockops.support import DAY
from tests.stockops.support import company as stock_company

D = Decimal


@pytest.fixture
def st(db, company):
    return stock_company(db, setup=company)  # WH01: P1 100 @ 2.5, P2 10 @ 0.335 on 2026-03-01


def _issue(db, st, qty, day=DAY, product="P1"):
    doc_id = S.create_other_issue(db, st.admin, doc_date=day, warehouse_id=st.warehouses["WH01"],
                                  lines=[{"product_id": st.products[product], "quantity": qty}])
    return doc_id


def test_an_issue_beyond_what_is_on_hand_is_refused_naming_product_and_shortfall(db, st):
    doc_id = _issue(db, st, "12", product="P2")
    before = counts(db)
    with pytest.raises(ValidationError) as err:
        S.post_other_issue(db, st.admin, doc_id=doc_id)
    e = err.value
    assert e.message_id == "error.inv.negative_stock"
    assert (e.params["product"], e.params["on_hand"], e.params["quantity"], e.params["shortfall"]) == \
        ("P2 竹篮", "10", "12", "2")
    assert "缺 2" in render_error(e, "zh_CN") and "2 short" in render_error(e, "en")
    assert counts(db) == before  # nothing written


def test_a_backdated_issue_is_checked_as_of_its_date(db, st):
    """100 on hand today, but on 2026-02-28 (before the opening) nothing: refused."""
    doc_id = _issue(db, st, "1", day=dt.date(2026, 2, 28))
    with pytest.raises(ValidationError) as err:
        S.post_other_issue(db, st.admin, doc_id=doc_id)
    assert err.value.params["shortfall"] == "1"


def test_an_issue_that_later_issues_would_take_below_zero_is_refused(db, st):
    """The ledger already holds an issue of 90 on 03-20; an issue of 20 on 03-10 leaves 80 on 03-10 but -10
    at the end of the ledger."""
    S.post_other_issue(db, st.admin, doc_id=_issue(db, st, "90", day=dt.date(2026, 3, 20)))
    doc_id = _issue(db, st, "20")
    with pytest.raises(ValidationError) as err:
        S.post_other_issue(db, st.admin, doc_id=doc_id)
    assert err.value.params["shortfall"] == "10"
    S.post_other_issue(db, st.admin, doc_id=_issue(db, st, "10"))  # exactly what is left: fine


def test_red_reversal_of_a_receipt_already_consumed_is_refused(db, st):
    rid = S.create_other_receipt(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH02"],
                                 lines=[{"product_id": st.products["P3"], "quantity": "5", "unit_cost": "1"}])
    S.post_other_receipt(db, st.admin, doc_id=rid)
    iid = S.create_other_issue(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH02"],
                               lines=[{"product_id": st.products["P3"], "quantity": "4"}])
    S.post_other_issue(db, st.admin, doc_id=iid)
    with pytest.raises(ValidationError) as err:
        S.reverse_other_receipt(db, st.admin, doc_id=rid)
    assert err.value.message_id == "error.inv.negative_stock" and err.value.params["shortfall"] == "4"


def test_allowed_by_the_company_setting_the_move_posts_with_a_warning(db, st):
    assert S.set_inventory_setting(db, st.admin, allow_negative_stock=True) >= 1
    r = S.post_other_issue(db, st.admin, doc_id=_issue(db, st, "12", product="P2"))
    assert r.status == "posted"
    [w] = r.warnings
    assert w.message_id == "warning.inv.negative_stock" and w.params["shortfall"] == "2"
    assert "负库存" in render_error(w, "zh_CN")
    # and the transfer too: every outbound move
    tid = S.create_transfer(db, st.admin, doc_date=DAY, from_warehouse_id=st.warehouses["WH01"],
                            to_warehouse_id=st.warehouses["WH02"],
                            lines=[{"product_id": st.products["P2"], "quantity": "1"}])
    [w2] = S.post_transfer(db, st.admin, doc_id=tid).warnings
    assert w2.params["shortfall"] == "3"
    S.set_inventory_setting(db, st.admin, allow_negative_stock=False)
    with pytest.raises(ValidationError):
        S.post_other_issue(db, st.admin, doc_id=_issue(db, st, "1", product="P2"))


def test_the_opening_stock_import_still_works(db, company):
    from erp_core.inventory.opening_services import import_opening_stock
    from erp_core.io.importer import Table

    st = stock_company(db, openings=(), setup=company)
    report = import_opening_stock(db, st.admin, table=Table(["仓库编码", "商品编码", "数量", "单价"],
                                                            [["WH01", "P1", "5", "2"]], "o.csv"),
                                  opening_date=dt.date(2026, 1, 1))
    assert report.committed and counts(db)[0] == 1


def test_a_backdated_issue_may_not_dip_a_middle_date_below_zero(db, st):
    """100 on 03-01; 90 issued on 03-20; 100 received on 03-25 (110 at the end of the ledger). An issue of 20
    dated 03-10 leaves 80 on 03-10 and 90 at the end, but 10 - 20 = -10 on 03-20: refused, the shortfall
    measured at that lowest day. An issue of 10 keeps 03-20 at exactly zero: accepted."""
    S.post_other_issue(db, st.admin, doc_id=_issue(db, st, "90", day=dt.date(2026, 3, 20)))
    rid = S.create_other_receipt(db, st.admin, doc_date=dt.date(2026, 3, 25), warehouse_id=st.warehouses["WH01"],
                                 lines=[{"product_id": st.products["P1"], "quantity": "100", "unit_cost": "2.5"}])
    S.post_other_receipt(db, st.admin, doc_id=rid)
    doc_id = _issue(db, st, "20", day=dt.date(2026, 3, 10))
    before = counts(db)
    with pytest.raises(ValidationError) as err:
        S.post_other_issue(db, st.admin, doc_id=doc_id)
    assert (err.value.params["on_hand"], err.value.params["shortfall"]) == ("10", "10")
    assert counts(db) == before
    S.post_other_issue(db, st.admin, doc_id=_issue(db, st, "10", day=dt.date(2026, 3, 10)))


def test_lowest_balance_is_one_windowed_statement(db, st):
    from erp_core.inventory.posting import lowest_balance

    S.post_other_issue(db, st.admin, doc_id=_issue(db, st, "30", day=dt.date(2026, 3, 5)))
    wh, p = st.warehouses["WH01"], st.products["P1"]
    with db.uow(readonly=True) as uow:
        def low(day):
            return lowest_balance(uow.session, st.company_id, wh, p, day)

        assert (low(dt.date(2026, 2, 1)), low(dt.date(2026, 3, 1)), low(dt.date(2026, 3, 5)),
                low(dt.date(2026, 4, 1))) == (D(0), D(70), D(70), D(70))
