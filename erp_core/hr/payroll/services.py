"""Use cases of payroll: items and 五险一金 rates (data), salary structures and monthly inputs, and the payroll run
document: create (computes) -> recompute (draft only) -> submit (approvals) -> approve (locks) -> post (ONE
voucher) -> reverse (红字). Every figure comes from compute.compute_period."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from erp_core.documents import services as kernel
from erp_core.hr.employees.models import SalaryStructure
from erp_core.hr.employees.rules import month_bounds
from erp_core.hr.employees.services import load_employee
from erp_core.hr.payroll.compute import compute_period, parse_period
from erp_core.hr.payroll.documents import PAYROLL_RUN
from erp_core.hr.payroll.insurance import RISKS, ROUNDING
from erp_core.hr.payroll.models import (
    ITEM_KINDS,
    InsuranceRate,
    PayrollInput,
    PayrollItem,
    PayrollRun,
    PayrollRunLine,
    Payslip,
)
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN, to_decimal
from erp_core.usecase import Context, use_case

SEED_DIR = Path(__file__).resolve().parents[3] / "db" / "seed" / "payroll"

# code, 中文, English, kind
DEFAULT_ITEMS: tuple[tuple[str, str, str, str], ...] = (
    ("base_salary", "基本工资", "Base salary", "earning"),
    ("position_allowance", "岗位津贴", "Position allowance", "earning"),
    ("performance_pay", "绩效工资", "Performance pay", "earning"),
    ("overtime_pay", "加班工资", "Overtime pay", "earning"),
    ("absence_deduction", "缺勤扣款", "Absence deduction (negative)", "earning"),
    ("meal_allowance_tax_free", "免税补贴", "Tax-free allowance", "tax_free"),
    ("annual_bonus", "全年一次性奖金", "Annual bonus", "bonus"),
    ("sad_child_education", "子女教育", "Child education", "special"),
    ("sad_infant_care", "3岁以下婴幼儿照护", "Infant care", "special"),
    ("sad_elderly_support", "赡养老人", "Elderly support", "special"),
    ("sad_housing_loan", "住房贷款利息", "Housing loan interest", "special"),
    ("sad_housing_rent", "住房租金", "Housing rent", "special"),
    ("sad_continuing_education", "继续教育", "Continuing education", "special"),
    ("other_deduction", "其他扣除(个人养老金等)", "Other deductions (private pension etc.)", "other_deduction"),
    ("after_tax_deduction", "税后扣款", "After-tax deduction", "after_tax"),
    ("tax_relief", "减免税额", "Tax relief (reduction)", "tax_relief"),
)
F_PERIOD = "field.hr.period"
F_ITEM = "field.hr.item_code"
F_AMOUNT = "field.hr.amount"


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _amount(value: Any, field: str, problems: list[ValidationError], *, negative: bool = False) -> Decimal | None:
    try:
        d = to_decimal(value)
    except (TypeError, ValueError):
        d = None
    if d is None or d != d.quantize(FEN) or abs(d) >= Decimal(10) ** 11 or (d < 0 and not negative):
        problems.append(ValidationError("error.hr.amount", field=field))
        return None
    return d + 0


def _period(period: Any) -> str:
    try:
        parse_period(str(period))
    except (ValueError, AttributeError):
        raise ValidationError("error.hr.period", field=F_PERIOD, value=str(period)) from None
    return str(period)


def ensure_default_items(ctx: Context) -> int:
    """Add the default payroll items the company does not have yet; returns how many were added."""
    have = set(ctx.session.execute(select(PayrollItem.code).where(PayrollItem.company_id == _company(ctx))).scalars())
    added = [PayrollItem(company_id=_company(ctx), code=c, name_zh=zh, name_en=en, kind=k, active=True)
             for c, zh, en, k in DEFAULT_ITEMS if c not in have]
    ctx.session.add_all(added)
    ctx.session.flush()
    return len(added)


def default_rate_rows(cities: list[str] | None = None) -> list[dict[str, Any]]:
    """The seeded 五险一金 rows (db/seed/payroll/insurance.toml) of ``cities`` (all when None)."""
    data = tomllib.loads((SEED_DIR / "insurance.toml").read_text(encoding="utf-8"))
    out = []
    for block in data["rate"]:
        if cities is not None and block["city"] not in cities:
            continue
        for risk, bmin, bmax, er, ee, erf, eef, rounding in block["rows"]:
            out.append({"city": block["city"], "effective_from": block["effective_from"], "risk": risk,
                        "base_min": Decimal(bmin), "base_max": Decimal(bmax), "employer_rate": Decimal(er),
                        "employee_rate": Decimal(ee), "employer_fixed": Decimal(erf),
                        "employee_fixed": Decimal(eef), "rounding": rounding})
    return out


@use_case("hr.setup.manage", zh="薪资基础设置", en="Manage payroll setup")
def load_payroll_defaults(ctx: Context, *, cities: list[str] | None = None) -> dict[str, int]:
    """Add the default payroll items and the seeded 五险一金 rows (Changsha, Beijing) the company lacks."""
    items = ensure_default_items(ctx)
    have = {(r.city, r.effective_from, r.risk) for r in ctx.session.execute(
        select(InsuranceRate).where(InsuranceRate.company_id == _company(ctx))).scalars()}
    rows = [r for r in default_rate_rows(cities) if (r["city"], r["effective_from"], r["risk"]) not in have]
    ctx.session.add_all(InsuranceRate(company_id=_company(ctx), **r) for r in rows)
    ctx.session.flush()
    ctx.audit("payroll_setup", None, items=items, rates=len(rows))
    return {"items": items, "rates": len(rows)}


@use_case("hr.setup.manage", zh="薪资基础设置", en="Manage payroll setup")
def save_payroll_item(ctx: Context, *, code: str, name_zh: str, name_en: str, kind: str, active: bool = True,
                      formula: str | None = None) -> int:
    """Add or change a payroll item. ``formula`` (e.g. "base_salary * 0.2"): the item is computed each month from
    other items (erp_core/hr/payroll/formula.py); "" makes it a fixed/input item again; None keeps what it has."""
    problems = []
    code = (code or "").strip()
    if not code or len(code) > 40 or not code.replace("_", "").isalnum():
        problems.append(ValidationError("error.hr.item_code", field=F_ITEM))
    if kind not in ITEM_KINDS:
        problems.append(ValidationError("error.hr.choice", field="field.hr.item_kind", value=str(kind)))
    if not (name_zh or "").strip():
        problems.append(ValidationError("error.required", field="field.hr.item_name"))
    raise_if(problems)
    item = ctx.session.execute(select(PayrollItem).where(PayrollItem.company_id == _company(ctx),
                                                         PayrollItem.code == code)).scalar_one_or_none()
    text = item.formula if (formula is None and item is not None) else ((formula or "").strip() or None)
    if text is not None:
        _check_formula(ctx, code, text)
    if item is None:
        item = PayrollItem(company_id=_company(ctx), code=code, name_zh="", name_en="", kind=kind)
        ctx.session.add(item)
    ctx.diff(item, name_zh=name_zh.strip()[:100], name_en=(name_en or name_zh).strip()[:100], kind=kind,
             active=bool(active), formula=text)
    ctx.session.flush()
    ctx.audit("payroll_item", item.id, code=code)
    return item.id


@use_case("hr.setup.manage", zh="薪资基础设置", en="Manage payroll setup")
def save_insurance_rate(ctx: Context, *, city: str, effective_from: dt.date, risk: str, base_min: Any,
                        base_max: Any, employer_rate: Any, employee_rate: Any, employer_fixed: Any = 0,
                        employee_fixed: Any = 0, rounding: str = "fen") -> int:
    """Add or change one 五险一金 row (city, effective date, risk)."""
    problems: list[ValidationError] = []
    city = (city or "").strip()
    if not city or len(city) > 40:
        problems.append(ValidationError("error.required", field="field.hr.city"))
    if risk not in RISKS:
        problems.append(ValidationError("error.hr.choice", field="field.hr.risk", value=str(risk)))
    if rounding not in ROUNDING:
        problems.append(ValidationError("error.hr.choice", field="field.hr.rounding", value=str(rounding)))
    if not isinstance(effective_from, dt.date):
        problems.append(ValidationError("error.required", field="field.hr.effective_from"))
    vals = {k: _amount(v, f"field.hr.{k}", problems) for k, v in (
        ("base_min", base_min), ("base_max", base_max), ("employer_fixed", employer_fixed),
        ("employee_fixed", employee_fixed))}
    for k, v in (("employer_rate", employer_rate), ("employee_rate", employee_rate)):
        try:
            d = to_decimal(v)
            if not (0 <= d < 1) or d != d.quantize(Decimal("0.000001")):
                raise ValueError
            vals[k] = d
        except (TypeError, ValueError):
            problems.append(ValidationError("error.hr.rate", field=f"field.hr.{k}"))
    if not problems and vals["base_max"] < vals["base_min"]:
        problems.append(ValidationError("error.hr.base_range", field="field.hr.base_max"))
    raise_if(problems)
    row = ctx.session.execute(select(InsuranceRate).where(
        InsuranceRate.company_id == _company(ctx), InsuranceRate.city == city,
        InsuranceRate.effective_from == effective_from, InsuranceRate.risk == risk)).scalar_one_or_none()
    if row is None:
        row = InsuranceRate(company_id=_company(ctx), city=city, effective_from=effective_from, risk=risk, **vals,
                            rounding=rounding)
        ctx.session.add(row)
    else:
        ctx.diff(row, rounding=rounding, **vals)
    ctx.session.flush()
    ctx.audit("hr_insurance_rate", row.id, city=city, risk=risk)
    return row.id


def _check_formula(ctx: Context, code: str, text: str) -> None:
    """A formula may use numbers, + - * / ( ), min, max and the codes of the company's other items, and no
    chain of formulas may lead back to the item itself."""
    from erp_core.hr.payroll import formula as fm

    field = "field.hr4.formula"
    try:
        used = fm.names(text)
    except fm.FormulaError as e:
        raise ValidationError("error.hr4.formula_syntax", field=field, detail=e.detail) from None
    rows = ctx.session.execute(select(PayrollItem.code, PayrollItem.formula).where(
        PayrollItem.company_id == _company(ctx))).all()
    known = {c for c, _ in rows}
    unknown = sorted(used - known - {code})
    if unknown:
        raise ValidationError("error.hr4.formula_unknown_item", field=field, item=", ".join(unknown))
    formulas = {c: f for c, f in rows if f and c != code}
    formulas[code] = text
    try:
        fm.order(formulas)
    except fm.FormulaError as e:
        raise ValidationError("error.hr4.formula_cycle", field=field, item=e.detail or code) from None


def _item_kinds(ctx: Context) -> dict[str, str]:
    return {i.code: i.kind for i in ctx.session.execute(select(PayrollItem).where(
        PayrollItem.company_id == _company(ctx), PayrollItem.active.is_(True))).scalars()}


@use_case("hr.salary.edit", zh="设置员工薪资", en="Set employee pay")
def set_salary(ctx: Context, *, employee_id: int, item_code: str, effective_from: dt.date, amount: Any) -> int:
    """A dated amount of a fixed monthly item of the employee's salary structure (history kept: 调薪 = a new row
    from a later date)."""
    load_employee(ctx, employee_id)
    kinds = _item_kinds(ctx)
    problems: list[ValidationError] = []
    if item_code not in kinds:
        problems.append(ValidationError("error.hr.unknown_item", field=F_ITEM, code=str(item_code)))
    if not isinstance(effective_from, dt.date):
        problems.append(ValidationError("error.required", field="field.hr.effective_from"))
    value = _amount(amount, F_AMOUNT, problems, negative=kinds.get(item_code) == "earning")
    raise_if(problems)
    row = ctx.session.execute(select(SalaryStructure).where(
        SalaryStructure.company_id == _company(ctx), SalaryStructure.employee_id == employee_id,
        SalaryStructure.item_code == item_code, SalaryStructure.effective_from == effective_from)).scalar_one_or_none()
    if row is None:
        row = SalaryStructure(company_id=_company(ctx), employee_id=employee_id, item_code=item_code,
                              effective_from=effective_from, amount=value, created_by=ctx.actor.user_id,
                              created_at=naive_utcnow())
        ctx.session.add(row)
    else:
        ctx.diff(row, amount=value)
    ctx.session.flush()
    ctx.audit("hr_salary_structure", row.id, employee_id=employee_id, item_code=item_code)
    return row.id


def put_inputs(ctx: Context, rows: list[dict[str, Any]]) -> int:
    """Write monthly inputs (employee_id, period, item_code, amount; amount None deletes); all or nothing."""
    kinds = _item_kinds(ctx)
    problems: list[ValidationError] = []
    clean = []
    for n, r in enumerate(rows, start=1):
        try:
            parse_period(str(r.get("period")))
        except (ValueError, AttributeError):
            problems.append(ValidationError("error.hr.period", field=F_PERIOD, line=n, value=str(r.get("period"))))
            continue
        if r.get("item_code") not in kinds:
            problems.append(ValidationError("error.hr.unknown_item", field=F_ITEM, line=n, code=str(r.get("item_code"))))
            continue
        amount = None if r.get("amount") is None else _amount(
            r["amount"], F_AMOUNT, problems, negative=kinds[r["item_code"]] == "earning")
        clean.append((r["employee_id"], r["period"], r["item_code"], amount))
    raise_if(problems)
    locked = _locked_periods(ctx, {c[1] for c in clean})
    if locked:
        raise Conflict("error.hr.period_locked", period=", ".join(sorted(locked)))
    company = _company(ctx)
    for emp, period, code, amount in clean:
        ctx.session.execute(delete(PayrollInput).where(
            PayrollInput.company_id == company, PayrollInput.employee_id == emp, PayrollInput.period == period,
            PayrollInput.item_code == code))
        if amount is not None:
            ctx.session.add(PayrollInput(company_id=company, employee_id=emp, period=period, item_code=code,
                                         amount=amount, created_by=ctx.actor.user_id, created_at=naive_utcnow()))
    ctx.session.flush()
    return len(clean)


def _locked_periods(ctx: Context, periods: set[str]) -> set[str]:
    if not periods:
        return set()
    return set(ctx.session.execute(select(PayrollRun.period).where(
        PayrollRun.company_id == _company(ctx), PayrollRun.period.in_(periods),
        PayrollRun.status.in_(("approved", "posted")), PayrollRun.reverses_id.is_(None),
        PayrollRun.reversed_by_id.is_(None))).scalars())


@use_case("hr.salary.edit", zh="设置员工薪资", en="Set employee pay")
def set_payroll_input(ctx: Context, *, employee_id: int, period: str, item_code: str, amount: Any) -> None:
    """One month's amount of an item for an employee (bonus, overtime, 专项附加扣除 ...); None removes it. Refused
    once the period's run is locked (corrections then go through a reversal and a new run)."""
    load_employee(ctx, employee_id)
    put_inputs(ctx, [{"employee_id": employee_id, "period": period, "item_code": item_code, "amount": amount}])
    ctx.audit("payroll_input", None, employee_id=employee_id, period=period, item_code=item_code)


