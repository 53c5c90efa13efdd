"""The stocktake count sheet (盘点表) as an Excel file: exported with the book quantities and an empty 实盘数量
column, filled in by the counters, imported back (erp_core/io/reading.py rules: size limits, control
characters, encodings; all-or-nothing with every problem listed by row and column).

Columns (zh or en headers, or the keys): 行号 line_no, 库位编码 location, 商品编码 product*, 商品名称, 规格型号,
单位, 账面数量 (ignored on import), 实盘数量 counted* (blank = not counted). A row with a line number updates that
line; a row without one finds the line by location and product, or adds a found item (book quantity 0).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erp_core.i18n import t
from erp_core.io import parsers
from erp_core.io.importer import ImportFailed, ImportProblem, ImportReport, Table, keyed_rows, map_columns
from erp_core.io.parsers import CellError
from erp_core.stockops.models import Stocktake

KIND = "stocktake_counts"
COLUMNS = {  # key: (catalog field, aliases, required)
    "line_no": ("field.inv.line_no", ("行号", "line", "line_no"), False),
    "location": ("field.inv.location_code", ("库位", "location", "location_code"), False),
    "product": ("field.inv.product_code", ("商品", "存货编码", "product", "product_code"), True),
    "product_name": ("field.inv.product_name", ("product_name",), False),
    "specification": ("field.inv.specification", ("规格", "specification"), False),
    "unit": ("field.inv.unit", ("unit", "unit_code"), False),
    "book_qty": ("field.inv.book_qty", ("book_qty",), False),
    "counted": ("field.inv.counted_qty", ("实盘", "counted", "counted_qty"), True),
}
EXPORTED = ("line_no", "location", "product", "product_name", "specification", "unit", "book_qty", "counted")


def _plain(d: Any) -> Any:
    from erp_core.inventory.queries import _plain as plain

    return plain(d) if d is not None else None


def sheet_rows(session: Any, doc: Stocktake) -> list[list[Any]]:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import WarehouseLocation

    pids = sorted({ln.product_id for ln in doc.lines}) or [0]
    lids = sorted({ln.location_id for ln in doc.lines if ln.location_id}) or [0]
    products = {r.id: r for r in session.execute(select(
        Product.id, Product.code, Product.name, Product.specification, Product.unit_code).where(Product.id.in_(pids)))}
    locations = dict(session.execute(select(WarehouseLocation.id, WarehouseLocation.code).where(
        WarehouseLocation.id.in_(lids))).all())
    out = []
    for ln in doc.lines:
        p = products.get(ln.product_id)
        out.append([ln.line_no, locations.get(ln.location_id, ""), p.code if p else "", p.name if p else "",
                    (p.specification or "") if p else "", (p.unit_code or "") if p else "", _plain(ln.book_qty),
                    _plain(ln.counted_qty)])
    return out


def to_xlsx(session: Any, doc: Stocktake, locale: str | None) -> bytes:
    from erp_core.io.export import to_xlsx_bytes

    head = [t(COLUMNS[k][0], locale) for k in EXPORTED]
    return to_xlsx_bytes(head, sheet_rows(session, doc), sheet=doc.number)


def counts_from_table(session: Any, doc: Stocktake, table: Table, locale: str | None) -> list[dict[str, Any]]:
    """The counts a filled-in sheet gives (for stocktake_services.apply_counts); ImportFailed listing every
    problem (row, column, value, reason) when any row is wrong."""
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import WarehouseLocation

    report = ImportReport(kind=KIND, rows=len(table.rows))
    mapping = map_columns(COLUMNS, table, report)
    if report.problems:
        raise ImportFailed(report)
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    products = dict(session.execute(select(Product.code, Product.id).where(
        Product.company_id == doc.company_id)).all())
    locations = dict(session.execute(select(WarehouseLocation.code, WarehouseLocation.id).where(
        WarehouseLocation.company_id == doc.company_id, WarehouseLocation.warehouse_id == doc.warehouse_id)).all())
    lines = {ln.line_no: ln for ln in doc.lines}
    qty = parsers.quantity()
    out: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}

    def problem(row_no: int, key: str, raw: dict, message_id: str, **params: Any) -> None:
        report.problems.append(ImportProblem(row_no, header_of.get(key, key), raw.get(key), message_id, params))

    for row_no, raw in keyed_rows(table, mapping):
        before = len(report.problems)
        code = parsers.half_width(str(raw.get("product"))).strip() if not parsers.is_blank(raw.get("product")) else ""
        loc_code = parsers.half_width(str(raw.get("location"))).strip() \
            if not parsers.is_blank(raw.get("location")) else ""
        pid = products.get(code)
        if not code:
            problem(row_no, "product", raw, "error.required")
        elif pid is None:
            problem(row_no, "product", raw, "error.inventory.unknown_product")
        lid = None
        if loc_code:
            lid = locations.get(loc_code)
            if lid is None:
                problem(row_no, "location", raw, "error.inventory.unknown_location")
        try:
            counted = qty(raw.get("counted"))
        except CellError as err:
            counted = None
            problem(row_no, "counted", raw, err.message_id, **err.params)
        line_no = None
        if not parsers.is_blank(raw.get("line_no")):
            try:
                line_no = int(str(raw.get("line_no")).strip().split(".")[0])
            except ValueError:
                line_no = -1
            ln = lines.get(line_no)
            if ln is None:
                problem(row_no, "line_no", raw, "error.inv.stocktake_no_line")
            elif pid is not None and ln.product_id != pid:
                problem(row_no, "product", raw, "error.inv.count_line_mismatch", line=line_no)
        key = line_no if line_no is not None else (lid, pid)
        if key in seen:
            problem(row_no, "product", raw, "error.inv.count_duplicate", row=seen[key])
        seen[key] = row_no
        if len(report.problems) == before:
            out.append({"line_no": line_no, "product_id": pid, "location_id": lid, "counted_qty": counted}
                       if line_no is None else {"line_no": line_no, "counted_qty": counted})
    if report.problems:
        raise ImportFailed(report)
    return out


def read_counts(session: Any, doc: Stocktake, data: bytes, filename: str, locale: str | None
                ) -> list[dict[str, Any]]:
    from erp_core.io.reading import read_table

    return counts_from_table(session, doc, read_table(data, filename), locale)



