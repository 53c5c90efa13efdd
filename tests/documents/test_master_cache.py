"""Master data kept across transactions (erp_core/db/master_cache.py, issues #12 and #13), on every configured
backend: the stamp changes by trigger in the writer's own transaction, whoever writes (a use case, or raw SQL
on another connection: another process); a posting after the change reads the new master data; a transaction
that changes master data reads its own change and keeps nothing of it for others."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, select, text

from erp_core.db import master_cache as mc
from erp_core.kernel.errors import DomainError
from erp_core.purchasing import services as ps
from tests.purchasing.support import DAY, D, env, order, order_lines, voucher


@pytest.fixture
def st(db, company):
    return env(db, company=company)


def _stamp(db) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(mc.MasterDataStamp.stamp)).scalar_one()


def _receipt(db, st, product="P1", qty="5"):
    oid = order(db, st, [(product, "10", "100")])
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(db, oid)[0],
                                                                "quantity": D(qty)}])
    return rid


def _other_process(db_url: str, sql: str, **params) -> None:
    """Raw SQL on a connection of its own engine: no ORM session, no listener of this process sees it."""
    engine = create_engine(db_url.replace("mysql://", "mysql+pymysql://", 1) if db_url.startswith("mysql://")
                           else db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def test_every_watched_table_has_its_triggers_and_the_migration_watches_the_same_tables(db):
    from importlib import import_module

    migration = import_module("db.migrations.versions.0036_posting")
    assert tuple(migration.TABLES) == mc.WATCHED
    backend = db.engine.dialect.name
    with db.engine.connect() as conn:
        if backend == "sqlite":
            rows = conn.execute(text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")).all()
        elif backend == "postgresql":
            rows = conn.execute(text("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c "
                                     "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal")).all()
        else:
            rows = conn.execute(text("SELECT event_object_table, trigger_name FROM information_schema.triggers "
                                     "WHERE trigger_schema = DATABASE()")).all()
    stamped = {t for t, name in rows if "_stamp_" in name}
    assert stamped == set(mc.WATCHED)
    assert "master_data_stamp" in inspect(db.engine).get_table_names()


def test_a_use_case_changing_master_data_changes_the_stamp_and_a_posting_does_not(db, st):
    from erp_core.costing.rules_services import set_account_rule

    rid = _receipt(db, st)
    before = _stamp(db)
    ps.post_receipt(db, st.admin, receipt_id=rid)
    assert _stamp(db) == before  # postings write no master data: the kept values stay valid
    set_account_rule(db, st.admin, role="stock", account_code="1403")
    assert _stamp(db) != before


def test_a_rule_set_between_two_postings_is_used_by_the_second(db, st):
    from erp_core.costing.rules_services import set_account_rule

    first = ps.post_receipt(db, st.admin, receipt_id=_receipt(db, st))
    assert voucher(db, first)[0][0] == "1405"
    set_account_rule(db, st.admin, role="stock", account_code="1403")
    second = ps.post_receipt(db, st.admin, receipt_id=_receipt(db, st))
    assert voucher(db, second)[0][0] == "1403"


def test_a_product_deactivated_by_another_process_is_refused_at_the_next_posting(db, db_url, st):
    ps.post_receipt(db, st.admin, receipt_id=_receipt(db, st))  # P1 active: kept as such
    rid = _receipt(db, st)
    before = _stamp(db)
    _other_process(db_url, "UPDATE product SET active = :off WHERE id = :pid", off=False, pid=st.products["P1"])
    assert _stamp(db) != before
    with pytest.raises(DomainError) as err:
        ps.post_receipt(db, st.admin, receipt_id=rid)
    errors = getattr(err.value, "errors", [err.value])
    assert [e.message_id for e in errors] == ["error.inventory.product_inactive"]


def test_a_transaction_sees_its_own_change_and_keeps_nothing_of_it(db, st):
    from erp_core.masterdata.models import Company

    calls = []

    def read(session):
        calls.append(1)
        return session.execute(select(Company.name).where(Company.id == st.company_id)).scalar_one()

    with db.uow() as uow:
        s = uow.session
        name = mc.kept(s, "test.company_name", st.company_id, lambda: read(s))
        assert mc.kept(s, "test.company_name", st.company_id, lambda: read(s)) == name and len(calls) == 1
        s.get(Company, st.company_id).name = "改名公司"
        s.flush()
        assert mc.kept(s, "test.company_name", st.company_id, lambda: read(s)) == "改名公司"
        assert len(calls) == 2
        uow.rollback()
    with db.uow(readonly=True) as uow:  # rolled back: the kept value (the committed name) is still valid
        s = uow.session
        assert mc.kept(s, "test.company_name", st.company_id, lambda: read(s)) == name
        assert len(calls) == 2
    with db.uow() as uow:  # committed this time: the others read the new name
        uow.session.get(Company, st.company_id).name = "新公司"
        uow.commit()
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert mc.kept(s, "test.company_name", st.company_id, lambda: read(s)) == "新公司"
        assert len(calls) == 3


def test_without_the_stamp_row_nothing_is_kept(db, st):
    with db.uow() as uow:
        uow.session.execute(mc.MasterDataStamp.__table__.delete())
        uow.commit()
    calls = []
    for _ in range(2):
        with db.uow(readonly=True) as uow:
            mc.kept(uow.session, "test.nostamp", st.company_id, lambda: calls.append(1))
    assert len(calls) == 2
