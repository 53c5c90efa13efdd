"""Context help ("?" next to a page title): a small popover with the page's section of the help centre and a link
to the whole topic. Any page calls ``help_link("finance", "vouchers")`` right after its title.

The texts are the project's own manual (docs/help, erp_core/helpdesk/help.py), not user data."""

from __future__ import annotations

import streamlit as st

from erp_core.helpdesk.help import help_intro, help_section
from ui.context import locale
from ui.i18n import tr

HELP_PAGE = "pages/help/center.py"


def help_link(topic: str, section: str | None = None) -> None:
    """A "?" popover showing ``section`` of help ``topic`` (or nothing when the manual has no such section), with
    a link that opens the help centre on that topic."""
    # a section the reader's language does not have (the English documents number theirs s1, s2...): the intro
    text = (help_section(topic, section, locale()) if section else None) or help_intro(topic, locale())
    with st.popover("?", help=tr("help.context_tip")):
        if text:
            st.markdown(text)
        else:
            st.caption(tr("help.no_section"))
        try:
            st.page_link(HELP_PAGE, label=tr("help.open_centre"), icon=":material/menu_book:",
                         query_params={"topic": topic, **({"section": section} if section else {})})
        except Exception:  # noqa: BLE001 - the help centre is not in this navigation (e.g. a forced first-login step)
            pass
