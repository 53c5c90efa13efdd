"""Blocks of gap-free numbers from the kernel's doc_sequence counters (erp_core.kernel.numbering).

``allocate_block`` advances a counter by ``n`` with one locking statement inside the caller's transaction and
returns the first number of the block: concurrent allocators queue on the row lock (on SQLite on the write lock
BEGIN IMMEDIATE takes), so commit order equals number order and a rolled-back transaction leaves no gap.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from erp_core.db.prepared import Prepared, connection_of
from erp_core.kernel.numbering import DocSequence

GL_SEQUENCE = "gl_posting_seq"  # doc_type of the per-company posting sequence of gl_line


def voucher_series(voucher_type: str) -> str:
    return f"voucher:{voucher_type}"


_TABLE = DocSequence.__table__
_KEY = {"company_id": bindparam("seq_cid"), "doc_type": bindparam("seq_doc"), "period": bindparam("seq_period")}
_READ = Prepared(select(_TABLE.c.last_value).where(*(_TABLE.c[k] == v for k, v in _KEY.items())))
# dialect name -> the statement, compiled once and run on the driver (posting calls this for every voucher)
_UPSERTS: dict[str, Prepared] = {}


def _upsert(dialect: str) -> Prepared:
    stmt = _UPSERTS.get(dialect)
    if stmt is not None:
        return stmt
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        ins = insert(_TABLE).values(**_KEY, last_value=bindparam("n"))
        stmt = ins.on_conflict_do_update(index_elements=list(_KEY),
                                         set_={"last_value": _TABLE.c.last_value + ins.excluded.last_value}
                                         ).returning(_TABLE.c.last_value)
    elif dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert

        ins = insert(_TABLE).values(**_KEY, last_value=bindparam("n"))
        stmt = ins.on_duplicate_key_update(last_value=ins.inserted.last_value + _TABLE.c.last_value)
    else:
        raise NotImplementedError(dialect)
    _UPSERTS[dialect] = Prepared(stmt)
    return _UPSERTS[dialect]


def allocate_block(session: Session, company_id: int, doc_type: str, period: str, n: int) -> int:
    """Reserve ``n`` consecutive numbers; returns the first."""
    if n <= 0:
        raise ValueError("n must be positive")
    dialect = connection_of(session).dialect.name
    params = {"seq_cid": company_id, "seq_doc": doc_type, "seq_period": period, "n": n}
    if dialect in ("mysql", "mariadb"):
        _upsert(dialect).rowcount(session, **params)
        last = int(_READ.scalar(session, **params))
    else:
        last = int(_upsert(dialect).scalar(session, **params))
    return last - n + 1


def set_counter(session: Session, company_id: int, doc_type: str, period: str, value: int) -> None:
    """Set a counter to ``value`` (used by renumbering, under the same row lock)."""
    table = DocSequence.__table__
    allocate_block(session, company_id, doc_type, period, 1)  # creates/locks the row
    session.execute(update(table).where(table.c.company_id == company_id, table.c.doc_type == doc_type,
                                        table.c.period == period).values(last_value=value))
