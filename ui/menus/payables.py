"""Payables in the navigation (under 采购): payments (付款单), prepayment applications and offsets (预付冲应付 /
红蓝对冲), payables aging by open items (应付账龄) and the supplier statement (供应商对账单)."""

from ui.nav import PageSpec

G = "nav.group.purchasing"

PAGES = [
    PageSpec(file="pages/payables/payments.py", title="nav.payables.payments", group=G,
             any_of=("finance.payment.view",), icon=":material/payments:", order=60),
    PageSpec(file="pages/payables/prepayments.py", title="nav.payables.prepayments", group=G,
             any_of=("finance.prepayment.view",), icon=":material/swap_horiz:", order=65),
    PageSpec(file="pages/payables/aging.py", title="nav.payables.aging", group=G,
             any_of=("finance.payables.view",), icon=":material/hourglass_bottom:", order=70),
    PageSpec(file="pages/payables/statement.py", title="nav.payables.statement", group=G,
             any_of=("finance.payables.view",), icon=":material/receipt_long:", order=75),
]
