"""The files that hold the books are the owner's only (issue #11 item 15), and the connection pool is sized by the
settings (issue #17 item 2)."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from erp_core.analytics import engine as analytics_engine
from erp_core.config import Settings, load_settings
from erp_core.db.engine import engine_from_settings
from erp_core.db.uow import Database
from erp_core.kernel.errors import ConfigError


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # a typical server umask: files are created 0644 unless the code says otherwise
    yield
    os.umask(old)


def test_sqlite_database_and_its_wal_files_are_owner_only(tmp_path, open_umask):
    path = tmp_path / "data" / "erp.db"
    engine = engine_from_settings(Settings(database_url=f"sqlite:///{path}"))
    try:
        with engine.begin() as c:
            c.execute(text("CREATE TABLE t (a INTEGER)"))
            c.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as c:  # keeps the -wal and -shm files while open
            c.execute(text("SELECT * FROM t")).all()
            for f in (path, path.with_name("erp.db-wal"), path.with_name("erp.db-shm")):
                assert f.exists(), f
                assert _mode(f) == 0o600, (f.name, oct(_mode(f)))
    finally:
        engine.dispose()


def test_an_existing_world_readable_database_is_narrowed(tmp_path, open_umask):
    path = tmp_path / "erp.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    engine_from_settings(Settings(database_url=f"sqlite:///{path}")).dispose()
    assert _mode(path) == 0o600


def test_duckdb_copy_and_its_folder_are_owner_only(db, company, tmp_path, open_umask):
    data = tmp_path / "data"
    data.mkdir()
    (data / "analytics").mkdir(mode=0o755)  # left by an older release
    (data / "analytics").chmod(0o755)
    other = Database(db.engine, Settings(database_url=str(db.engine.url), data_dir=data))
    eng = analytics_engine.engine_for(other)
    try:
        eng.sync(company.company_id)
        assert eng.path != ":memory:"
        assert _mode(eng.path) == 0o600
        assert _mode(data / "analytics") == 0o700  # the DuckDB .wal inside is out of reach too
    finally:
        analytics_engine.forget(other, delete=True)


def test_two_databases_of_one_url_in_one_process_share_the_copy(db, company, tmp_path):
    """`erp check` twice in one process on PostgreSQL failed: the second engine opened the same DuckDB file (one
    instance per file in a process) and attaching the store again said 'database with name op already exists'."""
    first = Database(db.engine, Settings(database_url=str(db.engine.url), data_dir=tmp_path))
    second = Database(db.engine, Settings(database_url=str(db.engine.url), data_dir=tmp_path))
    try:
        a = analytics_engine.engine_for(first)
        seen = a.sync(company.company_id).watermark
        b = analytics_engine.engine_for(second)
        assert b is not a and b.path == a.path
        assert b.sync(company.company_id).watermark == seen
    finally:
        analytics_engine.forget(second)
        analytics_engine.forget(first, delete=True)


def test_pool_settings_from_file_and_environment(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[database]\nurl = "sqlite:///erp.db"\npool_size = 7\npool_max_overflow = 3\n'
                   'pool_timeout_s = 2.5\n', encoding="utf-8")
    s = load_settings(cfg, env={})
    assert (s.pool_size, s.pool_max_overflow, s.pool_timeout_s) == (7, 3, 2.5)
    s = load_settings(cfg, env={"ERP_DB_POOL_SIZE": "20", "ERP_DB_POOL_MAX_OVERFLOW": "0",
                                "ERP_DB_POOL_TIMEOUT_S": "1"})
    assert (s.pool_size, s.pool_max_overflow, s.pool_timeout_s) == (20, 0, 1.0)
    engine = engine_from_settings(s)
    try:
        assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (20, 0, 1.0)
    finally:
        engine.dispose()
    defaults = Settings(database_url="sqlite://")
    assert (defaults.pool_size, defaults.pool_max_overflow, defaults.pool_timeout_s) == (5, 10, 10.0)


@pytest.mark.parametrize(("body", "env", "key"), [
    ("pool_size = 0", {}, "database.pool_size"),
    ("pool_size = \"five\"", {}, "database.pool_size"),
    ("pool_max_overflow = -1", {}, "database.pool_max_overflow"),
    ("pool_timeout_s = -2", {}, "database.pool_timeout_s"),
    ("", {"ERP_DB_POOL_SIZE": "many"}, "ERP_DB_POOL_SIZE"),
])
def test_bad_pool_settings_name_the_key(tmp_path, body, env, key):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///erp.db"\n{body}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env=env)
    assert err.value.params["key"] == key
