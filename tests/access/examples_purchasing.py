"""Access examples for purchasing (erp_core/purchasing): each use case and query with the smallest real document
it needs, built as the administrator (a supplier, a warehouse, a product; an order confirmed, received and
invoiced as far as the call under test requires)."""

import datetime as dt
from decimal import Decimal

from erp_core.masterdata import items_services, partners_services, warehouse_services
from erp_core.purchasing import services as ps
from tests.access.examples import example

P = "erp_core.purchasing."
DAY = dt.date(2026, 1, 15)


def _basics(env) -> dict:
    sup = env.call(partners_services.create_supplier, values={"code": env.unique("S"), "name": env.unique("供应商")})
    wh = env.call(warehouse_services.create_warehouse, code=env.unique("W"), name=env.unique("仓"))
    code = env.unique("P")
    prod = env.call(items_services.create_product, values={"code": code, "name": code})
    return {"supplier_id": sup, "warehouse_id": wh, "product_id": prod}


def _order_kwargs(b: dict) -> dict:
    return {"supplier_id": b["supplier_id"], "doc_date": DAY, "warehouse_id": b["warehouse_id"],
            "lines": [{"product_id": b["product_id"], "quantity": Decimal("4"), "unit_price": Decimal("10")}]}


def _no_order_rules(env) -> None:
    """Other examples leave purchase-order approval rules in the shared company: retire them, so confirming
    an order in a set-up needs no approver (the approvals tests cover the gate)."""
    from erp_core.approvals import queries as aq
    from erp_core.approvals import services as ap

    for r in env.call(aq.list_rules, doc_type="purchase_order", include_inactive=False):
        env.call(ap.update_rule, rule_id=r["id"], version=r["version"], doc_type=r["doc_type"],
                 condition=r["condition"], threshold=r["threshold"], approver_role_id=r["approver_role_id"],
                 approver_user_id=r["approver_user_id"], level=r["level"], active=False)


def _order(env, *, confirm: bool = True) -> tuple[int, dict]:
    b = _basics(env)
    _no_order_rules(env)
    oid = env.call(ps.create_order, **_order_kwargs(b))
    if confirm:
        env.call(ps.confirm_order, order_id=oid)
    return oid, b


def _order_line(env, oid) -> int:
    from erp_core.purchasing.queries import get_order

    return env.call(get_order, order_id=oid)["lines"][0]["id"]


def _receipt(env, *, post: bool = True) -> int:
    oid, _ = _order(env)
    rid = env.call(ps.create_receipt, doc_date=DAY,
                   lines=[{"order_line_id": _order_line(env, oid), "quantity": Decimal("4")}])
    if post:
        env.call(ps.post_receipt, receipt_id=rid)
    return rid


def _receipt_line(env, rid) -> int:
    from erp_core.purchasing.queries import get_receipt

    return env.call(get_receipt, receipt_id=rid)["lines"][0]["id"]


def _invoice(env, *, post: bool = False) -> int:
    rl = _receipt_line(env, _receipt(env))
    iid = env.call(ps.create_invoice, doc_date=DAY, invoice_no="0001",
                   lines=[{"receipt_line_id": rl, "quantity": Decimal("4"), "unit_price": Decimal("10")}])
    if post:
        env.call(ps.post_invoice, invoice_id=iid)
    return iid


def _return(env) -> int:
    rl = _receipt_line(env, _receipt(env))
    return env.call(ps.create_return, doc_date=DAY, lines=[{"receipt_line_id": rl, "quantity": Decimal("1")}])


@example(P + "services.create_order")
def _(env):
    return _order_kwargs(_basics(env))


@example(P + "services.edit_order")
def _(env):
    b = _basics(env)
    oid = env.call(ps.create_order, **_order_kwargs(b))
    from erp_core.purchasing.queries import get_order

    kwargs = {k: v for k, v in _order_kwargs(b).items() if k != "doc_date"}
    return {"order_id": oid, "version": env.call(get_order, order_id=oid)["version"], **kwargs, "remarks": "改"}


@example(P + "services.submit_order", P + "services.confirm_order", P + "services.cancel_order")
def _(env):
    return {"order_id": _order(env, confirm=False)[0]}


@example(P + "services.reopen_order")
def _(env):
    oid, _ = _order(env, confirm=False)
    env.call(ps.submit_order, order_id=oid)
    return {"order_id": oid}


@example(P + "services.send_order", P + "services.close_order")
def _(env):
    return {"order_id": _order(env)[0]}


@example(P + "services.create_receipt")
def _(env):
    oid, _ = _order(env)
    return {"doc_date": DAY, "lines": [{"order_line_id": _order_line(env, oid), "quantity": Decimal("2")}]}


@example(P + "services.edit_receipt")
def _(env):
    oid, _ = _order(env)
    lines = [{"order_line_id": _order_line(env, oid), "quantity": Decimal("2")}]
    rid = env.call(ps.create_receipt, doc_date=DAY, lines=lines)
    from erp_core.purchasing.queries import get_receipt

    return {"receipt_id": rid, "version": env.call(get_receipt, receipt_id=rid)["version"], "lines": lines, "remarks": "改"}


