"""Builders for stock-ledger tests: a company with warehouses, a location, products and a service made through
the real master-data use cases, and a way to call post_stock_moves inside one unit of work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from erp_core.inventory.models import StockMove, StockPosting
from erp_core.inventory.posting import post_stock_moves
from erp_core.kernel.errors import ValidationError, ValidationErrors
from erp_core.usecase import Context
from tests.support.factories import admin_actor, make_company

DAY = dt.date(2026, 1, 1)


@dataclass
class Stock:
    admin: object
    company_id: int
    warehouses: dict[str, int] = field(default_factory=dict)
    locations: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)


def build(db, company=None) -> Stock:
    """Warehouses WH01, WH02 (active) and WH09 (inactive); location A1 in WH01, B1 in WH02; products P1, P2,
    P3 (categories TEA under FOOD for P1, HOME for P2), P9 inactive, service S1."""
    from erp_core.masterdata import items_services as items
    from erp_core.masterdata import warehouse_services as ws

    company = company or make_company(db)  # the company fixture's copy of the run's snapshot, when given
    admin = admin_actor(db, company)
    st = Stock(admin, company.company_id)
    for code in ("WH01", "WH02", "WH09"):
        st.warehouses[code] = ws.create_warehouse(db, admin, code=code, name=f"仓库{code}")
    ws.deactivate_warehouse(db, admin, warehouse_id=st.warehouses["WH09"], version=1)
    st.locations["A1"] = ws.create_location(db, admin, warehouse_id=st.warehouses["WH01"], code="A1", name="A区")
    st.locations["B1"] = ws.create_location(db, admin, warehouse_id=st.warehouses["WH02"], code="B1", name="B区")
    for code, name, parent in (("FOOD", "食品", None), ("TEA", "茶叶", "FOOD"), ("HOME", "日用", None)):
        items.create_category(db, admin, values={"code": code, "name": name, "parent": parent})
    for code, name, cat, kind in (("P1", "安化黑茶", "TEA", "product"), ("P2", "竹篮", "HOME", "product"),
                                  ("P3", "剁辣椒", None, "product"), ("P9", "停用商品", None, "product"),
                                  ("S1", "运输服务", None, "service")):
        st.products[code] = items.create_product(db, admin, values={"code": code, "name": name, "category": cat,
                                                                     "kind": kind})
    items.set_product_active(db, admin, product_id=st.products["P9"], version=None, active=False)
    return st


def post(db, actor, **kwargs):
    """post_stock_moves inside one committed unit of work (what a use case does)."""
    with db.uow() as uow:
        ctx = Context(uow.session, actor, "inventory.test", db, company_id=actor.company_id)
        result = post_stock_moves(ctx, **kwargs)
        uow.commit()
    return result


def counts(db) -> tuple[int, int]:
    with db.uow(readonly=True) as uow:
        return (uow.session.execute(select(func.count()).select_from(StockMove)).scalar_one(),
                uow.session.execute(select(func.count()).select_from(StockPosting)).scalar_one())


def problems(exc) -> set[tuple[str, str | None, int | None]]:
    """(message id, field, line) of every problem an exception reports."""
    errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return {(e.message_id, e.field if isinstance(e, ValidationError) else None, e.params.get("line"))
            for e in errors}


def allow_negative(db, st: Stock) -> None:
    """The company setting 允许负库存 on (these tests post issues with nothing on hand on purpose)."""
    from erp_core.stockops.services import set_inventory_setting

    set_inventory_setting(db, st.admin, allow_negative_stock=True)
