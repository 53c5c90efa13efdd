"""The scheduler (调度器): a small process (`erp scheduler`) that runs registered jobs on their schedules,
records every run (start, end, outcome, message) and never runs a job twice at once.

Adding a job is one decorator, in the module that owns the work::

    from erp_core.operations.scheduler import job

    @job("crm.pool_recycle", schedule="daily 03:00", zh="公海客户回收", en="Recycle the customer pool")
    def recycle_pool(db: Database) -> str:
        ...                     # runs as the system actor's code; returns a short message for the run record
        return "12 customers returned to the pool"

Jobs are found by importing ``erp_core.<package>.jobs`` modules (any module named ``jobs``), so a job exists in
every process that runs the scheduler, not only in one that happened to import its module.

Schedules (in the company's time zone, config ``time_zone``): ``every N min``, ``hourly``, ``daily HH:MM``,
``weekly mon|tue|...|sun HH:MM``. An administrator changes a job's schedule or switches it off on the backups
page; the registered schedule is the default.

Several scheduler processes (on one or several machines) may run against one database: a job is claimed by one
UPDATE that succeeds for exactly one of them (its next run time moves on and a lease is taken in the same
statement), so each due run happens once and never overlaps itself. A crashed job is recorded as failed and
tried again after ``RETRY_MINUTES`` (or at its next scheduled time, if that comes first); a process killed
mid-job leaves a lease that expires after ``LEASE_HOURS``."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import pkgutil
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from erp_core.db.uow import Database
from erp_core.kernel.errors import DomainError, ValidationError
from erp_core.operations.models import JobRun, ScheduledJob

RETRY_MINUTES = 15
LEASE_HOURS = 6
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[[Database], str | None]
    schedule: str
    zh: str
    en: str

    def label(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


JOBS: dict[str, Job] = {}


def job(name: str, *, schedule: str, zh: str, en: str) -> Callable:
    """Register ``fn(db) -> message`` as a scheduled job with a default schedule."""
    parse(schedule)

    def register(fn: Callable[[Database], str | None]) -> Callable[[Database], str | None]:
        JOBS[name] = Job(name, fn, schedule, zh, en)
        return fn

    return register


def load_jobs() -> dict[str, Job]:
    """Import every ``jobs`` module of erp_core, so the registry is complete in this process."""
    import erp_core

    for info in pkgutil.walk_packages(erp_core.__path__, "erp_core."):
        if info.name.rsplit(".", 1)[-1] == "jobs":
            importlib.import_module(info.name)
    return JOBS


# ------------------------------------------------------------------------------------------------ schedules

def parse(schedule: str) -> tuple[str, int, int, int]:
    """(kind, minutes-or-weekday, hour, minute); raises ValidationError naming the schedule."""
    parts = schedule.strip().lower().split()
    try:
        if len(parts) == 3 and parts[0] == "every" and parts[2] in ("min", "mins", "minutes"):
            n = int(parts[1])
            if 1 <= n <= 1440:
                return ("every", n, 0, 0)
        elif parts == ["hourly"]:
            return ("every", 60, 0, 0)
        elif len(parts) == 2 and parts[0] == "daily":
            h, m = (int(x) for x in parts[1].split(":"))
            if 0 <= h < 24 and 0 <= m < 60:
                return ("daily", 0, h, m)
        elif len(parts) == 3 and parts[0] == "weekly" and parts[1] in DAYS:
            h, m = (int(x) for x in parts[2].split(":"))
            if 0 <= h < 24 and 0 <= m < 60:
                return ("weekly", DAYS.index(parts[1]), h, m)
    except ValueError:
        pass
    raise ValidationError("error.ops.schedule.invalid", field="field.ops.schedule", schedule=schedule)


def next_after(schedule: str, after: dt.datetime, tz: str = "Asia/Shanghai") -> dt.datetime:
    """The first run time strictly after ``after`` (naive UTC in, naive UTC out)."""
    kind, a, h, m = parse(schedule)
    if kind == "every":
        epoch = dt.datetime(2000, 1, 1)
        steps = int((after - epoch).total_seconds() // (a * 60)) + 1
        return epoch + dt.timedelta(minutes=a * steps)
    zone = ZoneInfo(tz)
    local = after.replace(tzinfo=dt.UTC).astimezone(zone)
    day = local.date()
    for offset in range(0, 9):
        d = day + dt.timedelta(days=offset)
        if kind == "weekly" and d.weekday() != a:
            continue
        candidate = dt.datetime(d.year, d.month, d.day, h, m, tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------ running

def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def sync_jobs(db: Database, now: dt.datetime | None = None) -> None:
    """Give every registered job its row (default schedule, first run at its next scheduled time).

    Two processes starting together may both find a job missing; the second insert then violates the
    primary key, and a fresh read (which now sees the other's row) settles it."""
    now = now or utcnow()
    tz = db.settings.time_zone
    for attempt in range(3):
        try:
            with db.uow() as uow:
                have = set(uow.session.execute(select(ScheduledJob.name)).scalars())
                for j in JOBS.values():
                    if j.name not in have:
                        uow.session.add(ScheduledJob(name=j.name, schedule=j.schedule, enabled=True,
                                                     next_run_at=next_after(j.schedule, now, tz)))
                uow.commit()
            return
        except IntegrityError:
            if attempt == 2:
                raise


def claim(db: Database, name: str, owner: str, now: dt.datetime) -> bool:
    """Take a due job for ``owner``: one UPDATE that only one process can win."""
    with db.uow() as uow:
        row = uow.session.get(ScheduledJob, name)
        if row is None or not row.enabled or row.next_run_at is None or row.next_run_at > now:
            return False
        nxt = next_after(row.schedule, now, db.settings.time_zone)
        won = uow.session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == name, ScheduledJob.enabled.is_(True), ScheduledJob.next_run_at <= now,
                   (ScheduledJob.lock_until.is_(None)) | (ScheduledJob.lock_until < now))
            .values(lock_owner=owner, lock_until=now + dt.timedelta(hours=LEASE_HOURS), next_run_at=nxt)
            .execution_options(synchronize_session=False)).rowcount
        uow.commit()
        return won == 1


