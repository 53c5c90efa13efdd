"""生成报价单 from an opportunity (issue #15), in AppTest: the quotation form opened from the CRM page.

The browser showed "a save button that does nothing" (tests/e2e/test_crm_flow_browser.py): the save was refused
(a line without a price-list price, as for a customer just converted from a lead) and the refusal was drawn
below the long form, out of the window. AppTest has no window, so what is asserted here is where the refusal is
drawn: inside the form, just above its save button — and that, once corrected, the quotation saves and is linked
to the opportunity, and listed on it."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1.element_tree import Block, Error

from erp_core.sales import queries as sq
from tests.sales.test_pages import at_db, shop  # noqa: F401  (fixture)
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section


def _errors_in(node) -> list[str]:
    if isinstance(node, Error):
        return [node.value]
    if isinstance(node, Block):
        return [e for child in node.children.values() for e in _errors_in(child)]
    return []


def _form(at, key: str) -> Block:
    def walk(node):
        if isinstance(node, Block):
            if node.type == "form" and node.key == key:
                return node
            for child in node.children.values():
                found = walk(child)
                if found is not None:
                    return found
        return None

    form = walk(at.main)
    assert form is not None, f"no form {key}"
    return form


def test_a_refused_save_shows_in_the_form_beside_its_button_then_the_quotation_saves(admin_app, shop):  # noqa: F811
    from sqlalchemy import select

    from erp_core.crm.models import CrmOpportunityLink
    from erp_core.crm.opportunities import services as os_

    opp = os_.create_opportunity(at_db(), shop["admin"], customer_id=shop["customer"], name="年货团购",
                                 amount="5000", close_date=dt.date.today() + dt.timedelta(days=20))
    at = admin_app.switch_page("pages/crm/opportunities.py").run()
    at.session_state["sales_sq_from_opportunity"] = (opp, shop["customer"], "年货团购")
    at = admin_app.switch_page("pages/sales/quotations.py").run()
    assert not at.exception, at.exception
    # P1002 has no price on any price list and no price is typed: the save is refused
    at.selectbox(key="sales_sq_opp_p0").set_value(next(p for p in at.selectbox(key="sales_sq_opp_p0").options
                                                        if p.startswith("P1002")))
    at.text_input(key="sales_sq_opp_q0").input("3")
    at = at.button(key="sales_sq_opp_save").click().run()
    assert not at.exception, at.exception
    assert sq.list_quotations(at_db(), shop["admin"]) == []
    inside = _errors_in(_form(at, "sales_sq_opp"))
    assert len(inside) == 1 and "P1002" in inside[0], [e.value for e in at.error]
    assert [e.value for e in at.error] == inside  # and nowhere else (below the form, out of the window)
    # the user types the price beside the message and saves again: saved, linked to the opportunity
    at.text_input(key="sales_sq_opp_pr0").input("88")
    at = at.button(key="sales_sq_opp_save").click().run()
    assert not at.exception, at.exception
    assert not at.error
    quotes = sq.list_quotations(at_db(), shop["admin"])
    assert len(quotes) == 1 and "华东商贸" in quotes[0]["customer"]
    with at_db().uow(readonly=True) as uow:
        links = uow.session.execute(select(CrmOpportunityLink.doc_type, CrmOpportunityLink.doc_id).where(
            CrmOpportunityLink.opportunity_id == opp)).all()
    assert links == [("sales_quotation", quotes[0]["id"])]
    # the opportunity lists the quotation made from it (number, total, status), a button to open it
    at = admin_app.switch_page("pages/crm/opportunities.py").run()
    at = choose_section(at, "crm_opp_view", "list")
    assert not at.exception, at.exception
    link = at.button(key=f"crm_opp_link_sales_quotation_{quotes[0]['id']}")
    assert quotes[0]["number"] in link.label and "草稿" in link.label
