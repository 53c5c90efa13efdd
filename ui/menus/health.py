"""System health and data quality (系统管理 → 系统日志 / 数据质量): administrators only (admin.* permissions come with
the administrator role); major changes (重大变更审批) for whoever approves or sets approval rules."""

from ui.nav import PageSpec

_G = "nav.group.admin"

PAGES = [
    PageSpec(file="pages/admin/health.py", title="nav.admin.health", group=_G,
             any_of=("admin.health.view",), icon=":material/monitor_heart:", order=90, url_path="admin_health"),
    PageSpec(file="pages/admin/data_quality.py", title="nav.admin.data_quality", group=_G,
             any_of=("admin.quality.view",), icon=":material/rule:", order=95, url_path="admin_data_quality"),
    PageSpec(file="pages/admin/major_changes.py", title="nav.admin.major_changes", group=_G,
             any_of=("approvals.request.decide", "approvals.rule.manage"), icon=":material/verified_user:", order=96,
             url_path="admin_major_changes"),
]
