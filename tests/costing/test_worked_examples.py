"""Worked examples with the expected vouchers (issue #12 item 6): month-end weighted average over a month with
several receipts and issues; FIFO layers; a backdated receipt changing later costs. Figures by hand below."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqlalchemy import func, select

from erp_core.costing.models import CostCorrection, CostingRun
from erp_core.costing.run_services import costing_state, run_costing
from erp_core.finance.models import Voucher, VoucherLine
from erp_core.inventory.models import StockMove
from erp_core.masterdata import items_services as items
from tests.costing.support import Books, build

M = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    return M.replace(day=n)


def _method(db, st, code, method):
    items.edit_product(db, st.admin, product_id=st.products[code], version=None,
                       values={"code": code, "name": code, "costing_method": method})


def _voucher(db, voucher_id) -> list[tuple[str, D, D]]:
    from erp_core.finance.models import Account

    with db.uow(readonly=True) as uow:
        return [(code, d, c) for code, d, c in uow.session.execute(
            select(Account.code, VoucherLine.debit, VoucherLine.credit).join(Account, Account.id == VoucherLine.account_id)
            .where(VoucherLine.voucher_id == voucher_id).order_by(Account.code))]


def _count(db, model) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_month_end_weighted_average_revalues_the_months_issues_with_one_voucher(db, company):
    st = build(db, company=company)
    _method(db, st, "P1", "monthly_average")
    b = Books(db, st)
    b.receive("P1", "100", "10", day(1))              # 1,000.00
    b.issue("P1", "40", day(5))                       # provisional 10         -> 400.00
    b.receive("P1", "50", "13", day(10))              # 650.00
    b.issue("P1", "60", day(15), expense="5602")      # provisional 11.363636  -> 681.82 (expensed to 管理费用)
    b.receive("P1", "30", "12", day(20))              # 360.00
    b.issue("P1", "50", day(25))                      # provisional 11.602250  -> 580.11
    assert [a for t, _, _, a in b.effective("P1") if t == "issue"] == [D("-400.00"), D("-681.82"), D("-580.11")]
    with db.uow(readonly=True) as uow:
        assert costing_state(uow.session, st.company_id, "2026-03").ok is False  # stock moved, no run yet

    run_id = run_costing(db, st.admin, period="2026-03")
    # month-end average: 2,010.00 / 180 = 11.166667 -> 446.67, 670.00, 558.33 (1,675.00); closing 30 units 335.00.
    # One correction per expense account, on its last issue: 主营业务成本 (446.67 - 400.00) + (558.33 - 580.11)
    # = 24.89 more on the third issue; 管理费用 11.82 less on the second.
    assert [a for t, _, _, a in b.effective("P1") if t == "issue"] == [D("-400.00"), D("-670.00"), D("-605.00")]
    assert b.stock_value("P1") == D("335.00")
    with db.uow(readonly=True) as uow:
        run = uow.session.get(CostingRun, run_id)
        voucher_id, corrections, amount = run.voucher_id, run.corrections, run.amount
        revals = uow.session.execute(select(StockMove.move_date, StockMove.amount).where(
            StockMove.move_type == "revaluation").order_by(StockMove.move_seq)).all()
        assert costing_state(uow.session, st.company_id, "2026-03").ok
    assert corrections == 2 and amount == D("-13.07")
    assert revals == [(day(31), D("-24.89")), (day(31), D("11.82"))]
    # ONE voucher: 5401 gets 46.67 - 21.78, 管理费用 gives back 11.82, stock goes down 13.07
    assert _voucher(db, voucher_id) == [("1405", D(0), D("13.07")), ("5401", D("24.89"), D(0)),
                                        ("5602", D(0), D("11.82"))]
    assert b.gl_balance("1405") == b.stock_value()

    # the same input again: the same run, nothing written
    moves, vouchers, runs = _count(db, StockMove), _count(db, Voucher), _count(db, CostingRun)
    assert run_costing(db, st.admin, period="2026-03") == run_id
    assert (_count(db, StockMove), _count(db, Voucher), _count(db, CostingRun)) == (moves, vouchers, runs)

    # a receipt posted into the period afterwards makes the run stale; running again costs it
    b.receive("P1", "20", "11", day(28))
    with db.uow(readonly=True) as uow:
        state = costing_state(uow.session, st.company_id, "2026-03")
    assert state.stale and not state.ok
    second = run_costing(db, st.admin, period="2026-03")
    assert second != run_id
    # (2,010 + 220) / 200 = 11.15 -> 446.00, 669.00, 557.50: 主营业务成本 1,003.50 (1.50 less), 管理费用 669.00
    assert [a for t, _, _, a in b.effective("P1") if t == "issue"] == [D("-400.00"), D("-669.00"), D("-603.50")]
    assert b.stock_value("P1") == D("557.50") and b.gl_balance("1405") == b.stock_value()


def test_fifo_takes_the_oldest_layers(db, company):
    st = build(db, company=company)
    _method(db, st, "P2", "fifo")
    b = Books(db, st)
    b.receive("P2", "10", "5", day(1))     # layer 10 @ 5
    b.receive("P2", "10", "6", day(2))     # layer 10 @ 6
    b.issue("P2", "15", day(3))            # 10 @ 5 + 5 @ 6 = 80.00
    b.receive("P2", "10", "7", day(4))     # layer 10 @ 7
    b.issue("P2", "10", day(5))            # 5 @ 6 + 5 @ 7 = 65.00
    b.issue("P2", "3", day(6))             # 3 @ 7 = 21.00
    assert [a for t, _, _, a in b.effective("P2") if t == "issue"] == [D("-80.00"), D("-65.00"), D("-21.00")]
    assert b.stock_value("P2") == D("14.00")  # 2 @ 7 left
    run_costing(db, st.admin, period="2026-03")
    assert _count(db, CostCorrection) == 0  # FIFO costs were exact at posting: the run writes nothing
    assert b.gl_balance("1405") == b.stock_value()


def test_a_backdated_receipt_recomputes_the_later_issues_in_the_same_transaction(db, company):
    st = build(db, company=company)
    b = Books(db, st)
    b.receive("P3", "10", "10", day(1))    # 100.00
    b.issue("P3", "6", day(5))             # 60.00
    b.issue("P3", "4", day(10))            # 40.00, nothing left
    b.receive("P3", "10", "16", day(3))    # backdated: 160.00 on the 3rd
    # from the 3rd: 20 units 260.00 -> 13 each: issues 78.00 and 52.00 (corrections -18.00 and -12.00)
    assert [(t, a) for t, _, _, a in b.effective("P3")] == [
        ("receipt", D("100.00")), ("receipt", D("160.00")), ("issue", D("-78.00")), ("issue", D("-52.00"))]
    with db.uow(readonly=True) as uow:
        revals = uow.session.execute(select(StockMove.move_date, StockMove.amount).where(
            StockMove.move_type == "revaluation").order_by(StockMove.move_seq)).all()
        vids = uow.session.execute(select(CostCorrection.voucher_id).distinct()).scalars().all()
    assert revals == [(day(5), D("-18.00")), (day(10), D("-12.00"))]  # each at its issue's date
    assert len(vids) == 1
    assert _voucher(db, vids[0]) == [("1405", D(0), D("30.00")), ("5401", D("30.00"), D(0))]
    assert b.stock_value("P3") == D("130.00") == b.gl_balance("1405")
    # the next issue is valued from the corrected ledger
    b.issue("P3", "5", day(12))
    assert b.effective("P3")[-1][3] == D("-65.00")


def test_stock_on_hand_as_of_a_date_includes_the_corrections(db, company):
    from erp_core.costing.run_queries import stock_on_hand_as_of

    st = build(db, company=company)
    b = Books(db, st)
    b.receive("P3", "10", "10", day(1))
    b.issue("P3", "6", day(5))
    b.receive("P3", "10", "16", day(3))  # backdated: the issue becomes 78.00
    p, w = st.products["P3"], st.warehouses["WH01"]
    assert stock_on_hand_as_of(db, st.admin, on=day(2)) == [(p, w, D("10"), D("100.00"))]
    assert stock_on_hand_as_of(db, st.admin, on=day(5)) == [(p, w, D("14"), D("182.00"))]
    assert stock_on_hand_as_of(db, st.admin, on=day(5), warehouse_id=st.warehouses["WH02"]) == []


def test_the_costing_check_finds_nothing_wrong_after_corrections(db, company):
    from erp_core.costing.invariants import costing_problems

    st = build(db, company=company)
    b = Books(db, st)
    b.receive("P3", "10", "10", day(1))
    b.issue("P3", "6", day(5))
    b.receive("P3", "10", "16", day(3))
    with db.uow(readonly=True) as uow:
        assert _count(db, CostCorrection) == 1 and costing_problems(uow.session) == []
