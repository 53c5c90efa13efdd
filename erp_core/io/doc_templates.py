"""Templates for the document imports (采购/销售/收款 数据初始化): a header row with the required columns marked *
and one example row, as XLSX or CSV. Purchasing, sales and billing describe their columns the same way
(``key -> (field message id, aliases, required)``), so one builder serves them all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from erp_core.i18n import t

Columns = dict[str, tuple[str, tuple[str, ...], bool]]


def document_template(name: str, columns: Mapping[str, tuple[str, tuple[str, ...], bool]],
                      example: Mapping[str, Any]) -> Callable[..., Any]:
    """The template function an ImportKind offers for ``name`` (reads no data)."""

    def template(db: Any = None, actor: Any = None, *, fmt: str = "xlsx", locale: str | None = None) -> Any:
        """Header row (required columns marked *) and one example row; reads no data."""
        from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
        from erp_core.io.tabular import SheetFile

        head = [t(f, locale) + ("*" if req else "") for f, _aliases, req in columns.values()]
        row = [example.get(k, "") for k in columns]
        base = name.replace("-", "_") + "_template"
        if fmt == "xlsx":
            return SheetFile(to_xlsx_bytes(head, [row], sheet=base), f"{base}.xlsx",
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 1)
        return SheetFile(to_csv_bytes(head, [row]), f"{base}.csv", "text/csv", 1)

    return template
