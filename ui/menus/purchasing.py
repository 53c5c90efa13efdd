"""Purchasing in the navigation: orders, receipts, invoices, returns, analysis and the purchasing settings."""

from ui.nav import PageSpec

G = "nav.group.purchasing"

PAGES = [
    PageSpec(file="pages/purchasing/orders.py", title="nav.purchasing.orders", group=G,
             any_of=("purchasing.order.view",), icon=":material/shopping_cart:", order=10,
             url_path="purchase_orders"),
    PageSpec(file="pages/purchasing/receipts.py", title="nav.purchasing.receipts", group=G,
             any_of=("purchasing.receipt.view",), icon=":material/inventory:", order=20,
             url_path="purchase_receipts"),
    PageSpec(file="pages/purchasing/invoices.py", title="nav.purchasing.invoices", group=G,
             any_of=("purchasing.invoice.view",), icon=":material/receipt:", order=30,
             url_path="purchase_invoices"),
    PageSpec(file="pages/purchasing/returns.py", title="nav.purchasing.returns", group=G,
             any_of=("purchasing.return.view",), icon=":material/assignment_return:", order=40,
             url_path="purchase_returns"),
    PageSpec(file="pages/purchasing/requisitions.py", title="nav.purchasing.requisitions", group=G,
             any_of=("purchasing.requisition.view",), icon=":material/request_quote:", order=5,
             url_path="purchase_requisitions"),
    PageSpec(file="pages/purchasing/analysis.py", title="nav.purchasing.analysis", group=G,
             any_of=("purchasing.analysis.view",), icon=":material/monitoring:", order=50,
             url_path="purchase_analysis"),
    PageSpec(file="pages/purchasing/dashboard.py", title="nav.purchasing.dashboard", group=G,
             any_of=("purchasing.analysis.view",), icon=":material/dashboard:", order=55,
             url_path="purchase_dashboard"),
    PageSpec(file="pages/purchasing/settings.py", title="nav.purchasing.settings", group=G,
             any_of=("purchasing.setting.view",), icon=":material/tune:", order=90,
             url_path="purchase_settings"),
]
