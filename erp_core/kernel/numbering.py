"""Gap-free document numbers per (company, document type, period).

The counter row is incremented inside the caller's transaction with one locking statement, so a number is
only consumed when the document commits, and concurrent allocators queue on the row lock (on SQLite, on the
database write lock taken by BEGIN IMMEDIATE). Result: no gaps, no duplicates, on every backend.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from erp_core.db.base import Base


class DocSequence(Base):  # 单据编号计数器
    __tablename__ = "doc_sequence"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)  # e.g. "2026-11", or "" for none
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


def allocate_number(session: Session, company_id: int, doc_type: str, period: str = "") -> int:
    """Allocate the next number of the series inside the current transaction and return it."""
    table = DocSequence.__table__
    key = {"company_id": company_id, "doc_type": doc_type, "period": period}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table).values(**key, last_value=1)
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={"last_value": table.c.last_value + 1})
        return int(session.execute(stmt.returning(table.c.last_value)).scalar_one())
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(**key, last_value=1)
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={"last_value": table.c.last_value + 1})
        return int(session.execute(stmt.returning(table.c.last_value)).scalar_one())
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as my_insert

        # ON DUPLICATE KEY UPDATE takes the exclusive row lock at once (INSERT IGNORE's shared lock could
        # deadlock three allocators upgrading together).
        stmt = my_insert(table).values(**key, last_value=1)
        stmt = stmt.on_duplicate_key_update(last_value=stmt.inserted.last_value + table.c.last_value)
        session.execute(stmt)
        return int(session.execute(
            select(table.c.last_value).where(*(table.c[k] == v for k, v in key.items()))
        ).scalar_one())
    raise NotImplementedError(dialect)


