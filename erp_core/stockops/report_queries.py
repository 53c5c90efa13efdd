"""Stock reports from the append-only stock ledger (stock_move), aggregated in the database:

- ``stock_movement_summary`` 收发存汇总表: per warehouse and product, opening (moves before ``date_from``), in and
  out within the range (a move with quantity > 0, or a value-only move with amount > 0, is "in"; the rest "out"),
  closing = opening + in - out, quantity and amount;
- ``product_ledger`` 库存明细账: one product's moves in a range with the running balance after each, from the
  opening balance;
- ``low_stock`` 低库存预警: stock items whose quantity on hand (all warehouses) is at or below their reorder
  point (product.reorder_point); ``reorder_suggestions`` 补货建议: the same with a suggested quantity
  (reorder_quantity, at least up to the reorder point) and the last receipt's unit cost as the estimate.
  ``purchase_order_lines(suggestions)`` turns the suggestions into purchase-order lines for the purchasing module
  (the lead wires "create purchase order" once purchasing is merged).

Warehouses and products are company records: every read is narrowed to the actor's company (company_rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from erp_core.inventory.models import StockMove
from erp_core.inventory.queries import _category_ids, _plain, average_cost
from erp_core.kernel.errors import ValidationError
from erp_core.security.scope import company_rows
from erp_core.settings.common import like_pattern, require_company
from erp_core.usecase import Context, query

VIEW = ("inventory.report.view", "查看库存报表", "View stock reports")
EXPORT = ("inventory.report.export", "导出库存报表", "Export stock reports")
ZERO = Decimal(0)
FEN = Decimal("0.01")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SUMMARY_COLUMNS = ("product_code", "warehouse_code", "opening_qty", "opening_amount", "in_qty", "in_amount",
                   "out_qty", "out_amount", "closing_qty", "closing_amount")


def _range(date_from: Any, date_to: Any) -> None:
    if not isinstance(date_from, dt.date) or not isinstance(date_to, dt.date):
        raise ValidationError("error.required", field="field.inv.date_from" if not isinstance(date_from, dt.date)
                              else "field.inv.date_to")
    if date_to < date_from:
        raise ValidationError("error.inv.date_range", field="field.inv.date_to")


@dataclass
class MovementSummary:
    date_from: dt.date
    date_to: dt.date
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)  # the amount columns summed


def _summary(ctx: Context, *, date_from: dt.date, date_to: dt.date, warehouse_id: int | None,
             product_id: int | None, category_id: int | None, search: str) -> MovementSummary:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse

    _range(date_from, date_to)
    company_id = require_company(ctx)
    before = StockMove.move_date < date_from
    inside = StockMove.move_date >= date_from
    is_in = or_(StockMove.quantity > 0, and_(StockMove.quantity == 0, StockMove.amount > 0))

    def total(col, cond):
        return func.coalesce(func.sum(case((cond, col), else_=0)), 0)

    keys = [StockMove.warehouse_id, Warehouse.code.label("warehouse_code"), Warehouse.name.label("warehouse_name"),
            StockMove.product_id, Product.code.label("product_code"), Product.name.label("product_name"),
            Product.unit_code]
    stmt = (select(*keys, total(StockMove.quantity, before).label("oq"), total(StockMove.amount, before).label("oa"),
                   total(StockMove.quantity, and_(inside, is_in)).label("iq"),
                   total(StockMove.amount, and_(inside, is_in)).label("ia"),
                   total(StockMove.quantity, and_(inside, ~is_in)).label("xq"),
                   total(StockMove.amount, and_(inside, ~is_in)).label("xa"))
            .join(Warehouse, Warehouse.id == StockMove.warehouse_id).join(Product, Product.id == StockMove.product_id)
            .where(StockMove.move_date <= date_to))
    stmt = company_rows(stmt, ctx, company_col=StockMove.company_id).where(StockMove.company_id == company_id)
    if warehouse_id is not None:
        stmt = stmt.where(StockMove.warehouse_id == warehouse_id)
    if product_id is not None:
        stmt = stmt.where(StockMove.product_id == product_id)
    if category_id is not None:
        stmt = stmt.where(Product.category_id.in_(_category_ids(ctx, company_id, category_id)))
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(Product.code.ilike(pat, escape="\\"), Product.name.ilike(pat, escape="\\")))
    out = MovementSummary(date_from, date_to)
    for r in ctx.session.execute(stmt.group_by(*keys)):
        row = {k: getattr(r, k) for k in ("warehouse_id", "warehouse_code", "warehouse_name", "product_id",
                                          "product_code", "product_name", "unit_code")}
        oq, iq, xq = Decimal(r.oq), Decimal(r.iq), -Decimal(r.xq)
        oa, ia, xa = (Decimal(v).quantize(FEN) for v in (r.oa, r.ia, -Decimal(r.xa)))
        row.update(opening_qty=oq, opening_amount=oa, in_qty=iq, in_amount=ia, out_qty=xq, out_amount=xa,
                   closing_qty=oq + iq - xq, closing_amount=oa + ia - xa)
        if all(row[c] == 0 for c in SUMMARY_COLUMNS[2:]):
            continue
        out.rows.append(row)
    out.rows.sort(key=lambda r: (r["product_code"], r["warehouse_code"]))
    out.totals = {c: sum((r[c] for r in out.rows), ZERO) for c in SUMMARY_COLUMNS if c.endswith("_amount")}
    return out


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def stock_movement_summary(ctx: Context, *, date_from: dt.date, date_to: dt.date, warehouse_id: int | None = None,
                           product_id: int | None = None, category_id: int | None = None,
                           search: str = "") -> MovementSummary:
    """收发存汇总表 for any date range (inclusive): opening, in, out, closing per warehouse and product."""
    return _summary(ctx, date_from=date_from, date_to=date_to, warehouse_id=warehouse_id, product_id=product_id,
                    category_id=category_id, search=search)


@dataclass
class ProductLedger:
    product_id: int
    opening_qty: Decimal
    opening_amount: Decimal
    rows: list[dict[str, Any]] = field(default_factory=list)
    closing_qty: Decimal = ZERO
    closing_amount: Decimal = ZERO


def _ledger(ctx: Context, *, product_id: int, date_from: dt.date, date_to: dt.date,
            warehouse_id: int | None) -> ProductLedger:
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    _range(date_from, date_to)
    company_id = require_company(ctx)
    base = [StockMove.company_id == company_id, StockMove.product_id == product_id]
    if warehouse_id is not None:
        base.append(StockMove.warehouse_id == warehouse_id)
    oq, oa = ctx.session.execute(select(func.coalesce(func.sum(StockMove.quantity), 0),
                                        func.coalesce(func.sum(StockMove.amount), 0))
                                 .where(*base, StockMove.move_date < date_from)).one()
    out = ProductLedger(product_id, Decimal(oq), Decimal(oa))
    stmt = (select(StockMove.move_seq, StockMove.move_date, StockMove.move_type, Warehouse.code.label("warehouse_code"),
                   WarehouseLocation.code.label("location_code"), StockMove.quantity, StockMove.unit_cost,
                   StockMove.amount, StockMove.source_type, StockMove.source_id, StockMove.source_ref)
            .join(Warehouse, Warehouse.id == StockMove.warehouse_id)
            .outerjoin(WarehouseLocation, WarehouseLocation.id == StockMove.location_id)
            .where(*base, StockMove.move_date >= date_from, StockMove.move_date <= date_to))
    stmt = company_rows(stmt, ctx, company_col=StockMove.company_id)
    q, a = out.opening_qty, out.opening_amount
    for r in ctx.session.execute(stmt.order_by(StockMove.move_date, StockMove.move_seq)):
        row = dict(r._mapping)
        q += row["quantity"]
        a += row["amount"]
        row.update(in_qty=row["quantity"] if row["quantity"] > 0 else ZERO,
                   out_qty=-row["quantity"] if row["quantity"] < 0 else ZERO, balance_qty=q, balance_amount=a)
        out.rows.append(row)
    out.closing_qty, out.closing_amount = q, a
    return out


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def product_ledger(ctx: Context, *, product_id: int, date_from: dt.date, date_to: dt.date,
                   warehouse_id: int | None = None) -> ProductLedger:
    """库存明细账 of one product (one warehouse or all): opening balance, each move, running balance."""
    return _ledger(ctx, product_id=product_id, date_from=date_from, date_to=date_to, warehouse_id=warehouse_id)


def _low(ctx: Context, *, as_of: dt.date | None, search: str) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_items import Product

    company_id = require_company(ctx)
    on_hand = select(StockMove.product_id, func.sum(StockMove.quantity).label("qty"),
                     func.sum(StockMove.amount).label("amt")).where(StockMove.company_id == company_id)
    if as_of is not None:
        on_hand = on_hand.where(StockMove.move_date <= as_of)
    sub = on_hand.group_by(StockMove.product_id).subquery()
    stmt = (select(Product.id, Product.code, Product.name, Product.unit_code, Product.reorder_point,
                   Product.reorder_quantity, func.coalesce(sub.c.qty, 0).label("qty"),
                   func.coalesce(sub.c.amt, 0).label("amt"))
            .outerjoin(sub, sub.c.product_id == Product.id)
            .where(Product.company_id == company_id, Product.active.is_(True), Product.kind == "product",
                   Product.reorder_point.is_not(None)))
    stmt = company_rows(stmt, ctx, company_col=Product.company_id)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(Product.code.ilike(pat, escape="\\"), Product.name.ilike(pat, escape="\\")))
    rows = []
    for r in ctx.session.execute(stmt.order_by(Product.code)):
        qty, point = Decimal(r.qty), Decimal(r.reorder_point)
        if qty > point:
            continue
        rows.append({"product_id": r.id, "product_code": r.code, "product_name": r.name, "unit_code": r.unit_code,
                     "on_hand": qty, "value": Decimal(r.amt), "reorder_point": point,
                     "reorder_quantity": Decimal(r.reorder_quantity) if r.reorder_quantity is not None else None,
                     "shortfall": point - qty})
    return rows


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def low_stock(ctx: Context, *, as_of: dt.date | None = None, search: str = "") -> list[dict[str, Any]]:
    """低库存预警: stock items whose quantity on hand in all warehouses is at or below their reorder point."""
    return _low(ctx, as_of=as_of, search=search)


def _suggestions(ctx: Context, *, search: str) -> list[dict[str, Any]]:
    rows = _low(ctx, as_of=None, search=search)
    for r in rows:
        wanted = r["reorder_point"] - r["on_hand"]
        qty = max(r["reorder_quantity"] or ZERO, wanted)
        if qty <= 0:
            qty = r["reorder_quantity"] or Decimal(1)
        last = ctx.session.execute(select(StockMove.unit_cost).where(
            StockMove.company_id == require_company(ctx), StockMove.product_id == r["product_id"],
            StockMove.move_type.in_(("receipt", "opening"))).order_by(StockMove.move_date.desc(), StockMove.move_seq.desc())
            .limit(1)).scalar_one_or_none()
        cost = Decimal(last) if last is not None else average_cost(r["on_hand"], r["value"]) or ZERO
        r.update(suggested_qty=qty, unit_cost=cost,
                 amount=(qty * cost).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return rows


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def reorder_suggestions(ctx: Context, *, search: str = "") -> list[dict[str, Any]]:
    """补货建议: the low-stock items with a suggested quantity (the reorder quantity, at least enough to reach
    the reorder point) and the last inbound unit cost as the estimated price."""
    return _suggestions(ctx, search=search)


def purchase_order_lines(suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reorder suggestions as purchase-order lines (product_id, ordered_qty, unit_price) — what "create
    purchase order" passes to the purchasing module's create use case once that module is merged (pure)."""
    return [{"product_id": r["product_id"], "ordered_qty": r["suggested_qty"], "unit_price": r["unit_cost"]}
            for r in suggestions if r.get("suggested_qty")]


