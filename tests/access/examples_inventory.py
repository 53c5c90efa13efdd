"""Access examples for the stock ledger: stock on hand, moves, the check against the ledger, the export and the
opening-stock import (erp_core/inventory)."""

from tests.access.examples import example

INV = "erp_core.inventory."


@example(INV + "queries.stock_on_hand", INV + "queries.stock_moves", INV + "queries.stock_vs_ledger",
         INV + "queries.stock_filter_choices",
         INV + "queries.export_stock_on_hand")
def _(env):
    return {}
