"""Upgrades: a migration failing half-way is rolled back to the backup (the database equals it, table by table)
and the upgrade log records it; the dry run stops a bad release before the live database is touched; a good
release upgrades; maintenance mode refuses writes."""

from __future__ import annotations

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
    assert maintenance.active(ops_db.settings) is None
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
    assert [s.split(":")[0] for s in result["steps"]] == ["backup", "dry run on a copy", "migrate and check"]
    again = up.run_upgrade(ops_db, who="admin", versions_dirs=[GOOD], opts=opts)
    assert again["outcome"] == "current"


def test_maintenance_mode_refuses_use_cases(ops_db):
    from erp_core.masterdata import partners_services
    from tests.support.factories import admin_actor

    company = populate(ops_db)
    admin = admin_actor(ops_db, company)
    maintenance.begin(ops_db.settings, {"reason": "upgrade", "from": "a", "to": "b"})
    try:
        with pytest.raises(DomainError) as err:
            partners_services.create_customer(ops_db, admin, values={"code": "M1", "name": "维护中"})
        assert err.value.message_id == "error.ops.maintenance"
    finally:
        maintenance.end(ops_db.settings)
    partners_services.create_customer(ops_db, admin, values={"code": "M1", "name": "维护后"})


def test_cli_upgrade_when_current(ops_db, opts, erp_cli, monkeypatch):
    path = opts.root.parent / "config.toml"
    path.write_text(f'[app]\ndata_dir = "{ops_db.settings.data_dir}"\n[backup]\nfolder = "{opts.root}"\n')
    monkeypatch.setenv("ERP_CONFIG", str(path))
    result = erp_cli("upgrade")
    assert result.exit_code == 0, result.output
    assert "nothing to upgrade" in result.output
