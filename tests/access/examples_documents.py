"""Access examples for the document kernel (erp_core/documents) and the approvals engine (erp_core/approvals)."""

from types import MappingProxyType

from erp_core.approvals import services as approvals
from erp_core.kernel.actor import Actor, Scope
from erp_core.security.role_services import create_role
from erp_core.security.user_services import create_user
from erp_core.usecase import Context
from tests.access.examples import example

DOC = "erp_core.documents."
APP = "erp_core.approvals."


@example(DOC + "services.set_document_setting")
def _(env):
    return {"doc_type": "", "voucher_mode": "post"}


@example(DOC + "queries.document_links", DOC + "queries.document_history", APP + "queries.document_approvals")
def _(env):
    return {"doc_type": "purchase_order", "doc_id": 1}


@example(DOC + "queries.document_settings", APP + "queries.list_rules", APP + "queries.rule_choices",
         APP + "queries.my_inbox")
def _(env):
    return {}


def _role(env) -> int:
    code = env.unique("appr")
    return env.call(create_role, code=code, name_zh=code, name_en=code)


@example(APP + "services.create_rule")
def _(env):
    return {"doc_type": "purchase_order", "condition": "amount_above", "threshold": "10000",
            "approver_role_id": _role(env), "level": 1}


@example(APP + "services.update_rule")
def _(env):
    rid = env.call(approvals.create_rule, doc_type="purchase_order", condition="always",
                   approver_role_id=_role(env), level=1)
    return {"rule_id": rid, "version": 1, "doc_type": "purchase_order", "condition": "partner_new",
            "approver_role_id": _role(env), "level": 2}


@example(APP + "services.approve", APP + "services.reject")
def _(env):
    """A request named to a real user, who decides it holding only the permission."""
    name = env.unique("approver")
    uid = env.call(create_user, username=name, display_name=name, password="Appr0ver-Pass-9!")
    doc_type = env.unique("access_doc")
    env.call(approvals.create_rule, doc_type=doc_type, condition="always", approver_user_id=uid, level=1)
    with env.db.uow() as uow:
        ctx = Context(uow.session, env.admin, "access.example", env.db, company_id=env.company_id)
        (request_id,) = approvals.submit_for_approval(ctx, doc_type, 1, {"amount": 1})
        uow.commit()
    actor = Actor(user_id=uid, username=name, company_id=env.company_id,
                  grants=MappingProxyType({"approvals.request.decide": Scope.ALL}))
    return {"request_id": request_id, "comment": "同意", "__actor__": actor}
