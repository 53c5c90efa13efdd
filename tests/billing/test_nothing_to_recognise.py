"""收入确认 with nothing to recognise (issue #13): ``recognize_revenue`` returns None and writes no recognition,
voucher, ledger line or invoiced quantity when no goods of the delivery are covered by an advance invoice (already
recognised, none invoiced in advance, or invoiced from the delivery itself) — on every backend; and the invoice
page says so ("该出库单没有可由预收转收入的货物") when another user recognised the delivery between the page
listing it and the click (AppTest, SQLite)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.billing import invoice_services as inv
from erp_core.billing import queries as bq
from erp_core.billing.models import RevenueRecognition
from erp_core.finance.models import Voucher
from erp_core.ledger.models import GlLine
from tests.billing.support import DAY, build, deliver, line_qty, order
from tests.billing.test_pages_red_and_recognition import _advance_then_deliver, shop  # noqa: F401
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts

D = Decimal
NOTHING = "该出库单没有可由预收转收入的货物"


@pytest.fixture
def st(db, company):
    return build(db, company=company)


def _written(db, company_id: int) -> tuple[int, int, int]:
    with db.uow(readonly=True) as uow:
        s = uow.session
        return tuple(s.execute(select(func.count()).select_from(m).where(m.company_id == company_id)).scalar_one()
                     for m in (RevenueRecognition, Voucher, GlLine))


def _advance(db, st, ol, qty):
    iid = inv.create_invoice(db, st.admin, doc_date=DAY, lines=[
        {"source_type": "sales_order", "source_line_id": ol, "quantity": qty}])
    inv.post_invoice(db, st.admin, invoice_id=iid)
    return iid


def test_recognised_once_then_nothing_left(db, st):
    ol = order(db, st, [("P1", "4", "100.00")])
    _advance(db, st, ol[0], "4")
    d_id, dl = deliver(db, st, [(ol[0], "3")], day=dt.date(2026, 3, 12))
    assert inv.recognize_revenue(db, st.admin, delivery_id=d_id) is not None
    before = _written(db, st.company_id)
    assert inv.recognize_revenue(db, st.admin, delivery_id=d_id) is None
    assert _written(db, st.company_id) == before
    assert line_qty(db, "sales_delivery", dl[0]) == D(3)  # counted once as invoiced


def test_no_advance_invoice_or_invoiced_from_the_delivery_nothing_to_recognise(db, st):
    ol = order(db, st, [("P1", "4", "100.00"), ("P2", "4", "20.00")])
    d_id, dl = deliver(db, st, [(ol[0], "4")])  # nothing invoiced in advance
    before = _written(db, st.company_id)
    assert inv.recognize_revenue(db, st.admin, delivery_id=d_id) is None
    assert _written(db, st.company_id) == before and line_qty(db, "sales_delivery", dl[0]) == D(0)
    # 2 of P2 delivered and invoiced from the delivery, the other 2 invoiced in advance from the order: the
    # advance covers goods still to come, nothing on this delivery
    d2, dl2 = deliver(db, st, [(ol[1], "2")])
    iid = inv.create_invoice(db, st.admin, doc_date=DAY, lines=[
        {"source_type": "sales_delivery", "source_line_id": dl2[0], "quantity": "2"}])
    inv.post_invoice(db, st.admin, invoice_id=iid)
    _advance(db, st, ol[1], "2")
    before = _written(db, st.company_id)
    assert inv.recognize_revenue(db, st.admin, delivery_id=d2) is None
    assert _written(db, st.company_id) == before and line_qty(db, "sales_delivery", dl2[0]) == D(2)
    # the rest delivered: that delivery has something to recognise (the advance was not used up above)
    d3, _ = deliver(db, st, [(ol[1], "2")])
    assert inv.recognize_revenue(db, st.admin, delivery_id=d3) is not None


def test_the_page_says_nothing_to_recognise_when_another_user_recognised_first(login_as, shop, ui_db,  # noqa: F811
                                                                              monkeypatch):
    admin = shop["admin"]
    iid, did = _advance_then_deliver(ui_db, shop)

    at = login_as("li.kuaiji").switch_page("pages/sales/invoices.py").run()
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(iid).run()
    at = at.checkbox(key="si_rec_ok").check().run()
    assert not at.exception, at.exception
    assert not at.button(key="si_rec").disabled

    # another user recognises the delivery after this run listed it and before the click is handled
    real = bq.deliveries_to_recognize
    raced = []

    def listed_then_taken(db, who, /, **kw):
        rows = real(db, who, **kw)
        if not raced:
            raced.append(inv.recognize_revenue(db, admin, delivery_id=did))
        return rows

    monkeypatch.setattr(bq, "deliveries_to_recognize", listed_then_taken)
    at = at.button(key="si_rec").click().run()
    assert not at.exception, at.exception
    assert raced and raced[0] is not None
    assert NOTHING in [i.value for i in at.info]
    assert "已为出库单" not in texts(at) and not at.error
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(RevenueRecognition)).scalar_one() == 1
