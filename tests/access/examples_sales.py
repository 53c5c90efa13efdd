"""Access examples for sales (erp_core/sales): each use case and query with the smallest real document it needs,
built as the administrator (a customer, a warehouse with stock of a product received through 其他入库, an order
confirmed and delivered as far as the call under test requires)."""

import datetime as dt
from decimal import Decimal

from erp_core.masterdata import items_services, partners_services, warehouse_services
from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from tests.access.examples import example

P = "erp_core.sales."
DAY = dt.date(2026, 1, 15)


def _basics(env) -> dict:
    from erp_core.stockops import services as so

    cust = env.call(partners_services.create_customer, values={"code": env.unique("C"), "name": env.unique("客户")})
    wh = env.call(warehouse_services.create_warehouse, code=env.unique("W"), name=env.unique("仓"))
    code = env.unique("P")
    prod = env.call(items_services.create_product, values={"code": code, "name": code})
    rid = env.call(so.create_other_receipt, doc_date=DAY - dt.timedelta(days=1), warehouse_id=wh,
                   lines=[{"product_id": prod, "quantity": Decimal("10"), "unit_cost": Decimal("5")}])
    env.call(so.post_other_receipt, doc_id=rid)
    return {"customer_id": cust, "warehouse_id": wh, "product_id": prod}


def _order_kwargs(b: dict) -> dict:
    return {"customer_id": b["customer_id"], "doc_date": DAY, "warehouse_id": b["warehouse_id"],
            "lines": [{"product_id": b["product_id"], "quantity": Decimal("4"), "unit_price": Decimal("10")}]}


def _no_order_rules(env) -> None:
    from erp_core.approvals import queries as aq
    from erp_core.approvals import services as ap

    for r in env.call(aq.list_rules, doc_type="sales_order", include_inactive=False):
        env.call(ap.update_rule, rule_id=r["id"], version=r["version"], doc_type=r["doc_type"],
                 condition=r["condition"], threshold=r["threshold"], approver_role_id=r["approver_role_id"],
                 approver_user_id=r["approver_user_id"], level=r["level"], active=False)


def _order(env, *, confirm: bool = True) -> tuple[int, dict]:
    b = _basics(env)
    _no_order_rules(env)
    oid = env.call(ss.create_order, **_order_kwargs(b))
    if confirm:
        env.call(ss.confirm_order, order_id=oid)
    return oid, b


def _order_line(env, oid) -> int:
    return env.call(sq.get_order, order_id=oid)["lines"][0]["id"]


def _delivery(env, *, post: bool = True) -> int:
    oid, _ = _order(env)
    did = env.call(ss.create_delivery, doc_date=DAY, lines=[{"order_line_id": _order_line(env, oid),
                                                             "quantity": Decimal("4")}])
    if post:
        env.call(ss.post_delivery, delivery_id=did)
    return did


def _delivery_line(env, did) -> int:
    return env.call(sq.get_delivery, delivery_id=did)["lines"][0]["id"]


def _return(env) -> int:
    dl = _delivery_line(env, _delivery(env))
    return env.call(ss.create_return, doc_date=DAY, reason="质量问题",
                    lines=[{"delivery_line_id": dl, "quantity": Decimal("1")}])


def _quotation(env) -> int:
    b = _basics(env)
    return env.call(ss.create_quotation, **_order_kwargs(b))


@example(P + "services.set_customer_terms")
def _(env):
    b = _basics(env)
    return {"customer_id": b["customer_id"], "default_warehouse_id": b["warehouse_id"]}


@example(P + "services.save_price_list")
def _(env):
    b = _basics(env)
    return {"code": env.unique("PL"), "name": "标准价", "prices": [{"product_id": b["product_id"], "min_qty": 0,
                                                                "price": Decimal("12")}]}


@example(P + "services.set_sales_setting")
def _(env):
    return {"max_discount_pct": "0", "credit_control": "block", "allow_over_reserve": False}


@example(P + "services.create_quotation")
def _(env):
    return _order_kwargs(_basics(env))


@example(P + "services.edit_quotation")
def _(env):
    b = _basics(env)
    qid = env.call(ss.create_quotation, **_order_kwargs(b))
    kw = {k: v for k, v in _order_kwargs(b).items() if k not in ("doc_date", "customer_id")}
    return {"quotation_id": qid, "version": env.call(sq.get_quotation, quotation_id=qid)["version"], **kw}


@example(P + "services.send_quotation", P + "services.cancel_quotation", P + "services.order_from_quotation")
def _(env):
    return {"quotation_id": _quotation(env)}


@example(P + "services.create_order")
def _(env):
    return _order_kwargs(_basics(env))


@example(P + "services.edit_order")
def _(env):
    b = _basics(env)
    oid = env.call(ss.create_order, **_order_kwargs(b))
    kw = {k: v for k, v in _order_kwargs(b).items() if k not in ("doc_date", "customer_id")}
    return {"order_id": oid, "version": env.call(sq.get_order, order_id=oid)["version"], **kw, "remarks": "改"}


