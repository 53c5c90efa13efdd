"""Reading the stock ledger for the costing engine: moves as engine.Mv with their effective amounts (own amount
+ the corrections written for them), the correction moves flagged, red copies of documents flagged as fixed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from erp_core.costing.engine import Mv
from erp_core.costing.models import CostCorrection
from erp_core.inventory.models import StockMove

Key = tuple[int, int]  # (product_id, warehouse_id)


def _red_copies(session: Any, refs: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The (document type, id) among ``refs`` that are red copies (reverses_id set): their moves are fixed."""
    from erp_core.documents.registry import document_type
    from erp_core.kernel.errors import NotFound

    by_type: dict[str, set[int]] = defaultdict(set)
    for t, i in refs:
        by_type[t].add(i)
    out: set[tuple[str, int]] = set()
    for code, ids in by_type.items():
        try:
            header = document_type(code).header
        except (NotFound, ImportError, AttributeError):
            continue
        for i in session.execute(select(header.id).where(header.id.in_(sorted(ids)),
                                                         header.reverses_id.is_not(None))).scalars():
            out.add((code, i))
    return out


def load_moves(session: Any, company_id: int, keys: Iterable[Key] | None = None, *,
               product_ids: Iterable[int] | None = None, upto: dt.date | None = None) -> dict[Key, list[Mv]]:
    """The moves of these (product, warehouse) pairs (or of these products in every warehouse), dated ``upto``
    or earlier, in ledger order, as engine moves."""
    keys = set(keys or ())
    products = set(product_ids or ()) | {p for p, _ in keys}
    cond = [StockMove.company_id == company_id]
    if products:
        cond.append(StockMove.product_id.in_(sorted(products)))
    if upto is not None:
        cond.append(StockMove.move_date <= upto)
    rows = session.execute(select(StockMove.id, StockMove.move_seq, StockMove.move_date, StockMove.move_type,
                                  StockMove.quantity, StockMove.unit_cost, StockMove.amount, StockMove.product_id,
                                  StockMove.warehouse_id, StockMove.source_type, StockMove.source_id,
                                  StockMove.posting_key, StockMove.posting_id)
                           .where(*cond).order_by(StockMove.move_date, StockMove.move_seq)).all()
    corr_cond = [CostCorrection.company_id == company_id]
    if upto is not None:
        corr_cond.append(CostCorrection.move_date <= upto)
    targets: dict[int, Decimal] = defaultdict(Decimal)
    revaluations: set[int] = set()
    corr_stmt = select(CostCorrection.target_move_id, CostCorrection.revaluation_move_id, CostCorrection.amount)
    if products:
        corr_stmt = corr_stmt.join(StockMove, and_(StockMove.id == CostCorrection.revaluation_move_id)).where(
            StockMove.product_id.in_(sorted(products)))
    for target, reval, amount in session.execute(corr_stmt.where(*corr_cond)):
        targets[target] += amount
        revaluations.add(reval)
    refs = {(r.source_type, r.source_id) for r in rows
            if r.source_type and r.source_id is not None and r.move_type != "revaluation"}
    red = _red_copies(session, refs) if refs else set()
    out: dict[Key, list[Mv]] = defaultdict(list)
    for r in rows:
        key = (r.product_id, r.warehouse_id)
        if keys and key not in keys and not product_ids:
            continue
        out[key].append(Mv(r.id, r.move_seq, r.move_date, r.move_type, Decimal(r.quantity), Decimal(r.unit_cost),
                           Decimal(r.amount) + targets.get(r.id, Decimal(0)),
                           fixed=(r.source_type, r.source_id) in red, correction=r.id in revaluations,
                           ref=(r.posting_key, r.posting_id, r.source_type, r.source_id)))
    return dict(out)


def methods_of(session: Any, product_ids: Iterable[int]) -> dict[int, str]:
    from erp_core.masterdata.models_items import Product

    ids = sorted(set(product_ids))
    if not ids:
        return {}
    return dict(session.execute(select(Product.id, Product.costing_method).where(Product.id.in_(ids))).all())


def fingerprint(session: Any, company_id: int, upto: dt.date) -> tuple[int, int]:
    """(last move_seq, number of moves) of the company's moves dated ``upto`` or earlier."""
    # two statements that each stay in one index: the newest move dated ``upto`` or earlier walking move_seq
    # down from the top (moves dated later are few), the count over the date index alone (one max + count in
    # one statement read every such row of the table)
    cond = [StockMove.company_id == company_id, StockMove.move_date <= upto]
    last = session.execute(select(StockMove.move_seq).where(*cond).order_by(StockMove.move_seq.desc())
                           .limit(1)).scalar()
    n = session.execute(select(func.count()).select_from(StockMove).where(*cond)).scalar()
    return int(last or 0), int(n or 0)


def stock_as_of(session: Any, company_id: int, on: dt.date, *, warehouse_id: int | None = None
                ) -> list[tuple[int, int, Decimal, Decimal]]:
    """(product, warehouse, quantity, value) on hand after every move dated ``on`` or earlier (one aggregate
    over the stock ledger; corrections included), rows with nothing left omitted."""
    cond = [StockMove.company_id == company_id, StockMove.move_date <= on]
    if warehouse_id is not None:
        cond.append(StockMove.warehouse_id == warehouse_id)
    q, a = func.sum(StockMove.quantity), func.sum(StockMove.amount)
    rows = session.execute(select(StockMove.product_id, StockMove.warehouse_id, q, a).where(*cond)
                           .group_by(StockMove.product_id, StockMove.warehouse_id)
                           .order_by(StockMove.product_id, StockMove.warehouse_id)).all()
    return [(p, w, Decimal(qq), Decimal(aa)) for p, w, qq, aa in rows if qq or aa]
