"""The page registry. Each module lists its pages in ui/menus/<module>.py as ``PAGES = [PageSpec(...)]``;
app.py builds st.navigation from the pages this actor may open, grouped by module. Hiding a page is a
convenience: every use case and query the page calls checks the permission again (DESIGN.md rule 2)."""

from __future__ import annotations

import copy
import functools
import importlib
import pkgutil
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from erp_core.kernel.actor import Actor


@dataclass(frozen=True)
class PageSpec:
    file: str  # path from the repository root, e.g. "pages/finance/vouchers.py"
    title: str  # catalog key of the page title, e.g. "nav.finance.vouchers"
    group: str  # catalog key of the navigation group, e.g. "nav.group.finance"
    any_of: tuple[str, ...]  # the page is listed when the actor holds at least one of these permissions
    icon: str | None = None  # e.g. ":material/receipt_long:"
    order: int = 100  # position inside its group
    url_path: str | None = None  # stable URL segment (defaults to the file name)

    def visible_to(self, actor: Actor) -> bool:
        return any(actor.may(p) for p in self.any_of)


GROUP_ORDER = ("nav.group.home", "nav.group.finance", "nav.group.sales", "nav.group.purchasing",
               "nav.group.inventory", "nav.group.hr", "nav.group.masterdata", "nav.group.reports", "nav.group.settings",
               "nav.group.admin")


def all_pages() -> list[PageSpec]:
    return list(_all_pages())


@functools.cache
def _all_pages() -> tuple[PageSpec, ...]:
    """Every page the program ships (the menus are program files: listed once per process, not on every rerun)."""
    import ui.menus

    pages: list[PageSpec] = []
    for info in pkgutil.iter_modules(ui.menus.__path__, "ui.menus."):
        pages.extend(importlib.import_module(info.name).PAGES)
    return tuple(pages)


# -- the navigation's st.Page objects, built once per process for each set of pages (issue #17 item 2.4) -------
# What a navigation is made of (the pages an actor may open, by group, their titles in one language, the landing
# page) is the same for everyone with the same permissions: building its ~45 st.Page objects (path checks, icon
# validation) cost a few ms of every session's first run. They are built once per such key and every browser
# session gets shallow copies of its own: st.navigation marks the page object it returns as callable for that
# run (Page._can_be_called), so two sessions must never share one object.
_TEMPLATES: dict[Hashable, Any] = {}


def kept_page(*args, **kwargs):
    """An st.Page whose script hash is computed once. Streamlit derives a page's hash from its URL path (fixed when
    the page is made) and st.navigation asks for it about five times per page per rerun: ~300 hashes per rerun for
    an administrator's ~60 pages, visible and hidden (issue #17). A shallow copy (shared_navigation) keeps it."""
    return _kept_page_class()(*args, **kwargs)


@functools.cache
def _kept_page_class():  # made on first use: this module is also imported where streamlit is not needed
    import streamlit as st
    from streamlit.util import calc_hash

    class KeptPage(st.Page):
        # A cached_property, not a property: once computed it is a plain attribute of the instance (and of its
        # shallow copies), read with no call at all by st.navigation's loops (~300 reads per rerun).
        @functools.cached_property
        def _script_hash(self) -> str:
            return calc_hash(self._url_path)

    return KeptPage
_TEMPLATES_LOCK = threading.Lock()


def shared_navigation(key: Hashable, build: Callable[[], tuple[dict[str, list], Any]]
                      ) -> tuple[dict[str, list], Any]:
    """(group title -> pages, the landing page among them or None), this caller's own copies of the navigation
    ``build()`` makes for ``key`` (built once per process per key; ``key`` must name everything it depends on)."""
    with _TEMPLATES_LOCK:
        template = _TEMPLATES.get(key)
    if template is None:
        template = build()
        with _TEMPLATES_LOCK:
            if len(_TEMPLATES) >= 256:  # many permission sets x languages x landing pages: start again
                _TEMPLATES.clear()
            _TEMPLATES[key] = template
    nav, landing = template
    mine: dict[str, list] = {}
    landing_copy = None
    for group, pages in nav.items():
        mine[group] = []
        for page in pages:
            mine[group].append(copy.copy(page))
            if page is landing:
                landing_copy = mine[group][-1]
    return mine, landing_copy


def forget_shared_navigation() -> None:
    with _TEMPLATES_LOCK:
        _TEMPLATES.clear()


def pages_for(actor: Actor) -> dict[str, list[PageSpec]]:
    """Group key -> the pages ``actor`` may open, in menu order (the same dict for the same Actor object: the
    shell asks on every rerun, and the session check hands back the very same Actor while nothing it is built
    from changed)."""
    kept = _PAGES_FOR.get(id(actor))
    if kept is not None and kept[0] is actor:
        return kept[1]
    groups = _pages_for(actor)
    with _TEMPLATES_LOCK:
        if len(_PAGES_FOR) >= 1024:
            _PAGES_FOR.clear()
        _PAGES_FOR[id(actor)] = (actor, groups)
    return groups


# id(Actor) -> (that Actor, its pages); the Actor is kept with its entry, so its id is not reused while there
_PAGES_FOR: dict[int, tuple[Actor, dict[str, list[PageSpec]]]] = {}


def _pages_for(actor: Actor) -> dict[str, list[PageSpec]]:
    groups: dict[str, list[PageSpec]] = {}
    for spec in sorted(all_pages(), key=lambda p: (p.order, p.file)):
        if spec.visible_to(actor):
            groups.setdefault(spec.group, []).append(spec)
    rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    return dict(sorted(groups.items(), key=lambda kv: rank.get(kv[0], len(rank))))
