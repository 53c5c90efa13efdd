"""Upgrades (升级): `erp upgrade` and the admin page.

1. a full backup; 2. a dry run of the pending migrations on a copy of the database (restored from that backup
into a scratch database), timed, followed by the integrity checks; 3. maintenance mode on (users see a
notice, writes are refused, in every app process: the flag is in the database, maintenance.py) and an
incremental backup, which holds what users wrote during the dry run; 4. the migrations on the live database;
5. the integrity checks and smoke checks (schema at the target version, trial balance and stock on hand
unchanged, no table lost rows); 6. on ANY failure after step 3, the live database is put back from the backup
of step 3 and checked against it;
7. maintenance mode off and one upgrade log row (升级记录: time, who, from -> to, steps with timings, outcome),
written after a rollback so the rollback cannot erase it.

``versions_dirs`` adds migration folders (tests use one holding a migration that fails half-way)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from erp_core.config import Settings
from erp_core.db.engine import make_engine
from erp_core.db.migrate import MIGRATIONS_DIR, current_revision
from erp_core.db.uow import Database
from erp_core.kernel.errors import DomainError
from erp_core.operations import backup as bk
from erp_core.operations import figures, maintenance, snapshot
from erp_core.operations import restore as rs
from erp_core.operations.models import UpgradeLog


def _config(engine: Engine, versions_dirs: Sequence[Path] = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if versions_dirs:
        import os

        cfg.set_main_option("version_locations", os.pathsep.join(
            [str(MIGRATIONS_DIR / "versions"), *map(str, versions_dirs)]))
    cfg.attributes["engine"] = engine
    return cfg


def target_head(versions_dirs: Sequence[Path] = ()) -> str:
    return ScriptDirectory.from_config(_config(None, versions_dirs)).get_current_head()  # type: ignore[arg-type]


def migrate(engine: Engine, versions_dirs: Sequence[Path] = ()) -> None:
    command.upgrade(_config(engine, versions_dirs), "head")


def status(db: Database, versions_dirs: Sequence[Path] = ()) -> dict:
    """The running (database) and available (code) schema versions and the pending migrations."""
    cur = current_revision(db.engine)
    head = target_head(versions_dirs)
    script = ScriptDirectory.from_config(_config(None, versions_dirs))  # type: ignore[arg-type]
    pending = [] if cur == head else [r.revision for r in script.iterate_revisions(head, cur or "base")][::-1]
    return {"current": cur or "-", "available": head, "pending": pending}


class _Steps:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, started: float, detail: str = "") -> None:
        self.lines.append(f"{name}: {time.monotonic() - started:.2f} s{(' - ' + detail) if detail else ''}")


def _checks(url: str, settings: Settings, head: str) -> list[str]:
    """Integrity checks of the database at ``url`` (schema compared with ``head``, not with the code's)."""
    engine = make_engine(url)
    try:
        cur = current_revision(engine)
    finally:
        engine.dispose()
    problems = [] if cur == head else [f"schema at {cur}, expected {head}"]
    return problems + rs.run_checks_on(url, time_zone=settings.time_zone, skip=("schema_current",))


def _smoke(url: str, recorded: dict) -> list[str]:
    """The figures that no migration may change: trial balance, stock on hand, rows of existing tables."""
    actual = rs.figures_of(url)
    out = [f"{k} changed" for k in ("trial_balance", "stock_on_hand") if recorded.get(k) != actual.get(k)]
    for table, n in recorded.get("row_counts", {}).items():
        if table != "alembic_version" and actual["row_counts"].get(table, -1) < n:
            out.append(f"rows {table}: {n} -> {actual['row_counts'].get(table, '-')}")
    return out


def run_upgrade(db: Database, *, who: str, versions_dirs: Sequence[Path] = (), dry_run: bool = True,
                opts: bk.Options | None = None, scratch_base: str | None = None) -> dict:
    """Upgrade the live database to the code's schema version, safely (module docstring). Returns
    {"outcome", "from", "to", "backup", "steps", "log_id"}; outcome is current / upgraded / dry_run_failed /
    rolled_back."""
    opts = opts or bk.options_for(db)
    url = db.engine.url.render_as_string(hide_password=False)
    settings = db.settings
    started_at = dt.datetime.now(dt.UTC)
    frm = current_revision(db.engine) or "-"
    head = target_head(versions_dirs)
    steps = _Steps()
    backup_id, outcome = "", "current"
    if frm == head:
        steps.lines.append("schema already current: nothing to do")
        return _log(db, who, started_at, frm, head, backup_id, outcome, steps, opts.root)

    t = time.monotonic()
    manifest = bk.make_backup(db, kind="full", opts=opts)
    backup_id = manifest["id"]
    steps.add("backup", t, backup_id)

    if dry_run:
        t = time.monotonic()
        scratch = rs.scratch_url(db, scratch_base, opts)
        try:
            rs.restore(opts, backup_id, scratch, checked=True)
            engine = make_engine(scratch)
            try:
                migrate(engine, versions_dirs)
            finally:
                engine.dispose()
            problems = _checks(scratch, settings, head) + _smoke(scratch, manifest["figures"])
        except Exception as exc:  # noqa: BLE001 - any failure of the dry run stops the upgrade
            problems = [f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"]
        finally:
            snapshot.drop_database(scratch)
        steps.add("dry run on a copy", t, "; ".join(problems) or "ok")
        if problems:
            return _log(db, who, started_at, frm, head, backup_id, "dry_run_failed", steps, opts.root)

    try:
        mine = maintenance.begin(db, {"reason": "upgrade", "from": frm, "to": head, "by": who,
                                      "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    except DBAPIError:  # a database from before the operations tables (0017): no process reads the flag there
        mine = False
    try:
        # what users wrote since the first backup (during the dry run) is in this one: the rollback keeps it
        t = time.monotonic()
        manifest = bk.make_backup(db, kind="incremental", opts=opts)
        backup_id = manifest["id"]
        steps.add("backup after maintenance began", t, backup_id)
        t = time.monotonic()
        try:
            migrate(db.engine, versions_dirs)
            db.engine.dispose()
            problems = _checks(url, settings, head) + _smoke(url, manifest["figures"])
        except Exception as exc:  # noqa: BLE001 - any failure rolls back
            problems = [f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"]
        steps.add("migrate and check", t, "; ".join(problems) or "ok")
        outcome = "upgraded"
        if problems:
            t = time.monotonic()
            rs.replace_live(db, opts, backup_id)
            diff = figures.compare(manifest["figures"], rs.figures_of(url))
            steps.add("rollback to the backup", t, "; ".join(diff) or "database equals the backup")
            outcome = "rolled_back"
    finally:
        if mine:
            maintenance.end(db)
    return _log(db, who, started_at, frm, head, backup_id, outcome, steps, opts.root)


def _log(db: Database, who: str, started_at: dt.datetime, frm: str, to: str, backup_id: str, outcome: str,
         steps: _Steps, root: Path | None = None) -> dict:
    """The upgrade log row, and the same record appended to ``upgrade-log.jsonl`` in the backup folder (kept
    even when a rollback returned the database to a version that has no upgrade log table yet)."""
    ended = dt.datetime.now(dt.UTC)
    entry = {"started_at": started_at.isoformat(timespec="seconds"), "ended_at": ended.isoformat(timespec="seconds"),
             "actor": who, "from": frm, "to": to, "backup": backup_id, "outcome": outcome, "steps": steps.lines}
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        with open(root / "upgrade-log.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    log_id = None
    try:
        with db.uow() as uow:
            row = UpgradeLog(started_at=started_at, ended_at=ended, actor=who, from_version=frm, to_version=to,
                             backup_id=backup_id, outcome=outcome, steps="\n".join(steps.lines))
            uow.session.add(row)
            uow.commit()
            log_id = row.id
    except DBAPIError:
        if root is None:
            raise
    return {"outcome": outcome, "from": frm, "to": to, "backup": backup_id, "steps": steps.lines, "log_id": log_id}


def upgrade_log(db: Database, limit: int = 50) -> list[UpgradeLog]:
    with db.uow(readonly=True) as uow:
        rows = list(uow.session.execute(select(UpgradeLog).order_by(UpgradeLog.id.desc()).limit(limit)).scalars())
        for r in rows:
            uow.session.expunge(r)
        return rows


def changelog() -> str:
    from erp_core.config import PROJECT_ROOT

    p = PROJECT_ROOT / "CHANGELOG.md"
    return p.read_text(encoding="utf-8") if p.exists() else ""


__all__ = ["DomainError", "changelog", "migrate", "run_upgrade", "status", "target_head", "upgrade_log"]
