"""Writing costing corrections (成本调整): the differences between what the stock ledger holds for outbound moves
and what the costing method gives, as 'revaluation' stock moves (quantity 0, the amount given) plus ONE voucher
per period touched, in the caller's transaction. Used by the month-end costing run (run_services) and by the
recomputation after a backdated stock posting (``after_stock_posting``, called by the document kernel).

For an issue (or a negative adjustment) whose amount changes by d (negative: more value leaves), the
revaluation move of d goes to its product and warehouse, and the voucher moves d between the stock account
(account_for "stock" of the product and warehouse) and the account the issue was expensed to: the debit line
of the issue's own voucher (found by the stock posting's key, which the kernel gives the voucher too, else the
document's voucher_id) that is not the stock account, preferring the line carrying the product, with that line's
dimensions (department, project, customer, supplier, employee); without a voucher, account_for "cogs".
A transfer_out that changes by d moves -d onto its transfer_in (same posting, same product): the receiving
warehouse's later issues are then recomputed too (a few rounds at most), and the voucher moves d between the two
warehouses' stock accounts (nothing when they are the same account).

Each correction is recorded in cost_correction (target move, revaluation move, counter account), so the
engine sees every move at its effective amount. The same input gives the same corrections to the fen.

Month-end weighted average: the run writes ONE correction per product, warehouse and counter account (with its
dimensions), on the period's last issue to that account, carrying the sum of the differences of those issues:
the period's cost per account and the value carried into the next period are exact, and a run over a million
moves writes thousands of revaluations, not hundreds of thousands. (The single issues of the period then show
their provisional cost; their total per account is the month-end average's.) Moving average and FIFO correct
each issue (their later costs depend on each one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, exists, insert, select

from erp_core.costing.engine import Mv, corrections
from erp_core.costing.loader import Key, load_moves, methods_of
from erp_core.costing.models import CostCorrection
from erp_core.db.prepared import Prepared
from erp_core.documents.accounts import account_for
from erp_core.inventory.models import StockMove
from erp_core.kernel.clock import naive_utcnow
from erp_core.ledger.periods import period_of

DIMS = ("department_id", "project_id", "customer_id", "supplier_id", "employee_id", "product_id")
MAX_ROUNDS = 6


@dataclass
class Outcome:
    corrections: int = 0
    amount: Decimal = Decimal(0)  # net change of the stock value (transfers net out)
    stock_posting_ids: list[int] = field(default_factory=list)
    voucher_ids: list[int] = field(default_factory=list)


@dataclass
class _Fix:
    key: Key
    move: Mv
    delta: Decimal
    posting_key: str = ""
    posting_id: int = 0
    source_type: str | None = None
    source_id: int | None = None
    counter: str = ""
    dims: dict[str, Any] = field(default_factory=dict)
    gl: bool = True  # False for the transfer_in half of a transfer pair (its transfer_out carries the voucher)
    pair_of: int | None = None
    agg: bool = False  # month-end average: one correction per product, warehouse and counter account


def _company(ctx: Any) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _voucher_lines(ctx: Any, fixes: list[_Fix]) -> dict[str, list[Any]]:
    """posting key -> the lines (VoucherLine, account code) of the voucher posted with that stock posting: found
    by the ledger posting of the same key, else by the source document's voucher_id. Read in bulk."""
    from erp_core.finance.models import Account, VoucherLine
    from erp_core.inventory.models import StockMove as SM
    from erp_core.ledger.models import Posting

    s, cid = ctx.session, _company(ctx)
    keys = sorted({f.posting_key for f in fixes})
    voucher_of: dict[str, int] = {}
    if len(keys) <= 2000:
        for chunk in _chunks(keys):
            voucher_of.update(s.execute(select(Posting.posting_key, Posting.voucher_id).where(
                Posting.company_id == cid, Posting.posting_key.in_(chunk))).all())
    else:  # many: one join over the moves' dates instead of thousands of look-ups
        lo, hi = min(f.move.date for f in fixes), max(f.move.date for f in fixes)
        voucher_of.update(s.execute(select(SM.posting_key, Posting.voucher_id).join(
            Posting, (Posting.company_id == SM.company_id) & (Posting.posting_key == SM.posting_key)).where(
            SM.company_id == cid, SM.move_date >= lo, SM.move_date <= hi, SM.quantity < 0).distinct()).all())
    missing: dict[str, set[int]] = defaultdict(set)
    for f in fixes:
        if f.posting_key not in voucher_of and f.source_type and f.source_id is not None:
            missing[f.source_type].add(f.source_id)
    for code, ids in missing.items():
        try:
            from erp_core.documents.registry import document_type

            header = document_type(code).header
        except Exception:  # noqa: BLE001 - not a document type of this code base: no voucher to read
            continue
        found = {}
        for chunk in _chunks(sorted(ids)):
            found.update(s.execute(select(header.id, header.voucher_id).where(header.id.in_(chunk))).all())
        for f in fixes:
            if f.source_type == code and found.get(f.source_id) is not None:
                voucher_of.setdefault(f.posting_key, found[f.source_id])
    lines: dict[int, list[Any]] = defaultdict(list)
    for chunk in _chunks(sorted(set(voucher_of.values()))):
        for ln, code in s.execute(select(VoucherLine, Account.code).join(Account, Account.id == VoucherLine.account_id)
                                  .where(VoucherLine.voucher_id.in_(chunk)).order_by(VoucherLine.voucher_id,
                                                                                     VoucherLine.line_no)):
            lines[ln.voucher_id].append((ln, code))
    return {k: lines.get(v, []) for k, v in voucher_of.items()}


