"""Finance pages (总账): chart of accounts, voucher entry, voucher list, voucher print, periods."""

from ui.nav import PageSpec

G = "nav.group.finance"

PAGES = [
    PageSpec(file="pages/finance/voucher_entry.py", title="nav.finance.voucher_entry", group=G,
             any_of=("finance.voucher.create",), icon=":material/edit_note:", order=10, url_path="voucher_entry"),
    PageSpec(file="pages/finance/vouchers.py", title="nav.finance.vouchers", group=G,
             any_of=("finance.voucher.view",), icon=":material/receipt_long:", order=20, url_path="vouchers"),
    PageSpec(file="pages/finance/voucher_print.py", title="nav.finance.voucher_print", group=G,
             any_of=("finance.voucher.view",), icon=":material/print:", order=30, url_path="voucher_print"),
    PageSpec(file="pages/finance/accounts.py", title="nav.finance.accounts", group=G,
             any_of=("finance.account.view",), icon=":material/account_tree:", order=40, url_path="accounts"),
    PageSpec(file="pages/finance/periods.py", title="nav.finance.periods", group=G,
             any_of=("finance.period.view",), icon=":material/calendar_month:", order=50, url_path="periods"),
]
