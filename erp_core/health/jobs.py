"""Scheduled jobs of the health module (registered with erp_core/operations/scheduler.py's @job)."""

from __future__ import annotations

from erp_core.db.uow import Database
from erp_core.operations.scheduler import job


@job("logs.purge", schedule="daily 03:30", zh="清理过期应用日志", en="Delete old application logs")
def purge_logs(db: Database) -> str:
    """Rotated application log files older than [log] retention_days (never the audit log, never current files)."""
    from erp_core.health.logs import purge_old_logs

    removed = purge_old_logs(db.settings.log_dir, db.settings.log.retention_days)
    return f"{len(removed)} log files deleted"
