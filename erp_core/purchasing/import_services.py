"""数据初始化: historical purchase orders, receipts and invoices from CSV / XLSX (`erp import purchase-orders |
purchase-receipts | purchase-invoices FILE [--post]`, the import page), formats in docs/formats.md.

One row per document line; rows with the same 单号 number form one document (its header columns are read from
its first row). Each document goes through the same use-case code as the pages (create, then with ``post``:
confirm an order, post a receipt or invoice), so the same rules, approvals and tolerances apply; the import's
own permission (purchasing.<type>.import, like every import kind's) is what the actor needs. All or nothing: the commit runs every
document in one transaction and a file with any problem writes nothing; the dry run runs the same work in a
transaction that is rolled back, and reports every problem by row. Idempotent by document number: a number
already imported (kept as the document's source_no) is skipped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from erp_core.i18n import t
from erp_core.io import parsers
from erp_core.io.doc_templates import document_template
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
from erp_core.purchasing import services as ps
from erp_core.purchasing.models import (
    PurchaseInvoice,
    PurchaseOrder,
    PurchaseReceipt,
)
from erp_core.usecase import Context, query, use_case

Columns = dict[str, tuple[str, tuple[str, ...], bool]]
_COMMON: Columns = {
    "number": ("field.purchasing.import.number", ("单据编号", "单号", "number", "no"), True),
    "date": ("field.documents.doc_date", ("日期", "date", "doc_date"), True),
    "product": ("field.purchasing.import.product_code", ("商品", "商品编码", "存货编码", "product", "product_code"), True),
    "quantity": ("field.purchasing.quantity", ("quantity", "qty"), True),
    "remarks": ("purchasing.remarks", ("remarks", "备注"), False),
}
ORDER_COLUMNS: Columns = {
    **_COMMON,
    "supplier": ("field.purchasing.import.supplier_code", ("供应商", "供应商编码", "supplier", "supplier_code"), True),
    "warehouse": ("field.purchasing.import.warehouse_code", ("仓库", "仓库编码", "warehouse", "warehouse_code"), True),
    "unit_price": ("field.purchasing.unit_price", ("price", "unit_price"), True),
    "includes_vat": ("purchasing.prices_include_vat", ("含税", "includes_vat", "prices_include_vat"), False),
    "delivery_date": ("purchasing.col.delivery_date", ("delivery_date",), False),
}
RECEIPT_COLUMNS: Columns = {
    **_COMMON,
    "order": ("field.purchasing.import.order_number", ("订单号", "采购订单号", "order", "order_number"), True),
    "warehouse": ("field.purchasing.import.warehouse_code", ("仓库", "仓库编码", "warehouse", "warehouse_code"), False),
    "discrepancy": ("field.purchasing.discrepancy", ("discrepancy",), False),
    "reason": ("field.purchasing.discrepancy_reason", ("reason", "discrepancy_reason"), False),
}
INVOICE_COLUMNS: Columns = {
    **_COMMON,
    "receipt": ("field.purchasing.import.receipt_number", ("入库单号", "receipt", "receipt_number"), True),
    "unit_price": ("field.purchasing.unit_price", ("不含税单价", "price", "unit_price"), True),
    "invoice_no": ("field.purchasing.invoice_no", ("发票号", "invoice_no"), False),
    "vat_kind": ("field.purchasing.vat_kind", ("vat_kind",), False),
    "tax_amount": ("purchasing.col.tax_amount", ("tax", "tax_amount"), False),
}
VAT_KINDS = {"special": "special", "ordinary": "ordinary", "专票": "special", "增值税专用发票": "special",
             "普票": "ordinary", "普通发票": "ordinary"}
DISCREPANCIES = {"short": "short", "over": "over", "damaged": "damaged", "短收": "short", "超收": "over",
                 "破损": "damaged"}
EXAMPLES = {
    "purchase-orders": {"number": "PO-2025-001", "date": "2025-12-01", "supplier": "S001", "warehouse": "WH01",
                        "product": "P0001", "quantity": "100", "unit_price": "12.50", "includes_vat": "否",
                        "delivery_date": "2025-12-10", "remarks": ""},
    "purchase-receipts": {"number": "RK-2025-001", "date": "2025-12-08", "order": "PO-2025-001",
                          "product": "P0001", "quantity": "100", "warehouse": "WH01", "discrepancy": "",
                          "reason": "", "remarks": ""},
    "purchase-invoices": {"number": "FP-2025-001", "date": "2025-12-20", "receipt": "RK-2025-001",
                          "product": "P0001", "quantity": "100", "unit_price": "12.50", "invoice_no": "04400001",
                          "vat_kind": "专票", "tax_amount": "", "remarks": ""},
}


@dataclass(frozen=True)
class _Kind:
    name: str
    columns: Columns
    header: type
    build: Callable[..., int]  # (ctx, lookups, first row, rows, problem) -> new document id, or raises
    post: Callable[..., Any] | None = None  # (ctx, doc id): what --post does, when not one of the kinds below


def _code(value: Any) -> str:
    return parsers.half_width(str(value)).strip() if not parsers.is_blank(value) else ""


class _Lookups:
    def __init__(self, ctx: Context) -> None:
        from erp_core.masterdata.models_items import Product
        from erp_core.masterdata.models_partners import Supplier
        from erp_core.masterdata.models_warehouse import Warehouse

        s, cid = ctx.session, ctx.actor.company_id
        self.ctx = ctx
        self.row = 0  # index (in its document) of the row being read, for the report
        self.suppliers = {c: i for c, i in s.execute(select(Supplier.code, Supplier.id).where(
            Supplier.company_id == cid))}
        self.warehouses = {c: i for c, i in s.execute(select(Warehouse.code, Warehouse.id).where(
            Warehouse.company_id == cid))}
        self.products = {c: i for c, i in s.execute(select(Product.code, Product.id).where(
            Product.company_id == cid))}

    def doc(self, model: type, number: str) -> Any:
        """A document by its source number (imported) or its own number."""
        return self.ctx.session.execute(select(model).where(
            model.company_id == self.ctx.actor.company_id,
            or_(model.source_no == number, model.number == number)).order_by(model.id).limit(1)).scalar_one_or_none()


class _RowError(Exception):
    def __init__(self, key: str, message_id: str, **params: Any) -> None:
        self.key, self.message_id, self.params = key, message_id, params


def _parse(raw: dict[str, Any], key: str, parser: Callable[[Any], Any], *, required: bool = False) -> Any:
    try:
        value = parser(raw.get(key))
    except CellError as err:
        raise _RowError(key, err.message_id, **err.params) from None
    if value is None and required:
        raise _RowError(key, "error.required")
    return value


def _ref(mapping: dict[str, int], raw: dict[str, Any], key: str, message_id: str) -> int:
    code = _code(raw.get(key))
    if not code:
        raise _RowError(key, "error.required")
    if code not in mapping:
        raise _RowError(key, message_id)
    return mapping[code]


QTY, MONEY, DATE = parsers.quantity(), parsers.money(), parsers.date()


def _build_order(lk: _Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    header = {"supplier_id": _ref(lk.suppliers, first, "supplier", "error.purchasing.import.unknown_supplier"),
              "warehouse_id": _ref(lk.warehouses, first, "warehouse", "error.purchasing.import.unknown_warehouse"),
              "doc_date": _parse(first, "date", DATE, required=True),
              "prices_include_vat": bool(_parse(first, "includes_vat", parsers.boolean())),
              "delivery_date": _parse(first, "delivery_date", DATE), "remarks": str(first.get("remarks") or "")}
    lines = []
    for lk.row, r in enumerate(rows):
        lines.append({"product_id": _ref(lk.products, r, "product", "error.purchasing.import.unknown_product"),
                      "quantity": _parse(r, "quantity", QTY, required=True),
                      "unit_price": _parse(r, "unit_price", QTY, required=True)})
    return ps.create_order.__wrapped__(lk.ctx, lines=lines, **header)


def _order_line(lk: _Lookups, raw: dict[str, Any], used: dict[int, Decimal], qty: Decimal) -> int:
    number = _code(raw.get("order"))
    if not number:
        raise _RowError("order", "error.required")
    order = lk.doc(PurchaseOrder, number)
    if order is None:
        raise _RowError("order", "error.purchasing.import.unknown_order")
    product = _ref(lk.products, raw, "product", "error.purchasing.import.unknown_product")
    candidates = [ln for ln in order.lines if ln.product_id == product]
    if not candidates:
        raise _RowError("product", "error.purchasing.import.not_on_order", number=number)
    for ln in candidates:  # the first line of that product with room left, else the last one (tolerance decides)
        left = ln.ordered_qty - ln.received_qty + ln.returned_qty - used.get(ln.id, Decimal(0))
        if left >= qty:
            break
    used[ln.id] = used.get(ln.id, Decimal(0)) + qty
    return ln.id


def _build_receipt(lk: _Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    day = _parse(first, "date", DATE, required=True)
    used: dict[int, Decimal] = {}
    lines = []
    for lk.row, r in enumerate(rows):
        qty = _parse(r, "quantity", QTY, required=True)
        wh = _code(r.get("warehouse"))
        lines.append({"order_line_id": _order_line(lk, r, used, qty), "quantity": qty,
                      "warehouse_id": _ref(lk.warehouses, r, "warehouse", "error.purchasing.import.unknown_warehouse")
                      if wh else None,
                      "discrepancy": _parse(r, "discrepancy", parsers.choice(DISCREPANCIES)) or "",
                      "discrepancy_reason": str(r.get("reason") or "")})
    return ps.create_receipt.__wrapped__(lk.ctx, doc_date=day, lines=lines, remarks=str(first.get("remarks") or ""))


def _receipt_line(lk: _Lookups, raw: dict[str, Any], used: dict[int, Decimal], qty: Decimal) -> int:
    number = _code(raw.get("receipt"))
    if not number:
        raise _RowError("receipt", "error.required")
    receipt = lk.doc(PurchaseReceipt, number)
    if receipt is None:
        raise _RowError("receipt", "error.purchasing.import.unknown_receipt")
    product = _ref(lk.products, raw, "product", "error.purchasing.import.unknown_product")
    candidates = [ln for ln in receipt.lines if ln.product_id == product]
    if not candidates:
        raise _RowError("product", "error.purchasing.import.not_on_receipt", number=number)
    for ln in candidates:
        left = ln.ordered_qty - ln.returned_qty - ln.invoiced_qty - used.get(ln.id, Decimal(0))
        if left >= qty:
            break
    used[ln.id] = used.get(ln.id, Decimal(0)) + qty
    return ln.id


def _build_invoice(lk: _Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    header = {"doc_date": _parse(first, "date", DATE, required=True), "invoice_no": _code(first.get("invoice_no")),
              "vat_kind": _parse(first, "vat_kind", parsers.choice(VAT_KINDS)) or "special",
              "remarks": str(first.get("remarks") or "")}
    used: dict[int, Decimal] = {}
    lines = []
    for lk.row, r in enumerate(rows):
        qty = _parse(r, "quantity", QTY, required=True)
        lines.append({"receipt_line_id": _receipt_line(lk, r, used, qty), "quantity": qty,
                      "unit_price": _parse(r, "unit_price", QTY, required=True),
                      "tax_amount": _parse(r, "tax_amount", MONEY)})
    return ps.create_invoice.__wrapped__(lk.ctx, lines=lines, **header)


KINDS = {
    "purchase-orders": _Kind("purchase-orders", ORDER_COLUMNS, PurchaseOrder, _build_order),
    "purchase-receipts": _Kind("purchase-receipts", RECEIPT_COLUMNS, PurchaseReceipt, _build_receipt),
    "purchase-invoices": _Kind("purchase-invoices", INVOICE_COLUMNS, PurchaseInvoice, _build_invoice),
}


def _post(ctx: Context, kind: _Kind, doc_id: int) -> None:
    if kind.post is not None:
        kind.post(ctx, doc_id)
    elif kind.header is PurchaseOrder:
        ps.confirm_order.__wrapped__(ctx, order_id=doc_id)
    elif kind.header is PurchaseReceipt:
        ps.post_receipt.__wrapped__(ctx, receipt_id=doc_id)
    else:
        ps.post_invoice.__wrapped__(ctx, invoice_id=doc_id)


def _run(ctx: Context, kind: _Kind, table: Table, post: bool, progress: Progress | None) -> ImportReport:
    locale = ctx.actor.locale
    report = ImportReport(kind=kind.name, rows=len(table.rows))
    mapping = map_columns(kind.columns, table, report)
    if report.problems:
        return report
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row_no, raw in keyed_rows(table, mapping):
        number = _code(raw.get("number"))
        if not number:
            report.problems.append(ImportProblem(row_no, header_of["number"], None, "error.required"))
            continue
        groups.setdefault(number, []).append((row_no, raw))
    lk = _Lookups(ctx)

    def problem(row_no: int | None, key: str, raw: dict[str, Any], message_id: str, **params: Any) -> None:
        column = header_of.get(key) or (t(kind.columns[key][0], locale) if key in kind.columns else key or "-")
        report.problems.append(ImportProblem(row_no, column, raw.get(key), message_id, params))

    for n, (number, rows) in enumerate(groups.items()):
        if progress:
            progress("check", n, len(groups))
        if lk.doc(kind.header, number) is not None:
            report.warnings.append(ImportProblem(rows[0][0], header_of["number"], number,
                                                 "purchasing.import.already", {"number": number}, warning=True))
            continue
        try:
            doc_id = kind.build(lk, rows[0][1], [raw for _, raw in rows])
            doc = ctx.session.get(kind.header, doc_id)
            doc.source_no = number[:40]
            ctx.session.flush()
            if post:
                lk.row = 0
                _post(ctx, kind, doc_id)
            report.created += 1
        except _RowError as err:
            row_no, raw = rows[lk.row] if lk.row < len(rows) else rows[0]  # the row whose cell failed
            problem(row_no, err.key, raw, err.message_id, **err.params)
        except DomainError as exc:
            for e in (exc.errors if isinstance(exc, ValidationErrors) else [exc]):
                line = e.params.get("line")
                row_no, raw = rows[line - 1] if isinstance(line, int) and 0 < line <= len(rows) else rows[0]
                params = {k: v for k, v in e.params.items() if k not in ("line", "field")}
                column = t(e.field, locale) if getattr(e, "field", None) else header_of["number"]
                report.problems.append(ImportProblem(row_no, column, number, e.message_id, params))
    report.problems.sort(key=lambda p: p.row or 0)
    return report


def _dry(ctx: Context, kind: _Kind, table: Table, post: bool, progress: Progress | None) -> ImportReport:
    """The whole import in a transaction of its own that is rolled back: every problem, nothing written."""
    with ctx.db.uow() as uow:
        inner = Context(uow.session, ctx.actor, ctx.permission, ctx.db, company_id=ctx.actor.company_id)
        return _run(inner, kind, table, post, progress)  # leaving the block rolls back


def _commit(ctx: Context, kind: _Kind, table: Table, post: bool, progress: Progress | None) -> ImportReport:
    report = _run(ctx, kind, table, post, progress)
    if report.problems:
        raise ImportFailed(report)
    report.committed = True
    ctx.audit("purchase_import", kind.name, file=table.filename, rows=report.rows, documents=report.created,
              post=post)
    return report


@query("purchasing.order.import", zh="导入采购订单", en="Import purchase orders", session=False)
def dry_run_purchase_orders(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                            ) -> ImportReport:
    """historical purchase orders, one row per line (with --post: confirmed)."""
    return _dry(ctx, KINDS["purchase-orders"], table, post, progress)


@use_case("purchasing.order.import", zh="导入采购订单", en="Import purchase orders")
def import_purchase_orders(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                           ) -> ImportReport:
    return _commit(ctx, KINDS["purchase-orders"], table, post, progress)


@query("purchasing.receipt.import", zh="导入采购入库单", en="Import purchase receipts", session=False)
def dry_run_purchase_receipts(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                              ) -> ImportReport:
    """historical purchase receipts against imported orders, one row per line (with --post: posted)."""
    return _dry(ctx, KINDS["purchase-receipts"], table, post, progress)


@use_case("purchasing.receipt.import", zh="导入采购入库单", en="Import purchase receipts")
def import_purchase_receipts(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                             ) -> ImportReport:
    return _commit(ctx, KINDS["purchase-receipts"], table, post, progress)


@query("purchasing.invoice.import", zh="导入采购发票", en="Import purchase invoices", session=False)
def dry_run_purchase_invoices(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                              ) -> ImportReport:
    """historical purchase invoices against imported receipts, one row per line (with --post: posted)."""
    return _dry(ctx, KINDS["purchase-invoices"], table, post, progress)


@use_case("purchasing.invoice.import", zh="导入采购发票", en="Import purchase invoices")
def import_purchase_invoices(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                             ) -> ImportReport:
    return _commit(ctx, KINDS["purchase-invoices"], table, post, progress)


def _template(name: str) -> Callable[..., Any]:
    return document_template(name, KINDS[name].columns, EXAMPLES[name])


def _register() -> None:
    from erp_core.io.registry import POST_PARAM, ImportKind, register

    for order, (name, dry, commit, label) in enumerate((
            ("purchase-orders", dry_run_purchase_orders, import_purchase_orders, "purchasing.import.orders"),
            ("purchase-receipts", dry_run_purchase_receipts, import_purchase_receipts, "purchasing.import.receipts"),
            ("purchase-invoices", dry_run_purchase_invoices, import_purchase_invoices, "purchasing.import.invoices"),
    )):
        register(ImportKind(name=name, label=label, permission=commit.permission, dry_run=dry, commit=commit,
                            template=_template(name), params=(POST_PARAM,), order=300 + order))


_register()