@example(P + "services.submit_order", P + "services.confirm_order", P + "services.cancel_order")
def _(env):
    return {"order_id": _order(env, confirm=False)[0]}


@example(P + "services.reopen_order")
def _(env):
    oid, _ = _order(env, confirm=False)
    env.call(ss.submit_order, order_id=oid)
    return {"order_id": oid}


@example(P + "services.close_order")
def _(env):
    return {"order_id": _order(env)[0]}


@example(P + "services.create_delivery")
def _(env):
    oid, _ = _order(env)
    return {"doc_date": DAY, "lines": [{"order_line_id": _order_line(env, oid), "quantity": Decimal("2")}],
            "carrier": "顺丰", "shipping_method": "express", "tracking_no": "SF1"}


@example(P + "services.edit_delivery")
def _(env):
    oid, _ = _order(env)
    lines = [{"order_line_id": _order_line(env, oid), "quantity": Decimal("2")}]
    did = env.call(ss.create_delivery, doc_date=DAY, lines=lines)
    return {"delivery_id": did, "version": env.call(sq.get_delivery, delivery_id=did)["version"], "lines": lines,
            "remarks": "改"}


@example(P + "services.post_delivery", P + "services.cancel_delivery")
def _(env):
    return {"delivery_id": _delivery(env, post=False)}


@example(P + "services.reverse_delivery")
def _(env):
    return {"delivery_id": _delivery(env)}


@example(P + "services.create_return")
def _(env):
    return {"doc_date": DAY, "reason": "质量问题",
            "lines": [{"delivery_line_id": _delivery_line(env, _delivery(env)), "quantity": Decimal("1")}]}


@example(P + "services.post_return", P + "services.cancel_return")
def _(env):
    return {"return_id": _return(env)}


@example(P + "queries.sales_choices", P + "queries.list_quotations", P + "queries.list_orders",
         P + "queries.list_deliveries", P + "queries.list_returns", P + "queries.deliverable_lines",
         P + "queries.returnable_lines", P + "queries.list_price_lists", P + "queries.sales_setting")
def _(env):
    return {}


@example(P + "queries.get_quotation")
def _(env):
    return {"quotation_id": _quotation(env)}


@example(P + "queries.get_order")
def _(env):
    return {"order_id": _order(env)[0]}


@example(P + "queries.available_stock")
def _(env):
    b = _basics(env)
    return {"warehouse_id": b["warehouse_id"], "product_ids": [b["product_id"]]}


@example(P + "queries.quote_price")
def _(env):
    b = _basics(env)
    return {"customer_id": b["customer_id"], "product_id": b["product_id"], "quantity": Decimal("1"),
            "on_date": DAY}


@example(P + "queries.customer_terms")
def _(env):
    return {"customer_id": _basics(env)["customer_id"]}


@example(P + "queries.get_delivery")
def _(env):
    return {"delivery_id": _delivery(env)}


@example(P + "queries.get_return")
def _(env):
    return {"return_id": _return(env)}


@example(P + "queries.get_price_list")
def _(env):
    b = _basics(env)
    plid = env.call(ss.save_price_list, code=env.unique("PL"), name="价",
                    prices=[{"product_id": b["product_id"], "price": Decimal("9")}])
    return {"price_list_id": plid}


def _order_file(env):
    """A file of one sales order (customer, warehouse with stock, product made here, their codes)."""
    from erp_core.io.importer import Table
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer
    from erp_core.masterdata.models_warehouse import Warehouse

    b = _basics(env)
    _no_order_rules(env)
    with env.db.uow(readonly=True) as uow:
        s = uow.session
        codes = (s.get(Customer, b["customer_id"]).code, s.get(Warehouse, b["warehouse_id"]).code,
                 s.get(Product, b["product_id"]).code)
    return Table(["单号", "日期", "客户编码", "仓库编码", "商品编码", "数量", "单价"],
                 [[env.unique("IMP-SO-"), "2026-01-15", *codes, "2", "10"]], "orders.csv"), codes


@example(P + "import_services.dry_run_sales_orders", P + "import_services.import_sales_orders")
def _(env):
    return {"table": _order_file(env)[0], "post": True}


@example(P + "import_services.dry_run_deliveries", P + "import_services.import_deliveries")
def _(env):
    from erp_core.io.importer import Table
    from erp_core.sales import import_services

    table, codes = _order_file(env)
    env.call(import_services.import_sales_orders, table=table, post=True)
    return {"table": Table(["单号", "日期", "订单号", "商品编码", "数量"],
                           [[env.unique("IMP-SD-"), "2026-01-16", table.rows[0][0], codes[2], "2"]], "d.csv"),
            "post": True}
