"""Reads of payroll. Salaries are visible only with ``hr.payroll.read`` (not a ``*.view`` permission, so the
read-only and manager roles do not see pay by default); an employee sees only their own payslips of locked runs
(``hr.payslip.own``: the employee file whose user account is the actor)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.hr.employees.models import EmployeeProfile
from erp_core.hr.employees.rules import mask
from erp_core.hr.payroll import invariants  # noqa: F401  (registers the payroll check of `erp check`)
from erp_core.hr.payroll.compute import LOCKED
from erp_core.hr.payroll.models import InsuranceRate, PayrollItem, PayrollRun, Payslip
from erp_core.kernel.errors import NotFound
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_employees import Employee
from erp_core.security.scope import require_company_wide
from erp_core.usecase import Context, query

ZERO = Decimal(0)
REPORT_COLUMNS = ("employee_code", "employee_name", "gross_pay", "employee_social_insurance",
                  "employee_housing_fund", "special_additional_deductions", "cumulative_taxable_income",
                  "iit_withheld", "net_pay")
SLIP_FIELDS = ("gross_pay", "taxable_income", "tax_free_income", "bonus", "bonus_separate", "insurance_base",
               "employer_si", "employee_si", "employer_hf", "employee_hf", "special_deductions", "other_deductions",
               "months_employed", "basic_deduction", "cumulative_income", "cumulative_taxable",
               "cumulative_withheld", "iit_wages", "iit_bonus", "iit_withheld", "after_tax_deductions", "recovery", "net_pay")


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _run_row(r: PayrollRun, dep: str | None) -> dict[str, Any]:
    return {"run_id": r.id, "number": r.number, "period": r.period, "doc_date": r.doc_date, "status": r.status,
            "department": dep, "department_id": r.department_id, "total": r.total, "employees": len(r.lines),
            "voucher_id": r.voucher_id, "reverses_id": r.reverses_id, "reversed_by_id": r.reversed_by_id,
            "remarks": r.remarks, "version": r.version}


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def list_runs(ctx: Context, *, period_from: str | None = None, period_to: str | None = None,
              status: str | None = None) -> list[dict[str, Any]]:
    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    stmt = (select(PayrollRun, Department.name).outerjoin(Department, Department.id == PayrollRun.department_id)
            .where(PayrollRun.company_id == _company(ctx)).order_by(PayrollRun.period.desc(), PayrollRun.id.desc()))
    if period_from:
        stmt = stmt.where(PayrollRun.period >= period_from)
    if period_to:
        stmt = stmt.where(PayrollRun.period <= period_to)
    if status:
        stmt = stmt.where(PayrollRun.status == status)
    return [_run_row(r, d) for r, d in ctx.session.execute(stmt)]


def _slip_rows(ctx: Context, where: list[Any], *, reveal: bool = True) -> list[dict[str, Any]]:
    stmt = (select(Payslip, Employee.code, Employee.name, Department.name, EmployeeProfile.bank_name,
                   EmployeeProfile.bank_account, EmployeeProfile.id_number, PayrollRun.number, PayrollRun.status)
            .join(Employee, Employee.id == Payslip.employee_id)
            .join(PayrollRun, PayrollRun.id == Payslip.run_id)
            .outerjoin(Department, Department.id == Payslip.department_id)
            .outerjoin(EmployeeProfile, EmployeeProfile.employee_id == Payslip.employee_id)
            .where(Payslip.company_id == _company(ctx), *where).order_by(Payslip.period, Employee.code,
                                                                        Payslip.run_id))
    out = []
    for s, code, name, dep, bank, acct, idn, number, status in ctx.session.execute(stmt):
        row = {"payslip_id": s.id, "run_id": s.run_id, "run_number": number, "run_status": status,
               "period": s.period, "employee_id": s.employee_id, "employee_code": code, "employee_name": name,
               "department": dep, "bank_name": bank, "bank_account": acct if reveal else mask(acct),
               "id_number": idn if reveal else mask(idn), **{f: getattr(s, f) for f in SLIP_FIELDS},
               "items": {k: Decimal(v) for k, v in json.loads(s.items_json or "{}").items()}}
        out.append(row)
    return out


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def run_detail(ctx: Context, *, run_id: int) -> dict[str, Any]:
    """The run's header, its payslips (employee code/name, every figure) and totals."""
    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    found = ctx.session.execute(select(PayrollRun, Department.name)
                                .outerjoin(Department, Department.id == PayrollRun.department_id)
                                .where(PayrollRun.id == run_id, PayrollRun.company_id == _company(ctx))).first()
    if found is None:
        raise NotFound(entity="payroll_run", id=run_id)
    run, dep = found
    slips = _slip_rows(ctx, [Payslip.run_id == run.id], reveal=ctx.actor.may("hr.sensitive.reveal"))
    totals = {f: sum((s[f] for s in slips), ZERO) for f in SLIP_FIELDS if f not in ("bonus_separate",
                                                                                     "months_employed")}
    return {**_run_row(run, dep), "payslips": slips, "totals": totals}


