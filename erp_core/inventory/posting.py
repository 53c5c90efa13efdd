"""Stock posting: the ONLY code that writes stock_move (库存台账). Small API for the inventory documents:

- ``post_stock_moves(ctx, *, moves=, posting_key=, move_date=, source_type=, source_id=, source_ref=)`` called
  inside the caller's use case (like ledger.posting.create_and_post_system_voucher). ``moves`` are dicts with
  warehouse_id, location_id (optional), product_id, quantity (signed Decimal: + in, - out), unit_cost (>= 0,
  at most 6 decimals), move_type (models.MOVE_TYPES) and optionally amount (then it must equal the computed
  amount). amount = quantity x unit_cost rounded ROUND_HALF_UP to the fen.
- Idempotent by ``posting_key``: the same key with the same content returns the first result and writes nothing;
  the same key with other content raises Conflict (error.inventory.posting_key_mismatch).
- Every problem is reported at once as ValidationErrors (each naming its field, with ``line`` = 1-based index
  of the move), and nothing is written: product of the company, a stock item (kind 'product'), active;
  warehouse of the company and active; a 'revaluation' move (value only) has quantity and unit cost 0 and
  its ``amount`` given (to the fen, not zero); location of that warehouse and active; quantity not zero and of the
  sign its move type requires; unit cost >= 0; the period of ``move_date`` open (ledger.periods.is_open) and
  no later period closed (the ledger's rule: nothing is posted before a closed period);
  an 'opening' move only where the product has no opening in that warehouse from another posting.
- Negative stock (负库存): for each product and warehouse this posting takes stock out of (its net quantity there
  is negative), the quantity on hand at the end of ``move_date`` and of EVERY later day of the ledger, plus this
  posting's net, must not go below zero (lowest_balance_from: one windowed query per product and warehouse). Refused by default (error.inv.negative_stock naming the product, the warehouse and the
  shortfall); when the company allows negative stock (inventory_setting.allow_negative_stock) the moves are
  written and each such shortfall comes back as a warning (StockPostingResult.warnings, and appended to
  ``ctx.changes["stock_warnings"]`` so the calling use case can return it and its audit entry records it).
  Checked again under the sequence lock, so two concurrent issues cannot both take the last unit.
- ``check_only=True`` runs every check (and the idempotency look-up) without writing: the import's dry run.

stock_move.move_seq is gap-free per company: allocated with ledger.sequences.allocate_block under the doc_type
``stock_move_seq`` inside the posting transaction (the same row lock gl_line.posting_seq uses), so commit
order equals sequence order and a rolled-back posting leaves no gap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select

from erp_core.db.prepared import Prepared, connection_of
from erp_core.inventory.models import INBOUND, MOVE_TYPES, OUTBOUND, VALUE_ONLY, StockMove, StockPosting
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, DomainError, ValidationError, raise_if
from erp_core.kernel.money import FEN, MAX_MONEY, QUANTITY_SCALE, has_scale, to_decimal
from erp_core.ledger.bulk import insert_rows
from erp_core.ledger.periods import first_closed_after, is_open, period_of
from erp_core.ledger.sequences import allocate_block
from erp_core.usecase import Context

_SP = StockPosting.__table__
_INSERT_POSTING = insert(_SP)
_BY_KEY = Prepared(select(_SP.c.id, _SP.c.content_hash, _SP.c.first_seq, _SP.c.move_count).where(
    _SP.c.company_id == bindparam("cid"), _SP.c.posting_key == bindparam("key")))
STOCK_SEQUENCE = "stock_move_seq"  # doc_type of the per-company sequence of stock_move.move_seq
MAX_QUANTITY = Decimal(10) ** 12

F_DATE = "field.inventory.move_date"
F_TYPE = "field.inventory.move_type"
F_WAREHOUSE = "field.inventory.warehouse"
F_LOCATION = "field.inventory.location"
F_PRODUCT = "field.inventory.product"
F_QUANTITY = "field.inventory.quantity"
F_COST = "field.inventory.unit_cost"
F_AMOUNT = "field.inventory.amount"
F_KEY = "field.inventory.posting_key"


@dataclass(frozen=True)
class StockPostingResult:
    posting_id: int | None  # None after a check_only run that found nothing posted under the key
    first_seq: int | None  # move_seq of the first move written
    move_count: int
    replayed: bool = False  # the key had been posted before with the same content: nothing new was written
    warnings: tuple[DomainError, ...] = ()  # negative stock allowed by the company setting (see above)
    keys: frozenset[tuple[int, int]] = frozenset()  # (product_id, warehouse_id) of the moves written (if any)


def move_amount(quantity: Decimal, unit_cost: Decimal) -> Decimal:
    """quantity x unit cost, rounded ROUND_HALF_UP to the fen (the one rounding rule of the stock ledger)."""
    return (quantity * unit_cost).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Clean:
    warehouse_id: int
    location_id: int | None
    product_id: int
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal
    move_type: str


def _decimal(value: Any, field: str, line: int, problems: list[ValidationError], *, scale: int,
             limit: Decimal) -> Decimal | None:
    if type(value) is Decimal:  # noqa: E721 - what the document postings pass: no conversion to try
        d = value
    elif value is None or (isinstance(value, str) and not value.strip()):
        problems.append(ValidationError("error.required", field=field, line=line))
        return None
    else:
        try:
            d = to_decimal(value)
        except (TypeError, ValueError):
            problems.append(ValidationError("error.inventory.number", field=field, line=line))
            return None
    if not d.is_finite() or abs(d) > limit:
        problems.append(ValidationError("error.inventory.out_of_range", field=field, line=line))
        return None
    if not has_scale(d, scale):
        problems.append(ValidationError("error.inventory.decimals", field=field, line=line, scale=scale))
        return None
    return d + 0


def _int_or_none(value: Any) -> int | None | bool:
    """An id, None when absent, False when unusable."""
    if type(value) is int:  # noqa: E721 - the common case first (a bool is not an id: its type is bool)
        return value
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return False
    try:
        return int(value)
    except (TypeError, ValueError):
        return False


def _value_only(m: Mapping[str, Any], i: int, problems: list[ValidationError]
                ) -> tuple[Decimal, Decimal, Decimal] | None:
    """A revaluation: quantity and unit cost zero (or absent), the amount given, to the fen, not zero."""
    before = len(problems)
    for key, field in (("quantity", F_QUANTITY), ("unit_cost", F_COST)):
        v = m.get(key)
        if v not in (None, ""):
            d = _decimal(v, field, i, problems, scale=QUANTITY_SCALE, limit=MAX_MONEY)
            if d is not None and d != 0:
                problems.append(ValidationError("error.inventory.revaluation_quantity", field=field, line=i))
    amount = _decimal(m.get("amount"), F_AMOUNT, i, problems, scale=2, limit=MAX_MONEY)
    if amount is not None and amount == 0:
        problems.append(ValidationError("error.inventory.revaluation_zero", field=F_AMOUNT, line=i))
    if len(problems) > before or amount is None:
        return None
    return Decimal(0), Decimal(0), amount


def _shape(moves: Sequence[Mapping[str, Any]]) -> tuple[list[_Clean | None], list[ValidationError]]:
    """The checks that need no database: numbers, signs, types, ids present."""
    problems: list[ValidationError] = []
    out: list[_Clean | None] = []
    for i, m in enumerate(moves, start=1):
        before = len(problems)
        move_type = m.get("move_type")
        if move_type not in MOVE_TYPES:
            problems.append(ValidationError("error.inventory.move_type", field=F_TYPE, line=i,
                                            value=str(move_type)))
        ids = {}
        for key, field, required in (("warehouse_id", F_WAREHOUSE, True), ("location_id", F_LOCATION, False),
                                     ("product_id", F_PRODUCT, True)):
            v = _int_or_none(m.get(key))
            if v is False or (v is None and required):
                problems.append(ValidationError("error.required", field=field, line=i))
            ids[key] = v
        if move_type in VALUE_ONLY:
            value = _value_only(m, i, problems)
            ok = value is not None and len(problems) == before
            out.append(_Clean(ids["warehouse_id"], ids["location_id"], ids["product_id"], *value, move_type)
                       if ok else None)
            continue
        qty = _decimal(m.get("quantity"), F_QUANTITY, i, problems, scale=QUANTITY_SCALE, limit=MAX_QUANTITY)
        cost = _decimal(m.get("unit_cost"), F_COST, i, problems, scale=QUANTITY_SCALE, limit=MAX_MONEY)
        if qty is not None:
            if qty == 0:
                problems.append(ValidationError("error.inventory.quantity_zero", field=F_QUANTITY, line=i))
            elif (move_type in INBOUND and qty < 0) or (move_type in OUTBOUND and qty > 0):
                problems.append(ValidationError("error.inventory.quantity_sign", field=F_QUANTITY, line=i,
                                                move_type=str(move_type)))
        if cost is not None and cost < 0:
            problems.append(ValidationError("error.inventory.cost_negative", field=F_COST, line=i))
        amount = None
        if qty is not None and cost is not None:
            amount = move_amount(qty, cost)
            if abs(amount) > MAX_MONEY:
                problems.append(ValidationError("error.inventory.out_of_range", field=F_AMOUNT, line=i))
            given = m.get("amount")
            if given is not None and given != "":
                try:
                    g = to_decimal(given)
                except (TypeError, ValueError):
                    g = None
                if g is None or g != amount:
                    problems.append(ValidationError("error.inventory.amount_mismatch", field=F_AMOUNT, line=i,
                                                    expected=str(amount)))
        if len(problems) > before:
            out.append(None)
        else:
            out.append(_Clean(ids["warehouse_id"], ids["location_id"], ids["product_id"], qty, cost, amount,
                              move_type))
    return out, problems


def content_hash(company_id: int, move_date: dt.date, moves: Sequence[_Clean], source: Sequence[Any]) -> str:
    """SHA-256 of what a posting writes (date, source, and per move: place, product, type, quantity, cost)."""
    payload = [company_id, move_date.isoformat(), [None if v is None else str(v) for v in source],
               [[m.warehouse_id, m.location_id, m.product_id, m.move_type, str(m.quantity.normalize()),
                 str(m.unit_cost.normalize())] + ([str(m.amount)] if m.move_type in VALUE_ONLY else [])
                for m in moves]]
    return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()


def _references(ctx: Context, company_id: int, moves: Sequence[_Clean], posting_key: str, *,
                openings_only: bool = False) -> list[ValidationError]:
    """The checks against stored records (all problems, each naming its field and line). ``openings_only``:
    just the one-opening-per-product-and-warehouse rule (repeated under the sequence lock)."""
    from erp_core.db.master_cache import kept
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation

    s = ctx.session
    warehouses, locations, products = {}, {}, {}
    if not openings_only:  # the repeat under the lock needs only the openings: the records were checked already
        loc_ids = {m.location_id for m in moves if m.location_id is not None}
        # master data, kept across transactions while the master-data stamp is unchanged (db/master_cache.py)
        wids, lids = tuple(sorted({m.warehouse_id for m in moves})), tuple(sorted(loc_ids))
        pids = tuple(sorted({m.product_id for m in moves}))
        warehouses = kept(s, "inventory.warehouses", None, lambda: {r.id: r for r in s.execute(select(
            Warehouse.id, Warehouse.company_id, Warehouse.active).where(Warehouse.id.in_(wids)))}, wids)
        locations = kept(s, "inventory.locations", None, lambda: {r.id: r for r in s.execute(select(
            WarehouseLocation.id, WarehouseLocation.company_id, WarehouseLocation.warehouse_id,
            WarehouseLocation.active).where(WarehouseLocation.id.in_(lids)))}, lids) if lids else {}
        products = kept(s, "inventory.products", None, lambda: {r.id: r for r in s.execute(select(
            Product.id, Product.company_id, Product.kind, Product.active).where(Product.id.in_(pids)))}, pids)
    openings: set[tuple[int, int]] = set()
    opening_moves = [m for m in moves if m.move_type == "opening"]
    if opening_moves:
        openings = {(w, p) for w, p in s.execute(select(StockMove.warehouse_id, StockMove.product_id).where(
            StockMove.company_id == company_id, StockMove.move_type == "opening",
            StockMove.posting_key != posting_key,
            StockMove.product_id.in_(sorted({m.product_id for m in opening_moves}))))}
    problems: list[ValidationError] = []
    for i, m in enumerate(moves, start=1):
        if openings_only:
            if m.move_type == "opening" and (m.warehouse_id, m.product_id) in openings:
                problems.append(ValidationError("error.inventory.opening_exists", field=F_PRODUCT, line=i))
            continue
        w = warehouses.get(m.warehouse_id)
        if w is None or w.company_id != company_id:
            problems.append(ValidationError("error.inventory.unknown_warehouse", field=F_WAREHOUSE, line=i))
        elif not w.active:
            problems.append(ValidationError("error.inventory.warehouse_inactive", field=F_WAREHOUSE, line=i))
        if m.location_id is not None:
            loc = locations.get(m.location_id)
            if loc is None or loc.company_id != company_id:
                problems.append(ValidationError("error.inventory.unknown_location", field=F_LOCATION, line=i))
            elif loc.warehouse_id != m.warehouse_id:
                problems.append(ValidationError("error.inventory.location_other_warehouse", field=F_LOCATION,
                                                line=i))
            elif not loc.active:
                problems.append(ValidationError("error.inventory.location_inactive", field=F_LOCATION, line=i))
        p = products.get(m.product_id)
        if p is None or p.company_id != company_id:
            problems.append(ValidationError("error.inventory.unknown_product", field=F_PRODUCT, line=i))
        elif p.kind != "product":
            problems.append(ValidationError("error.inventory.not_stock_item", field=F_PRODUCT, line=i))
        elif not p.active:
            problems.append(ValidationError("error.inventory.product_inactive", field=F_PRODUCT, line=i))
        elif m.move_type == "opening" and (m.warehouse_id, m.product_id) in openings:
            problems.append(ValidationError("error.inventory.opening_exists", field=F_PRODUCT, line=i))
    return problems


def allows_negative_stock(session: Any, company_id: int) -> bool:
    """The company setting 是否允许负库存 (default: no)."""
    from erp_core.inventory.models import InventorySetting

    row = session.get(InventorySetting, company_id)
    return bool(row is not None and row.allow_negative_stock)


def _negative_stock(ctx: Context, company_id: int, move_date: dt.date, moves: Sequence[_Clean]
                    ) -> list[tuple[int, dict[str, Any]]]:
    """(line, params) for each product and warehouse this posting would take below zero, on ``move_date`` or on
    any later day of the ledger."""
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse

    net: dict[tuple[int, int], Decimal] = {}
    first_line: dict[tuple[int, int], int] = {}
    for i, m in enumerate(moves, start=1):
        key = (m.warehouse_id, m.product_id)
        net[key] = net.get(key, Decimal(0)) + m.quantity
        if m.quantity < 0:
            first_line.setdefault(key, i)
    out_keys = [k for k, q in net.items() if q < 0 and k in first_line]
    if not out_keys:
        return []
    s = ctx.session
    found = []
    lows = lowest_balances(s, company_id, out_keys, move_date)
    for wh, prod in out_keys:
        low = lows[(wh, prod)]
        after = low + net[(wh, prod)]
        if after < 0:
            product = s.execute(select(Product.code, Product.name).where(Product.id == prod)).one()
            warehouse = s.execute(select(Warehouse.code, Warehouse.name).where(Warehouse.id == wh)).one()
            found.append((first_line[(wh, prod)], {
                "product": f"{product.code} {product.name}", "warehouse": f"{warehouse.code} {warehouse.name}",
                "on_hand": _plain_qty(low), "quantity": _plain_qty(-net[(wh, prod)]),
                "shortfall": _plain_qty(-after)}))
    return found


def lowest_balance_from(company_id: int, warehouse_id: int, product_id: int, move_date: dt.date) -> Any:
    """ONE statement over the product's moves in the warehouse: (the quantity on hand at the end of
    ``move_date``, the lowest running sum of the LATER days' per-day movements, or NULL when nothing is later).
    The balance at the end of a later day is the first plus that day's running sum, so ``lowest_balance`` is
    the first plus the second when that is lower. The window function runs over the later days only (few for
    the usual backdating, none for a move dated today). A posting dated ``move_date`` that takes N out keeps
    every later balance >= 0 exactly when that minimum minus N is >= 0: a backdated issue may not dip a middle
    date below zero even when the end of the ledger stays positive."""
    from sqlalchemy import func

    where = (StockMove.company_id == company_id, StockMove.warehouse_id == warehouse_id,
             StockMove.product_id == product_id)
    upto = select(func.coalesce(func.sum(StockMove.quantity), 0)).where(*where, StockMove.move_date <= move_date)
    daily = (select(StockMove.move_date.label("day"), func.sum(StockMove.quantity).label("qty"))
             .where(*where, StockMove.move_date > move_date).group_by(StockMove.move_date).subquery())
    running = select(func.sum(daily.c.qty).over(order_by=daily.c.day).label("run")).subquery()
    return select(upto.scalar_subquery(), select(func.min(running.c.run)).scalar_subquery())


def lowest_balance(session: Any, company_id: int, warehouse_id: int, product_id: int, move_date: dt.date
                   ) -> Decimal:
    """The lowest end-of-day quantity on hand on ``move_date`` or any later day (lowest_balance_from)."""
    upto, later = session.execute(lowest_balance_from(company_id, warehouse_id, product_id, move_date)).one()
    upto = Decimal(upto or 0)
    return upto if later is None else min(upto, upto + Decimal(later))


def _lowest_statements() -> tuple[Prepared, Prepared]:
    """lowest_balances' two statements, built once (prepared: no SQLAlchemy execution per posting)."""
    from sqlalchemy import Date, func

    where = (StockMove.company_id == bindparam("cid"), StockMove.warehouse_id.in_(bindparam("ws", expanding=True)),
             StockMove.product_id.in_(bindparam("ps", expanding=True)))
    day = bindparam("day", type_=Date())
    upto = select(StockMove.warehouse_id, StockMove.product_id, func.sum(StockMove.quantity)).where(
        *where, StockMove.move_date <= day).group_by(StockMove.warehouse_id, StockMove.product_id)
    daily = (select(StockMove.warehouse_id.label("w"), StockMove.product_id.label("p"),
                    StockMove.move_date.label("day"), func.sum(StockMove.quantity).label("qty"))
             .where(*where, StockMove.move_date > day)
             .group_by(StockMove.warehouse_id, StockMove.product_id, StockMove.move_date).subquery())
    running = select(daily.c.w, daily.c.p, func.sum(daily.c.qty).over(
        partition_by=(daily.c.w, daily.c.p), order_by=daily.c.day).label("run")).subquery()
    later = select(running.c.w, running.c.p, func.min(running.c.run)).group_by(running.c.w, running.c.p)
    return Prepared(upto), Prepared(later)


