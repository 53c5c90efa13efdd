"""Access examples for inventory operations (erp_core/stockops): other receipts and issues, transfers,
stocktakes and their write-offs, the inventory setting, the document queries and the stock reports."""

import datetime as dt

from erp_core.masterdata import items_services, warehouse_services
from erp_core.stockops import services as S
from erp_core.stockops import stocktake_services as T
from tests.access.examples import example

SO = "erp_core.stockops."
DAY = dt.date(2026, 3, 10)


def _stock(env) -> dict:
    """A warehouse and a product with 100 in stock (one other receipt), made once per company."""
    if "stockops" not in env.cache:
        wh, prod = env.unique("SW"), env.unique("SP")
        wid = env.call(warehouse_services.create_warehouse, code=wh, name=wh)
        wid2 = env.call(warehouse_services.create_warehouse, code=wh + "B", name=wh + "B")
        pid = env.call(items_services.create_product, values={"code": prod, "name": prod})
        rid = env.call(S.create_other_receipt, doc_date=DAY, warehouse_id=wid,
                       lines=[{"product_id": pid, "quantity": "100", "unit_cost": "2"}])
        env.call(S.post_other_receipt, doc_id=rid)
        env.cache["stockops"] = {"wid": wid, "wid2": wid2, "pid": pid}
    return env.cache["stockops"]


def _receipt(env, post=False) -> int:
    s = _stock(env)
    rid = env.call(S.create_other_receipt, doc_date=DAY, warehouse_id=s["wid"],
                   lines=[{"product_id": s["pid"], "quantity": "1", "unit_cost": "2"}])
    if post:
        env.call(S.post_other_receipt, doc_id=rid)
    return rid


def _issue(env, post=False) -> int:
    s = _stock(env)
    iid = env.call(S.create_other_issue, doc_date=DAY, warehouse_id=s["wid"],
                   lines=[{"product_id": s["pid"], "quantity": "1"}])
    if post:
        env.call(S.post_other_issue, doc_id=iid)
    return iid


def _transfer(env, post=False) -> int:
    s = _stock(env)
    tid = env.call(S.create_transfer, doc_date=DAY, from_warehouse_id=s["wid"], to_warehouse_id=s["wid2"],
                   lines=[{"product_id": s["pid"], "quantity": "1"}])
    if post:
        env.call(S.post_transfer, doc_id=tid)
    return tid


@example(SO + "services.create_other_receipt")
def _(env):
    s = _stock(env)
    return {"doc_date": DAY, "warehouse_id": s["wid"], "lines": [{"product_id": s["pid"], "quantity": "1",
                                                                 "unit_cost": "1"}]}


@example(SO + "services.update_other_receipt")
def _(env):
    s = _stock(env)
    return {"doc_id": _receipt(env), "version": 1, "warehouse_id": s["wid"],
            "lines": [{"product_id": s["pid"], "quantity": "2", "unit_cost": "1"}]}


@example(SO + "services.cancel_other_receipt", SO + "services.post_other_receipt")
def _(env):
    return {"doc_id": _receipt(env)}


@example(SO + "services.reverse_other_receipt")
def _(env):
    return {"doc_id": _receipt(env, post=True)}


@example(SO + "services.create_other_issue")
def _(env):
    s = _stock(env)
    return {"doc_date": DAY, "warehouse_id": s["wid"], "lines": [{"product_id": s["pid"], "quantity": "1"}]}


@example(SO + "services.update_other_issue")
def _(env):
    s = _stock(env)
    return {"doc_id": _issue(env), "version": 1, "warehouse_id": s["wid"],
            "lines": [{"product_id": s["pid"], "quantity": "2"}]}


@example(SO + "services.cancel_other_issue", SO + "services.post_other_issue")
def _(env):
    return {"doc_id": _issue(env)}


@example(SO + "services.reverse_other_issue")
def _(env):
    return {"doc_id": _issue(env, post=True)}


@example(SO + "services.create_transfer")
def _(env):
    s = _stock(env)
    return {"doc_date": DAY, "from_warehouse_id": s["wid"], "to_warehouse_id": s["wid2"],
            "lines": [{"product_id": s["pid"], "quantity": "1"}]}


@example(SO + "services.update_transfer")
def _(env):
    s = _stock(env)
    return {"doc_id": _transfer(env), "version": 1, "from_warehouse_id": s["wid"], "to_warehouse_id": s["wid2"],
            "lines": [{"product_id": s["pid"], "quantity": "2"}]}


@example(SO + "services.cancel_transfer", SO + "services.post_transfer")
def _(env):
    return {"doc_id": _transfer(env)}


@example(SO + "services.reverse_transfer")
def _(env):
    return {"doc_id": _transfer(env, post=True)}


@example(SO + "services.set_inventory_setting")
def _(env):
    return {"allow_negative_stock": False}