def _expense(ctx: Any, lines: list[Any], fix: _Fix, stock_code: str, cogs: dict) -> tuple[str, dict[str, Any]]:
    p, _ = fix.key
    debits = [(ln, code) for ln, code in lines if ln.debit > 0 and code != stock_code]
    pick = next(((ln, code) for ln, code in debits if ln.product_id == p), None) or (debits[0] if debits else None)
    if pick is None:
        if fix.key not in cogs:
            cogs[fix.key] = account_for(ctx, "cogs", product_id=p, warehouse_id=fix.key[1])
        return cogs[fix.key], {}
    ln, code = pick
    return code, {d: getattr(ln, d) for d in DIMS if getattr(ln, d) is not None}


def _pair_transfers(ctx: Any, fixes: list[_Fix]) -> list[_Fix]:
    """For each transfer_out fix, the transfer_in half (same posting, product, opposite quantity)."""
    outs = [f for f in fixes if f.move.move_type == "transfer_out"]
    if not outs:
        return []
    rows = ctx.session.execute(select(StockMove.id, StockMove.posting_id, StockMove.product_id,
                                      StockMove.warehouse_id, StockMove.quantity, StockMove.move_date,
                                      StockMove.move_seq, StockMove.unit_cost, StockMove.amount)
                               .where(StockMove.company_id == _company(ctx), StockMove.move_type == "transfer_in",
                                      StockMove.posting_id.in_(sorted({f.posting_id for f in outs})))
                               .order_by(StockMove.move_seq)).all()
    used: set[int] = set()
    halves = []
    for f in outs:
        r = next((r for r in rows if r.id not in used and r.posting_id == f.posting_id
                  and r.product_id == f.key[0] and r.quantity == -f.move.quantity), None)
        if r is None:
            continue  # an unmatched transfer_out is expensed like an issue
        used.add(r.id)
        mv = Mv(r.id, r.move_seq, r.move_date, "transfer_in", r.quantity, r.unit_cost, r.amount)
        halves.append(_Fix((r.product_id, r.warehouse_id), mv, -f.delta, gl=False, pair_of=f.move.id))
        f.pair_of = r.id
    return halves


