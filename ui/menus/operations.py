"""Operations pages (运维, in the administration group): backups and restore (with the scheduled jobs and backup
settings) and upgrades. Listed for actors holding the pages' view permissions (administrators)."""

from ui.nav import PageSpec

_G = "nav.group.admin"

PAGES = [
    PageSpec(file="pages/admin/backups.py", title="nav.ops.backups", group=_G,
             any_of=("admin.backup.view",), icon=":material/backup:", order=90, url_path="admin_backups"),
    PageSpec(file="pages/admin/upgrades.py", title="nav.ops.upgrades", group=_G,
             any_of=("admin.upgrade.view",), icon=":material/upgrade:", order=100, url_path="admin_upgrades"),
]
