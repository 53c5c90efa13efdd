"""A native DuckDB copy of the stock ledger (stock_move), kept in step by its gap-free per-company sequence, and
the stock figures read from it (stock on hand as of any date, value by warehouse / category, slow movers).

The same rules as the general-ledger copy (analytics/engine.py, issue #17):

- ``stock_move.move_seq`` is allocated under the ``stock_move_seq`` row lock inside the posting transaction, so
  moves commit in sequence order: :func:`sync` appends the moves with ``move_seq > watermark`` and keeps only the
  contiguous prefix of a batch (a hole, never expected, is fetched by the next sync).
- "Anything new?" is one indexed look-up of the store's last ``move_seq`` (and the fingerprint of the copy's last
  move: a restored or replaced store is copied again), without the lock; only one sync runs at a time
  (``engine.stock_lock``, tried, never waited for except before a company's first sync); a report that finds
  another sync running reads the last synced state and says so (its :class:`AsOf`).
- A report reads one DuckDB snapshot (a transaction on its own cursor) and holds no pooled connection of the
  operational store while it works.
- Quantities are BIGINT millionths and amounts BIGINT fen, exactly as the operational store keeps them
  (db/types.ScaledDecimal), so sums are exact; callers turn them into Decimal.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from sqlalchemy import text

from erp_core.analytics.engine import (
    OP,
    AnalyticsEngine,
    AsOf,
    Snapshot,
    _now,
    attach_string,
    end_reading,
    extension_path,
)

COLUMNS = ("company_id", "move_seq", "move_date", "warehouse_id", "location_id", "product_id", "quantity", "amount",
           "move_type")
_INT = {"company_id", "move_seq", "warehouse_id", "location_id", "product_id", "quantity", "amount"}
BULK_MOVES = 200_000  # SQLite batches at least this large are read by a child process (see engine._bulk_load)
QTY = Decimal("0.000001")


def _src(col: str) -> str:
    if col == "move_date":
        return "CAST(move_date AS DATE) AS move_date"
    if col in ("quantity", "amount", "move_seq"):
        return f"CAST({col} AS BIGINT) AS {col}"
    return col


def _state(cur, company_id: int) -> tuple[int, str, dt.datetime] | None:
    row = cur.execute("SELECT watermark, fingerprint, synced_at FROM stock_sync_state WHERE company_id = ?",
                      [company_id]).fetchone()
    return (int(row[0]), row[1], row[2]) if row else None


def _head(eng: AnalyticsEngine, company_id: int, seq: int) -> tuple[int, str]:
    """The store's last move_seq of the company and the fingerprint of its move ``seq`` (one pooled connection,
    two indexed look-ups, released before returning)."""
    with eng.db.engine.connect() as c:
        c.execution_options(readonly=True)
        top = c.execute(text("SELECT max(move_seq) FROM stock_move WHERE company_id = :c"),
                        {"c": company_id}).scalar()
        row = None
        if seq:
            row = c.execute(text("SELECT posting_id, product_id, warehouse_id, quantity, amount, move_type "
                                 "FROM stock_move WHERE company_id = :c AND move_seq = :s"),
                            {"c": company_id, "s": seq}).first()
    return int(top or 0), (repr(tuple(int(v) if isinstance(v, (int, Decimal)) else v for v in row))
                           if row is not None else "")


def sync(eng: AnalyticsEngine, company_id: int) -> AsOf:
    """Bring the stock copy of ``company_id`` up to the store's last committed move (waits for a running sync)."""
    with eng.stock_lock:
        return _sync_locked(eng, company_id)


def _sync_if_new(eng: AnalyticsEngine, company_id: int, state) -> tuple[bool, int]:
    top, fingerprint = _head(eng, company_id, state[0] if state else 0)
    if state is None or top != state[0] or fingerprint != state[1]:
        if eng.stock_lock.acquire(blocking=state is None):
            try:
                _sync_locked(eng, company_id)
            finally:
                eng.stock_lock.release()
            return True, top
    return False, top


