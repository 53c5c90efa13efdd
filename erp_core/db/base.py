"""Declarative base with a naming convention, so constraint names are the same on every backend and
Alembic can alter them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from erp_core.db.types import UtcDateTime
from erp_core.kernel.clock import naive_utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utc_column(**kw) -> Mapped[dt.datetime]:
    """A UTC timestamp column (stored naive, always UTC) defaulting to now."""
    kw.setdefault("default", naive_utcnow)
    return mapped_column(UtcDateTime(), **kw)


class Versioned:
    """Editable documents: a concurrent edit of a stale version fails loudly (StaleDataError, turned into
    ConcurrencyError by the unit of work) instead of overwriting."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}
