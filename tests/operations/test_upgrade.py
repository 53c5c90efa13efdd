"""Upgrades: a migration failing half-way is rolled back to the backup (the database equals it, table by table)
and the upgrade log records it; the dry run stops a bad release before the live database is touched; a good
release upgrades; maintenance mode refuses writes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from erp_core.db.migrate import current_revision, head_revision
from erp_core.kernel.errors import DomainError
from erp_core.operations import maintenance
from erp_core.operations import upgrade as up
from erp_core.operations.models import OpsSetting, UpgradeLog
from tests.operations.conftest import add_customers, populate, table_rows, url_of

FAILING = Path(__file__).parent / "migrations_failing"
GOOD = Path(__file__).parent / "migrations_good"
ROOT = Path(__file__).resolve().parents[2]


def _log(db) -> list[tuple]:
    with db.uow(readonly=True) as uow:
        return [(r.outcome, r.from_version, r.to_version, r.backup_id, r.steps)
                for r in uow.session.execute(select(UpgradeLog).order_by(UpgradeLog.id)).scalars()]


def _seed_setting(db):
    with db.uow() as uow:
        uow.session.add(OpsSetting(key="keep_full", value="7"))
        uow.commit()


def test_a_migration_failing_half_way_is_rolled_back_to_the_backup(ops_db, opts):
    populate(ops_db)
    _seed_setting(ops_db)
    before = table_rows(url_of(ops_db))
    result = up.run_upgrade(ops_db, who="admin", versions_dirs=[FAILING], dry_run=False, opts=opts)
    assert result["outcome"] == "rolled_back"
    assert result["to"] == "t0099_fails_halfway" and result["from"] == head_revision()
    after = table_rows(url_of(ops_db))
    log_rows = after.pop("ops_upgrade_log")
    before.pop("ops_upgrade_log")
    assert after == before  # every table, every row: the database equals the backup
    assert "upgrade_probe" not in inspect(ops_db.engine).get_table_names()
    assert current_revision(ops_db.engine) == head_revision()
    [(outcome, frm, to, backup_id, steps)] = _log(ops_db)
    assert len(log_rows) == 1 and outcome == "rolled_back" and backup_id == result["backup"]
    assert "fails half-way" in steps and "database equals the backup" in steps
    assert maintenance.read(ops_db) is None
    assert '"outcome": "rolled_back"' in (opts.root / "upgrade-log.jsonl").read_text()


def test_the_dry_run_stops_a_bad_release_before_the_live_database(ops_db, opts):
    populate(ops_db)
    before = table_rows(url_of(ops_db))
    result = up.run_upgrade(ops_db, who="admin", versions_dirs=[FAILING], dry_run=True, opts=opts)
    assert result["outcome"] == "dry_run_failed"
    after = table_rows(url_of(ops_db))
    after.pop("ops_upgrade_log")
    before.pop("ops_upgrade_log")
    assert after == before
    assert [r[0] for r in _log(ops_db)] == ["dry_run_failed"]


def test_a_good_release_upgrades_after_a_dry_run(ops_db, opts):
    company = populate(ops_db)
    add_customers(ops_db, company, 2, "UP-")
    status = up.status(ops_db, [GOOD])
    assert status["pending"] == ["t0098_adds_probe"] and status["current"] == head_revision()
    result = up.run_upgrade(ops_db, who="admin", versions_dirs=[GOOD], opts=opts)
    assert result["outcome"] == "upgraded", result["steps"]
    assert current_revision(ops_db.engine) == "t0098_adds_probe"
    assert "upgrade_probe_ok" in inspect(ops_db.engine).get_table_names()
    assert [s.split(":")[0] for s in result["steps"]] == ["backup", "dry run on a copy",
                                                         "backup after maintenance began", "migrate and check"]
    again = up.run_upgrade(ops_db, who="admin", versions_dirs=[GOOD], opts=opts)
    assert again["outcome"] == "current"


def test_maintenance_mode_refuses_use_cases(ops_db):
    from erp_core.masterdata import partners_services
    from tests.support.factories import admin_actor

    company = populate(ops_db)
    admin = admin_actor(ops_db, company)
    assert maintenance.begin(ops_db, {"reason": "upgrade", "from": "a", "to": "b"})
    assert not maintenance.begin(ops_db, {"reason": "again"}), "on already: the first notice stays"
    try:
        with pytest.raises(DomainError) as err:
            partners_services.create_customer(ops_db, admin, values={"code": "M1", "name": "维护中"})
        assert err.value.message_id == "error.ops.maintenance"
        assert maintenance.read(ops_db)["to"] == "b"
    finally:
        assert maintenance.end(ops_db)
    partners_services.create_customer(ops_db, admin, values={"code": "M1", "name": "维护后"})
    assert maintenance.read(ops_db) is None and not maintenance.end(ops_db)


# A second app process: its own data folder (another machine), the same database. It prints what it sees.
OTHER_PROCESS = textwrap.dedent("""
    import sys
    from pathlib import Path
    from types import SimpleNamespace
    sys.path.insert(0, {root!r})
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from erp_core.kernel.errors import DomainError
    from erp_core.masterdata import partners_services
    from erp_core.operations import maintenance
    from tests.support.factories import admin_actor
    url = {url!r}
    db = Database(make_engine(url), Settings(database_url=url, data_dir=Path({data!r})))
    print("notice:", (maintenance.active(db) or {{}}).get("reason"))
    admin = admin_actor(db, SimpleNamespace(admin_user_id={uid!r}))
    try:
        partners_services.create_customer(db, admin, values={{"code": {code!r}, "name": "另一进程"}})
        print("saved")
    except DomainError as exc:
        print("refused:", exc.message_id)
