"""Text search of leads (company name, contact name) that stays fast and complete at a million leads.

Two indexes, both written in the lead's own transaction by triggers on ``crm_lead`` (so no writer — use case,
import, merge, bulk Core insert — can leave them behind):

- ``crm_lead_gram`` (migration 0043): every 1- and 2-character substring ("gram") of both names, lower-cased,
  one row per (company, gram, lead), primary key in that order. A text of 1–2 characters is one gram: the
  leads containing it are exactly the key range (company, gram), read newest first (lead id descending) and
  stopped when the page is full — a common gram ("公") answers after 50 entries, a rare or absent one ("华为"
  among 1 M leads that never say it) after as many entries as there are matches. No trigram index can serve
  1–2 characters (Chinese names are short: 华为, 张三), and before this such a search read only the newest
  100,000 leads.
- 3 characters or more: SQLite's contentless FTS5 ``trigram`` table ``crm_lead_fts`` (migration 0035), a
  phrase query = exactly "contains"; PostgreSQL's ``pg_trgm`` GIN indexes serving ``ILIKE '%…%'``. MariaDB has
  no n-gram full-text parser (that is MySQL's ``ngram``; InnoDB FULLTEXT splits on spaces, and Chinese names have
  none): there the text's rarest 2-character gram drives (the key range of the gram with the fewest entries,
  counted up to a cap) and ``LIKE '%…%'`` checks the whole text on those leads only.

``TextSearch.gram`` is the gram to read; queries._filtered either drives the statement by it (a join, ordered by
the gram's lead id) or, when the gram is common (RARE_CAP leads or more) and another filter (owner, pool,
status, source, region) has its own index to drive by, only checks it per lead (EXISTS, a primary-key look-up). A phone number (7 digits or more) is looked up by the indexed phone key
(queries._filtered).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, column, func, or_, select, table, text
from sqlalchemy.orm import Session

from erp_core.crm.models import CrmLead
from erp_core.db.like import ESCAPE, contains_pattern

FTS_TABLE = "crm_lead_fts"
GRAM_TABLE = "crm_lead_gram"
GRAM_POS = "crm_gram_pos"
# objects the migrations make outside the models (the drift test leaves them out of its comparison)
SEARCH_OBJECTS = frozenset({FTS_TABLE, f"{FTS_TABLE}_data", f"{FTS_TABLE}_idx", f"{FTS_TABLE}_docsize",
                            f"{FTS_TABLE}_config", f"{FTS_TABLE}_content",
                            "ix_crm_lead_company_name_trgm", "ix_crm_lead_contact_name_trgm",
                            GRAM_TABLE, GRAM_POS, "pk_crm_lead_gram"})
MIN_INDEXED = 3  # a trigram
GRAM_LEN = 2
# a gram is "rare" below this many leads: it then drives the list even with other filters (queries._filtered);
# MariaDB, 3+ characters: each of the text's grams is counted up to this many entries to find the rarest
RARE_CAP = 5_000
MAX_GRAMS_TRIED = 8

gram_table = table(GRAM_TABLE, column("company_id"), column("gram"), column("lead_id"))


@dataclass(frozen=True)
class TextSearch:
    cond: ColumnElement[bool] | None  # on crm_lead: FTS ids, or LIKE (the whole text, MariaDB 3+)
    drives: bool  # cond reads ids from an index (FTS5): the statement is driven by them
    gram: str | None = None  # the gram (1–2 characters, lower-cased by the database) whose leads contain the text


def _fts_phrase(text_: str) -> str:
    """An FTS5 phrase matching ``text_`` literally (double quotes doubled; no operator survives)."""
    return '"' + text_.replace('"', '""') + '"'


def _like(s: str, *, ignore_case: bool) -> ColumnElement[bool]:
    pattern = contains_pattern(s)
    if ignore_case:
        return or_(CrmLead.company_name.ilike(pattern, escape=ESCAPE),
                   CrmLead.contact_name.ilike(pattern, escape=ESCAPE))
    return or_(CrmLead.company_name.like(pattern, escape=ESCAPE), CrmLead.contact_name.like(pattern, escape=ESCAPE))


def and_gram(company_id: int, gram: str) -> ColumnElement[bool]:
    """The gram table's rows of ``gram`` in the company: lower-cased by the database's lower(), as the triggers
    wrote it (Python's str.lower differs from SQLite's ASCII-only one)."""
    return (gram_table.c.company_id == company_id) & (gram_table.c.gram == func.lower(gram))


def gram_count(session: Session, company_id: int, gram: str, cap: int | None = None) -> int:
    """How many leads have ``gram``, counted up to ``cap`` (RARE_CAP): an index range read of at most that many."""
    return session.execute(select(func.count()).select_from(
        select(gram_table.c.lead_id).where(and_gram(company_id, gram)).limit(cap or RARE_CAP).subquery())
    ).scalar_one()


def _rarest_gram(session: Session, company_id: int, s: str) -> str:
    """Of the text's 2-character grams, the one with the fewest leads (each counted up to RARE_CAP; a gram no
    lead has answers 0 at once)."""
    grams = list(dict.fromkeys(s[i:i + GRAM_LEN] for i in range(len(s) - GRAM_LEN + 1)))
    if len(grams) > MAX_GRAMS_TRIED:  # spread over the text: its start, its end and between
        step = (len(grams) - 1) / (MAX_GRAMS_TRIED - 1)
        grams = [grams[round(i * step)] for i in range(MAX_GRAMS_TRIED)]
    best, best_n = grams[0], None
    for g in grams:
        n = gram_count(session, company_id, g)
        if best_n is None or n < best_n:
            best, best_n = g, n
        if n == 0:
            break
    if best_n is not None and best_n >= RARE_CAP:  # every gram common at 1 M leads ("公司"): count further
        counts = {g: gram_count(session, company_id, g, RARE_CAP * 20) for g in grams}
        best = min(grams, key=lambda g: counts[g])
    return best


def text_search(session: Session, company_id: int, s: str) -> TextSearch:
    """How to find the leads whose company or contact name contains ``s`` (stripped, not a phone number)."""
    dialect = session.get_bind().dialect.name
    if len(s) < MIN_INDEXED:
        return TextSearch(None, False, s)  # the gram is the text: its key range is exactly the matches
    if dialect == "sqlite":
        hits = select(text("rowid")).select_from(text(FTS_TABLE)).where(
            text(f"{FTS_TABLE} MATCH :fts_q").bindparams(fts_q=_fts_phrase(s)))
        return TextSearch(CrmLead.id.in_(hits.scalar_subquery()), True)
    if dialect == "postgresql":  # ILIKE: what the pg_trgm indexes serve (its planner decides)
        return TextSearch(_like(s, ignore_case=True), False)
    # MariaDB: LIKE (case by the column's collation) on the leads having the text's rarest gram
    return TextSearch(_like(s, ignore_case=False), False, _rarest_gram(session, company_id, s))
