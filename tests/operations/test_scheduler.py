"""The scheduler: schedules, one run per due time across processes, crashes recorded and retried, the lease."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from erp_core.kernel.errors import ValidationError
from erp_core.operations import scheduler
from erp_core.operations.models import JobRun, ScheduledJob
from tests.operations.conftest import url_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("schedule", "after", "expected"), [
    # Asia/Shanghai is UTC+8: daily 02:00 local is 18:00 UTC the day before
    ("daily 02:00", dt.datetime(2026, 1, 5, 17, 0), dt.datetime(2026, 1, 5, 18, 0)),
    ("daily 02:00", dt.datetime(2026, 1, 5, 18, 0), dt.datetime(2026, 1, 6, 18, 0)),
    ("weekly sun 03:00", dt.datetime(2026, 1, 5, 0, 0), dt.datetime(2026, 1, 10, 19, 0)),  # Sun 11 Jan local
    ("every 15 min", dt.datetime(2026, 1, 5, 10, 7), dt.datetime(2026, 1, 5, 10, 15)),
    ("hourly", dt.datetime(2026, 1, 5, 10, 0), dt.datetime(2026, 1, 5, 11, 0)),
])
def test_next_run_times(schedule, after, expected):
    assert scheduler.next_after(schedule, after, "Asia/Shanghai") == expected


@pytest.mark.parametrize("bad", ["", "daily", "daily 25:00", "weekly xyz 01:00", "every 0 min", "at noon"])
def test_bad_schedules_are_refused(bad):
    with pytest.raises(ValidationError):
        scheduler.parse(bad)


@pytest.fixture
def registry():
    saved = dict(scheduler.JOBS)
    scheduler.JOBS.clear()
    yield scheduler.JOBS
    scheduler.JOBS.clear()
    scheduler.JOBS.update(saved)


def _outcomes(db, name):
    with db.uow(readonly=True) as uow:
        return list(uow.session.execute(select(JobRun.outcome).where(JobRun.job == name).order_by(JobRun.id))
                    .scalars())


def test_a_crashing_job_is_recorded_and_retried_next_time(ops_db, registry):
    calls = []

    @scheduler.job("test.flaky", schedule="daily 03:00", zh="测试", en="Test")
    def flaky(db):
        calls.append(1)
        if len(calls) == 1:
            raise ZeroDivisionError("boom")
        return "fine"

    t0 = dt.datetime(2026, 3, 1, 12, 0)
    scheduler.sync_jobs(ops_db, now=t0)
    assert scheduler.run_due(ops_db, now=t0) == []  # not due before 03:00 local
    due = scheduler.next_after("daily 03:00", t0)
    [run] = scheduler.run_due(ops_db, now=due)
    assert run.outcome == "failed" and "ZeroDivisionError: boom" in run.message and run.ended_at
    assert scheduler.run_due(ops_db, now=due + dt.timedelta(minutes=1)) == []
    with ops_db.uow(readonly=True) as uow:
        row = uow.session.get(ScheduledJob, "test.flaky")
        assert row.lock_owner is None and row.next_run_at <= scheduler.utcnow() + dt.timedelta(minutes=16)
    # the retry: due again at the retry time (set from the real clock)
    [again] = scheduler.run_due(ops_db, now=scheduler.utcnow() + dt.timedelta(minutes=16))
    assert again.outcome == "ok" and again.message == "fine"
    assert _outcomes(ops_db, "test.flaky") == ["failed", "ok"]


def test_a_leased_job_is_not_run_again(ops_db, registry):
    @scheduler.job("test.leased", schedule="every 5 min", zh="测试", en="Test")
    def leased(db):
        return "ran"

    now = scheduler.utcnow()
    scheduler.sync_jobs(ops_db, now=now)
    with ops_db.uow() as uow:  # another process holds it (e.g. a long backup)
        row = uow.session.get(ScheduledJob, "test.leased")
        row.next_run_at, row.lock_owner, row.lock_until = now, "other:1", now + dt.timedelta(hours=1)
        uow.commit()
    assert scheduler.run_due(ops_db, now=now + dt.timedelta(minutes=1)) == []
    # a lease left by a killed process expires
    assert len(scheduler.run_due(ops_db, now=now + dt.timedelta(hours=2))) == 1


def test_no_job_starts_while_maintenance_mode_is_on(ops_db, registry):
    """An upgrade migrating the database (or writes stopped by hand) holds the jobs: they stay due and run at the
    first pass after maintenance ends."""
    from erp_core.operations import maintenance

    @scheduler.job("test.held", schedule="every 5 min", zh="测试", en="Test")
    def held(db):
        return "ran"

    now = scheduler.utcnow()
    scheduler.sync_jobs(ops_db, now=now)
    maintenance.begin(ops_db, {"reason": "upgrade", "from": "a", "to": "b"})
    try:
        assert scheduler.run_due(ops_db, now=now + dt.timedelta(minutes=6)) == []
    finally:
        maintenance.end(ops_db)
    [run] = scheduler.run_due(ops_db, now=now + dt.timedelta(minutes=6))
    assert run.outcome == "ok" and run.message == "ran"


TWO_SCHEDULERS = textwrap.dedent("""
    import sys, time, os
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from erp_core.operations import scheduler
    scheduler.JOBS.clear()
    for n in range(3):
        def work(db, n=n):
            with open({out!r}, "a") as f:
                f.write(f"job{{n}} {{os.getpid()}}\\n")
            time.sleep(0.5)
            return "done"
        scheduler.job(f"test.job{{n}}", schedule="every 60 min", zh="测试", en="Test")(work)
    url = {url!r}
    db = Database(make_engine(url), Settings(database_url=url, data_dir=Path({data!r})))
    scheduler.sync_jobs(db)
    while time.time() < {start}:
        time.sleep(0.01)
    for _ in range(4):  # several passes each, overlapping the other process's runs
        scheduler.run_due(db, now=scheduler.utcnow() + __import__("datetime").timedelta(minutes=61))
        time.sleep(0.1)
