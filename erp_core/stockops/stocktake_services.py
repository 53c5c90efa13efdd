"""盘点 stocktake and 盘点损溢处理 write-off, the use cases:

1. ``start_stocktake``: the book quantities of a warehouse (optionally one location, one product category) as of a
   day are frozen into the stocktake's lines (one per location and product with stock), state "counting".
2. Counts: ``record_counts`` (a form), ``import_count_sheet`` (the Excel sheet from ``export_count_sheet`` filled
   in, all-or-nothing with row-by-row problems); a found item with no book line is added (book 0).
3. ``post_stocktake``: every line counted; each variance becomes an 'adjustment' stock move at the issue cost on
   the stocktake's date, and one voucher books it against 1901 (account_for "stock_pending"): 盘盈 Dr stock /
   Cr 1901, 盘亏 Dr 1901 / Cr stock.
4. ``create_writeoff`` (盘点损溢处理单, asks the approvals engine: facts = the amount written off) and
   ``post_writeoff`` (refused until approved when a rule asks for approval): Dr stock_loss / Cr 1901 and
   Dr 1901 / Cr stock_gain. One write-off per stocktake; a stocktake with a write-off is not reversed before
   the write-off is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from erp_core.documents import services as kernel
from erp_core.inventory.models import StockMove
from erp_core.io.importer import ImportFailed, ImportReport
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, ValidationError, raise_if
from erp_core.kernel.money import QUANTITY_SCALE, has_scale, to_decimal
from erp_core.ledger.periods import period_of
from erp_core.stockops import documents as D
from erp_core.stockops.models import Stocktake, StocktakeLine, StocktakeWriteoff
from erp_core.stockops.services import (
    F_LOCATION,
    F_PRODUCT,
    F_WAREHOUSE,
    PostResult,
    check_location,
    check_warehouse,
    post_result,
)
from erp_core.usecase import Context, query, use_case

F_AS_OF = "field.inv.as_of"
F_COUNTED = "field.inv.counted_qty"
F_CATEGORY = "field.inv.category"
ZERO = Decimal(0)


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def book_quantities(ctx: Context, *, warehouse_id: int, as_of: dt.date, location_id: int | None = None,
                    category_id: int | None = None) -> list[tuple[int | None, int, Decimal, Decimal]]:
    """(location id, product id, quantity, amount) on the books of a warehouse after every move up to ``as_of``;
    rows with nothing on hand are left out."""
    from erp_core.inventory.queries import _category_ids
    from erp_core.masterdata.models_items import Product

    company_id = _company(ctx)
    stmt = (select(StockMove.location_id, StockMove.product_id, func.sum(StockMove.quantity),
                   func.sum(StockMove.amount))
            .where(StockMove.company_id == company_id, StockMove.warehouse_id == warehouse_id,
                   StockMove.move_date <= as_of)
            .group_by(StockMove.location_id, StockMove.product_id))
    if location_id is not None:
        stmt = stmt.where(StockMove.location_id == location_id)
    if category_id is not None:
        stmt = stmt.join(Product, Product.id == StockMove.product_id).where(
            Product.category_id.in_(_category_ids(ctx, company_id, category_id)))
    rows = [(loc, pid, Decimal(q or 0), Decimal(a or 0)) for loc, pid, q, a in ctx.session.execute(stmt)]
    codes = dict(ctx.session.execute(select(Product.id, Product.code).where(
        Product.id.in_(sorted({r[1] for r in rows}) or [0]))).all())
    return sorted((r for r in rows if r[2] != 0), key=lambda r: (r[0] or 0, codes.get(r[1], "")))


def _start(ctx: Context, *, warehouse_id: int, as_of: dt.date, doc_date: dt.date | None = None,
           location_id: int | None = None, category_id: int | None = None, remarks: str = "") -> Stocktake:
    problems: list[ValidationError] = []
    wid = check_warehouse(ctx, warehouse_id, F_WAREHOUSE, problems)
    loc = check_location(ctx, location_id, wid, F_LOCATION, problems)
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        problems.append(ValidationError("error.required", field=F_AS_OF))
    day = doc_date or as_of
    if isinstance(as_of, dt.date) and isinstance(day, dt.date) and day < as_of:
        problems.append(ValidationError("error.inv.stocktake_date_before", field="field.documents.doc_date"))
    if len(remarks or "") > 500:
        problems.append(ValidationError("error.too_long", field="field.inv.remarks", max=500))
    raise_if(problems)
    t = D.STOCKTAKE
    doc = Stocktake(company_id=_company(ctx), number=kernel.next_number(ctx, t, day), doc_date=day,
                    period=period_of(day), status=t.initial, progress="open", created_by=ctx.actor.user_id,
                    warehouse_id=wid, location_id=loc, category_id=category_id or None, as_of=as_of,
                    remarks=(remarks or "").strip())
    doc.lines = [StocktakeLine(line_no=i, product_id=pid, warehouse_id=wid, location_id=lid, book_qty=q,
                               book_amount=a, ordered_qty=ZERO)
                 for i, (lid, pid, q, a) in enumerate(book_quantities(
                     ctx, warehouse_id=wid, as_of=as_of, location_id=loc, category_id=category_id), start=1)]
    ctx.session.add(doc)
    ctx.session.flush()
    kernel._step(ctx, t, doc, "create", None)
    return doc


@use_case("inventory.stocktake.edit", zh="编辑盘点单", en="Edit stocktakes")
def start_stocktake(ctx: Context, *, warehouse_id: int, as_of: dt.date, doc_date: dt.date | None = None,
                    location_id: int | None = None, category_id: int | None = None, remarks: str = "") -> int:
    """A new stocktake (state counting) with the book quantities as of ``as_of`` frozen into its lines. The
    adjustment is posted on ``doc_date`` (default ``as_of``; not before it)."""
    doc = _start(ctx, warehouse_id=warehouse_id, as_of=as_of, doc_date=doc_date, location_id=location_id,
                 category_id=category_id, remarks=remarks)
    ctx.audit(D.STOCKTAKE.code, doc.id, number=doc.number, lines=len(doc.lines))
    return doc.id


def _quantity(value: Any, line: int | None, problems: list[ValidationError]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        d = to_decimal(value)
    except (TypeError, ValueError):
        d = None
    extra = {"line": line} if line is not None else {}
    if d is None or not d.is_finite() or abs(d) > Decimal(10) ** 12:
        problems.append(ValidationError("error.documents.number", field=F_COUNTED, **extra))
    elif not has_scale(d, QUANTITY_SCALE):
        problems.append(ValidationError("error.documents.decimals", field=F_COUNTED, scale=QUANTITY_SCALE, **extra))
    elif d < 0:
        problems.append(ValidationError("error.documents.not_negative", field=F_COUNTED, **extra))
    else:
        return d + 0
    return None


def apply_counts(ctx: Context, doc: Stocktake, counts: Sequence[Mapping[str, Any]]) -> int:
    """Set counted quantities: each count names ``line_no`` (an existing line) or ``product_id`` (+ optional
    ``location_id``: a line of that place, else a new line with book 0), and ``counted_qty`` (blank = not
    counted). All problems at once; returns how many lines changed."""
    from erp_core.stockops.services import check_products

    kernel.ensure_editable(D.STOCKTAKE, doc)
    problems: list[ValidationError] = []
    by_no = {ln.line_no: ln for ln in doc.lines}
    by_place = {(ln.location_id, ln.product_id): ln for ln in doc.lines}
    changed = 0
    for i, c in enumerate(counts, start=1):
        qty = _quantity(c.get("counted_qty"), i, problems)
        line = None
        if c.get("line_no") not in (None, ""):
            line = by_no.get(int(c["line_no"]))
            if line is None:
                problems.append(ValidationError("error.inv.stocktake_no_line", field=F_PRODUCT, line=i))
                continue
        else:
            loc = check_location(ctx, c.get("location_id"), doc.warehouse_id, F_LOCATION, problems, i)
            if c.get("location_id") not in (None, "") and loc is None:
                continue
            before = len(problems)
            check_products(ctx, [{"product_id": c.get("product_id")}], problems)
            if len(problems) > before:
                continue
            pid = int(c["product_id"])
            line = by_place.get((loc, pid))
            if line is None:
                if qty is None:
                    continue
                line = StocktakeLine(line_no=max(by_no, default=0) + 1, product_id=pid, warehouse_id=doc.warehouse_id,
                                     location_id=loc, book_qty=ZERO, book_amount=ZERO, ordered_qty=ZERO)
                doc.lines.append(line)
                by_no[line.line_no], by_place[(loc, pid)] = line, line
        if line.counted_qty != qty:
            line.counted_qty = qty
            changed += 1
    raise_if(problems)
    doc.updated_by, doc.updated_at = ctx.actor.user_id, naive_utcnow()
    ctx.session.flush()
    return changed


@use_case("inventory.stocktake.edit", zh="编辑盘点单", en="Edit stocktakes")
def record_counts(ctx: Context, *, stocktake_id: int, version: int, counts: Sequence[Mapping[str, Any]]) -> int:
    """Record counted quantities (see apply_counts); returns the stocktake's new version."""
    doc = kernel.load_document(ctx, D.STOCKTAKE, stocktake_id, version=version, lock=True)
    n = apply_counts(ctx, doc, counts)
    ctx.audit(D.STOCKTAKE.code, doc.id, number=doc.number, counted=n)
    return doc.version


