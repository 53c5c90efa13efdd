"""数据初始化: import payments (付款单) from CSV or XLSX — `erp import payments FILE [--post] [--dry-run]`.

Columns (zh or en headers, or the keys): 付款单号 number*, 日期 date*, 供应商编码 supplier code*, 金额 amount*,
核销单据号 invoice number (blank: the row is paid in advance, 预付), 付款账户 account (blank: the bank account),
备注 remarks. Rows with the same number are the lines of one payment (date, supplier and account must agree).

All or nothing, in one transaction: every row is checked first (a problem names row, column and value, and
nothing is written). Idempotent by number: a payment whose number already exists is skipped (reported as a
warning) when its supplier and amount are the same, refused otherwise. Imported payments keep the file's number
(the history's own numbering), are drafts, and with ``post`` are posted at once: each invoice is settled under
its lock and the voucher is written, exactly as post_payment does (approval rules apply).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents import services as k
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
from erp_core.ledger.periods import period_of
from erp_core.security.scope import require_company_wide
from erp_core.settlement import open_items as oi
from erp_core.settlement.doctypes import PAYMENT
from erp_core.settlement.models import Payment, PaymentLine
from erp_core.usecase import Context, query, use_case

PERMISSION = ("finance.payment.import", "导入付款单", "Import payments")
KIND = "payments"
COLUMNS = {  # key: (catalog field, aliases, required)
    "number": ("field.settlement.number", ("付款单编号", "单号", "payment_number"), True),
    "date": ("field.documents.doc_date", ("日期", "付款日期", "date"), True),
    "supplier": ("field.settlement.supplier_code", ("供应商", "supplier"), True),
    "amount": ("field.settlement.amount", ("付款金额", "amount"), True),
    "invoice": ("field.settlement.invoice_number", ("发票号", "核销单据", "invoice"), False),
    "account": ("field.settlement.account", ("付款科目", "account", "account_code"), False),
    "remarks": ("field.settlement.remarks", ("备注", "remarks"), False),
}
_PARSE = {"number": parsers.code(40), "date": parsers.date(), "supplier": parsers.code(40),
          "amount": parsers.money(min_value=Decimal("0.01")), "invoice": parsers.code(40),
          "account": parsers.code(40), "remarks": parsers.text(200)}


def _invoices_by_number(ctx: Context) -> dict[tuple[int, str], tuple[str, int, Decimal]]:
    """(supplier id, invoice number) -> (item type, id, open amount) of every open payable now."""
    return {(i.partner_id or 0, i.number): (i.item_type, i.item_id, i.open)
            for i in oi.open_items(ctx.session, ctx.actor.company_id, kind="payable")}


def _plan(ctx: Context, table: Table, report: ImportReport) -> dict[str, dict[str, Any]]:
    """Parse and check every row; the payments to create by number (existing ones are left out)."""
    from erp_core.masterdata.models_partners import Supplier

    mapping = map_columns(COLUMNS, table, report)
    if report.problems:
        return {}
    labels = {key: table.headers[i] for i, key in mapping.items()}
    cid = ctx.actor.company_id
    suppliers = {c: i for c, i in ctx.session.execute(select(Supplier.code, Supplier.id).where(
        Supplier.company_id == cid, Supplier.merged_into.is_(None)))}
    invoices = _invoices_by_number(ctx)
    left = {key: v[2] for key, v in invoices.items()}  # what the file's earlier rows left open
    parsed: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for row_no, raw in keyed_rows(table, mapping):
        report.rows += 1
        rec: dict[str, Any] = {}
        bad = False
        for key, cell in raw.items():
            try:
                rec[key] = _PARSE[key](cell)
            except CellError as e:
                report.problems.append(ImportProblem(row_no, labels[key], cell, e.message_id, e.params))
                bad = True
        for key, (_label, _aliases, required) in COLUMNS.items():
            if required and key in labels and rec.get(key) in (None, "") and not bad:
                report.problems.append(ImportProblem(row_no, labels[key], raw.get(key), "error.required"))
                bad = True
        if bad:
            continue
        rec["supplier_id"] = suppliers.get(rec["supplier"])
        if rec["supplier_id"] is None:
            report.problems.append(ImportProblem(row_no, labels["supplier"], rec["supplier"],
                                                 "error.settlement.import_supplier"))
            continue
        parsed.append((row_no, raw, rec))
    numbers = sorted({rec["number"] for _, _, rec in parsed})
    existing = {n: (p, t) for n, p, t in ctx.session.execute(
        select(Payment.number, Payment.partner_id, Payment.total).where(
            Payment.company_id == cid, Payment.number.in_(numbers)))} if numbers else {}
    for number, (partner, total) in existing.items():  # idempotent by number: same content is skipped
        rows = [(n, rec) for n, _, rec in parsed if rec["number"] == number]
        same = all(rec["supplier_id"] == partner for _, rec in rows) and \
            total == sum((rec["amount"] for _, rec in rows), Decimal(0))
        if same:
            report.warnings.append(ImportProblem(rows[0][0], labels["number"], number, "import.payments.exists",
                                                 warning=True))
        else:
            report.problems.append(ImportProblem(rows[0][0], labels["number"], number,
                                                 "error.settlement.import_other"))
    plan: dict[str, dict[str, Any]] = {}
    for row_no, _raw, rec in parsed:
        if rec["number"] in existing:
            continue
        sid = rec["supplier_id"]
        item = None
        if rec.get("invoice"):
            found = invoices.get((sid, rec["invoice"]))
            if found is None:
                report.problems.append(ImportProblem(row_no, labels["invoice"], rec["invoice"],
                                                     "error.settlement.import_invoice"))
                continue
            item = found[:2]
            if rec["amount"] > left[(sid, rec["invoice"])]:
                report.problems.append(ImportProblem(row_no, labels["amount"], rec["amount"],
                                                     "error.settlement.import_over",
                                                     {"open": f"{left[(sid, rec['invoice'])]:,.2f}"}))
                continue
            left[(sid, rec["invoice"])] -= rec["amount"]
        pay = plan.setdefault(rec["number"], {"row": row_no, "date": rec["date"], "supplier": sid,
                                              "account": rec.get("account") or "", "lines": [],
                                              "remarks": rec.get("remarks") or ""})
        if (pay["date"], pay["supplier"], pay["account"]) != (rec["date"], sid, rec.get("account") or ""):
            report.problems.append(ImportProblem(row_no, labels["number"], rec["number"],
                                                 "error.settlement.import_mixed"))
            continue
        pay["lines"].append({"item": item, "amount": rec["amount"], "row": row_no,
                             "remarks": rec.get("remarks") or rec.get("invoice") or ""})
    return plan


def _create(ctx: Context, number: str, pay: dict[str, Any], report: ImportReport, labels_number: str) -> Payment | None:
    """One draft payment with the file's number (checked as create_payment checks: account, open amounts)."""
    from erp_core.settlement.services import _account, _payment_lines

    try:
        account = _account(ctx, pay["account"] or None)
        clean = _payment_lines(ctx, pay["supplier"], [
            {"amount": ln["amount"], "remarks": ln["remarks"],
             **({"item_type": ln["item"][0], "item_id": ln["item"][1]} if ln["item"] else {})}
            for ln in pay["lines"]])
    except (DomainError, ValidationErrors) as exc:
        errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
        for e in errors:
            report.problems.append(ImportProblem(pay["row"], labels_number, number, e.message_id, dict(e.params)))
        return None
    doc = Payment(company_id=ctx.actor.company_id, number=number, doc_date=pay["date"],
                  period=period_of(pay["date"]), status=PAYMENT.initial, progress="open",
                  created_by=ctx.actor.user_id, partner_id=pay["supplier"], account_code=account,
                  remarks=pay["remarks"][:500])
    doc.lines = [PaymentLine(line_no=i, ordered_qty=Decimal(1), unit_price=c["amount"], amount=c["amount"],
                             remarks=c["remarks"], item_type=c["item"][0] if c["item"] else None,
                             item_id=c["item"][1] if c["item"] else None) for i, c in enumerate(clean, start=1)]
    doc.total = sum((c["amount"] for c in clean), Decimal(0))
    ctx.session.add(doc)
    ctx.session.flush()
    k._step(ctx, PAYMENT, doc, "create", None, "import")
    return doc


