"""The month-end weighted average of a period in bulk (the costing run's path for monthly_average products).

What is computed is exactly engine.monthly_average per product and warehouse (tests/costing/test_monthly_bulk.py
compares them), grouped as recompute.write_corrections groups it: one correction per product, warehouse and
expense account (with the dimensions of the issue's voucher line) on the group's last issue in ledger order,
carrying the sum of the differences; a transfer_out on its own (its transfer_in follows it).

How, so that a month of a million moves costs a few aggregates and not a Python loop over every move:

- the value and quantity before the period and the period's inbound value are SQL aggregates per product and
  warehouse (the corrections already written for inbound moves of the period are added: their effective value);
- the expense group of an issue depends on its posting only (its voucher's first debit line that is not the
  stock account, with that line's dimensions; no voucher: 主营业务成本 of the product), unless the voucher's debit
  lines name products or use a stock account: those postings are "per move". The period's postings are read once
  (distinct keys + their vouchers' debit lines as plain tuples), each gets a group number, and the numbers go to
  a temporary table (stock posting -> group) in the same transaction;
- the outbound moves are then aggregated in SQL per product, warehouse, group, date and quantity (count, sum of
  amounts, first and last move_seq): the month-end average values every move of one quantity alike, so each
  aggregate row is valued once (count x the rounded amount of one move: the same ROUND_HALF_UP to the fen, in
  exact Python integers — the products in SQL could overflow 64 bits on large lines);
- read one by one are only the moves that need it: transfer_outs, moves with corrections already written, and
  the moves of "per move" postings.
When the period ends with nothing on hand, the period's last outbound move takes the rest of the value (as the
engine does). Measured: bench/bench_costing.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
)

from erp_core.costing.engine import Mv, unit_of
from erp_core.costing.loader import Key, _red_copies
from erp_core.costing.models import CostCorrection
from erp_core.inventory.models import INBOUND, StockMove
from erp_core.masterdata.models_items import Product

MONEY = 10 ** 2  # fen
QTY = 10 ** 6  # millionths
NO_VOUCHER, PER_MOVE, RED = 0, -1, -2  # group numbers with a meaning; real groups are 1, 2, ...
CHUNK = 500
_DIM_COLS = ("department_id", "project_id", "customer_id", "supplier_id", "employee_id", "product_id")

# the posting -> expense group map of one run: a temporary table of the run's transaction (never in the schema)
_GROUPS = Table("tmp_costing_group", MetaData(), Column("posting_id", Integer, primary_key=True),
                Column("gid", Integer, nullable=False), prefixes=["TEMPORARY"])


def _i(col):
    return type_coerce(col, BigInteger)


def _fen(q_micro: int, unit_micro: int) -> int:
    """round_half_up(q x unit) in fen, from millionths x millionths."""
    p = q_micro * unit_micro
    f = (abs(p) + 5 * 10 ** 9) // 10 ** 10
    return -f if p < 0 else f


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _create_groups(conn) -> None:
    _drop_groups(conn)
    _GROUPS.create(conn)


def _drop_groups(conn) -> None:
    # MariaDB: a temporary table outlives a rollback, so one left by a failed run is dropped before and after
    kind = "TEMPORARY TABLE" if conn.dialect.name == "mysql" else "TABLE"
    conn.exec_driver_sql(f"DROP {kind} IF EXISTS tmp_costing_group")


def _stock_codes(ctx: Any, cid: int) -> set[str]:
    """Every account a stock value can sit on in this company (the default and every 科目设置 rule of the role):
    a voucher debiting one of them is resolved move by move."""
    from erp_core.costing.models import AccountRule
    from erp_core.documents.accounts import account_for

    return {account_for(ctx, "stock"), *ctx.session.execute(select(AccountRule.account_code).where(
        AccountRule.company_id == cid, AccountRule.role == "stock")).scalars()}


def _posting_debits(ctx: Any, cid: int, sources: list[tuple[str, str | None, int | None, int | None]]
                    ) -> dict[str, list[tuple[str, tuple]]]:
    """posting key -> the debit lines (account code, dimensions as a sorted tuple) of the voucher posted with
    that stock posting, in line order: the ledger posting of the same key, else the source document's
    voucher_id (as recompute._voucher_lines finds it). ``sources``: (posting key, source type, source id,
    voucher id of the ledger posting of that key or None)."""
    from erp_core.finance.models import Account, VoucherLine

    s = ctx.session
    voucher_of = {k: v for k, _, _, v in sources if v is not None}
    missing: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for k, t, i, v in sources:
        if v is None and t and i is not None:
            missing[t][i].append(k)
    for code, by_id in missing.items():
        try:
            from erp_core.documents.registry import document_type

            header = document_type(code).header
        except Exception:  # noqa: BLE001 - not a document type of this code base: no voucher to read
            continue
        for chunk in _chunks(sorted(by_id)):
            for i, v in s.execute(select(header.id, header.voucher_id).where(header.id.in_(chunk))):
                if v is not None:
                    for k in by_id[i]:
                        voucher_of.setdefault(k, v)
    lines: dict[int, list[tuple[str, tuple]]] = defaultdict(list)
    dims = [getattr(VoucherLine, d) for d in _DIM_COLS]
    for chunk in _chunks(sorted(set(voucher_of.values()))):
        for row in s.execute(select(VoucherLine.voucher_id, Account.code, *dims)
                             .join(Account, Account.id == VoucherLine.account_id)
                             .where(VoucherLine.voucher_id.in_(chunk), VoucherLine.debit > 0)
                             .order_by(VoucherLine.voucher_id, VoucherLine.line_no)):
            lines[row[0]].append((row[1], tuple((d, x) for d, x in zip(_DIM_COLS, row[2:], strict=True)
                                                if x is not None)))
    return {k: lines.get(v, []) for k, v in voucher_of.items()}


def monthly_fixes(ctx: Any, company_id: int, start: dt.date, end: dt.date, keys: set[Key] | None = None) -> list:
    """The corrections (recompute._Fix) of the period's outbound moves of monthly_average products (of ``keys``
    when given): one per product, warehouse and expense account (with its dimensions) on the group's last move,
    carrying the sum of the differences; a transfer_out on its own (its transfer_in follows it)."""
    from erp_core.costing.recompute import _expense, _Fix
    from erp_core.documents.accounts import account_for

    s = ctx.session
    cid = company_id
    monthly = select(Product.id).where(Product.company_id == cid, Product.costing_method == "monthly_average")
    monthly_ids = set(s.execute(monthly).scalars())
    if not monthly_ids:
        return []
    # the product filter only when the company has products of other methods too: without it the scans
    # follow the date index (faster); the rows of other products are left out below
    others = s.execute(select(Product.id).where(Product.company_id == cid,
                                                Product.costing_method != "monthly_average").limit(1)).first()
    base = [StockMove.company_id == cid, *([StockMove.product_id.in_(monthly)] if others else [])]
    if keys is not None and len({p for p, _ in keys}) <= CHUNK:  # a few pairs (the run's later rounds): theirs
        base.append(StockMove.product_id.in_(sorted({p for p, _ in keys})))
    in_period = [StockMove.move_date >= start, StockMove.move_date <= end]

    def mine(p: int, w: int) -> bool:
        return p in monthly_ids and (keys is None or (p, w) in keys)

    corrections = select(CostCorrection.revaluation_move_id).where(CostCorrection.company_id == cid)
    q, a = func.sum(_i(StockMove.quantity)), func.sum(_i(StockMove.amount))
    before = {(p, w): (int(qq or 0), int(aa or 0)) for p, w, qq, aa in s.execute(
        select(StockMove.product_id, StockMove.warehouse_id, q, a).where(*base, StockMove.move_date < start)
        .group_by(StockMove.product_id, StockMove.warehouse_id)) if p in monthly_ids}
    # the period's inbound moves (and revaluations that are not corrections: their value is in their targets)
    inbound = {(p, w): [int(qq or 0), int(aa or 0)] for p, w, qq, aa in s.execute(
        select(StockMove.product_id, StockMove.warehouse_id, q, a).where(
            *base, *in_period, StockMove.quantity >= 0, StockMove.id.not_in(corrections))
        .group_by(StockMove.product_id, StockMove.warehouse_id)) if p in monthly_ids}
    # corrections already written for moves of the period: an inbound target (a transfer_in) counts at its
    # effective value in the base of the average, an outbound one in its group
    effective: dict[int, int] = {}
    outbound_targets = []
    for t, p, w, qty, d, mtype, pid, x in s.execute(
            select(CostCorrection.target_move_id, StockMove.product_id, StockMove.warehouse_id,
                   _i(StockMove.quantity), StockMove.move_date, StockMove.move_type, StockMove.posting_id,
                   func.sum(_i(CostCorrection.amount)))
            .join(StockMove, StockMove.id == CostCorrection.target_move_id)
            .where(CostCorrection.company_id == cid, *base, *in_period)
            .group_by(CostCorrection.target_move_id, StockMove.product_id, StockMove.warehouse_id,
                      StockMove.quantity, StockMove.move_date, StockMove.move_type, StockMove.posting_id)):
        if p not in monthly_ids or not x:
            continue
        effective[t] = int(x)
        if int(qty) >= 0:
            inbound.setdefault((p, w), [0, 0])[1] += int(x)
        else:
            outbound_targets.append((t, p, w, int(qty), d, mtype, pid))
    period_out = [*base, *in_period, StockMove.quantity < 0]
    stock_codes = _stock_codes(ctx, cid)

    # the period's postings with outbound moves: red copies, vouchers, and the expense group of each
    from erp_core.ledger.models import Posting

    distinct = select(StockMove.posting_id, StockMove.posting_key, StockMove.source_type,
                      StockMove.source_id).where(*period_out).distinct().subquery()
    sources = [tuple(r) for r in s.execute(
        select(distinct.c.posting_id, distinct.c.posting_key, distinct.c.source_type, distinct.c.source_id,
               Posting.voucher_id)
        .outerjoin(Posting, and_(Posting.company_id == cid, Posting.posting_key == distinct.c.posting_key)))]
    refs = sorted({(t, i) for _, _, t, i, _ in sources if t and i is not None})
    red: set[tuple[str, int]] = set()
    for chunk in _chunks(refs):
        red |= _red_copies(s, set(chunk))
    debits = _posting_debits(ctx, cid, [r[1:] for r in sources])
    gid_of: dict[int, int] = {}  # stock posting id -> group number
    group_no: dict[tuple, int] = {}  # (expense account, dimensions) -> group number
    per_move: dict[str, list] = {}  # posting key -> its debit lines, for the postings valued move by move
    for pid, k, t, i, _ in sources:
        if (t, i) in red:
            gid_of[pid] = RED
            continue
        if gid_of.get(pid) == RED:
            continue
        lines = debits.get(k, [])
        if any(code in stock_codes or dict(dims).get("product_id") is not None for code, dims in lines):
            gid_of[pid] = PER_MOVE
            per_move[k] = [(SimpleNamespace(debit=1, **{d: dict(dims).get(d) for d in _DIM_COLS}), code)
                           for code, dims in lines]
        elif lines:
            gid_of[pid] = group_no.setdefault(lines[0], len(group_no) + 1)
        else:
            gid_of.setdefault(pid, NO_VOUCHER)
    group_info = {n: g for g, n in group_no.items()}

    conn = s.connection()
    _create_groups(conn)
    try:
        rows = [{"posting_id": k, "gid": g} for k, g in gid_of.items() if g != NO_VOUCHER]
        for chunk in _chunks(rows, 5000):
            conn.execute(_GROUPS.insert(), chunk)
        gid = func.coalesce(_GROUPS.c.gid, literal(NO_VOUCHER))
        joined = StockMove.__table__.outerjoin(_GROUPS, _GROUPS.c.posting_id == StockMove.posting_id)
        # the bulk: the outbound moves per product, warehouse, group, date, quantity and type
        agg = s.execute(
            select(StockMove.product_id, StockMove.warehouse_id, gid, StockMove.move_date, _i(StockMove.quantity),
                   StockMove.move_type, func.count(), a, func.min(StockMove.move_seq), func.max(StockMove.move_seq))
            .select_from(joined).where(*period_out)
            .group_by(text("1, 2, 3, 4, 5, 6"))).all()  # by position: the same on every backend
        # the moves valued on their own: transfer_outs (their transfer_in follows) and "per move" postings
        alone = [StockMove.move_type == "transfer_out", gid == PER_MOVE]
        single = s.execute(
            select(StockMove.id, StockMove.product_id, StockMove.warehouse_id, StockMove.move_date,
                   _i(StockMove.quantity), StockMove.move_type, _i(StockMove.amount), StockMove.move_seq,
                   StockMove.posting_key, gid)
            .select_from(joined).where(*period_out, or_(*alone))).all() if any(
                r[5] == "transfer_out" or r[2] == PER_MOVE for r in agg) else []
    except BaseException:
        if conn.dialect.name == "mysql":  # elsewhere the rollback takes the table away
            _drop_groups(conn)
        raise
    _drop_groups(conn)

    # per key: entries (date, first seq, last seq, count, quantity, amount, group, move id, type, posting key)
    outs: dict[Key, list[tuple]] = defaultdict(list)
    bulk: dict[tuple, list] = {}
    for p, w, g, d, qty, mtype, n, amt, lo, hi in agg:
        if not mine(p, w) or mtype == "transfer_out" or g == PER_MOVE:
            continue
        bulk[(p, w, g, d, int(qty), mtype)] = [d, int(lo), int(hi), int(n), int(qty), int(amt), g, None, mtype, ""]
    for t, p, w, qty, d, mtype, pid in outbound_targets:  # in a bulk row: its corrections join the row's sum
        row = bulk.get((p, w, gid_of.get(pid, NO_VOUCHER), d, qty, mtype))
        if row is not None:
            row[5] += effective[t]
    for mid, p, w, d, qty, mtype, amt, seq, pk, g in single:
        if not mine(p, w):
            continue
        if g == RED:  # a red copy keeps its value: it is part of the base
            acc = inbound.setdefault((p, w), [0, 0])
            acc[0] += int(qty)
            acc[1] += int(amt) + effective.get(mid, 0)
        else:
            outs[(p, w)].append((d, int(seq), int(seq), 1, int(qty), int(amt) + effective.get(mid, 0), g, mid,
                                 mtype, pk))
    for (p, w, g, *_), e in bulk.items():
        if g == RED:  # a red copy keeps its value: it is part of the base
            acc = inbound.setdefault((p, w), [0, 0])
            acc[0] += e[3] * e[4]
            acc[1] += e[5]
        else:
            outs[(p, w)].append(tuple(e))
    stock_of = {k: account_for(ctx, "stock", product_id=k[0], warehouse_id=k[1]) for k in sorted(outs)}

    cogs: dict = {}
    groups: dict[tuple, list] = {}  # (key, account, dims) -> [delta, its last entry], in order of appearance
    singles: list[tuple] = []
    for key in sorted(outs, key=lambda k: min((e[0], e[1]) for e in outs[k])):
        lst = sorted(outs[key], key=lambda e: (e[0], e[1]))
        q0, a0 = before.get(key, (0, 0))
        qi, ai = inbound.get(key, (0, 0))
        q_all, v_all = q0 + qi, a0 + ai
        if q_all > 0:
            unit = unit_of(Decimal(v_all).scaleb(-2), Decimal(q_all).scaleb(-6))
        else:
            unit = _last_inbound(ctx, cid, key, end)
        unit_micro = int(unit.scaleb(6))
        expected = [e[3] * _fen(e[4], unit_micro) for e in lst]
        if q_all + sum(e[3] * e[4] for e in lst) == 0:  # nothing left: the last move takes the rest
            last = max(range(len(lst)), key=lambda j: (lst[j][0], lst[j][2]))
            expected[last] += -(v_all + sum(expected))
        stock = stock_of[key]
        probe = SimpleNamespace(key=key)
        for e, exp in zip(lst, expected, strict=True):
            delta = exp - e[5]
            if e[8] == "transfer_out":
                if delta:
                    singles.append((key, e, delta))
                continue
            g = e[6]
            if g == PER_MOVE:
                counter, dims = _expense(ctx, per_move.get(e[9], []), probe, stock, cogs)
                grp = (key, counter, tuple(sorted(dims.items())))
            elif g == NO_VOUCHER:
                counter, _ = _expense(ctx, [], probe, stock, cogs)
                grp = (key, counter, ())
            else:
                code, dims = group_info[g]
                grp = (key, code, tuple(sorted(dims)))
            acc = groups.get(grp)
            if acc is None:
                groups[grp] = [delta, e]
            else:
                acc[0] += delta
                if (e[0], e[2]) > (acc[1][0], acc[1][2]):
                    acc[1] = e
    chosen = [(g[0], acc[1], acc[0]) for g, acc in groups.items() if acc[0]] + singles
    if not chosen:
        return []
    # the target of each correction: its last move (by move_seq: unique per company)
    seqs = sorted({e[2] for _, e, _ in chosen})
    info: dict[int, StockMove] = {}
    for chunk in _chunks(seqs):
        info.update({m.move_seq: m for m in s.execute(select(StockMove).where(
            StockMove.company_id == cid, StockMove.move_seq.in_(chunk))).scalars()})
    fixes = []
    for key, e, d in chosen:
        m = info[e[2]]
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
