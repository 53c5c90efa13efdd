"""Master data kept across transactions, checked by one version stamp per transaction (issues #12 and #13).

A stock document's posting asks the same master data every time: the 科目设置 rules, the company's accounting
standard, the chart of accounts, the finance / document / purchase / sales settings, whether any budget controls
the period. ``kept(session, name, company_id, compute, *args)`` answers from a process-wide cache instead, keyed by
(database, name, company, args) and valid for one value of the **master-data stamp**:

- ``master_data_stamp`` is one row (id 1) holding a random 63-bit number. Database triggers on every table in
  ``WATCHED`` set it to a new random number on any INSERT, UPDATE or DELETE, in the writer's own transaction
  (migration 0036_posting; SQLite, PostgreSQL and MariaDB). So the stamp changes in the same commit as the master
  data, whoever writes it: a use case of this process, another app process, an import, a restore, raw SQL.
- A transaction that uses the cache reads the stamp once (one primary-key read) and keeps it for the rest of the
  transaction (``db.prepared.tx_cache``); a kept value computed under another stamp is computed again.
- The stamp is random, not a counter, so it names a state of the master data: a database restored from a backup
  comes back with the stamp it had then, and what was kept under that stamp was read from that same state.
- Inside a transaction that writes a watched table (ORM flush or a DML statement through the session), the cache
  is bypassed for the rest of that transaction: its own uncommitted change must be seen, and nothing computed
  from it is kept for others.
- No stamp row (a database not migrated this far) -> nothing is kept across transactions (read every time, once
  per transaction).

Values kept here are shared by every thread of the process: callers must treat them as read-only (tuples, frozen
dataclasses, dicts nobody changes). Permission and row scope are NOT part of these values: they are the inputs of
checks that run inside a use case that already checked permission.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import BigInteger, Integer, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from erp_core.db.base import Base
from erp_core.db.prepared import Prepared, tx_cache

# The tables whose rows the kept values are computed from. A posting never writes them (except finance_setting's
# books_start, moved by the first opening balances): adding a table here needs a migration adding its triggers.
WATCHED = ("account", "account_rule", "budget", "company", "document_setting", "finance_setting",
           "product", "product_category", "purchase_setting", "sales_setting", "warehouse", "warehouse_location")


class MasterDataStamp(Base):  # 主数据版本戳: changed by triggers whenever a watched table changes
    __tablename__ = "master_data_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[int] = mapped_column(BigInteger, nullable=False)


_T = MasterDataStamp.__table__
_READ = Prepared(select(_T.c.stamp).where(_T.c.id == 1))
_STAMP = "master.stamp"
_LOCAL = "master.kept"
_DIRTY = "master.dirty"
SIZE = 4096


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self.computed = 0  # tests read it

    def get(self, key: Hashable, stamp: int) -> tuple[bool, Any]:
        with self.lock:
            hit = self.items.get(key)
            if hit is None or hit[0] != stamp:
                return False, None
            self.items.move_to_end(key)
            return True, hit[1]

    def put(self, key: Hashable, stamp: int, value: Any) -> None:
        with self.lock:
            self.items[key] = (stamp, value)
            self.items.move_to_end(key)
            while len(self.items) > SIZE:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


KEPT = _Kept()


def stamp(session: Session) -> int | None:
    """The master-data stamp as this transaction sees it (read once per transaction), or None when the
    transaction wrote master data itself or the database has no stamp row."""
    c = tx_cache(session)
    if c.get(_DIRTY):
        return None
    if _STAMP not in c:
        c[_STAMP] = _READ.scalar(session)
    return c[_STAMP]


def kept(session: Session, name: str, company_id: int | None, compute: Callable[[], Any], *args: Hashable) -> Any:
    """``compute()`` (a read of watched tables only, returning a value nobody changes) as of the current
    master data: from this transaction's memo, else the process-wide cache when its stamp is the current one,
    else computed (and kept when the transaction did not write master data)."""
    c = tx_cache(session)
    local = c.get(_LOCAL)
    if local is None:
        local = c[_LOCAL] = {}
    key = (name, company_id, args)
    if key in local:
        return local[key]
    s = stamp(session)
    if s is None:
        value = compute()
    else:
        gkey = (_database(session), key)
        found, value = KEPT.get(gkey, s)
        if not found:
            value = compute()
            KEPT.computed += 1
            if not c.get(_DIRTY):
                KEPT.put(gkey, s, value)
    local[key] = value
    return value


def _database(session: Session) -> str:
    bind = session.get_bind()
    return bind.url.render_as_string(hide_password=True)


def wrote_master_data(session: Session) -> None:
    """This transaction changed master data: read it fresh for the rest of the transaction, keep nothing."""
    c = tx_cache(session)
    c[_DIRTY] = True
    c.pop(_LOCAL, None)


_WATCHED = frozenset(WATCHED)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    for coll in (session.new, session.dirty, session.deleted):
        for obj in coll:
            table = getattr(type(obj), "__tablename__", None)
            if table in _WATCHED:
                wrote_master_data(session)
                return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: Any) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED:
        wrote_master_data(state.session)


# --- the triggers (migration 0036_posting) -------------------------------------------------------------------

def _name(table: str, ev: str) -> str:
    return f"trg_{table}_stamp_{ev}"[:60]


def stamp_ddl(dialect: str, tables: tuple[str, ...] = WATCHED) -> list[str]:
    """The statements that make every write to ``tables`` give master_data_stamp a new random value."""
    out: list[str] = []
    if dialect == "sqlite":
        for t in tables:
            for ev in ("insert", "update", "delete"):
                out.append(f"CREATE TRIGGER {_name(t, ev)} AFTER {ev.upper()} ON {t} FOR EACH ROW "
                           "BEGIN UPDATE master_data_stamp SET stamp = abs(random() / 2) WHERE id = 1; END")
    elif dialect == "postgresql":
        out.append("CREATE OR REPLACE FUNCTION erp_master_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN UPDATE master_data_stamp SET stamp = floor(random() * 4000000000000000000)::bigint "
                   "WHERE id = 1; RETURN NULL; END $$")
        for t in tables:
            out.append(f"CREATE TRIGGER {_name(t, 'write')} AFTER INSERT OR UPDATE OR DELETE ON {t} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION erp_master_stamp()")
    elif dialect in ("mysql", "mariadb"):
        for t in tables:
            for ev in ("insert", "update", "delete"):
                out.append(f"CREATE TRIGGER {_name(t, ev)} AFTER {ev.upper()} ON {t} FOR EACH ROW "
                           "UPDATE master_data_stamp SET stamp = FLOOR(RAND() * 4000000000000000000) WHERE id = 1")
    else:
        raise NotImplementedError(dialect)
    return out


def drop_stamp_ddl(dialect: str, tables: tuple[str, ...] = WATCHED) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_name(t, 'write')} ON {t}" for t in tables] + \
            ["DROP FUNCTION IF EXISTS erp_master_stamp()"]
    return [f"DROP TRIGGER IF EXISTS {_name(t, ev)}" for t in tables for ev in ("insert", "update", "delete")]
