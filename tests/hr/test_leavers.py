"""A leave (离职) recorded in advance does not lock the person out while they still work: access ends on the leaving
date (the company's local date), by the scheduled job hr.leavers; a leave dated today or earlier ends it at once
(tests/hr/test_hr4.py). On every backend."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from erp_core.hr.employees import queries as eq
from erp_core.hr.employees import services as hr
from erp_core.kernel import clock
from erp_core.security.models import AuditLog, User, UserSession
from erp_core.security.user_services import create_user
from tests.hr.support import build

# 2026-12-30 17:00 UTC is already 2026-12-31 01:00 in China: "today" is the company's date, not the server's
NOW = dt.datetime(2026, 12, 30, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def env(db, company):
    return build(db, company=company)


@pytest.fixture
def frozen():
    at = [NOW]
    clock.set_clock(lambda: at[0])
    yield at
    clock.set_clock(None)


def _user_state(db, uid):
    with db.uow(readonly=True) as uow:
        s = uow.session
        live = s.execute(select(UserSession.id).where(UserSession.user_id == uid,
                                                      UserSession.revoked_at.is_(None))).all()
        return s.get(User, uid).status, len(live)


def _leaver(db, env):
    uid = create_user(db, env.admin, username="wangwu", display_name="王五", password="Ww-Very-Long-Pass-1!")
    e2 = env.employees["E002"]
    hr.save_profile(db, env.admin, employee_id=e2, values={"user_id": uid})
    return e2, uid


def test_a_leave_recorded_in_advance_ends_access_on_its_date(db, env, frozen):
    e2, uid = _leaver(db, env)
    row_id = hr.record_status_change(db, env.admin, employee_id=e2, kind="leave", effective_date=dt.date(2027, 1, 3))
    # recorded, but the person still works: active, the account too; the audit says when access ends
    assert eq.employee_file(db, env.admin, employee_id=e2)["active"] is True
    assert _user_state(db, uid)[0] == "active"
    with db.uow(readonly=True) as uow:
        details = uow.session.execute(select(AuditLog.details).where(
            AuditLog.entity == "hr_status_change", AuditLog.entity_id == str(row_id))).scalar_one()
    assert json.loads(details)["changes"]["access_ends_on"] == "2027-01-03"
    # the job before the date: nothing due, nothing written
    assert hr.apply_due_leavings(db) == {"applied": 0, "refused": 0}
    assert _user_state(db, uid)[0] == "active"
    # on the date (China's, while it is still the day before in UTC): applied, sessions ended, audited
    frozen[0] = dt.datetime(2027, 1, 2, 16, 30, tzinfo=dt.UTC)
    assert hr.apply_due_leavings(db) == {"applied": 1, "refused": 0}
    assert _user_state(db, uid) == ("disabled", 0)
    assert eq.employee_file(db, env.admin, employee_id=e2)["active"] is False
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(AuditLog.action, AuditLog.entity_id, AuditLog.details).where(
            AuditLog.action == "hr.leave.apply")).all()
    assert [(a, e) for a, e, _ in rows] == [("hr.leave.apply", str(row_id))]
    assert json.loads(rows[0][2])["user_disabled"] == uid
    # idempotent: a second run finds nothing
    assert hr.apply_due_leavings(db) == {"applied": 0, "refused": 0}


def test_a_leave_dated_today_in_china_ends_access_at_once(db, env, frozen):
    e2, uid = _leaver(db, env)
    hr.record_status_change(db, env.admin, employee_id=e2, kind="leave", effective_date=dt.date(2026, 12, 31))
    assert _user_state(db, uid)[0] == "disabled"


def test_a_leave_followed_by_a_rehire_dated_before_today_is_not_applied(db, env, frozen):
    e2, uid = _leaver(db, env)
    hr.record_status_change(db, env.admin, employee_id=e2, kind="leave", effective_date=dt.date(2027, 1, 3))
    hr.record_status_change(db, env.admin, employee_id=e2, kind="hire", effective_date=dt.date(2027, 1, 5))
    # the job did not run on the 3rd or 4th (the scheduler was down); on the 6th the latest change is the rehire
    frozen[0] = dt.datetime(2027, 1, 6, 2, 0, tzinfo=dt.UTC)
    assert hr.apply_due_leavings(db)["applied"] == 0
    assert _user_state(db, uid)[0] == "active"


def test_the_job_is_registered_and_runs_the_leavings(db, env, frozen):
    from erp_core.operations.scheduler import load_jobs

    e2, uid = _leaver(db, env)
    hr.record_status_change(db, env.admin, employee_id=e2, kind="leave", effective_date=dt.date(2027, 1, 3))
    job = load_jobs()["hr.leavers"]
    assert job.fn(db) == "nothing due"
    frozen[0] = dt.datetime(2027, 1, 3, 2, 0, tzinfo=dt.UTC)
    assert job.fn(db) == "applied 1"
    assert _user_state(db, uid)[0] == "disabled"