def run_job(db: Database, name: str, owner: str, now: dt.datetime) -> JobRun:
    """Run a claimed job, record the run, release the lease."""
    with db.uow() as uow:
        run = JobRun(job=name, runner=owner, started_at=utcnow(), outcome="running", message="")
        uow.session.add(run)
        uow.commit()
        run_id = run.id
    outcome, message = "ok", ""
    try:
        j = JOBS.get(name)
        if j is None:
            raise RuntimeError(f"job {name} is not registered in this process")
        message = j.fn(db) or ""
    except DomainError as exc:
        outcome = "failed"
        from erp_core.i18n import render_error

        message = render_error(exc, "en")
    except Exception as exc:  # noqa: BLE001 - a job's crash is recorded, the scheduler goes on
        outcome = "failed"
        message = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc(limit=5))[-1500:]
    with db.uow() as uow:
        run = uow.session.get(JobRun, run_id)
        run.ended_at, run.outcome, run.message = utcnow(), outcome, message[:4000]
        row = uow.session.get(ScheduledJob, name)
        if row is not None and row.lock_owner == owner:
            row.lock_owner, row.lock_until = None, None
            if outcome == "failed":
                retry = utcnow() + dt.timedelta(minutes=RETRY_MINUTES)
                if row.next_run_at is None or retry < row.next_run_at:
                    row.next_run_at = retry
        uow.commit()
        uow.session.refresh(run)
        uow.session.expunge(run)
    return run


def run_due(db: Database, *, owner: str | None = None, now: dt.datetime | None = None) -> list[JobRun]:
    """One pass: run every job that is due (in registry order); returns the runs this process made. None while
    maintenance mode is on (an upgrade is migrating the database, or an administrator stopped the writes): due
    jobs stay due and run at the first pass after it ends."""
    from erp_core.operations import maintenance

    owner = owner or runner_name()
    runs: list[JobRun] = []
    if maintenance.read(db):
        return runs
    for name in list(JOBS):
        t = now or utcnow()
        if claim(db, name, owner, t):
            runs.append(run_job(db, name, owner, t))
    return runs


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(db: Database, *, poll_seconds: float = 30.0, parent_pid: int | None = None,
          stop: Callable[[], bool] = lambda: False, log: Callable[[str], None] = print) -> None:
    """The scheduler's loop: sync the jobs, run what is due, sleep; until ``stop()`` or, with ``parent_pid``,
    until that process (the web server ./start.sh became) has ended."""
    load_jobs()
    sync_jobs(db)
    log(f"scheduler {runner_name()}: {len(JOBS)} jobs")
    while not stop() and (parent_pid is None or _alive(parent_pid)):
        try:
            for r in run_due(db):
                log(f"{r.started_at:%Y-%m-%d %H:%M:%S} {r.job}: {r.outcome} {r.message.splitlines()[0] if r.message else ''}")
        except Exception as exc:  # noqa: BLE001 - the database may be briefly unreachable; try again later
            log(f"scheduler: {type(exc).__name__}: {exc}")
        deadline = time.monotonic() + poll_seconds
        while time.monotonic() < deadline and not stop():
            if parent_pid is not None and not _alive(parent_pid):
                log(f"scheduler {runner_name()}: the server ({parent_pid}) has stopped; stopping")
                return
            time.sleep(min(1.0, poll_seconds))
