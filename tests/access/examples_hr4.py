"""Access examples for the HR additions of the issue #14 audit: the month's 补卡 list with approval states."""

from tests.access.examples import example


@example("erp_core.hr.attendance.queries.punch_corrections")
def _(env):
    return {"period": "2026-03"}


@example("erp_core.hr.attendance.queries.my_attendance")
def _(env):
    return {"period": "2026-03"}


@example("erp_core.hr.attendance.queries.my_leave_balances")
def _(env):
    return {"year": 2026}