def _live_runs(ctx: Context, period: str) -> list[int]:
    return list(ctx.session.execute(select(PayrollRun.id).where(
        PayrollRun.company_id == _company(ctx), PayrollRun.period == period, PayrollRun.reverses_id.is_(None),
        PayrollRun.reversed_by_id.is_(None))).scalars())


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def payroll_report(ctx: Context, *, period: str) -> list[dict[str, Any]]:
    """The payroll report of ``period`` (the live runs: not reversed), one row per payslip, with the columns
    of docs/formats.md (REPORT_COLUMNS) and more."""
    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    rows = _slip_rows(ctx, [Payslip.run_id.in_(_live_runs(ctx, period) or [-1])],
                      reveal=ctx.actor.may("hr.sensitive.reveal"))
    return [{"employee_code": r["employee_code"], "employee_name": r["employee_name"], "period": r["period"],
             "run_number": r["run_number"], "run_status": r["run_status"], "department": r["department"],
             "gross_pay": r["gross_pay"], "employee_social_insurance": r["employee_si"],
             "employee_housing_fund": r["employee_hf"], "special_additional_deductions": r["special_deductions"],
             "cumulative_taxable_income": r["cumulative_taxable"], "iit_withheld": r["iit_withheld"],
             "net_pay": r["net_pay"], "employer_social_insurance": r["employer_si"],
             "employer_housing_fund": r["employer_hf"]} for r in rows]


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def bank_transfer_rows(ctx: Context, *, run_id: int) -> list[dict[str, Any]]:
    """代发工资 file rows: name, bank, account, amount (net pay). Needs the full account numbers: only with
    hr.sensitive.reveal are they unmasked."""
    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    reveal = ctx.actor.may("hr.sensitive.reveal")
    return [{"employee_code": r["employee_code"], "name": r["employee_name"], "bank": r["bank_name"],
             "account": r["bank_account"], "amount": r["net_pay"]}
            for r in _slip_rows(ctx, [Payslip.run_id == run_id], reveal=reveal)
            if r["net_pay"] > 0]  # a 补扣's negative net is owed by the employee: nothing to transfer


def _month_rows(ctx: Context, run_id: int, reveal: bool) -> list[dict[str, Any]]:
    """The payslips of ``run_id`` together with the other locked live runs of its month (a supplementary run
    补发/补扣 and its regular run), added up per employee: the tax declaration has one row per person and month."""
    run = ctx.session.get(PayrollRun, run_id)
    if run is None or run.company_id != _company(ctx):
        return []
    others = [i for i in ctx.session.execute(select(PayrollRun.id).where(
        PayrollRun.company_id == run.company_id, PayrollRun.period == run.period, PayrollRun.id != run.id,
        PayrollRun.status.in_(LOCKED), PayrollRun.reverses_id.is_(None),
        PayrollRun.reversed_by_id.is_(None))).scalars()] if run.reverses_id is None else []
    merged: dict[int, dict[str, Any]] = {}
    for r in _slip_rows(ctx, [Payslip.run_id.in_([run.id, *others])], reveal=reveal):
        m = merged.get(r["employee_id"])
        if m is None:
            merged[r["employee_id"]] = {**r, "items": dict(r["items"]),
                                        "bonus": r["bonus"] if r["bonus_separate"] else ZERO}
            continue
        for f in ("taxable_income", "tax_free_income", "employee_hf", "other_deductions", "iit_wages", "iit_bonus",
                  "special_deductions"):
            m[f] += r[f]
        m["bonus"] += r["bonus"] if r["bonus_separate"] else ZERO
        m["bonus_separate"] = m["bonus_separate"] or r["bonus_separate"]
        for k, v in r["items"].items():
            m["items"][k] = m["items"].get(k, ZERO) + v
    return list(merged.values())


