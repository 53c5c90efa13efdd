"""Inventory in the navigation: stock on hand and the stock ledger (库存台账)."""

from ui.nav import PageSpec

G = "nav.group.inventory"

PAGES = [
    PageSpec(file="pages/inventory/stock_on_hand.py", title="nav.inventory.stock_on_hand", group=G,
             any_of=("inventory.stock.view",), icon=":material/warehouse:", order=10),
    PageSpec(file="pages/inventory/stock_moves.py", title="nav.inventory.stock_moves", group=G,
             any_of=("inventory.stock.view",), icon=":material/list_alt:", order=20),
]
