"""LIKE searches with the searched text taken literally, on SQLite, PostgreSQL and MariaDB alike.

A user's search text (or a code, a name, a key) may contain LIKE's wildcards: ``%`` and ``_`` would match
anything, and the escape character itself would swallow the next one. Every LIKE built from a value goes through
here: the value is escaped and the condition carries ``ESCAPE``. tests/unit/test_like.py scans erp_core for LIKE
calls that do not.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with the escape character, ``%`` and ``_`` escaped (for a pattern used with ``escape=ESCAPE``)."""
    return str(text).replace(ESCAPE, ESCAPE + ESCAPE).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains_pattern(text: str) -> str:
    """A pattern matching values that contain ``text`` literally."""
    return f"%{escape_like(text)}%"


def contains(column, text: str, *, ignore_case: bool = False) -> ColumnElement[bool]:
    """``column`` contains ``text`` literally (strip a search text first); case-insensitively by lower() on both sides when asked,
    the same on every backend (ILIKE exists only on PostgreSQL; SQLAlchemy emulates it with lower())."""
    pattern = contains_pattern(text)
    if ignore_case:
        return func.lower(column).like(pattern.lower(), escape=ESCAPE)
    return column.like(pattern, escape=ESCAPE)


def starts_with(column, text: str) -> ColumnElement[bool]:
    """``column`` starts with ``text`` literally (not stripped: a prefix is exact)."""
    return column.like(f"{escape_like(text)}%", escape=ESCAPE)
