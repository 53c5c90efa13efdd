"""The operational store's head, kept per process for a second (issue #17 item 2): every rerun of every dashboard
asks "anything new?"; within HEAD_TTL the process answers from what it read, except that a posting committed in
this process is seen at once (the user who just posted sees it), and another process's posting within HEAD_TTL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from erp_core.analytics import engine as analytics_engine
from erp_core.analytics.engine import engine_for

DAY = dt.date(2026, 1, 12)


def _store_statements(db):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", count)


def test_a_second_look_within_the_ttl_asks_the_store_nothing(db, books):
    eng = engine_for(db)
    first = eng.stamp(books.company_id)
    seen, stop = _store_statements(db)
    try:
        again = eng.stamp(books.company_id)
    finally:
        stop()
    assert again.watermark == first.watermark
    assert not [s for s in seen if "gl_line" in s]
    assert again.synced_at == first.synced_at  # as of when the head was read, not later


def test_a_posting_in_this_process_is_seen_at_once(db, books):
    eng = engine_for(db)
    before = eng.stamp(books.company_id).watermark
    books.post(DAY, ("1002", "100", 0, "收款"), ("5001", 0, "100", "收款"))
    after = eng.stamp(books.company_id)
    assert after.watermark == before + 2  # no wait for the TTL: the posting moved the company's epoch on
    with eng.reading(books.company_id) as snap:
        assert snap.as_of.watermark == before + 2


def test_another_process_posting_is_seen_once_the_ttl_is_over(db, books, monkeypatch):
    eng = engine_for(db)
    before = eng.stamp(books.company_id).watermark
    monkeypatch.setattr(eng, "posted", lambda company_id: None)  # as if another app process posted
    books.post(DAY, ("1002", "100", 0, "收款"), ("5001", 0, "100", "收款"))
    assert eng.stamp(books.company_id).watermark == before  # within the TTL: the head read a moment ago
    later = analytics_engine.time.monotonic() + analytics_engine.HEAD_TTL + 0.1
    monkeypatch.setattr(analytics_engine.time, "monotonic", lambda: later)
    assert eng.stamp(books.company_id).watermark == before + 2


def test_an_answer_read_while_a_posting_committed_is_not_kept_for_the_newer_one(db, books, monkeypatch):
    """A look-up that started before this process's posting committed (and may have read the older head) is
    not taken for the head after it."""
    eng = engine_for(db)
    before = eng.stamp(books.company_id).watermark
    real_head = eng._head

    def head_then_post(company_id, seq):
        answer = real_head(company_id, seq)  # read before the posting commits ...
        monkeypatch.setattr(eng, "_head", real_head)
        books.post(DAY, ("1002", "100", 0, "收款"), ("5001", 0, "100", "收款"))  # ... which then commits
        return answer

    eng._heads.clear()
    monkeypatch.setattr(eng, "_head", head_then_post)
    assert eng.stamp(books.company_id).watermark == before
    assert eng.stamp(books.company_id).watermark == before + 2
