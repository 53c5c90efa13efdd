"""Use cases of the operations module. Only administrators hold ``admin.*`` permissions (roles_seed.py), so
only they back up, restore, verify, upgrade and change schedules.

Long operations (backup, restore, verification, upgrade) go through ``@operation`` (gate.py): permission and
session checked first, the work done outside a transaction, one audit entry after it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from erp_core.config import redact_url
from erp_core.db.uow import Database
from erp_core.kernel.errors import DomainError, ValidationError, raise_if
from erp_core.operations import backup as bk
from erp_core.operations import opsconfig, scheduler
from erp_core.operations import restore as rs
from erp_core.operations import upgrade as up
from erp_core.operations.gate import operation
from erp_core.operations.models import ScheduledJob
from erp_core.usecase import Context, use_case


@operation("admin.backup.create", zh="创建备份", en="Create a backup", entity="backup")
def create_backup(ctx: Context, *, kind: str = "incremental") -> dict:
    """Take a backup now (full, or incremental on the newest full); returns {"id", "kind", "stored"}."""
    if kind not in ("full", "incremental"):
        raise ValidationError("error.ops.backup.kind", field="field.ops.kind", kind=kind)
    m = bk.make_backup(ctx.db, kind=kind)
    return {"id": m["id"], "kind": m["kind"], "stored": m["stored"]}


@operation("admin.backup.verify", zh="验证备份", en="Verify a backup", entity="backup")
def verify_backup(ctx: Context, *, backup_id: str) -> dict:
    """Restore into a scratch database and check it (integrity checks, figures); recorded beside the backup."""
    db = ctx.db
    with db.uow(readonly=True) as uow:
        scratch = opsconfig.read_all(uow.session)["scratch_url"] or None
    return {"id": backup_id, **rs.verify(db, backup_id, scratch_base=scratch).as_dict()}


@operation("admin.backup.restore", zh="恢复备份", en="Restore a backup", entity="backup")
def restore_backup(ctx: Context, *, backup_id: str, to_url: str, files_dir: str = "",
                   confirm_live: bool = False) -> dict:
    """Restore into the database ``to_url``. A new (empty) database: loaded, then checked like a verification.
    The live database itself: refused unless ``confirm_live``, and then a fresh backup of it is taken first."""
    if not to_url.strip():
        raise ValidationError("error.required", field="field.ops.to_url")
    db = ctx.db
    opts = bk.options_for(db)
    live = db.engine.url.render_as_string(hide_password=False)
    if rs.same_database(to_url, live):
        if not confirm_live:
            raise DomainError("error.ops.restore.live_needs_confirmation")
        result = rs.restore_live(db, backup_id, confirm=True, opts=opts)
        return {"id": backup_id, "to": redact_url(to_url), "live": True, **result}
    manifest = rs.restore(opts, backup_id, to_url, files_dir=Path(files_dir) if files_dir else None)
    problems = rs.check_restored(to_url, manifest)
    return {"id": backup_id, "to": redact_url(to_url), "live": False, "ok": not problems, "problems": problems}


@operation("admin.upgrade.run", zh="升级系统", en="Upgrade the system", entity="upgrade")
def run_upgrade(ctx: Context, *, dry_run: bool = True) -> dict:
    """Backup, dry run on a copy, maintenance mode, migrate, checks, rollback on failure (upgrade.py)."""
    db = ctx.db
    with db.uow(readonly=True) as uow:
        scratch = opsconfig.read_all(uow.session)["scratch_url"] or None
    result = up.run_upgrade(db, who=ctx.actor.username or "system", dry_run=dry_run, scratch_base=scratch)
    return {"id": result["log_id"], **result}


@operation("admin.upgrade.run", zh="升级系统", en="Upgrade the system", entity="maintenance")
def set_maintenance(ctx: Context, *, on: bool, reason: str = "") -> dict:
    """Switch maintenance mode on or off by hand (``erp maintenance on|off``), e.g. to stop every app process
    from saving while a release is copied to several machines. The flag is in the database (maintenance.py):
    every process refuses use cases at once. An ``@operation``, not a use case: it must work while maintenance
    refuses use cases. Switching it on needs a reason (the notice every user sees): refused without one, with
    the field named, and nothing changed."""
    import datetime as dt

    from erp_core.operations import maintenance

    if on and not reason.strip():
        raise ValidationError("error.required", field="field.ops.reason")
    if on:
        changed = maintenance.begin(ctx.db, {"reason": reason.strip()[:200], "from": "-",
                                             "to": "-", "by": ctx.actor.username or "system",
                                             "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    else:
        changed = maintenance.end(ctx.db)
    return {"id": "maintenance", "on": on, "changed": changed}


SETTING_KEYS = ("backup_dir", "offsite_dir", "keep_full", "passphrase_file", "compression_level", "scratch_url")


@use_case("admin.backup.configure", zh="备份设置", en="Backup settings")
def update_backup_settings(ctx: Context, **values: str) -> None:
    """Change the backup settings (folder, off-site folder, retention, passphrase file, compression, scratch
    server). Unknown keys and bad numbers are refused with the field named."""
    problems: list[ValidationError] = []
    for key, value in values.items():
        if key not in SETTING_KEYS:
            problems.append(ValidationError("error.ops.setting.unknown", field="field.ops.setting", key=key))
        elif key == "compression_level" and not str(value).strip():
            continue  # empty: the default (SQLite pages stored as they are, dumps and files zlib 1)
        elif key in opsconfig.INT_KEYS:
            lo, hi = (1, 100) if key == "keep_full" else (0, 9)
            if not str(value).strip().isdigit() or not lo <= int(value) <= hi:
                problems.append(ValidationError("error.ops.setting.range", field=f"field.ops.{key}", low=lo,
                                                high=hi))
        elif key in ("backup_dir", "offsite_dir", "passphrase_file") and value and not Path(value).is_absolute():
            problems.append(ValidationError("error.ops.setting.absolute", field=f"field.ops.{key}"))
    raise_if(problems)
    before = opsconfig.read_all(ctx.session)
    for key, value in values.items():
        if before.get(key) != str(value):
            opsconfig.write(ctx.session, key, str(value).strip())
    ctx.audit("ops_setting", None, **{k: [before.get(k), str(v)] for k, v in values.items()
                                      if before.get(k) != str(v)})


@use_case("admin.scheduler.edit", zh="修改调度任务", en="Edit a scheduled job")
def update_job(ctx: Context, *, name: str, schedule: str, enabled: bool) -> None:
    """Change a job's schedule or switch it on/off; its next run moves to the new schedule."""
    row = ctx.session.get(ScheduledJob, name)
    if row is None:
        raise DomainError("error.ops.job.not_found", job=name)
    scheduler.parse(schedule)
    schedule = " ".join(schedule.lower().split())
    changed = ctx.diff(row, schedule=schedule, enabled=bool(enabled))
    if "schedule" in changed or "enabled" in changed:
        row.next_run_at = scheduler.next_after(schedule, scheduler.utcnow(), ctx.db.settings.time_zone)
    ctx.audit("ops_job", name)


@use_case("admin.scheduler.run", zh="立即运行任务", en="Run a job now")
def run_job_soon(ctx: Context, *, name: str) -> None:
    """Ask the scheduler to run a job at its next pass (within its poll interval)."""
    row = ctx.session.get(ScheduledJob, name)
    if row is None:
        raise DomainError("error.ops.job.not_found", job=name)
    row.next_run_at = scheduler.utcnow()
    ctx.audit("ops_job", name, next_run_at="now")


def job_names(db: Database) -> list[str]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.execute(select(ScheduledJob.name).order_by(ScheduledJob.name)).scalars())
