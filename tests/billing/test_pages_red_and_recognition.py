"""The sales invoice page for issue #13's follow-ups (AppTest, SQLite): a red invoice made for a sales return
(the return picked among the customer's posted returns not yet credited, the lines filled from it, the service's
refusal shown when crediting more than the return took back) and 冲销收入确认 on the invoice's revenue
recognitions (offered only to holders of sales.invoice.recognize_reverse, after the confirmation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.billing import invoice_services as inv
from erp_core.billing.models import RevenueRecognition, SalesInvoice
from erp_core.documents.models import DocumentLink
from erp_core.documents.registry import document_type
from erp_core.sales import services as ss
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts

D = Decimal
TODAY = dt.date.today()


@pytest.fixture
def shop(ui_db, ui_company):  # noqa: F811
    """A customer, 20 of P1001 at cost 60 in WH01 and a confirmed order of 10 x P1001 at 100 (net)."""
    from erp_core.masterdata import items_services, partners_services, warehouse_services
    from erp_core.stockops import services as so

    admin = admin_actor(ui_db, ui_company)
    cus = partners_services.create_customer(ui_db, admin, values={"code": "RC001", "name": "红字测试客户"})
    wh = warehouse_services.create_warehouse(ui_db, admin, code="RWH1", name="红字测试仓")
    p1 = items_services.create_product(ui_db, admin, values={"code": "RP1001", "name": "安化黑茶",
                                                             "tax_rate": "VAT13"})
    rid = so.create_other_receipt(ui_db, admin, doc_date=TODAY - dt.timedelta(days=3), warehouse_id=wh,
                                  lines=[{"product_id": p1, "quantity": D("20"), "unit_cost": D("60")}])
    so.post_other_receipt(ui_db, admin, doc_id=rid)
    oid = ss.create_order(ui_db, admin, customer_id=cus, doc_date=TODAY - dt.timedelta(days=2), warehouse_id=wh,
                          prices_include_vat=False, lines=[{"product_id": p1, "quantity": D("10"),
                                                            "unit_price": D("100")}])
    ss.confirm_order(ui_db, admin, order_id=oid)
    with ui_db.uow(readonly=True) as uow:
        ol = [ln.id for ln in uow.session.get(document_type("sales_order").header, oid).lines]
    return {"admin": admin, "customer": cus, "warehouse": wh, "order_lines": ol}


def _deliver(db, admin, order_line, qty):
    did = ss.create_delivery(db, admin, doc_date=TODAY - dt.timedelta(days=1),
                             lines=[{"order_line_id": order_line, "quantity": D(qty)}])
    ss.post_delivery(db, admin, delivery_id=did)
    with db.uow(readonly=True) as uow:
        return did, [ln.id for ln in uow.session.get(document_type("sales_delivery").header, did).lines]


def _advance_then_deliver(db, shop) -> tuple[int, int]:
    """(invoice, delivery): 4 of the shop's order line invoiced in advance two days ago (预收) and posted, then 3
    of them delivered yesterday — a delivery with goods to recognise from that invoice."""
    admin, ol = shop["admin"], shop["order_lines"][0]
    iid = inv.create_invoice(db, admin, doc_date=TODAY - dt.timedelta(days=2),
                             lines=[{"source_type": "sales_order", "source_line_id": ol, "quantity": "4"}])
    inv.post_invoice(db, admin, invoice_id=iid)
    did, _ = _deliver(db, admin, ol, "3")
    return iid, did


def _reds(db, original):
    with db.uow(readonly=True) as uow:
        return [(r.id, [ln.ordered_qty for ln in r.lines]) for r in uow.session.execute(
            select(SalesInvoice).where(SalesInvoice.original_id == original).order_by(SalesInvoice.id)).scalars()]


def _return_named(db, red_id):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(DocumentLink.from_id).where(
            DocumentLink.from_type == "sales_return", DocumentLink.to_type == "sales_invoice",
            DocumentLink.to_id == red_id, DocumentLink.from_line.is_(None))).scalar_one_or_none()


def test_red_invoice_for_a_return_picked_filled_and_over_credit_refused(admin_app, shop, ui_db):  # noqa: F811
    admin = shop["admin"]
    _, dl = _deliver(ui_db, admin, shop["order_lines"][0], "10")
    iid = inv.create_invoice(ui_db, admin, doc_date=TODAY - dt.timedelta(days=1),
                             lines=[{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"}])
    inv.post_invoice(ui_db, admin, invoice_id=iid)
    ret = ss.create_return(ui_db, admin, doc_date=TODAY, reason="包装受潮",
                           lines=[{"delivery_line_id": dl[0], "quantity": "3"}])
    ss.post_return(ui_db, admin, return_id=ret)

    at = admin_app.switch_page("pages/sales/invoices.py").run()
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(iid).run()
    assert not at.exception, at.exception
    pick = at.selectbox(key=f"si_red_return_{iid}")
    assert pick.options[1].startswith("SR") and "尚未开红字 3" in pick.options[1]  # the open return, what is left
    at = pick.set_value(ret).run()
    assert not at.exception, at.exception
    assert "包装受潮" in texts(at)
    assert at.text_input(key=f"si_red_reason_{iid}").value.startswith("退货 ")
    at = at.button(key=f"si_red_save_{iid}").click().run()  # the lines as filled from the return
    assert not at.exception, at.exception
    reds = _reds(ui_db, iid)
    assert [q for _, q in reds] == [[D(3)]]
    assert _return_named(ui_db, reds[0][0]) == ret

    # a second red invoice for the same return, typed beyond what the return took back: the service refuses
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(iid).run()
    at = at.selectbox(key=f"si_red_return_{iid}").set_value(ret).run()
    at.session_state[f"si_red_lines_{iid}_{ret}"] = {"edited_rows": {0: {"红字数量": "4"}}, "added_rows": [],
                                                    "deleted_rows": []}
    at = at.button(key=f"si_red_save_{iid}").click().run()
    assert not at.exception, at.exception
    assert "尚未开红字的数量只有 3" in texts(at)
    assert len(_reds(ui_db, iid)) == 1


def test_reverse_recognition_with_confirmation_only_for_holders(login_as, shop, ui_db):  # noqa: F811
    admin = shop["admin"]
    iid, did = _advance_then_deliver(ui_db, shop)
    rid = inv.recognize_revenue(ui_db, admin, delivery_id=did)
    assert rid is not None

    # 总经理 sees every invoice (*.*.view) but may not reverse: the recognition is listed, no button
    at = login_as("zhang.zong").switch_page("pages/sales/invoices.py").run()
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(iid).run()
    assert not at.exception, at.exception
    assert "收入确认（预收转收入）" in texts(at)
    assert not [b for b in at.button if b.key == "si_rr"]

    # 会计 (sales.invoice.*): the button, enabled only after "I am sure"
    at = login_as("li.kuaiji").switch_page("pages/sales/invoices.py").run()
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(iid).run()
    assert not at.exception, at.exception
    assert at.button(key="si_rr").disabled
    at = at.checkbox(key="si_rr_ok").check().run()
    at = at.button(key="si_rr").click().run()
    assert not at.exception, at.exception
    assert "已冲销" in texts(at)
    with ui_db.uow(readonly=True) as uow:
        recs = uow.session.execute(select(RevenueRecognition).order_by(RevenueRecognition.id)).scalars().all()
        mine = [r for r in recs if r.id == rid or r.reverses_id == rid]
        assert [(r.status, r.total < 0) for r in mine] == [("reversed", False), ("posted", True)]
    table = at.dataframe[1].value  # the recognitions: the original, now reversed, and its red copy
    assert len(table) == 2 and sorted(table["状态"]) == ["已冲销", "已过账"]
    assert not [b for b in at.button if b.key == "si_rr"]  # nothing left to reverse

