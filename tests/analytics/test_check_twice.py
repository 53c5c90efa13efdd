"""`erp check` twice in one process (the scheduler's integrity job, a test run): on PostgreSQL and MariaDB the
second run failed in the analytics engine — 'database with name op already exists' — because the second
Database's engine opened the same DuckDB file and attached the store again."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from erp_core.analytics import engine as analytics_engine
from erp_core.cli import main


def test_erp_check_twice_in_one_process(db, tmp_path, company):
    if db.backend == "sqlite":
        pytest.skip("SQLite is read through SQLAlchemy, nothing is attached (and CI time is dear)")
    url = db.engine.url.render_as_string(hide_password=False)
    conf = tmp_path / "config.toml"
    conf.write_text(f'[database]\nurl = "{url}"\n[app]\ndata_dir = "{tmp_path / "data"}"\ndefault_locale = "en"\n',
                    encoding="utf-8")
    env = {"ERP_CONFIG": str(conf), "ERP_DATABASE_URL": None, "ERP_LANG": None, "ERP_DATA_DIR": None}
    try:
        for _ in range(2):
            result = CliRunner().invoke(main, ["check"], env=env, catch_exceptions=False)
            assert "already exists" not in result.output, result.output
            assert "problem(s) found" in result.output, result.output
    finally:
        analytics_engine.forget_all(delete=True)