def _sync_locked(eng: AnalyticsEngine, company_id: int) -> AsOf:
    cur = eng.cursor()
    try:
        row = _state(cur, company_id)
        watermark = int(row[0]) if row else 0
        top, fingerprint = _head(eng, company_id, watermark)
        reset = top < watermark or bool(watermark and fingerprint != row[1])
        if not reset and top == watermark and row is not None:
            return AsOf(watermark, _now())
        cur.execute("BEGIN TRANSACTION")
        try:
            if reset:
                cur.execute("DELETE FROM stock WHERE company_id = ?", [company_id])
                watermark = 0
            low = watermark
            if top > watermark:
                watermark = _append(eng, cur, company_id, watermark, top)
            now = _now()
            if reset or row is None or watermark != low:
                cur.execute("INSERT OR REPLACE INTO stock_sync_state VALUES (?, ?, ?, ?)",
                            [company_id, watermark, now, _head(eng, company_id, watermark)[1]])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return AsOf(watermark, now)
    finally:
        cur.close()


def _append(eng: AnalyticsEngine, cur, company_id: int, low: int, high: int) -> int:
    src = ", ".join(_src(c) for c in COLUMNS)
    where = "company_id = ? AND move_seq > ? AND move_seq <= ?"
    if eng.attached:
        cur.execute(f"CREATE OR REPLACE TEMP TABLE stock_batch AS SELECT {src} FROM {OP}.stock_move WHERE {where}",
                    [company_id, low, high])
    else:
        cur.execute("CREATE OR REPLACE TEMP TABLE stock_batch AS SELECT * FROM stock WHERE FALSE")
        if high - low >= BULK_MOVES:
            _bulk_load(eng, cur, company_id, low, high, src)
        else:
            with eng.db.engine.connect() as c:
                c.execution_options(readonly=True)
                c.exec_driver_sql("SELECT 1")
                raw = c.connection.driver_connection.cursor()
                try:
                    raw.execute(f"SELECT {', '.join(COLUMNS)} FROM stock_move WHERE {where}", (company_id, low, high))
                    while rows := raw.fetchmany(200_000):
                        batch = _arrow(rows)  # noqa: F841  (read by name below)
                        cur.execute(f"INSERT INTO stock_batch SELECT {src} FROM batch")
                finally:
                    raw.close()
    n, distinct = cur.execute("SELECT count(*), count(DISTINCT move_seq) FROM stock_batch").fetchone()
    end = low
    if n and n == distinct:
        end = int(cur.execute(
            "SELECT coalesce(max(move_seq), ?) FROM (SELECT move_seq, row_number() OVER (ORDER BY move_seq) AS rn "
            "FROM stock_batch) WHERE move_seq = ? + rn", [low, low]).fetchone()[0])
    if end > low:
        cur.execute(f"INSERT INTO stock SELECT {', '.join(COLUMNS)} FROM stock_batch WHERE move_seq <= ?", [end])
    cur.execute("DROP TABLE stock_batch")
    return end


def _arrow(rows: list) -> pa.Table:
    cols = list(zip(*rows, strict=True))
    return pa.Table.from_arrays([pa.array(v, type=pa.int64() if n in _INT else pa.string())
                                 for n, v in zip(COLUMNS, cols, strict=True)], names=list(COLUMNS))


_EXPORT = """
import sys, duckdb
ext, db, out, company, low, high, cols = sys.argv[1:]
c = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
c.execute("LOAD '" + ext.replace("'", "''") + "'")
c.execute("ATTACH '" + db.replace("'", "''") + "' AS op (TYPE sqlite, READ_ONLY)")
c.execute("COPY (SELECT " + cols + " FROM op.stock_move WHERE company_id = " + str(int(company)) +
          " AND move_seq > " + str(int(low)) + " AND move_seq <= " + str(int(high)) +
          ") TO '" + out.replace("'", "''") + "' (FORMAT parquet)")
"""


def _bulk_load(eng: AnalyticsEngine, cur, company_id: int, low: int, high: int, src: str) -> None:
    """A large SQLite batch read by a child process with the sqlite scanner (see engine._bulk_load: the scanner's
    own SQLite library must not share this process with the application's)."""
    import subprocess
    import sys
    import tempfile

    folder = Path(eng.path).parent if eng.path != ":memory:" else Path(tempfile.gettempdir())
    fd, name = tempfile.mkstemp(suffix=".parquet", dir=folder)
    os.close(fd)
    out = Path(name)
    try:
        subprocess.run([sys.executable, "-c", _EXPORT, extension_path("sqlite"),
                        attach_string(eng.db.engine.url.render_as_string(hide_password=False), "sqlite"),
                        str(out), str(int(company_id)), str(int(low)), str(int(high)), ", ".join(COLUMNS)],
                       check=True, capture_output=True, timeout=3600)
        cur.execute(f"INSERT INTO stock_batch SELECT {src} FROM read_parquet(?)", [str(out)])
    finally:
        out.unlink(missing_ok=True)


