"""The company work calendar (公司工作日历), one per company and shared by every module that counts working days:
HR attendance and leave (erp_core/hr/attendance) and the CRM service SLA clock (erp_core/crm/calendar.py).

A day is a workday when Monday..Friday unless an exception row says otherwise: 法定节假日 (workday False on a
weekday) and 调休上班 (workday True on a Saturday or Sunday). Rows: ``work_calendar_day`` (models.py); reads and
writes inside the caller's unit of work: store.py; the pure clock: rules.py.
"""
