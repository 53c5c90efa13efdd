"""Month-end weighted average across a transfer (found by the supply-chain state machine, helper salesfix): the
run corrects a transfer_out to the sending warehouse's average and moves the difference onto its transfer_in;
the receiving warehouse's average must then count that corrected value (the transfer_in's correction), or its
issues stay at the provisional cost and the value left in it is wrong."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from erp_core.costing.run_services import run_costing
from erp_core.masterdata import items_services as items
from tests.costing.support import Books, build


def test_the_receiving_warehouse_averages_the_corrected_transfer_in(db, company):
    st = build(db, company=company)
    items.edit_product(db, st.admin, product_id=st.products["P3"], version=None,
                       values={"code": "P3", "name": "P3", "costing_method": "monthly_average"})
    books = Books(db, st)
    books.receive("P3", D(10), D(10), dt.date(2026, 3, 1), wh="WH01")
    books.transfer("P3", D(5), dt.date(2026, 3, 2), src="WH01", dst="WH02")  # provisional: 5 x 10.00
    books.receive("P3", D(10), D(20), dt.date(2026, 3, 3), wh="WH01")  # WH01's March average: 300 / 20 = 15.00
    books.issue("P3", D(5), dt.date(2026, 3, 4), wh="WH02")  # provisional: 5 x 10.00
    run_costing(db, st.admin, period="2026-03")
    # WH01: 20 in for 300.00, 5 out at 15.00 = 75.00: 225.00 left for 15 (15.00 each)
    assert books.stock_value("P3", "WH01") == D("225.00")
    # WH02 got the 5 at 75.00 (the transfer_in follows its transfer_out) and issued them at that average:
    # nothing is left in WH02, and its issue cost 75.00, not the provisional 50.00
    assert [(t, q, a) for t, _, q, a in books.effective("P3", "WH02")] == [
        ("transfer_in", D(5), D("75.00")), ("issue", D(-5), D("-75.00"))]
    assert books.stock_value("P3", "WH02") == D("0.00")
    assert books.stock_value() == books.gl_balance("1405")