# ---- the payroll run document -------------------------------------------------------------------------------

def _write_slips(ctx: Context, run: PayrollRun, rows: list[dict[str, Any]]) -> None:
    """Replace the run's payslips with ``rows`` (Core inserts: a run holds a payslip per employee). Only a
    supplementary run (补扣) may have an employee whose gross pay is negative."""
    negative = [r for r in rows if r["gross_pay"] < 0] if run.supplement_of_id is None else []
    if negative:
        raise ValidationError("error.hr.negative_gross", field=F_AMOUNT, count=len(negative))
    ctx.session.execute(delete(Payslip).where(Payslip.run_id == run.id))
    ctx.session.execute(insert(Payslip), [{"run_id": run.id, **r} for r in rows])


def _lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"ordered_qty": Decimal(1), "unit_price": r["gross_pay"], "remarks": str(r["employee_id"])} for r in rows]


def _set_line_employees(ctx: Context, run: PayrollRun, rows: list[dict[str, Any]]) -> None:
    """Name each line's employee: one executemany by primary key (not an UPDATE per line)."""
    ctx.session.flush()
    ctx.session.execute(update(PayrollRunLine), [{"id": line.id, "employee_id": r["employee_id"]}
                                                 for line, r in zip(run.lines, rows, strict=True)])


