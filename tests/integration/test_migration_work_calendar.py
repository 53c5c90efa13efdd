"""Migration 0034_hr3 joins HR's and CRM's work calendars into one (work_calendar_day): the rows of both tables
come over (HR's kind holiday/workday becomes workday false/true), HR's row wins where both name the same day,
and the downgrade gives each module the whole calendar back. On every backend, with real rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from erp_core.db.migrate import downgrade, upgrade
from tests.support.factories import admin_actor, make_company

BEFORE = "0027_crmops"


def _rows(engine, sql):
    with engine.connect() as conn:
        out = []
        for row in conn.execute(text(sql)).all():
            out.append(tuple(dt.date.fromisoformat(v[:10]) if isinstance(v, str) and v[:4].isdigit() and
                             len(v) >= 10 and v[4] == "-" else v for v in row))
        return sorted(out)


def test_hr_and_crm_calendar_rows_move_into_the_one_company_calendar(db):
    setup = make_company(db)
    company, admin = setup.company_id, admin_actor(db, setup)
    downgrade(db.engine, BEFORE)
    with db.engine.begin() as conn:
        for day, kind, name in (("2026-10-01", "holiday", "国庆节"), ("2026-10-10", "workday", "调休上班"),
                                ("2026-05-01", "holiday", "劳动节")):
            conn.execute(text("INSERT INTO hr_calendar_day (company_id, day, kind, name) VALUES (:c, :d, :k, :n)"),
                         {"c": company, "d": dt.date.fromisoformat(day), "k": kind, "n": name})
        for day, workday, name in (("2026-12-31", False, "公司年会"), ("2026-05-01", True, None)):
            conn.execute(text("INSERT INTO crm_calendar_day (company_id, day, workday, name) VALUES (:c, :d, :w, :n)"),
                         {"c": company, "d": dt.date.fromisoformat(day), "w": workday, "n": name})
    upgrade(db.engine)
    got = _rows(db.engine, "SELECT company_id, day, workday, name FROM work_calendar_day")
    assert [(c, d, bool(w), n) for c, d, w, n in got] == [
        (company, dt.date(2026, 5, 1), False, "劳动节"),  # HR's holiday wins over CRM's working day
        (company, dt.date(2026, 10, 1), False, "国庆节"),
        (company, dt.date(2026, 10, 10), True, "调休上班"),
        (company, dt.date(2026, 12, 31), False, "公司年会")]
    # both modules read the one calendar
    from erp_core.crm.calendar import load_calendar
    from erp_core.hr.attendance import queries as aq

    with db.uow(readonly=True) as uow:
        cal = load_calendar(uow.session, company)
    assert not cal.is_workday(dt.date(2026, 10, 1)) and cal.is_workday(dt.date(2026, 10, 10))
    assert not cal.is_workday(dt.date(2026, 12, 31))
    hr_days = {d["day"]: d["kind"] for d in aq.calendar_days(db, admin, year=2026)}
    assert hr_days == {dt.date(2026, 5, 1): "holiday", dt.date(2026, 10, 1): "holiday",
                       dt.date(2026, 10, 10): "workday", dt.date(2026, 12, 31): "holiday"}
    downgrade(db.engine, BEFORE)
    assert len(_rows(db.engine, "SELECT day, kind FROM hr_calendar_day")) == 4
    assert len(_rows(db.engine, "SELECT day, workday FROM crm_calendar_day")) == 4
    upgrade(db.engine)
