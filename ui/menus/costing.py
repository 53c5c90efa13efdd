"""Costing in the navigation (under finance): 科目设置 and 成本计算."""

from ui.nav import PageSpec

G = "nav.group.finance"

PAGES = [
    PageSpec(file="pages/costing/account_rules.py", title="nav.costing.account_rules", group=G,
             any_of=("costing.account_rule.view",), icon=":material/rule:", order=45,
             url_path="account_rules"),
    PageSpec(file="pages/costing/costing_run.py", title="nav.costing.runs", group=G,
             any_of=("costing.run.view",), icon=":material/calculate:", order=55, url_path="costing_run"),
]