@use_case("hr.payroll.create", zh="新建工资表", en="Create payroll run")
def create_payroll_run(ctx: Context, *, period: str, department_id: int | None = None, remarks: str = "") -> int:
    """Compute the payroll of ``period`` (the company, or one department) as a draft run dated the period's last
    day; one live run per period and department."""
    period = _period(period)
    ensure_default_items(ctx)
    live = [(num, dep) for num, dep in ctx.session.execute(select(PayrollRun.number, PayrollRun.department_id).where(
        PayrollRun.company_id == _company(ctx), PayrollRun.period == period, PayrollRun.reverses_id.is_(None),
        PayrollRun.reversed_by_id.is_(None), PayrollRun.supplement_of_id.is_(None)))
            if department_id is None or dep is None or dep == department_id]
    live = live[0][0] if live else None
    if live is not None:
        raise Conflict("error.hr.run_exists", period=period, number=live)
    year, month = parse_period(period)
    rows = compute_period(ctx.session, _company(ctx), period, department_id=department_id)
    if not rows:
        raise ValidationError("error.hr.nobody_to_pay", field=F_PERIOD, period=period)
    run = kernel.create_document(ctx, PAYROLL_RUN, doc_date=month_bounds(year, month)[1], lines=_lines(rows),
                                 department_id=department_id, remarks=remarks or f"{period} 工资")
    _set_line_employees(ctx, run, rows)
    _write_slips(ctx, run, rows)
    ctx.session.flush()
    ctx.audit("payroll_run", run.id, number=run.number, period=period, employees=len(rows), gross=str(run.total))
    return run.id


