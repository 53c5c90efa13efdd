"""Financial reports in the navigation (engineer F2's pages)."""

from ui.nav import PageSpec

G = "nav.group.reports"
REPORT, LEDGER = "finance.report.view", "finance.ledger.view"

PAGES = [
    PageSpec(file="pages/reports/dashboard.py", title="nav.reports.dashboard", group=G, any_of=(REPORT,),
             icon=":material/monitoring:", order=10),
    PageSpec(file="pages/reports/trial_balance.py", title="nav.reports.trial_balance", group=G, any_of=(REPORT,),
             icon=":material/balance:", order=20),
    PageSpec(file="pages/reports/ledger.py", title="nav.reports.ledger", group=G, any_of=(LEDGER,),
             icon=":material/menu_book:", order=30),
    PageSpec(file="pages/reports/dimension_ledger.py", title="nav.reports.dimension_ledger", group=G,
             any_of=(REPORT,), icon=":material/groups:", order=40),
    PageSpec(file="pages/reports/balance_sheet.py", title="nav.reports.balance_sheet", group=G, any_of=(REPORT,),
             icon=":material/account_balance:", order=50),
    PageSpec(file="pages/reports/income_statement.py", title="nav.reports.income_statement", group=G,
             any_of=(REPORT,), icon=":material/trending_up:", order=60),
    PageSpec(file="pages/reports/aging.py", title="nav.reports.aging", group=G, any_of=(REPORT,),
             icon=":material/hourglass_bottom:", order=70),
]
