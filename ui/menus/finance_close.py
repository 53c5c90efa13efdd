"""Finance pages of the close / budget / bank-reconciliation work: period close, budgets, bank reconciliation."""

from ui.nav import PageSpec

G = "nav.group.finance"

PAGES = [
    PageSpec(file="pages/finance/period_close.py", title="nav.finance_close.period_close", group=G,
             any_of=("finance.period.close", "finance.period.reopen"), icon=":material/event_available:",
             order=60, url_path="period_close"),
    PageSpec(file="pages/finance/budgets.py", title="nav.finance_close.budgets", group=G,
             any_of=("finance.budget.view",), icon=":material/savings:", order=70, url_path="budgets"),
    PageSpec(file="pages/finance/bank_reconciliation.py", title="nav.finance_close.bankrec", group=G,
             any_of=("finance.bankrec.view",), icon=":material/account_balance:", order=80,
             url_path="bank_reconciliation"),
]
