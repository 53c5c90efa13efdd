"""Approval of major changes (issue #16 item 7) on every backend: reopening a closed period and a supplier's bank
account wait for a second person by default; credit limits and role permissions once the company switches them
on; the requester may not approve; approval applies the change in the same transaction, rejection leaves
everything as it was; a change that can no longer be applied is kept as failed with its reason; with the switch
off the use cases act at once, as before."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.approvals.queries import my_inbox
from erp_core.approvals.services import approve
from erp_core.changes import queries, services
from erp_core.changes.models import ChangeRequest
from erp_core.finance.close_services import reopen_period
from erp_core.kernel.errors import Conflict
from erp_core.ledger.models import AccountingPeriod
from erp_core.masterdata import partners_services
from erp_core.masterdata.models_partners import Customer
from erp_core.security.models import Role, User
from erp_core.security.role_services import role_grants, set_role_grants
from erp_core.security.sessions import build_actor
from tests.security.helpers import new_user
from tests.support.factories import admin_actor


@pytest.fixture
def two_admins(db, company):
    first = admin_actor(db, company)
    uid = new_user(db, first, "second.admin", roles=("admin",))
    with db.uow(readonly=True) as uow:
        second = build_actor(uow.session, uow.session.get(User, uid), session_id=None, client_ip="127.0.0.1")
    return first, second


def _close(db, company_id: int, period: str) -> None:
    with db.uow() as uow:
        uow.session.add(AccountingPeriod(company_id=company_id, period=period, status="closed"))
        uow.commit()


def _status(db, company_id: int, period: str) -> str:
    with db.uow(readonly=True) as uow:
        return uow.session.get(AccountingPeriod, (company_id, period)).status


def test_reopening_a_period_needs_a_second_person(db, two_admins):
    first, second = two_admins
    cid = first.company_id
    _close(db, cid, "2026-10")
    change = reopen_period(db, first, period="2026-10", reason="补录10月发票")
    assert isinstance(change, int) and _status(db, cid, "2026-10") == "closed"
    with pytest.raises(Conflict) as exc:  # a second pending request of the same period
        reopen_period(db, first, period="2026-10", reason="again")
    assert exc.value.message_id == "error.changes.already_pending"
    (pending,) = queries.list_changes(db, first)
    assert (pending.kind, pending.subject_id, pending.payload["reason"]) == ("period_reopen", "2026-10", "补录10月发票")
    with pytest.raises(Conflict) as exc:
        services.decide_change(db, first, change_id=change, approve=True)
    assert exc.value.message_id == "error.approvals.self_approval"
    assert _status(db, cid, "2026-10") == "closed"
    # the approver finds it in the inbox, and approving applies it at once
    assert [r["doc_type"] for r in my_inbox(db, second)] == ["change_period_reopen"]
    assert services.decide_change(db, second, change_id=change, approve=True) == "applied"
    assert _status(db, cid, "2026-10") == "open"
    assert queries.list_changes(db, first) == []


def test_rejection_leaves_things_as_they_were_and_failures_keep_their_reason(db, two_admins):
    first, second = two_admins
    cid = first.company_id
    _close(db, cid, "2026-09")
    rejected = reopen_period(db, first, period="2026-09", reason="想改一笔")
    assert services.decide_change(db, second, change_id=rejected, approve=False, comment="请先说明凭证号") == "rejected"
    assert _status(db, cid, "2026-09") == "closed"
    # approved after the period was reopened some other way: kept as failed, with the reason
    later = reopen_period(db, first, period="2026-09", reason="补录")
    with db.uow() as uow:
        uow.session.get(AccountingPeriod, (cid, "2026-09")).status = "open"
        uow.commit()
    assert services.decide_change(db, second, change_id=later, approve=True) == "failed"
    (failed,) = queries.list_changes(db, first, status="failed")
    assert "error.finance_close.not_closed" in failed.outcome


def test_approved_in_the_generic_inbox_applies_at_once(db, two_admins):
    first, second = two_admins
    _close(db, first.company_id, "2026-08")
    change = reopen_period(db, first, period="2026-08", reason="调整")
    with pytest.raises(Conflict):
        services.apply_change(db, first, change_id=change)  # not approved yet
    (req,) = my_inbox(db, second)
    assert approve(db, second, request_id=req["id"]) == "approved"
    assert _status(db, first.company_id, "2026-08") == "open"  # no second "apply" click
    (done,) = queries.list_changes(db, first, status="applied")
    assert done.id == change
    with pytest.raises(Conflict):
        services.apply_change(db, first, change_id=change)  # nothing left to apply


def test_rejected_in_the_generic_inbox_closes_the_change(db, two_admins):
    from erp_core.approvals.services import reject

    first, second = two_admins
    _close(db, first.company_id, "2026-09")
    change = reopen_period(db, first, period="2026-09", reason="调整")
    (req,) = my_inbox(db, second)
    assert reject(db, second, request_id=req["id"], comment="不需要") == "rejected"
    (closed,) = queries.list_changes(db, first, status="rejected")
    assert closed.id == change and _status(db, first.company_id, "2026-09") == "closed"


def test_switched_off_the_use_cases_act_at_once(db, two_admins):
    first, _second = two_admins
    _close(db, first.company_id, "2026-07")
    assert queries.change_settings(db, first) == {"supplier_bank": True, "customer_credit": False,
                                                  "role_grants": False, "period_reopen": True}
    services.set_change_setting(db, first, kind="period_reopen", enabled=False)
    assert reopen_period(db, first, period="2026-07", reason="直接反结账") is None
    assert _status(db, first.company_id, "2026-07") == "open"


def test_supplier_bank_account_waits_for_approval(db, two_admins):
    first, second = two_admins
    sid = partners_services.create_supplier(db, first, values={"code": "S1", "name": "江南原料厂"})
    done = services.set_supplier_bank_account(db, first, supplier_id=sid, bank_name="工商银行长沙分行",
                                              account_number="6222 0000 1111", account_name="江南原料厂")
    assert done["pending_change"] and done["bank_account_id"] is None
    assert queries.supplier_bank_accounts(db, first, supplier_id=sid) == []
    services.decide_change(db, second, change_id=done["pending_change"], approve=True)
    (account,) = queries.supplier_bank_accounts(db, first, supplier_id=sid)
    assert (account["account_number"], account["active"]) == ("622200001111", True)
    services.set_change_setting(db, first, kind="supplier_bank", enabled=False)
    now = services.set_supplier_bank_account(db, first, supplier_id=sid, bank_name="建设银行",
                                             account_number="6217000022223333", account_name="江南原料厂")
    assert now["pending_change"] is None
    accounts = queries.supplier_bank_accounts(db, first, supplier_id=sid)
    assert [(a["bank_name"], a["active"]) for a in accounts] == [("建设银行", True), ("工商银行长沙分行", False)]


def test_credit_limit_change_waits_the_rest_of_the_edit_applies(db, two_admins):
    first, second = two_admins
    cid = partners_services.create_customer(db, first, values={"code": "C1", "name": "湘江电器", "credit_limit": "50000"})
    # off by default: applied at once
    assert partners_services.edit_customer(db, first, customer_id=cid, version=1,
                                           values={"credit_limit": "60000"}) is None
    services.set_change_setting(db, first, kind="customer_credit", enabled=True)
    held = partners_services.edit_customer(db, first, customer_id=cid, version=2,
                                           values={"credit_limit": "900000", "phone": "0731-88886666"})
    with db.uow(readonly=True) as uow:
        c = uow.session.get(Customer, cid)
        assert (c.credit_limit, c.phone) == (Decimal("60000.00"), "0731-88886666")
    assert held is not None
    services.decide_change(db, second, change_id=held, approve=True)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Customer, cid).credit_limit == Decimal("900000.00")


def test_role_permissions_when_switched_on(db, two_admins):
    first, second = two_admins
    with db.uow(readonly=True) as uow:
        viewer = uow.session.execute(select(Role).where(Role.company_id == first.company_id,
                                                        Role.code == "viewer")).scalar_one()
        rid, version = viewer.id, viewer.version
    before = role_grants(db, first, role_id=rid)
    services.set_change_setting(db, first, kind="role_grants", enabled=True)
    wanted = {**before, "finance.voucher.create": "own"}
    held = set_role_grants(db, first, role_id=rid, grants=wanted, version=version)
    assert held is not None and role_grants(db, first, role_id=rid) == before
    assert services.decide_change(db, second, change_id=held, approve=True) == "applied"
    assert role_grants(db, first, role_id=rid) == wanted
    with db.uow(readonly=True) as uow:
        statuses = uow.session.execute(select(ChangeRequest.status)).scalars().all()
    assert statuses == ["applied"]
