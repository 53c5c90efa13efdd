"""考勤: the month's summary per employee (late, early, absent, missing punches for 补卡, leave, overtime) with
export and "计入工资"; clock data import (ZKTeco ATTLOG, ZKTime CSV, DingTalk daily summary: dry run first, unknown
PINs listed); 补卡; the work calendar (holidays and 调休); leave requests and balances."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.hr.attendance import queries as aq
from erp_core.hr.attendance import services as att
from erp_core.hr.attendance.parsers import FORMATS
from erp_core.hr.employees import queries as eq
from erp_core.io.importer import ImportFailed
from erp_core.io.reading import decode_text, read_table
from ui.actions import run_action
from ui.context import database, locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.report_kit import period_select, this_period
from ui.safe import error_md, md, md_escape
from ui.sections import section
from ui.settings_kit import confirmed_button, export_buttons, table

actor = require_actor()
st.title(tr("nav.hr.attendance"))
help_link("hr", "attendance")  # "?" to this page's part of the help centre
chosen = section("at_section", ["summary", "import", "leave", "calendar"], "hr.section.", tr("nav.hr.attendance"))

if chosen == "summary":
    period = period_select("field.hr.period", "at_period", default=this_period())
    rows = run_action(aq.attendance_summary, period=period)
    if rows is None:
        st.stop()
    cols = [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
            ("scheduled", "hr.col.scheduled"), ("worked", "hr.col.worked"), ("late", "hr.col.late"),
            ("early", "hr.col.early"), ("absent", "hr.col.absent"), ("missing_count", "hr.col.missing"),
            ("leave_days", "hr.col.leave_days"), ("overtime_weekday", "hr.col.ot_weekday"),
            ("overtime_rest_day", "hr.col.ot_rest_day"), ("overtime_holiday", "hr.col.ot_holiday")]
    table(rows, cols)
    export_buttons(rows, cols, f"attendance-{period}", "at_export")
    missing = [(r["employee_id"], r["employee_code"], d) for r in rows for d in r["missing"]]
    if missing and actor.may("hr.attendance.correct"):
        st.subheader(tr("hr.missing_punches"))
        with st.form("at_fix"):
            pick = st.selectbox(tr("hr.col.missing"), range(len(missing)),
                                format_func=lambda i: f"{missing[i][1]} {missing[i][2]}")
            when = st.time_input(tr("field.hr.punched_at"), value=dt.time(18, 0))
            reason = st.text_input(tr("field.hr.reason"))
            if st.form_submit_button(tr("hr.correct"), type="primary"):
                emp, _code, day = missing[pick]
                run_action(att.correct_punch, employee_id=emp, punched_at=dt.datetime.combine(
                    dt.date.fromisoformat(day), when), reason=reason, success="hr.saved")
    fixes = run_action(aq.punch_corrections, period=period) or []
    if fixes:
        st.subheader(tr("hr4.corrections"))
        table(fixes, [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
                      ("punched_at", "field.hr.punched_at"), ("approval", "hr4.col.approval")],
              formatters={"approval": lambda a: tr(f"hr4.approval.{a}")})
    if actor.may("hr.attendance.apply"):
        if confirmed_button("hr.apply_to_pay", "hr.confirm_apply", "at_apply", period=period):
            run_action(att.apply_attendance_to_pay, period=period, success="hr.saved")
elif chosen == "import":
    fmt = st.selectbox(tr("field.hr.clock_format"), FORMATS, key="at_fmt", format_func=lambda f: tr(f"hr.fmt.{f}"))
    upload = st.file_uploader(tr("hr.clock_file"), type=["txt", "dat", "csv", "xlsx"], key="at_file")
    dry = st.checkbox(tr("hr.dry_run"), value=True, key="at_dry")
    if upload is not None and st.button(tr("hr.import"), key="at_import", type="primary"):
        data = upload.getvalue()
        try:
            if upload.name.lower().endswith(".xlsx"):
                t = read_table(data, upload.name)
                content = [t.headers, *t.rows]
            else:
                content = decode_text(data)
            report = att.import_punches(database(), actor, fmt=fmt, content=content, dry_run=dry,
                                        filename=upload.name)
        except ImportFailed as err:
            st.error(error_md(err, locale()))
            for p in err.report.problems:
                st.markdown("- " + md_escape(p.render(locale())))
        except Exception as err:  # a DomainError (encoding, size): shown in the user's language
            from erp_core.kernel.errors import DomainError

            if not isinstance(err, DomainError):
                raise
            st.error(error_md(err, locale()))
        else:
            st.success(md("hr.imported", written=report.created, duplicates=report.updated, rows=report.rows))
            if dry:
                st.caption(tr("hr.dry_run_note"))
    if actor.may("hr.attendance.manage"):
        with st.form("at_pin"):
            emps = run_action(eq.list_profiles, active=True) or []
            by_id = {e["employee_id"]: e for e in emps}
            pin = st.text_input(tr("field.hr.pin"))
            emp = st.selectbox(tr("field.hr.employee"), list(by_id),
                               format_func=lambda i: f'{by_id[i]["code"]} {by_id[i]["name"]}')
            if st.form_submit_button(tr("hr.map_pin")) and emp is not None:
                run_action(att.map_device_pin, pin=pin, employee_id=emp, success="hr.saved")
elif chosen == "leave":
    year = st.number_input(tr("field.hr.year"), min_value=2000, max_value=2100, value=dt.date.today().year,
                           key="at_year")
    reqs = run_action(aq.leave_requests, year=int(year)) or []
    cols = [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
            ("kind", "field.hr.leave_kind"), ("start_date", "field.hr.start_date"),
            ("end_date", "field.hr.end_date"), ("days", "hr.col.days"), ("approval", "hr.col.approval")]
    table(reqs, cols, formatters={"approval": lambda a: tr(f"hr.approval.{a}"), "kind": lambda k: tr(f"hr.leave.{k}")
                                  if k in ("annual", "sick", "personal", "marriage", "maternity", "compensatory")
                                  else k})
    if reqs:
        export_buttons(reqs, cols, f"leave-{int(year)}", "at_leave_export")
    bal = run_action(aq.leave_balances, year=int(year)) or []
    st.subheader(tr("hr.balances"))
    table(bal, [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
                ("kind", "field.hr.leave_kind"), ("entitled", "hr.col.entitled"), ("used", "hr.col.used"),
                ("left", "hr.col.left")])
    if actor.may("hr.leave.request"):
        with st.form("at_leave"):
            emps = run_action(eq.list_profiles, active=True) or []
            by_id = {e["employee_id"]: e for e in emps}
            emp = st.selectbox(tr("field.hr.employee"), list(by_id),
                               format_func=lambda i: f'{by_id[i]["code"]} {by_id[i]["name"]}')
            kind = st.selectbox(tr("field.hr.leave_kind"), ["annual", "sick", "personal", "marriage", "maternity",
                                                           "compensatory"], format_func=lambda k: tr(f"hr.leave.{k}"))
            start = st.date_input(tr("field.hr.start_date"), value=dt.date.today())
            end = st.date_input(tr("field.hr.end_date"), value=dt.date.today())
            reason = st.text_input(tr("field.hr.reason"))
            if st.form_submit_button(tr("hr.request_leave"), type="primary") and emp is not None:
                run_action(att.request_leave, employee_id=emp, kind_code=kind, start_date=start, end_date=end,
                           reason=reason, success="hr.saved")
else:
    year = st.number_input(tr("field.hr.year"), min_value=2000, max_value=2100, value=dt.date.today().year,
                           key="at_cal_year")
    days = run_action(aq.calendar_days, year=int(year)) or []
    table(days, [("day", "hr.col.day"), ("kind", "field.hr.day_kind"), ("name", "field.hr.remarks")],
          formatters={"kind": lambda k: tr(f"hr.day.{k}")})
    if actor.may("hr.attendance.manage"):
        if st.button(tr("hr.load_holidays"), key="at_holidays"):
            run_action(att.load_holidays, year=int(year), success="hr.saved")
        with st.form("at_day"):
            day = st.date_input(tr("hr.col.day"), value=dt.date.today())
            kind = st.selectbox(tr("field.hr.day_kind"), [None, "holiday", "workday"],
                                format_func=lambda k: tr("hr.day.normal") if k is None else tr(f"hr.day.{k}"))
            name = st.text_input(tr("field.hr.remarks"))
            if st.form_submit_button(tr("hr.save")):
                run_action(att.set_calendar_day, day=day, kind=kind, name=name, success="hr.saved")
