"""Approvals in the navigation: 我的待办 next to the home page, the rules with the settings."""

from ui.nav import PageSpec

PAGES = [
    PageSpec(file="pages/approvals/inbox.py", title="nav.approvals.inbox", group="nav.group.home",
             any_of=("approvals.inbox.view",), icon=":material/approval:", order=50, url_path="approvals_inbox"),
    PageSpec(file="pages/approvals/rules.py", title="nav.approvals.rules", group="nav.group.settings",
             any_of=("approvals.rule.view",), icon=":material/rule:", order=90, url_path="approvals_rules"),
]
