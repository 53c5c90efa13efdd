"""Access examples for purchase requisitions (请购单) and reorder suggestions -> purchase orders."""

import datetime as dt
from decimal import Decimal

from erp_core.masterdata import items_services
from erp_core.purchasing.requisitions import services as rqs
from tests.access.examples import example
from tests.access.examples_purchasing import _basics, _no_order_rules

P = "erp_core.purchasing.requisitions."
DAY = dt.date(2026, 1, 15)


def _req_kwargs(b: dict) -> dict:
    return {"doc_date": DAY, "warehouse_id": b["warehouse_id"], "requester": "张三", "reason": "备货",
            "lines": [{"product_id": b["product_id"], "quantity": Decimal("3"), "unit_price": Decimal("8"),
                       "supplier_id": b["supplier_id"]}]}


def _no_rules(env) -> None:
    from erp_core.approvals import queries as aq
    from erp_core.approvals import services as ap

    for r in env.call(aq.list_rules, doc_type="purchase_requisition", include_inactive=False):
        env.call(ap.update_rule, rule_id=r["id"], version=r["version"], doc_type=r["doc_type"],
                 condition=r["condition"], threshold=r["threshold"], approver_role_id=r["approver_role_id"],
                 approver_user_id=r["approver_user_id"], level=r["level"], active=False)


def _req(env, *, approve: bool = False) -> int:
    _no_rules(env)
    rid = env.call(rqs.create_requisition, **_req_kwargs(_basics(env)))
    if approve:
        env.call(rqs.approve_requisition, requisition_id=rid)
    return rid


@example(P + "services.create_requisition")
def _(env):
    return _req_kwargs(_basics(env))


@example(P + "services.edit_requisition")
def _(env):
    b = _basics(env)
    rid = env.call(rqs.create_requisition, **_req_kwargs(b))
    from erp_core.purchasing.requisitions.queries import get_requisition

    kwargs = {k: v for k, v in _req_kwargs(b).items() if k != "doc_date"}
    return {"requisition_id": rid, "version": env.call(get_requisition, requisition_id=rid)["version"], **kwargs}


@example(P + "services.submit_requisition", P + "services.approve_requisition", P + "services.cancel_requisition")
def _(env):
    return {"requisition_id": _req(env)}


@example(P + "services.reopen_requisition")
def _(env):
    rid = _req(env)
    env.call(rqs.submit_requisition, requisition_id=rid)
    return {"requisition_id": rid}


@example(P + "services.close_requisition")
def _(env):
    return {"requisition_id": _req(env, approve=True)}


@example(P + "services.order_requisitions")
def _(env):
    _no_order_rules(env)
    return {"requisition_ids": [_req(env, approve=True)], "doc_date": DAY}


@example(P + "queries.list_requisitions")
def _(env):
    return {}


@example(P + "queries.get_requisition")
def _(env):
    return {"requisition_id": _req(env)}


@example("erp_core.purchasing.reorder_services.order_from_suggestions")
def _(env):
    b = _basics(env)
    env.call(items_services.edit_product, product_id=b["product_id"], version=None,
             values={"reorder_point": "10", "reorder_quantity": "5"})
    return {"product_ids": [b["product_id"]], "warehouse_id": b["warehouse_id"], "doc_date": DAY,
            "suppliers": {b["product_id"]: b["supplier_id"]}}


@example(P + "import_services.dry_run_purchase_requisitions", P + "import_services.import_purchase_requisitions")
def _(env):
    from erp_core.io.importer import Table
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse

    b = _basics(env)
    with env.db.uow(readonly=True) as uow:
        s = uow.session
        codes = (s.get(Warehouse, b["warehouse_id"]).code, s.get(Product, b["product_id"]).code)
    return {"table": Table(["单号", "日期", "仓库编码", "商品编码", "数量"],
                           [[env.unique("IMP-RQ-"), "2026-01-15", *codes, "2"]], "req.csv")}