def _load(ctx: Context, run_id: int, version: int | None = None, *, lock: bool = False) -> PayrollRun:
    return kernel.load_document(ctx, PAYROLL_RUN, run_id, version=version, lock=lock)


@use_case("hr.payroll.create", zh="新建工资表", en="Create payroll run")
def recompute_payroll_run(ctx: Context, *, run_id: int, version: int) -> int:
    """Compute a draft run again from the current data (any approval request is withdrawn). Refused once
    approved (locked)."""
    run = _load(ctx, run_id, version, lock=True)
    kernel.ensure_editable(PAYROLL_RUN, run)
    supplement = _supplement_items(ctx, run.id) if run.supplement_of_id is not None else None
    rows = compute_period(ctx.session, run.company_id, run.period, department_id=run.department_id,
                          supplement=supplement)
    if not rows:
        raise ValidationError("error.hr.nobody_to_pay", field=F_PERIOD, period=run.period)
    kernel.update_document(ctx, PAYROLL_RUN, run, version=version, lines=_lines(rows))
    _set_line_employees(ctx, run, rows)
    _write_slips(ctx, run, rows)
    ctx.session.flush()
    ctx.audit("payroll_run", run.id, number=run.number, employees=len(rows), gross=str(run.total))
    return run.version


@use_case("hr.payroll.submit", zh="提交工资表审批", en="Submit payroll run")
def submit_payroll_run(ctx: Context, *, run_id: int) -> list[int]:
    run = _load(ctx, run_id)
    kernel.ensure_editable(PAYROLL_RUN, run)
    ids = kernel.submit_document(ctx, PAYROLL_RUN, run)
    ctx.audit("payroll_run", run.id, number=run.number, requests=ids)
    return ids


