"""Import of opening stock on hand (期初库存) from CSV or XLSX, posted to the stock ledger as 'opening' moves.

Columns (zh or en headers, or the keys): 仓库编码 warehouse code*, 库位编码 location code, 商品编码 product
code*, 数量 quantity*, 单价 unit cost, 金额 amount (unit cost or amount; if both, quantity x unit cost must round
to the amount, ROUND_HALF_UP to the fen). The opening date is a parameter (like the opening-balances import).

The dry run checks every row exactly as the commit would (inventory.posting.post_stock_moves with
check_only=True) and lists every problem (row, column, value, reason); it writes nothing. The commit posts all
rows in one transaction under one posting key derived from the date and the file content: importing the same
file again writes nothing new; an opening for a product and warehouse that already has one from another file is
refused. No voucher is posted: the value of stock on 1405 comes from the opening-balances import, and
queries.stock_vs_ledger shows whether both agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from erp_core.i18n import t
from erp_core.inventory import posting
from erp_core.io import parsers
from erp_core.io.importer import (
    ImportFailed,
    ImportProblem,
    ImportReport,
    Progress,
    Table,
    keyed_rows,
    map_columns,
)
from erp_core.io.parsers import CellError
from erp_core.kernel.errors import DomainError, ValidationErrors
from erp_core.usecase import Context, query, use_case

PERMISSION = ("inventory.opening_stock.import", "导入期初库存", "Import opening stock")
KIND = "opening_stock"
UNIT_COST = Decimal("0.000001")

COLUMNS = {  # key: (catalog field, aliases, required)
    "warehouse": ("field.inventory.warehouse_code", ("仓库", "warehouse", "warehouse_code"), True),
    "location": ("field.inventory.location_code", ("库位", "location", "location_code"), False),
    "product": ("field.inventory.product_code", ("商品", "存货编码", "product", "product_code"), True),
    "quantity": ("field.inventory.quantity", ("期初数量",), True),
    "unit_cost": ("field.inventory.unit_cost", ("单位成本", "成本单价", "unit_cost", "cost"), False),
    "amount": ("field.inventory.amount", ("期初金额", "成本金额"), False),
}
EXAMPLE = {"warehouse": "WH01", "location": "", "product": "P0001", "quantity": "100", "unit_cost": "12.50",
           "amount": "1250.00"}
_FIELD_TO_KEY = {posting.F_WAREHOUSE: "warehouse", posting.F_LOCATION: "location", posting.F_PRODUCT: "product",
                 posting.F_QUANTITY: "quantity", posting.F_COST: "unit_cost", posting.F_AMOUNT: "amount"}


def is_opening_stock_file(headers: list[str]) -> bool:
    """True when the headers name a warehouse and a product (`erp import opening-balances` hands such a file to
    the opening-stock import)."""
    found = map_columns(COLUMNS, Table(list(headers), [], ""), ImportReport(kind=KIND, rows=0)).values()
    return {"warehouse", "product"} <= set(found)


def _lookups(ctx: Context) -> tuple[dict, dict, dict]:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    s, cid = ctx.session, ctx.company_id
    warehouses = {c: i for c, i in s.execute(select(Warehouse.code, Warehouse.id).where(
        Warehouse.company_id == cid))}
    locations: dict[str, dict[int, int]] = {}  # code -> warehouse id -> location id
    for code, wid, lid in s.execute(select(WarehouseLocation.code, WarehouseLocation.warehouse_id,
                                           WarehouseLocation.id).where(WarehouseLocation.company_id == cid)):
        locations.setdefault(code, {})[wid] = lid
    products = {c: i for c, i in s.execute(select(Product.code, Product.id).where(Product.company_id == cid))}
    return warehouses, locations, products


def _code(value: Any) -> str:
    return parsers.half_width(str(value)).strip() if not parsers.is_blank(value) else ""


def _run(ctx: Context, table: Table, opening_date: dt.date | None, progress: Progress | None, *,
         check_only: bool) -> ImportReport:
    from erp_core.security.scope import require_company_wide

    require_company_wide(ctx)  # warehouses and their stock are company-wide: no row scope narrows them
    locale = ctx.actor.locale
    report = ImportReport(kind=KIND, rows=len(table.rows))
    mapping = map_columns(COLUMNS, table, report)
    if opening_date is None:
        report.problems.append(ImportProblem(None, t("field.inventory.opening_date", locale), None,
                                             "error.required"))
    if report.problems:
        return report
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    warehouses, locations, products = _lookups(ctx)
    qty_parse, cost_parse, amount_parse = parsers.quantity(min_value=None), parsers.quantity(), parsers.money()
    moves: list[dict[str, Any]] = []
    move_rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str, str], int] = {}
    rows = list(keyed_rows(table, mapping))

    def problem(row_no: int, key: str, raw: dict, message_id: str, **params: Any) -> None:
        report.problems.append(ImportProblem(row_no, header_of.get(key, key), raw.get(key), message_id, params))

    for n, (row_no, raw) in enumerate(rows):
        if progress and n % 1000 == 0:
            progress("check", n, len(rows))
        before = len(report.problems)
        wh_code, loc_code, prod_code = _code(raw.get("warehouse")), _code(raw.get("location")), \
            _code(raw.get("product"))
        wid = lid = pid = None
        if not wh_code:
            problem(row_no, "warehouse", raw, "error.required")
        elif (wid := warehouses.get(wh_code)) is None:
            problem(row_no, "warehouse", raw, "error.inventory.unknown_warehouse")
        if loc_code and wid is not None:
            by_wh = locations.get(loc_code, {})
            lid = by_wh.get(wid)
            if lid is None:
                problem(row_no, "location", raw, "error.inventory.location_other_warehouse" if by_wh
                        else "error.inventory.unknown_location")
        if not prod_code:
            problem(row_no, "product", raw, "error.required")
        elif (pid := products.get(prod_code)) is None:
            problem(row_no, "product", raw, "error.inventory.unknown_product")
        parsed: dict[str, Decimal | None] = {}
        for key, parse in (("quantity", qty_parse), ("unit_cost", cost_parse), ("amount", amount_parse)):
            try:
                parsed[key] = parse(raw.get(key))
            except CellError as err:
                parsed[key] = None
                problem(row_no, key, raw, err.message_id, **err.params)
        qty, cost, amount = parsed["quantity"], parsed["unit_cost"], parsed["amount"]
        if qty is None and parsers.is_blank(raw.get("quantity")):
            problem(row_no, "quantity", raw, "error.required")
        elif qty is not None and qty <= 0:
            problem(row_no, "quantity", raw, "error.inventory.opening_quantity")
        if parsers.is_blank(raw.get("unit_cost")) and parsers.is_blank(raw.get("amount")):
            problem(row_no, "unit_cost", raw, "error.inventory.cost_required")
        elif qty is not None and qty > 0:
            if cost is not None and amount is not None and posting.move_amount(qty, cost) != amount:
                problem(row_no, "amount", raw, "error.inventory.amount_mismatch",
                        expected=str(posting.move_amount(qty, cost)))
            elif cost is None and amount is not None and parsers.is_blank(raw.get("unit_cost")):
                cost = (amount / qty).quantize(UNIT_COST, rounding=ROUND_HALF_UP)
                if posting.move_amount(qty, cost) != amount:
                    problem(row_no, "amount", raw, "error.inventory.amount_not_exact")
        place = (wh_code, loc_code, prod_code)
        if wh_code and prod_code:
            if place in seen:
                problem(row_no, "product", raw, "error.import.duplicate_in_file", other=seen[place])
            else:
                seen[place] = row_no
        if len(report.problems) > before:
            continue
        moves.append({"warehouse_id": wid, "location_id": lid, "product_id": pid, "quantity": qty,
                      "unit_cost": cost, "move_type": "opening"})
        move_rows.append((row_no, raw))
    if not moves and not report.problems:
        report.problems.append(ImportProblem(None, table.filename or "-", None, "error.import.empty"))
    if not moves:
        return report
    # The rows that passed the row checks still go through the posting's checks (inactive product or warehouse,
    # existing opening, closed period), so one dry run lists every problem of the file.
    rows_bad = bool(report.problems)
    digest = hashlib.sha256(repr([(m["warehouse_id"], m["location_id"], m["product_id"],
                                   str(m["quantity"].normalize()), str(m["unit_cost"].normalize()))
                                  for m in moves]).encode()).hexdigest()
    key = f"opening-stock:{opening_date.isoformat()}:{digest[:32]}"
    try:
        result = posting.post_stock_moves(ctx, moves=moves, posting_key=key, move_date=opening_date,
                                          source_type="opening_import", check_only=check_only or rows_bad)
    except DomainError as exc:
        errors = list(exc.errors) if isinstance(exc, ValidationErrors) else [exc]
        for err in errors:
            line = err.params.get("line")
            row_no, raw = move_rows[line - 1] if line else (None, {})
            field = err.params.get("field") or ""
            k = _FIELD_TO_KEY.get(field, "")
            column = header_of.get(k) or (t(field, locale) if field else "-")
            params = {p: v for p, v in err.params.items() if p != "line"}
            report.problems.append(ImportProblem(row_no, column, raw.get(k), err.message_id, params))
        report.problems.sort(key=lambda p: (p.row or 0))
        return report
    if rows_bad:
        return report
    if result.replayed:
        report.warnings.append(ImportProblem(None, table.filename or "-", None,
                                             "inventory.opening.already_imported", warning=True))
    else:
        report.created = result.move_count
    if progress:
        progress("write", len(moves), len(moves))
    return report


@query(PERMISSION[0], zh=PERMISSION[1], en=PERMISSION[2])
def dry_run_opening_stock(ctx: Context, table: Table, progress: Progress | None = None, *,
                          opening_date: dt.date | None = None) -> ImportReport:
    """opening stock on hand per warehouse (and location) with cost, as stock moves dated --date (no voucher).

    The dry run: checks every row as the commit would, lists every problem, writes nothing."""
    return _run(ctx, table, opening_date, progress, check_only=True)


@use_case(PERMISSION[0], zh=PERMISSION[1], en=PERMISSION[2])
def import_opening_stock(ctx: Context, table: Table, progress: Progress | None = None, *,
                         opening_date: dt.date | None = None) -> ImportReport:
    """Post one 'opening' stock move per row dated ``opening_date``, all or nothing, idempotent per file
    content (see the module docstring)."""
    report = _run(ctx, table, opening_date, progress, check_only=False)
    if report.problems:
        raise ImportFailed(report)
    report.committed = True
    ctx.audit("opening_stock_import", None, file=table.filename, rows=report.rows, moves=report.created,
              date=opening_date.isoformat() if opening_date else None)
    return report


def template(fmt: str = "xlsx", locale: str | None = None):
    """Header row (in ``locale``, required columns marked *) and one example row. Reads no data, so it needs
    no permission."""
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    head = [t(f, locale) + ("*" if req else "") for f, _aliases, req in COLUMNS.values()]
    row = [EXAMPLE[k] for k in COLUMNS]
    name = "opening_stock_template"
    if fmt == "xlsx":
        return SheetFile(to_xlsx_bytes(head, [row], sheet=name), f"{name}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 1)
    return SheetFile(to_csv_bytes(head, [row]), f"{name}.csv", "text/csv", 1)


def opening_stock_template(_db, _actor, *, fmt: str = "xlsx", locale: str | None = None):
    """The template as the import registry calls it (db and actor unused: it reads no data)."""
    return template(fmt, locale)


def _register() -> None:
    """Register opening stock with the import registry (the import page and `erp import opening-stock`)."""
    from erp_core.io.registry import ImportKind, ImportParam, register

    register(ImportKind(name="opening-stock", label="inventory.import.opening_stock",
                        permission=PERMISSION[0], dry_run=dry_run_opening_stock, commit=import_opening_stock,
                        template=opening_stock_template,
                        params=(ImportParam("opening_date", "field.inventory.opening_date"),), order=220,
                        also_under=("opening-balances", is_opening_stock_file)))


_register()
