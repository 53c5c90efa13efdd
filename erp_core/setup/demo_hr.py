"""The demo company's HR year: employee files (ID numbers with valid check characters, salary accounts,
contracts, two ending within 30 days), the dated history (hire, a regularization, a transfer), the payroll setup
(default items, 长沙 五险一金), salary structures from demo_data.EMPLOYEES, a few 专项附加扣除, the demo users linked
to their own employee files (each sees their own payslips), and a payroll run per demo month. All entered by the
HR officer 刘人事 through the use cases.

The payroll reaches the books only through the payroll run's posting (demo_year calls ``payroll_month`` on each
closed month's last day, before the month is closed): the run is computed, approved (locked) and posted — the
accrual voucher 计提工资 (expense by department / 应付职工薪酬, withholdings to 其他应付款 and 应交税费—应交个人所得税).
On the next month's 10th the net pay is paid (``pay_salaries``: 发放工资 voucher), on the 15th the month's 社保,
公积金 and withheld 个税 are paid to the authorities (``remit``). The current month's run stays a draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from sqlalchemy import select

from erp_core.db.uow import Database
from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import services as pay
from erp_core.kernel.actor import Actor
from erp_core.security.models import User
from erp_core.security.sessions import build_actor
from erp_core.setup import demo_data as data

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: Random, born: dt.date, male: bool) -> str:
    body = f"430102{born:%Y%m%d}{rng.randrange(10, 100)}{rng.randrange(0, 5) * 2 + (1 if male else 0)}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


@dataclass
class DemoHr:
    """What the demo's monthly payroll steps need: the HR officer and the employees (code -> id)."""

    db: Database
    officer: Actor
    employees: dict[str, int]
    rng: Random
    runs: dict[str, int] = field(default_factory=dict)  # period -> run id


def setup_demo_hr(db: Database, *, company_id: int, employees: dict[str, int], periods: list[str],
                  today: dt.date, seed: int = 20260214) -> DemoHr:
    """Employee files, payroll setup and salary structures (see the module docstring), before the demo year."""
    rng = Random(seed)
    with db.uow(readonly=True) as uow:
        users = {u.display_name: u for u in uow.session.execute(select(User).where(
            User.company_id == company_id)).scalars()}
        officer = build_actor(uow.session, users["刘人事"], session_id=None, client_ip="127.0.0.1") \
            if "刘人事" in users else Actor.system(company_id=company_id, reason="demo")
        by_name = {name: u.id for name, u in users.items()}
    pay.load_payroll_defaults(db, officer, cities=["长沙"])
    first_day = dt.date(*map(int, periods[0].split("-")), 1)
    for n, (code, name, dep, _position, salary) in enumerate(data.EMPLOYEES):
        eid = employees[code]
        born = dt.date(1975 + rng.randrange(0, 25), rng.randrange(1, 13), rng.randrange(1, 29))
        start = first_day - dt.timedelta(days=rng.randrange(60, 1500))
        end = today + dt.timedelta(days=10 + n if n in (4, 9) else 200 + 30 * n)
        hr.save_profile(db, officer, employee_id=eid, values={
            "id_number": _id_number(rng, born, male=n % 3 != 1), "education": ("本科", "大专", "硕士")[n % 3],
            "bank_name": "长沙银行", "bank_account": f"62{rng.randrange(10**15):015d}", "contract_type": "fixed",
            "contract_start": start, "contract_end": end, "probation_end": start + dt.timedelta(days=90),
            "insurance_city": "长沙", "insurance_base": Decimal(salary),
            "expense_kind": "sales" if dep in data.SALES_DEPARTMENTS else "admin",
            **({"user_id": by_name[name]} if name in by_name else {})})
        hr.record_status_change(db, officer, employee_id=eid, kind="hire", effective_date=start)
        pay.set_salary(db, officer, employee_id=eid, item_code="base_salary", effective_from=start,
                       amount=Decimal(salary))
        if n % 4 == 0:
            pay.set_salary(db, officer, employee_id=eid, item_code="sad_child_education", effective_from=start,
                           amount=Decimal(2000))
        if n % 5 == 1:
            pay.set_salary(db, officer, employee_id=eid, item_code="sad_housing_loan", effective_from=start,
                           amount=Decimal(1000))
    hr.record_status_change(db, officer, employee_id=employees["E007"], kind="regularize",
                            effective_date=first_day + dt.timedelta(days=40))
    return DemoHr(db, officer, employees, rng)


def payroll_month(h: DemoHr, period: str, *, close: bool) -> int:
    """The month's payroll run; ``close``: approved and posted (its accrual voucher dated the month's end)."""
    if period.endswith("-12"):  # 年终奖 in December, taxed separately
        for code in ("E001", "E005", "E008"):
            pay.set_payroll_input(h.db, h.officer, employee_id=h.employees[code], period=period,
                                  item_code="annual_bonus", amount=Decimal(h.rng.randrange(20, 60)) * 1000)
    run_id = pay.create_payroll_run(h.db, h.officer, period=period)
    h.runs[period] = run_id
    if close:
        pay.approve_payroll_run(h.db, h.officer, run_id=run_id)
        pay.post_payroll_run(h.db, h.officer, run_id=run_id)
    return run_id


def pay_salaries(h: DemoHr, period: str, on: dt.date) -> None:
    """发放: ``period``'s net pay from the bank on ``on``."""
    pay.pay_payroll_run(h.db, h.officer, run_id=h.runs[period], pay_date=on)


def remit(h: DemoHr, period: str, on: dt.date) -> None:
    """缴纳: ``period``'s 社保, 公积金 and withheld 个税 on ``on``."""
    for kind in ("social", "housing", "iit"):
        pay.remit_payroll(h.db, h.officer, period=period, kind=kind, pay_date=on)
