"""Settings: config.toml plus environment overrides, validated into one frozen object; bad values name the key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from erp_core.config import Settings, load_settings, normalize_url, redact_url
from erp_core.i18n import has, render_error
from erp_core.kernel.errors import ConfigError


def _write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path, env=None) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        load_settings(path, env=env or {})
    assert has(err.value.message_id), f"{err.value.message_id} is not in the catalog"
    return err.value


def test_defaults_with_an_empty_config(tmp_path):
    s = load_settings(_write(tmp_path, ""), env={})
    assert s.backend == "sqlite"
    assert s.database_url == f"sqlite:///{(tmp_path / 'data' / 'erp.db').resolve()}"
    assert (s.default_locale, s.time_zone, s.address, s.port) == ("zh_CN", "Asia/Shanghai", "127.0.0.1", 8501)
    assert s.data_dir == tmp_path / "data" and s.backup_dir == tmp_path / "data" / "backups"
    assert s.security.lockout_threshold == 5 and s.security.reset_code_minutes == 30
    assert s.config_path == tmp_path / "config.toml"


def test_shipped_config_toml_is_valid():
    s = load_settings(Path(__file__).resolve().parents[2] / "config.toml", env={})
    assert s.backend == "sqlite" and s.default_locale in ("zh_CN", "en")


def test_settings_are_frozen(tmp_path):
    s = load_settings(_write(tmp_path, ""), env={})
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]


def test_relative_sqlite_path_is_anchored_at_the_config_folder(tmp_path, monkeypatch):
    conf = _write(tmp_path, '[database]\nurl = "sqlite:///db/books.db"\n')
    monkeypatch.chdir("/")  # the working directory must not matter
    assert load_settings(conf, env={}).database_url == f"sqlite:///{(tmp_path / 'db' / 'books.db').resolve()}"


def test_absolute_sqlite_path_and_memory_are_kept(tmp_path):
    assert normalize_url("sqlite:////var/lib/erp/erp.db", tmp_path) == "sqlite:////var/lib/erp/erp.db"
    assert normalize_url("sqlite:///:memory:", tmp_path) == "sqlite:///:memory:"


def test_erp_config_names_another_file(tmp_path):
    conf = _write(tmp_path, '[app]\nport = 9000\ndefault_locale = "en"\n', "other.toml")
    s = load_settings(env={"ERP_CONFIG": str(conf)})
    assert (s.port, s.default_locale, s.config_path) == (9000, "en", conf)


def test_environment_overrides(tmp_path):
    conf = _write(tmp_path, '[database]\nurl = "sqlite:///a.db"\n[app]\nport = 9000\n')
    s = load_settings(conf, env={"ERP_DATABASE_URL": "postgres://u:p@db:5432/erp", "ERP_PORT": "8080",
                                 "ERP_ADDRESS": "0.0.0.0"})
    assert s.database_url == "postgresql+psycopg://u:p@db:5432/erp"
    assert s.backend == "postgresql"
    assert (s.port, s.address) == (8080, "0.0.0.0")


@pytest.mark.parametrize(("raw", "normalized"), [
    ("postgresql://u@h/erp", "postgresql+psycopg://u@h/erp"),
    ("postgres://u@h/erp", "postgresql+psycopg://u@h/erp"),
    ("mysql://root@127.0.0.1:3306/erp", "mysql+pymysql://root@127.0.0.1:3306/erp?charset=utf8mb4"),
    ("mariadb://root@h/erp", "mysql+pymysql://root@h/erp?charset=utf8mb4"),
    ("mysql://root@h/erp?ssl=true", "mysql+pymysql://root@h/erp?ssl=true&charset=utf8mb4"),
    ("mysql://root@h/erp?charset=utf8", "mysql+pymysql://root@h/erp?charset=utf8"),
    ("mariadb+mariadbconnector://root@h/erp", "mysql+mariadbconnector://root@h/erp"),
])
def test_url_normalization_picks_our_drivers(raw, normalized, tmp_path):
    assert normalize_url(raw, tmp_path) == normalized


def test_password_is_redacted_in_messages():
    assert redact_url("postgresql+psycopg://erp:s3cret@db/erp") == "postgresql+psycopg://erp:***@db/erp"
    assert redact_url("sqlite:////x.db") == "sqlite:////x.db"


@pytest.mark.parametrize(("text", "env", "message_id", "key"), [
    ('[database]\nurl = 5\n', {}, "error.config.type", "database.url"),
    ('[app]\nport = "80"\n', {}, "error.config.type", "app.port"),
    ('[app]\nport = true\n', {}, "error.config.type", "app.port"),
    ('[app]\nport = 70000\n', {}, "error.config.range", "app.port"),
    ("", {"ERP_PORT": "eighty"}, "error.config.type", "ERP_PORT"),
    ('[app]\ndefault_locale = "fr"\n', {}, "error.config.choice", "app.default_locale"),
    ('[app]\ntime_zone = "Mars/Olympus"\n', {}, "error.config.time_zone", "app.time_zone"),
    ('[database]\nsqlite_synchronous = "SOMETIMES"\n', {}, "error.config.choice", "database.sqlite_synchronous"),
    ('[security]\nlockout_threshold = 0\n', {}, "error.config.range", "security.lockout_threshold"),
    ('[security]\nreset_code_minutes = 60\n', {}, "error.config.range", "security.reset_code_minutes"),
    ('[security]\nidle_timeout_minutes = -1\n', {}, "error.config.range", "security.idle_timeout_minutes"),
    ('[security]\nsession_recheck_seconds = 31\n', {}, "error.config.range", "security.session_recheck_seconds"),
    ('[security]\ntrusted_proxies = "10.0.0.1"\n', {}, "error.config.type", "security.trusted_proxies"),
    ('[security]\ntrusted_proxies = ["not-an-ip"]\n', {}, "error.config.cidr", "security.trusted_proxies"),
])
def test_bad_values_raise_config_error_naming_the_key(tmp_path, text, env, message_id, key):
    err = _error(_write(tmp_path, text), env)
    assert err.message_id == message_id
    assert err.params["key"] == key
    for loc in ("zh_CN", "en"):
        assert key in render_error(err, loc)


def test_section_that_is_not_a_table(tmp_path):
    err = _error(_write(tmp_path, 'database = "sqlite:///x.db"\n'))
    assert (err.message_id, err.params["section"]) == ("error.config.section", "database")


def test_syntax_error_names_the_file(tmp_path):
    conf = _write(tmp_path, "[database\nurl = 1\n")
    err = _error(conf)
    assert err.message_id == "error.config.syntax" and err.params["path"] == str(conf)


def test_missing_named_config_file(tmp_path):
    err = _error(tmp_path / "nope.toml")
    assert err.message_id == "error.config.missing"
    with pytest.raises(ConfigError):
        load_settings(env={"ERP_CONFIG": str(tmp_path / "nope.toml")})


def test_unsupported_backend_and_malformed_url(tmp_path):
    err = _error(_write(tmp_path, '[database]\nurl = "oracle://scott:tiger@h/orcl"\n'))
    assert err.message_id == "error.config.backend"
    assert "tiger" not in err.params["url"]
    err = _error(_write(tmp_path, '[database]\nurl = "just-a-path.db"\n'))
    assert err.message_id == "error.config.url"


def test_cookie_key_file_is_created_once_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("ERP_COOKIE_KEY", raising=False)
    s = Settings(database_url="sqlite:///:memory:", data_dir=tmp_path / "data")
    key = s.cookie_key()
    path = tmp_path / "data" / "secret.key"
    assert len(key) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert s.cookie_key() == key  # stable across restarts
    other = Settings(database_url="sqlite:///:memory:", data_dir=tmp_path / "other")
    assert other.cookie_key() != key  # random per installation, never a fixed value


def test_cookie_key_from_environment(tmp_path, monkeypatch):
    s = Settings(database_url="sqlite:///:memory:", data_dir=tmp_path)
    monkeypatch.setenv("ERP_COOKIE_KEY", "k" * 40)
    assert s.cookie_key() == "k" * 40
    assert not (tmp_path / "secret.key").exists()
    monkeypatch.setenv("ERP_COOKIE_KEY", "short")
    with pytest.raises(ConfigError) as err:
        s.cookie_key()
    assert err.value.message_id == "error.config.cookie_key_short"


def test_cookie_key_creation_race_is_harmless(tmp_path, monkeypatch):
    """Two app processes starting at once both see no key file: both must end up with the same, complete key
    (the loser of the race reads the winner's key instead of crashing or reading a half-written file)."""
    monkeypatch.delenv("ERP_COOKIE_KEY", raising=False)
    s = Settings(database_url="sqlite:///:memory:", data_dir=tmp_path)
    winner = "w" * 64
    (tmp_path / "secret.key").write_text(winner)
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda p: False if p.name == "secret.key" else real_exists(p))
    assert s.cookie_key() == winner
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]  # no temporary file left behind


def test_concurrent_first_start_agrees_on_one_key(tmp_path, monkeypatch):
    import threading

    monkeypatch.delenv("ERP_COOKIE_KEY", raising=False)
    keys: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def first_start() -> None:
        try:
            start.wait()
            keys.append(Settings(database_url="sqlite:///:memory:", data_dir=tmp_path / "data").cookie_key())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first_start) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
