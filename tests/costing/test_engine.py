"""The costing engine's methods on plain moves (no database): moving average, month-end average with the
remainder rule, FIFO layers with partial layers, negative stock and revaluations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from erp_core.costing.engine import Mv, corrections, fifo, monthly_average, moving_average

DAY = dt.date(2026, 3, 1)


def mv(i, day, kind, qty, cost="0", amount=None, **kw):
    qty, cost = D(qty), D(cost)
    amount = D(amount) if amount is not None else (qty * cost).quantize(D("0.01"))
    return Mv(i, i, DAY + dt.timedelta(days=day), kind, qty, cost, amount, **kw)


def test_moving_average_values_each_issue_at_the_running_average():
    moves = [mv(1, 0, "receipt", "3", "10"), mv(2, 1, "receipt", "1", "11"), mv(3, 2, "issue", "-2", amount="0"),
             mv(4, 3, "revaluation", "0", amount="1.00"), mv(5, 4, "issue", "-2", amount="0")]
    out, state = moving_average(moves)
    # 41.00 / 4 = 10.25 -> 20.50; then 20.50 + 1.00 over 2 = 10.75 -> 21.50
    assert out == {3: D("-20.50"), 5: D("-21.50")}
    assert (state.quantity, state.value) == (D(0), D(0))
    # with nothing on hand: the last inbound unit cost
    out, _ = moving_average([mv(1, 0, "receipt", "1", "7"), mv(2, 1, "issue", "-1", amount="-7"),
                             mv(3, 2, "issue", "-1", amount="0")])
    assert out[3] == D("-7.00")
    # a correction move is skipped (its value is in its target's effective amount); a fixed move keeps its value
    moves = [mv(1, 0, "receipt", "2", "10"), mv(2, 1, "issue", "-1", amount="-12", fixed=True),
             mv(3, 1, "revaluation", "0", amount="5", correction=True), mv(4, 2, "issue", "-1", amount="-8")]
    assert corrections("moving_average", moves) == {}  # 8.00 left on 1 unit: the last issue is right


def test_month_end_average_and_the_last_issue_taking_the_rest():
    moves = [mv(1, 0, "receipt", "3", "10"), mv(2, 5, "issue", "-1", amount="-10"),
             mv(3, 10, "receipt", "3", "11"), mv(4, 20, "issue", "-5", amount="-52")]
    out, unit = monthly_average(moves, start=DAY, end=DAY + dt.timedelta(days=30))
    # 63.00 / 6 = 10.5: 10.50 and 52.50 (nothing left: the last issue takes the rest, here exact)
    assert unit == D("10.5") and out == {2: D("-10.50"), 4: D("-52.50")}
    moves = [mv(1, 0, "receipt", "3", "1"), mv(2, 0, "receipt", "0.000001", "0.01"),  # an awkward average
             mv(3, 1, "issue", "-1", amount="0"), mv(4, 2, "issue", "-2.000001", amount="0")]
    out, _ = monthly_average(moves, start=DAY, end=DAY + dt.timedelta(days=30))
    assert sum(out.values()) == -(D("3.00") + D("0.00"))  # nothing left on zero quantity
    # moves before the period are its opening; after it, ignored
    moves = [mv(1, -3, "receipt", "2", "8"), mv(2, 2, "issue", "-1", amount="-8"),
             mv(3, 40, "receipt", "5", "100")]
    out, unit = monthly_average(moves, start=DAY, end=DAY + dt.timedelta(days=30))
    assert unit == D("8") and out == {2: D("-8.00")}


def test_fifo_layers_partial_layers_negative_stock_and_revaluation():
    moves = [mv(1, 0, "receipt", "3", "1"), mv(2, 0, "receipt", "3", "2"), mv(3, 1, "issue", "-4", amount="0"),
             mv(4, 2, "revaluation", "0", amount="0.60"), mv(5, 3, "issue", "-3", amount="0"),
             mv(6, 4, "receipt", "5", "3"), mv(7, 5, "issue", "-1", amount="0")]
    out, layers = fifo(moves)
    # issue 4: 3 @ 1 + 1 @ 2 = 5.00; revaluation +0.60 onto the newest layer (2 left, 4.60);
    # issue 3: the 2 left (4.60) + 1 beyond the layers at the last inbound cost 2.00 = 6.60;
    # the receipt of 5 @ 3 first fills the shortfall (1 unit, -2.00): 4 units 13.00 left;
    # issue 1: 13.00 x 1 / 4 = 3.25
    assert out == {3: D("-5.00"), 5: D("-6.60"), 7: D("-3.25")}
    assert layers.value == D("9.75") and [q for q, _ in layers.layers] == [D(3)]
    assert layers.peek(D(3)) == D("9.75") and layers.value == D("9.75")  # peek takes nothing
