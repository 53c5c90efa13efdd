"""补货建议 -> 采购订单: the reorder suggestions (stockops.report_queries.reorder_suggestions) the user selected
become draft purchase orders, one per supplier (the supplier chosen on the form, else the product's latest
supplier), through the same path as the requisitions (requisitions.services.orders_for_lines)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from erp_core.kernel.errors import Conflict, ValidationError, raise_if
from erp_core.usecase import Context, use_case

F_SUPPLIER = "field.purchasing.supplier"
F_WAREHOUSE = "field.purchasing.warehouse"
F_PRODUCT = "field.purchasing.product"


@use_case("purchasing.order.from_reorder", zh="补货建议生成采购订单", en="Create purchase orders from reorder suggestions")
def order_from_suggestions(ctx: Context, *, product_ids: Sequence[int], warehouse_id: int, doc_date: dt.date,
                           quantities: Mapping[int, Any] | None = None,
                           suppliers: Mapping[int, int] | None = None) -> list[int]:
    """Draft purchase orders for the selected suggestions (products still at or below their reorder point):
    quantity = the one typed on the form (``quantities``: product id -> quantity) else the suggested quantity,
    price = the suggestion's estimate (last inbound cost), into ``warehouse_id``; one order per supplier.
    A product no longer low, or without a supplier, is refused naming it. Returns the new orders' ids."""
    from erp_core.masterdata.models_items import Product
    from erp_core.purchasing.requisitions.services import _supplier_ok, last_supplier, orders_for_lines
    from erp_core.purchasing.services import _date, _warehouse_ok
    from erp_core.stockops.report_queries import _suggestions, purchase_order_lines

    day = _date(doc_date)
    if not _warehouse_ok(ctx, warehouse_id):
        raise ValidationError("error.purchasing.warehouse_unknown", field=F_WAREHOUSE)
    ids = list(dict.fromkeys(product_ids or []))
    if not ids:
        raise ValidationError("error.required", field=F_PRODUCT)
    typed = {int(a): b for a, b in (quantities or {}).items()}
    chosen = {int(a): b for a, b in (suppliers or {}).items()}
    low = {r["product_id"]: r for r in _suggestions(ctx, search="")}
    problems: list[ValidationError] = []
    wanted = []
    for i, pid in enumerate(ids, start=1):
        product = ctx.session.get(Product, pid) if isinstance(pid, int) else None
        code = product.code if product is not None else str(pid)
        if pid not in low:
            problems.append(ValidationError("error.pur2.reorder_not_low", field=F_PRODUCT, line=i, code=code))
            continue
        row = dict(low[pid])
        if pid in typed and typed[pid] not in (None, ""):
            row["suggested_qty"] = Decimal(str(typed[pid]))
        sid = chosen.get(pid) or last_supplier(ctx.session, product.company_id, pid)
        if sid is None or not _supplier_ok(ctx, sid):
            problems.append(ValidationError("error.pur2.reorder_no_supplier", field=F_SUPPLIER, line=i, code=code))
            continue
        for line in purchase_order_lines([row]):
            wanted.append({"supplier_id": sid, "product_id": pid, "quantity": line["ordered_qty"],
                           "unit_price": line["unit_price"], "warehouse_id": warehouse_id, "remarks": "补货建议"})
    raise_if(problems)
    if not wanted:
        raise Conflict("error.pur2.reorder_nothing")
    made = orders_for_lines(ctx, wanted, doc_date=day, remarks="补货建议")
    ctx.audit("purchase_order", [o for o, _ in made], products=ids)
    return [o for o, _ in made]