def _sheet(name: str, head: list[str], rows: list[list[Any]], fmt: str):
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    if fmt == "csv":
        return SheetFile(to_csv_bytes(head, rows), f"{name}.csv", "text/csv", len(rows))
    return SheetFile(to_xlsx_bytes(head, rows, sheet=name), f"{name}.xlsx", XLSX, len(rows))


@query(EXPORT[0], zh=EXPORT[1], en=EXPORT[2])
def export_stock_report(ctx: Context, *, report: str, fmt: str = "xlsx", locale: str | None = None,
                        **params: Any):
    """One of the stock reports as XLSX or CSV: ``report`` = stock_movement (params of stock_movement_summary),
    product_ledger (params of product_ledger), reorder (params of reorder_suggestions). Headers in ``locale``."""
    from erp_core.i18n import t

    loc = locale or ctx.actor.locale
    if report == "stock_movement":
        data = _summary(ctx, date_from=params.get("date_from"), date_to=params.get("date_to"),
                        warehouse_id=params.get("warehouse_id"), product_id=params.get("product_id"),
                        category_id=params.get("category_id"), search=params.get("search", ""))
        cols = ["product_code", "product_name", "warehouse_code", *SUMMARY_COLUMNS[2:]]
        rows = [[_plain(r[c]) if c.endswith("_qty") else r[c] for c in cols] for r in data.rows]
    elif report == "product_ledger":
        data = _ledger(ctx, product_id=params.get("product_id"), date_from=params.get("date_from"),
                       date_to=params.get("date_to"), warehouse_id=params.get("warehouse_id"))
        cols = ["move_date", "move_type", "warehouse_code", "location_code", "source_ref", "in_qty", "out_qty",
                "unit_cost", "amount", "balance_qty", "balance_amount"]
        rows = [[t(f"inventory.move_type.{r[c]}", loc) if c == "move_type" else
                 _plain(r[c]) if c.endswith("_qty") or c == "unit_cost" else r[c] for c in cols] for r in data.rows]
    elif report == "reorder":
        data = _suggestions(ctx, search=params.get("search", ""))
        cols = ["product_code", "product_name", "unit_code", "on_hand", "reorder_point", "reorder_quantity",
                "suggested_qty", "unit_cost", "amount"]
        rows = [[_plain(r[c]) if isinstance(r[c], Decimal) and c != "amount" else r[c] for c in cols] for r in data]
    else:
        raise ValidationError("error.inv.unknown_report", field="field.inv.report", report=str(report))
    return _sheet(report, [t(f"inv.col.{c}", loc) for c in cols], rows, fmt)