def _run(ctx: Context, table: Table, *, post: bool, write: bool) -> ImportReport:
    """Check every row (write=False: nothing is written) or create, and with ``post`` post, every payment of the
    file; every problem is reported with its row (the caller raises ImportFailed: the unit of work rolls back)."""
    from erp_core.settlement.services import _account, post_payment

    report = ImportReport(kind=KIND)
    plan = _plan(ctx, table, report)
    if report.problems:
        return report
    number_label = next((h for h, f in report.columns if f == COLUMNS["number"][0]), "number")
    for number, pay in sorted(plan.items(), key=lambda kv: (kv[1]["date"], kv[0])):
        if not write:
            try:
                _account(ctx, pay["account"] or None)
            except DomainError as exc:
                report.problems.append(ImportProblem(pay["row"], number_label, number, exc.message_id,
                                                     dict(exc.params)))
            continue
        doc = _create(ctx, number, pay, report, number_label)
        if doc is None:
            continue
        report.created += 1
        if post:
            try:
                post_payment.__wrapped__(ctx, payment_id=doc.id)
            except DomainError as exc:
                report.problems.append(ImportProblem(pay["row"], number_label, number, exc.message_id,
                                                     dict(exc.params)))
    if not write:
        report.created = len(plan)
    return report


@query(PERMISSION[0], zh=PERMISSION[1], en=PERMISSION[2])
def dry_run_payments(ctx: Context, table: Table, progress: Progress | None = None, *,
                     post: bool = False) -> ImportReport:
    """Check every row of a payments file exactly as the import would (writes nothing)."""
    require_company_wide(ctx)
    return _run(ctx, table, post=post, write=False)


