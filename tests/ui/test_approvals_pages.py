"""The approvals pages in Streamlit AppTest (SQLite): 我的待办 lists what the administrator may decide, approves
with a comment, refuses a rejection without one (naming the field); the rules page lists and adds rules."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from erp_core.approvals import services as ap
from erp_core.approvals.models import ApprovalRequest, ApprovalRule
from erp_core.usecase import Context
from tests.support.factories import actor, admin_actor
from tests.ui.harness import texts
from ui.nav import pages_for


def _request(db, company) -> int:
    """A purchase-order approval named to the administrator, submitted by a colleague."""
    admin = admin_actor(db, company)
    ap.create_rule(db, admin, doc_type="purchase_order", condition="amount_above", threshold="100",
                   approver_user_id=admin.user_id, level=1)
    colleague = actor(company.company_id, {}, user_id=admin.user_id + 1000, username="buyer")
    with db.uow() as uow:
        ctx = Context(uow.session, colleague, "test", db, company_id=company.company_id)
        (rid,) = ap.submit_for_approval(ctx, "purchase_order", 42, {"amount": 500}, summary="PO202601-0001 500.00")
        uow.commit()
    return rid


def _status(db, rid):
    with db.uow(readonly=True) as uow:
        return uow.session.get(ApprovalRequest, rid).status


def test_inbox_is_empty_then_lists_and_approves_with_a_comment(admin_app, ui_db, ui_company):
    at = admin_app.switch_page("pages/approvals/inbox.py").run()
    assert not at.exception and at.title[0].value == "我的待办"
    assert "暂无待办审批" in texts(at)
    rid = _request(ui_db, ui_company)
    at = at.run()
    assert "PO202601-0001 500.00" in set(at.dataframe[0].value.iloc[:, 1])
    at.text_area(key="ap_comment").input("同意采购")
    at.button(key="ap_approve").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "已同意" in texts(at) and "暂无待办审批" in texts(at)
    with ui_db.uow(readonly=True) as uow:
        req = uow.session.get(ApprovalRequest, rid)
        assert (req.status, req.comment, req.decided_by_name) == ("approved", "同意采购", "admin")


def test_a_rejection_without_a_comment_is_refused_naming_the_field(admin_app, ui_db, ui_company):
    rid = _request(ui_db, ui_company)
    at = admin_app.switch_page("pages/approvals/inbox.py").run()
    at.button(key="ap_reject").click()
    at = at.run()
    assert not at.exception
    assert "审批意见" in " ".join(e.value for e in at.error)
    assert _status(ui_db, rid) == "pending"
    at.text_area(key="ap_comment").input("价格偏高")
    at.button(key="ap_reject").click()
    at = at.run()
    assert "已驳回" in texts(at) and _status(ui_db, rid) == "rejected"


def test_rules_page_lists_and_adds_a_rule(admin_app, ui_db, ui_company):
    at = admin_app.switch_page("pages/approvals/rules.py").run()
    assert not at.exception and at.title[0].value == "审批规则"
    at.text_input(key="ar_new_type").input("purchase_order")
    at.selectbox(key="ar_new_cond").set_value("amount_above")
    at.text_input(key="ar_new_thr").input("50000")
    at.number_input(key="ar_new_level").set_value(2)
    at.button(key="ar_new_submit").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        rule = uow.session.execute(select(ApprovalRule)).scalar_one()
        assert (rule.doc_type, rule.condition, rule.threshold, rule.level) == (
            "purchase_order", "amount_above", Decimal("50000"), 2)
        assert rule.approver_role_id is not None and rule.approver_user_id is None
    assert len(at.dataframe[0].value) == 1
    at.text_input(key="ar_new_thr").input("-5")  # a bad threshold names the field, writes nothing
    at.button(key="ar_new_submit").click()
    at = at.run()
    assert "条件阈值" in " ".join(e.value for e in at.error)


def test_the_inbox_is_listed_for_holders_of_its_permission_and_the_rules_page_apart():
    viewer = actor(1, {"approvals.inbox.view": "all"})
    files = [p.file for specs in pages_for(viewer).values() for p in specs]
    assert "pages/approvals/inbox.py" in files and "pages/approvals/rules.py" not in files
