"""Custom field values: parsing by the field's type, canonical storage in ``custom_json``, filtering.

Stored form: a JSON object with sorted keys whose values are all strings (Decimal -> "12.50", date ->
"2026-03-01", bool -> "true"/"false"). That makes the text of a value unique, so an equality filter is a
portable LIKE over the column on SQLite, PostgreSQL and MariaDB alike.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from erp_core.db.like import contains
from erp_core.io import parsers
from erp_core.io.parsers import CellError, Parser
from erp_core.masterdata.models_custom_fields import CustomField


@dataclass(frozen=True)
class FieldDef:
    """A custom field definition, detached from the session."""

    id: int
    entity: str
    key: str
    label_zh: str
    label_en: str
    field_type: str
    required: bool
    default_value: str | None
    choices: tuple[str, ...]
    retired: bool
    version: int

    def label(self, locale: str | None) -> str:
        return self.label_en if (locale or "").startswith("en") else self.label_zh

    @property
    def catalog_field(self) -> str:
        """What a ValidationError names as its field: the zh/en labels joined (custom fields have no catalog key)."""
        return f"{self.label_zh} / {self.label_en}" if self.label_zh != self.label_en else self.label_zh

    def parser(self) -> Parser:
        return parser_for(self.field_type, self.choices)


def parser_for(field_type: str, choices: Iterable[str] = ()) -> Parser:
    if field_type == "text":
        return parsers.text(200)
    if field_type == "number":
        return parsers.decimal(6, min_value=None, max_value=Decimal(10) ** 12)
    if field_type == "money":
        return parsers.money(min_value=None)
    if field_type == "date":
        return parsers.date()
    if field_type == "bool":
        return parsers.boolean()
    if field_type == "choice":
        return parsers.choice(tuple(choices))
    raise ValueError(f"unknown custom field type {field_type!r}")


def to_stored(value: Any) -> str | None:
    """The canonical string of a parsed value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # one text per number (1.50 -> "1.5"), so filters can match
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def dumps(values: dict[str, str]) -> str | None:
    clean = {k: v for k, v in values.items() if v is not None}
    if not clean:
        return None
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    return json.loads(text)


def definitions(session: Session, company_id: int, entity: str, *, include_retired: bool = False) -> list[FieldDef]:
    stmt = select(CustomField).where(CustomField.company_id == company_id, CustomField.entity == entity)
    if not include_retired:
        stmt = stmt.where(CustomField.retired.is_(False))
    rows = session.execute(stmt.order_by(CustomField.position, CustomField.id)).scalars()
    return [_def(r) for r in rows]


def _def(r: CustomField) -> FieldDef:
    return FieldDef(r.id, r.entity, r.key, r.label_zh, r.label_en, r.field_type, r.required, r.default_value,
                    tuple(split_choices(r.choices)), r.retired, r.version)


def split_choices(text: str | None) -> list[str]:
    if not text:
        return []
    return [c.strip() for c in text.replace("，", ",").replace(",", "\n").splitlines() if c.strip()]


def clean_custom(defs: list[FieldDef], raw: dict[str, Any] | None, *, existing: dict[str, str] | None = None,
                 creating: bool) -> tuple[dict[str, str], list[tuple[FieldDef, Any, CellError]]]:
    """Validate ``raw`` (key -> raw value; keys absent are left as they are) against ``defs``.

    Returns the new stored mapping (existing values of retired or unknown keys are kept untouched) and the
    problems as (field, raw value, CellError)."""
    raw = raw or {}
    out = dict(existing or {})
    problems: list[tuple[FieldDef, Any, CellError]] = []
    for d in defs:
        if d.key in raw and not (creating and parsers.is_blank(raw[d.key])):
            value = raw[d.key]
        elif creating:
            value = d.default_value  # a new record's empty field takes the default
        else:
            value = out.get(d.key)
        try:
            parsed = d.parser()(value)
        except CellError as err:
            problems.append((d, value, err))
            continue
        if parsed is None and d.required:
            problems.append((d, value, CellError("error.required")))
            continue
        stored = to_stored(parsed)
        if stored is None:
            out.pop(d.key, None)
        else:
            out[d.key] = stored
    return out, problems


def equals_condition(column: Any, key: str, value: Any, field_type: str = "text",
                     choices: Iterable[str] = ()) -> ColumnElement[bool]:
    """WHERE condition: the custom field ``key`` equals ``value`` (parsed by the field's type first)."""
    stored = to_stored(parser_for(field_type, choices)(value))
    needle = json.dumps(key, ensure_ascii=False) + ":" + json.dumps(stored, ensure_ascii=False)
    return contains(column, needle)


def validate_for(session: Session, company_id: int, entity: str, raw: dict[str, Any] | None, *,
                 existing_json: str | None = None, creating: bool = True) -> tuple[str | None, list]:
    """For other modules' records with a ``custom_json`` column (entity "document" for sales/purchase
    documents): validate ``raw`` against the company's active fields of ``entity`` and return the JSON text to
    store plus ValidationErrors (field = the field's labels) to raise with everything else the form got wrong."""
    from erp_core.kernel.errors import ValidationError

    defs = definitions(session, company_id, entity)
    stored, found = clean_custom(defs, raw, existing=loads(existing_json), creating=creating)
    errors = [ValidationError(err.message_id, field=d.catalog_field, **err.params) for d, _value, err in found]
    return dumps(stored), errors
