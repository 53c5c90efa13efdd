"""The demo company's inventory work in the current month, through the real use cases by the warehouse keeper
陈仓管: the opening stock (期初库存) that brings the stock ledger in line with 1405 (the demo's earlier months
kept stock on the books only: its purchases and cost of sales are vouchers), a transfer between warehouses, a
领用 issue to 管理费用 for the warehouse department, and a stocktake with a gain and a loss whose write-off
waits for 周主管's approval (an approval rule for 盘点损溢处理单, so it appears on 我的待办). Afterwards the
stock ledger's value equals 1405 and `erp check` is clean.

    build_demo_stockops(db, company_id=..., admin=..., keeper=..., approver_id=..., today=..., products=...,
                        warehouses=..., departments=...)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from random import Random

from sqlalchemy import func, select

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor


def _stock_balance(db: Database, company_id: int) -> Decimal:
    from erp_core.ledger.models import GlLine

    with db.uow(readonly=True) as uow:
        d, c = uow.session.execute(select(func.coalesce(func.sum(GlLine.debit), 0),
                                          func.coalesce(func.sum(GlLine.credit), 0))
                                   .where(GlLine.company_id == company_id, GlLine.account_code == "1405")).one()
    return Decimal(d) - Decimal(c)


def _held(db: Database, keeper: Actor, warehouse_id: int, today: dt.date) -> list[list[str]]:
    """(product code, quantity) of what the warehouse held at the start of this month, largest first (the demo
    year's purchases put it there)."""
    from erp_core.inventory.models import StockMove
    from erp_core.masterdata.models_items import Product

    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(
            select(Product.code, func.sum(StockMove.quantity)).join(Product, Product.id == StockMove.product_id)
            .where(StockMove.company_id == keeper.company_id, StockMove.warehouse_id == warehouse_id,
                   StockMove.move_date < today.replace(day=1))
            .group_by(Product.code).having(func.sum(StockMove.quantity) >= 4)
            .order_by(func.sum(StockMove.quantity).desc(), Product.code)).all()
    return [[code, str(int(qty))] for code, qty in rows]


def _has_moves(db: Database, company_id: int) -> bool:
    from erp_core.inventory.models import StockMove

    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(StockMove.id).where(StockMove.company_id == company_id).limit(1)
                                   ).first() is not None


def opening_rows(balance: Decimal, costs: list[tuple[str, Decimal]], rng: Random) -> list[list[str]]:
    """Opening-stock rows (product code, quantity, unit cost, amount) worth exactly ``balance``: quantities at the
    products' costs up to about 70 % of it, the last product takes the rest (100 units, a cost of 4 decimals)."""
    rows, used = [], Decimal(0)
    for code, cost in costs[:-1]:
        qty = Decimal(rng.randrange(15, 160))
        if used + qty * cost > balance * Decimal("0.7"):
            break
        rows.append([code, str(qty), str(cost), str(qty * cost)])
        used += qty * cost
    rest = balance - used
    last, qty = costs[-1][0], Decimal(100)
    rows.append([last, str(qty), str(rest / qty), str(rest)])
    return rows


def build_demo_stockops(db: Database, *, company_id: int, admin: Actor, keeper: Actor, approver_id: int,
                        today: dt.date, products: dict[str, int], warehouses: dict[str, int],
                        departments: dict[str, int], costs: list[tuple[str, Decimal]], seed: int = 12) -> None:
    from erp_core.approvals.services import create_rule
    from erp_core.inventory.opening_services import import_opening_stock
    from erp_core.io.importer import Table
    from erp_core.stockops import services as S
    from erp_core.stockops import stocktake_services as T
    from erp_core.stockops.queries import stocktake_detail

    rng = Random(seed)
    first = today.replace(day=1)
    rows = _held(db, keeper, warehouses["WH01"], today)
    if not rows and _has_moves(db, company_id):
        return
    if not rows:  # a demo year that kept its stock in vouchers only: bring the stock ledger in line with 1405
        balance = _stock_balance(db, company_id)
        if balance <= 0:
            return
        rows = opening_rows(balance, costs, rng)
        import_opening_stock(db, keeper, opening_date=first, table=Table(
            ["仓库编码", "商品编码", "数量", "单价", "金额"], [["WH01", *r] for r in rows], "demo_opening_stock.csv"))
    held = [r[0] for r in rows]
    # 调拨: half of the first product to the 株洲 branch
    qty0 = Decimal(rows[0][1])
    S.post_transfer(db, keeper, doc_id=S.create_transfer(
        db, keeper, doc_date=first, from_warehouse_id=warehouses["WH01"], to_warehouse_id=warehouses["WH02"],
        lines=[{"product_id": products[held[0]], "quantity": str((qty0 / 2).to_integral_value())}],
        remarks="株洲分仓补货"))
    # 领用: two boxes of the second product for the warehouse's own use (samples), to 管理费用
    S.post_other_issue(db, keeper, doc_id=S.create_other_issue(
        db, keeper, doc_date=first, warehouse_id=warehouses["WH01"], reason="领用（样品）",
        department_id=departments.get("WH"),  # the role other_issue: 管理费用 under either standard
        lines=[{"product_id": products[held[1 if len(held) > 1 else 0]], "quantity": "2"}]))
    # 盘点: the main warehouse as of today, one short (盘亏) and two found (盘盈)
    sid = T.start_stocktake(db, keeper, warehouse_id=warehouses["WH01"], as_of=today)
    d = stocktake_detail(db, keeper, stocktake_id=sid)
    counts = []
    for i, ln in enumerate(d.lines):
        q = ln["book_qty"] - (1 if i == 0 else 0) + (2 if i == len(d.lines) - 1 and i else 0)
        counts.append({"line_no": ln["line_no"], "counted_qty": str(q)})
    v = T.record_counts(db, keeper, stocktake_id=sid, version=d.header["version"], counts=counts)
    T.post_stocktake(db, keeper, stocktake_id=sid, version=v)
    create_rule(db, admin, doc_type="stocktake_writeoff", condition="always", approver_user_id=approver_id,
                level=1)
    T.create_writeoff(db, keeper, stocktake_id=sid, remarks="月末盘点损溢，待主管审批")
