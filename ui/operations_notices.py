"""Notices of the operations module shown outside its own pages: the maintenance notice (every signed-in user,
while an upgrade runs) and the failed restore verification alert (administrators, on the home page)."""

from __future__ import annotations

import streamlit as st

from erp_core.operations import maintenance
from ui.context import database
from ui.i18n import tr
from ui.safe import md


def maintenance_notice() -> None:
    notice = maintenance.active(database())
    if notice and notice.get("reason", "upgrade") != "upgrade":  # switched on by hand (erp maintenance on)
        st.warning(md("ops3.ui.maintenance", reason=notice.get("reason", "-")), icon=":material/construction:")
    elif notice:
        st.warning(md("ops_ui.maintenance", frm=notice.get("from", "?"), to=notice.get("to", "?")),
                   icon=":material/construction:")


def admin_alerts(actor) -> None:
    """Administrators see a failed restore verification of the newest backup until one succeeds."""
    if not actor.may("admin.backup.view"):
        return
    from erp_core.operations.queries import backup_settings
    from ui.actions import run_action

    values = run_action(backup_settings)
    last = (values or {}).get("last_verification")
    if last and not last.get("ok"):
        st.error(md("ops_ui.alert.verification_failed", backup=last.get("backup") or "-",
                    problems="; ".join(last.get("problems", [])[:3])), icon=":material/error:")
        st.page_link("pages/admin/backups.py", label=tr("nav.ops.backups"), icon=":material/backup:")
