"""Small helpers shared by the settings and organisation use cases: input checks that collect every problem
(invariants as small functions returning errors), and paged, sorted lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erp_core.db.like import contains_pattern  # the one escaping of LIKE (use with escape=ESCAPE)
from erp_core.io.parsers import char_name, control_char
from erp_core.kernel.errors import Conflict, DomainError, NotFound, ValidationError, ValidationErrors
from erp_core.kernel.money import has_scale, to_decimal

MAX_PAGE_SIZE = 500


class Problems(list[ValidationError]):
    """Validation problems found so far; ``raise_any()`` refuses the input when there is at least one."""

    def add(self, message_id: str, field: str, **params: Any) -> None:
        self.append(ValidationError(message_id, field=field, **params))

    def raise_any(self) -> None:
        if len(self) == 1:
            raise self[0]
        if self:
            raise ValidationErrors(list(self))


def clean_text(problems: Problems, value: object, field: str, *, max_len: int, required: bool = True,
               upper: bool = False, multiline: bool = False) -> str | None:
    """Trimmed text or None; records required / too-long / control-character problems (io.parsers' rule for
    text: no control characters, tab and line breaks only when ``multiline``)."""
    text = "" if value is None else str(value).strip()
    if upper:
        text = text.upper()
    if not text:
        if required:
            problems.add("error.required", field)
        return None
    ch = control_char(text, multiline=multiline)
    if ch is not None:
        problems.add("error.text.control_char", field, char=char_name(ch))
        return None
    if len(text) > max_len:
        problems.add("error.too_long", field, max=max_len)
        return None
    return text


def clean_code(problems: Problems, value: object, field: str, *, max_len: int, upper: bool = False) -> str | None:
    """A business code: required, no spaces or control characters."""
    code = clean_text(problems, value, field, max_len=max_len, upper=upper)
    if code is not None and any(c.isspace() or not c.isprintable() for c in code):
        problems.add("error.settings.code_format", field)
        return None
    return code


def clean_decimal(problems: Problems, value: object, field: str, *, scale: int, required: bool = True,
                  ) -> Decimal | None:
    """An exact decimal with at most ``scale`` decimals (floats are refused, never rounded)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add("error.required", field)
        return None
    try:
        d = to_decimal(value)
    except (TypeError, ValueError):
        problems.add("error.settings.number", field)
        return None
    if not has_scale(d, scale):
        problems.add("error.settings.decimals", field, max=scale)
        return None
    return d


def clean_date(problems: Problems, value: object, field: str, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            problems.add("error.required", field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.add("error.settings.date", field)
        return None


def save(ctx, obj: object | None = None) -> None:
    """Add ``obj`` (if given) and flush now. A unique constraint that fires here (two people saving the same code
    at the same moment, after both passed the friendly check) becomes a Conflict, not a database error."""
    if obj is not None:
        ctx.session.add(obj)
    try:
        ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("error.settings.concurrent_duplicate") from exc


def require_company(ctx) -> int:
    if ctx.company_id is None:
        raise DomainError("error.company.none")
    return ctx.company_id


def get_owned(session: Session, model: type, obj_id: object, company_id: int) -> Any:
    """The record ``obj_id`` of ``model`` if it belongs to ``company_id``; NotFound otherwise (a record of
    another company is indistinguishable from a missing one)."""
    obj = session.get(model, obj_id) if obj_id is not None else None
    if obj is None or obj.company_id != company_id:
        raise NotFound()
    return obj


@dataclass
class Page:
    """One page of a list: the rows (dicts) and the total number of matching rows."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 50


def paged(session: Session, stmt: Select, *, sort_columns: Mapping[str, ColumnElement], sort: str | None,
          descending: bool, page: int, page_size: int, default_sort: str) -> tuple[list, int]:
    """Apply a whitelisted sort and one page to ``stmt``; returns (rows, total matching)."""
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    col = sort_columns.get(sort or default_sort, sort_columns[default_sort])
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    tiebreak = list(stmt.selected_columns)[0]  # a stable order across pages
    stmt = stmt.order_by(col.desc() if descending else col.asc(), tiebreak)
    rows = session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    return rows, total


def like_pattern(search: str) -> str:
    """A LIKE pattern for free-text search, with the wildcards of the search text itself escaped."""
    return contains_pattern(search.strip())
