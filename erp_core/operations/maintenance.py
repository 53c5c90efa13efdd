"""Maintenance mode (维护模式): while an upgrade runs (or an administrator switched it on with
``erp maintenance on``), users see a notice and every use case is refused with ``error.ops.maintenance``.

The flag is a row of ``ops_setting`` (key ``maintenance``, value: the notice as JSON) in the operational
database itself, so every app process and every scheduler that uses the database sees it, on any machine
(it was a file in the data folder, seen only by processes sharing that folder). The table exists since
migration 0017 and no later migration rebuilds it, so the flag stays readable while the schema is between two
versions. A database restored from a backup taken before maintenance began (an upgrade's rollback) comes back
without the flag.

- :func:`refuse_writes` runs inside the use case's own transaction (one statement, no cache): a use case that
  starts after :func:`begin` committed is refused, in every process.
- :func:`active` (the notice on every page) is cached per process and database for :data:`TTL` seconds, so a
  page rerun costs no statement most of the time; another process shows the notice at most TTL later."""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy import column, select, table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from erp_core.db.uow import Database
from erp_core.kernel.errors import DomainError

KEY = "maintenance"
TTL = 1.0  # seconds a process keeps what it read for the notice

_OPS_SETTING = table("ops_setting", column("key"), column("value"))
# (Core, not a string: "key" is a reserved word on MariaDB and must be quoted by the dialect)
_SELECT = select(_OPS_SETTING.c.value).where(_OPS_SETTING.c.key == KEY)
_SELECT_PREPARED = None  # erp_core.db.prepared.Prepared(_SELECT), made on first use (every use case runs it)
_seen: dict[str, tuple[float, dict | None]] = {}
_lock = threading.Lock()


def _parse(raw: str | None) -> dict | None:
    if not raw:
        return None
    try:
        notice = json.loads(raw)
    except json.JSONDecodeError:
        return {"reason": "upgrade"}
    return notice if isinstance(notice, dict) else {"reason": "upgrade"}


def _key(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=True)


def read(db: Database) -> dict | None:
    """The notice as the database holds it now (no cache); None when maintenance is off or the database has
    no operations tables yet."""
    try:
        with db.engine.connect() as conn:
            raw = conn.execute(_SELECT).scalar()
    except DBAPIError:
        return None
    notice = _parse(raw)
    with _lock:
        _seen[_key(db)] = (time.monotonic(), notice)
    return notice


def active(db: Database) -> dict | None:
    """The notice ({"since", "reason", "from", "to", "by"}) while maintenance is on, else None; read at most
    once per :data:`TTL` seconds per process."""
    with _lock:
        hit = _seen.get(_key(db))
    if hit is not None and time.monotonic() - hit[0] < TTL:
        return hit[1]
    return read(db)


def refuse_writes(session: Session) -> None:
    """Called by the use-case wrapper inside the use case's transaction, before the use case runs (a prepared
    statement: every use case pays it, ~10x cheaper than a session execute)."""
    global _SELECT_PREPARED
    if _SELECT_PREPARED is None:
        from erp_core.db.prepared import Prepared

        _SELECT_PREPARED = Prepared(_SELECT)
    if _SELECT_PREPARED.scalar(session):
        raise DomainError("error.ops.maintenance")


def begin(db: Database, notice: dict) -> bool:
    """Switch maintenance on with ``notice``; returns False when it was on already (the notice is kept: the
    one who switched it on switches it off)."""
    from erp_core.operations import opsconfig

    with db.uow() as uow:
        if uow.session.execute(_SELECT).scalar():
            return False
        opsconfig.write(uow.session, KEY, json.dumps(notice, ensure_ascii=False))
        uow.commit()
    forget()
    return True


def end(db: Database) -> bool:
    """Switch maintenance off (the row is deleted); returns whether it was on."""
    from erp_core.operations.models import OpsSetting

    with db.uow() as uow:
        row = uow.session.get(OpsSetting, KEY)
        was = bool(row is not None and row.value)
        if row is not None:
            uow.session.delete(row)
            uow.commit()
    forget()
    return was


def forget() -> None:
    """Drop this process's cached notices (after a change made here)."""
    with _lock:
        _seen.clear()
