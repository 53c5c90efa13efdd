"""Attendance: each clock format parsed, unknown PINs listed with nothing written, duplicate punches ignored,
the month's summary (late, early, absent, missing punch, overtime by kind, leave), 补卡, leave through the
approvals engine, and the month's effect on pay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from erp_core.hr.attendance import parsers
from erp_core.hr.attendance import queries as aq
from erp_core.hr.attendance import services as att
from erp_core.hr.attendance.models import Punch
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.io.importer import ImportFailed
from tests.hr.support import build

ATTLOG = ("E001\t2026-03-02 08:55:10\t0\t1\t0\t0\n"
          "E001\t2026-03-02 18:30:00\t1\t1\t0\t0\n"
          "E001\t2026-03-02 18:30:00\t1\t1\t0\t0\n"  # duplicate
          "E001\t2026-03-03 09:20:00\t0\t1\t0\t0\n"  # late, and no second punch: missing
          "77\t2026-03-04 09:00:00\t0\t15\t0\t0\n"
          "77\t2026-03-04 17:00:00\t1\t15\t0\t0\n")  # PIN 77 -> E002 (mapped), left early


def test_parsers_read_each_format():
    z = parsers.parse_zkteco(ATTLOG + "garbage line\n")
    assert len(z.punches) == 6 and z.bad_lines == [7]
    assert z.punches[0] == ("E001", dt.datetime(2026, 3, 2, 8, 55, 10))
    t = parsers.parse_zktime("USERID,CHECKTIME,CHECKTYPE,VERIFYCODE\n5,2026/03/02 08:59:00,I,1\n5,2026/03/02 18:01:00,O,1\n")
    assert t.punches == [("5", dt.datetime(2026, 3, 2, 8, 59)), ("5", dt.datetime(2026, 3, 2, 18, 1))]
    rows = [["每日汇总 统计日期：2026-03-01 至 2026-03-31"], ["报表生成时间：2026-04-01"],
            ["姓名", "工号", "部门", "职位", "UserId", "考勤组", "班次", "日期", "上班1打卡时间", "下班1打卡时间", "考勤结果"],
            ["张三", "E001", "管理部", "", "u1", "默认", "09:00-18:00", "26-03-05 星期四", "08:58", "18:05", "正常"],
            ["张三", "E001", "管理部", "", "u1", "默认", "09:00-18:00", "26-03-06 星期五", "未打卡", "18:02", "缺卡"]]
    d = parsers.parse_dingtalk(rows)
    assert d.punches == [("E001", dt.datetime(2026, 3, 5, 8, 58)), ("E001", dt.datetime(2026, 3, 5, 18, 5)),
                         ("E001", dt.datetime(2026, 3, 6, 18, 2))]


@pytest.fixture
def env(db, company):
    e = build(db, company)
    att.map_device_pin(db, e.admin, pin="77", employee_id=e.employees["E002"])
    return e


def _punch_count(db) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(Punch)).scalar_one()


def test_import_lists_unknown_pins_and_writes_nothing_then_ignores_duplicates(db, env):
    with pytest.raises(ImportFailed) as err:
        att.import_punches(db, env.admin, fmt="zkteco", content=ATTLOG + "999\t2026-03-02 09:00:00\t0\t1\n")
    assert [p.value for p in err.value.report.problems] == ["999"]
    assert _punch_count(db) == 0
    report = att.import_punches(db, env.admin, fmt="zkteco", content=ATTLOG)
    assert (report.created, report.updated) == (5, 1)
    again = att.import_punches(db, env.admin, fmt="zkteco", content=ATTLOG)
    assert (again.created, again.updated) == (0, 6) and _punch_count(db) == 5


def test_month_summary_correction_leave_and_pay(db, env):
    att.import_punches(db, env.admin, fmt="zkteco", content=ATTLOG)
    att.set_calendar_day(db, env.admin, day=dt.date(2026, 3, 6), kind="holiday", name="测试假日")
    rows = {r["employee_code"]: r for r in aq.attendance_summary(db, env.admin, period="2026-03")}
    e1, e2 = rows["E001"], rows["E002"]
    # March 2026: 22 weekdays, one made a holiday -> 21 working days
    assert e1["scheduled"] == 21 and e1["worked"] == 1 and e1["missing"] == ["2026-03-03"]
    assert e1["absent"] == 19 and e1["overtime_weekday"] == D("0.50") and e1["late"] == 0
    assert e2["worked"] == 1 and e2["early"] == 1 and e2["absent"] == 20
    att.correct_punch(db, env.admin, employee_id=env.employees["E001"], punched_at=dt.datetime(2026, 3, 3, 18, 0),
                      reason="忘记打卡")
    att.request_leave(db, env.admin, employee_id=env.employees["E001"], kind_code="personal",
                      start_date=dt.date(2026, 3, 4), end_date=dt.date(2026, 3, 8))  # 4th, 5th (6th holiday)
    e1 = next(r for r in aq.attendance_summary(db, env.admin, period="2026-03") if r["employee_code"] == "E001")
    assert e1["worked"] == 2 and e1["late"] == 1 and e1["missing"] == [] and e1["leave"] == {"personal": D(2)}
    assert e1["absent"] == 17
    # the month's effect on pay: 17 absent + 2 unpaid leave days at 10,000 / 21.75, and 0.5 h weekday overtime
    assert att.apply_attendance_to_pay(db, env.admin, period="2026-03") > 0
    run_id = pay.create_payroll_run(db, env.admin, period="2026-03")
    slip = next(s for s in pq.run_detail(db, env.admin, run_id=run_id)["payslips"] if s["employee_code"] == "E001")
    assert slip["items"]["absence_deduction"] == -(D(19) * D(10000) / D("21.75")).quantize(D("0.01"))
    assert slip["items"]["overtime_pay"] == (D("0.5") * D(10000) / D("21.75") / 8 * D("1.5")).quantize(D("0.01"))


def test_leave_waits_for_its_approval(db, env):
    from erp_core.approvals.services import create_rule
    from erp_core.security.models import Role

    with db.uow(readonly=True) as uow:
        manager = uow.session.execute(select(Role.id).where(Role.company_id == env.company_id,
                                                            Role.code == "manager")).scalar_one()
    create_rule(db, env.admin, doc_type="leave_request", condition="always", approver_role_id=manager)
    att.request_leave(db, env.admin, employee_id=env.employees["E002"], kind_code="annual",
                      start_date=dt.date(2026, 3, 9), end_date=dt.date(2026, 3, 10))
    (req,) = aq.leave_requests(db, env.admin, year=2026)
    assert req["approval"] == "pending" and req["days"] == 2
    bal = next(b for b in aq.leave_balances(db, env.admin, year=2026) if b["employee_code"] == "E002"
               and b["kind"] == "annual")
    assert bal["used"] == 0 and bal["left"] == 5