@use_case("inventory.stocktake.edit", zh="编辑盘点单", en="Edit stocktakes")
def cancel_stocktake(ctx: Context, *, stocktake_id: int, version: int | None = None) -> str:
    """作废 a stocktake still counting."""
    doc = kernel.load_document(ctx, D.STOCKTAKE, stocktake_id, version=version, lock=True)
    return kernel.transition(ctx, D.STOCKTAKE, doc, "cancel")


@use_case("inventory.stocktake.post", zh="过账盘点单", en="Post stocktakes")
def post_stocktake(ctx: Context, *, stocktake_id: int, version: int | None = None) -> PostResult:
    """The variances as adjustment moves + one voucher against 1901 (every line must be counted)."""
    doc = kernel.load_document(ctx, D.STOCKTAKE, stocktake_id, version=version, lock=True)
    kernel.post_document(ctx, D.STOCKTAKE, doc)
    return post_result(ctx, doc)


def _writeoff_of(ctx: Context, stocktake_id: int) -> StocktakeWriteoff | None:
    """The standing write-off of a stocktake: not cancelled, not reversed (at most one)."""
    return ctx.session.execute(select(StocktakeWriteoff).where(
        StocktakeWriteoff.company_id == _company(ctx), StocktakeWriteoff.stocktake_id == stocktake_id,
        StocktakeWriteoff.reverses_id.is_(None), StocktakeWriteoff.reversed_by_id.is_(None),
        StocktakeWriteoff.status != "cancelled")).scalars().first()


