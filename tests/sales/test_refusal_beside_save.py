"""Long sales forms show a refusal right above their save button (ui/feedback.SaveButton, issue #13): the new
order, the delivery from an order, the new sales invoice and the new receipt. AppTest (SQLite): a refused save's
error is the last element before the button, in the slot keyed ``<prefix>_feedback``, and nothing is saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from streamlit.testing.v1.element_tree import Button, Error

from erp_core.billing import queries as bq
from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from tests.sales.test_pages import at_db, shop  # noqa: F401
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section


def _flat(node) -> list:
    out = []
    for child in getattr(node, "children", {}).values():
        out.append(child)
        out += _flat(child)
    return out


def _error_right_above(at, prefix: str) -> str:
    """The refusal shown in the slot just above the ``<prefix>_save`` button (its text)."""
    assert not at.exception, at.exception
    nodes = _flat(at._tree)
    at_button = next(i for i, n in enumerate(nodes) if isinstance(n, Button) and n.key == f"{prefix}_save")
    errors = [i for i, n in enumerate(nodes) if isinstance(n, Error)]
    assert errors, "no refusal shown"
    assert errors[-1] < at_button, "the refusal shows below the save button"
    between = [n for n in nodes[errors[-1] + 1:at_button] if not getattr(n, "children", None)]
    assert between == [], between  # nothing but the slot between the refusal and the button
    return nodes[errors[-1]].value


def test_new_order_refusal_above_its_save_button(admin_app, shop):  # noqa: F811
    at = admin_app.switch_page("pages/sales/orders.py").run()
    at = choose_section(at, "sales_so_section", "new")
    before = len(sq.list_orders(at_db(), shop["admin"]))
    at = at.button(key="sales_so_new_save").click().run()  # no customer, no lines
    assert _error_right_above(at, "sales_so_new")
    assert len(sq.list_orders(at_db(), shop["admin"])) == before


def test_delivery_refusal_above_its_save_button(admin_app, shop):  # noqa: F811
    at = admin_app
    at.session_state["sales_sd_from_order"] = (shop["customer"], shop["order"])
    at = at.switch_page("pages/sales/deliveries.py").run()
    line = sq.get_order(at_db(), shop["admin"], order_id=shop["order"])["lines"][0]["id"]
    at.text_input(key=f"sales_sd_from_q{line}").input("99")  # more than ordered
    at = at.button(key="sales_sd_from_save").click().run()
    assert _error_right_above(at, "sales_sd_from")
    assert sq.list_deliveries(at_db(), shop["admin"]) == []


def test_invoice_and_receipt_refusals_above_their_save_buttons(admin_app, shop):  # noqa: F811
    admin = shop["admin"]
    line = sq.get_order(at_db(), admin, order_id=shop["order"])["lines"][0]["id"]
    did = ss.create_delivery(at_db(), admin, doc_date=dt.date.today(),
                             lines=[{"order_line_id": line, "quantity": Decimal("4")}])
    ss.post_delivery(at_db(), admin, delivery_id=did)
    at = admin_app.switch_page("pages/sales/invoices.py").run()
    at = choose_section(at, "si_section", "new")
    assert not at.exception, at.exception
    at.date_input(key="si_new_date").set_value(None)  # the invoice date cleared
    at = at.button(key="si_new_save").click().run()
    assert _error_right_above(at, "si_new")
    assert bq.invoice_list(at_db(), admin) == []

    at = admin_app.switch_page("pages/sales/receipts.py").run()
    at = choose_section(at, "rc_section", "new")
    at = at.selectbox(key="rc_new_cust").set_value(shop["customer"]).run()
    at = at.button(key="rc_new_save").click().run()  # nothing received
    assert _error_right_above(at, "rc_new")
    assert bq.receipt_list(at_db(), admin) == []
