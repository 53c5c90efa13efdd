"""The sales dashboard's figures under load (issue #17): computed once per process per (database, company, year,
change stamp, row scope) with single-flight, no pooled connection held while waiting, copies handed out, a
narrower grant never handed the company's kept figures, and two companies never sharing figures."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest

from erp_core.billing import analysis_queries as q
from erp_core.billing import invoice_services as inv
from erp_core.config import Settings
from erp_core.db.engine import make_engine
from erp_core.db.uow import Database
from erp_core.kernel.errors import PermissionDenied
from tests.billing.support import DAY, build, deliver, order
from tests.support.factories import actor

D = Decimal
YEAR = DAY.year


@pytest.fixture
def st(db, company):
    st = build(db, company=company)
    ol = order(db, st, [("P1", "10", "50.00"), ("P2", "5", "20.00")])
    _, dl = deliver(db, st, [(ol[0], "6"), (ol[1], "5")])
    iid = inv.create_invoice(db, st.admin, doc_date=DAY, invoice_no="04400001", lines=[
        {"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "6"},
        {"source_type": "sales_delivery", "source_line_id": dl[1], "quantity": "5"}])
    inv.post_invoice(db, st.admin, invoice_id=iid)
    st.order_lines = ol
    q.DASHBOARD_KEPT.clear()
    return st


def _uncached(db, company_id: int, year: int = YEAR) -> dict:
    return q._dashboard_figures(db, company_id, year)


def _small_pool_db(db, tmp_path, *, size) -> Database:
    url = db.engine.url.render_as_string(hide_password=False)
    return Database(make_engine(url, pool_size=size, max_overflow=0, pool_timeout=20.0),
                    Settings(database_url=url, data_dir=Path(tmp_path)))


def test_twenty_first_runs_on_a_pool_of_five_compute_once(db, st, tmp_path):
    reader = actor(st.company_id, {q.VIEW[0]: "all"})
    expected = _uncached(db, st.company_id)
    assert expected["monthly"][DAY.month - 1]["revenue"] == D("400.00")  # 6 x 50 + 5 x 20
    small = _small_pool_db(db, tmp_path, size=5)
    calls = []
    real = q._dashboard_figures
    gate = threading.Event()

    def counting(*args):
        calls.append(args)
        gate.wait(5)  # the others arrive while the first still computes: they must wait, not compute
        return real(*args)

    barrier = threading.Barrier(20)
    got, errors = [], []

    def run() -> None:
        try:
            barrier.wait()
            got.append(q.sales_dashboard(small, reader, year=YEAR))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    before = q.DASHBOARD_KEPT.computed
    q._dashboard_figures = counting
    try:
        threads = [threading.Thread(target=run, daemon=True) for _ in range(20)]
        for t in threads:
            t.start()
        threading.Timer(0.5, gate.set).start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads)
    finally:
        q._dashboard_figures = real
        small.dispose()
    assert not errors, errors[:3]
    assert len(got) == 20 and all(g == expected for g in got)
    assert len(calls) == 1 and q.DASHBOARD_KEPT.computed - before == 1
    # every caller got its own copy: changing one changes neither the others nor what is kept
    got[0]["monthly"][0]["revenue"] = D("-1")
    got[0]["top_customers"].clear()
    assert got[1] == expected
    assert q.sales_dashboard(db, reader, year=YEAR) == expected


def test_a_posting_moves_the_stamp_and_the_next_call_recomputes(db, st):
    reader = actor(st.company_id, {q.VIEW[0]: "all"})
    first = q.sales_dashboard(db, reader, year=YEAR)
    n = q.DASHBOARD_KEPT.computed
    assert q.sales_dashboard(db, reader, year=YEAR) == first and q.DASHBOARD_KEPT.computed == n
    _, dl = deliver(db, st, [(st.order_lines[0], "4")])
    iid = inv.create_invoice(db, st.admin, doc_date=DAY, invoice_no="04400002", lines=[
        {"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "4"}])
    inv.post_invoice(db, st.admin, invoice_id=iid)
    after = q.sales_dashboard(db, reader, year=YEAR)
    assert q.DASHBOARD_KEPT.computed == n + 1
    assert after["monthly"][DAY.month - 1]["revenue"] == D("600.00")
    assert after == _uncached(db, st.company_id)


def test_a_department_grant_gets_its_own_figures_never_the_kept_company_ones(db, st):
    wide = actor(st.company_id, {q.VIEW[0]: "all"})
    company = q.sales_dashboard(db, wide, year=YEAR)  # the company's figures are kept now
    assert sum(m["revenue"] for m in company["monthly"]) == D("400.00")
    n = q.DASHBOARD_KEPT.computed
    dept = actor(st.company_id, {q.VIEW[0]: "department"}, department_ids=frozenset({1}))
    mine = q.sales_dashboard(db, dept, year=YEAR)  # nothing of the sale is in department 1 nor his own
    assert q.DASHBOARD_KEPT.computed == n + 1
    assert all(m["revenue"] == 0 for m in mine["monthly"]) and mine["top_customers"] == []
    assert mine["to_ship"] == {"lines": 0, "amount": D("0.00")}
    with pytest.raises(PermissionDenied):
        q.sales_dashboard(db, actor(st.company_id, {}), year=YEAR)


def test_two_companies_never_share_figures(db, st):
    mine = q.sales_dashboard(db, actor(st.company_id, {q.VIEW[0]: "all"}), year=YEAR)
    n = q.DASHBOARD_KEPT.computed
    other_id = st.company_id + 1000  # a company with no sales at all
    other = q.sales_dashboard(db, actor(other_id, {q.VIEW[0]: "all"}), year=YEAR)
    assert q.DASHBOARD_KEPT.computed == n + 1
    assert other == _uncached(db, other_id)
    assert all(m["revenue"] == 0 for m in other["monthly"]) and other["top_customers"] == []
    assert sum(m["revenue"] for m in mine["monthly"]) == D("400.00")
    assert q.sales_dashboard(db, actor(st.company_id, {q.VIEW[0]: "all"}), year=YEAR) == mine
