"""`erp import sad-ytd FILE --period YYYY-MM`: the month's 专项附加扣除 from the file the 自然人电子税务局(扣缴端)
fills after "下载更新专项附加扣除" — the 综合所得申报 → 正常工资薪金所得 layout our own declaration export writes
(queries.IIT_DECLARATION_COLUMNS). Its 累计 columns are YEAR-TO-DATE figures; the month's amount of each item is
the file's figure minus what this employee's locked payslips of the earlier months of the year already deducted
for that item (the year-to-date the payroll itself uses). Written as the month's ``sad_*`` payroll inputs (each
item of a column in the file replaced, zero included, so a fixed salary-structure amount does not apply on top).
All or nothing: every problem is listed with its row and column. Formats: docs/formats.md."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.hr.employees.models import EmployeeProfile
from erp_core.hr.payroll.compute import LOCKED, parse_period
from erp_core.hr.payroll.models import PayrollItem, PayrollRun, Payslip
from erp_core.hr.payroll.queries import _YTD_SAD
from erp_core.hr.payroll.services import _locked_periods, ensure_default_items, put_inputs
from erp_core.io import parsers
from erp_core.io.importer import ImportFailed, ImportProblem, ImportReport
from erp_core.io.reading import Table
from erp_core.kernel.money import FEN, to_decimal
from erp_core.masterdata.models_employees import Employee
from erp_core.masterdata.records import header_key
from erp_core.usecase import Context, use_case

ZERO = Decimal(0)
ID_COLUMN, CODE_COLUMN = "证件号码", "工号"
# the five 累计 columns every version of the template has; 累计3岁以下婴幼儿照护 (added 2022) only when present
REQUIRED_SAD = ("累计子女教育", "累计继续教育", "累计住房贷款利息", "累计住房租金", "累计赡养老人")
HEADER_SCAN = 20  # the header row is looked for among the file's first rows (a title row may come first)


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _key(name: str) -> str:
    """Headers compare as records.header_key does, a LEADING '*' (the template's required marker) ignored too."""
    return header_key(unicodedata.normalize("NFKC", str(name)).strip().lstrip("*"))


def _find_header(table: Table) -> tuple[int, dict[str, int], list[str]] | None:
    """(index of the header row among all rows, wanted column -> index, the row's headers as written)."""
    rows = [table.headers, *table.rows]
    wanted = {_key(c): c for c in (ID_COLUMN, CODE_COLUMN, *_YTD_SAD)}
    for n, row in enumerate(rows[:HEADER_SCAN]):
        cells = ["" if v is None else str(v).strip() for v in row]
        found: dict[str, int] = {}
        for i, cell in enumerate(cells):
            name = wanted.get(_key(cell)) if cell else None
            if name is not None and name not in found:
                found[name] = i
        if ID_COLUMN in found:
            return n, found, cells
    return None


def _ytd_before(ctx: Context, period: str) -> dict[int, dict[str, Decimal]]:
    """Per employee, each sad_* item's amount in the locked live payslips of the year before ``period`` — the
    year-to-date the payroll computes from (compute._ytd)."""
    codes = set(_YTD_SAD.values())
    out: dict[int, dict[str, Decimal]] = {}
    for emp, items_json in ctx.session.execute(
            select(Payslip.employee_id, Payslip.items_json).join(PayrollRun, PayrollRun.id == Payslip.run_id)
            .where(Payslip.company_id == _company(ctx), Payslip.period >= f"{period[:4]}-01",
                   Payslip.period < period, PayrollRun.status.in_(LOCKED), PayrollRun.reverses_id.is_(None),
                   PayrollRun.reversed_by_id.is_(None))).all():
        acc = out.setdefault(emp, {})
        for k, v in json.loads(items_json or "{}").items():
            if k in codes:
                acc[k] = acc.get(k, ZERO) + Decimal(v)
    return out


def _figure(value: Any) -> Decimal:
    """A 累计 cell: blank is 0; yuan with at most 2 decimals, not negative (ValueError otherwise)."""
    if parsers.is_blank(value):
        return ZERO
    try:
        amount = to_decimal(value if not isinstance(value, float) else repr(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(str(value)) from exc
    if amount < 0 or amount != amount.quantize(FEN):
        raise ValueError(str(value))
    return amount + 0


def _check(ctx: Context, table: Table, period: str) -> tuple[ImportReport, list[dict[str, Any]]]:
    report = ImportReport(kind="sad-ytd")
    try:
        parse_period(str(period))
    except (ValueError, AttributeError):
        report.problems.append(ImportProblem(None, "--period", period, "error.hr.period", {"value": period}))
        return report, []
    found = _find_header(table)
    missing = [c for c in (ID_COLUMN, *REQUIRED_SAD) if found is None or c not in found[1]]
    for c in missing:
        report.problems.append(ImportProblem(None, c, None, "error.import.missing_column"))
    if found is None or missing:
        return report, []
    head, cols, names = found
    company = _company(ctx)
    ensure_default_items(ctx)
    active = set(ctx.session.execute(select(PayrollItem.code).where(
        PayrollItem.company_id == company, PayrollItem.active.is_(True))).scalars())
    sad_cols = {c: code for c, code in _YTD_SAD.items() if c in cols}
    for c, code in sad_cols.items():
        if code not in active:
            report.problems.append(ImportProblem(None, names[cols[c]], code, "error.hr.unknown_item", {"code": code}))
    by_id: dict[str, list[int]] = {}
    for emp, idn in ctx.session.execute(select(EmployeeProfile.employee_id, EmployeeProfile.id_number).where(
            EmployeeProfile.company_id == company, EmployeeProfile.id_number.is_not(None))).all():
        by_id.setdefault(idn.strip().upper(), []).append(emp)
    has_id = {e for ids in by_id.values() for e in ids}
    by_code = dict(ctx.session.execute(select(Employee.code, Employee.id).where(Employee.company_id == company)).all())
    before = _ytd_before(ctx, period)
    rows: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    all_rows = [table.headers, *table.rows]
    for n in range(head + 1, len(all_rows)):
        cells = all_rows[n]
        if all(parsers.is_blank(v) for v in cells):
            continue
        sheet_row = n + 1
        vals = {name: (cells[i] if i < len(cells) else None) for name, i in cols.items()}
        report.rows += 1
        idn = "" if parsers.is_blank(vals[ID_COLUMN]) else str(vals[ID_COLUMN]).strip().upper()
        code = ("" if CODE_COLUMN not in cols or parsers.is_blank(vals[CODE_COLUMN])
                else str(vals[CODE_COLUMN]).strip())
        candidates = by_id.get(idn, [])
        emp = candidates[0] if len(candidates) == 1 else None
        if emp is None and code in by_code and (not idn or by_code[code] in candidates
                                                or by_code[code] not in has_id):
            emp = by_code[code]  # a blank or shared ID number, or none on the employee's file: the 工号 decides
        if emp is None:
            report.problems.append(ImportProblem(sheet_row, names[cols[ID_COLUMN]], idn,
                                                 "error.sad.unknown_employee", {"value": idn or "-"}))
        elif emp in seen:
            report.problems.append(ImportProblem(sheet_row, names[cols[ID_COLUMN]], idn, "error.sad.duplicate",
                                                 {"row": seen[emp]}))
            emp = None
        else:
            seen[emp] = sheet_row
        amounts: dict[str, Decimal] = {}
        for column, item in sad_cols.items():
            header = names[cols[column]]
            try:
                ytd = _figure(vals[column])
            except ValueError:
                report.problems.append(ImportProblem(sheet_row, header, vals[column], "error.sad.number"))
                continue
            earlier = before.get(emp, {}).get(item, ZERO) if emp is not None else ZERO
            if ytd < earlier:
                report.problems.append(ImportProblem(sheet_row, header, vals[column], "error.sad.went_down",
                                                     {"ytd": f"{ytd:.2f}", "earlier": f"{earlier:.2f}"}))
                continue
            amounts[item] = ytd - earlier
        if emp is not None and len(amounts) == len(sad_cols):
            rows.extend({"employee_id": emp, "period": period, "item_code": item, "amount": amount}
                        for item, amount in amounts.items())
    if not report.rows:
        report.problems.append(ImportProblem(None, table.filename or "-", None, "error.import.empty"))
    for p in sorted(_locked_periods(ctx, {period})):
        report.problems.append(ImportProblem(None, "--period", p, "error.hr.period_locked", {"period": p}))
    return report, rows


@use_case("hr.salary.edit", zh="设置员工薪资", en="Set employee pay")
def import_sad_ytd(ctx: Context, *, table: Table, period: str, dry_run: bool = False) -> ImportReport:
    """Check the whole file; unless ``dry_run`` and when nothing is wrong, write the month's ``sad_*`` inputs of
    every employee in it (one per 累计 column of the file, replacing that month's input of the item). Any problem:
    nothing is written (ImportFailed lists them all)."""
    report, rows = _check(ctx, table, period)
    if report.problems:
        raise ImportFailed(report)
    if not dry_run:
        report.created = put_inputs(ctx, rows)
        report.committed = True
    ctx.audit("payroll_input", None, source="sad-ytd", period=period, rows=report.rows, inputs=len(rows),
              dry_run=dry_run)
    return report
