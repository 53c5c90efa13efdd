"""收入确认 made from the sales invoice page (AppTest, SQLite): an invoice with goods invoiced in advance (预收)
offers the deliveries of those goods still to recognise; only holders of sales.invoice.recognize see the button,
which is enabled after the confirmation; recognising posts Dr 2203 / Cr 5001 for the delivered quantity and the
delivery then leaves the list."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from erp_core.billing import queries as bq
from erp_core.billing.models import RevenueRecognition
from tests.billing.support import voucher
from tests.billing.test_pages_red_and_recognition import _advance_then_deliver, shop  # noqa: F401
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts

D = Decimal


def test_recognise_revenue_from_the_invoice_page(login_as, shop, ui_db):  # noqa: F811
    admin = shop["admin"]
    iid, did = _advance_then_deliver(ui_db, shop)
    todo = bq.deliveries_to_recognize(ui_db, admin, invoice_id=iid)
    assert [(r["id"], r["quantity"]) for r in todo] == [(did, D(3))]

    # 总经理 (views only): the invoice shows, no recognise button
    at = login_as("zhang.zong").switch_page("pages/sales/invoices.py").run()
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(iid).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "si_rec"]

    # 会计: the delivery offered, the button enabled only after "I am sure"
    at = login_as("li.kuaiji").switch_page("pages/sales/invoices.py").run()
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(iid).run()
    assert not at.exception, at.exception
    assert "收入确认（已发货的预收货物转收入）" in [e.label for e in at.expander]
    assert at.button(key="si_rec").disabled
    at = at.checkbox(key="si_rec_ok").check().run()
    at = at.button(key="si_rec").click().run()
    assert not at.exception, at.exception
    assert "已为出库单" in texts(at)
    with ui_db.uow(readonly=True) as uow:
        rec = uow.session.execute(select(RevenueRecognition)).scalars().one()
        assert rec.posted_at is not None and rec.total == D("300.00")
        vid = rec.voucher_id
    lines = voucher(ui_db, vid)
    assert [(a[:4], dr, cr) for a, dr, cr, _ in lines] in (
        [("2203", "300.00", "0.00"), (rev, "0.00", "300.00")] for rev in ("5001", "6001"))
    assert bq.deliveries_to_recognize(ui_db, admin, invoice_id=iid) == []
    assert not [b for b in at.button if b.key == "si_rec"]  # nothing left to recognise on it
