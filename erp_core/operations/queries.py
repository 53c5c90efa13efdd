"""Read side of the operations module (administrators only)."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy import select

from erp_core.config import redact_url
from erp_core.operations import backup as bk
from erp_core.operations import maintenance, opsconfig, scheduler
from erp_core.operations import upgrade as up
from erp_core.operations.models import JobRun, ScheduledJob, UpgradeLog
from erp_core.usecase import Context, query


@query("admin.backup.view", zh="查看备份", en="View backups")
def list_backups(ctx: Context) -> list[dict]:
    """Backups in the backup folder, newest first, with their verification status."""
    values = opsconfig.read_all(ctx.session)
    root = opsconfig.backup_root(values, ctx.db.settings.backup_dir)
    return [asdict(b) for b in bk.list_backups(root)]


@query("admin.backup.view", zh="查看备份", en="View backups")
def backup_settings(ctx: Context) -> dict:
    """The backup settings with the folder in use; whether a passphrase is set (never the passphrase)."""
    values = opsconfig.read_all(ctx.session)
    out = {k: values[k] for k in ("backup_dir", "offsite_dir", "keep_full", "passphrase_file",
                                  "compression_level")}
    out["scratch_url"] = redact_url(values["scratch_url"]) if values["scratch_url"] else ""
    out["folder_in_use"] = str(opsconfig.backup_root(values, ctx.db.settings.backup_dir))
    out["encrypted"] = opsconfig.passphrase(values) is not None
    try:
        out["last_verification"] = json.loads(values["last_verification"]) if values["last_verification"] else None
    except json.JSONDecodeError:
        out["last_verification"] = None
    return out


@query("admin.scheduler.view", zh="查看调度任务", en="View scheduled jobs")
def list_jobs(ctx: Context, locale: str = "zh_CN") -> list[dict]:
    """Registered jobs with their schedule, state and latest run."""
    scheduler.load_jobs()
    rows = {r.name: r for r in ctx.session.execute(select(ScheduledJob)).scalars()}
    out = []
    for name in sorted(set(rows) | set(scheduler.JOBS)):
        row, j = rows.get(name), scheduler.JOBS.get(name)
        last = ctx.session.execute(select(JobRun).where(JobRun.job == name).order_by(JobRun.id.desc())
                                   .limit(1)).scalar_one_or_none()
        out.append({"name": name, "label": j.label(locale) if j else name,
                    "schedule": row.schedule if row else (j.schedule if j else ""),
                    "default_schedule": j.schedule if j else "", "enabled": row.enabled if row else True,
                    "next_run_at": row.next_run_at if row else None,
                    "running": bool(row and row.lock_owner), "last_outcome": last.outcome if last else "",
                    "last_started_at": last.started_at if last else None,
                    "last_message": last.message if last else ""})
    return out


@query("admin.scheduler.view", zh="查看调度任务", en="View scheduled jobs")
def list_runs(ctx: Context, job: str = "", limit: int = 100) -> list[dict]:
    """The newest runs (of one job, or all)."""
    stmt = select(JobRun).order_by(JobRun.id.desc()).limit(max(1, min(limit, 1000)))
    if job:
        stmt = stmt.where(JobRun.job == job)
    return [{"id": r.id, "job": r.job, "runner": r.runner, "started_at": r.started_at, "ended_at": r.ended_at,
             "outcome": r.outcome, "message": r.message} for r in ctx.session.execute(stmt).scalars()]


@query("admin.upgrade.view", zh="查看升级", en="View upgrades")
def upgrade_status(ctx: Context) -> dict:
    """Running and available schema versions, pending migrations, the upgrade log and the release notes."""
    st = up.status(ctx.db)
    log = [{"id": r.id, "started_at": r.started_at, "ended_at": r.ended_at, "actor": r.actor,
            "from": r.from_version, "to": r.to_version, "backup": r.backup_id, "outcome": r.outcome,
            "steps": r.steps}
           for r in ctx.session.execute(select(UpgradeLog).order_by(UpgradeLog.id.desc()).limit(50)).scalars()]
    from erp_core import __version__

    return {**st, "app_version": __version__, "log": log, "changelog": up.changelog(),
            "maintenance": maintenance.read(ctx.db)}