@use_case("inventory.stocktake.reverse", zh="红冲盘点单", en="Reverse stocktakes")
def reverse_stocktake(ctx: Context, *, stocktake_id: int, version: int | None = None,
                      doc_date: dt.date | None = None, comment: str = "") -> PostResult:
    """红字: the adjustment moves and the 1901 voucher negated (refused while a write-off of it stands)."""
    doc = kernel.load_document(ctx, D.STOCKTAKE, stocktake_id, version=version, lock=True)
    w = _writeoff_of(ctx, doc.id)
    if w is not None:
        raise Conflict("error.inv.stocktake_has_writeoff", number=doc.number, writeoff=w.number)
    red = kernel.reverse_document(ctx, D.STOCKTAKE, doc, doc_date=doc_date, comment=comment)
    return post_result(ctx, red)


@use_case("inventory.stocktake.writeoff", zh="盘点损溢处理", en="Write off stocktake results")
def create_writeoff(ctx: Context, *, stocktake_id: int, doc_date: dt.date | None = None, remarks: str = "") -> int:
    """A 盘点损溢处理单 for a posted stocktake (its gains and losses, line by line) submitted for approval
    (the approvals engine, facts: amount = gains + losses). Returns its id."""
    from erp_core.stockops.models import StocktakeWriteoffLine

    st = kernel.load_document(ctx, D.STOCKTAKE, stocktake_id, lock=True)
    if st.posted_at is None or st.reverses_id is not None or st.reversed_by_id is not None:
        raise Conflict("error.inv.writeoff_needs_posted", number=st.number)
    existing = _writeoff_of(ctx, st.id)
    if existing is not None:
        raise Conflict("error.inv.writeoff_exists", number=st.number, writeoff=existing.number)
    gain, loss = D.stocktake_results(ctx, st)
    if gain == 0 and loss == 0:
        raise Conflict("error.inv.writeoff_nothing", number=st.number)
    day = doc_date or st.doc_date
    t = D.STOCKTAKE_WRITEOFF
    doc = StocktakeWriteoff(company_id=st.company_id, number=kernel.next_number(ctx, t, day), doc_date=day,
                            period=period_of(day), status=t.initial, progress="open", created_by=ctx.actor.user_id,
                            warehouse_id=st.warehouse_id, stocktake_id=st.id, gain_amount=gain, loss_amount=loss,
                            total=gain + loss, remarks=(remarks or f"盘点 {st.number}")[:500])
    doc.lines = [StocktakeWriteoffLine(line_no=n, product_id=ln.product_id, warehouse_id=st.warehouse_id,
                                       ordered_qty=abs(D.variance(ln)), unit_price=ln.unit_price,
                                       amount=abs(ln.amount), direction="gain" if ln.amount > 0 else "loss")
                 for n, ln in enumerate([ln for ln in st.lines if ln.amount], start=1)]
    ctx.session.add(doc)
    ctx.session.flush()
    kernel._step(ctx, t, doc, "create", None)
    kernel.link(ctx, D.STOCKTAKE, st, t, doc)
    kernel.submit_document(ctx, t, doc)
    ctx.audit(t.code, doc.id, number=doc.number, gain=gain, loss=loss)
    return doc.id


