"""The page registry. Each module lists its pages in ui/menus/<module>.py as ``PAGES = [PageSpec(...)]``;
app.py builds st.navigation from the pages this actor may open, grouped by module. Hiding a page is a
convenience: every use case and query the page calls checks the permission again (DESIGN.md rule 2)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

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
    import ui.menus

    pages: list[PageSpec] = []
    for info in pkgutil.iter_modules(ui.menus.__path__, "ui.menus."):
        pages.extend(importlib.import_module(info.name).PAGES)
    return pages


def pages_for(actor: Actor) -> dict[str, list[PageSpec]]:
    """Group key -> the pages ``actor`` may open, in menu order."""
    groups: dict[str, list[PageSpec]] = {}
    for spec in sorted(all_pages(), key=lambda p: (p.order, p.file)):
        if spec.visible_to(actor):
            groups.setdefault(spec.group, []).append(spec)
    rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    return dict(sorted(groups.items(), key=lambda kv: rank.get(kv[0], len(rank))))
