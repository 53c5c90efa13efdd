"""The demo company's HR year: employee files (ID numbers with valid check characters, salary accounts,
contracts, two ending within 30 days), the dated history (hire, a regularization, a transfer), the payroll setup
(default items, 长沙 五险一金), salary structures from demo_data.EMPLOYEES, a few 专项附加扣除, the demo users linked
to their own employee files (each sees their own payslips), and per demo month the clock data (ZKTeco ATTLOG
import, a 补卡), the month's leave requests and the payroll run. All entered by the HR officer 刘人事 through the
use cases. The attendance is not applied to pay in the demo (its payroll figures stay the salary structure's).

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
from erp_core.hr.attendance import services as att
from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import services as pay
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import ValidationError
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
    today: dt.date | None = None


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
    for year in sorted({int(p[:4]) for p in periods}):  # the work calendar the attendance is counted on
        try:
            att.load_holidays(db, officer, year=year)
        except ValidationError:  # no checked holiday table for that year: Monday to Friday
            pass
    return DemoHr(db, officer, employees, rng, today=today)


# (month, employee, leave kind, first day, working days): a year of leave requests (no approval rule in the demo:
# they count at once)
_LEAVE = ((2, "E003", "annual", 24, 2), (4, "E006", "sick", 14, 1), (5, "E010", "annual", 12, 3),
          (7, "E002", "personal", 8, 1), (8, "E012", "annual", 18, 2), (10, "E004", "compensatory", 20, 1),
          (11, "E009", "sick", 11, 2))


def attendance_month(h: DemoHr, period: str) -> int:
    """The month's clock data (a ZKTeco ATTLOG export of every working day up to yesterday: in 08:40-09:04, a
    few late, out 18:00-18:40), one forgotten punch corrected by 补卡, and the month's leave requests (no punch
    on those days). Returns the punches written."""
    from erp_core.workcalendar.store import exceptions

    y, m = map(int, period.split("-"))
    first = dt.date(y, m, 1)
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
    if h.today is not None:
        last = min(last, h.today - dt.timedelta(days=1))
    if last < first:
        return 0
    with h.db.uow(readonly=True) as uow:
        special = exceptions(uow.session, h.officer.company_id, first, last)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if special.get(d, d.weekday() < 5)]
    away: dict[str, set[dt.date]] = {}
    for month, code, kind, start, n in _LEAVE:
        if month != m or code not in h.employees:
            continue
        taken = [d for d in days if d.day >= start][:n]
        if len(taken) < n:
            continue
        att.request_leave(h.db, h.officer, employee_id=h.employees[code], kind_code=kind, start_date=taken[0],
                          end_date=taken[-1], reason="演示")
        away[code] = set(taken)
    rng = Random(f"attendance {period}")  # its own stream: the rest of the demo draws the same numbers as before
    forgot = (rng.choice(sorted(h.employees)), rng.choice(days))
    while forgot[1] in away.get(forgot[0], ()):
        forgot = (rng.choice(sorted(h.employees)), rng.choice(days))
    lines = []
    for code in sorted(h.employees):
        for d in days:
            if d in away.get(code, ()):
                continue
            late = rng.random() < 0.02
            t_in = dt.datetime.combine(d, dt.time(9, rng.randrange(8, 30)) if late
                                       else dt.time(8, rng.randrange(40, 60)))
            t_out = dt.datetime.combine(d, dt.time(18, rng.randrange(0, 41)))
            lines.append(f"{code}\t{t_in:%Y-%m-%d %H:%M:%S}\t0\t1\t0\t0")
            if (code, d) != forgot:
                lines.append(f"{code}\t{t_out:%Y-%m-%d %H:%M:%S}\t1\t1\t0\t0")
    report = att.import_punches(h.db, h.officer, fmt="zkteco", content="\n".join(lines) + "\n")
    att.correct_punch(h.db, h.officer, employee_id=h.employees[forgot[0]],
                      punched_at=dt.datetime.combine(forgot[1], dt.time(18, 5)), reason="忘记打下班卡")
    return report.created


def payroll_month(h: DemoHr, period: str, *, close: bool) -> int:
    """The month's payroll run; ``close``: approved and posted (its accrual voucher dated the month's end)."""
    if period.endswith("-12"):  # 年终奖 in December, taxed separately
        for code in ("E001", "E005", "E008"):
            pay.set_payroll_input(h.db, h.officer, employee_id=h.employees[code], period=period,
                                  item_code="annual_bonus", amount=Decimal(h.rng.randrange(20, 60)) * 1000)
    attendance_month(h, period)
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