@use_case("inventory.stocktake.writeoff", zh="盘点损溢处理", en="Write off stocktake results")
def post_writeoff(ctx: Context, *, writeoff_id: int, version: int | None = None) -> PostResult:
    """Post the write-off voucher (Dr stock_loss / Cr 1901, Dr 1901 / Cr stock_gain) once its approval is
    cleared (refused while required and not asked, pending or rejected)."""
    from erp_core.approvals.services import require_cleared

    t = D.STOCKTAKE_WRITEOFF
    doc = kernel.load_document(ctx, t, writeoff_id, version=version, lock=True)
    require_cleared(ctx, t.code, doc.id, kernel.approval_facts(ctx, t, doc))
    kernel.post_document(ctx, t, doc)
    return post_result(ctx, doc)


@use_case("inventory.stocktake.writeoff", zh="盘点损溢处理", en="Write off stocktake results")
def resubmit_writeoff(ctx: Context, *, writeoff_id: int) -> list[int]:
    """Ask for approval again (after a rejection, or when a rule was added since); returns the request ids."""
    t = D.STOCKTAKE_WRITEOFF
    doc = kernel.load_document(ctx, t, writeoff_id, lock=True)
    kernel.ensure_editable(t, doc)
    from erp_core.approvals.services import withdraw_requests

    withdraw_requests(ctx, t.code, doc.id)
    ids = kernel.submit_document(ctx, t, doc)
    ctx.audit(t.code, doc.id, number=doc.number, submitted=len(ids))
    return ids


@use_case("inventory.stocktake.writeoff", zh="盘点损溢处理", en="Write off stocktake results")
def cancel_writeoff(ctx: Context, *, writeoff_id: int, version: int | None = None) -> str:
    """作废 a write-off not yet posted (its approval requests are withdrawn)."""
    from erp_core.approvals.services import withdraw_requests

    t = D.STOCKTAKE_WRITEOFF
    doc = kernel.load_document(ctx, t, writeoff_id, version=version, lock=True)
    withdraw_requests(ctx, t.code, doc.id)
    return kernel.transition(ctx, t, doc, "cancel")


@use_case("inventory.stocktake.writeoff", zh="盘点损溢处理", en="Write off stocktake results")
def reverse_writeoff(ctx: Context, *, writeoff_id: int, version: int | None = None,
                     doc_date: dt.date | None = None, comment: str = "") -> PostResult:
    """红字: the write-off voucher negated (1901 holds the stocktake's result again)."""
    t = D.STOCKTAKE_WRITEOFF
    doc = kernel.load_document(ctx, t, writeoff_id, version=version, lock=True)
    red = kernel.reverse_document(ctx, t, doc, doc_date=doc_date, comment=comment)
    return post_result(ctx, red)


@use_case("inventory.stocktake.edit", zh="编辑盘点单", en="Edit stocktakes")
def import_count_sheet(ctx: Context, *, stocktake_id: int, data: bytes, filename: str,
                       version: int | None = None) -> int:
    """Read a filled-in count sheet (stocktake_queries.export_count_sheet's file, XLSX or CSV) into the
    stocktake: all rows or none (ImportFailed lists every problem by row and column). Returns the new version."""
    from erp_core.stockops.count_sheet import read_counts

    doc = kernel.load_document(ctx, D.STOCKTAKE, stocktake_id, version=version, lock=True)
    kernel.ensure_editable(D.STOCKTAKE, doc)
    counts = read_counts(ctx.session, doc, data, filename, ctx.actor.locale)
    n = apply_counts(ctx, doc, counts)
    ctx.audit(D.STOCKTAKE.code, doc.id, number=doc.number, counted=n, file=filename)
    return doc.version


@query("inventory.stocktake.edit", zh="编辑盘点单", en="Edit stocktakes")
def check_count_sheet(ctx: Context, *, stocktake_id: int, data: bytes, filename: str) -> ImportReport:
    """Read a filled-in count sheet without writing anything: the report lists every problem by row and column
    (empty when import_count_sheet would take the file)."""
    from erp_core.stockops.count_sheet import KIND, read_counts

    doc = kernel.load_document(ctx, D.STOCKTAKE, stocktake_id)
    try:
        counts = read_counts(ctx.session, doc, data, filename, ctx.actor.locale)
    except ImportFailed as exc:
        return exc.report
    return ImportReport(kind=KIND, rows=len(counts))
