"""Access examples for the approval of major changes (engineer ops2)."""

from __future__ import annotations

from types import MappingProxyType

from erp_core.changes import services
from erp_core.kernel.actor import Actor, Scope
from erp_core.masterdata import partners_services
from tests.access.examples import example

C = "erp_core.changes."


def _supplier(env) -> int:
    return env.call(partners_services.create_supplier, values={"code": env.unique("CS"), "name": env.unique("变更供应商")})


def _pending(env) -> int:
    env.call(services.set_change_setting, kind="supplier_bank", enabled=True)
    out = env.call(services.set_supplier_bank_account, supplier_id=_supplier(env), bank_name="工商银行",
                   account_number=env.unique("6222"), account_name="变更供应商")
    return out["pending_change"]


def _approver(env, permission: str) -> Actor:
    """Someone other than the requester holding the administrator role the default rule names (the matrix's
    own actor holds no role, so it could not be the approver)."""
    from sqlalchemy import select

    from erp_core.security.models import Role
    from erp_core.security.user_services import create_user

    if "approver" not in env.cache:
        with env.db.uow(readonly=True) as uow:
            admin_role = uow.session.execute(select(Role.id).where(Role.company_id == env.company_id,
                                                                   Role.is_admin.is_(True))).scalar_one()
        uid = env.call(create_user, username=env.unique("approver"), display_name="审批人",
                       password="Appr0ver-Pass!x", role_ids=[admin_role], must_change_password=False)
        env.cache["approver"] = uid
    return Actor(user_id=env.cache["approver"], username="approver", company_id=env.company_id,
                 grants=MappingProxyType({permission: Scope.ALL}))


@example(C + "services.decide_change")
def _(env):
    return {"change_id": _pending(env), "approve": False, "comment": "不对",
            "__actor__": _approver(env, "approvals.request.decide")}


@example(C + "services.apply_change")
def _(env):
    from erp_core.approvals.queries import my_inbox
    from erp_core.approvals.services import reject

    change = _pending(env)
    approver = _approver(env, "approvals.request.decide")

    full = Actor(user_id=approver.user_id, username="approver", company_id=env.company_id,
                 grants=MappingProxyType({"approvals.request.decide": Scope.ALL, "approvals.inbox.view": Scope.ALL}))
    req = next(r for r in my_inbox(env.db, full) if r["doc_id"] == change)
    reject(env.db, full, request_id=req["id"], comment="不对")  # the inbox closes the change at once now...
    from sqlalchemy import update

    from erp_core.changes.models import ChangeRequest

    with env.db.uow() as uow:  # ...so put it back as a change decided in the inbox before it did (still pending)
        uow.session.execute(update(ChangeRequest).where(ChangeRequest.id == change).values(status="pending"))
        uow.commit()
    return {"change_id": change}


@example(C + "services.set_change_setting")
def _(env):
    return {"kind": "customer_credit", "enabled": False}


@example(C + "services.set_supplier_bank_account")
def _(env):
    return {"supplier_id": _supplier(env), "bank_name": "建设银行", "account_number": "6217 0000",
            "account_name": "变更供应商"}


@example(C + "queries.list_changes", C + "queries.change_settings")
def _(env):
    return {}


@example(C + "queries.supplier_bank_accounts")
def _(env):
    return {"supplier_id": _supplier(env)}