_LOWEST: list[tuple[Prepared, Prepared]] = []


def lowest_balances(session: Any, company_id: int, pairs: Sequence[tuple[int, int]], move_date: dt.date
                    ) -> dict[tuple[int, int], Decimal]:
    """``lowest_balance`` of several (warehouse_id, product_id) pairs of one posting in two statements (the
    balances up to ``move_date``, and the lowest running sum of the later days per pair: the same window as
    lowest_balance_from, partitioned by pair), instead of one statement per pair."""
    pairs = list(dict.fromkeys(pairs))
    if len(pairs) == 1:
        return {pairs[0]: lowest_balance(session, company_id, pairs[0][0], pairs[0][1], move_date)}
    if not _LOWEST:
        _LOWEST.append(_lowest_statements())
    upto_stmt, later_stmt = _LOWEST[0]
    wanted = set(pairs)
    args = {"cid": company_id, "ws": sorted({w for w, _ in pairs}), "ps": sorted({p for _, p in pairs}),
            "day": move_date}
    upto = {(w, p): Decimal(q or 0) for w, p, q in upto_stmt.all(session, **args) if (w, p) in wanted}
    later = {(w, p): low for w, p, low in later_stmt.all(session, **args)}
    out = {}
    for key in pairs:
        first = upto.get(key, Decimal(0))
        low = later.get(key)
        out[key] = first if low is None else min(first, first + Decimal(low))
    return out


