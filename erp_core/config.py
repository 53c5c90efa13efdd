"""Settings: config.toml plus environment overrides, validated into one frozen object.

Environment: ERP_CONFIG names another config file; ERP_DATABASE_URL overrides [database].url for the app, the
CLI and the tests; ERP_ADDRESS / ERP_PORT override where `erp serve` listens; ERP_DB_POOL_SIZE,
ERP_DB_POOL_MAX_OVERFLOW and ERP_DB_POOL_TIMEOUT_S override the connection pool ([database] pool_size,
pool_max_overflow, pool_timeout_s). A relative SQLite path is relative
to the config file's folder.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from erp_core.kernel.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LOCALES = ("zh_CN", "en")
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


@dataclass(frozen=True)
class SecuritySettings:
    lockout_threshold: int = 5
    lockout_minutes: int = 0  # 0: locked until an administrator unlocks
    ip_failure_limit: int = 20  # failed logins per client address per window before throttling
    ip_failure_window_minutes: int = 15
    idle_timeout_minutes: int = 30
    session_lifetime_hours: int = 12
    password_min_length: int = 10
    reset_code_minutes: int = 30
    cookie_name: str = "erp_session"
    cookie_expiry_days: float = 1.0
    trusted_proxies: tuple[str, ...] = ()
    dormant_days: int = 90
    audit_archive_min_days: int = 180  # audit entries younger than this cannot be archived (网络安全法: >= 6 months)
    audit_anchor_key_file: Path | None = None  # key of the audit anchors' HMAC, kept outside the database
    # A full session check (one statement) vouches for a browser session in this app process this long: its page
    # reruns and their queries within it run no session statement (issue #17). Revocations, lockouts and any change
    # made in this process end the vouch at once; another app process's revocation reaches page views within it.
    # 0: check on every rerun and query.
    session_recheck_seconds: int = 3


@dataclass(frozen=True)
class LogSettings:
    """The application log (erp_core/health/logs.py): [log] level, folder, retention_days."""

    level: str = "INFO"
    folder: Path | None = None  # None: <data_dir>/logs
    retention_days: int = 90  # rotated application log files older than this are deleted (never audit entries)


@dataclass(frozen=True)
class Settings:
    database_url: str
    sqlite_synchronous: str = "NORMAL"
    sqlite_busy_timeout_ms: int = 10000
    pool_size: int = 5  # connections each app process keeps open to the operational database
    pool_max_overflow: int = 10  # extra connections opened under load, closed when returned
    pool_timeout_s: float = 10.0  # wait for a free connection before refusing with error.busy
    default_locale: str = "zh_CN"
    time_zone: str = "Asia/Shanghai"
    address: str = "127.0.0.1"
    port: int = 8501
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data")
    backup_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "backups")
    security: SecuritySettings = field(default_factory=SecuritySettings)
    config_path: Path | None = None
    log: LogSettings = field(default_factory=LogSettings)

    @property
    def log_dir(self) -> Path:
        return self.log.folder or self.data_dir / "logs"

    @property
    def backend(self) -> str:
        return backend_of(self.database_url)

    def cookie_key(self) -> str:
        """The secret signing login cookies: ERP_COOKIE_KEY, else a random key kept in data/secret.key
        (created on first use, readable by the owner only). Never a fixed, well-known value."""
        env = os.environ.get("ERP_COOKIE_KEY")
        if env:
            if len(env) < 32:
                raise ConfigError("error.config.cookie_key_short")
            return env
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole to a private temporary file, then linked into place: processes starting together
            # agree on the first key linked, and none ever reads a half-written one.
            tmp = path.with_name(f".secret.key.{os.getpid()}.{secrets.token_hex(8)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_urlsafe(48))
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process won the race: use its key
            finally:
                tmp.unlink(missing_ok=True)
        return path.read_text().strip()


def backend_of(url: str) -> str:
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    return {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql",
            "mysql": "mariadb", "mariadb": "mariadb"}.get(scheme, scheme)


def _section(data: dict, name: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError("error.config.section", section=name)
    return value


def _typed(section: dict, key: str, kind: type, default, where: str):
    value = section.get(key, default)
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigError("error.config.type", key=f"{where}.{key}", expected=kind.__name__)
    return value


def load_settings(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read and validate the settings. Raises ConfigError naming the key at fault."""
    env = dict(os.environ if env is None else env)
    cfg_path = Path(path or env.get("ERP_CONFIG") or PROJECT_ROOT / "config.toml")
    data: dict = {}
    if cfg_path.exists():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("error.config.syntax", path=str(cfg_path), detail=str(exc)) from exc
    elif path or env.get("ERP_CONFIG"):
        raise ConfigError("error.config.missing", path=str(cfg_path))
    base_dir = cfg_path.resolve().parent

    db = _section(data, "database")
    app = _section(data, "app")
    sec = _section(data, "security")
    bak = _section(data, "backup")

    data_dir = base_dir / _typed(app, "data_dir", str, "data", "app")
    url = env.get("ERP_DATABASE_URL") or _typed(db, "url", str, "sqlite:///data/erp.db", "database")
    url = normalize_url(url, base_dir)
    if backend_of(url) not in ("sqlite", "postgresql", "mariadb"):
        raise ConfigError("error.config.backend", url=_redact(url))

    sync = _typed(db, "sqlite_synchronous", str, "NORMAL", "database").upper()
    if sync not in SYNCHRONOUS_MODES:
        raise ConfigError("error.config.choice", key="database.sqlite_synchronous", choices=", ".join(SYNCHRONOUS_MODES))
    locale = _typed(app, "default_locale", str, "zh_CN", "app")
    if locale not in SUPPORTED_LOCALES:
        raise ConfigError("error.config.choice", key="app.default_locale", choices=", ".join(SUPPORTED_LOCALES))
    tz = _typed(app, "time_zone", str, "Asia/Shanghai", "app")
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(tz)
    except Exception as exc:
        raise ConfigError("error.config.time_zone", key="app.time_zone", value=tz) from exc

    port_raw = env.get("ERP_PORT") or _typed(app, "port", int, 8501, "app")
    try:
        port = int(port_raw)
    except ValueError as exc:
        raise ConfigError("error.config.type", key="ERP_PORT", expected="int") from exc
    if not 1 <= port <= 65535:
        raise ConfigError("error.config.range", key="app.port", low=1, high=65535)

    pool = {}
    for name, env_name, kind, default, low in (("pool_size", "ERP_DB_POOL_SIZE", int, 5, 1),
                                               ("pool_max_overflow", "ERP_DB_POOL_MAX_OVERFLOW", int, 10, 0),
                                               ("pool_timeout_s", "ERP_DB_POOL_TIMEOUT_S", float, 10.0, 0)):
        raw = env.get(env_name)
        if raw is not None:
            try:
                value = kind(raw)
            except ValueError as exc:
                raise ConfigError("error.config.type", key=env_name, expected=kind.__name__) from exc
        else:
            value = db.get(name, default)
            if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
                raise ConfigError("error.config.type", key=f"database.{name}", expected=kind.__name__)
        if value < low or (kind is float and value != value):
            raise ConfigError("error.config.range", key=f"database.{name}", low=low, high="∞")
        pool[name] = kind(value)

    defaults = SecuritySettings()
    sec_values = {}
    for name in ("lockout_threshold", "lockout_minutes", "ip_failure_limit", "ip_failure_window_minutes",
                 "idle_timeout_minutes", "session_lifetime_hours", "password_min_length",
                 "reset_code_minutes", "dormant_days", "audit_archive_min_days", "session_recheck_seconds"):
        v = _typed(sec, name, int, getattr(defaults, name), "security")
        if v < 0:
            raise ConfigError("error.config.range", key=f"security.{name}", low=0, high="∞")
        sec_values[name] = v
    if sec_values["reset_code_minutes"] > 30 or sec_values["reset_code_minutes"] < 1:
        raise ConfigError("error.config.range", key="security.reset_code_minutes", low=1, high=30)
    if sec_values["session_recheck_seconds"] > 30:
        raise ConfigError("error.config.range", key="security.session_recheck_seconds", low=0, high=30)
    if sec_values["lockout_threshold"] < 1:
        raise ConfigError("error.config.range", key="security.lockout_threshold", low=1, high="∞")
    proxies = sec.get("trusted_proxies", [])
    if not isinstance(proxies, list) or not all(isinstance(p, str) for p in proxies):
        raise ConfigError("error.config.type", key="security.trusted_proxies", expected="list[str]")
    import ipaddress

    for p in proxies:
        try:
            ipaddress.ip_network(p, strict=False)
        except ValueError as exc:
            raise ConfigError("error.config.cidr", key="security.trusted_proxies", value=p) from exc
    key_file = _typed(sec, "audit_anchor_key_file", str, "", "security")
    security = SecuritySettings(**sec_values, trusted_proxies=tuple(proxies),
                                audit_anchor_key_file=(base_dir / key_file) if key_file else None,
                                cookie_name=_typed(sec, "cookie_name", str, defaults.cookie_name, "security"))

    log = _section(data, "log")
    level = _typed(log, "level", str, "INFO", "log").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError("error.config.choice", key="log.level", choices="DEBUG, INFO, WARNING, ERROR, CRITICAL")
    retention = _typed(log, "retention_days", int, 90, "log")
    if retention < 1:
        raise ConfigError("error.config.range", key="log.retention_days", low=1, high="∞")
    log_folder = _typed(log, "folder", str, "", "log")
    log_settings = LogSettings(level=level, folder=(base_dir / log_folder) if log_folder else None,
                               retention_days=retention)

    return Settings(
        database_url=url,
        sqlite_synchronous=sync,
        sqlite_busy_timeout_ms=_typed(db, "sqlite_busy_timeout_ms", int, 10000, "database"),
        **pool,
        default_locale=locale,
        time_zone=tz,
        address=env.get("ERP_ADDRESS") or _typed(app, "address", str, "127.0.0.1", "app"),
        port=port,
        data_dir=data_dir,
        backup_dir=base_dir / _typed(bak, "folder", str, "data/backups", "backup"),
        security=security,
        config_path=cfg_path if cfg_path.exists() else None,
        log=log_settings,
    )


def normalize_url(url: str, base_dir: Path) -> str:
    """Pick our drivers (psycopg 3, PyMySQL) and anchor relative SQLite paths at the config folder."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError("error.config.url", url=url)
    s = scheme.lower()
    if s in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    if s in ("mysql", "mariadb"):
        url = f"mysql+pymysql://{rest}"
        return url if "charset=" in url else url + ("&" if "?" in url else "?") + "charset=utf8mb4"
    if s.startswith("mariadb+"):
        return "mysql+" + s.split("+", 1)[1] + "://" + rest
    if s == "sqlite" and rest.startswith("/") and not rest.startswith("//") and rest != "/:memory:":
        # sqlite:///relative/path -> rest == "/relative/path"
        return f"sqlite:///{(base_dir / rest[1:]).resolve()}"
    return url


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url


redact_url = _redact