@use_case(PERMISSION[0], zh=PERMISSION[1], en=PERMISSION[2])
def import_payments(ctx: Context, table: Table, progress: Progress | None = None, *,
                    post: bool = False) -> ImportReport:
    """Create (and with ``post`` post) the payments of the file, all or nothing, idempotent by number. The file may
    name any supplier of the company: a department, project or own grant is refused."""
    require_company_wide(ctx)
    report = _run(ctx, table, post=post, write=True)
    if report.problems:
        raise ImportFailed(report)
    report.committed = True
    ctx.audit("payment_import", None, file=table.filename, rows=report.rows, payments=report.created, post=post)
    return report


def template_rows() -> tuple[list[str], list[list[str]]]:
    from erp_core.i18n import t

    head = [t(f, "zh_CN") + ("*" if req else "") for f, _a, req in COLUMNS.values()]
    today = dt.date.today().isoformat()
    return head, [["FK-INIT-0001", today, "S001", "1130.00", "INV-0001", "1002", "期初付款"],
                  ["FK-INIT-0001", today, "S001", "500.00", "", "1002", "预付"]]


def payments_template(db: Any = None, actor: Any = None, *, fmt: str = "xlsx", locale: str | None = None) -> Any:
    """The payments file's header row (required columns marked *) and two example rows; reads no data."""
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    head, rows = template_rows()
    if fmt == "xlsx":
        return SheetFile(to_xlsx_bytes(head, rows, sheet="payments_template"), "payments_template.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(rows))
    return SheetFile(to_csv_bytes(head, rows), "payments_template.csv", "text/csv", len(rows))


def _register() -> None:
    """Payments on the 导入 page too (and `erp import payments`, which erp_core/cli/cmd_payments.py also defines
    with the same use cases): the "导入后确认/过账" switch is ``post``."""
    from erp_core.io.registry import POST_PARAM, ImportKind, register

    register(ImportKind(name="payments", label="pur2.import.payments", permission=import_payments.permission,
                        dry_run=dry_run_payments, commit=import_payments, template=payments_template,
                        params=(POST_PARAM,), order=340))


_register()
