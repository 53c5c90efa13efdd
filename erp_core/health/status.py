"""The figures of the health page, as plain functions over a Database or a session (the query in
health/queries.py checks the permission and calls them; `erp check` records its runs here).

Backups and the scheduler belong to the operations module (erp_core/operations): :func:`backup_status` lists
the backup folder's newest backups with their verification, :func:`scheduler_runs` the newest job runs.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from erp_core.checks import Problem
from erp_core.health.models import CheckRun
from erp_core.kernel.clock import naive_utcnow


def database_size(engine) -> int | None:
    """The operational database's size in bytes (SQLite: the file plus its WAL; PostgreSQL:
    pg_database_size; MariaDB: data + index length of the schema's tables), None when it cannot be told."""
    backend = engine.dialect.name
    try:
        if backend == "sqlite":
            path = engine.url.database
            if not path or path == ":memory:":
                return None
            return sum(p.stat().st_size for p in (Path(path), Path(path + "-wal")) if p.exists())
        with engine.connect() as conn:
            if backend == "postgresql":
                return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
            if backend in ("mysql", "mariadb"):
                value = conn.execute(text(
                    "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables "
                    "WHERE table_schema = DATABASE()")).scalar_one()
                return int(value)
    except Exception:  # noqa: BLE001 - a health figure must never break the page that shows it
        return None
    return None


@dataclass(frozen=True)
class DiskSpace:
    path: str
    total: int
    free: int

    @property
    def free_pct(self) -> float:
        return 100.0 * self.free / self.total if self.total else 0.0


def disk_space(path: Path) -> DiskSpace | None:
    """Space on the file system holding ``path`` (its nearest existing parent)."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        usage = shutil.disk_usage(p)
    except OSError:
        return None
    return DiskSpace(str(path), usage.total, usage.free)


def record_check_run(db, kind: str, results: list[tuple[str, list[Problem]]], *, started_at: dt.datetime,
                     ran_by: str = "cli") -> int:
    """Store what a run of `erp check` found (kind "integrity") or of the quality checks ("quality", where the
    problems are counts): per check its count and its first messages in both languages. Returns the row id."""
    summary: list[dict[str, Any]] = []
    total = 0
    for name, problems in results:
        total += len(problems)
        summary.append({"name": name, "count": len(problems),
                        "messages": [{"zh_CN": p.render("zh_CN"), "en": p.render("en")} for p in problems[:20]]})
    return _store(db, kind, summary, total, started_at, ran_by)


def record_quality_run(db, counts: dict[str, int], *, started_at: dt.datetime, ran_by: str = "cli") -> int:
    summary = [{"name": code, "count": n, "messages": []} for code, n in counts.items()]
    return _store(db, "quality", summary, sum(counts.values()), started_at, ran_by)


def _store(db, kind: str, summary: list[dict[str, Any]], total: int, started_at: dt.datetime, ran_by: str) -> int:
    size = database_size(db.engine)
    with db.uow() as uow:
        row = CheckRun(kind=kind, started_at=started_at, finished_at=naive_utcnow(), problems=total,
                       results=json.dumps(summary, ensure_ascii=False), db_size=size, ran_by=ran_by[:64])
        uow.session.add(row)
        uow.session.flush()
        rid = row.id
        uow.commit()
    return rid


@dataclass(frozen=True)
class CheckRunView:
    id: int
    kind: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    problems: int
    results: list[dict[str, Any]]
    db_size: int | None
    ran_by: str


def _view(row: CheckRun) -> CheckRunView:
    try:
        results = json.loads(row.results or "[]")
    except ValueError:
        results = []
    return CheckRunView(row.id, row.kind, row.started_at, row.finished_at, row.problems, results, row.db_size,
                        row.ran_by)


def last_check_run(session, kind: str) -> CheckRunView | None:
    row = session.execute(select(CheckRun).where(CheckRun.kind == kind)
                          .order_by(CheckRun.started_at.desc(), CheckRun.id.desc()).limit(1)).scalar_one_or_none()
    return _view(row) if row is not None else None


def size_history(session, *, limit: int = 60) -> list[tuple[dt.datetime, int]]:
    """(time, bytes) of the recorded check runs that measured the database, oldest first: its growth."""
    rows = session.execute(select(CheckRun.started_at, CheckRun.db_size).where(CheckRun.db_size.is_not(None))
                           .order_by(CheckRun.started_at.desc(), CheckRun.id.desc()).limit(limit)).all()
    return [(r.started_at, int(r.db_size)) for r in reversed(rows)]


def active_session_count(session, company_id: int, *, now: dt.datetime | None = None) -> int:
    from erp_core.security.models import User, UserSession

    now = now or naive_utcnow()
    return session.execute(select(func.count()).select_from(UserSession).join(User, User.id == UserSession.user_id)
                           .where(User.company_id == company_id, UserSession.revoked_at.is_(None),
                                  UserSession.expires_at > now)).scalar_one()


# --- the operations module's panels (issue #16 items 1-4): "not available" until the lead wires them ---

def backup_status(db) -> dict[str, Any] | None:
    """The newest backups and their verification (erp_core/operations), or None when the backup folder cannot
    be read."""
    from dataclasses import asdict

    from erp_core.operations import backup as bk

    try:
        opts = bk.options_for(db)
        return {"rows": [asdict(b) for b in bk.list_backups(opts.root)[:20]]}
    except Exception:  # noqa: BLE001 — the health page must show what it can; the backups page names the problem
        return None


def scheduler_runs(db) -> list[dict[str, Any]] | None:
    """The scheduler's newest job runs (erp_core/operations)."""
    from sqlalchemy import select

    from erp_core.operations.models import JobRun

    with db.uow(readonly=True) as uow:
        return [{"job": r.job, "runner": r.runner, "started_at": r.started_at, "ended_at": r.ended_at,
                 "outcome": r.outcome, "message": r.message}
                for r in uow.session.execute(select(JobRun).order_by(JobRun.id.desc()).limit(50)).scalars()]
