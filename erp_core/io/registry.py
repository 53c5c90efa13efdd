"""The importable kinds, registered once where their use cases live; the import page, `erp import` and
`erp export` all read them from here (issue #4), so a new kind needs no edit of the page or the CLI.

    register(ImportKind(name="opening-stock", label="inventory.import.opening_stock",
                        permission="inventory.opening_stock.import", dry_run=dry_run_opening_stock,
                        commit=import_opening_stock, template=opening_stock_template,
                        params=(DATE_PARAM,), order=120))

``dry_run`` and ``commit`` are the kind's @query / @use_case: ``fn(db, actor, table, progress=None, **params)``
returning an ImportReport (commit raises ImportFailed / DuplicatesNotConfirmed). ``template`` is called
``template(db, actor, fmt=..., locale=...)`` and returns a SheetFile (a @query, or a plain function taking db and
actor). ``params`` are the extra keyword parameters the kind needs (the page shows a widget for each, the CLI an
option: a "date" parameter is ``--date YYYY-MM-DD``, a "period" one ``--period YYYY-MM``). Registering happens when the module is imported;
:func:`import_kinds` loads every use-case module first (security.catalog.load_all), so a kind registered in any
``*_services`` module is found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImportParam:
    name: str  # keyword argument of dry_run / commit
    label: str  # catalog key of the field
    # "date"; "flag" (a yes/no switch: a checkbox on the page, the option on the CLI); "period" (a month,
    # YYYY-MM: a text field on the page, the option on the CLI; the kind itself checks it)
    type: str = "date"
    option: str = "--date"  # the CLI option


DATE_PARAM = ImportParam("opening_date", "field.ledgerimport.opening_date")
POST_PARAM = ImportParam("post", "field.import.post", type="flag", option="--post")  # documents: confirm / post
PERIOD_PARAM = ImportParam("period", "field.hr.period", type="period", option="--period")  # payroll month


@dataclass(frozen=True)
class ImportKind:
    name: str  # the CLI / page name: "customers", "opening-balances", "locations"
    label: str  # catalog key naming the kind on the import page
    permission: str  # the import permission (the page offers the kind only to holders)
    dry_run: Callable[..., Any]
    commit: Callable[..., Any]
    template: Callable[..., Any]
    params: tuple[ImportParam, ...] = ()
    confirms_duplicates: bool = False  # commit takes confirm_duplicates (customers / suppliers)
    export: Callable[..., Any] | None = None  # @query (db, actor, fmt=, locale=) -> SheetFile
    export_permission: str | None = None
    order: int = 100  # position in lists (page select box, CLI help)
    # Also imported under another kind's name when its headers say so (`erp import opening-balances` takes a
    # stock-on-hand file too: the issue counts stock among the opening balances): (that name, header test).
    also_under: tuple[str, Callable[[list[str]], bool]] | None = None


@dataclass(frozen=True)
class ExportKind:
    """A list that `erp export` writes but nothing imports (e.g. "stock-on-hand"): ``export`` is a @query
    ``(db, actor, fmt=, locale=)`` returning a SheetFile."""

    name: str
    export: Callable[..., Any]
    permission: str
    order: int = 100


_REGISTRY: dict[str, ImportKind] = {}
_EXPORT_ONLY: dict[str, ExportKind] = {}
_LOADED = False


def register(kind: ImportKind) -> ImportKind:
    """Add (or replace, on a module reload) an importable kind."""
    _REGISTRY[kind.name] = kind
    return kind


def import_kinds() -> dict[str, ImportKind]:
    """Every registered kind, in display order (loads every use-case module once so all are registered)."""
    global _LOADED
    if not _LOADED:
        from erp_core.security.catalog import load_all

        load_all()
        _LOADED = True
    return dict(sorted(_REGISTRY.items(), key=lambda item: (item[1].order, item[0])))


def kind_for_file(name: str, headers: list[str]) -> ImportKind:
    """The kind that imports a file given as ``name``: ``name`` itself, unless another kind registered
    ``also_under`` that name recognises the file by its headers."""
    for kind in import_kinds().values():
        if kind.also_under is not None and kind.also_under[0] == name and kind.also_under[1](headers):
            return kind
    return import_kind(name)


def import_kind(name: str) -> ImportKind:
    from erp_core.kernel.errors import DomainError

    try:
        return import_kinds()[name]
    except KeyError:
        raise DomainError("error.import.unknown_kind", kind=name) from None


def register_export(kind: ExportKind) -> ExportKind:
    """Add (or replace) a list that can only be exported."""
    _EXPORT_ONLY[kind.name] = kind
    return kind


def export_kinds() -> dict[str, ImportKind | ExportKind]:
    """The kinds that can be exported: the importable ones with an export, then the export-only lists."""
    both = {name: k for name, k in import_kinds().items() if k.export is not None}
    return {**both, **dict(sorted(_EXPORT_ONLY.items(), key=lambda item: (item[1].order, item[0])))}