# The 自然人电子税务局(扣缴端) 综合所得申报 → 正常工资薪金所得 import template, column for column (checked 2026-12-06
# against two independent public tools that write this file — not against the template itself, which was not
# reachable; see docs/formats.md). The special additional deductions are YEAR-TO-DATE amounts (累计...); the
# client computes 减除费用 and the tax itself; a separately taxed 全年一次性奖金 is declared in its own template.
IIT_DECLARATION_COLUMNS = (
    "工号", "*姓名", "*证件类型", "*证件号码", "本期收入", "本期免税收入", "基本养老保险费", "基本医疗保险费",
    "失业保险费", "住房公积金", "累计子女教育", "累计继续教育", "累计住房贷款利息", "累计住房租金", "累计赡养老人",
    "累计3岁以下婴幼儿照护", "累计个人养老金", "企业(职业)年金", "商业健康保险", "税延养老保险", "公务交通费用",
    "通讯费用", "律师办案费用", "西藏附加减除费用", "其他", "准予扣除的捐赠额", "减免税额", "备注")
_YTD_SAD = {"累计子女教育": "sad_child_education", "累计继续教育": "sad_continuing_education",
            "累计住房贷款利息": "sad_housing_loan", "累计住房租金": "sad_housing_rent",
            "累计赡养老人": "sad_elderly_support", "累计3岁以下婴幼儿照护": "sad_infant_care"}


def _ytd_items(ctx: Context, run: PayrollRun) -> dict[int, dict[str, Decimal]]:
    """Per employee, the items of the year up to ``run``'s month: the locked live runs and ``run`` itself."""
    year = run.period[:4]
    out: dict[int, dict[str, Decimal]] = {}
    for emp, items_json in ctx.session.execute(
            select(Payslip.employee_id, Payslip.items_json).join(PayrollRun, PayrollRun.id == Payslip.run_id)
            .where(Payslip.company_id == run.company_id, Payslip.period >= f"{year}-01",
                   Payslip.period <= run.period, PayrollRun.reverses_id.is_(None),
                   PayrollRun.reversed_by_id.is_(None),
                   PayrollRun.status.in_(LOCKED) | (PayrollRun.id == run.id))).all():
        acc = out.setdefault(emp, {})
        for k, v in json.loads(items_json or "{}").items():
            acc[k] = acc.get(k, ZERO) + Decimal(v)
    return out


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def iit_declaration_rows(ctx: Context, *, run_id: int) -> list[dict[str, Any]]:
    """扣缴申报 rows in the columns of the 自然人电子税务局(扣缴端) 正常工资薪金所得 import template
    (IIT_DECLARATION_COLUMNS, in that order). One row per employee for the run's month: a supplementary run and
    the month's other locked runs are added up; the special additional deductions are the year's to date."""
    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    reveal = ctx.actor.may("hr.sensitive.reveal")
    run = ctx.session.get(PayrollRun, run_id)
    if run is None or run.company_id != _company(ctx):
        return []
    ytd = _ytd_items(ctx, run)
    relief = set(ctx.session.execute(select(PayrollItem.code).where(
        PayrollItem.company_id == run.company_id, PayrollItem.kind == "tax_relief")).scalars())
    out = []
    for r in _month_rows(ctx, run_id, reveal):
        items, year_items = r["items"], ytd.get(r["employee_id"], {})
        row = dict.fromkeys(IIT_DECLARATION_COLUMNS, ZERO)
        row.update({"工号": r["employee_code"], "*姓名": r["employee_name"], "*证件类型": "居民身份证",
                    "*证件号码": r["id_number"] or "", "本期收入": r["taxable_income"],
                    "本期免税收入": r["tax_free_income"], "基本养老保险费": items.get("ee:pension", ZERO),
                    "基本医疗保险费": items.get("ee:medical", ZERO),
                    "失业保险费": items.get("ee:unemployment", ZERO), "住房公积金": r["employee_hf"],
                    "其他": r["other_deductions"], "备注": "",
                    "减免税额": sum((v for k, v in items.items() if k in relief), ZERO)})
        for column, code in _YTD_SAD.items():
            row[column] = year_items.get(code, ZERO)
        out.append(row)
    return out


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def insurance_report(ctx: Context, *, period: str) -> list[dict[str, Any]]:
    """社保公积金 report of ``period``: base and both sides per employee (live runs)."""
    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    rows = _slip_rows(ctx, [Payslip.run_id.in_(_live_runs(ctx, period) or [-1])], reveal=False)
    return [{"employee_code": r["employee_code"], "employee_name": r["employee_name"],
             "insurance_base": r["insurance_base"], "employer_si": r["employer_si"], "employee_si": r["employee_si"],
             "employer_hf": r["employer_hf"], "employee_hf": r["employee_hf"],
             "total": r["employer_si"] + r["employee_si"] + r["employer_hf"] + r["employee_hf"]} for r in rows]


