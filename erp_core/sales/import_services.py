"""数据初始化: historical sales orders and deliveries from CSV / XLSX (`erp import sales-orders | deliveries FILE
[--post]`, the import page), formats in docs/formats.md.

One row per document line; rows with the same 单号 form one document (its header columns are read from its first
row). Each document goes through the same use-case code as the pages (create, then with ``post``: confirm an
order — credit check, approvals and reservation included —, post a delivery), so the same rules apply; the
import's own permission (sales.<type>.import) is what the actor needs. All or nothing: the commit runs every
document in one transaction and a file with any problem writes nothing; the dry run runs the same work in a
transaction that is rolled back and reports every problem by row. Idempotent by document number: a number
already imported (kept as the document's source_no) is skipped with a warning. A price column left blank takes
the price list's price; a typed one other than the list's needs sales.order.override_price, as on the page.
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
from erp_core.sales import services as ss
from erp_core.sales.models import SalesDelivery, SalesOrder
from erp_core.usecase import Context, query, use_case

Columns = dict[str, tuple[str, tuple[str, ...], bool]]
_COMMON: Columns = {
    "number": ("field.sales.import.number", ("单据编号", "单号", "number", "no"), True),
    "date": ("field.documents.doc_date", ("日期", "date", "doc_date"), True),
    "product": ("field.sales.import.product_code", ("商品", "商品编码", "存货编码", "product", "product_code"), True),
    "quantity": ("field.sales.quantity", ("quantity", "qty"), True),
    "remarks": ("sales.remarks", ("remarks", "备注"), False),
}
ORDER_COLUMNS: Columns = {
    **_COMMON,
    "customer": ("field.sales.import.customer_code", ("客户", "客户编码", "customer", "customer_code"), True),
    "warehouse": ("field.sales.import.warehouse_code", ("仓库", "仓库编码", "warehouse", "warehouse_code"), False),
    "unit_price": ("field.sales.unit_price", ("price", "unit_price"), False),
    "discount_pct": ("field.sales.discount_pct", ("折扣", "discount", "discount_pct"), False),
    "includes_vat": ("sales.prices_include_vat", ("含税", "includes_vat", "prices_include_vat"), False),
    "delivery_date": ("sales.col.delivery_date", ("delivery_date",), False),
}
DELIVERY_COLUMNS: Columns = {
    **_COMMON,
    "order": ("field.sales.import.order_number", ("订单号", "销售订单号", "order", "order_number"), True),
    "warehouse": ("field.sales.import.warehouse_code", ("仓库", "仓库编码", "warehouse", "warehouse_code"), False),
    "carrier": ("sales.carrier", ("承运商", "carrier"), False),
    "shipping_method": ("field.sales.shipping_method", ("shipping_method", "method"), False),
    "tracking_no": ("sales.tracking_no", ("快递单号", "tracking", "tracking_no"), False),
}
METHODS = {"express": "express", "freight": "freight", "pickup": "pickup", "delivery": "delivery", "快递": "express",
           "物流": "freight", "自提": "pickup", "送货": "delivery"}
EXAMPLES = {
    "sales-orders": {"number": "SO-2025-001", "date": "2025-12-01", "customer": "C001", "warehouse": "WH01",
                     "product": "P0001", "quantity": "10", "unit_price": "", "discount_pct": "", "includes_vat": "是",
                     "delivery_date": "2025-12-05", "remarks": ""},
    "deliveries": {"number": "FH-2025-001", "date": "2025-12-03", "order": "SO-2025-001", "product": "P0001",
                   "quantity": "10", "warehouse": "WH01", "carrier": "顺丰速运", "shipping_method": "快递",
                   "tracking_no": "SF1234567890", "remarks": ""},
}


@dataclass(frozen=True)
class _Kind:
    name: str
    columns: Columns
    header: type
    build: Callable[..., int]


def _code(value: Any) -> str:
    return parsers.half_width(str(value)).strip() if not parsers.is_blank(value) else ""


class _Lookups:
    def __init__(self, ctx: Context) -> None:
        from erp_core.masterdata.models_items import Product
        from erp_core.masterdata.models_partners import Customer
        from erp_core.masterdata.models_warehouse import Warehouse

        s, cid = ctx.session, ctx.actor.company_id
        self.ctx = ctx
        self.row = 0
        self.customers = dict(s.execute(select(Customer.code, Customer.id).where(Customer.company_id == cid)).all())
        self.warehouses = dict(s.execute(select(Warehouse.code, Warehouse.id).where(
            Warehouse.company_id == cid)).all())
        self.products = dict(s.execute(select(Product.code, Product.id).where(Product.company_id == cid)).all())

    def doc(self, model: type, number: str) -> Any:
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


def _ref(mapping: dict[str, int], raw: dict[str, Any], key: str, message_id: str, *, required: bool = True
         ) -> int | None:
    code = _code(raw.get(key))
    if not code:
        if required:
            raise _RowError(key, "error.required")
        return None
    if code not in mapping:
        raise _RowError(key, message_id)
    return mapping[code]


QTY, DATE = parsers.quantity(), parsers.date()


def _build_order(lk: _Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    includes = _parse(first, "includes_vat", parsers.boolean())
    header = {"customer_id": _ref(lk.customers, first, "customer", "error.sales.import.unknown_customer"),
              "warehouse_id": _ref(lk.warehouses, first, "warehouse", "error.sales.import.unknown_warehouse",
                                   required=False),
              "doc_date": _parse(first, "date", DATE, required=True),
              "prices_include_vat": True if includes is None else bool(includes),
              "delivery_date": _parse(first, "delivery_date", DATE), "remarks": str(first.get("remarks") or "")}
    lines = []
    for lk.row, r in enumerate(rows):
        line = {"product_id": _ref(lk.products, r, "product", "error.sales.import.unknown_product"),
                "quantity": _parse(r, "quantity", QTY, required=True),
                "discount_pct": _parse(r, "discount_pct", QTY) or 0}
        price = _parse(r, "unit_price", QTY)
        if price is not None:
            line["unit_price"] = price
        lines.append(line)
    return ss.create_order.__wrapped__(lk.ctx, lines=lines, **header)


def _order_line(lk: _Lookups, raw: dict[str, Any], used: dict[int, Decimal], qty: Decimal) -> int:
    number = _code(raw.get("order"))
    if not number:
        raise _RowError("order", "error.required")
    order = lk.doc(SalesOrder, number)
    if order is None:
        raise _RowError("order", "error.sales.import.unknown_order")
    product = _ref(lk.products, raw, "product", "error.sales.import.unknown_product")
    candidates = [ln for ln in order.lines if ln.product_id == product]
    if not candidates:
        raise _RowError("product", "error.sales.import.not_on_order", number=number)
    for ln in candidates:  # the first line of that product with room left, else the last one (the use case refuses)
        left = ln.ordered_qty - ln.received_qty + ln.returned_qty - used.get(ln.id, Decimal(0))
        if left >= qty:
            break
    used[ln.id] = used.get(ln.id, Decimal(0)) + qty
    return ln.id


def _build_delivery(lk: _Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    day = _parse(first, "date", DATE, required=True)
    method = _parse(first, "shipping_method", parsers.choice(METHODS)) or "delivery"
    used: dict[int, Decimal] = {}
    lines = []
    for lk.row, r in enumerate(rows):
        qty = _parse(r, "quantity", QTY, required=True)
        lines.append({"order_line_id": _order_line(lk, r, used, qty), "quantity": qty,
                      "warehouse_id": _ref(lk.warehouses, r, "warehouse", "error.sales.import.unknown_warehouse",
                                           required=False)})
    lk.row = 0
    return ss.create_delivery.__wrapped__(lk.ctx, doc_date=day, lines=lines, shipping_method=method,
                                          carrier=str(first.get("carrier") or ""),
                                          tracking_no=_code(first.get("tracking_no")),
                                          remarks=str(first.get("remarks") or ""))


KINDS = {
    "sales-orders": _Kind("sales-orders", ORDER_COLUMNS, SalesOrder, _build_order),
    "deliveries": _Kind("deliveries", DELIVERY_COLUMNS, SalesDelivery, _build_delivery),
}


def _post(ctx: Context, kind: _Kind, doc_id: int) -> None:
    if kind.header is SalesOrder:
        ss.confirm_order.__wrapped__(ctx, order_id=doc_id)
    else:
        ss.post_delivery.__wrapped__(ctx, delivery_id=doc_id)


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
            report.warnings.append(ImportProblem(rows[0][0], header_of["number"], number, "sales.import.already",
                                                 {"number": number}, warning=True))
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
            row_no, raw = rows[lk.row] if lk.row < len(rows) else rows[0]
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
    with ctx.db.uow() as uow:
        inner = Context(uow.session, ctx.actor, ctx.permission, ctx.db, company_id=ctx.actor.company_id)
        return _run(inner, kind, table, post, progress)  # leaving the block rolls back


def _commit(ctx: Context, kind: _Kind, table: Table, post: bool, progress: Progress | None) -> ImportReport:
    report = _run(ctx, kind, table, post, progress)
    if report.problems:
        raise ImportFailed(report)
    report.committed = True
    ctx.audit("sales_import", kind.name, file=table.filename, rows=report.rows, documents=report.created, post=post)
    return report


@query("sales.order.import", zh="导入销售订单", en="Import sales orders", session=False)
def dry_run_sales_orders(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                         ) -> ImportReport:
    """historical sales orders, one row per line (with --post: confirmed)."""
    return _dry(ctx, KINDS["sales-orders"], table, post, progress)


@use_case("sales.order.import", zh="导入销售订单", en="Import sales orders")
def import_sales_orders(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                        ) -> ImportReport:
    return _commit(ctx, KINDS["sales-orders"], table, post, progress)


@query("sales.delivery.import", zh="导入销售出库单", en="Import sales deliveries", session=False)
def dry_run_deliveries(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                       ) -> ImportReport:
    """historical deliveries against imported orders, one row per line (with --post: posted)."""
    return _dry(ctx, KINDS["deliveries"], table, post, progress)


@use_case("sales.delivery.import", zh="导入销售出库单", en="Import sales deliveries")
def import_deliveries(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                      ) -> ImportReport:
    return _commit(ctx, KINDS["deliveries"], table, post, progress)


def _template(name: str) -> Callable[..., Any]:
    return document_template(name, KINDS[name].columns, EXAMPLES[name])


def _register() -> None:
    from erp_core.io.registry import POST_PARAM, ImportKind, register

    for order, (name, dry, commit, label) in enumerate((
            ("sales-orders", dry_run_sales_orders, import_sales_orders, "sales.import.orders"),
            ("deliveries", dry_run_deliveries, import_deliveries, "sales.import.deliveries"),
    )):
        register(ImportKind(name=name, label=label, permission=commit.permission, dry_run=dry, commit=commit,
                            template=_template(name), params=(POST_PARAM,), order=400 + order))


_register()
