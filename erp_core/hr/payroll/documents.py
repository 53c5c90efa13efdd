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


def voucher_lines(ctx: Any, doc: PayrollRun, slips: list[Payslip]) -> list[dict[str, Any]]:
    """The payroll voucher's lines from the payslips (pure apart from the account look-ups)."""
    period = doc.period
    expense: dict[tuple[str, int | None], Decimal] = defaultdict(lambda: ZERO)
    t = defaultdict(lambda: ZERO)
    for s in slips:
        expense[(s.expense_kind, s.department_id)] += s.gross_pay + s.employer_si + s.employer_hf
        for f in ("gross_pay", "employer_si", "employer_hf", "employee_si", "employee_hf", "iit_withheld",
                  "after_tax_deductions"):
            t[f] += getattr(s, f)
    lines: list[dict[str, Any]] = []

    def add(role: str, debit: Decimal, credit: Decimal, summary: str, **dims: Any) -> None:
        if debit or credit:
            lines.append({"account_code": account_for(ctx, role), "debit": debit, "credit": credit,
                          "summary": f"{summary} {period} {doc.number}", **dims})

    for (kind, dep), amount in sorted(expense.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        add(EXPENSE_ROLE.get(kind, "salary_admin"), amount, ZERO, "计提工资及单位社保公积金",
            **({"department_id": dep} if dep is not None else {}))
    add("payroll_wages", ZERO, t["gross_pay"], "计提工资")
    add("payroll_social", ZERO, t["employer_si"], "计提单位社会保险费")
    add("payroll_housing", ZERO, t["employer_hf"], "计提单位住房公积金")
    withheld_other = t["employee_si"] + t["employee_hf"] + t["after_tax_deductions"]
    add("payroll_wages", withheld_other + t["iit_withheld"], ZERO, "代扣个人社保公积金及个税")
    add("payroll_withheld", ZERO, withheld_other, "代扣个人社保公积金")
    add("iit_payable", ZERO, t["iit_withheld"], "代扣个人所得税")
    return lines


def payroll_posting(ctx: Any, doc: PayrollRun) -> PostingSpec:
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=voucher_lines(ctx, doc, payslips_of(ctx, doc.id)))


PAYROLL_RUN = DocumentType(
    code="payroll_run", zh="工资表", en="Payroll run", prefix="PR", header=PayrollRun, line=PayrollRunLine,
    workflow=PAYROLL_FLOW, tracks=(), posting=payroll_posting, post_action="post", reverse_action="reverse",
    approval_facts=payroll_facts, approval_actions=("approve",))
