"""System health and the application log (issue #16 item 5): rotating log files with the configured level, errors
read back (a traceback stays one entry), retention deletes only expired rotated log files (never the current ones,
nothing else in the folder, never audit entries); `erp check` records each run and `erp check --quality` prints
and records the quality findings; the health snapshot shows them with the database size, sessions and the log's
errors; backups and scheduler panels say "not available" until the operations module exists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erp_core.config import load_settings
from erp_core.health import logs, status
from erp_core.health.models import CheckRun
from erp_core.health.queries import health_snapshot
from erp_core.kernel.errors import ConfigError
from erp_core.masterdata import partners_services
from erp_core.security.models import AuditLog
from tests.support.factories import admin_actor, make_company


@pytest.fixture
def log_dir(tmp_path):
    folder = tmp_path / "logs"
    yield folder
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "name", None) == "erp-file-log":
            root.removeHandler(h)
            h.close()


def test_log_file_level_and_errors_read_back(log_dir):
    path = logs.configure_logging(log_dir, level="WARNING", kind="app", retention_days=7)
    assert path == log_dir / "app.log"
    log = logging.getLogger("erp.test")
    log.info("not written: below the level")
    log.warning("a warning")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("page failed")
    logging.getLogger().handlers[-1].flush()
    text = path.read_text(encoding="utf-8")
    assert "not written" not in text and "a warning" in text
    assert len(text.strip().splitlines()) == 2  # the traceback is part of its record's one line
    errors = logs.recent_errors(log_dir)
    assert [(e.level, e.logger, e.file) for e in errors] == [("ERROR", "erp.test", "app.log")]
    assert "page failed" in errors[0].message and "RuntimeError: boom" in errors[0].message
    assert sorted(e.level for e in logs.recent_errors(log_dir, min_level="WARNING")) == ["ERROR", "WARNING"]
    # configuring again (every Streamlit run does) keeps one handler
    logs.configure_logging(log_dir, level="WARNING", kind="app")
    assert sum(getattr(h, "name", None) == "erp-file-log" for h in logging.getLogger().handlers) == 1


def test_retention_deletes_only_expired_rotated_logs(log_dir):
    log_dir.mkdir(parents=True)
    now = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    old, recent = now - dt.timedelta(days=100), now - dt.timedelta(days=10)
    files = {"app.log": old, "app.log.2026-08-01": old, "cli.log.2026-11-26": recent, "notes.txt": old,
             "audit.jsonl.gz": old}
    for name, when in files.items():
        p = log_dir / name
        p.write_text("x")
        os.utime(p, (when.timestamp(), when.timestamp()))
    assert logs.purge_old_logs(log_dir, 90, now=now) == ["app.log.2026-08-01"]
    assert sorted(p.name for p in log_dir.iterdir()) == ["app.log", "audit.jsonl.gz", "cli.log.2026-11-26",
                                                         "notes.txt"]
    with pytest.raises(ValueError):
        logs.purge_old_logs(log_dir, 0, now=now)


def test_log_settings(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[app]\ndata_dir = "d"\n[log]\nlevel = "debug"\nretention_days = 30\n', encoding="utf-8")
    s = load_settings(cfg, env={})
    assert (s.log.level, s.log.retention_days, s.log_dir) == ("DEBUG", 30, tmp_path / "d" / "logs")
    cfg.write_text('[log]\nfolder = "var/log/erp"\n', encoding="utf-8")
    s = load_settings(cfg, env={})
    assert (s.log.level, s.log.retention_days, s.log_dir) == ("INFO", 90, tmp_path / "var/log/erp")
    cfg.write_text('[log]\nlevel = "LOUD"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(cfg, env={})
    assert exc.value.params["key"] == "log.level"
    cfg.write_text('[log]\nretention_days = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(cfg, env={})


def test_check_runs_are_recorded_and_shown(db, erp_cli, tmp_path, monkeypatch, log_dir):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[app]\ndata_dir = "{tmp_path / "data"}"\n[log]\nfolder = "{log_dir}"\n', encoding="utf-8")
    monkeypatch.setenv("ERP_CONFIG", str(cfg))
    company = make_company(db)
    admin = admin_actor(db, company)
    partners_services.create_customer(db, admin, values={"code": "C1", "name": "没有税号的客户"})

    snap = health_snapshot(db, admin)
    assert snap.last_integrity is None and snap.last_quality is None and snap.size_history == []
    assert snap.backups == {"rows": []} and snap.scheduler == []  # read from erp_core/operations: none yet

    # one `erp check` per process: a second one on PostgreSQL trips over the analytics engine's attached database
    # ("database with name op already exists", erp_core/analytics/engine.py; not this module's)
    result = erp_cli("check", "--quality")
    assert result.exit_code == 0, result.output  # findings are not violations
    assert "Customers without a tax ID: 1" in result.output and "code=C1" in result.output
    with db.uow(readonly=True) as uow:
        runs = uow.session.execute(select(CheckRun.kind, CheckRun.problems).order_by(CheckRun.id)).all()
    assert [tuple(r) for r in runs] == [("integrity", 0), ("quality", 1)]

    logging.getLogger("erp.test").error("something broke")
    for h in logging.getLogger().handlers:
        h.flush()
    from erp_core.config import LogSettings
    from erp_core.db.uow import Database

    # the app reads the log folder of its settings: the same folder the CLI wrote to
    same_settings = Database(db.engine, dataclasses.replace(db.settings, log=LogSettings(folder=log_dir)))
    snap = health_snapshot(same_settings, admin)
    assert snap.last_integrity.problems == 0 and {r["name"] for r in snap.last_integrity.results} >= {
        "schema_current", "audit_chain"}
    quality = {r["name"]: r["count"] for r in snap.last_quality.results}
    assert quality["customers_without_tax_id"] == 1 and quality["voucher_gaps"] == 0
    assert snap.active_sessions == 0
    assert snap.db_size is None or snap.db_size > 0
    assert any(e.message == "something broke" for e in snap.recent_errors)
    assert snap.disk is not None and snap.disk.free > 0

    # the log's retention never touches the audit log
    with db.uow(readonly=True) as uow:
        audit_before = uow.session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    purged = erp_cli("logs", "purge", "--days", "1")
    assert purged.exit_code == 0, purged.output
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(AuditLog)).scalar_one() == audit_before
    listed = erp_cli("logs", "errors")
    assert listed.exit_code == 0 and "something broke" in listed.output


def test_database_size_per_backend(db):
    size = status.database_size(db.engine)
    assert size is None or size > 0
    if db.engine.dialect.name in ("sqlite", "postgresql"):
        assert size and size > 0


def test_size_history_is_the_growth_between_runs(db):
    started = dt.datetime(2026, 12, 1, 8)
    for n, day in enumerate((1, 2, 3)):
        with db.uow() as uow:
            uow.session.add(CheckRun(kind="integrity", started_at=started.replace(day=day), problems=0, results="[]",
                                     db_size=1000 * (n + 1), ran_by="t"))
            uow.commit()
    with db.uow(readonly=True) as uow:
        assert [s for _, s in status.size_history(uow.session)] == [1000, 2000, 3000]
        assert status.last_check_run(uow.session, "integrity").started_at == started.replace(day=3)


def test_unwritable_log_folder_is_not_fatal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from erp_core.config import LogSettings, Settings

    settings = Settings(database_url="sqlite://", log=LogSettings(folder=blocker / "logs"))
    assert logs.configure_from_settings(settings, "cli") is None
    assert not Path(blocker / "logs").exists()
