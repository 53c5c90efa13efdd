"""Sales in the navigation (销售): quotations, orders, deliveries, returns, price lists, customer terms and credit,
and the sales settings. (Invoices, receipts and receivables pages add their own entries to this group.)"""

from ui.nav import PageSpec

G = "nav.group.sales"

PAGES = [
    PageSpec(file="pages/sales/quotations.py", title="nav.sales.quotations", group=G,
             any_of=("sales.quotation.view",), icon=":material/request_quote:", order=10, url_path="sales_quotations"),
    PageSpec(file="pages/sales/orders.py", title="nav.sales.orders", group=G,
             any_of=("sales.order.view",), icon=":material/shopping_bag:", order=20, url_path="sales_orders"),
    PageSpec(file="pages/sales/deliveries.py", title="nav.sales.deliveries", group=G,
             any_of=("sales.delivery.view",), icon=":material/local_shipping:", order=30,
             url_path="sales_deliveries"),
    PageSpec(file="pages/sales/returns.py", title="nav.sales.returns", group=G,
             any_of=("sales.return.view",), icon=":material/assignment_return:", order=40, url_path="sales_returns"),
    PageSpec(file="pages/sales/price_lists.py", title="nav.sales.price_lists", group=G,
             any_of=("sales.price_list.view",), icon=":material/sell:", order=60, url_path="sales_price_lists"),
    PageSpec(file="pages/sales/customers.py", title="nav.sales.customers", group=G,
             any_of=("sales.terms.view",), icon=":material/credit_score:", order=70, url_path="sales_customer_terms"),
    PageSpec(file="pages/sales/settings.py", title="nav.sales.settings", group=G,
             any_of=("sales.setting.view",), icon=":material/tune:", order=90, url_path="sales_settings"),
]
