"""Billing and receivables in the navigation (under 销售): sales invoices (销售发票), receipts (收款单), receivables
aging (应收账龄), overdue receivables (逾期应收), customer statement (客户对账单), sales analysis and the sales
dashboard."""

from ui.nav import PageSpec

G = "nav.group.sales"

PAGES = [
    PageSpec(file="pages/sales/invoices.py", title="nav.sales.invoices", group=G,
             any_of=("sales.invoice.view",), icon=":material/receipt:", order=50, url_path="sales_invoices"),
    PageSpec(file="pages/sales/receipts.py", title="nav.sales.receipts", group=G,
             any_of=("finance.receipt.view",), icon=":material/account_balance_wallet:", order=52,
             url_path="sales_receipts"),
    PageSpec(file="pages/sales/receivables_aging.py", title="nav.sales.receivables_aging", group=G,
             any_of=("finance.receivables.view",), icon=":material/hourglass_bottom:", order=54,
             url_path="receivables_aging"),
    PageSpec(file="pages/sales/overdue.py", title="nav.sales.overdue", group=G,
             any_of=("finance.receivables.view",), icon=":material/alarm:", order=55, url_path="receivables_overdue"),
    PageSpec(file="pages/sales/statement.py", title="nav.sales.statement", group=G,
             any_of=("finance.receivables.view",), icon=":material/receipt_long:", order=56,
             url_path="customer_statement"),
    PageSpec(file="pages/sales/analysis.py", title="nav.sales.analysis", group=G,
             any_of=("sales.analysis.view",), icon=":material/analytics:", order=80, url_path="sales_analysis"),
    PageSpec(file="pages/sales/dashboard.py", title="nav.sales.dashboard", group=G,
             any_of=("sales.analysis.view",), icon=":material/dashboard:", order=5, url_path="sales_dashboard"),
]