def _plain_qty(d: Decimal) -> str:
    d = Decimal(d)
    return str(d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize())


def _negative_stock_outcome(ctx: Context, company_id: int, move_date: dt.date, moves: Sequence[_Clean]
                            ) -> tuple[list[ValidationError], list[DomainError]]:
    found = _negative_stock(ctx, company_id, move_date, moves)
    if not found:
        return [], []
    if allows_negative_stock(ctx.session, company_id):
        return [], [DomainError("warning.inv.negative_stock", **params) for _, params in found]
    return [ValidationError("error.inv.negative_stock", field=F_QUANTITY, line=line, **params)
            for line, params in found], []


def post_stock_moves(ctx: Context, *, moves: Sequence[Mapping[str, Any]], posting_key: str, move_date: dt.date,
                     source_type: str | None = None, source_id: int | None = None, source_ref: str | None = None,
                     check_only: bool = False, fresh_key: bool = False) -> StockPostingResult:
    """Append ``moves`` to the stock ledger inside the caller's use case (see the module docstring).
    ``fresh_key``: the caller knows the key was never used (a document's key, the document locked and not yet
    posted: documents.services._post_spec), so the replay look-up is skipped; a key used after all is still
    refused, by the unique (company_id, posting_key) constraint."""
    s = ctx.session
    company_id = ctx.company_id if ctx.company_id is not None else ctx.actor.company_id
    problems: list[ValidationError] = []
    if not isinstance(posting_key, str) or not posting_key.strip() or len(posting_key) > 120:
        problems.append(ValidationError("error.required", field=F_KEY))
    if not isinstance(move_date, dt.date) or isinstance(move_date, dt.datetime):
        problems.append(ValidationError("error.required", field=F_DATE))
    if not moves:
        problems.append(ValidationError("error.inventory.no_moves", field=F_QUANTITY))
    if source_ref is not None and len(source_ref) > 120:
        problems.append(ValidationError("error.too_long", field="field.inventory.source_ref", max=120))
    cleaned, shape_problems = _shape(moves or [])
    raise_if(problems + shape_problems)
    clean = [c for c in cleaned if c is not None]
    digest = content_hash(company_id, move_date, clean, (source_type, source_id, source_ref))
    existing = None if fresh_key else _BY_KEY.one_or_none(s, cid=company_id, key=posting_key)
    if existing is not None:
        posting_id, stored_hash, first_seq, move_count = existing
        if stored_hash == digest:
            return StockPostingResult(posting_id, first_seq, move_count, replayed=True)
        raise Conflict("error.inventory.posting_key_mismatch", key=posting_key)
    period = period_of(move_date)
    problems = _references(ctx, company_id, clean, posting_key)
    if not is_open(s, company_id, period, lock=not check_only):
        problems.insert(0, ValidationError("error.inventory.period_closed", field=F_DATE, period=period))
    elif (later := first_closed_after(s, company_id, period)) is not None:
        # the ledger's rule too (finance/models_close.py): nothing goes into a period before a closed one
        problems.insert(0, ValidationError("error.inventory.before_closed", field=F_DATE, period=period,
                                           later=later))
    if check_only:
        negative, warnings = _negative_stock_outcome(ctx, company_id, move_date, clean)
        raise_if(problems + negative)
        return StockPostingResult(None, None, len(clean), warnings=tuple(warnings))
    raise_if(problems)
    first = allocate_block(s, company_id, STOCK_SEQUENCE, "", len(clean))
    # Under the sequence lock: a concurrent opening for the same product and warehouse has committed or waits,
    # and so has a concurrent issue of the same stock.
    negative, warnings = _negative_stock_outcome(ctx, company_id, move_date, clean)
    raise_if(_references(ctx, company_id, clean, posting_key, openings_only=True) + negative)
    if warnings:
        ctx.changes.setdefault("stock_warnings", []).extend(
            {"message_id": w.message_id, **w.params} for w in warnings)
    at = naive_utcnow()
    # Core, not an ORM object and its flush: every stock document writes one of these.
    posting_id = connection_of(s).execute(_INSERT_POSTING, {
        "company_id": company_id, "posting_key": posting_key, "content_hash": digest, "move_date": move_date,
        "first_seq": first, "move_count": len(clean), "posted_by": ctx.actor.user_id,
        "posted_at": at}).inserted_primary_key[0]
    rows = [{"company_id": company_id, "move_seq": first + n, "posting_id": posting_id, "posting_key": posting_key,
             "move_date": move_date, "period": period, "warehouse_id": m.warehouse_id,
             "location_id": m.location_id, "product_id": m.product_id, "quantity": m.quantity,
             "unit_cost": m.unit_cost, "amount": m.amount, "move_type": m.move_type, "source_type": source_type,
             "source_id": source_id, "source_ref": source_ref, "posted_by": ctx.actor.user_id, "posted_at": at}
            for n, m in enumerate(clean)]
    insert_rows(s, StockMove.__table__, rows)
    return StockPostingResult(posting_id, first, len(clean), warnings=tuple(warnings),
                              keys=frozenset((m.product_id, m.warehouse_id) for m in clean))
