"""Scheduled jobs of HR (registered with erp_core/operations/scheduler.py's @job)."""

from __future__ import annotations

from erp_core.db.uow import Database
from erp_core.operations.scheduler import job


@job("hr.leavers", schedule="daily 00:05", zh="离职生效（停用账号）", en="Leavers: end access on the leaving date")
def leavers(db: Database) -> str:
    """Leaves recorded in advance take effect on their date: the employee made inactive, the user disabled."""
    from erp_core.hr.employees.services import apply_due_leavings

    result = apply_due_leavings(db)
    return ", ".join(f"{k} {v}" for k, v in sorted(result.items()) if v) or "nothing due"
