"""The operations module's scheduled jobs: backups, restore verification and integrity checks. Other modules
add theirs with the same decorator in their own ``jobs.py`` (see scheduler.py)."""

from __future__ import annotations

import json

from erp_core.db.uow import Database
from erp_core.operations import backup as bk
from erp_core.operations import opsconfig
from erp_core.operations import restore as rs
from erp_core.operations.scheduler import job


@job("backup.full", schedule="weekly sun 01:00", zh="完整备份", en="Full backup")
def full_backup(db: Database) -> str:
    m = bk.make_backup(db, kind="full")
    return f"{m['id']} ({m['stored']} bytes written)"


@job("backup.incremental", schedule="daily 01:00", zh="增量备份", en="Incremental backup")
def incremental_backup(db: Database) -> str:
    m = bk.make_backup(db, kind="incremental")
    return f"{m['id']} ({m['stored']} bytes written)"


@job("backup.verify", schedule="daily 04:00", zh="备份恢复验证", en="Restore verification")
def verify_newest(db: Database) -> str:
    """Restore the newest backup into a scratch database and check it; a failure alerts administrators on the
    home page (ops_setting last_verification) and fails the run."""
    opts = bk.options_for(db)
    with db.uow(readonly=True) as uow:
        scratch = opsconfig.read_all(uow.session)["scratch_url"] or None
    good = [b for b in bk.list_backups(opts.root) if b.kind != "?"]
    if not good:
        result = {"ok": False, "backup": "", "problems": ["no backup to verify"], "at": ""}
    else:
        result = rs.verify(db, good[0].id, opts=opts, scratch_base=scratch).as_dict()
    with db.uow() as uow:
        opsconfig.write(uow.session, "last_verification", json.dumps(result, ensure_ascii=False))
        uow.commit()
    if not result["ok"]:
        raise RuntimeError(f"restore verification of {result['backup'] or '-'} failed: "
                           + "; ".join(result["problems"][:5]))
    return f"{result['backup']} verified in {result['seconds']} s"


@job("system.check", schedule="daily 05:00", zh="完整性检查", en="Integrity checks")
def integrity_check(db: Database) -> str:
    from erp_core.checks import run_checks

    results = run_checks(db)
    bad = [f"{name}: {p.render('en')}" for name, problems in results for p in problems]
    if bad:
        raise RuntimeError(f"{len(bad)} problem(s): " + "; ".join(bad[:5]))
    return f"{len(results)} checks passed"
