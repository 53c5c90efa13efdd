"""The stamp module dashboards compare on every rerun (erp_core/analytics/stamps.py, issue #17): the audit chain's
last number, kept per process for a second; a use case committed in this process is seen at once, another
process's change once the second is over; the dashboard queries read it first, in their own transaction."""

from __future__ import annotations

from sqlalchemy import event, text

from erp_core.analytics import stamps
from erp_core.masterdata.org_services import create_department
from tests.support.factories import admin_actor


def _statements(db):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", count)


def test_a_second_look_within_the_ttl_asks_the_database_nothing(db, company):
    first = stamps.current(db)
    seen, stop = _statements(db)
    try:
        again = stamps.current(db)
    finally:
        stop()
    assert again == first and not seen


def test_a_use_case_committed_in_this_process_is_seen_at_once(db, company):
    before = stamps.current(db)
    create_department(db, admin_actor(db, company), code="D9", name="新部门")
    after = stamps.current(db)
    assert after.seq > before.seq
    with db.uow(readonly=True) as uow:
        assert stamps.changes(uow.session).seq == after.seq


def test_another_process_change_is_seen_once_the_ttl_is_over(db, company, monkeypatch):
    before = stamps.current(db)
    with db.engine.begin() as c:  # as another process's commit: no Session of this process saw it
        c.execute(text("UPDATE audit_chain_head SET last_seq = last_seq + 1 WHERE id = 1"))
    assert stamps.current(db) == before
    later = stamps.time.monotonic() + stamps.TTL + 0.1
    monkeypatch.setattr(stamps.time, "monotonic", lambda: later)
    assert stamps.current(db).seq == before.seq + 1


def test_the_clock_bucket_moves_the_stamp_without_any_write(db, company, monkeypatch):
    import datetime as dt

    from erp_core.kernel import clock

    t0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    clock.set_clock(lambda: t0)
    try:
        first = stamps.current(db)
        clock.set_clock(lambda: t0 + dt.timedelta(seconds=stamps.BUCKET_SECONDS))
        assert stamps.current(db) != first  # an SLA may have been breached meanwhile: figures read again
    finally:
        clock.set_clock(None)


def test_a_phased_bucket_turns_at_its_own_second_of_the_minute():
    """Each browser session turns the minute at a second of its own (stamps.phased_bucket): 100 open dashboards
    no longer make their figures again all in the same second; none keeps them longer than a minute."""
    import datetime as dt

    from erp_core.kernel import clock

    t0 = dt.datetime(2026, 3, 2, 2, 0, 0, tzinfo=dt.UTC)  # a minute's turn

    def bucket(second: int, phase: float) -> int:
        clock.set_clock(lambda: t0 + dt.timedelta(seconds=second))
        return stamps.phased_bucket(phase)

    try:
        turned = {phase: [s for s in range(1, 121) if bucket(s, phase) != bucket(s - 1, phase)]
                  for phase in (0.0, 15.0, 45.5)}
        assert turned[0.0] == [60, 120]  # unshifted: at the minute's turn, as stamps.changes
        assert turned[15.0] == [45, 105]
        assert turned[45.5] == [15, 75]  # 14.5 s after the turn the bucket moved: seen at second 15
    finally:
        clock.set_clock(None)