@use_case("hr.payroll.approve", zh="审核锁定工资表", en="Approve and lock payroll run")
def approve_payroll_run(ctx: Context, *, run_id: int, version: int | None = None) -> str:
    """Lock the run (draft -> approved): its figures count in later months' cumulative tax and can no longer
    change. The approvals engine must have cleared it when a rule asks for approval."""
    run = _load(ctx, run_id, version, lock=True)
    taking = dict(ctx.session.execute(select(Payslip.employee_id, Payslip.recovery).where(
        Payslip.run_id == run.id, Payslip.recovery > 0)).all())
    if taking:  # what it takes back (扣回) must still be owed: another run may have taken it since it was computed
        from erp_core.hr.payroll.compute import owed_back

        still = owed_back(ctx.session, run.company_id, set(taking))
        if any(still.get(e, Decimal(0)) < a for e, a in taking.items()):
            raise Conflict("error.hr3.recovery_stale", number=run.number)
    return kernel.transition(ctx, PAYROLL_RUN, run, "approve")


@use_case("hr.payroll.post", zh="工资表过账", en="Post payroll run")
def post_payroll_run(ctx: Context, *, run_id: int) -> int:
    """The approved run's voucher (accrual and withholdings), posted through the ledger; returns its id."""
    run = _load(ctx, run_id, lock=True)
    kernel.post_document(ctx, PAYROLL_RUN, run)
    return run.voucher_id


@use_case("hr.payroll.reverse", zh="红字冲销工资表", en="Reverse payroll run")
def reverse_payroll_run(ctx: Context, *, run_id: int, doc_date: dt.date | None = None, comment: str = "") -> int:
    """红字: a negated copy of the posted run and its voucher; the run stops counting in the year-to-date, and
    the period may be run again."""
    run = _load(ctx, run_id, lock=True)
    if run.reverses_id is not None or run.status != "posted":
        raise Conflict("error.hr.reverse_posted_only", number=run.number)
    if run.supplement_of_id is None:  # its supplements' tax counted this run as withheld: they go first
        later = ctx.session.execute(select(PayrollRun.number).where(
            PayrollRun.supplement_of_id == run.id, PayrollRun.reverses_id.is_(None),
            PayrollRun.reversed_by_id.is_(None))).scalars().first()
        if later is not None:
            raise Conflict("error.hr2.supplement_live", number=run.number, supplement=later)
    owed_here = dict(ctx.session.execute(select(Payslip.employee_id, -Payslip.net_pay).where(
        Payslip.run_id == run.id, Payslip.net_pay < 0)).all())
    if owed_here:  # a 补扣: what it left owed must still be owed (not yet taken back or repaid)
        from erp_core.hr.payroll.compute import owed_back

        still = owed_back(ctx.session, run.company_id, set(owed_here))
        if any(still.get(e, Decimal(0)) < a for e, a in owed_here.items()):
            raise Conflict("error.hr3.recovered_first", number=run.number)
    red = kernel.reverse_document(ctx, PAYROLL_RUN, run, doc_date=doc_date, comment=comment)
    return red.id


