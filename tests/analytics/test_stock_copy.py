"""The DuckDB copy of the stock ledger (erp_core/analytics/stock.py): it follows the operational store move by
move (incremental sync by move_seq), starts again when the store is replaced, and every figure read from it
equals the same aggregate over the operational store (costing.loader.stock_as_of). Storage test: all backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from erp_core.analytics import engine as analytics_engine
from erp_core.analytics import stock as stock_copy
from erp_core.costing.loader import stock_as_of
from erp_core.costing.run_queries import stock_on_hand_as_of
from erp_core.inventory.queries import stock_on_hand
from tests.costing.support import Books, build

DAYS = [dt.date(2026, 1, d) for d in (1, 2, 3, 5, 9, 20, 31)]


@pytest.fixture
def stock(db, company):
    st = build(db, company=company)
    yield st
    analytics_engine.forget(db, delete=True)


def _operational(db, st, on):
    with db.uow(readonly=True) as uow:
        return stock_as_of(uow.session, st.company_id, on)


def test_the_copy_follows_every_posting_and_equals_the_operational_aggregate(db, stock):
    b = Books(db, stock)
    b.receive("P1", "10", "10", DAYS[0])
    b.receive("P2", "5", "3.333333", DAYS[1])
    for on in DAYS:
        assert stock_on_hand_as_of(db, stock.admin, on=on) == _operational(db, stock, on)
    eng = analytics_engine.engine_for(db)
    first = stock_copy.stamp(eng, stock.company_id).watermark
    # more postings after the first sync: an issue, a transfer, a backdated receipt (revalues the issue)
    b.issue("P1", "4", DAYS[3])
    b.transfer("P1", "3", DAYS[4])
    b.receive("P1", "10", "16", DAYS[2])
    b.issue("P2", "2", DAYS[5], wh="WH01")
    later = stock_copy.stamp(eng, stock.company_id).watermark
    assert later > first
    for on in DAYS:
        assert stock_on_hand_as_of(db, stock.admin, on=on) == _operational(db, stock, on), on
    wh2 = stock.warehouses["WH02"]
    assert stock_on_hand_as_of(db, stock.admin, on=DAYS[-1], warehouse_id=wh2) == [
        r for r in _operational(db, stock, DAYS[-1]) if r[1] == wh2]
    # nothing new: the same watermark, no second copy of any move
    assert stock_copy.stamp(eng, stock.company_id).watermark == later
    cur = eng.cursor()
    n = cur.execute("SELECT count(*), count(DISTINCT move_seq) FROM stock WHERE company_id = ?",
                    [stock.company_id]).fetchone()
    cur.close()
    assert n[0] == n[1] == later


def test_the_stock_page_query_reads_the_copy_with_names_and_filters(db, stock):
    b = Books(db, stock)
    b.receive("P1", "10", "10", DAYS[0])
    b.receive("P2", "4", "2.5", DAYS[1])
    b.receive("P1", "2", "13", DAYS[2], wh="WH02")
    b.issue("P1", "4", DAYS[3])
    res = stock_on_hand(db, stock.admin, as_of=DAYS[3])
    got = {(r["warehouse_code"], r["product_code"]): (r["quantity"], r["value"], r["category_code"])
           for r in res.rows}
    assert got == {("WH01", "P1"): (D("6"), D("60.00"), "TEA"), ("WH01", "P2"): (D("4"), D("10.00"), "HOME"),
                   ("WH02", "P1"): (D("2"), D("26.00"), "TEA")}
    assert res.total_value == D("96.00")
    assert [r["product_code"] for r in stock_on_hand(db, stock.admin, as_of=DAYS[3], category_id=None,
                                                     search="竹").rows] == ["P2"]
    before = stock_on_hand(db, stock.admin, as_of=DAYS[1])
    assert {(r["warehouse_code"], r["product_code"]) for r in before.rows} == {("WH01", "P1"), ("WH01", "P2")}


def test_a_replaced_store_is_copied_again(db, stock):
    """The copy's last move no longer matches the store's move at that sequence (a restore of another file at
    the same place): the copy starts again instead of mixing two ledgers."""
    b = Books(db, stock)
    b.receive("P1", "10", "10", DAYS[0])
    eng = analytics_engine.engine_for(db)
    stock_copy.sync(eng, stock.company_id)
    cur = eng.cursor()
    cur.execute("UPDATE stock_sync_state SET fingerprint = 'another store' WHERE company_id = ?",
                [stock.company_id])
    cur.execute("UPDATE stock SET quantity = 999 WHERE company_id = ?", [stock.company_id])
    cur.close()
    assert stock_on_hand_as_of(db, stock.admin, on=DAYS[-1]) == _operational(db, stock, DAYS[-1])
