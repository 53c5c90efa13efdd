"""`erp import stock-transfers FILE [--post]` and `erp import stocktakes FILE [--post]` (docs/formats.md):
CSV or XLSX (erp_core/io/reading.py rules), one document per ``number`` in the file, all-or-nothing.

- The check (``check_*``, also the CLI's --dry-run) reads every row: codes known, quantities valid, one
  document's rows agreeing on its header columns; every problem is listed by row and column.
- The import (``import_*``) runs the check, then creates the documents (and posts them with ``post``) in ONE
  transaction; a refusal while creating or posting (e.g. not enough stock) is reported against the rows of that
  document and nothing is written.
- Idempotent by number: a number already imported (the document's source_ref) is skipped, so running the same
  file twice writes nothing the second time.

stock-transfers columns: number*, date*, from_warehouse*, from_location, to_warehouse*, to_location, product*,
quantity*, remarks. stocktakes columns: number*, date* (the book quantities' day), warehouse*, location,
product*, counted*: a stocktake per number with the book frozen as of the date and the counts applied; a book
line the file does not mention stays not counted (posting then refuses, naming the lines).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from erp_core.io import parsers
from erp_core.io.importer import ImportFailed, ImportProblem, ImportReport, Table, keyed_rows, map_columns
from erp_core.io.parsers import CellError
from erp_core.kernel.errors import DomainError, ValidationErrors
from erp_core.usecase import Context, query, use_case

TRANSFER_COLUMNS = {
    "number": ("field.inv.number", ("单号", "调拨单号", "number"), True),
    "date": ("field.inv.date", ("日期", "date"), True),
    "from_warehouse": ("field.inv.from_warehouse_code", ("调出仓库", "from_warehouse"), True),
    "from_location": ("field.inv.from_location_code", ("调出库位", "from_location"), False),
    "to_warehouse": ("field.inv.to_warehouse_code", ("调入仓库", "to_warehouse"), True),
    "to_location": ("field.inv.to_location_code", ("调入库位", "to_location"), False),
    "product": ("field.inv.product_code", ("商品", "product", "product_code"), True),
    "quantity": ("field.inv.quantity", ("数量", "quantity"), True),
    "remarks": ("field.inv.remarks", ("备注", "remarks"), False),
}
STOCKTAKE_COLUMNS = {
    "number": ("field.inv.number", ("单号", "盘点单号", "number"), True),
    "date": ("field.inv.as_of", ("日期", "date", "as_of"), True),
    "warehouse": ("field.inv.warehouse_code", ("仓库", "warehouse"), True),
    "location": ("field.inv.location_code", ("库位", "location"), False),
    "product": ("field.inv.product_code", ("商品", "product", "product_code"), True),
    "counted": ("field.inv.counted_qty", ("实盘数量", "counted", "counted_qty"), True),
}
HEADER_KEYS = {"transfers": ("date", "from_warehouse", "from_location", "to_warehouse", "to_location", "remarks"),
               "stocktakes": ("date", "warehouse", "location")}


def _code(v: Any) -> str:
    return "" if parsers.is_blank(v) else parsers.half_width(str(v)).strip()


def _lookups(ctx: Context) -> tuple[dict, dict, dict]:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    s, cid = ctx.session, ctx.actor.company_id
    whs = dict(s.execute(select(Warehouse.code, Warehouse.id).where(Warehouse.company_id == cid)).all())
    locs: dict[tuple[int, str], int] = {(w, c): i for c, w, i in s.execute(select(
        WarehouseLocation.code, WarehouseLocation.warehouse_id, WarehouseLocation.id).where(
        WarehouseLocation.company_id == cid))}
    prods = dict(s.execute(select(Product.code, Product.id).where(Product.company_id == cid)).all())
    return whs, locs, prods


def _parse(ctx: Context, kind: str, table: Table) -> tuple[ImportReport, OrderedDict[str, dict[str, Any]]]:
    """The rows grouped by document number: {number: {"rows": [row numbers], header values, "lines": [...]}}."""
    columns = TRANSFER_COLUMNS if kind == "transfers" else STOCKTAKE_COLUMNS
    report = ImportReport(kind=f"stock-{kind}" if kind == "transfers" else kind, rows=len(table.rows))
    mapping = map_columns(columns, table, report)
    docs: OrderedDict[str, dict[str, Any]] = OrderedDict()
    if report.problems:
        return report, docs
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    whs, locs, prods = _lookups(ctx)
    qty = parsers.quantity()

    def problem(row_no, key, raw, message_id, **params):
        report.problems.append(ImportProblem(row_no, header_of.get(key, key), raw.get(key), message_id, params))

    for row_no, raw in keyed_rows(table, mapping):
        before = len(report.problems)
        number = _code(raw.get("number"))
        if not number:
            problem(row_no, "number", raw, "error.required")
        elif len(number) > 40:
            problem(row_no, "number", raw, "error.too_long", max=40)
        try:
            day = parsers.date()(raw.get("date"))
        except CellError as err:
            day = None
            problem(row_no, "date", raw, err.message_id, **err.params)
        if day is None and parsers.is_blank(raw.get("date")):
            problem(row_no, "date", raw, "error.required")
        head: dict[str, Any] = {"date": day}
        wh_keys = ("from_warehouse", "to_warehouse") if kind == "transfers" else ("warehouse",)
        for wk in wh_keys:
            code = _code(raw.get(wk))
            wid = whs.get(code)
            if not code:
                problem(row_no, wk, raw, "error.required")
            elif wid is None:
                problem(row_no, wk, raw, "error.inventory.unknown_warehouse")
            head[wk] = wid
            lk = wk.replace("warehouse", "location")
            lcode = _code(raw.get(lk))
            head[lk] = None
            if lcode and wid is not None:
                head[lk] = locs.get((wid, lcode))
                if head[lk] is None:
                    problem(row_no, lk, raw, "error.inventory.unknown_location")
        if kind == "transfers":
            head["remarks"] = "" if parsers.is_blank(raw.get("remarks")) else str(raw.get("remarks")).strip()[:500]
        pcode = _code(raw.get("product"))
        pid = prods.get(pcode)
        if not pcode:
            problem(row_no, "product", raw, "error.required")
        elif pid is None:
            problem(row_no, "product", raw, "error.inventory.unknown_product")
        qkey = "quantity" if kind == "transfers" else "counted"
        try:
            q = qty(raw.get(qkey))
        except CellError as err:
            q = None
            problem(row_no, qkey, raw, err.message_id, **err.params)
        if q is None and parsers.is_blank(raw.get(qkey)):
            problem(row_no, qkey, raw, "error.required")
        elif q is not None and q <= 0 and kind == "transfers":
            problem(row_no, qkey, raw, "error.documents.quantity_positive")
        if len(report.problems) > before:
            continue
        doc = docs.setdefault(number, {"rows": [], "lines": [], **{k: head[k] for k in HEADER_KEYS[kind]}})
        if any(doc[k] != head[k] for k in HEADER_KEYS[kind]):
            problem(row_no, "number", raw, "error.inv.import_header_differs")
            continue
        doc["rows"].append(row_no)
        doc["lines"].append({"product_id": pid, "quantity": q, "location": head.get("location")})
    return report, docs


def _skip_known(ctx: Context, kind: str, docs) -> int:
    from erp_core.stockops.models import Stocktake, StockTransfer

    model = StockTransfer if kind == "transfers" else Stocktake
    known = set(ctx.session.execute(select(model.source_ref).where(
        model.company_id == ctx.actor.company_id, model.source_ref.in_(list(docs) or [""]))).scalars())
    for number in known:
        docs.pop(number, None)
    return len(known)


def _fail_rows(report: ImportReport, rows: list[int], err: DomainError, locale: str | None, *,
               moves_per_line: int = 1) -> None:
    """A refusal while creating or posting one document, reported against its rows (its line, when named; a
    transfer writes two stock moves per line, so a stock-ledger problem's line is a move's)."""
    from erp_core.i18n import has, t

    errors = err.errors if isinstance(err, ValidationErrors) else [err]
    for e in errors:
        params = dict(e.params)
        line = params.get("line")
        if isinstance(line, int) and moves_per_line > 1 and e.message_id.startswith(("error.inventory.", "error.inv.negative_stock")):
            line = (line + moves_per_line - 1) // moves_per_line
        row = rows[line - 1] if isinstance(line, int) and 0 < line <= len(rows) else rows[0]
        field = str(params.get("field", ""))
        report.problems.append(ImportProblem(row, t(field, locale) if has(field) else "-", None, e.message_id,
                                             params))


def _run_transfers(ctx: Context, table: Table, post: bool) -> ImportReport:
    from erp_core.documents import services as kernel
    from erp_core.stockops import documents as D
    from erp_core.stockops.services import _transfer_header

    report, docs = _parse(ctx, "transfers", table)
    if report.problems:
        raise ImportFailed(report)
    skipped = _skip_known(ctx, "transfers", docs)
    for number, doc in docs.items():
        try:
            header = _transfer_header(ctx, from_warehouse_id=doc["from_warehouse"],
                                      from_location_id=doc["from_location"], to_warehouse_id=doc["to_warehouse"],
                                      to_location_id=doc["to_location"], remarks=doc["remarks"],
                                      lines=doc["lines"])
            d = kernel.create_document(ctx, D.STOCK_TRANSFER, doc_date=doc["date"], lines=[
                {"product_id": ln["product_id"], "ordered_qty": ln["quantity"]} for ln in doc["lines"]], **header)
            d.source_ref = number
            if post:
                kernel.post_document(ctx, D.STOCK_TRANSFER, d)
        except DomainError as err:
            _fail_rows(report, doc["rows"], err, ctx.actor.locale, moves_per_line=2)
    if report.problems:
        raise ImportFailed(report)
    report.created, report.updated, report.committed = len(docs), 0, True
    report.warnings += [ImportProblem(None, "-", None, "import.inv.skipped", {"count": skipped}, warning=True)] \
        if skipped else []
    return report


def _run_stocktakes(ctx: Context, table: Table, post: bool) -> ImportReport:
    from erp_core.documents import services as kernel
    from erp_core.stockops import documents as D
    from erp_core.stockops.stocktake_services import _start, apply_counts

    report, docs = _parse(ctx, "stocktakes", table)
    if report.problems:
        raise ImportFailed(report)
    skipped = _skip_known(ctx, "stocktakes", docs)
    for number, doc in docs.items():
        try:
            st = _start(ctx, warehouse_id=doc["warehouse"], as_of=doc["date"], location_id=doc["location"])
            st.source_ref = number
            apply_counts(ctx, st, [{"product_id": ln["product_id"], "location_id": ln["location"],
                                    "counted_qty": ln["quantity"]} for ln in doc["lines"]])
            if post:
                kernel.post_document(ctx, D.STOCKTAKE, st)
        except DomainError as err:
            _fail_rows(report, doc["rows"], err, ctx.actor.locale)
    if report.problems:
        raise ImportFailed(report)
    report.created, report.committed = len(docs), True
    report.warnings += [ImportProblem(None, "-", None, "import.inv.skipped", {"count": skipped}, warning=True)] \
        if skipped else []
    return report


@query("inventory.transfer.import", zh="导入调拨单", en="Import stock transfers")
def check_stock_transfers(ctx: Context, *, table: Table) -> ImportReport:
    """Check a stock-transfers file row by row (writes nothing)."""
    report, docs = _parse(ctx, "transfers", table)
    return report


@use_case("inventory.transfer.import", zh="导入调拨单", en="Import stock transfers")
def import_stock_transfers(ctx: Context, *, table: Table, post: bool = False) -> ImportReport:
    """Create (and with ``post`` post) one transfer per number of the file, all or nothing."""
    report = _run_transfers(ctx, table, post)
    ctx.audit("stock_transfer", None, created=report.created, posted=post)
    return report


@query("inventory.stocktake.import", zh="导入盘点单", en="Import stocktakes")
def check_stocktakes(ctx: Context, *, table: Table) -> ImportReport:
    """Check a stocktakes file row by row (writes nothing)."""
    report, docs = _parse(ctx, "stocktakes", table)
    return report


@use_case("inventory.stocktake.import", zh="导入盘点单", en="Import stocktakes")
def import_stocktakes(ctx: Context, *, table: Table, post: bool = False) -> ImportReport:
    """Create (and with ``post`` post) one stocktake per number of the file with its counts, all or nothing."""
    report = _run_stocktakes(ctx, table, post)
    ctx.audit("stocktake", None, created=report.created, posted=post)
    return report