def run_or_404(ctx: Context, run_id: int) -> PayrollRun:
    run = ctx.session.get(PayrollRun, run_id)
    if run is None or run.company_id != _company(ctx):
        raise NotFound(entity="payroll_run", id=run_id)
    return run


@use_case("hr.payroll.pay", zh="发放工资", en="Pay payroll")
def pay_payroll_run(ctx: Context, *, run_id: int, pay_date: dt.date, bank_account_code: str | None = None) -> int:
    """发放: the posted run's net pay from the bank — one voucher Dr 应付职工薪酬—职工工资 / Cr 银行存款 (科目设置's
    bank account, or ``bank_account_code``: a company with bank sub-accounts names the one it pays from), keyed by
    the run, at most once; returns the voucher id."""
    from erp_core.documents.accounts import account_for
    from erp_core.hr.payroll.models import PayrollPayment
    from erp_core.ledger.posting import create_and_post_system_voucher

    run = _load(ctx, run_id, lock=True)
    if run.status != "posted" or run.reverses_id is not None or run.reversed_by_id is not None:
        raise Conflict("error.hr.pay_posted_only", number=run.number)
    if not isinstance(pay_date, dt.date) or pay_date < run.doc_date:
        raise ValidationError("error.hr.pay_date", field="field.hr.pay_date")
    paid = ctx.session.execute(select(PayrollPayment.id).where(PayrollPayment.run_id == run.id)).first()
    if paid:
        raise Conflict("error.hr.already_paid", number=run.number)
    # a 补扣's negative net pay is owed by the employee (其他应收款), not paid: the bank pays the positive ones
    net = sum((n for n in ctx.session.execute(select(Payslip.net_pay).where(Payslip.run_id == run.id)).scalars()
               if n > 0), Decimal(0))
    if net <= 0:
        raise Conflict("error.hr3.nothing_to_pay", number=run.number)
    summary = f"发放工资 {run.period} {run.number}"
    voucher_id = create_and_post_system_voucher(
        ctx, voucher_date=pay_date, posting_key=f"payroll_pay:{run.id}", voucher_type=None,
        lines=[{"account_code": account_for(ctx, "payroll_wages"), "debit": net, "credit": Decimal(0),
                "summary": summary},
               {"account_code": bank_account_code or account_for(ctx, "bank"), "debit": Decimal(0), "credit": net,
                "summary": summary}])
    ctx.session.add(PayrollPayment(company_id=run.company_id, run_id=run.id, voucher_id=voucher_id, pay_date=pay_date,
                                   amount=net, created_by=ctx.actor.user_id, created_at=naive_utcnow()))
    ctx.session.flush()
    ctx.audit("payroll_payment", run.id, number=run.number, voucher_id=voucher_id, amount=str(net))
    return voucher_id


# ---- supplementary runs (补发/补扣) ---------------------------------------------------------------------------

def _supplement_items(ctx: Context, run_id: int) -> dict[int, dict[str, Decimal]]:
    """The items a supplementary run pays (kept on its payslips; the ee:/er: keys are computed contributions)."""
    import json

    out: dict[int, dict[str, Decimal]] = {}
    for emp, items_json in ctx.session.execute(select(Payslip.employee_id, Payslip.items_json)
                                               .where(Payslip.run_id == run_id)).all():
        out[emp] = {k: Decimal(v) for k, v in json.loads(items_json or "{}").items() if ":" not in k}
    return out


