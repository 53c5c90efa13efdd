"""Payroll invariants for `erp check` (registered by erp_core/hr/payroll/queries.py, which load_all imports):

- every payslip adds up: net = gross - employee 社保 - employee 公积金 - 个税 - 税后扣款 - 扣回, 个税 = wages + bonus tax;
- a run's total equals the sum of its payslips' gross pay;
- a posted run's voucher carries exactly the debits its payslips give (the voucher and the payroll report agree);
- a locked run whose period is closed in the books was posted (payroll reaches the ledger only by its posting);
- each payment of 社保/公积金/个税 has a posted voucher for its amount.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database
from erp_core.hr.payroll.models import PayrollRemittance, PayrollRun, Payslip

ZERO = Decimal(0)


def payroll_problems(session, company_id: int | None = None) -> list[Problem]:
    from erp_core.finance.models import Voucher, VoucherLine
    from erp_core.hr.payroll.documents import voucher_debit
    from erp_core.ledger.periods import is_open

    out: list[Problem] = []
    gross: dict[int, Decimal] = defaultdict(lambda: ZERO)
    slips: dict[int, list[Payslip]] = defaultdict(list)
    stmt = select(Payslip)
    if company_id is not None:
        stmt = stmt.where(Payslip.company_id == company_id)
    for s in session.execute(stmt).scalars():
        gross[s.run_id] += s.gross_pay
        slips[s.run_id].append(s)
        if (s.net_pay != s.gross_pay - s.employee_si - s.employee_hf - s.iit_withheld - s.after_tax_deductions
                - s.recovery or s.iit_withheld != s.iit_wages + s.iit_bonus):
            out.append(Problem("check.problem.hr.payslip", {"run": s.run_id, "employee": s.employee_id}))
    runs = select(PayrollRun).where(PayrollRun.reverses_id.is_(None))
    if company_id is not None:
        runs = runs.where(PayrollRun.company_id == company_id)
    for run in session.execute(runs).scalars():
        if run.total != gross[run.id]:
            out.append(Problem("check.problem.hr.run_total", {"number": run.number}))
        if run.voucher_id is not None:
            debit = session.execute(select(func.coalesce(func.sum(VoucherLine.debit), 0)).where(
                VoucherLine.voucher_id == run.voucher_id)).scalar_one()
            if Decimal(debit) != voucher_debit(slips[run.id]):
                out.append(Problem("check.problem.hr.voucher", {"number": run.number}))
        elif run.status == "approved" and not is_open(session, run.company_id, run.period):
            out.append(Problem("check.problem.hr2.unposted", {"number": run.number, "period": run.period}))
    remits = select(PayrollRemittance)
    if company_id is not None:
        remits = remits.where(PayrollRemittance.company_id == company_id)
    for r in session.execute(remits).scalars():
        v = session.get(Voucher, r.voucher_id)
        if v is None or v.status != "posted" or v.total != r.employer_amount + r.employee_amount:
            out.append(Problem("check.problem.hr2.remittance", {"period": r.period, "kind": r.kind}))
    return out


@check("payroll")
def payroll(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return payroll_problems(uow.session)
