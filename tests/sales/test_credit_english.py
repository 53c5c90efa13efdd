"""The over-credit refusal in English (issue #13): an English-speaking user confirming an order over the
customer's credit limit gets the English sentence naming the customer, the limit, what is in use, this order
and how far over it goes -- from the service (render_error) and on the orders page (AppTest, SQLite); nothing is
confirmed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.i18n import render_error
from erp_core.kernel.errors import Conflict
from erp_core.masterdata import partners_services as mp
from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from tests.sales.test_pages import shop  # noqa: F401
from tests.support.factories import ADMIN_PASSWORD
from tests.ui import harness
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts

EXPECTED = ("Customer “华东商贸” is over its credit limit: limit 1,000.00, in use 1,130.00, this order 113.00, "
            "over by 243.00.")


def _over_limit_draft(ui_db, shop):  # noqa: F811
    from erp_core.masterdata.models_partners import Customer

    admin = shop["admin"]
    with ui_db.uow(readonly=True) as uow:
        c = uow.session.get(Customer, shop["customer"])
        values, version = {"code": c.code, "name": c.name, "credit_limit": "1000"}, c.version
    mp.edit_customer(ui_db, admin, customer_id=shop["customer"], version=version, values=values)
    # 1,130.00 confirmed already; 1 x P1001 at 113.00 more is 243.00 over
    return ss.create_order(ui_db, admin, customer_id=shop["customer"], doc_date=dt.date.today(),
                           warehouse_id=shop["warehouse"], lines=[{"product_id": shop["p1"], "quantity": Decimal("1")}])


def test_the_service_refusal_renders_in_english_with_the_figures(ui_db, shop):  # noqa: F811
    oid = _over_limit_draft(ui_db, shop)
    with pytest.raises(Conflict) as exc:
        ss.confirm_order(ui_db, shop["admin"], order_id=oid)
    text = render_error(exc.value, "en")
    assert text.startswith(EXPECTED), text
    assert "信用" not in text


def test_an_english_user_sees_the_english_refusal_on_the_orders_page(ui_db, shop):  # noqa: F811
    oid = _over_limit_draft(ui_db, shop)
    password = harness.ready_user(ui_db, "admin", ADMIN_PASSWORD, locale="en")
    at = harness.logged_in_app(ui_db, "admin", password).switch_page("pages/sales/orders.py").run()
    assert not at.exception, at.exception
    at = next(b for b in at.button if b.key == f"sales_so_act_confirm_{oid}").click().run()
    assert not at.exception, at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # as rendered: markdown escapes dropped
    assert any(EXPECTED in v for v in shown), shown
    assert sq.get_order(ui_db, shop["admin"], order_id=oid)["status"] == "draft"
    assert "Confirmed" not in texts(at)
