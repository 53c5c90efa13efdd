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


def test_moving_average_is_value_over_quantity_as_of_the_date(db):
    st = build(db)
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


def test_accounts_default_by_standard(db):
    st = build(db)
    with db.uow(readonly=True) as uow:
        ctx = _ctx(db, uow, st)
        assert account_for(ctx, "stock", product_id=st.products["P1"]) == "1405"
        assert account_for(ctx, "cogs") == "5401"  # make_company sets up 小企业会计准则
    assert default_account("enterprise", "cogs") == "6401" and default_account("enterprise", "revenue") == "6001"
    assert all(len(pair) == 2 for pair in ROLES.values())
