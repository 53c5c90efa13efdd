"""The SLA clock across weekends and holidays (working calendar as data), the waiting pause, reopen, overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.crm.calendar import WorkingCalendar
from erp_core.crm.service import queries as tq
from erp_core.crm.service import services as ts
from erp_core.kernel.errors import InvalidTransition, ValidationError
from erp_core.masterdata import partners_services

SH = dt.timedelta(hours=8)  # Asia/Shanghai


def local(y, m, d, h, mi=0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi) - SH


def test_calendar_skips_weekends_holidays_and_counts_working_saturdays():
    cal = WorkingCalendar()
    friday_5pm = local(2026, 3, 6, 17)
    assert cal.add_working_hours(friday_5pm, 2) == local(2026, 3, 9, 10)  # Monday 10:00
    assert cal.add_working_hours(local(2026, 3, 7, 11), 1) == local(2026, 3, 9, 10)  # Saturday: from Monday 9:00
    assert cal.working_hours_between(friday_5pm, local(2026, 3, 9, 10)) == Decimal("2.00")
    # 国庆: 10-01..10-07 off (Thu..Wed), Sunday 09-28 and Saturday 10-10 work (调休)
    holidays = {dt.date(2025, 10, d): False for d in range(1, 9)}
    holidays |= {dt.date(2025, 9, 28): True, dt.date(2025, 10, 11): True}
    cal = WorkingCalendar(exceptions=holidays)
    assert not cal.is_workday(dt.date(2025, 10, 6)) and cal.is_workday(dt.date(2025, 10, 11))
    assert cal.add_working_hours(local(2025, 9, 30, 17), 4) == local(2025, 10, 9, 12)
    assert cal.add_working_hours(local(2025, 9, 27, 17), 1) == local(2025, 9, 28, 10)  # working Sunday


@pytest.fixture
def customer(team):
    return partners_services.create_customer(team.db, team.admin, values={"code": "C1", "name": "售后客户"})


def test_ticket_due_times_use_the_company_calendar(team, customer):
    ts.set_calendar_day(team.db, team.admin, day=dt.date(2026, 3, 3), workday=False, name="假日")
    team.clock.at = local(2026, 3, 2, 16)  # Monday 16:00
    tid = ts.create_ticket(team.db, team.admin, customer_id=customer, title="机器不转", problem_kind="fault",
                           priority="high")  # 4 h response, 16 h resolution
    t = tq.get_ticket(team.db, team.admin, ticket_id=tid)
    assert t["response_due"] == local(2026, 3, 4, 11)  # Mon 2 h, Tue off, Wed 9-11
    assert t["resolution_due"] == local(2026, 3, 5, 14)  # Mon 2 + Wed 9 + Thu 5
    assert t["status"] == "new" and not t["overdue"]
    team.clock.at = local(2026, 3, 4, 12)
    assert tq.list_tickets(team.db, team.admin, overdue_only=True)[0]["id"] == tid
    assert tq.get_ticket(team.db, team.admin, ticket_id=tid)["response_breached"]


def test_waiting_pauses_the_resolution_clock_and_reopen_restarts_it(team, customer):
    team.clock.at = local(2026, 3, 2, 9)
    tid = ts.create_ticket(team.db, team.admin, customer_id=customer, title="咨询", problem_kind="usage",
                           priority="urgent", assignee_id=team.users["li"])  # 1 h / 8 h
    assert tq.get_ticket(team.db, team.admin, ticket_id=tid)["status"] == "assigned"
    team.clock.at = local(2026, 3, 2, 9, 30)
    ts.change_ticket_status(team.db, team.admin, ticket_id=tid, version=None, action="start")
    team.clock.at = local(2026, 3, 2, 10)
    ts.change_ticket_status(team.db, team.admin, ticket_id=tid, version=None, action="wait")
    team.clock.at = local(2026, 3, 3, 10)  # waited 9 working hours
    ts.change_ticket_status(team.db, team.admin, ticket_id=tid, version=None, action="start")
    t = tq.get_ticket(team.db, team.admin, ticket_id=tid)
    assert t["first_response_at"] == local(2026, 3, 2, 9, 30) and not t["response_breached"]
    assert t["resolution_due"] == local(2026, 3, 3, 17)  # Mon 18:00 + 9 working hours
    ts.change_ticket_status(team.db, team.admin, ticket_id=tid, version=None, action="resolve")
    with pytest.raises(InvalidTransition):
        ts.change_ticket_status(team.db, team.admin, ticket_id=tid, version=None, action="wait")
    ts.rate_ticket(team.db, team.admin, ticket_id=tid, satisfaction=4)
    team.clock.at = local(2026, 3, 6, 17)  # Friday 17:00
    ts.change_ticket_status(team.db, team.admin, ticket_id=tid, version=None, action="reopen")
    t = tq.get_ticket(team.db, team.admin, ticket_id=tid)
    assert (t["status"], t["reopen_count"], t["resolved_at"]) == ("in_progress", 1, None)
    assert t["resolution_due"] == local(2026, 3, 9, 16)  # 1 h Friday + 7 h Monday
    assert [g["to_status"] for g in t["log"] if g["kind"] == "status"] == \
        ["new", "in_progress", "waiting", "in_progress", "resolved", "in_progress"]


def test_rating_needs_a_resolved_ticket(team, customer):
    tid = ts.create_ticket(team.db, team.admin, customer_id=customer, title="x", problem_kind="other")
    with pytest.raises(ValidationError):
        ts.rate_ticket(team.db, team.admin, ticket_id=tid, satisfaction=5)
