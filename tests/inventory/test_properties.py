"""Properties of the stock ledger (all backends): whatever moves are posted, the quantity and value on hand per
(warehouse, product) equal the sums of the moves (as of any date too), move_seq stays 1..n, and stock_vs_ledger's
difference is exactly stock value - GL balance of 1405."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from erp_core.inventory.models import StockMove
from erp_core.inventory.posting import move_amount
from erp_core.inventory.queries import stock_on_hand, stock_vs_ledger
from erp_core.ledger.posting import create_and_post_system_voucher
from erp_core.usecase import Context
from tests.inventory.support import allow_negative, build, post

START = dt.date(2026, 3, 1)
_keys = itertools.count(1)

quantity = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n).scaleb(-3))  # 0.001 .. 1,000,000
cost = st.integers(min_value=0, max_value=10**9).map(lambda n: Decimal(n).scaleb(-4))  # 0 .. 100,000.0000
move = st.tuples(st.sampled_from(["receipt", "issue", "adjustment+", "adjustment-", "transfer_in", "transfer_out"]),
                 st.sampled_from(["WH01", "WH02"]), st.sampled_from(["P1", "P2", "P3"]), quantity, cost,
                 st.integers(min_value=0, max_value=20))
posting = st.lists(move, min_size=1, max_size=5)
gl = st.lists(st.integers(min_value=-10**9, max_value=10**9).filter(bool).map(lambda n: Decimal(n).scaleb(-2)),
              max_size=3)


def _gl_1405(db, actor, amounts, day):
    """Post 1405 against 1002 (debit for positive amounts, credit for negative ones)."""
    lines = []
    for a in amounts:
        side, other = ("debit", "credit") if a > 0 else ("credit", "debit")
        lines += [{"account_code": "1405", side: abs(a), "summary": "存货"},
                  {"account_code": "1002", other: abs(a), "summary": "存货"}]
    with db.uow() as uow:
        ctx = Context(uow.session, actor, "test", db, company_id=actor.company_id)
        create_and_post_system_voucher(ctx, voucher_date=day, lines=lines, posting_key=f"gl:{next(_keys)}")
        uow.commit()


def test_on_hand_is_the_sum_of_moves_and_the_ledger_check_is_the_difference(db, company):
    stock = build(db, company=company)
    allow_negative(db, stock)  # random issues: the ledger's sums are the subject here, not the stock policy
    expected: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    by_day: list[tuple[dt.date, str, str, Decimal, Decimal]] = []
    gl_total = [Decimal(0)]

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(moves=posting, gl_amounts=gl)
    def run(moves, gl_amounts):
        day = START + dt.timedelta(days=moves[0][5])
        rows = []
        for kind, wh, prod, qty, unit_cost, _ in moves:
            signed = -qty if kind in ("issue", "transfer_out", "adjustment-") else qty
            rows.append({"warehouse_id": stock.warehouses[wh], "product_id": stock.products[prod],
                         "quantity": signed, "unit_cost": unit_cost, "move_type": kind.rstrip("+-")})
            amount = move_amount(signed, unit_cost)
            expected[(wh, prod)][0] += signed
            expected[(wh, prod)][1] += amount
            by_day.append((day, wh, prod, signed, amount))
        post(db, stock.admin, moves=rows, posting_key=f"prop:{next(_keys)}", move_date=day)
        if gl_amounts:
            _gl_1405(db, stock.admin, gl_amounts, day)
            gl_total[0] += sum(gl_amounts, Decimal(0))

        got = {(r["warehouse_code"], r["product_code"]): [r["quantity"], r["value"]]
               for r in stock_on_hand(db, stock.admin).rows}
        want = {k: v for k, v in expected.items() if v != [0, 0]}
        assert got == want
        # as of a date in the middle: only the moves up to that day
        cut = START + dt.timedelta(days=10)
        mid: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for d, wh, prod, q, a in by_day:
            if d <= cut:
                mid[(wh, prod)][0] += q
                mid[(wh, prod)][1] += a
        got_mid = {(r["warehouse_code"], r["product_code"]): [r["quantity"], r["value"]]
                   for r in stock_on_hand(db, stock.admin, as_of=cut).rows}
        assert got_mid == {k: v for k, v in mid.items() if v != [0, 0]}

        [check] = stock_vs_ledger(db, stock.admin)
        value = sum((v[1] for v in expected.values()), Decimal(0))
        assert (check.account_code, check.stock_value, check.ledger_balance) == ("1405", value, gl_total[0])
        assert check.difference == value - gl_total[0]
        with db.uow(readonly=True) as uow:
            n, top = uow.session.execute(select(func.count(), func.max(StockMove.move_seq))).one()
        assert n == top == len(by_day)

    run()
