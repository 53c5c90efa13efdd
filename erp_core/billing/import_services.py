"""数据初始化 of billing documents — `erp import sales-invoices|receipts|fapiao FILE [--post] [--dry-run]` and
the 导入 page (formats in docs/formats.md).

One row per document line; rows with the same 单号 number form one document, whose header columns are read from
its first row. Each document goes through the same use-case code as the pages (erp_core/billing), so the same
checks apply. All or nothing: the commit imports every document in one transaction and writes nothing when any
row has a problem; the dry run does the whole work in a transaction it rolls back. Idempotent by number: the
file's number is kept on the document (``source_no``); a number already imported is skipped with a warning.

- sales-invoices: number*, date*, customer* (code), product* (code), quantity*, unit_price (excl. VAT; default
  the delivery line's), delivery (a posted delivery's number: the line is matched to the first line of that
  product with enough left to invoice; blank: a free line), tax_rate (e.g. 0.13; default the delivery's or the
  product's), fapiao number, vat_kind (special / ordinary), remarks. --post posts each invoice.
- receipts: number*, date*, customer* (code), amount*, invoice (a sales invoice's number or imported number;
  blank: 预收), discount, account (blank: the bank account), remarks. --post posts each receipt.
- fapiao: the tax-control export (发票号码, 开票日期, 购方名称, 金额, 税额, 购方税号): the register of issued fapiao
  numbers; a number already registered is skipped with a warning; a fapiao whose number an invoice carries is
  matched to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from erp_core.billing import invoice_services as inv
from erp_core.billing import receipt_services as rc
from erp_core.billing.models import FapiaoRecord, Receipt, SalesInvoice
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
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import DomainError, ValidationErrors
from erp_core.usecase import Context, query, use_case

ZERO = Decimal(0)
Columns = dict[str, tuple[str, tuple[str, ...], bool]]
_NUMBER = ("field.billing.import.number", ("单据编号", "单号", "number", "no"), True)
_DATE = ("field.documents.doc_date", ("日期", "date", "doc_date"), True)
_CUSTOMER = ("field.billing.import.customer_code", ("客户", "客户编码", "customer", "customer_code"), True)
INVOICE_COLUMNS: Columns = {
    "number": _NUMBER, "date": _DATE, "customer": _CUSTOMER,
    "product": ("field.billing.import.product_code", ("商品", "商品编码", "product", "product_code"), True),
    "quantity": ("field.documents.quantity", ("数量", "quantity", "qty"), True),
    "unit_price": ("field.billing.import.unit_price", ("单价", "不含税单价", "price", "unit_price"), False),
    "delivery": ("field.billing.import.delivery", ("发货单", "发货单号", "delivery"), False),
    "tax_rate": ("field.billing.import.tax_rate", ("税率", "tax_rate"), False),
    "invoice_no": ("field.billing.invoice_no", ("发票号", "invoice_no", "fapiao_no"), False),
    "vat_kind": ("field.billing.vat_kind", ("vat_kind",), False),
    "remarks": ("field.billing.import.remarks", ("备注", "remarks"), False),
}
RECEIPT_COLUMNS: Columns = {
    "number": _NUMBER, "date": _DATE, "customer": _CUSTOMER,
    "amount": ("field.billing.amount", ("收款金额", "amount"), True),
    "invoice": ("field.billing.import.invoice", ("发票", "核销单据号", "核销单据", "invoice"), False),
    "discount": ("field.billing.discount", ("折扣", "discount"), False),
    "account": ("field.billing.import.account", ("收款科目", "account", "account_code"), False),
    "remarks": ("field.billing.import.remarks", ("备注", "remarks"), False),
}
FAPIAO_COLUMNS: Columns = {
    "fapiao_no": ("field.billing.invoice_no", ("发票号", "fapiao_no", "number"), True),
    "date": ("field.billing.import.issue_date", ("日期", "issue_date", "date"), True),
    "buyer": ("field.billing.import.buyer", ("购买方名称", "购方", "buyer"), False),
    "buyer_tax_id": ("field.billing.import.buyer_tax_id", ("购买方税号", "购方税号", "buyer_tax_id"), False),
    "amount": ("field.billing.amount", ("金额", "不含税金额", "amount"), True),
    "tax": ("field.billing.tax", ("税额", "tax"), True),
}
EXAMPLES = {
    "sales-invoices": {"number": "XS-0001", "date": "2026-01-31", "customer": "C001", "product": "P001",
                       "quantity": "10", "unit_price": "100.00", "delivery": "", "tax_rate": "0.13",
                       "invoice_no": "04400001", "vat_kind": "special", "remarks": "期初发票"},
    "receipts": {"number": "SK-0001", "date": "2026-02-10", "customer": "C001", "amount": "1130.00",
                 "invoice": "XS-0001", "discount": "", "account": "1002", "remarks": ""},
    "fapiao": {"fapiao_no": "04400001", "date": "2026-01-31", "buyer": "华东商贸有限公司",
               "buyer_tax_id": "91310000XXXXXXXX0X", "amount": "1000.00", "tax": "130.00"},
}
QTY, MONEY, DATE = parsers.quantity(), parsers.money(), parsers.date()


def _code(value: Any) -> str:
    return parsers.half_width(str(value)).strip() if not parsers.is_blank(value) else ""


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


class _Lookups:
    def __init__(self, ctx: Context) -> None:
        from erp_core.masterdata.models_items import Product
        from erp_core.masterdata.models_partners import Customer

        s, cid = ctx.session, ctx.actor.company_id
        self.ctx, self.row = ctx, 0
        self.customers = {c: i for c, i in s.execute(select(Customer.code, Customer.id).where(
            Customer.company_id == cid, Customer.merged_into.is_(None)))}
        self.products = {c: i for c, i in s.execute(select(Product.code, Product.id).where(
            Product.company_id == cid))}

    def ref(self, mapping: dict[str, int], raw: dict[str, Any], key: str, message_id: str) -> int:
        code = _code(raw.get(key))
        if not code:
            raise _RowError(key, "error.required")
        if code not in mapping:
            raise _RowError(key, message_id, code=code)
        return mapping[code]

    def doc(self, model: type, number: str) -> Any:
        return self.ctx.session.execute(select(model).where(
            model.company_id == self.ctx.actor.company_id,
            or_(model.source_no == number, model.number == number)).order_by(model.id).limit(1)).scalar_one_or_none()


def _delivery_line(lk: _Lookups, raw: dict[str, Any], product_id: int, qty: Decimal, used: dict[int, Decimal]
                   ) -> int:
    from erp_core.documents.registry import document_type

    t = document_type("sales_delivery")
    number = _code(raw.get("delivery"))
    doc = lk.ctx.session.execute(select(t.header).where(
        t.header.company_id == lk.ctx.actor.company_id,
        or_(t.header.number == number, t.header.source_no == number))).scalars().first()
    if doc is None or doc.posted_at is None:
        raise _RowError("delivery", "error.billing.import_delivery", number=number)
    for ln in doc.lines:
        left = ln.ordered_qty - ln.returned_qty - ln.invoiced_qty - used.get(ln.id, ZERO)
        if ln.product_id == product_id and left >= qty:
            used[ln.id] = used.get(ln.id, ZERO) + qty
            return ln.id
    raise _RowError("quantity", "error.billing.import_delivery_qty", number=number)


def _build_invoice(lk: _Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    customer = lk.ref(lk.customers, first, "customer", "error.billing.import_customer")
    header = {"doc_date": _parse(first, "date", DATE, required=True), "customer_id": customer,
              "invoice_no": _code(first.get("invoice_no")),
              "vat_kind": _parse(first, "vat_kind", parsers.choice(("special", "ordinary"))) or "special",
              "remarks": str(first.get("remarks") or "")}
    used: dict[int, Decimal] = {}
    lines = []
    for lk.row, r in enumerate(rows):
        product = lk.ref(lk.products, r, "product", "error.billing.import_product")
        qty = _parse(r, "quantity", QTY, required=True)
        line: dict[str, Any] = {"quantity": qty, "unit_price": _parse(r, "unit_price", QTY),
                                "tax_rate": _parse(r, "tax_rate", QTY)}
        if _code(r.get("delivery")):
            line.update(source_type="sales_delivery", source_line_id=_delivery_line(lk, r, product, qty, used))
        else:
            line["product_id"] = product
            if line["unit_price"] is None:
                raise _RowError("unit_price", "error.required")
        lines.append(line)
    return inv.create_invoice.__wrapped__(lk.ctx, lines=lines, **header)


def _build_receipt(lk: _Lookups, first: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    lk.row = 0
    customer = lk.ref(lk.customers, first, "customer", "error.billing.import_customer")
    day = _parse(first, "date", DATE, required=True)
    lines = []
    for lk.row, r in enumerate(rows):
        line: dict[str, Any] = {"amount": _parse(r, "amount", MONEY, required=True),
                                "discount": _parse(r, "discount", MONEY) or ZERO,
                                "remarks": str(r.get("remarks") or "")}
        number = _code(r.get("invoice"))
        if number:
            doc = lk.doc(SalesInvoice, number)
            if doc is None:
                raise _RowError("invoice", "error.billing.import_invoice", number=number)
            line.update(item_type="sales_invoice", item_id=doc.id)
        lines.append(line)
    return rc.create_receipt.__wrapped__(lk.ctx, partner_id=customer, doc_date=day, lines=lines,
                                         account_code=_code(first.get("account")) or None,
                                         remarks=str(first.get("remarks") or ""))


@dataclass(frozen=True)
class _Kind:
    name: str
    columns: Columns
    header: type
    build: Callable[[_Lookups, dict[str, Any], list[dict[str, Any]]], int]
    post: Callable[[Context, int], Any]


KINDS = {
    "sales-invoices": _Kind("sales-invoices", INVOICE_COLUMNS, SalesInvoice, _build_invoice,
                            lambda ctx, i: inv.post_invoice.__wrapped__(ctx, invoice_id=i)),
    "receipts": _Kind("receipts", RECEIPT_COLUMNS, Receipt, _build_receipt,
                      lambda ctx, i: rc.post_receipt.__wrapped__(ctx, receipt_id=i)),
}


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
    for n, (number, rows) in enumerate(groups.items()):
        if progress:
            progress("check", n, len(groups))
        if lk.doc(kind.header, number) is not None:
            report.warnings.append(ImportProblem(rows[0][0], header_of["number"], number, "billing.import.already",
                                                 {"number": number}, warning=True))
            continue
        try:
            doc_id = kind.build(lk, rows[0][1], [raw for _, raw in rows])
            doc = ctx.session.get(kind.header, doc_id)
            doc.source_no = number[:40]
            ctx.session.flush()
            if post:
                lk.row = 0
                kind.post(ctx, doc_id)
            report.created += 1
        except _RowError as err:
            row_no, raw = rows[lk.row] if lk.row < len(rows) else rows[0]
            column = header_of.get(err.key) or t(kind.columns[err.key][0], locale)
            report.problems.append(ImportProblem(row_no, column, raw.get(err.key), err.message_id, err.params))
        except DomainError as exc:
            for e in (exc.errors if isinstance(exc, ValidationErrors) else [exc]):
                line = e.params.get("line")
                row_no, raw = rows[line - 1] if isinstance(line, int) and 0 < line <= len(rows) else rows[0]
                params = {k: v for k, v in e.params.items() if k not in ("line", "field")}
                column = t(e.field, locale) if getattr(e, "field", None) else header_of["number"]
                report.problems.append(ImportProblem(row_no, column, number, e.message_id, params))
    report.problems.sort(key=lambda p: p.row or 0)
    return report


def _fapiao_run(ctx: Context, table: Table) -> ImportReport:
    report = ImportReport(kind="fapiao", rows=len(table.rows))
    mapping = map_columns(FAPIAO_COLUMNS, table, report)
    if report.problems:
        return report
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    cid = ctx.actor.company_id
    known = set(ctx.session.execute(select(FapiaoRecord.fapiao_no).where(FapiaoRecord.company_id == cid)).scalars())
    invoices = dict(ctx.session.execute(select(SalesInvoice.invoice_no, SalesInvoice.id).where(
        SalesInvoice.company_id == cid, SalesInvoice.invoice_no != "")).all())
    seen: set[str] = set()
    for row_no, raw in keyed_rows(table, mapping):
        try:
            no = _code(raw.get("fapiao_no"))
            if not no or len(no) > 40:
                raise _RowError("fapiao_no", "error.billing.invoice_no")
            rec = {"issue_date": _parse(raw, "date", DATE, required=True),
                   "amount": _parse(raw, "amount", MONEY, required=True),
                   "tax": _parse(raw, "tax", MONEY, required=True)}
        except _RowError as err:
            report.problems.append(ImportProblem(row_no, header_of.get(err.key, err.key), raw.get(err.key),
                                                 err.message_id, err.params))
            continue
        if no in known or no in seen:
            report.warnings.append(ImportProblem(row_no, header_of["fapiao_no"], no, "billing.import.already",
                                                 {"number": no}, warning=True))
            continue
        seen.add(no)
        ctx.session.add(FapiaoRecord(company_id=cid, fapiao_no=no, buyer_name=str(raw.get("buyer") or "")[:200],
                                     buyer_tax_id=_code(raw.get("buyer_tax_id"))[:20], invoice_id=invoices.get(no),
                                     origin="imported", created_by=ctx.actor.user_id, created_at=naive_utcnow(),
                                     **rec))
        report.created += 1
    ctx.session.flush()
    return report


def _dry(ctx: Context, run: Callable[[Context], ImportReport]) -> ImportReport:
    """The whole import in a transaction of its own that is rolled back: every problem, nothing written."""
    with ctx.db.uow() as uow:
        return run(Context(uow.session, ctx.actor, ctx.permission, ctx.db, company_id=ctx.actor.company_id))


def _commit(ctx: Context, name: str, table: Table, report: ImportReport, post: bool) -> ImportReport:
    if report.problems:
        raise ImportFailed(report)
    report.committed = True
    ctx.audit("billing_import", name, file=table.filename, rows=report.rows, documents=report.created, post=post)
    return report


@query("sales.invoice.import", zh="导入销售发票", en="Import sales invoices", session=False)
def dry_run_sales_invoices(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                           ) -> ImportReport:
    """historical sales invoices, one row per line (with --post: posted)."""
    return _dry(ctx, lambda c: _run(c, KINDS["sales-invoices"], table, post, progress))


@use_case("sales.invoice.import", zh="导入销售发票", en="Import sales invoices")
def import_sales_invoices(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                          ) -> ImportReport:
    return _commit(ctx, "sales-invoices", table, _run(ctx, KINDS["sales-invoices"], table, post, progress), post)


@query("finance.receipt.import", zh="导入收款单", en="Import receipts", session=False)
def dry_run_receipts(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                     ) -> ImportReport:
    """historical receipts (收款单), one row per line (with --post: posted, invoices settled)."""
    return _dry(ctx, lambda c: _run(c, KINDS["receipts"], table, post, progress))


@use_case("finance.receipt.import", zh="导入收款单", en="Import receipts")
def import_receipts(ctx: Context, table: Table, progress: Progress | None = None, *, post: bool = False
                    ) -> ImportReport:
    return _commit(ctx, "receipts", table, _run(ctx, KINDS["receipts"], table, post, progress), post)


@query("sales.fapiao.import", zh="导入销项发票登记", en="Import issued fapiao register", session=False)
def dry_run_fapiao(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    """the tax-control export of issued fapiao (number, date, buyer, amount, tax)."""
    return _dry(ctx, lambda c: _fapiao_run(c, table))


@use_case("sales.fapiao.import", zh="导入销项发票登记", en="Import issued fapiao register")
def import_fapiao(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _commit(ctx, "fapiao", table, _fapiao_run(ctx, table), False)


def _template(name: str, columns: Columns) -> Callable[..., Any]:
    return document_template(name, columns, EXAMPLES[name])


def _register() -> None:
    from erp_core.io.registry import POST_PARAM, ImportKind, register

    register(ImportKind(name="sales-invoices", label="billing.import.invoices",
                        permission=import_sales_invoices.permission, dry_run=dry_run_sales_invoices,
                        commit=import_sales_invoices, template=_template("sales-invoices", INVOICE_COLUMNS),
                        params=(POST_PARAM,), order=420))
    register(ImportKind(name="receipts", label="billing.import.receipts", permission=import_receipts.permission,
                        dry_run=dry_run_receipts, commit=import_receipts,
                        template=_template("receipts", RECEIPT_COLUMNS), params=(POST_PARAM,), order=421))
    register(ImportKind(name="fapiao", label="billing.import.fapiao", permission=import_fapiao.permission,
                        dry_run=dry_run_fapiao, commit=import_fapiao, template=_template("fapiao", FAPIAO_COLUMNS),
                        order=422))


_register()
