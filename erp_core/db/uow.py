"""Unit of work: one transaction per use case. Rollback is the default; only an explicit commit() keeps
anything. Sessions live inside the `with` block and never escape into UI state or caches."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from erp_core.config import Settings
from erp_core.db import master_cache  # noqa: F401  (its session listeners: a write to master data is seen)
from erp_core.kernel.errors import ConcurrencyError


class UnitOfWork:
    def __init__(self, factory: sessionmaker[Session], *, readonly: bool = False) -> None:
        self._factory = factory
        self._readonly = readonly
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        if self._readonly:
            self.session.connection(execution_options={"readonly": True})
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()
        if isinstance(exc, StaleDataError):
            raise ConcurrencyError() from exc

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as exc:
            raise ConcurrencyError() from exc

    def rollback(self) -> None:
        self.session.rollback()


class Database:
    """The operational store of one installation: an engine and the units of work over it.
    Thread-safe; shared across Streamlit sessions via st.cache_resource."""

    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings or Settings(database_url=str(engine.url))
        self.backend = engine.dialect.name if engine.dialect.name != "mysql" else "mariadb"
        self._factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self._factory, readonly=readonly)

    def dispose(self) -> None:
        self.engine.dispose()


def is_lock_error(exc: BaseException) -> bool:
    """Deadlock / serialization / busy errors that a caller may retry as a whole unit of work."""
    if not isinstance(exc, DBAPIError):
        return False
    text = str(exc.orig).lower()
    return any(s in text for s in ("deadlock", "could not serialize", "database is locked", "lock wait timeout"))


def open_database(settings: Settings) -> Database:
    """The Database of an installation, from its settings."""
    from erp_core.db.engine import engine_from_settings

    return Database(engine_from_settings(settings), settings)