""")


def test_two_scheduler_processes_run_each_job_once(ops_db, tmp_path):
    out = tmp_path / "runs.txt"
    script = TWO_SCHEDULERS.format(root=str(ROOT), out=str(out), url=url_of(ops_db),
                                   data=str(ops_db.settings.data_dir), start=time.time() + 6)
    procs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read().decode()[-3000:]
    lines = out.read_text().splitlines()
    assert sorted(line.split()[0] for line in lines) == ["job0", "job1", "job2"], lines
    with ops_db.uow(readonly=True) as uow:
        runs = list(uow.session.execute(select(JobRun.job, JobRun.outcome)))
    assert sorted(runs) == [("test.job0", "ok"), ("test.job1", "ok"), ("test.job2", "ok")]


def test_the_built_in_jobs_are_registered_with_defaults():
    jobs = scheduler.load_jobs()
    assert {"backup.full", "backup.incremental", "backup.verify", "system.check"} <= set(jobs)
    assert jobs["backup.full"].schedule == "weekly sun 01:00"


def test_scheduled_backup_and_verification_jobs(ops_db, opts, registry):
    import importlib

    from erp_core.operations import backup as bk
    from erp_core.operations import jobs  # noqa: F401
    from tests.operations.conftest import populate

    importlib.reload(jobs)  # re-register into the emptied registry
    populate(ops_db)
    now = scheduler.utcnow()
    scheduler.sync_jobs(ops_db, now=now)
    with ops_db.uow() as uow:
        for name in ("backup.incremental", "backup.verify", "system.check"):
            uow.session.get(ScheduledJob, name).next_run_at = now
        uow.commit()
    runs = {r.job: r for r in scheduler.run_due(ops_db, now=now)}
    assert runs["backup.incremental"].outcome == "ok", runs["backup.incremental"].message
    assert runs["backup.verify"].outcome == "ok", runs["backup.verify"].message
    assert runs["system.check"].outcome == "ok", runs["system.check"].message
    [b] = bk.list_backups(opts.root)
    assert b.kind == "full" and b.verification["ok"] is True  # the first backup of a chain is a full one


def test_the_scheduler_loop_stops_when_the_server_process_ends(ops_db, registry):
    """./start.sh starts `erp scheduler --parent-pid <server>`: the loop ends when that process has ended."""
    import threading

    server = subprocess.Popen(["sleep", "2"])
    threading.Thread(target=server.wait, daemon=True).start()  # reaped, as init would reap the server
    lines: list[str] = []
    started = time.monotonic()
    scheduler.serve(ops_db, poll_seconds=0.2, parent_pid=server.pid, log=lines.append)
    assert server.poll() is not None and time.monotonic() - started < 30
    assert lines and "jobs" in lines[0]
