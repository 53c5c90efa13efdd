"""The two interfaces posting functions build on: issue_unit_cost (moving weighted average from the stock ledger,
dated) and account_for (科目设置 defaults by accounting standard)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.documents.accounts import ROLES, account_for, default_account
from erp_core.inventory.valuation import issue_unit_cost, on_hand
from erp_core.usecase import Context
from tests.inventory.support import DAY, build, post


def _mv(st, qty, cost, move_type, product="P1"):
    return {"warehouse_id": st.warehouses["WH01"], "product_id": st.products[product], "quantity": Decimal(qty),
            "unit_cost": Decimal(cost), "move_type": move_type}


def _ctx(db, uow, st):
    return Context(uow.session, st.admin, "inventory.test", db, company_id=st.company_id)


def test_moving_average_is_value_over_quantity_as_of_the_date(db, company):
    st = build(db, company=company)
    post(db, st.admin, moves=[_mv(st, "10", "2", "opening")], posting_key="a", move_date=DAY)
    post(db, st.admin, moves=[_mv(st, "5", "3.5", "receipt")], posting_key="b", move_date=DAY + dt.timedelta(days=3))
    post(db, st.admin, moves=[_mv(st, "-15", "2.5", "issue")], posting_key="c", move_date=DAY + dt.timedelta(days=5))
    with db.uow(readonly=True) as uow:
        ctx = _ctx(db, uow, st)
        first = issue_unit_cost(ctx, product_id=st.products["P1"], warehouse_id=st.warehouses["WH01"], on=DAY)
        later = issue_unit_cost(ctx, product_id=st.products["P1"], warehouse_id=st.warehouses["WH01"],
                                on=DAY + dt.timedelta(days=4))
        empty = issue_unit_cost(ctx, product_id=st.products["P1"], warehouse_id=st.warehouses["WH01"],
                                on=DAY + dt.timedelta(days=6))
        never = issue_unit_cost(ctx, product_id=st.products["P2"], warehouse_id=st.warehouses["WH01"], on=DAY)
        held = on_hand(ctx, product_id=st.products["P1"], warehouse_id=st.warehouses["WH01"],
                       on=DAY + dt.timedelta(days=4))
    assert first == Decimal("2") and later == Decimal("2.5")  # (20 + 17.5) / 15
    assert empty == Decimal("3.5")  # nothing on hand: the last inbound cost
    assert never == Decimal("0")
    assert held == (Decimal("15"), Decimal("37.50"))


def test_accounts_default_by_standard(db, company):
    st = build(db, company=company)
    with db.uow(readonly=True) as uow:
        ctx = _ctx(db, uow, st)
        assert account_for(ctx, "stock", product_id=st.products["P1"]) == "1405"
        assert account_for(ctx, "cogs") == "5401"  # make_company sets up 小企业会计准则
    assert default_account("enterprise", "cogs") == "6401" and default_account("enterprise", "revenue") == "6001"
    assert all(len(pair) == 2 for pair in ROLES.values())


def test_revaluation_moves_carry_value_only_and_move_the_average(db, company):
    import pytest
    from sqlalchemy import select

    from erp_core.inventory.models import StockMove
    from erp_core.kernel.errors import ValidationErrors
    from tests.inventory.support import counts, problems

    st = build(db, company=company)
    post(db, st.admin, moves=[_mv(st, "10", "2", "opening")], posting_key="a", move_date=DAY)
    reval = {"warehouse_id": st.warehouses["WH01"], "product_id": st.products["P1"], "move_type": "revaluation",
             "amount": Decimal("-3.50")}
    post(db, st.admin, moves=[reval], posting_key="r", move_date=DAY)
    again = post(db, st.admin, moves=[reval], posting_key="r", move_date=DAY)
    assert again.replayed
    with pytest.raises(Exception) as other:  # same key, other amount: the content hash covers the amount
        post(db, st.admin, moves=[{**reval, "amount": Decimal("-3.60")}], posting_key="r", move_date=DAY)
    assert "posting_key_mismatch" in str(getattr(other.value, "message_id", other.value))
    before = counts(db)
    with pytest.raises(ValidationErrors) as bad:
        post(db, st.admin, moves=[{**reval, "quantity": Decimal("1"), "amount": Decimal("0")},
                                  {**reval, "amount": Decimal("1.234")}], posting_key="bad", move_date=DAY)
    assert {(m, ln) for m, _f, ln in problems(bad.value)} == {
        ("error.inventory.revaluation_quantity", 1), ("error.inventory.revaluation_zero", 1),
        ("error.inventory.decimals", 2)}
    assert counts(db) == before
    with db.uow(readonly=True) as uow:
        row = uow.session.execute(select(StockMove).where(StockMove.posting_key == "r")).scalar_one()
        assert (row.quantity, row.unit_cost, row.amount) == (Decimal("0"), Decimal("0"), Decimal("-3.50"))
        cost = issue_unit_cost(_ctx(db, uow, st), product_id=st.products["P1"], warehouse_id=st.warehouses["WH01"],
                               on=DAY)
    assert cost == Decimal("1.65")  # (20.00 - 3.50) / 10
