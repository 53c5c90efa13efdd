"""`erp import payroll-inputs FILE`: monthly payroll inputs (and historical payroll, 数据初始化) from CSV/XLSX with
the columns ``employee_code,period,item_code,amount`` (one row per employee, period and item), checked in full
(dry run) and written all or nothing. Formats: docs/formats.md ("Payroll inputs")."""

from __future__ import annotations

from sqlalchemy import select

from erp_core.hr.payroll.compute import parse_period
from erp_core.hr.payroll.models import PayrollItem
from erp_core.hr.payroll.services import _locked_periods, ensure_default_items, put_inputs
from erp_core.io.importer import ImportFailed, ImportProblem, ImportReport, keyed_rows, map_columns
from erp_core.io.reading import Table
from erp_core.kernel.money import FEN, to_decimal
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, use_case

COLUMNS = {"employee_code": ("field.hr.employee_code", ("工号", "员工编号"), True),
           "period": ("field.hr.period", ("期间", "月份"), True),
           "item_code": ("field.hr.item_code", ("项目编码", "薪资项目"), True),
           "amount": ("field.hr.amount", ("金额",), True)}


def _check(ctx: Context, table: Table) -> tuple[ImportReport, list[dict]]:
    report = ImportReport(kind="payroll-inputs")
    mapping = map_columns(COLUMNS, table, report)
    if report.problems:
        return report, []
    company = ctx.company_id if ctx.company_id is not None else ctx.actor.company_id
    ensure_default_items(ctx)
    emps = dict(ctx.session.execute(select(Employee.code, Employee.id).where(Employee.company_id == company)).all())
    kinds = dict(ctx.session.execute(select(PayrollItem.code, PayrollItem.kind).where(
        PayrollItem.company_id == company, PayrollItem.active.is_(True))).all())
    rows, seen = [], set()
    for n, row in keyed_rows(table, mapping):
        report.rows += 1
        code, period, item = (str(row.get(k) or "").strip() for k in ("employee_code", "period", "item_code"))
        ok = True
        if code not in emps:
            report.problems.append(ImportProblem(n, "employee_code", code, "error.hr.unknown_employee", {"code": code}))
            ok = False
        try:
            parse_period(period)
        except (ValueError, AttributeError):
            report.problems.append(ImportProblem(n, "period", period, "error.hr.period", {"value": period}))
            ok = False
        if item not in kinds:
            report.problems.append(ImportProblem(n, "item_code", item, "error.hr.unknown_item", {"code": item}))
            ok = False
        try:
            amount = to_decimal(row.get("amount") if not isinstance(row.get("amount"), float)
                                else str(row.get("amount")))
            if amount != amount.quantize(FEN) or (amount < 0 and kinds.get(item) != "earning"):
                raise ValueError
        except (TypeError, ValueError):
            report.problems.append(ImportProblem(n, "amount", row.get("amount"), "error.hr.amount",
                                                 {"field": "amount"}))
            ok = False
        if ok and (code, period, item) in seen:
            report.problems.append(ImportProblem(n, "employee_code", code, "error.import.duplicate_in_file"))
            ok = False
        if ok:
            seen.add((code, period, item))
            rows.append({"employee_id": emps[code], "period": period, "item_code": item, "amount": amount + 0})
    for p in sorted(_locked_periods(ctx, {r["period"] for r in rows})):
        report.problems.append(ImportProblem(None, "period", p, "error.hr.period_locked", {"period": p}))
    return report, rows


@use_case("hr.salary.edit", zh="设置员工薪资", en="Set employee pay")
def import_payroll_inputs(ctx: Context, *, table: Table, dry_run: bool = False) -> ImportReport:
    """Check every row; unless ``dry_run`` and when nothing is wrong, write them all (an existing amount for the
    same employee, period and item is replaced). Any problem: nothing is written (ImportFailed)."""
    report, rows = _check(ctx, table)
    if report.problems:
        raise ImportFailed(report)
    if not dry_run:
        report.created = put_inputs(ctx, rows)
        report.committed = True
    ctx.audit("payroll_input", None, rows=report.rows, dry_run=dry_run)
    return report


# -- on the import page and `erp import` (erp_core/io/registry.py) ----------------------------------------------

def _dry_run_inputs(db, actor, table: Table, progress=None) -> ImportReport:
    """monthly payroll inputs: employee_code,period,item_code,amount (one row per employee, period and item)."""
    try:
        return import_payroll_inputs(db, actor, table=table, dry_run=True)
    except ImportFailed as err:
        return err.report


def _commit_inputs(db, actor, table: Table, progress=None) -> ImportReport:
    return import_payroll_inputs(db, actor, table=table)


def _dry_run_sad(db, actor, table: Table, progress=None, *, period: str = "") -> ImportReport:
    """专项附加扣除 from the tax client's 正常工资薪金所得 file: its 累计 (year-to-date) columns for the month --period."""
    from erp_core.hr.payroll.sad_import_services import import_sad_ytd

    try:
        return import_sad_ytd(db, actor, table=table, period=period, dry_run=True)
    except ImportFailed as err:
        return err.report


def _commit_sad(db, actor, table: Table, progress=None, *, period: str = "") -> ImportReport:
    from erp_core.hr.payroll.sad_import_services import import_sad_ytd

    return import_sad_ytd(db, actor, table=table, period=period)


def _sad_template(db=None, actor=None, *, fmt: str = "xlsx", locale: str | None = None):
    """The 正常工资薪金所得 layout (the tax client's own headers, as our 扣缴申报 export writes them); no rows."""
    from erp_core.hr.payroll.queries import IIT_DECLARATION_COLUMNS
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    head = list(IIT_DECLARATION_COLUMNS)
    if fmt == "xlsx":
        return SheetFile(to_xlsx_bytes(head, [], sheet="正常工资薪金所得"), "sad_ytd_template.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 0)
    return SheetFile(to_csv_bytes(head, []), "sad_ytd_template.csv", "text/csv", 0)


def _register() -> None:
    from erp_core.io.doc_templates import document_template
    from erp_core.io.registry import PERIOD_PARAM, ImportKind, register

    register(ImportKind(name="payroll-inputs", label="hr.import.payroll_inputs", permission="hr.salary.edit",
                        dry_run=_dry_run_inputs, commit=_commit_inputs, order=500,
                        template=document_template("payroll-inputs", COLUMNS, {
                            "employee_code": "E001", "period": "2026-01", "item_code": "base_salary",
                            "amount": "8000.00"})))
    register(ImportKind(name="sad-ytd", label="hr.import.sad_ytd", permission="hr.salary.edit",
                        dry_run=_dry_run_sad, commit=_commit_sad, template=_sad_template,
                        params=(PERIOD_PARAM,), order=510))


_register()
