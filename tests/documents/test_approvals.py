"""The approvals engine with the order type of doctype.py (SQLite, PostgreSQL, MariaDB): below/above the
threshold, two sequential levels, self-approval refused, an approver without the role refused, a rejection
blocks confirm, an edit withdraws the approval, the inbox 我的待办 shows what each approver may decide now."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp_core.approvals import queries as aq
from erp_core.approvals import services as ap
from erp_core.documents import services as k
from erp_core.documents.queries import document_history
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.security.role_services import create_role
from tests.documents.doctype import DAY, T_ORDER, TOrder, create_tables, run
from tests.security.helpers import new_user
from tests.support.factories import actor, admin_actor

DECIDE = {"approvals.request.decide": "all", "approvals.inbox.view": "all"}


class Env:
    pass


@pytest.fixture
def env(db, company):
    create_tables(db)
    e = Env()
    e.db, e.company_id, e.admin = db, company.company_id, admin_actor(db, company)
    e.mgr_role = create_role(db, e.admin, code="mgr", name_zh="采购经理", name_en="Purchasing manager")
    create_role(db, e.admin, code="cfo", name_zh="财务总监", name_en="CFO")
    uid = {name: new_user(db, e.admin, name, roles=roles) for name, roles in (
        ("buyer", ("viewer",)), ("mgr1", ("mgr",)), ("cfo1", ("cfo",)), ("clerk", ("viewer",)),
        ("buyer_mgr", ("mgr",)))}
    e.uid = uid
    e.who = {name: actor(e.company_id, DECIDE, user_id=i, username=name) for name, i in uid.items()}
    ap.create_rule(db, e.admin, doc_type="t_order", condition="amount_above", threshold="1000",
                   approver_role_id=e.mgr_role, level=1)
    ap.create_rule(db, e.admin, doc_type="t_order", condition="amount_above", threshold="5000",
                   approver_user_id=uid["cfo1"], level=2)
    return e


def _order(e, amount: str, by: str = "buyer") -> int:
    return run(e.db, e.who[by], lambda ctx: k.create_document(
        ctx, T_ORDER, doc_date=DAY, partner_id=7, lines=[{"ordered_qty": Decimal("1"), "unit_price": amount}]).id)


def _submit(e, oid, by="buyer"):
    return run(e.db, e.who[by], lambda ctx: k.submit_document(ctx, T_ORDER, k.load_document(ctx, T_ORDER, oid)))


def _confirm(e, oid, by="buyer"):
    return run(e.db, e.who[by], lambda ctx: k.transition(ctx, T_ORDER, k.load_document(ctx, T_ORDER, oid),
                                                         "confirm"))


def _state(e, oid):
    return aq.document_approvals(e.db, e.admin, doc_type="t_order", doc_id=oid)["state"]


def _refused(fn, message_id):
    with pytest.raises(Conflict) as exc:
        fn()
    assert exc.value.message_id == message_id


def _status(e, oid):
    with e.db.uow(readonly=True) as uow:
        return uow.session.get(TOrder, oid).status


def test_below_the_threshold_no_approval_is_needed(env):
    oid = _order(env, "999.99")
    assert _submit(env, oid) == [] and _state(env, oid) == "none"
    assert _confirm(env, oid) == "confirmed"


def test_above_the_threshold_confirm_waits_for_the_approval(env):
    oid = _order(env, "1000.01")
    _refused(lambda: _confirm(env, oid), "error.approvals.required")  # not even asked
    (req,) = _submit(env, oid)
    assert _state(env, oid) == "pending"
    _refused(lambda: _confirm(env, oid), "error.approvals.pending")
    _refused(lambda: _submit(env, oid), "error.approvals.already_pending")
    assert [r["id"] for r in aq.my_inbox(env.db, env.who["mgr1"])] == [req]
    assert ap.approve(env.db, env.who["mgr1"], request_id=req, comment="同意") == "approved"
    assert aq.my_inbox(env.db, env.who["mgr1"]) == []
    assert _confirm(env, oid) == "confirmed" and _status(env, oid) == "confirmed"
    steps = document_history(env.db, env.admin, doc_type="t_order", doc_id=oid)
    assert [(s["action"], s["username"]) for s in steps] == [("create", "buyer"), ("confirm", "buyer")]
    (decided,) = aq.document_approvals(env.db, env.admin, doc_type="t_order", doc_id=oid)["requests"]
    assert (decided["status"], decided["decided_by_name"], decided["comment"]) == ("approved", "mgr1", "同意")


def test_two_levels_are_decided_in_order(env):
    oid = _order(env, "6000")
    first, second = _submit(env, oid)
    assert aq.my_inbox(env.db, env.who["cfo1"]) == []  # level 2 waits for level 1
    _refused(lambda: ap.approve(env.db, env.who["cfo1"], request_id=second), "error.approvals.earlier_level")
    assert ap.approve(env.db, env.who["mgr1"], request_id=first) == "pending"
    _refused(lambda: _confirm(env, oid), "error.approvals.pending")
    assert [r["id"] for r in aq.my_inbox(env.db, env.who["cfo1"])] == [second]
    assert ap.approve(env.db, env.who["cfo1"], request_id=second, comment="可以") == "approved"
    assert _confirm(env, oid) == "confirmed"


def test_an_approver_cannot_approve_their_own_document(env):
    oid = _order(env, "2000", by="buyer_mgr")  # holds the approver role, but created the order
    (req,) = _submit(env, oid, by="buyer_mgr")
    assert aq.my_inbox(env.db, env.who["buyer_mgr"]) == []
    _refused(lambda: ap.approve(env.db, env.who["buyer_mgr"], request_id=req), "error.approvals.self_approval")
    assert _state(env, oid) == "pending"
    assert ap.approve(env.db, env.who["mgr1"], request_id=req) == "approved"  # a colleague may


def test_an_approver_without_the_role_or_name_is_refused(env):
    oid = _order(env, "6000")
    first, second = _submit(env, oid)
    _refused(lambda: ap.approve(env.db, env.who["clerk"], request_id=first), "error.approvals.not_approver")
    _refused(lambda: ap.approve(env.db, env.who["cfo1"], request_id=first), "error.approvals.not_approver")
    ap.approve(env.db, env.who["mgr1"], request_id=first)
    _refused(lambda: ap.approve(env.db, env.who["mgr1"], request_id=second), "error.approvals.not_approver")
    assert aq.my_inbox(env.db, env.who["clerk"]) == []
    assert _state(env, oid) == "pending"


def test_a_rejection_blocks_confirm_until_the_document_is_changed_and_approved(env):
    oid = _order(env, "6000")
    first, second = _submit(env, oid)
    with pytest.raises(ValidationError) as exc:  # a rejection says why
        ap.reject(env.db, env.who["mgr1"], request_id=first, comment=" ")
    assert exc.value.field == "field.approvals.comment"
    assert ap.reject(env.db, env.who["mgr1"], request_id=first, comment="价格太高") == "rejected"
    _refused(lambda: _confirm(env, oid), "error.approvals.rejected")
    _refused(lambda: ap.approve(env.db, env.who["cfo1"], request_id=second), "error.approvals.not_pending")
    assert aq.my_inbox(env.db, env.who["cfo1"]) == []

    def cheaper(ctx):
        doc = k.load_document(ctx, T_ORDER, oid)
        k.update_document(ctx, T_ORDER, doc, version=doc.version,
                          lines=[{"ordered_qty": Decimal("1"), "unit_price": "1500"}])
    run(env.db, env.who["buyer"], cheaper)
    assert _state(env, oid) == "none"  # the edit withdrew the old round
    _refused(lambda: _confirm(env, oid), "error.approvals.required")
    (req,) = _submit(env, oid)  # now only level 1 applies
    ap.approve(env.db, env.who["mgr1"], request_id=req)
    assert _confirm(env, oid) == "confirmed"


def test_rule_conditions():
    facts = {"amount": Decimal("100"), "partner_new": True, "max_price_increase_pct": Decimal("12.5")}
    assert ap.rule_matches("always", None, {})
    assert ap.rule_matches("amount_above", Decimal("99.99"), facts)
    assert not ap.rule_matches("amount_above", Decimal("100"), facts)
    assert ap.rule_matches("partner_new", None, facts) and not ap.rule_matches("partner_new", None, {})
    assert ap.rule_matches("price_above_last_by_pct", Decimal("10"), facts)
    assert not ap.rule_matches("price_above_last_by_pct", Decimal("12.5"), facts)
    assert not ap.rule_matches("price_above_last_by_pct", Decimal("10"), {"max_price_increase_pct": None})


def test_price_and_new_partner_rules_with_the_type_facts(env):
    ap.create_rule(env.db, env.admin, doc_type="t_order", condition="price_above_last_by_pct", threshold="10",
                   approver_role_id=env.mgr_role, level=1)
    oid = run(env.db, env.who["buyer"], lambda ctx: k.create_document(
        ctx, T_ORDER, doc_date=DAY, partner_id=7, remarks="last=100",
        lines=[{"ordered_qty": Decimal("1"), "unit_price": "111"}]).id)
    assert len(_submit(env, oid)) == 1  # 11 % above the last price, under every amount threshold


def test_bad_rules_are_refused_naming_the_field(env):
    with pytest.raises(ValidationErrors) as exc:
        ap.create_rule(env.db, env.admin, doc_type="t_order", condition="amount_above", threshold="-1",
                       approver_role_id=env.mgr_role, approver_user_id=env.uid["cfo1"], level=0)
    assert {e.field for e in exc.value.errors} == {"field.approvals.threshold", "field.approvals.approver",
                                                    "field.approvals.level"}
    stranger = actor(env.company_id + 1, {"approvals.rule.manage": "all"})  # an actor of another company
    with pytest.raises(ValidationError) as exc:  # another company's role
        ap.create_rule(env.db, stranger, doc_type="t_order", condition="always", approver_role_id=env.mgr_role)
    assert exc.value.field == "field.approvals.approver"
    rules = aq.list_rules(env.db, env.admin, doc_type="t_order")
    assert [(r["condition"], r["level"]) for r in rules] == [("amount_above", 1), ("amount_above", 2)]
    ap.update_rule(env.db, env.admin, rule_id=rules[1]["id"], version=1, doc_type="t_order",
                   condition="amount_above", threshold="8000", approver_user_id=env.uid["cfo1"], level=2,
                   active=False)
    assert [r["active"] for r in aq.list_rules(env.db, env.admin, doc_type="t_order")] == [True, False]
    oid = _order(env, "6000")
    assert len(_submit(env, oid)) == 1  # the retired level-2 rule asks nothing
