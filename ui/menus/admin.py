"""Administration pages (系统管理): users, roles and grants, locked accounts, registrations, sessions, IP rules,
audit log and permission review. Each page is listed for actors holding one of its permissions; every use case
and query the page calls checks again."""

from ui.nav import PageSpec

_G = "nav.group.admin"

PAGES = [
    PageSpec(file="pages/admin/users.py", title="nav.admin.users", group=_G,
             any_of=("admin.user.view",), icon=":material/group:", order=10, url_path="admin_users"),
    PageSpec(file="pages/admin/roles.py", title="nav.admin.roles", group=_G,
             any_of=("admin.role.view",), icon=":material/admin_panel_settings:", order=20,
             url_path="admin_roles"),
    PageSpec(file="pages/admin/locked.py", title="nav.admin.locked", group=_G,
             any_of=("admin.user.unlock",), icon=":material/lock_open:", order=30, url_path="admin_locked"),
    PageSpec(file="pages/admin/registrations.py", title="nav.admin.registrations", group=_G,
             any_of=("admin.registration.view",), icon=":material/how_to_reg:", order=40,
             url_path="admin_registrations"),
    PageSpec(file="pages/admin/sessions.py", title="nav.admin.sessions", group=_G,
             any_of=("admin.session.view",), icon=":material/devices:", order=50, url_path="admin_sessions"),
    PageSpec(file="pages/admin/ip_rules.py", title="nav.admin.ip_rules", group=_G,
             any_of=("admin.ip_rule.view",), icon=":material/lan:", order=60, url_path="admin_ip_rules"),
    PageSpec(file="pages/admin/audit.py", title="nav.admin.audit", group=_G,
             any_of=("admin.audit.view",), icon=":material/history:", order=70, url_path="admin_audit"),
    PageSpec(file="pages/admin/review.py", title="nav.admin.review", group=_G,
             any_of=("admin.review.view",), icon=":material/fact_check:", order=80, url_path="admin_review"),
]
