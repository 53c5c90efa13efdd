"""Access examples for the stock ledger: stock on hand, moves, the check against the ledger, the export and the
opening-stock import (erp_core/inventory)."""

import datetime as dt

from erp_core.io.importer import Table
from erp_core.masterdata import items_services, warehouse_services
from tests.access.examples import example

INV = "erp_core.inventory."


@example(INV + "queries.stock_on_hand", INV + "queries.stock_moves", INV + "queries.stock_vs_ledger",
         INV + "queries.stock_filter_choices",
         INV + "queries.export_stock_on_hand")
def _(env):
    return {}


@example(INV + "opening_services.dry_run_opening_stock", INV + "opening_services.import_opening_stock")
def _(env):
    wh, prod = env.unique("W"), env.unique("P")
    env.call(warehouse_services.create_warehouse, code=wh, name=wh)
    env.call(items_services.create_product, values={"code": prod, "name": prod})
    return {"table": Table(["仓库编码", "商品编码", "数量", "单价"], [[wh, prod, "2", "3.5"]], "opening_stock.csv"),
            "opening_date": dt.date(2026, 1, 1)}
