"""Inventory in the navigation: stock on hand, the stock ledger (库存台账), the inventory documents (其他入库/出库,
调拨), stocktakes (盘点), the stock reports and the inventory settings."""

from ui.nav import PageSpec

G = "nav.group.inventory"

PAGES = [
    PageSpec(file="pages/inventory/stock_on_hand.py", title="nav.inventory.stock_on_hand", group=G,
             any_of=("inventory.stock.view",), icon=":material/warehouse:", order=10),
    PageSpec(file="pages/inventory/stock_moves.py", title="nav.inventory.stock_moves", group=G,
             any_of=("inventory.stock.view",), icon=":material/list_alt:", order=20),
    PageSpec(file="pages/inventory/stock_documents.py", title="nav.inventory.stock_documents", group=G,
             any_of=("inventory.document.view",), icon=":material/receipt_long:", order=30),
    PageSpec(file="pages/inventory/stocktakes.py", title="nav.inventory.stocktakes", group=G,
             any_of=("inventory.document.view",), icon=":material/fact_check:", order=40),
    PageSpec(file="pages/inventory/stock_reports.py", title="nav.inventory.stock_reports", group=G,
             any_of=("inventory.report.view",), icon=":material/summarize:", order=50),
    PageSpec(file="pages/inventory/inventory_settings.py", title="nav.inventory.settings", group=G,
             any_of=("inventory.setting.edit",), icon=":material/tune:", order=60),
]
