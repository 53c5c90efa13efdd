"""The month-end costing run's bulk path (erp_core/costing/monthly.py) against the engine's definition
(engine.monthly_average over the moves at their effective amounts), on data that takes every path of the bulk
code: issues whose voucher names the product (valued move by move), deliveries of several products in one
posting whose voucher does not (grouped by posting in SQL), issues without a voucher (主营业务成本), two expense
accounts, transfers between warehouses (corrected one by one, followed into the receiving warehouse), a period
before the one run, and a second run after a late receipt (corrections already written count at their effective
amounts). All three databases."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal as D

from erp_core.costing.engine import monthly_average
from erp_core.costing.loader import load_moves
from erp_core.costing.run_services import run_costing
from erp_core.documents.accounts import account_for
from erp_core.inventory.models import StockMove
from erp_core.inventory.posting import move_amount
from erp_core.inventory.valuation import issue_unit_cost
from erp_core.masterdata import items_services as items
from tests.costing.support import Books, build

FEB, MAR = dt.date(2026, 2, 1), dt.date(2026, 3, 1)
MAR_END = dt.date(2026, 3, 31)
PRODUCTS = ("P1", "P2", "P3")


def _monthly(db, st):
    for code in PRODUCTS:
        items.edit_product(db, st.admin, product_id=st.products[code], version=None,
                           values={"code": code, "name": code, "costing_method": "monthly_average"})


def _unit(b, product, wh, day, qty):
    p, w = b.ids(product, wh)
    with b.db.uow(readonly=True) as uow:
        return issue_unit_cost(b._ctx(uow), product_id=p, warehouse_id=w, on=day, quantity=D(qty))


def _delivery(b, lines, day, expense=None, voucher=True):
    """One posting issuing several products; its voucher (if any) has one debit line on ``expense`` (default
    主营业务成本) and one credit line on the stock account, neither naming a product."""
    moves, total = [], D(0)
    for product, qty, wh in lines:
        p, w = b.ids(product, wh)
        unit = _unit(b, product, wh, day, qty)
        moves.append({"warehouse_id": w, "product_id": p, "quantity": -D(qty), "unit_cost": unit,
                      "move_type": "issue"})
        total += -move_amount(-D(qty), unit)

    def voucher_lines(ctx):
        if not voucher:
            return []
        p, w = b.ids(lines[0][0], lines[0][2])
        return [{"account_code": expense or account_for(ctx, "cogs", product_id=p), "debit": total,
                 "credit": D(0), "summary": "销售出库"},
                {"account_code": account_for(ctx, "stock", product_id=p, warehouse_id=w), "debit": D(0),
                 "credit": total, "summary": "销售出库"}]
    return b._post(moves, day, voucher_lines, "dl")


def _expense_of(counters, cogs, posting_id):
    return counters.get(posting_id, cogs)


def _check_against_the_engine(db, st, counters, cogs):
    """After the March run: per product, warehouse and expense account, the outbound moves' effective amounts
    add up to the engine's month-end average of each move; each transfer_out equals it on its own."""
    with db.uow(readonly=True) as uow:
        all_moves = load_moves(uow.session, st.company_id, product_ids=list(st.products.values()), upto=MAR_END)
    checked = 0
    for key, moves in all_moves.items():
        expected, _ = monthly_average(moves, start=MAR, end=MAR_END)
        got, want = defaultdict(D), defaultdict(D)
        for m in moves:
            if m.id not in expected:
                continue
            if m.move_type == "transfer_out":
                assert m.amount == expected[m.id], (key, m)
                continue
            counter = _expense_of(counters, cogs, m.ref[1])
            got[counter] += m.amount
            want[counter] += expected[m.id]
            checked += 1
        assert dict(got) == dict(want), key
    return checked


