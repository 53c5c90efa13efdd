"""In headless Chromium, the CRM flow of issue #15 as a salesperson does it: a lead in the public pool (公海池) →
claim (领取) → follow-up (跟进) → convert (转化: a new customer and an opportunity) → the opportunity on the
pipeline page. Quotations do not exist yet (sales, issue #13), so the flow ends at the opportunity. The data is
asserted in the database and the texts in Chinese."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from tests.e2e.test_browser_smoke import WAIT, _fill, zh
from tests.e2e.test_language_and_addresses_browser import (  # noqa: F401  (fixtures)
    _new_page,
    _sign_in,
    browser,
    company_server,
)

pytestmark = pytest.mark.e2e

COMPANY = "岳麓智能装备有限公司"


def _pool_lead() -> tuple[object, int]:
    """A pool with wang.xiaoshou as member and a new lead in it, written beside the running app."""
    from erp_core.crm.leads import services as ls
    from erp_core.crm.pools import services as ps
    from erp_core.security.models import User
    from erp_core.security.sessions import build_actor
    from tests.ui import harness

    db = harness.use_database(os.environ["ERP_DATABASE_URL"])
    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == "admin")).scalar_one()
        wang = uow.session.execute(select(User.id).where(User.username == "wang.xiaoshou")).scalar_one()
        admin = build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")
    pool = ps.save_pool(db, admin, values={"code": "E2E", "name": "长沙公海", "daily_claim_cap": 5})
    ps.set_pool_members(db, admin, pool_id=pool, user_ids=[wang])
    lead = ls.create_lead(db, admin, values={"company_name": COMPANY, "contact_name": "欧阳经理",
                                             "phone": "13973100001", "source": "exhibition"},
                          pool_id=pool, assign="pool", confirm_duplicates=True)
    return db, lead


def test_pool_lead_claimed_followed_up_converted_to_an_opportunity(company_server, browser):  # noqa: F811
    from playwright.sync_api import expect

    from erp_core.crm.models import CrmFollowup, CrmLead, CrmOpportunity
    from erp_core.masterdata.models_partners import Customer
    from erp_core.security.models import User

    url, passwords = company_server
    db, lead_id = _pool_lead()
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "wang.xiaoshou", passwords["wang.xiaoshou"])
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=zh("nav.crm.leads"), exact=True).click()
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=zh("nav.crm.leads"))).to_be_visible()

    _fill(main, zh("crm.open_lead"), str(lead_id))
    page.keyboard.press("Enter")
    expect(main.get_by_text(f"{zh('crm.lead_detail')} #{lead_id} · {COMPANY}")).to_be_visible()
    main.get_by_role("button", name=zh("crm.claim"), exact=True).click()
    expect(main.get_by_text(zh("crm.claimed"), exact=True)).to_be_visible()

    form = main.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=zh("crm.add_followup")))
    form.get_by_label(zh("field.crm.content"), exact=True).fill("展会上介绍了产品，客户需要报价")
    form.get_by_role("button", name=zh("crm.add_followup")).click()
    expect(main.get_by_text(zh("crm.saved"), exact=True)).to_be_visible()

    expander = main.get_by_test_id("stExpander").filter(has_text=zh("crm.convert"))
    expander.locator("summary").click()
    new_customer = expander.get_by_text(zh("crm.convert_new"), exact=True)
    expect(new_customer).to_be_visible()
    new_customer.click()  # the radio: a new customer (its rerun may fold the expander again: open it if so)
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0)
    conv = main.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=zh("crm.convert")))
    code = conv.get_by_label(zh("field.crm.customer_code"), exact=True)
    if not code.is_visible():
        expander.locator("summary").click()
    expect(code).to_be_visible()
    conv.get_by_label(zh("field.crm.customer_code"), exact=True).fill("YL001")
    conv.get_by_label(zh("field.crm.amount"), exact=True).fill("86000")
    conv.get_by_role("button", name=zh("crm.convert")).click()
    expect(main.get_by_text("已转化", exact=False).first).to_be_visible()

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=zh("nav.crm.opportunities"), exact=True).click()
    expect(page.get_by_test_id("stMain").get_by_text(COMPANY).first).to_be_visible()  # on the kanban
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)

    with db.uow(readonly=True) as uow:
        s = uow.session
        wang = s.execute(select(User.id).where(User.username == "wang.xiaoshou")).scalar_one()
        lead = s.get(CrmLead, lead_id)
        assert (lead.status, lead.owner_id) == ("converted", wang)
        customer = s.get(Customer, lead.customer_id)
        assert (customer.code, customer.name) == ("YL001", COMPANY)
        opp = s.get(CrmOpportunity, lead.opportunity_id)
        assert (opp.name, opp.amount, opp.owner_id, opp.status) == (COMPANY, 86000, wang, "open")
        notes = s.execute(select(CrmFollowup.content, CrmFollowup.owner_id).where(
            CrmFollowup.subject_type == "lead", CrmFollowup.subject_id == lead_id)).all()
        assert notes == [("展会上介绍了产品，客户需要报价", wang)]
    db.dispose()