@contextmanager
def reading(eng: AnalyticsEngine, company_id: int) -> Iterator[Snapshot]:
    """One report's read of the stock copy (synced first when something is new and no other sync runs)."""
    cur = eng.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        state = _state(cur, company_id)
        checked = _now()
        synced, top = _sync_if_new(eng, company_id, state)
        if synced:
            cur.execute("ROLLBACK")
            cur.execute("BEGIN TRANSACTION")
            state = _state(cur, company_id)
        yield Snapshot(eng, cur, _as_of(company_id, state, top, checked))
    finally:
        end_reading(cur)


def stamp(eng: AnalyticsEngine, company_id: int) -> AsOf:
    """What a stock report would be as of now (no DuckDB transaction; the same sync rule as :func:`reading`)."""
    cur = eng.cursor()
    try:
        state = _state(cur, company_id)
        checked = _now()
        synced, top = _sync_if_new(eng, company_id, state)
        if synced:
            state = _state(cur, company_id)
        return _as_of(company_id, state, top, checked)
    finally:
        cur.close()


def _as_of(company_id: int, state, top: int, checked: dt.datetime) -> AsOf:
    if state is None:
        raise RuntimeError(f"stock copy of company {company_id} was never synced")
    return AsOf(state[0], checked if state[0] >= top else state[2])


# -- figures ---------------------------------------------------------------------------------------------------

def on_hand(snap, company_id: int, on: dt.date | None = None, *, warehouse_id: int | None = None,
            product_ids: list[int] | None = None, by_location: bool = False
            ) -> list[tuple[int, int | None, int, Decimal, Decimal]]:
    """(warehouse, location or None, product, quantity, value) of every move dated ``on`` or earlier (all when
    None), grouped; rows whose quantity and value are both zero included (the caller decides)."""
    where, params = ["company_id = ?"], [company_id]
    if on is not None:
        where.append("move_date <= ?")
        params.append(on)
    if warehouse_id is not None:
        where.append("warehouse_id = ?")
        params.append(warehouse_id)
    if product_ids is not None:
        if not product_ids:
            return []
        where.append(f"product_id IN ({', '.join(str(int(p)) for p in product_ids)})")
    loc = "location_id" if by_location else "NULL::INTEGER"
    rows = snap.cursor().execute(
        f"SELECT warehouse_id, {loc} AS location_id, product_id, sum(quantity)::BIGINT, sum(amount)::BIGINT "
        f"FROM stock WHERE {' AND '.join(where)} GROUP BY ALL", params).fetchall()
    return [(w, loc_id, p, Decimal(int(q)).scaleb(-6), Decimal(int(a)).scaleb(-2)) for w, loc_id, p, q, a in rows]


def slow_movers(snap, company_id: int, on: dt.date, days: int, limit: int = 10) -> list[dict]:
    """Products with stock on hand (all warehouses) at ``on`` whose last outbound move (issue, transfer_out, a
    negative adjustment) is older than ``days`` days or never happened: the largest values first."""
    since = on - dt.timedelta(days=days)
    rows = snap.cursor().execute(
        "SELECT product_id, sum(quantity)::BIGINT AS q, sum(amount)::BIGINT AS a, "
        "max(CASE WHEN quantity < 0 THEN move_date END) AS last_out FROM stock "
        "WHERE company_id = ? AND move_date <= ? GROUP BY product_id "
        "HAVING sum(quantity) > 0 AND (max(CASE WHEN quantity < 0 THEN move_date END) IS NULL "
        "OR max(CASE WHEN quantity < 0 THEN move_date END) < ?) ORDER BY a DESC, product_id LIMIT ?",
        [company_id, on, since, limit]).fetchall()
    return [{"product_id": p, "quantity": Decimal(int(q)).scaleb(-6), "value": Decimal(int(a)).scaleb(-2),
             "last_out": last} for p, q, a, last in rows]