def write_corrections(ctx: Any, fixes: list[_Fix], *, origin: str, key_prefix: str, run_id: int | None = None,
                      on: dt.date | None = None, summary: str = "成本调整"
                      ) -> tuple[Outcome, set[Key], dt.date | None]:
    """Post ``fixes`` (revaluation moves dated ``on``, else each at its target's date; one voucher per period).
    Returns the outcome, the (product, warehouse) pairs whose value changed through a transfer_in, and the
    earliest date of those transfer_ins."""
    from erp_core.inventory.posting import post_stock_moves
    from erp_core.ledger.posting import create_and_post_system_voucher

    s = ctx.session
    cid = _company(ctx)
    out = Outcome()
    if not fixes:
        return out, set(), None
    meta = {f.move.id: f.move.ref for f in fixes if f.move.ref is not None}
    for chunk in _chunks(sorted(f.move.id for f in fixes if f.move.ref is None)):
        meta.update({r.id: (r.posting_key, r.posting_id, r.source_type, r.source_id) for r in s.execute(
            select(StockMove.id, StockMove.posting_key, StockMove.posting_id, StockMove.source_type,
                   StockMove.source_id).where(StockMove.id.in_(chunk)))})
    for f in fixes:
        f.posting_key, f.posting_id, f.source_type, f.source_id = meta[f.move.id]
    halves = _pair_transfers(ctx, fixes)
    half_of = {h.pair_of: h for h in halves}
    vlines = _voucher_lines(ctx, [f for f in fixes if f.pair_of is None])
    stock_of: dict[Key, str] = {}
    cogs: dict[Key, str] = {}

    def stock_account(key: Key) -> str:
        if key not in stock_of:
            stock_of[key] = account_for(ctx, "stock", product_id=key[0], warehouse_id=key[1])
        return stock_of[key]

    for f in fixes:
        stock = stock_account(f.key)
        if f.pair_of is not None:
            other = half_of[f.move.id]
            f.counter = stock_account(other.key)
            other.counter = stock
        else:
            f.counter, f.dims = _expense(ctx, vlines.get(f.posting_key, []), f, stock, cogs)
    if any(f.agg for f in fixes):  # one correction per product, warehouse, counter account (+ dimensions)
        groups: dict[tuple, _Fix] = {}
        for f in fixes:
            if f.pair_of is not None or not f.agg:
                groups[("one", f.move.id)] = f
                continue
            g = (f.key, f.counter, tuple(sorted(f.dims.items())))
            if g in groups:
                first = groups[g]
                f.delta += first.delta
            groups[g] = f
        fixes = [f for f in groups.values() if f.delta != 0]
        if not fixes and not halves:
            return out, set(), None
    by_id = {f.move.id: f for f in fixes}
    everything = fixes + halves
    by_date: dict[dt.date, list[_Fix]] = defaultdict(list)
    for f in everything:
        by_date[on or (by_id[f.pair_of].move.date if not f.gl else f.move.date)].append(f)
    written: list[tuple[_Fix, int, dt.date]] = []
    for day in sorted(by_date):
        group = by_date[day]
        res = post_stock_moves(ctx, moves=[{"warehouse_id": f.key[1], "product_id": f.key[0],
                                            "move_type": "revaluation", "amount": f.delta} for f in group],
                               posting_key=f"{key_prefix}:{day.isoformat()}", move_date=day,
                               source_type="costing", source_id=run_id, source_ref=summary[:120])
        ids = s.execute(select(StockMove.id).where(StockMove.company_id == cid,
                                                   StockMove.posting_id == res.posting_id)
                        .order_by(StockMove.move_seq)).scalars().all()
        out.stock_posting_ids.append(res.posting_id)
        written += [(f, i, day) for f, i in zip(group, ids, strict=True)]
    # one voucher per period: net per (account, dimensions); debit = a positive net
    per_period: dict[str, dict[tuple, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    last_day: dict[str, dt.date] = {}
    for f, _, day in written:
        per = period_of(day)
        last_day[per] = max(last_day.get(per, day), day)
        if not f.gl:
            continue
        per_period[per][(stock_account(f.key), (("product_id", f.key[0]),))] += f.delta
        counter_dims = tuple(sorted(f.dims.items())) if f.pair_of is None else (("product_id", f.key[0]),)
        per_period[per][(f.counter, counter_dims)] -= f.delta
    vouchers: dict[str, int] = {}
    for per in sorted(per_period):
        lines = []
        for (code, dims), net in sorted(per_period[per].items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            if net == 0:
                continue
            lines.append({"account_code": code, "debit": net if net > 0 else Decimal(0),
                          "credit": -net if net < 0 else Decimal(0), "summary": f"{summary} {per}"[:200],
                          **dict(dims)})
        if lines:
            vouchers[per] = create_and_post_system_voucher(ctx, voucher_date=last_day[per], lines=lines,
                                                           posting_key=f"{key_prefix}:{per}")
            out.voucher_ids.append(vouchers[per])
    now = naive_utcnow()
    rows = [{"company_id": cid, "target_move_id": f.move.id, "revaluation_move_id": reval_id, "amount": f.delta,
             "account_code": f.counter, "origin": origin, "run_id": run_id,
             "voucher_id": vouchers.get(period_of(day)), "move_date": day, "created_at": now}
            for f, reval_id, day in written]
    for chunk in _chunks(rows, 5000):  # one executemany, no ORM object per row (nothing reads them back here)
        s.execute(insert(CostCorrection), chunk)
    out.corrections += len(rows)
    out.amount += sum((f.delta for f, _, _ in written), Decimal(0))
    s.flush()
    changed = {h.key for h in halves}
    earliest = min((h.move.date for h in halves), default=None)
    return out, changed, earliest


def correct(ctx: Any, keys: set[Key], *, origin: str, key_prefix: str, start: dt.date, end: dt.date | None = None,
            run_id: int | None = None, on: dt.date | None = None, summary: str = "成本调整",
            skip_methods: tuple[str, ...] = (), all_monthly: bool = False) -> Outcome:
    """Recompute the outbound moves of ``keys`` dated ``start`` .. ``end`` by each product's method and write the
    differences; follow transfers into the receiving warehouses for a few rounds. ``all_monthly`` (the costing
    run, with ``end``): every month-end-average product with outbound moves in the period too, whether in
    ``keys`` or not (costing/monthly.py finds them in its pass over the period)."""
    from erp_core.costing.monthly import monthly_fixes

    total = Outcome()
    pending, since = set(keys), start
    for rnd in range(MAX_ROUNDS):
        if not pending and not (all_monthly and rnd == 0):
            break
        methods = methods_of(ctx.session, {p for p, _ in pending})
        fixes: list[_Fix] = []
        if end is not None and "monthly_average" not in skip_methods:  # the run: month-end average in bulk
            monthly = {k for k in pending if methods.get(k[0]) == "monthly_average"}
            if all_monthly and rnd == 0:
                fixes += monthly_fixes(ctx, _company(ctx), start, end)
                pending = pending - monthly
            elif monthly:
                fixes += monthly_fixes(ctx, _company(ctx), start, end, monthly)
                pending = pending - monthly
        moves = load_moves(ctx.session, _company(ctx), pending, upto=end) if pending else {}
        for key in sorted(pending):
            method = methods.get(key[0], "moving_average")
            if method in skip_methods or key not in moves:
                continue
            ms = moves[key]
            delta = corrections(method, ms, recompute_from=since, start=since if end is None else start, end=end)
            agg = method == "monthly_average"
            fixes += [_Fix(key, m, delta[m.id], agg=agg) for m in ms if m.id in delta]
        if not fixes:
            break
        out, changed, earliest = write_corrections(ctx, fixes, origin=origin, key_prefix=f"{key_prefix}:{rnd}",
                                                   run_id=run_id, on=on, summary=summary)
        total.corrections += out.corrections
        total.amount += out.amount
        total.stock_posting_ids += out.stock_posting_ids
        total.voucher_ids += out.voucher_ids
        pending = changed
        if end is None and earliest is not None:
            since = earliest
    return total


_SM = StockMove.__table__
_LATER = _SM.alias("later")
_LATER_PAIRS = Prepared(select(_SM.c.product_id, _SM.c.warehouse_id).distinct().where(
    _SM.c.posting_id == bindparam("pid"),
    exists().where(_LATER.c.company_id == bindparam("cid"), _LATER.c.warehouse_id == _SM.c.warehouse_id,
                   _LATER.c.product_id == _SM.c.product_id, _LATER.c.move_date > bindparam("day", type_=Date()))))


def after_stock_posting(ctx: Any, result: Any, *, move_date: dt.date) -> Outcome | None:
    """The hook after a stock posting (documents.services._post_spec): when the posting's moves are dated before
    later moves of the same product and warehouse, recompute those later issues (moving average, FIFO; a
    month-end average product waits for its period's costing run, which the posting made stale) and write the
    differences now. One indexed query when nothing is backdated."""
    if result is None or result.posting_id is None or result.replayed:
        return None
    # One prepared statement: the posting's own pairs (posting_id index) that have a move dated after it (one
    # seek each on the balance index, company/warehouse/product/date) — whatever the product's history.
    later = set(_LATER_PAIRS.all(ctx.session, cid=_company(ctx), pid=result.posting_id, day=move_date))
    if not later:
        return None
    return correct(ctx, later, origin="recompute", key_prefix=f"cost:recompute:{result.posting_id}",
                   start=move_date, summary="成本重算（补录单据）", skip_methods=("monthly_average",))
