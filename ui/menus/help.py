"""Help centre and feedback (帮助与反馈): every signed-in user reads the manual and sends feedback (they hold
account.profile.view and account.feedback.*); administrators triage feedback under 系统管理."""

from ui.nav import PageSpec

_G = "nav.group.help"

PAGES = [
    PageSpec(file="pages/help/center.py", title="nav.help.center", group=_G,
             any_of=("account.profile.view",), icon=":material/menu_book:", order=10, url_path="help"),
    PageSpec(file="pages/help/feedback.py", title="nav.help.feedback", group=_G,
             any_of=("account.feedback.submit",), icon=":material/rate_review:", order=20, url_path="feedback"),
    PageSpec(file="pages/admin/feedback.py", title="nav.admin.feedback", group="nav.group.admin",
             any_of=("admin.feedback.manage",), icon=":material/feedback:", order=97, url_path="admin_feedback"),
]