""")


def _other_process(ops_db, company, tmp_path, code: str) -> str:
    other = tmp_path / "other-machine"
    other.mkdir(exist_ok=True)
    script = OTHER_PROCESS.format(root=str(ROOT), url=url_of(ops_db), data=str(other),
                                  uid=company.admin_user_id, code=code)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_second_app_process_with_another_data_folder_sees_maintenance(ops_db, erp_cli, monkeypatch, tmp_path):
    """The flag lives in the database: a process on another machine (another data folder) is refused too,
    at once; `erp maintenance on/off/status` switches it."""
    company = populate(ops_db)
    path = tmp_path / "config.toml"
    path.write_text(f'[app]\ndata_dir = "{ops_db.settings.data_dir}"\n')
    monkeypatch.setenv("ERP_CONFIG", str(path))
    bare = erp_cli("maintenance", "on")  # the notice users see is required
    assert bare.exit_code != 0 and "Reason for maintenance is required" in bare.output, bare.output
    assert maintenance.read(ops_db) is None
    on = erp_cli("maintenance", "on", "--reason", "moving servers")
    assert on.exit_code == 0, on.output
    assert "Maintenance mode is ON (moving servers" in on.output
    assert maintenance.read(ops_db)["reason"] == "moving servers"
    seen = _other_process(ops_db, company, tmp_path, "P2-1")
    assert "notice: moving servers" in seen and "refused: error.ops.maintenance" in seen, seen

    off = erp_cli("maintenance", "off")
    assert off.exit_code == 0 and "Maintenance mode is off" in off.output, off.output
    seen = _other_process(ops_db, company, tmp_path, "P2-2")
    assert "notice: None" in seen and "saved" in seen, seen
    status = erp_cli("maintenance", "status")
    assert "Maintenance mode is off" in status.output


def test_writes_made_during_the_dry_run_survive_a_rollback(ops_db, opts, monkeypatch):
    """Users work on while the dry run runs; the rollback returns to a backup taken after maintenance began,
    so what they saved in between is kept (the rollback went to the first backup before: it was lost)."""
    company = populate(ops_db)
    live = url_of(ops_db)
    real_migrate, real_checks = up.migrate, up._checks

    def migrate(engine, dirs):
        if engine.url.render_as_string(hide_password=False) != live:  # the dry run's copy: passes
            add_customers(ops_db, company, 1, "DURING-DRY-RUN-")  # meanwhile a user saves a customer
            return
        real_migrate(engine, dirs)  # the live database: fails half-way

    monkeypatch.setattr(up, "migrate", migrate)
    monkeypatch.setattr(up, "_checks", lambda url, settings, head: [] if url != live
                        else real_checks(url, settings, head))
    result = up.run_upgrade(ops_db, who="admin", versions_dirs=[FAILING], dry_run=True, opts=opts)
    assert result["outcome"] == "rolled_back", result["steps"]
    rows = table_rows(live)["customer"]
    assert any("DURING-DRY-RUN-0" in r for r in rows), "a customer saved during the dry run survives the rollback"
    assert maintenance.read(ops_db) is None


def test_cli_upgrade_when_current(ops_db, opts, erp_cli, monkeypatch):
    path = opts.root.parent / "config.toml"
    path.write_text(f'[app]\ndata_dir = "{ops_db.settings.data_dir}"\n[backup]\nfolder = "{opts.root}"\n')
    monkeypatch.setenv("ERP_CONFIG", str(path))
    result = erp_cli("upgrade")
    assert result.exit_code == 0, result.output
    assert "nothing to upgrade" in result.output