@use_case("hr.payroll.create", zh="新建工资表", en="Create payroll run")
def create_supplementary_run(ctx: Context, *, period: str, lines: list[dict[str, Any]], remarks: str = "") -> int:
    """补发/补扣: a second run of ``period`` once its regular run is locked, paying only ``lines`` (employee_id,
    item_code, amount; an earning may be negative). Its tax is the month's cumulative tax over all the period's
    locked runs less what they withheld, never negative; no 五险一金 (the regular run's). An employee whose total
    is negative (补扣 of pay already paid) owes it back: posted to 其他应收款, taken back by the next payroll
    (compute.owed_back) or repaid (record_payroll_repayment)."""
    period = _period(period)
    company = _company(ctx)
    runs = ctx.session.execute(select(PayrollRun).where(
        PayrollRun.company_id == company, PayrollRun.period == period, PayrollRun.reverses_id.is_(None),
        PayrollRun.reversed_by_id.is_(None))).scalars().all()
    regular = [r for r in runs if r.supplement_of_id is None and r.status in ("approved", "posted")]
    if not regular:
        raise Conflict("error.hr2.supplement_needs_locked", period=period)
    draft = [r.number for r in runs if r.status == "draft"]
    if draft:
        raise Conflict("error.hr.run_exists", period=period, number=draft[0])
    kinds = _item_kinds(ctx)
    problems: list[ValidationError] = []
    items: dict[int, dict[str, Decimal]] = {}
    for n, ln in enumerate(lines or [], start=1):
        code = ln.get("item_code")
        if code not in kinds:
            problems.append(ValidationError("error.hr.unknown_item", field=F_ITEM, line=n, code=str(code)))
            continue
        amount = _amount(ln.get("amount"), F_AMOUNT, problems, negative=kinds[code] == "earning")
        if amount is None:
            continue
        emp = load_employee(ctx, int(ln["employee_id"])).id
        items.setdefault(emp, {})
        items[emp][code] = items[emp].get(code, Decimal(0)) + amount
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_ITEM))
    raise_if(problems)
    rows = compute_period(ctx.session, company, period, supplement=items)
    if len(rows) != len(items):
        raise ValidationError("error.hr2.supplement_not_employed", field=F_PERIOD, period=period)
    year, month = parse_period(period)
    run = kernel.create_document(ctx, PAYROLL_RUN, doc_date=month_bounds(year, month)[1], lines=_lines(rows),
                                 remarks=remarks or f"{period} 补发/补扣")
    run.supplement_of_id = regular[0].id
    _set_line_employees(ctx, run, rows)
    _write_slips(ctx, run, rows)
    ctx.session.flush()
    ctx.audit("payroll_run", run.id, number=run.number, period=period, supplement_of=regular[0].number,
              employees=len(rows), gross=str(run.total))
    return run.id


# ---- paying contributions and the withheld tax (缴纳社保、公积金、个税) -------------------------------------------

REMIT_ROLES = {"social": ("payroll_social", "employer_si", "employee_si", "缴纳社会保险费"),
               "housing": ("payroll_housing", "employer_hf", "employee_hf", "缴纳住房公积金"),
               "iit": (None, None, "iit_withheld", "缴纳代扣个人所得税")}


def remittance_due(ctx: Context, period: str) -> dict[str, tuple[Decimal, Decimal]]:
    """Per kind (social, housing, iit): (employer part, employee part) of ``period``'s posted live runs."""
    slips = ctx.session.execute(select(Payslip).join(PayrollRun, PayrollRun.id == Payslip.run_id).where(
        Payslip.company_id == _company(ctx), Payslip.period == period, PayrollRun.status == "posted",
        PayrollRun.reverses_id.is_(None), PayrollRun.reversed_by_id.is_(None))).scalars().all()
    out = {}
    for kind, (_role, er, ee, _text) in REMIT_ROLES.items():
        out[kind] = (sum((getattr(s, er) for s in slips), Decimal(0)) if er else Decimal(0),
                     sum((getattr(s, ee) for s in slips), Decimal(0)))
    return out


