"""The payables pages in Streamlit AppTest (SQLite): the payment list and its export, a new payment saved from
the form (an invoice settled in part and a prepayment), posted from the detail after the confirmation, then
reversed; the aging page by open items; the statement agreeing with the ledger; the prepayment page applying a
prepayment; the accountant (finance.* by the default roles) works all four pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.settlement import services as pay
from erp_core.settlement.models import Payment
from tests.settlement.support import Books, post_invoice, register_invoice_type, unregister_invoice_type
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts

TODAY = dt.date.today()


@pytest.fixture
def books(ui_db, ui_company):  # noqa: F811
    from tests.finance.support import supplier

    register_invoice_type(ui_db)
    b = Books(ui_db, admin_actor(ui_db, ui_company), ui_company.company_id, {})
    b.suppliers["A"] = supplier(ui_db, b.company_id, "S001", "江南原料厂")
    b.suppliers["B"] = supplier(ui_db, b.company_id, "S002", "湘江包装公司")
    yield b
    unregister_invoice_type()


def test_new_payment_from_the_form_posted_after_confirmation_then_reversed(admin_app, books):  # noqa: F811
    inv = post_invoice(books, "1130.00", day=TODAY)
    at = admin_app.switch_page("pages/payables/payments.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "付款单"
    assert "没有符合条件的付款单" in texts(at)
    at = choose_section(at, "pay_section", "new")
    at.selectbox(key="pay_new_sup").set_value(books.suppliers["A"]).run()
    assert not at.exception, at.exception
    at.session_state["pay_new_items"] = {"edited_rows": {0: {"本次核销": "1000"}}, "added_rows": [],
                                         "deleted_rows": []}
    at.text_input(key="pay_new_prepay").set_value("200")
    at = at.button(key="pay_new_save").click().run()
    assert not at.exception, at.exception
    assert "付款单已保存" in texts(at)
    with books.db.uow(readonly=True) as uow:
        p = uow.session.query(Payment).one()
        assert (p.total, [ln.item_id for ln in p.lines]) == (Decimal("1200.00"), [inv, None])
    at = choose_section(at, "pay_section", "detail")
    assert at.button(key="pay_post").disabled  # confirmation first
    at = at.checkbox(key="pay_post_ok").check().run()
    at = at.button(key="pay_post").click().run()
    assert not at.exception, at.exception
    assert "已过账" in texts(at)
    at = choose_section(at, "pay_section", "detail")
    at = at.checkbox(key="pay_reverse_ok").check().run()
    at = at.button(key="pay_reverse").click().run()
    assert not at.exception, at.exception
    assert "已红字冲销" in texts(at)
    at = choose_section(at, "pay_section", "list")
    table = at.dataframe[0].value
    assert list(table["状态"]) == ["已过账", "已冲销"]  # the red copy (newest) and the original
    assert len(at.get("download_button")) == 2


def test_aging_statement_and_prepayment_pages(admin_app, books):  # noqa: F811
    a = books.suppliers["A"]
    i1 = post_invoice(books, "500.00", day=TODAY - dt.timedelta(days=45))
    post_invoice(books, "300.00", day=TODAY)
    pid = pay.create_payment(books.db, books.admin, partner_id=a, doc_date=TODAY,
                             lines=[{"item_type": "t_invoice", "item_id": i1, "amount": "100"}, {"amount": "50"}])
    pay.post_payment(books.db, books.admin, payment_id=pid)
    at = admin_app.switch_page("pages/payables/aging.py").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert list(df["供应商编码"]) == ["S001", "合计"]
    assert list(df["31-60天"]) == ["400.00", "400.00"] and list(df["净应付"]) == ["650.00", "650.00"]
    at = admin_app.switch_page("pages/payables/statement.py").run()
    assert not at.exception, at.exception
    at.date_input(key="ps_from").set_value(TODAY - dt.timedelta(days=60))
    at = next(b for b in at.button if b.label == "查询").click().run()
    shown = texts(at)
    assert "与总账一致" in shown and "650.00" in shown
    at = admin_app.switch_page("pages/payables/prepayments.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="pp_apply_sup").set_value(a).run()
    at.session_state["pp_apply_items"] = {"edited_rows": {0: {"本次核销": "50"}}, "added_rows": [],
                                          "deleted_rows": []}
    at = at.button(key="pp_apply").click().run()
    assert not at.exception, at.exception
    assert "预付款已冲抵应付" in texts(at)
    at = choose_section(at, "pp_section", "list")
    assert list(at.dataframe[0].value["状态"]) == ["已过账"]


def test_the_accountant_works_the_payment_pages(login_as, books):  # noqa: F811
    at = login_as("li.kuaiji")
    for page, title in (("payments", "付款单"), ("aging", "应付账龄"), ("statement", "供应商对账单"),
                        ("prepayments", "预付冲应付")):
        at = at.switch_page(f"pages/payables/{page}.py").run()
        assert not at.exception, at.exception
        assert at.title[0].value == title and not at.error, texts(at)
