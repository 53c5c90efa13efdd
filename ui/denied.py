"""A localized page at the address of every page the reader may not open (issue 11 item 17).

Streamlit answers an address that is not in the navigation with its own English "Page not found" dialog and
runs the default page. app.py registers, next to the pages the actor may open, a hidden page at the address of
every other page of the app: it says in the reader's language that the page needs a permission and links home.
Only for a signed-in reader: registered in the signed-out navigation (as the sign-in form), the hidden pages made
the form's first refusal vanish in the browser. Hiding is a convenience only: the page behind it is never run
(DESIGN.md rule 2)."""

from __future__ import annotations

import functools

import streamlit as st

from ui.i18n import tr
from ui.nav import PageSpec, all_pages, kept_page
from ui.pages import HOME, page_exists, page_url_path
from ui.safe import md


def _explain(spec: PageSpec) -> None:
    st.title(tr("ui.denied.title"))
    st.info(md("ui.denied.body", page=tr(spec.title)), icon=":material/lock:")
    st.page_link(HOME.file, label=tr("ui.denied.home"), icon=HOME.icon)


def denied_pages(registered: set[str]) -> list[st.Page]:
    """Hidden pages at the URL path of every app page whose path is not in ``registered``."""
    pages = []
    seen = set(registered)
    for spec in sorted(all_pages(), key=lambda s: s.file):
        path = page_url_path(spec)
        if path in seen or not page_exists(spec):
            continue
        seen.add(path)
        pages.append(kept_page(functools.partial(_explain, spec), title=tr(spec.title), url_path=path,
                               visibility="hidden"))
    return pages