@use_case("hr.payroll.remit", zh="缴纳社保公积金个税", en="Pay contributions and withheld tax")
def remit_payroll(ctx: Context, *, period: str, kind: str, pay_date: dt.date,
                  bank_account_code: str | None = None) -> int:
    """Pay one period's 社会保险费 (kind "social": employer + employee parts), 住房公积金 ("housing") or the withheld
    个人所得税 ("iit") to the authorities from the bank, once per period and kind; one voucher:
        social:  Dr 应付职工薪酬—社会保险费 (employer) + Dr 其他应付款 (employee) / Cr 银行存款
        housing: Dr 应付职工薪酬—住房公积金 (employer) + Dr 其他应付款 (employee) / Cr 银行存款
        iit:     Dr 应交税费—应交个人所得税 / Cr 银行存款
    The amounts are the period's posted runs' payslips; returns the voucher id."""
    from erp_core.documents.accounts import account_for
    from erp_core.hr.payroll.models import REMITTANCE_KINDS, PayrollRemittance
    from erp_core.ledger.posting import create_and_post_system_voucher

    period = _period(period)
    if kind not in REMITTANCE_KINDS:
        raise ValidationError("error.hr.choice", field="field.hr2.remit_kind", value=str(kind))
    if not isinstance(pay_date, dt.date) or pay_date < month_bounds(*parse_period(period))[1]:
        raise ValidationError("error.hr.pay_date", field="field.hr.pay_date")
    company = _company(ctx)
    done = ctx.session.execute(select(PayrollRemittance.id).where(
        PayrollRemittance.company_id == company, PayrollRemittance.period == period,
        PayrollRemittance.kind == kind)).first()
    if done:
        raise Conflict("error.hr2.already_remitted", period=period)
    employer, employee = remittance_due(ctx, period)[kind]
    if employer + employee <= 0:
        raise Conflict("error.hr2.nothing_to_remit", period=period)
    role, _er, _ee, text = REMIT_ROLES[kind]
    summary = f"{text} {period}"
    zero = Decimal(0)
    if kind == "iit":
        lines = [{"account_code": account_for(ctx, "iit_payable"), "debit": employee, "credit": zero,
                  "summary": summary}]
    else:
        lines = [{"account_code": account_for(ctx, role), "debit": employer, "credit": zero,
                  "summary": f"{summary}（单位部分）"},
                 {"account_code": account_for(ctx, "payroll_withheld"), "debit": employee, "credit": zero,
                  "summary": f"{summary}（个人部分）"}]
        lines = [ln for ln in lines if ln["debit"]]
    lines.append({"account_code": bank_account_code or account_for(ctx, "bank"), "debit": zero,
                  "credit": employer + employee, "summary": summary})
    voucher_id = create_and_post_system_voucher(ctx, voucher_date=pay_date, lines=lines, voucher_type=None,
                                                posting_key=f"payroll_remit:{company}:{period}:{kind}")
    row = PayrollRemittance(company_id=company, period=period, kind=kind, voucher_id=voucher_id, pay_date=pay_date,
                            employer_amount=employer, employee_amount=employee, created_by=ctx.actor.user_id,
                            created_at=naive_utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("payroll_remittance", row.id, period=period, kind=kind, voucher_id=voucher_id,
              amount=str(employer + employee))
    return voucher_id


# ---- pay taken back by a 补扣 and repaid by the employee (职工退回多发工资) --------------------------------------

@use_case("hr.payroll.pay", zh="发放工资", en="Pay payroll")
def record_payroll_repayment(ctx: Context, *, employee_id: int, amount: Any, pay_date: dt.date,
                             bank_account_code: str | None = None) -> int:
    """The employee pays back (to the bank) what a posted 补扣 left owed, instead of waiting for the next payroll
    to take it back: one voucher Dr 银行存款 / Cr 其他应收款 (employee dimension); at most what is owed. Returns
    the voucher id."""
    from erp_core.documents.accounts import account_for
    from erp_core.hr.payroll.compute import owed_back
    from erp_core.hr.payroll.models import PayrollRepayment
    from erp_core.ledger.posting import create_and_post_system_voucher
    from erp_core.masterdata.models_employees import Employee

    emp = load_employee(ctx, employee_id)
    # one repayment of an employee at a time: the amount owed is read after this lock
    ctx.session.execute(select(Employee.id).where(Employee.id == emp.id).with_for_update()).all()
    problems: list[ValidationError] = []
    value = _amount(amount, F_AMOUNT, problems)
    if not isinstance(pay_date, dt.date):
        problems.append(ValidationError("error.hr.pay_date", field="field.hr.pay_date"))
    raise_if(problems)
    owed = owed_back(ctx.session, _company(ctx), {emp.id}).get(emp.id, Decimal(0))
    if value <= 0 or value > owed:
        raise ValidationError("error.hr3.repay_more_than_owed", field=F_AMOUNT, owed=f"{owed:,.2f}")
    n = ctx.session.execute(select(PayrollRepayment.id).where(PayrollRepayment.employee_id == emp.id)).all()
    summary = f"职工退回多发工资 {emp.code} {emp.name}"
    voucher_id = create_and_post_system_voucher(
        ctx, voucher_date=pay_date, voucher_type=None, posting_key=f"payroll_repay:{emp.id}:{len(n) + 1}",
        lines=[{"account_code": bank_account_code or account_for(ctx, "bank"), "debit": value, "credit": Decimal(0),
                "summary": summary},
               {"account_code": account_for(ctx, "payroll_recoverable"), "debit": Decimal(0), "credit": value,
                "summary": summary, "employee_id": emp.id}])
    row = PayrollRepayment(company_id=_company(ctx), employee_id=emp.id, pay_date=pay_date, amount=value,
                           voucher_id=voucher_id, created_by=ctx.actor.user_id, created_at=naive_utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("payroll_repayment", row.id, employee_id=emp.id, amount=str(value), voucher_id=voucher_id)
    return voucher_id