@query("hr.payslip.own", zh="查看本人工资条", en="View own payslips")
def my_payslips(ctx: Context) -> list[dict[str, Any]]:
    """The actor's own payslips (locked runs only): the employee file whose user account is the actor."""
    emp_ids = list(ctx.session.execute(select(EmployeeProfile.employee_id).where(
        EmployeeProfile.company_id == _company(ctx), EmployeeProfile.user_id == ctx.actor.user_id)).scalars())
    if not emp_ids or ctx.actor.user_id is None:
        return []
    return _slip_rows(ctx, [Payslip.employee_id.in_(emp_ids), PayrollRun.status.in_(LOCKED),
                            PayrollRun.reverses_id.is_(None), PayrollRun.reversed_by_id.is_(None)], reveal=False)


@query("hr.setup.read", zh="查看薪资基础设置", en="View payroll setup")
def payroll_setup(ctx: Context) -> dict[str, Any]:
    """Payroll items and 五险一金 rate rows of the company."""
    items = [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "kind": i.kind, "active": i.active,
              "formula": i.formula or ""}
             for i in ctx.session.execute(select(PayrollItem).where(PayrollItem.company_id == _company(ctx))
                                          .order_by(PayrollItem.id)).scalars()]
    rates = [{"id": r.id, "city": r.city, "effective_from": r.effective_from, "risk": r.risk,
              "base_min": r.base_min, "base_max": r.base_max, "employer_rate": r.employer_rate,
              "employee_rate": r.employee_rate, "employer_fixed": r.employer_fixed,
              "employee_fixed": r.employee_fixed, "rounding": r.rounding}
             for r in ctx.session.execute(select(InsuranceRate).where(InsuranceRate.company_id == _company(ctx))
                                          .order_by(InsuranceRate.city, InsuranceRate.effective_from,
                                                    InsuranceRate.id)).scalars()]
    return {"items": items, "rates": rates}


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def remittance_status(ctx: Context, *, period: str) -> list[dict[str, Any]]:
    """What ``period``'s posted runs owe the authorities per kind (社保 social, 公积金 housing, 个税 iit) and whether
    it was paid (date, voucher)."""
    from erp_core.hr.payroll.models import REMITTANCE_KINDS, PayrollRemittance
    from erp_core.hr.payroll.services import remittance_due

    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    due = remittance_due(ctx, period)
    paid = {r.kind: r for r in ctx.session.execute(select(PayrollRemittance).where(
        PayrollRemittance.company_id == _company(ctx), PayrollRemittance.period == period)).scalars()}
    out = []
    for kind in REMITTANCE_KINDS:
        r = paid.get(kind)
        employer, employee = (r.employer_amount, r.employee_amount) if r is not None else due[kind]
        out.append({"kind": kind, "employer": employer, "employee": employee, "total": employer + employee,
                    "paid_on": r.pay_date if r is not None else None,
                    "voucher_id": r.voucher_id if r is not None else None})
    return out


@query("hr.payroll.read", zh="查看工资表", en="View payroll")
def owed_back_rows(ctx: Context) -> list[dict[str, Any]]:
    """Employees who still owe pay a posted 补扣 took back (其他应收款), with the amount: what the next payroll
    will take back, or what they may repay (record_payroll_repayment)."""
    from erp_core.hr.payroll.compute import owed_back

    require_company_wide(ctx)  # company-wide pay: no department-scoped grant
    owed = owed_back(ctx.session, _company(ctx))
    if not owed:
        return []
    names = {i: (c, n) for i, c, n in ctx.session.execute(select(Employee.id, Employee.code, Employee.name).where(
        Employee.id.in_(owed)))}
    return [{"employee_id": e, "employee_code": names[e][0], "employee_name": names[e][1], "owed": a}
            for e, a in sorted(owed.items(), key=lambda kv: names[kv[0]][0])]