@example(P + "services.post_receipt", P + "services.cancel_receipt")
def _(env):
    return {"receipt_id": _receipt(env, post=False)}


@example(P + "services.reverse_receipt")
def _(env):
    return {"receipt_id": _receipt(env)}


@example(P + "services.create_invoice")
def _(env):
    rl = _receipt_line(env, _receipt(env))
    return {"doc_date": DAY, "invoice_no": "0002",
            "lines": [{"receipt_line_id": rl, "quantity": Decimal("4"), "unit_price": Decimal("11")}]}


@example(P + "services.edit_invoice")
def _(env):
    iid = _invoice(env)
    from erp_core.purchasing.queries import get_invoice

    doc = env.call(get_invoice, invoice_id=iid)
    rl = doc["lines"][0]["receipt_line_id"]
    return {"invoice_id": iid, "version": doc["version"], "invoice_no": "0003",
            "lines": [{"receipt_line_id": rl, "quantity": Decimal("3"), "unit_price": Decimal("10")}]}


@example(P + "services.post_invoice", P + "services.cancel_invoice")
def _(env):
    return {"invoice_id": _invoice(env)}


@example(P + "services.reverse_invoice")
def _(env):
    return {"invoice_id": _invoice(env, post=True)}


@example(P + "services.create_return")
def _(env):
    return {"doc_date": DAY, "lines": [{"receipt_line_id": _receipt_line(env, _receipt(env)),
                                        "quantity": Decimal("1")}]}


@example(P + "services.post_return", P + "services.cancel_return")
def _(env):
    return {"return_id": _return(env)}


@example(P + "services.set_purchase_setting")
def _(env):
    return {"over_receipt_pct": "5", "invoice_method": "reverse"}


@example(P + "queries.purchase_choices", P + "queries.list_orders", P + "queries.list_receipts",
         P + "queries.list_invoices", P + "queries.list_returns", P + "queries.lines_to_receive",
         P + "queries.lines_to_invoice", P + "queries.lines_to_return", P + "queries.purchase_setting")
def _(env):
    return {}


@example(P + "queries.get_order")
def _(env):
    return {"order_id": _order(env)[0]}


@example(P + "queries.get_receipt")
def _(env):
    return {"receipt_id": _receipt(env)}


@example(P + "queries.get_invoice", P + "queries.three_way_match")
def _(env):
    return {"invoice_id": _invoice(env)}


@example(P + "queries.get_return")
def _(env):
    return {"return_id": _return(env)}


def _order_file(env):
    from erp_core.io.importer import Table

    b = _basics(env)
    _no_order_rules(env)
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Supplier
    from erp_core.masterdata.models_warehouse import Warehouse

    with env.db.uow(readonly=True) as uow:
        s = uow.session
        codes = (s.get(Supplier, b["supplier_id"]).code, s.get(Warehouse, b["warehouse_id"]).code,
                 s.get(Product, b["product_id"]).code)
    return Table(["单号", "日期", "供应商编码", "仓库编码", "商品编码", "数量", "单价"],
                 [[env.unique("IMP-PO-"), "2026-01-15", *codes, "2", "5"]], "orders.csv"), codes


@example(P + "import_services.dry_run_purchase_orders", P + "import_services.import_purchase_orders")
def _(env):
    table, _ = _order_file(env)
    return {"table": table, "post": True}


def _receipt_file(env):
    from erp_core.io.importer import Table

    table, codes = _order_file(env)
    env.call(__import__("erp_core.purchasing.import_services", fromlist=["x"]).import_purchase_orders, table=table,
             post=True)
    number = table.rows[0][0]
    return Table(["单号", "日期", "订单号", "商品编码", "数量"],
                 [[env.unique("IMP-PR-"), "2026-01-16", number, codes[2], "2"]], "receipts.csv"), codes


@example(P + "import_services.dry_run_purchase_receipts", P + "import_services.import_purchase_receipts")
def _(env):
    table, _ = _receipt_file(env)
    return {"table": table, "post": True}


@example(P + "import_services.dry_run_purchase_invoices", P + "import_services.import_purchase_invoices")
def _(env):
    from erp_core.io.importer import Table
    from erp_core.purchasing import import_services

    table, codes = _receipt_file(env)
    env.call(import_services.import_purchase_receipts, table=table, post=True)
    return {"table": Table(["单号", "日期", "入库单号", "商品编码", "数量", "单价"],
                           [[env.unique("IMP-PI-"), "2026-01-20", table.rows[0][0], codes[2], "2", "5"]],
                           "invoices.csv"), "post": True}


@example(P + "queries.red_invoice_lines")
def _(env):
    return {"return_id": _return(env)}


@example(P + "queries.purchase_analysis")
def _(env):
    return {"group_by": "month"}


@example(P + "queries.price_history")
def _(env):
    return {"product_id": _basics(env)["product_id"]}
