"""Property: with negative stock refused, a random stream of receipts and issues on random dates is accepted
exactly when the quantity at the end of the issue's date and of EVERY later day of the ledger stays >= 0 (not
only the issue's date and the end of the ledger: a backdated issue may not dip a middle date), and the ledger's
end quantity never goes below zero (all backends)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.inventory.queries import stock_on_hand
from erp_core.kernel.errors import ValidationError
from tests.inventory.support import build, post

START = dt.date(2026, 5, 1)
_keys = itertools.count(1)
step = st.tuples(st.sampled_from(["receipt", "issue"]), st.integers(min_value=1, max_value=30),
                 st.integers(min_value=0, max_value=20))


def test_issues_are_accepted_exactly_when_stock_stays_non_negative(db):
    stock = build(db)
    wh, prod = stock.warehouses["WH01"], stock.products["P1"]
    ledger: list[tuple[dt.date, Decimal]] = []

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(step, min_size=1, max_size=6))
    def run(steps):
        for kind, qty, day in steps:
            date = START + dt.timedelta(days=day)
            signed = Decimal(qty) if kind == "receipt" else -Decimal(qty)
            days = {date} | {d for d, _ in ledger if d > date}
            lowest = min(sum((q for d, q in ledger if d <= day), Decimal(0)) for day in days)
            expected_ok = signed > 0 or lowest + signed >= 0
            try:
                post(db, stock.admin, moves=[{"warehouse_id": wh, "product_id": prod, "quantity": signed,
                                              "unit_cost": Decimal("1"), "move_type": kind}],
                     posting_key=f"neg:{next(_keys)}", move_date=date)
                ok = True
            except ValidationError as err:
                assert err.message_id == "error.inv.negative_stock"
                ok = False
            assert ok == expected_ok, (kind, qty, date, lowest)
            if ok:
                ledger.append((date, signed))
        rows = stock_on_hand(db, stock.admin, warehouse_id=wh).rows
        held = rows[0]["quantity"] if rows else Decimal(0)
        assert held == sum((q for _, q in ledger), Decimal(0)) >= 0

    run()
