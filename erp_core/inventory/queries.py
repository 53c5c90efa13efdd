"""Read side of the stock ledger: stock on hand (库存余额), the move list (库存台账) and the check of stock value
against the general ledger (库存与总账对账). Warehouses and products are company-wide reference data with no
department or owner column, so these reads are narrowed to the actor's company whatever the grant's row scope
(security.scope.company_rows, as warehouse_queries does)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, or_, select

from erp_core.db.like import starts_with
from erp_core.inventory import invariants  # noqa: F401  (registers the stock check of `erp check`)
from erp_core.inventory.models import MOVE_TYPES, StockMove
from erp_core.security.scope import company_rows, require_company_wide
from erp_core.settings.common import Page, like_pattern, paged, require_company
from erp_core.usecase import Context, query

VIEW = ("inventory.stock.view", "查看库存", "View stock")
EXPORT = ("inventory.stock.export", "导出库存", "Export stock on hand")
RECONCILE = ("inventory.reconciliation.view", "查看库存与总账对账", "View stock vs general ledger")
UNIT_COST = Decimal("0.000001")


@dataclass
class StockOnHand:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total_quantity: Decimal = Decimal(0)  # only meaningful when the rows share a unit; shown for one product
    total_value: Decimal = Decimal(0)
    as_of: dt.date | None = None


def average_cost(quantity: Decimal, value: Decimal) -> Decimal | None:
    """value / quantity to 6 decimals (ROUND_HALF_UP); None when nothing is on hand."""
    if not quantity:
        return None
    return (value / quantity).quantize(UNIT_COST, rounding=ROUND_HALF_UP)


def _category_ids(ctx: Context, company_id: int, category_id: int) -> list[int]:
    """The category and every category below it."""
    from erp_core.masterdata.models_items import ProductCategory

    children: dict[int | None, list[int]] = {}
    for cid, parent in ctx.session.execute(select(ProductCategory.id, ProductCategory.parent_id).where(
            ProductCategory.company_id == company_id)):
        children.setdefault(parent, []).append(cid)
    out, todo = [], [category_id]
    while todo:
        c = todo.pop()
        if c in out:
            continue
        out.append(c)
        todo.extend(children.get(c, []))
    return out


def _on_hand(ctx: Context, *, warehouse_id: int | None, category_id: int | None, search: str,
             as_of: dt.date | None, by_location: bool, product_id: int | None,
             include_zero: bool) -> StockOnHand:
    """The sums come from the analytics copy of the stock ledger (DuckDB, erp_core/analytics/stock.py: issue #12
    asks stock as of a date at 10 M moves in under a second); the names of warehouses, locations, products and
    categories (small company tables) from the operational store, in short units of work before and after the
    DuckDB read, so no pooled connection is held while the copy is synced or read (issue #17)."""
    from erp_core.analytics import stock as stock_copy
    from erp_core.analytics.engine import engine_for
    from erp_core.masterdata.models_items import Product, ProductCategory
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    company_id = require_company(ctx)
    product_ids: list[int] | None = None
    if category_id is not None or search.strip() or product_id is not None:
        with ctx.db.uow(readonly=True) as uow:
            pstmt = select(Product.id).where(Product.company_id == company_id)
            if product_id is not None:
                pstmt = pstmt.where(Product.id == product_id)
            if category_id is not None:
                sub = Context(uow.session, ctx.actor, ctx.permission, ctx.db, company_id=company_id)
                pstmt = pstmt.where(Product.category_id.in_(_category_ids(sub, company_id, category_id)))
            if search.strip():
                pat = like_pattern(search)
                pstmt = pstmt.where(or_(Product.code.ilike(pat, escape="\\"), Product.name.ilike(pat, escape="\\"),
                                        Product.specification.ilike(pat, escape="\\")))
            product_ids = list(uow.session.execute(pstmt).scalars())
    eng = engine_for(ctx.db)
    with stock_copy.reading(eng, company_id) as snap:
        sums = stock_copy.on_hand(snap, company_id, as_of, warehouse_id=warehouse_id, product_ids=product_ids,
                                  by_location=by_location)
    if not include_zero:
        sums = [r for r in sums if r[3] != 0 or r[4] != 0]
    out = StockOnHand(as_of=as_of)
    if not sums:
        return out
    with ctx.db.uow(readonly=True) as uow:
        s = uow.session
        whs = {r.id: r for r in s.execute(company_rows(select(Warehouse.id, Warehouse.code, Warehouse.name), ctx,
                                                        company_col=Warehouse.company_id)
                                          .where(Warehouse.id.in_(sorted({r[0] for r in sums}))))}
        prods = {r.id: r for r in s.execute(
            select(Product.id, Product.code, Product.name, Product.specification, Product.unit_code,
                   ProductCategory.code.label("category_code"), ProductCategory.name.label("category_name"))
            .outerjoin(ProductCategory, ProductCategory.id == Product.category_id)
            .where(Product.company_id == company_id, Product.id.in_(sorted({r[2] for r in sums}))))}
        locs = {}
        if by_location:
            locs = {r.id: r for r in s.execute(select(WarehouseLocation.id, WarehouseLocation.code,
                                                      WarehouseLocation.name).where(
                WarehouseLocation.id.in_(sorted({r[1] for r in sums if r[1] is not None}))))}
    for wid, lid, pid, q, v in sums:
        w, p, loc = whs.get(wid), prods.get(pid), locs.get(lid)
        if w is None or p is None:
            continue
        row = {"warehouse_id": wid, "warehouse_code": w.code, "warehouse_name": w.name,
               "location_id": lid if by_location else None, "location_code": loc.code if loc else None,
               "location_name": loc.name if loc else None, "product_id": pid, "product_code": p.code,
               "product_name": p.name, "specification": p.specification, "unit_code": p.unit_code,
               "category_code": p.category_code, "category_name": p.category_name, "quantity": q, "value": v,
               "avg_cost": average_cost(q, v)}
        out.rows.append(row)
        out.total_quantity += q
        out.total_value += v
    # one order on every backend (NULL locations sort first)
    out.rows.sort(key=lambda r: (r["warehouse_code"], r["location_code"] or "", r["product_code"]))
    return out


@query(VIEW[0], zh=VIEW[1], en=VIEW[2], session=False)
def stock_on_hand(ctx: Context, *, warehouse_id: int | None = None, category_id: int | None = None,
                  search: str = "", as_of: dt.date | None = None, by_location: bool = False,
                  product_id: int | None = None, include_zero: bool = False) -> StockOnHand:
    """Quantity, value and average unit cost per warehouse (optionally per location) and product: the sums of
    the stock moves up to ``as_of`` (inclusive; all moves when None). Filters: warehouse, product category (and
    its sub-categories), product, text in the product's code, name or specification. Rows with nothing on hand
    (quantity and value both zero) are left out unless ``include_zero``."""
    return _on_hand(ctx, warehouse_id=warehouse_id, category_id=category_id, search=search, as_of=as_of,
                    by_location=by_location, product_id=product_id, include_zero=include_zero)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def stock_moves(ctx: Context, *, warehouse_id: int | None = None, product_id: int | None = None,
                move_type: str | None = None, search: str = "", date_from: dt.date | None = None,
                date_to: dt.date | None = None, sort: str | None = None, descending: bool = True, page: int = 1,
                page_size: int = 50) -> Page:
    """The stock ledger, newest first by default, with warehouse, location and product codes and names."""
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    company_id = require_company(ctx)
    stmt = (select(StockMove.id, StockMove.move_seq, StockMove.move_date, StockMove.period, StockMove.move_type,
                   StockMove.warehouse_id, Warehouse.code.label("warehouse_code"),
                   Warehouse.name.label("warehouse_name"), StockMove.location_id,
                   WarehouseLocation.code.label("location_code"), StockMove.product_id,
                   Product.code.label("product_code"), Product.name.label("product_name"), Product.unit_code,
                   StockMove.quantity, StockMove.unit_cost, StockMove.amount, StockMove.source_type,
                   StockMove.source_id, StockMove.source_ref, StockMove.posting_key, StockMove.posted_at)
            .join(Warehouse, Warehouse.id == StockMove.warehouse_id)
            .join(Product, Product.id == StockMove.product_id)
            .outerjoin(WarehouseLocation, WarehouseLocation.id == StockMove.location_id))
    stmt = company_rows(stmt, ctx, company_col=StockMove.company_id).where(StockMove.company_id == company_id)
    if warehouse_id is not None:
        stmt = stmt.where(StockMove.warehouse_id == warehouse_id)
    if product_id is not None:
        stmt = stmt.where(StockMove.product_id == product_id)
    if move_type:
        stmt = stmt.where(StockMove.move_type == (move_type if move_type in MOVE_TYPES else "-"))
    if date_from is not None:
        stmt = stmt.where(StockMove.move_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(StockMove.move_date <= date_to)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(Product.code.ilike(pat, escape="\\"), Product.name.ilike(pat, escape="\\"),
                              StockMove.source_ref.ilike(pat, escape="\\")))
    sorts = {"move_seq": StockMove.move_seq, "move_date": StockMove.move_date, "product": Product.code,
             "warehouse": Warehouse.code, "amount": StockMove.amount}
    rows, total = paged(ctx.session, stmt, sort_columns=sorts, sort=sort, descending=descending, page=page,
                        page_size=page_size, default_sort="move_seq")
    return Page([dict(r._mapping) for r in rows], total, page, page_size)


@dataclass(frozen=True)
class LedgerCheckRow:
    account_code: str
    account_name: str
    stock_value: Decimal  # sum of stock_move.amount up to the date
    ledger_balance: Decimal  # debit - credit of gl_line on the account and its sub-accounts up to the date
    difference: Decimal  # stock_value - ledger_balance


def stock_accounts(ctx: Any, company_id: int, as_of: dt.date | None = None) -> dict[str, Decimal]:
    """Stock value per stock account (科目设置 role "stock" of each warehouse and product the ledger holds, via
    documents.accounts.account_for) from every move; the default stock account always appears."""
    from erp_core.documents import accounts

    values: dict[str, Decimal] = {accounts.account_for(ctx, "stock"): Decimal(0)}
    for wid, pid, amount in ctx.session.execute(
            select(StockMove.warehouse_id, StockMove.product_id, func.sum(StockMove.amount))
            .where(StockMove.company_id == company_id,
                   *((StockMove.move_date <= as_of,) if as_of is not None else ()))
            .group_by(StockMove.warehouse_id, StockMove.product_id)):
        code = accounts.account_for(ctx, "stock", product_id=pid, warehouse_id=wid)
        values[code] = values.get(code, Decimal(0)) + Decimal(amount or 0)
    return values


def ledger_rows(ctx: Any, company_id: int, as_of: dt.date | None) -> list[LedgerCheckRow]:
    """The comparison behind stock_vs_ledger and `erp check`: per stock account, the stock ledger's value and
    the general ledger's balance of the account and its sub-accounts (a sub-account that is itself a stock
    account counts for itself only)."""
    from erp_core.finance.models import Account
    from erp_core.ledger.models import GlLine

    s = ctx.session
    values = stock_accounts(ctx, company_id, as_of)
    codes = sorted(values)
    gl_stmt = select(GlLine.account_code, func.sum(GlLine.debit), func.sum(GlLine.credit)).where(
        GlLine.company_id == company_id, or_(*[starts_with(GlLine.account_code, c) for c in codes]))
    if as_of is not None:
        gl_stmt = gl_stmt.where(GlLine.posting_date <= as_of)
    balances = dict.fromkeys(codes, Decimal(0))
    for code, debit, credit in s.execute(gl_stmt.group_by(GlLine.account_code)):
        owner = max((c for c in codes if code.startswith(c)), key=len, default=None)
        if owner is not None:
            balances[owner] += Decimal(debit or 0) - Decimal(credit or 0)
    en = not (ctx.actor.locale or "zh_CN").startswith("zh")
    names = {c: ((ne or n) if en else n) for c, n, ne in s.execute(select(Account.code, Account.name, Account.name_en)
                                                                  .where(Account.company_id == company_id,
                                                                         Account.code.in_(codes)))}
    return [LedgerCheckRow(c, names.get(c, ""), values[c], balances[c], values[c] - balances[c]) for c in codes]


@query(RECONCILE[0], zh=RECONCILE[1], en=RECONCILE[2])
def stock_vs_ledger(ctx: Context, *, as_of: dt.date | None = None) -> list[LedgerCheckRow]:
    """Stock value per stock account against its general-ledger balance as of a date (inclusive; everything
    posted when None). The stock account of each warehouse and product is the 科目设置 role "stock"
    (documents.accounts.account_for; 1405 库存商品 by default). The opening-stock import posts no voucher (the
    opening balance of the stock accounts comes from the opening-balances import): this shows whether both agree."""
    company_id = require_company(ctx)
    require_company_wide(ctx)  # the ledger balance of a stock account is the whole company's figure
    return ledger_rows(ctx, company_id, as_of)


def _plain(d: Decimal | None) -> Decimal | None:
    """A quantity without the trailing zeros of its stored scale (10.000000 -> 10, 2.500000 -> 2.5)."""
    if d is None:
        return None
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


EXPORT_COLUMNS = ("warehouse_code", "warehouse_name", "location_code", "product_code", "product_name",
                  "specification", "unit_code", "category_code", "quantity", "avg_cost", "value")


@query(EXPORT[0], zh=EXPORT[1], en=EXPORT[2], session=False)
def export_stock_on_hand(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **filters: Any):
    """Stock on hand (same filters as stock_on_hand) as a CSV or XLSX file: headers in ``locale``, exact
    quantities and amounts, text cells formula-neutralized."""
    from erp_core.i18n import t
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    allowed = {"warehouse_id", "category_id", "search", "as_of", "by_location", "product_id"}
    result = _on_hand(ctx, **{"warehouse_id": None, "category_id": None, "search": "", "as_of": None,
                              "by_location": False, "product_id": None,
                              **{k: v for k, v in filters.items() if k in allowed}}, include_zero=False)
    loc = locale or ctx.actor.locale
    columns = [c for c in EXPORT_COLUMNS if c != "location_code" or filters.get("by_location")]
    head = [t(f"inventory.col.{c}", loc) for c in columns]
    rows = [[_plain(r.get(c)) if c in ("quantity", "avg_cost") else r.get(c) for c in columns] for r in result.rows]
    name = "stock_on_hand"
    if fmt == "xlsx":
        return SheetFile(to_xlsx_bytes(head, rows, sheet=name), f"{name}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(rows))
    return SheetFile(to_csv_bytes(head, rows), f"{name}.csv", "text/csv", len(rows))


@dataclass(frozen=True)
class FilterChoices:
    warehouses: dict[int, str]  # id -> "code name" (inactive ones too: they may still hold stock)
    categories: dict[int, str]  # id -> "code name"
    move_types: tuple[str, ...] = MOVE_TYPES


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def stock_filter_choices(ctx: Context) -> FilterChoices:
    """The warehouses and product categories the stock pages filter by (holders of inventory.stock.view need
    them without a master-data permission)."""
    from erp_core.masterdata.models_items import ProductCategory
    from erp_core.masterdata.models_warehouse import Warehouse

    require_company(ctx)
    wh = company_rows(select(Warehouse.id, Warehouse.code, Warehouse.name), ctx, company_col=Warehouse.company_id)
    cat = company_rows(select(ProductCategory.id, ProductCategory.code, ProductCategory.name), ctx,
                       company_col=ProductCategory.company_id)
    return FilterChoices({i: f"{c} {n}" for i, c, n in ctx.session.execute(wh.order_by(Warehouse.code))},
                         {i: f"{c} {n}" for i, c, n in ctx.session.execute(cat.order_by(ProductCategory.code))})


def _register() -> None:
    """`erp export stock-on-hand` (erp_core/io/registry.py)."""
    from erp_core.io.registry import ExportKind, register_export

    register_export(ExportKind(name="stock-on-hand", export=export_stock_on_hand, permission=EXPORT[0], order=300))


_register()
