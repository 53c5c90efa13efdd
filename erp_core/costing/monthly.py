"""The month-end weighted average of a period in bulk (the costing run's path for monthly_average products):
the value and quantity before the period and the period's inbound value come from SQL aggregates; only the
period's outbound moves are read one by one, as scaled integers, and valued with integer arithmetic (the same
ROUND_HALF_UP to the fen as engine.monthly_average, which the tests compare it with). Returns the corrections,
one per product, warehouse and expense account (a transfer_out on its own, so its transfer_in follows).
Measured: bench/bench_costing.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from erp_core.costing.engine import Mv, unit_of
from erp_core.costing.loader import Key, _red_copies
from erp_core.costing.models import CostCorrection
from erp_core.inventory.models import INBOUND, StockMove
from erp_core.masterdata.models_items import Product

MONEY = 10 ** 2  # fen
QTY = 10 ** 6  # millionths


def _i(col):
    return type_coerce(col, BigInteger)


def _fen(q_micro: int, unit_micro: int) -> int:
    """round_half_up(q x unit) in fen, from millionths x millionths."""
    p = q_micro * unit_micro
    f = (abs(p) + 5 * 10 ** 9) // 10 ** 10
    return -f if p < 0 else f


def _raw_rows(conn, stmt) -> list[tuple]:
    """The rows of ``stmt`` as plain tuples from the DBAPI cursor of ``conn`` (same transaction). Only for
    statements whose columns need no result processing (integers, plain strings)."""
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    processors = compiled._bind_processors
    params = {k: (processors[k](v) if k in processors else v) for k, v in params.items()}
    if compiled.positional:
        params = tuple(params[k] for k in compiled.positiontup)
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(str(compiled), params)
        return cur.fetchall()
    finally:
        cur.close()


def monthly_fixes(ctx: Any, company_id: int, start: dt.date, end: dt.date, keys: set[Key] | None = None) -> list:
    """The corrections (recompute._Fix) of the period's outbound moves of monthly_average products (of ``keys``
    when given): one per product, warehouse and expense account (with its dimensions) on the group's last move,
    carrying the sum of the differences; a transfer_out on its own (its transfer_in follows it)."""
    from types import SimpleNamespace

    from erp_core.costing.recompute import _expense, _Fix, _voucher_lines
    from erp_core.documents.accounts import account_for

    s = ctx.session
    monthly = select(Product.id).where(Product.company_id == company_id,
                                       Product.costing_method == "monthly_average")
    base = [StockMove.company_id == company_id, StockMove.product_id.in_(monthly)]
    corrections = select(CostCorrection.revaluation_move_id).where(CostCorrection.company_id == company_id)
    q, a = func.sum(_i(StockMove.quantity)), func.sum(_i(StockMove.amount))
    before = {(p, w): (int(qq or 0), int(aa or 0)) for p, w, qq, aa in s.execute(
        select(StockMove.product_id, StockMove.warehouse_id, q, a).where(*base, StockMove.move_date < start)
        .group_by(StockMove.product_id, StockMove.warehouse_id))}
    inbound = {(p, w): (int(qq or 0), int(aa or 0)) for p, w, qq, aa in s.execute(
        select(StockMove.product_id, StockMove.warehouse_id, q, a).where(
            *base, StockMove.move_date >= start, StockMove.move_date <= end, StockMove.quantity >= 0,
            StockMove.id.not_in(corrections))
        .group_by(StockMove.product_id, StockMove.warehouse_id))}
    # corrections of the period's inbound moves (a transfer_in follows its corrected transfer_out): their
    # revaluation moves are left out above with the others, so the received value is added back here; without
    # it the receiving warehouse's average missed the sending warehouse's correction
    for p, w, x in s.execute(
            select(StockMove.product_id, StockMove.warehouse_id, func.sum(_i(CostCorrection.amount)))
            .join(CostCorrection, CostCorrection.target_move_id == StockMove.id)
            .where(*base, CostCorrection.company_id == company_id, StockMove.move_date >= start,
                   StockMove.move_date <= end, StockMove.quantity >= 0)
            .group_by(StockMove.product_id, StockMove.warehouse_id)):
        qq, aa = inbound.get((p, w), (0, 0))
        inbound[(p, w)] = (qq, aa + int(x or 0))
    effective = {t: int(x or 0) for t, x in s.execute(
        select(CostCorrection.target_move_id, func.sum(_i(CostCorrection.amount)))
        .join(StockMove, StockMove.id == CostCorrection.target_move_id)
        .where(CostCorrection.company_id == company_id, StockMove.company_id == company_id,
               StockMove.move_date >= start, StockMove.move_date <= end)
        .group_by(CostCorrection.target_move_id))}
    # the period's outbound moves in ledger order, read ONCE as plain tuples through the driver's cursor (no
    # Row objects for hundreds of thousands of moves): (id, product, warehouse, quantity, amount, key, type,
    # source type, source id). Transfers and the postings' sources are taken from the same rows.
    period_out = [*base, StockMove.move_date >= start, StockMove.move_date <= end, StockMove.quantity < 0,
                  StockMove.move_type != "revaluation"]
    rows = _raw_rows(s.connection(), select(
        StockMove.id, StockMove.product_id, StockMove.warehouse_id, _i(StockMove.quantity), _i(StockMove.amount),
        StockMove.posting_key, StockMove.move_type, StockMove.source_type, StockMove.source_id).where(*period_out)
        .order_by(StockMove.move_date, StockMove.move_seq))
    transfers = {r[0] for r in rows if r[6] == "transfer_out"}
    sources = sorted({(r[5], r[7], r[8]) for r in rows}, key=lambda x: (x[0], x[1] or "", x[2] or 0))
    red = _red_copies(s, {(t, i) for _, t, i in sources if t and i is not None})
    red_keys = {k for k, t, i in sources if (t, i) in red}
    outs: dict[Key, list] = defaultdict(list)
    for r in rows:
        key = (r[1], r[2])
        if keys is not None and key not in keys:
            continue
        amount = int(r[4]) + effective.get(r[0], 0)
        if red_keys and r[5] in red_keys:  # a red copy keeps its value: it is part of the base
            bq, ba = inbound.get(key, (0, 0))
            inbound[key] = (bq + int(r[3]), ba + amount)
            continue
        outs[key].append((r, amount))
    # the voucher of each posting (its expense line), read in bulk
    reps = [SimpleNamespace(posting_key=k, source_type=t, source_id=i, move=SimpleNamespace(date=start))
            for k, t, i in sources]
    lines = _voucher_lines(ctx, reps) if reps else {}
    cogs: dict = {}
    no_voucher: dict[Key, tuple] = {}
    groups: dict[tuple, list] = {}
    singles: list[tuple[Key, Any, int]] = []
    for key, lst in outs.items():
        q0, a0 = before.get(key, (0, 0))
        qi, ai = inbound.get(key, (0, 0))
        q_all, v_all = q0 + qi, a0 + ai
        if q_all > 0:
            unit = unit_of(Decimal(v_all).scaleb(-2), Decimal(q_all).scaleb(-6))
        else:
            unit = _last_inbound(ctx, company_id, key, end)
        unit_micro = int(unit.scaleb(6))
        fen_of: dict[int, int] = {}  # quantities repeat: each distinct one is rounded once
        expected = []
        for r, _ in lst:
            q = int(r[3])
            f = fen_of.get(q)
            if f is None:
                f = fen_of[q] = _fen(q, unit_micro)
            expected.append(f)
        if q_all + sum(int(r[3]) for r, _ in lst) == 0:
            expected[-1] = -(v_all + sum(expected[:-1]))
        stock = account_for(ctx, "stock", product_id=key[0], warehouse_id=key[1])
        probe = SimpleNamespace(key=key)
        group_of: dict[str, tuple] = {}  # posting key -> its group (the same expense line for every move)
        for (r, amount), exp in zip(lst, expected, strict=True):
            delta = exp - amount
            if r[0] in transfers:
                if delta:
                    singles.append((key, r, delta))
                continue
            found = lines.get(r[5])
            if found:
                g = group_of.get(r[5])
                if g is None:
                    counter, dims = _expense(ctx, found, probe, stock, cogs)
                    g = group_of[r[5]] = (key, counter, tuple(sorted(dims.items())))
            else:  # no voucher: 主营业务成本 (the common case of a bulk import)
                g = no_voucher.get(key)
                if g is None:
                    counter, _ = _expense(ctx, [], probe, stock, cogs)
                    g = no_voucher[key] = (key, counter, ())
            acc = groups.get(g)
            if acc is None:
                groups[g] = [delta, r]
            else:
                acc[0] += delta
                acc[1] = r
    chosen = [(g[0], r, d) for g, (d, r) in groups.items() if d] + singles
    if not chosen:
        return []
    info = {m.id: m for m in s.execute(select(StockMove).where(
        StockMove.id.in_(sorted({r[0] for _, r, _ in chosen})))).scalars()} if len(chosen) <= 5000 else None
    fixes = []
    for key, r, d in chosen:
        m = info[r[0]] if info is not None else s.get(StockMove, r[0])
        eff = m.amount + Decimal(effective.get(m.id, 0)).scaleb(-2)
        fixes.append(_Fix(key, Mv(m.id, m.move_seq, m.move_date, m.move_type, m.quantity, m.unit_cost, eff,
                                  ref=(m.posting_key, m.posting_id, m.source_type, m.source_id)),
                          Decimal(d).scaleb(-2)))
    return fixes


def _last_inbound(ctx: Any, company_id: int, key: Key, end: dt.date) -> Decimal:
    cost = ctx.session.execute(select(StockMove.unit_cost).where(
        StockMove.company_id == company_id, StockMove.product_id == key[0], StockMove.warehouse_id == key[1],
        StockMove.move_date <= end, StockMove.move_type.in_(INBOUND))
        .order_by(StockMove.move_date.desc(), StockMove.move_seq.desc()).limit(1)).scalar()
    return Decimal(cost or 0).quantize(Decimal("0.000001"))
