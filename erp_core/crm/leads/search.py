"""Text search of leads (company name, contact name) that stays fast at a million leads, per backend.

- SQLite: an FTS5 table ``crm_lead_fts`` with the ``trigram`` tokenizer (contentless: it holds only the index),
  kept by three triggers on ``crm_lead`` that the migration 0035 creates, so the index is written in the same
  transaction as the lead (no separate sync that can drift). A search of 3 characters or more is a phrase query
  on it (every trigram, in order: exactly "contains", case-insensitive).
- PostgreSQL: ``pg_trgm`` GIN indexes on both columns (migration 0035, when the extension can be created);
  the search is ``ILIKE '%…%'``, which those indexes serve from 3 characters on. Without the extension the same
  statement runs as a scan (correct, slower).
- MariaDB: it has no n-gram full-text parser (that is MySQL's), and a B-tree cannot serve "contains": the search
  is ``LIKE '%…%'`` (case-insensitive by the column's collation), read newest first and stopped as soon as the page
  is full; the pager's count is capped (queries.COUNT_CAP), so a common word does not read the whole table.
- 1–2 characters (Chinese names are short: 华为, 张三): no trigram exists, so on every backend the search is the
  ``LIKE`` scan newest first, stopped when the page is full and counted up to the cap. A 2-character search that
  matches little or nothing therefore reads the whole table: bench/bench_crm.py measures it.

A phone number (7 digits or more) is looked up by the indexed phone key instead (queries._filtered).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, text

from erp_core.crm.models import CrmLead
from erp_core.db.like import ESCAPE, contains_pattern

FTS_TABLE = "crm_lead_fts"
# objects the migration makes outside the models (the drift test leaves them out of its comparison)
SEARCH_OBJECTS = frozenset({FTS_TABLE, f"{FTS_TABLE}_data", f"{FTS_TABLE}_idx", f"{FTS_TABLE}_docsize",
                            f"{FTS_TABLE}_config", f"{FTS_TABLE}_content",
                            "ix_crm_lead_company_name_trgm", "ix_crm_lead_contact_name_trgm"})
MIN_INDEXED = 3  # a trigram


def _fts_phrase(text_: str) -> str:
    """An FTS5 phrase matching ``text_`` literally (double quotes doubled; no operator survives)."""
    return '"' + text_.replace('"', '""') + '"'


def _like_scan(s: str, *, ignore_case: bool) -> ColumnElement[bool]:
    pattern = contains_pattern(s)
    if ignore_case:
        return or_(CrmLead.company_name.ilike(pattern, escape=ESCAPE),
                   CrmLead.contact_name.ilike(pattern, escape=ESCAPE))
    return or_(CrmLead.company_name.like(pattern, escape=ESCAPE), CrmLead.contact_name.like(pattern, escape=ESCAPE))


def search_condition(dialect: str, s: str) -> tuple[ColumnElement[bool], bool]:
    """(WHERE condition: the lead's company name or contact name contains ``s`` (already stripped), whether it
    reads ids from an index — the statement can then be driven by them — rather than scanning)."""
    if dialect == "sqlite" and len(s) >= MIN_INDEXED:
        hits = select(text("rowid")).select_from(text(FTS_TABLE)).where(
            text(f"{FTS_TABLE} MATCH :fts_q").bindparams(fts_q=_fts_phrase(s)))
        return CrmLead.id.in_(hits.scalar_subquery()), True
    # PostgreSQL: ILIKE (what the pg_trgm indexes serve; its planner decides); SQLite/MariaDB: LIKE (ASCII
    # case-insensitive on SQLite, by the column collation on MariaDB)
    return _like_scan(s, ignore_case=dialect == "postgresql"), False
