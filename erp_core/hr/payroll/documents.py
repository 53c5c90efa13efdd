"""The payroll run (工资表) as a business document on the kernel: draft (computed, recomputable) -> approved
(locked; the approvals engine gates it) -> posted (ONE voucher through the posting path) -> reversed (红字).

The voucher, accounts from 科目设置 roles (documents.accounts.account_for), amounts from the run's payslips:
    Dr 管理费用/销售费用/生产成本/制造费用 (by the employee's expense kind, department dimension)
                                   gross pay + employer 社保 + employer 公积金
    Cr 应付职工薪酬—职工工资            gross pay
    Cr 应付职工薪酬—社会保险费 / —住房公积金   employer contributions
    Dr 应付职工薪酬—职工工资            withholdings (employee 社保 + 公积金 + 个税 + 税后扣款)
    Cr 其他应付款                       employee 社保 + 公积金 + 税后扣款
    Cr 应交税费—应交个人所得税           个税
    Dr 其他应收款 (per employee) / Cr 应付职工薪酬—职工工资   a 补扣's negative net pay (owed back by the employee)
    Dr 应付职工薪酬—职工工资 / Cr 其他应收款 (per employee)   what a later payroll deducts of it (扣回)
So 应付职工薪酬—职工工资 is left with the net pay, paid later from the bank."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents.accounts import account_for
from erp_core.documents.registry import DocumentType, PostingSpec
from erp_core.hr.payroll.models import PayrollRun, PayrollRunLine, Payslip
from erp_core.kernel.workflow import Workflow

ZERO = Decimal(0)
PAYROLL_FLOW = Workflow("payroll_run", ("draft", "approved", "posted", "reversed"), [
    ("approve", "draft", "approved"), ("post", "approved", "posted"),
    ("reverse", "posted", "reversed")])
EXPENSE_ROLE = {"admin": "salary_admin", "sales": "salary_sales", "production": "salary_production",
                "overhead": "salary_overhead"}


def payroll_facts(ctx: Any, doc: PayrollRun) -> dict[str, Any]:
    return {"amount": doc.total}


def payslips_of(ctx: Any, run_id: int) -> list[Payslip]:
    return list(ctx.session.execute(select(Payslip).where(Payslip.run_id == run_id)
                                    .order_by(Payslip.employee_id)).scalars())


def voucher_entries(slips: list[Payslip]) -> list[tuple[str, Decimal, str, dict[str, Any]]]:
    """The payroll voucher as signed entries (role, amount: > 0 debit, < 0 credit, summary, dimensions), pure.

    A 补扣 payslip (a supplementary run taking back pay already paid) has a negative gross and net pay: its
    expense and 应付职工薪酬 entries change side, and the negative net — what the employee owes back — moves from
    应付职工薪酬 to 其他应收款 (role ``payroll_recoverable``, per employee) until a later payroll deducts it
    (``recovery`` on that payslip: Dr 应付职工薪酬 / Cr 其他应收款)."""
    expense: dict[tuple[str, int | None], Decimal] = defaultdict(lambda: ZERO)
    t: dict[str, Decimal] = defaultdict(lambda: ZERO)
    owed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    recovered: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for s in slips:
        expense[(s.expense_kind, s.department_id)] += s.gross_pay + s.employer_si + s.employer_hf
        for f in ("gross_pay", "employer_si", "employer_hf", "employee_si", "employee_hf", "iit_withheld",
                  "after_tax_deductions"):
            t[f] += getattr(s, f)
        if s.net_pay < 0:
            owed[s.employee_id] -= s.net_pay
        if s.recovery:
            recovered[s.employee_id] += s.recovery
    out: list[tuple[str, Decimal, str, dict[str, Any]]] = []
    for (kind, dep), amount in sorted(expense.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        out.append((EXPENSE_ROLE.get(kind, "salary_admin"), amount, "计提工资及单位社保公积金",
                    {"department_id": dep} if dep is not None else {}))
    out.append(("payroll_wages", -t["gross_pay"], "计提工资", {}))
    out.append(("payroll_social", -t["employer_si"], "计提单位社会保险费", {}))
    out.append(("payroll_housing", -t["employer_hf"], "计提单位住房公积金", {}))
    withheld_other = t["employee_si"] + t["employee_hf"] + t["after_tax_deductions"]
    out.append(("payroll_wages", withheld_other + t["iit_withheld"], "代扣个人社保公积金及个税", {}))
    out.append(("payroll_withheld", -withheld_other, "代扣个人社保公积金", {}))
    out.append(("iit_payable", -t["iit_withheld"], "代扣个人所得税", {}))
    for emp, amount in sorted(owed.items()):
        out.append(("payroll_recoverable", amount, "补扣已发工资 应收职工", {"employee_id": emp}))
    if owed:
        out.append(("payroll_wages", -sum(owed.values(), ZERO), "补扣已发工资 转其他应收款", {}))
    if recovered:
        out.append(("payroll_wages", sum(recovered.values(), ZERO), "扣回多发工资", {}))
    for emp, amount in sorted(recovered.items()):
        out.append(("payroll_recoverable", -amount, "扣回多发工资", {"employee_id": emp}))
    return [e for e in out if e[1]]


def voucher_debit(slips: list[Payslip]) -> Decimal:
    """The debit total of the payroll voucher of ``slips`` (for the check)."""
    return sum((a for _r, a, _s, _d in voucher_entries(slips) if a > 0), ZERO)


def voucher_lines(ctx: Any, doc: PayrollRun, slips: list[Payslip]) -> list[dict[str, Any]]:
    """The payroll voucher's lines from the payslips (pure apart from the account look-ups)."""
    return [{"account_code": account_for(ctx, role), "debit": amount if amount > 0 else ZERO,
             "credit": -amount if amount < 0 else ZERO, "summary": f"{summary} {doc.period} {doc.number}", **dims}
            for role, amount, summary, dims in voucher_entries(slips)]


def payroll_posting(ctx: Any, doc: PayrollRun) -> PostingSpec:
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=voucher_lines(ctx, doc, payslips_of(ctx, doc.id)))


PAYROLL_RUN = DocumentType(
    code="payroll_run", zh="工资表", en="Payroll run", prefix="PR", header=PayrollRun, line=PayrollRunLine,
    workflow=PAYROLL_FLOW, tracks=(), posting=payroll_posting, post_action="post", reverse_action="reverse",
    approval_facts=payroll_facts, approval_actions=("approve",), signed_prices=True)