def test_the_bulk_month_end_run_equals_the_engine_per_expense_account(db, company):
    st = build(db, company=company)
    _monthly(db, st)
    b = Books(db, st)
    with db.uow(readonly=True) as uow:
        cogs = account_for(b._ctx(uow), "cogs", product_id=st.products["P1"])
    rnd = random.Random(7)
    on_hand = defaultdict(D)
    counters: dict[int, str] = {}  # posting id -> the expense account its voucher debits (else 主营业务成本)
    bare: list[int] = []  # postings without a voucher: the GL never saw their own amounts

    def stock_equals_the_gl():
        with db.uow(readonly=True) as uow:
            rows = uow.session.query(StockMove.amount).filter(StockMove.posting_id.in_(bare)).all()
        unbooked = sum((a for (a,) in rows), D(0))
        return b.stock_value() - unbooked == b.gl_balance("1405")

    def month(first: dt.date, days: int, receipts_only_first: bool = False):
        for n in range(days):
            day = first + dt.timedelta(days=n)
            for product in PRODUCTS:
                for wh in ("WH01", "WH02"):
                    if rnd.random() < 0.5:
                        qty = D(rnd.randint(5, 30))
                        b.receive(product, qty, D(rnd.randint(500, 2500)).scaleb(-2), day, wh=wh)
                        on_hand[(product, wh)] += qty
            if receipts_only_first and n == 0:
                continue
            kind = rnd.randrange(5)
            product, wh = rnd.choice(PRODUCTS), rnd.choice(("WH01", "WH02"))
            qty = min(on_hand[(product, wh)], D(rnd.randint(1, 12)))
            if qty <= 0:
                continue
            if kind == 0:  # the voucher names the product: valued move by move
                expense = rnd.choice((None, "5602"))
                res = b.issue(product, qty, day, wh=wh, expense=expense)
                if expense:
                    counters[res.posting_id] = expense
                on_hand[(product, wh)] -= qty
            elif kind in (1, 2):  # a delivery of several products (and warehouses) in one posting
                lines = [(product, qty, wh)]
                for other in PRODUCTS:
                    owh = rnd.choice(("WH01", "WH02"))
                    oq = min(on_hand[(other, owh)], D(rnd.randint(1, 5)))
                    if other != product and oq > 0:
                        lines.append((other, oq, owh))
                expense = "5602" if kind == 2 else None
                res = _delivery(b, lines, day, expense=expense)
                if expense:
                    counters[res.posting_id] = expense
                for p_, q_, w_ in lines:
                    on_hand[(p_, w_)] -= q_
            elif kind == 3:  # no voucher at all
                bare.append(_delivery(b, [(product, qty, wh)], day, voucher=False).posting_id)
                on_hand[(product, wh)] -= qty
            else:  # a transfer to the other warehouse
                other = "WH02" if wh == "WH01" else "WH01"
                b.transfer(product, qty, day, src=wh, dst=other)
                on_hand[(product, wh)] -= qty
                on_hand[(product, other)] += qty

    month(FEB, 10, receipts_only_first=True)
    month(MAR, 20)
    run_costing(db, st.admin, period="2026-02")
    run_costing(db, st.admin, period="2026-03")
    assert _check_against_the_engine(db, st, counters, cogs) > 10
    assert bare and stock_equals_the_gl()

    # a late receipt into March: the run is stale; the second run starts from the corrections of the first
    b.receive("P1", "40", "31.17", dt.date(2026, 3, 12))
    b.receive("P2", "25", "7.03", dt.date(2026, 3, 18), wh="WH02")
    run_costing(db, st.admin, period="2026-03")
    _check_against_the_engine(db, st, counters, cogs)
    assert stock_equals_the_gl()


def test_a_transfer_corrected_by_the_run_revalues_the_receiving_warehouses_issues(db, company):
    """Round two of the run: the transfer_in's correction (written in round one) is part of the receiving
    warehouse's base. Before: the base left it out, so the receiving warehouse kept value on zero quantity."""
    st = build(db, company=company)
    _monthly(db, st)
    b = Books(db, st)
    b.receive("P1", "10", "10", MAR)                       # WH01: 100.00
    b.transfer("P1", "5", MAR.replace(day=2))              # provisional 10 -> 50.00 to WH02
    b.receive("P1", "10", "20", MAR.replace(day=3))        # WH01: 200.00; March average (300 / 20) = 15
    b.issue("P1", "5", MAR.replace(day=4), wh="WH02")      # WH02: provisional 10 -> 50.00, nothing left
    run_costing(db, st.admin, period="2026-03")
    # the transfer leaves WH01 at 75.00 (25.00 more), so WH02 received 75.00 and its issue takes all of it
    assert [(t, a) for t, _, _, a in b.effective("P1", "WH02")] == [("transfer_in", D("75.00")),
                                                                   ("issue", D("-75.00"))]
    assert b.stock_value("P1", "WH02") == D(0)
    assert b.stock_value("P1", "WH01") == D("225.00")  # 15 units at 15
    assert b.stock_value() == b.gl_balance("1405")


def test_the_run_leaves_no_temporary_table_and_runs_again_in_the_same_connection(db, company):
    """The posting -> group map lives in a temporary table of the run's transaction: dropped at the end, so a
    second run (same pooled connection) creates it again."""
    st = build(db, company=company)
    _monthly(db, st)
    b = Books(db, st)
    b.receive("P1", "10", "10", MAR)
    _delivery(b, [("P1", "4", "WH01")], MAR.replace(day=2))
    b.receive("P1", "10", "12", MAR.replace(day=3))
    first = run_costing(db, st.admin, period="2026-03")
    b.receive("P1", "10", "14", MAR.replace(day=4))
    assert run_costing(db, st.admin, period="2026-03") != first
    with db.uow(readonly=True) as uow:
        issues = uow.session.query(StockMove).filter(StockMove.move_type == "issue").count()
    assert issues == 1
    # (100 + 120 + 140) / 30 = 12 -> 48.00 for the 4 units issued
    assert [a for t, _, _, a in b.effective("P1") if t == "issue"] == [D("-48.00")]
