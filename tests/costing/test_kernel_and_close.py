"""The recomputation hook where every stock document posts (documents.services._post_spec): a backdated receipt
posted through the document kernel revalues the later issues in the same transaction; a red copy keeps the
value it was given; a posting with nothing later writes nothing. The period close refuses a period whose
costing run is missing or stale, and its checklist says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from erp_core.costing.models import CostCorrection
from erp_core.costing.run_services import run_costing
from erp_core.documents import services as k
from erp_core.finance.close_queries import close_checklist
from erp_core.finance.close_services import close_period
from erp_core.kernel.errors import ValidationError, ValidationErrors
from tests.costing.support import Books
from tests.documents.doctype import T_RECEIPT, create_tables, run
from tests.finance.support import supplier
from tests.inventory.support import build

M = dt.date(2026, 3, 1)


@pytest.fixture
def env(db, company):
    create_tables(db)
    st = build(db, company=company)
    st.supplier = supplier(db, st.company_id)
    return st


def _receipt(db, st, qty, price, day):
    def make(ctx):
        doc = k.create_document(ctx, T_RECEIPT, doc_date=day, partner_id=st.supplier,
                                warehouse_id=st.warehouses["WH01"],
                                lines=[{"product_id": st.products["P1"], "ordered_qty": D(qty),
                                        "unit_price": D(price)}])
        k.post_document(ctx, T_RECEIPT, doc)
        return doc.id
    return run(db, st.admin, make)


def _corrections(db) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(CostCorrection)).scalar_one()


def test_a_backdated_document_recomputes_later_issues_and_a_red_copy_keeps_its_value(db, env):
    b = Books(db, env)
    _receipt(db, env, "10", "10", M.replace(day=2))
    assert _corrections(db) == 0  # nothing later: nothing recomputed
    b.issue("P1", "5", M.replace(day=10))  # 50.00
    _receipt(db, env, "10", "13", M.replace(day=5))  # backdated: 20 units 230.00 -> 11.50 each
    assert [a for t, _, _, a in b.effective("P1") if t == "issue"] == [D("-57.50")]
    assert b.stock_value("P1") == D("172.50") == b.gl_balance("1405")
    # reverse the backdated receipt (a red copy dated the 5th): its issue-typed move keeps the receipt's value,
    # and the later issue is recomputed again from what is left (10 units at 10.00)
    rid = _receipt(db, env, "1", "1", M.replace(day=20))  # 16 units 173.50
    b.issue("P1", "4", M.replace(day=25))  # 173.50 / 16 = 10.84375 -> 43.38
    assert b.effective("P1")[-1][3] == D("-43.38")
    run(db, env.admin, lambda ctx: k.reverse_document(ctx, T_RECEIPT, k.load_document(ctx, T_RECEIPT, rid)))
    effective = b.effective("P1")
    red = [a for t, _, q, a in effective if t == "issue" and q == D(-1)]
    assert red == [D("-1.00")]  # the red copy (dated the 20th, before the issue of the 25th) keeps its value
    assert effective[-1][3] == D("-46.00")  # the later issue: 15 units 172.50 -> 11.50 each
    assert b.stock_value() == b.gl_balance("1405")


def test_close_refuses_a_period_without_a_current_costing_run(db, env):
    b = Books(db, env)
    b.receive("P1", "10", "10", M.replace(day=2))
    b.issue("P1", "4", M.replace(day=9))
    items = {i.key: i for i in close_checklist(db, env.admin, period="2026-03").items}
    assert items["costing"].ok is False and items["costing"].blocking and items["costing"].detail == "missing"
    with pytest.raises((ValidationError, ValidationErrors)) as e:
        close_period(db, env.admin, period="2026-03")
    errors = e.value.errors if isinstance(e.value, ValidationErrors) else [e.value]
    assert "error.costing.close_missing" in {x.message_id for x in errors}
    run_costing(db, env.admin, period="2026-03")
    b.receive("P1", "1", "10", M.replace(day=30))  # after the run: stale
    items = {i.key: i for i in close_checklist(db, env.admin, period="2026-03").items}
    assert items["costing"].detail == "stale"
    with pytest.raises((ValidationError, ValidationErrors)) as e:
        close_period(db, env.admin, period="2026-03")
    errors = e.value.errors if isinstance(e.value, ValidationErrors) else [e.value]
    assert "error.costing.close_stale" in {x.message_id for x in errors}
    run_costing(db, env.admin, period="2026-03")
    items = {i.key: i for i in close_checklist(db, env.admin, period="2026-03").items}
    assert items["costing"].ok
    assert close_period(db, env.admin, period="2026-03").closed
    # a period without stock moves needs no run
    assert "costing" not in {i.key for i in close_checklist(db, env.admin, period="2026-05").items}
