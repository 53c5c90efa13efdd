"""The modules' jobs reach the scheduler, and the health page reads the real backup and scheduler state (the
wiring of issue #16's two halves after they were built in parallel)."""

from __future__ import annotations

import datetime as dt

from erp_core.health import status
from erp_core.operations.models import JobRun, ScheduledJob
from erp_core.operations.scheduler import load_jobs


def test_log_retention_and_crm_recycling_are_scheduled_jobs():
    jobs = load_jobs()
    assert {"logs.purge", "crm.recycle", "hr.leavers", "backup.full", "backup.incremental", "backup.verify",
            "system.check"} <= set(jobs)


def test_health_status_reads_the_scheduler_runs_and_the_backup_folder(db, tmp_path):
    assert status.scheduler_runs(db) == []
    with db.uow() as uow:
        uow.session.add(ScheduledJob(name="logs.purge", schedule="daily 03:30"))
        uow.session.flush()
        uow.session.add(JobRun(job="logs.purge", runner="test", started_at=dt.datetime(2026, 12, 6, 3, 30),
                               ended_at=dt.datetime(2026, 12, 6, 3, 31), outcome="ok", message="0 log files deleted"))
        uow.commit()
    [run] = status.scheduler_runs(db)
    assert (run["job"], run["outcome"], run["message"]) == ("logs.purge", "ok", "0 log files deleted")
    backups = status.backup_status(db)
    assert backups is not None and backups["rows"] == []
