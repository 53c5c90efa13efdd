"""Blocks of gap-free numbers from the kernel's doc_sequence counters (erp_core.kernel.numbering).

``allocate_block`` advances a counter by ``n`` with one locking statement inside the caller's transaction and
returns the first number of the block: concurrent allocators queue on the row lock (on SQLite on the write lock
BEGIN IMMEDIATE takes), so commit order equals number order and a rolled-back transaction leaves no gap.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erp_core.kernel.numbering import DocSequence

GL_SEQUENCE = "gl_posting_seq"  # doc_type of the per-company posting sequence of gl_line


def voucher_series(voucher_type: str) -> str:
    return f"voucher:{voucher_type}"


def allocate_block(session: Session, company_id: int, doc_type: str, period: str, n: int) -> int:
    """Reserve ``n`` consecutive numbers; returns the first."""
    if n <= 0:
        raise ValueError("n must be positive")
    table = DocSequence.__table__
    key = {"company_id": company_id, "doc_type": doc_type, "period": period}
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table).values(**key, last_value=n)
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={"last_value": table.c.last_value + n})
        last = int(session.execute(stmt.returning(table.c.last_value)).scalar_one())
    elif dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert

        stmt = insert(table).values(**key, last_value=n)
        stmt = stmt.on_duplicate_key_update(last_value=stmt.inserted.last_value + table.c.last_value)
        session.execute(stmt)
        last = int(session.execute(select(table.c.last_value).where(
            *(table.c[k] == v for k, v in key.items()))).scalar_one())
    else:
        raise NotImplementedError(dialect)
    return last - n + 1


def set_counter(session: Session, company_id: int, doc_type: str, period: str, value: int) -> None:
    """Set a counter to ``value`` (used by renumbering, under the same row lock)."""
    table = DocSequence.__table__
    allocate_block(session, company_id, doc_type, period, 1)  # creates/locks the row
    session.execute(update(table).where(table.c.company_id == company_id, table.c.doc_type == doc_type,
                                        table.c.period == period).values(last_value=value))