def _stocktake(env, *, count=False, post=False) -> int:
    s = _stock(env)
    sid = env.call(T.start_stocktake, warehouse_id=s["wid"], as_of=DAY)
    if count or post:
        from erp_core.stockops.queries import stocktake_detail

        d = env.call(stocktake_detail, stocktake_id=sid)
        env.call(T.record_counts, stocktake_id=sid, version=d.header["version"],
                 counts=[{"line_no": ln["line_no"], "counted_qty": ln["book_qty"] - 1} for ln in d.lines])
    if post:
        env.call(T.post_stocktake, stocktake_id=sid)
    return sid


@example(SO + "stocktake_services.start_stocktake")
def _(env):
    return {"warehouse_id": _stock(env)["wid"], "as_of": DAY}


@example(SO + "stocktake_services.record_counts")
def _(env):
    from erp_core.stockops.queries import stocktake_detail

    sid = _stocktake(env)
    d = env.call(stocktake_detail, stocktake_id=sid)
    return {"stocktake_id": sid, "version": d.header["version"], "counts": [{"line_no": 1, "counted_qty": "5"}]}


@example(SO + "stocktake_services.import_count_sheet", SO + "stocktake_services.check_count_sheet")
def _(env):
    from erp_core.stockops.queries import stocktake_detail

    sid = _stocktake(env)
    d = env.call(stocktake_detail, stocktake_id=sid)
    data = f"行号,商品编码,实盘数量\n1,{d.lines[0]['product_code']},5\n".encode()
    return {"stocktake_id": sid, "data": data, "filename": "count.csv"}


@example(SO + "stocktake_services.cancel_stocktake")
def _(env):
    return {"stocktake_id": _stocktake(env)}


@example(SO + "stocktake_services.post_stocktake")
def _(env):
    return {"stocktake_id": _stocktake(env, count=True)}


@example(SO + "stocktake_services.reverse_stocktake", SO + "stocktake_services.create_writeoff")
def _(env):
    return {"stocktake_id": _stocktake(env, post=True)}


@example(SO + "stocktake_services.post_writeoff", SO + "stocktake_services.cancel_writeoff")
def _(env):
    return {"writeoff_id": env.call(T.create_writeoff, stocktake_id=_stocktake(env, post=True))}


@example(SO + "stocktake_services.resubmit_writeoff")
def _(env):
    return {"writeoff_id": env.call(T.create_writeoff, stocktake_id=_stocktake(env, post=True))}


@example(SO + "stocktake_services.reverse_writeoff")
def _(env):
    wid = env.call(T.create_writeoff, stocktake_id=_stocktake(env, post=True))
    env.call(T.post_writeoff, writeoff_id=wid)
    return {"writeoff_id": wid}


@example(SO + "queries.list_stock_documents", SO + "queries.export_stock_documents")
def _(env):
    return {"doc_type": "other_receipt"}


@example(SO + "queries.stock_document")
def _(env):
    return {"doc_type": "other_receipt", "doc_id": _receipt(env)}


@example(SO + "queries.stocktake_detail", SO + "queries.export_count_sheet")
def _(env):
    return {"stocktake_id": _stocktake(env)}


@example(SO + "queries.stock_form_choices")
def _(env):
    return {}


@example(SO + "report_queries.stock_movement_summary")
def _(env):
    return {"date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}


@example(SO + "report_queries.product_ledger")
def _(env):
    return {"product_id": _stock(env)["pid"], "date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}


@example(SO + "report_queries.low_stock", SO + "report_queries.reorder_suggestions")
def _(env):
    return {}


@example(SO + "report_queries.export_stock_report")
def _(env):
    return {"report": "stock_movement", "date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}


def _transfer_table(env):
    from erp_core.io.importer import Table

    s = _stock(env)
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse

    with env.db.uow(readonly=True) as uow:
        wh = uow.session.get(Warehouse, s["wid"]).code
        wh2 = uow.session.get(Warehouse, s["wid2"]).code
        prod = uow.session.get(Product, s["pid"]).code
    number = env.unique("IMP")
    return Table(["number", "date", "from_warehouse", "to_warehouse", "product", "quantity"],
                 [[number, "2026-03-10", wh, wh2, prod, "1"]], "t.csv"), (number, wh, prod)


@example(SO + "import_services.check_stock_transfers", SO + "import_services.import_stock_transfers")
def _(env):
    table, _ = _transfer_table(env)
    return {"table": table}


@example(SO + "import_services.check_stocktakes", SO + "import_services.import_stocktakes")
def _(env):
    from erp_core.io.importer import Table

    _, (number, wh, prod) = _transfer_table(env)
    return {"table": Table(["number", "date", "warehouse", "product", "counted"],
                           [[number, "2026-03-10", wh, prod, "1"]], "s.csv")}


@example(SO + "queries.inventory_setting")
def _(env):
    return {}
