"""The document kernel's operations, called INSIDE a module's use cases (each module's use case owns the
permission, e.g. ``purchasing.order.confirm``; the kernel owns the rules every type obeys):

- ``create_document(ctx, dt, doc_date=, lines=, **header)``  number per type and period, initial state;
- ``load_document(ctx, dt, doc_id, version=None, lock=False)``  the company's document, version checked;
- ``update_document(ctx, dt, doc, version=, lines=None, **header)``  only in an editable state, never posted;
- ``transition(ctx, dt, doc, action, comment="")``  workflow as data + the approval gate + the step history;
- ``link(ctx, from_type, from_doc, to_type, to_doc, ..., counts_as=None)``  a link both ways; with counts_as the
  upstream line's received/invoiced/returned quantity grows by ``quantity`` (so its progress follows);
- ``lock_upstream_lines(ctx, refs, order_type=None)``  before an invoice/return counts against upstream lines:
  their headers locked (downstream first, id order), the lines read after the lock;
- ``post_document(ctx, dt, doc)``  the type's posting function -> stock moves + one voucher, same transaction;
- ``reverse_document(ctx, dt, doc, doc_date=None)``  a red copy: negated lines, moves and voucher, linked.

And the use case that sets the per-type number prefix and voucher mode (``documents.setting.edit``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from erp_core.db.master_cache import kept
from erp_core.documents.models import VOUCHER_MODES, DocumentLink, DocumentSetting, DocumentStep
from erp_core.documents.registry import DocumentType, PostingSpec, document_type
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN, QUANTITY_SCALE, has_scale, to_decimal
from erp_core.kernel.numbering import allocate_number
from erp_core.ledger.bulk import insert_rows
from erp_core.ledger.periods import period_of
from erp_core.usecase import Context, use_case

F_DATE = "field.documents.doc_date"
F_QTY = "field.documents.quantity"
F_PRICE = "field.documents.unit_price"
F_PREFIX = "field.documents.number_prefix"
F_MODE = "field.documents.voucher_mode"
HEADER_FIELDS = ("remarks", "attachments", "partner_id", "department_id", "project_id", "warehouse_id")
LINE_FIELDS = ("product_id", "warehouse_id", "ordered_qty", "unit_price", "remarks")
MAX_QTY = Decimal(10) ** 12
_REVERSED_TYPE = {"receipt": "issue", "issue": "receipt", "transfer_in": "transfer_out",
                  "transfer_out": "transfer_in", "adjustment": "adjustment", "revaluation": "revaluation"}


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _setting(ctx: Context, code: str) -> tuple[str | None, str]:
    """(number prefix or None, voucher mode) of ``code``: its own row, else the company row "", else defaults
    (kept across transactions: erp_core/db/master_cache.py)."""
    cid = _company(ctx)
    return kept(ctx.session, "documents.setting", cid, lambda: _read_setting(ctx, cid, code), code)


def _read_setting(ctx: Context, cid: int, code: str) -> tuple[str | None, str]:
    rows = {r.doc_type: r for r in ctx.session.execute(select(
        DocumentSetting.doc_type, DocumentSetting.number_prefix, DocumentSetting.voucher_mode).where(
        DocumentSetting.company_id == cid, DocumentSetting.doc_type.in_(["", code])))}
    own, default = rows.get(code), rows.get("")
    prefix = own.number_prefix if own is not None else None
    mode = (own.voucher_mode if own is not None and own.voucher_mode else None) or \
        (default.voucher_mode if default is not None and default.voucher_mode else None) or "post"
    return prefix, mode


def next_number(ctx: Context, t: DocumentType, doc_date: dt.date) -> str:
    """The next number of type ``t`` in the period of ``doc_date``: <prefix><YYYYMM>-<0001>, gap-free."""
    prefix, _ = _setting(ctx, t.code)
    period = period_of(doc_date)
    n = allocate_number(ctx.session, _company(ctx), f"doc:{t.code}", period)
    return f"{prefix if prefix is not None else t.prefix}{period.replace('-', '')}-{n:04d}"


def line_number(value: Any, field: str, line: int, problems: list[ValidationError], *, positive: bool = True,
                signed: bool = False) -> Decimal | None:
    """A quantity, price or percentage typed on a document line: a finite number within what a Quantity column
    holds, at most QUANTITY_SCALE decimals, > 0 (``positive``) or >= 0 (or of either sign: ``signed``); else a
    problem naming field and line is added and None returned. The kernel checks every line with it; modules check
    their own fields the same way."""
    try:
        d = to_decimal(value)
    except (TypeError, ValueError):
        d = None
    if d is None or not d.is_finite() or abs(d) > MAX_QTY:
        problems.append(ValidationError("error.documents.number", field=field, line=line))
        return None
    if not has_scale(d, QUANTITY_SCALE):
        problems.append(ValidationError("error.documents.decimals", field=field, line=line, scale=QUANTITY_SCALE))
        return None
    if not signed and ((positive and d <= 0) or d < 0):
        problems.append(ValidationError("error.documents.quantity_positive" if positive else
                                        "error.documents.not_negative", field=field, line=line))
        return None
    return d + 0


def _clean_lines(lines: Sequence[Mapping[str, Any]], *, signed: bool = False) -> list[dict[str, Any]]:
    """The lines checked: quantity > 0, unit price >= 0 (of either sign only for a type declared
    ``signed_prices``, whose lines are amounts owed either way, e.g. a payroll 补扣)."""
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out = []
    for i, ln in enumerate(lines or [], start=1):
        qty = line_number(ln.get("ordered_qty"), F_QTY, i, problems, positive=True)
        price = line_number(ln.get("unit_price", 0), F_PRICE, i, problems, positive=False, signed=signed)
        row = {k: ln.get(k) for k in LINE_FIELDS if k in ln}
        row.update(line_no=i, ordered_qty=qty, unit_price=price if price is not None else Decimal(0))
        if qty is not None and price is not None:
            row["amount"] = (qty * price).quantize(FEN, rounding=ROUND_HALF_UP)
        out.append(row)
    raise_if(problems)
    return out


def _step(ctx: Context, t: DocumentType, doc: Any, action: str, before: str | None, comment: str = "") -> None:
    ctx.session.add(DocumentStep(company_id=doc.company_id, doc_type=t.code, doc_id=doc.id, action=action,
                                 from_status=before, to_status=doc.status, user_id=ctx.actor.user_id,
                                 username=ctx.actor.username, comment=(comment or "")[:500], at=naive_utcnow()))


def _dt(doc_type: DocumentType | str) -> DocumentType:
    return doc_type if isinstance(doc_type, DocumentType) else document_type(doc_type)


def create_document(ctx: Context, doc_type: DocumentType | str, *, doc_date: dt.date,
                    lines: Sequence[Mapping[str, Any]], prepare: Callable[[Any], None] | None = None,
                    **header: Any) -> Any:
    """A new document in the type's initial state, numbered in the period of ``doc_date``; returns it.
    ``prepare(doc)``: the module fills its own columns (tax, totals) BEFORE the first write, so the document is
    born at version 1 (a second flush after creation moved a new order to version 2)."""
    t = _dt(doc_type)
    if not isinstance(doc_date, dt.date) or isinstance(doc_date, dt.datetime):
        raise ValidationError("error.required", field=F_DATE)
    clean = _clean_lines(lines, signed=t.signed_prices)
    unknown = set(header) - set(HEADER_FIELDS) - set(t.extra.get("header_fields", ()))
    if unknown:
        raise TypeError(f"unknown header fields {sorted(unknown)}")
    doc = t.header(company_id=_company(ctx), number=next_number(ctx, t, doc_date), doc_date=doc_date,
                   period=period_of(doc_date), status=t.initial, progress="open", created_by=ctx.actor.user_id,
                   **header)
    doc.lines = [t.line(**row) for row in clean]
    doc.total = sum((ln.amount for ln in doc.lines), Decimal(0))
    if prepare is not None:
        with ctx.session.no_autoflush:
            prepare(doc)
    ctx.session.add(doc)
    ctx.session.flush()
    _step(ctx, t, doc, "create", None)
    ctx.audit(t.code, doc.id, number=doc.number)
    return doc


def load_document(ctx: Context, doc_type: DocumentType | str, doc_id: int, *, version: int | None = None,
                  lock: bool = False, for_posting: bool = False) -> Any:
    """The document of the actor's company (NotFound otherwise), checked against the version the form saw.
    ``for_posting``: read with Core with its lines in one statement, locked (FOR UPDATE OF the header where the
    database can say so), as a ``documents.rows.Row`` (not an ORM object): post_document writes what the posting
    changed with explicit statements (docs/documents.md "Posting cost")."""
    from erp_core.documents.rows import load_for_posting

    t = _dt(doc_type)
    if for_posting:
        doc = load_for_posting(ctx.session, t, doc_id, lock=lock)
    else:
        stmt = select(t.header).where(t.header.id == doc_id)
        doc = ctx.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if doc is None or (not ctx.actor.is_system and doc.company_id != ctx.actor.company_id):
        raise NotFound(entity=t.code, id=doc_id)
    ctx.check_version(doc, version)
    return doc


def ensure_editable(t: DocumentType, doc: Any) -> None:
    if doc.posted_at is not None:
        raise Conflict("error.documents.posted_frozen", number=doc.number)
    if doc.status not in t.editable:
        raise Conflict("error.documents.not_editable", number=doc.number, status=doc.status)


def update_document(ctx: Context, doc_type: DocumentType | str, doc: Any, *, version: int,
                    lines: Sequence[Mapping[str, Any]] | None = None,
                    prepare: Callable[[Any], None] | None = None, **header: Any) -> Any:
    """Change an editable document (header fields and/or all its lines). Any approval it had is withdrawn:
    the approvers saw other content. ``prepare(doc)`` fills the module's own columns before the write (one
    version step per edit)."""
    from erp_core.approvals.services import withdraw_requests

    t = _dt(doc_type)
    ctx.check_version(doc, version)
    ensure_editable(t, doc)
    unknown = set(header) - set(HEADER_FIELDS) - set(t.extra.get("header_fields", ()))
    if unknown:
        raise TypeError(f"unknown header fields {sorted(unknown)}")
    if "doc_date" in header:
        raise TypeError("doc_date is fixed by the number")
    ctx.diff(doc, **header)
    if lines is not None:
        clean = _clean_lines(lines, signed=t.signed_prices)
        doc.lines = [t.line(**row) for row in clean]
        doc.total = sum((ln.amount for ln in doc.lines), Decimal(0))
        ctx.changes["lines"] = len(clean)
    if prepare is not None:
        with ctx.session.no_autoflush:
            prepare(doc)
    doc.updated_by, doc.updated_at = ctx.actor.user_id, naive_utcnow()  # the header row changes: version + 1
    withdraw_requests(ctx, t.code, doc.id)
    ctx.session.flush()
    ctx.audit(t.code, doc.id, number=doc.number)
    return doc


def approval_facts(ctx: Context, t: DocumentType, doc: Any) -> dict[str, Any]:
    facts = dict(t.approval_facts(ctx, doc)) if t.approval_facts is not None else {}
    facts.setdefault("amount", doc.total)
    return facts


def submit_document(ctx: Context, doc_type: DocumentType | str, doc: Any) -> list[int]:
    """Ask the approvals engine for ``doc`` (its creator is the one who may not approve it); returns the ids
    of the requests created, [] when no rule asks for approval."""
    from erp_core.approvals.services import submit_for_approval

    t = _dt(doc_type)
    return submit_for_approval(ctx, t.code, doc.id, approval_facts(ctx, t, doc), owner_id=doc.created_by,
                               summary=f"{doc.number} {doc.total:,.2f}")


def transition(ctx: Context, doc_type: DocumentType | str, doc: Any, action: str, *, comment: str = "") -> str:
    """Apply a workflow action. Actions in the type's approval_actions are refused while an approval is
    required but not asked, pending, or rejected. Posting has its own function (post_document)."""
    from erp_core.approvals.services import require_cleared

    t = _dt(doc_type)
    if action in (t.post_action, t.reverse_action):
        raise Conflict("error.documents.use_post", action=action)
    if doc.posted_at is not None:
        raise Conflict("error.documents.posted_frozen", number=doc.number)
    target = t.workflow.target(doc.status, action)  # InvalidTransition first: the clearer message
    if action in t.approval_actions:
        require_cleared(ctx, t.code, doc.id, approval_facts(ctx, t, doc))
    before, doc.status = doc.status, target
    doc.updated_by, doc.updated_at = ctx.actor.user_id, naive_utcnow()
    _step(ctx, t, doc, action, before, comment)
    ctx.session.flush()
    ctx.audit(t.code, doc.id, number=doc.number, status=[before, target])
    return target


def link(ctx: Context, from_type: DocumentType | str, from_doc: Any, to_type: DocumentType | str, to_doc: Any, *,
         from_line: Any = None, to_line: Any = None, quantity: Decimal | None = None, counts_as: str | None = None,
         kind: str = "flow", flush: bool = True) -> DocumentLink:
    """Record that ``to_doc`` (downstream) was made from ``from_doc`` (upstream). With ``counts_as`` (one of the
    upstream type's tracked quantities) and a ``from_line``, that line's <counts_as>_qty grows by ``quantity``
    (negative for a red copy), so the upstream progress follows, even when the upstream is posted. ``flush=False``
    leaves the flush to the caller (many links of one document: one flush, one guard pass, not one per line).
    The quantity written is the line's as read: with ``counts_as``, the caller locked the upstream headers and
    read the lines after the lock first (``lock_upstream_lines``), so a posting against the same lines at the
    same instant has committed or waits."""
    ft, tt = _dt(from_type), _dt(to_type)
    if from_doc.company_id != to_doc.company_id:
        raise NotFound(entity=ft.code, id=from_doc.id)
    if counts_as is not None:
        if counts_as not in ft.tracks or from_line is None or quantity is None:
            raise ValueError(f"counts_as={counts_as!r} needs a from_line, a quantity and a tracked quantity")
        if from_line.header_id != from_doc.id:
            raise NotFound(entity=ft.code, id=from_doc.id)
        attr = f"{counts_as}_qty"
        setattr(from_line, attr, (getattr(from_line, attr) or Decimal(0)) + quantity)
    row = DocumentLink(company_id=from_doc.company_id, kind=kind, from_type=ft.code, from_id=from_doc.id,
                       from_line=getattr(from_line, "id", from_line), to_type=tt.code, to_id=to_doc.id,
                       to_line=getattr(to_line, "id", to_line), quantity=quantity, counts_as=counts_as,
                       created_by=ctx.actor.user_id, created_at=naive_utcnow())
    ctx.session.add(row)
    if flush:
        ctx.session.flush()
    return row


def upstream_lines(ctx: Context, doc_type: DocumentType | str, down_type: DocumentType | str, doc: Any,
                   column: str = "order_line_id") -> dict[int, Any]:
    """The lines of ``doc_type`` (the upstream of ``doc``, a ``down_type`` being posted) that ``doc``'s lines name
    in ``column``, by id, as ``documents.rows.Row`` objects read with Core in one statement: each line with its
    header, each header with all its lines (``link_lines`` derives its progress from them). The headers are
    locked first, in id order (``documents.rows.lock_upstream``): the checks a posting makes against them see
    every posting against the same order that committed before it."""
    from erp_core.documents.rows import upstream_rows

    return upstream_rows(ctx.session, _dt(doc_type), _dt(down_type), doc.id, column)


def lock_upstream_lines(ctx: Context, refs: Iterable[tuple[DocumentType | str, Any]], *,
                        order_type: DocumentType | str | None = None) -> None:
    """Before a posting checks and counts quantities against upstream lines with ``link(counts_as=...)`` (an
    invoice or a return against receipt, delivery or order lines; a red copy counting back), after the document
    itself was locked: lock the headers of the lines ``refs`` ((type, line id) each; None ids are skipped) and,
    with ``order_type``, of the order lines those lines name in ``order_line_id``, then read the headers and all
    their lines again. A second posting against one of them waits at the lock until the first commits and then
    checks and adds to what the first committed (an absolute write of a value read before the lock lost the
    first's quantity, and a line updated before its header's lock deadlocked with a receipt or delivery, which
    locks the order headers before its lines: documents.rows.lock_upstream).

    One lock order for every posting, so none waits for another in reverse: the document, then the upstream
    headers further downstream first (fewer tracked quantities: a sales return, then receipts and deliveries,
    then orders), each type's in id order. The lines are read after the lock in statements of their own
    (READ COMMITTED: they see what committed while this one waited), overwriting the copies in the session.
    Nothing on SQLite (its writers are serialized by BEGIN IMMEDIATE)."""
    from erp_core.db.prepared import connection_of
    from erp_core.documents.rows import lock_headers

    s = ctx.session
    if connection_of(s).dialect.name == "sqlite":
        return
    wanted: dict[str, tuple[DocumentType, set[int]]] = {}
    for t, line_id in refs:
        if isinstance(line_id, int) and not isinstance(line_id, bool):
            ty = _dt(t)
            wanted.setdefault(ty.code, (ty, set()))[1].add(line_id)
    if order_type is not None:
        ot = _dt(order_type)
        for ty, ids in list(wanted.values()):
            column = ty.line.__table__.c.get("order_line_id")
            if ty.code == ot.code or column is None:
                continue
            more = [i for i in s.execute(select(column).where(ty.line.__table__.c.id.in_(sorted(ids)))).scalars()
                    if i is not None]
            if more:
                wanted.setdefault(ot.code, (ot, set()))[1].update(more)
    for ty, ids in sorted(wanted.values(), key=lambda g: (len(g[0].tracks), g[0].code)):
        lt = ty.line.__table__
        heads = sorted(set(s.execute(select(lt.c.header_id).where(lt.c.id.in_(sorted(ids)))).scalars()))
        if not heads:
            continue
        lock_headers(s, ty, heads)
        fresh = {"populate_existing": True}
        s.execute(select(ty.header).where(ty.header.id.in_(heads)).execution_options(**fresh)).scalars().all()
        s.execute(select(ty.line).where(ty.line.header_id.in_(heads)).execution_options(**fresh)).scalars().all()


def link_lines(ctx: Context, from_type: DocumentType | str, to_type: DocumentType | str, to_doc: Any,
               pairs: Sequence[tuple[Any, Any, Any, Decimal]], *, counts_as: str, kind: str = "flow") -> int:
    """``link`` for the lines of one document at once (posting a receipt or a delivery links each of its lines to
    an order line): ``pairs`` are (from_doc, from_line, to_line, quantity), the upstream rows as
    ``upstream_lines`` read them. Each upstream line's <counts_as>_qty grows by its quantity (one relative
    UPDATE per line in one executemany), its header's progress follows (written with the header's version in
    the WHERE clause: documents.rows.count_upstream), and the link rows are written with one Core insert.
    Returns the number of links."""
    from erp_core.documents.rows import count_upstream

    ft, tt = _dt(from_type), _dt(to_type)
    if counts_as not in ft.tracks:
        raise ValueError(f"counts_as={counts_as!r} is not a tracked quantity of {ft.code}")
    now, rows, items = naive_utcnow(), [], []
    for from_doc, from_line, to_line, quantity in pairs:
        if from_doc.company_id != to_doc.company_id:
            raise NotFound(entity=ft.code, id=from_doc.id)
        if from_line is None or quantity is None:
            raise ValueError("link_lines needs a from_line and a quantity for every pair")
        if from_line.header_id != from_doc.id:
            raise NotFound(entity=ft.code, id=from_doc.id)
        items.append((from_line, quantity))
        rows.append({"company_id": from_doc.company_id, "kind": kind, "from_type": ft.code, "from_id": from_doc.id,
                     "from_line": from_line.id, "to_type": tt.code, "to_id": to_doc.id,
                     "to_line": getattr(to_line, "id", to_line), "quantity": quantity, "counts_as": counts_as,
                     "created_by": ctx.actor.user_id, "created_at": now})
    count_upstream(ctx, ft, items, f"{counts_as}_qty", entity=ft.header.__name__)
    insert_rows(ctx.session, DocumentLink.__table__, rows)
    return len(rows)


def _posting_key(t: DocumentType, doc: Any) -> str:
    return f"doc:{t.code}:{doc.id}"


def _write_voucher(ctx: Context, t: DocumentType, doc: Any, spec: PostingSpec, lines: Sequence[Mapping[str, Any]],
                   *, key: str, reverses_id: int | None = None) -> int:
    """One voucher for the document, posted at once or left as a draft for review (company setting)."""
    from erp_core.ledger.posting import create_and_post_system_voucher

    _, mode = _setting(ctx, t.code)
    if mode == "draft":
        return _draft_voucher(ctx, spec, lines, reverses_id=reverses_id)
    return create_and_post_system_voucher(ctx, voucher_date=spec.posting_date, lines=lines, posting_key=key,
                                          voucher_type=spec.voucher_type, attachments=spec.attachments,
                                          source="system" if reverses_id is None else "reversal",
                                          reverses_id=reverses_id, allow_negative_total=reverses_id is not None,
                                          fresh_key=True)


def _draft_voucher(ctx: Context, spec: PostingSpec, lines: Sequence[Mapping[str, Any]], *,
                   reverses_id: int | None) -> int:
    """A draft voucher (the voucher use case's checks), reviewed and posted later by the accountants."""
    from erp_core.finance.accounts import accounts_for_lines, finance_setting
    from erp_core.finance.models import VOUCHER_TYPES, Voucher, VoucherLine
    from erp_core.finance.voucher_rules import check_header, check_lines
    from erp_core.ledger.periods import is_open
    from erp_core.ledger.sequences import allocate_block, voucher_series

    s, company_id = ctx.session, _company(ctx)
    voucher_type = spec.voucher_type or finance_setting(s, company_id).voucher_types()[0]
    period = period_of(spec.posting_date)
    by_id, by_code = accounts_for_lines(s, company_id, lines)
    clean, problems = check_lines(lines, by_id, by_code, allow_negative_total=reverses_id is not None)
    raise_if(check_header(voucher_date=spec.posting_date, voucher_type=voucher_type, allowed_types=VOUCHER_TYPES,
                          attachments=spec.attachments, closed=not is_open(s, company_id, period)) + problems)
    values = [c.values() for c in clean]
    v = Voucher(company_id=company_id, voucher_type=voucher_type, period=period,
                number=allocate_block(s, company_id, voucher_series(voucher_type), period, 1),
                voucher_date=spec.posting_date, attachments=spec.attachments, status="draft",
                total=sum((c.debit for c in clean), Decimal(0)), reverses_id=reverses_id,
                source="system" if reverses_id is None else "reversal", created_by=ctx.actor.user_id,
                created_by_name=ctx.actor.username)
    v.lines = [VoucherLine(**val) for val in values]
    s.add(v)
    s.flush()
    return v.id


def post_document(ctx: Context, doc_type: DocumentType | str, doc: Any) -> Any:
    """Post ``doc``: its type's posting function gives the stock moves and the voucher lines; both are written
    (inventory.posting.post_stock_moves, ledger posting) in the caller's transaction, keyed by the document, and
    the document is frozen. A document already posted is refused (Conflict), so nothing is written twice.
    ``doc`` is an ORM object or a ``documents.rows.Row`` (load_document(for_posting=True)); either way its
    posted state is written by one UPDATE with its version in the WHERE clause (documents.rows.write_posted)."""
    t = _dt(doc_type)
    if t.posting is None:
        raise Conflict("error.documents.not_postable", doc_type=t.code)
    if doc.posted_at is not None:
        raise Conflict("error.documents.already_posted", number=doc.number)
    target = t.workflow.target(doc.status, t.post_action)
    spec = t.posting(ctx, doc)
    return _post_spec(ctx, t, doc, spec, target, action=t.post_action)


def _post_spec(ctx: Context, t: DocumentType, doc: Any, spec: PostingSpec, target: str, *, action: str,
               reverses_voucher: int | None = None) -> Any:
    from erp_core.inventory.posting import post_stock_moves

    key = _posting_key(t, doc)  # never used: the document is not posted yet (post_document, reverse_document
    # refuse a posted one; the caller holds its row), so the ledgers' replay look-ups are skipped (fresh_key)
    stock_posting_id = voucher_id = None
    # The stock ledger and the voucher are written with Core and read only stored rows (stock moves, accounts,
    # periods, sequences), so the document's pending changes need not be flushed before their reads; the
    # document row is written once, below.
    with ctx.session.no_autoflush:
        if spec.moves:
            result = post_stock_moves(ctx, moves=spec.moves, posting_key=key, move_date=spec.posting_date,
                                      source_type=t.code, source_id=doc.id, source_ref=doc.number, fresh_key=True)
            stock_posting_id = result.posting_id
            from erp_core.costing.recompute import after_stock_posting  # backdated: later issues' costs, now

            after_stock_posting(ctx, result, move_date=spec.posting_date)
        if spec.voucher_lines:
            voucher_id = _write_voucher(ctx, t, doc, spec, spec.voucher_lines, key=key,
                                        reverses_id=reverses_voucher)
    # The document guard's rules, explicitly: not posted (checked by the callers, and posted_at IS NULL in the
    # UPDATE), the workflow's target (``target``), the version in the WHERE clause (documents.rows).
    from erp_core.documents.rows import insert_step, write_posted

    before, now = doc.status, naive_utcnow()
    values = {"status": target, "posted_by": ctx.actor.user_id, "posted_at": now}
    if stock_posting_id is not None:
        values["stock_posting_id"] = stock_posting_id
    if voucher_id is not None:
        values["voucher_id"] = voucher_id
    write_posted(ctx, t, doc, values, entity=t.header.__name__)
    insert_step(ctx.session, company_id=doc.company_id, doc_type=t.code, doc_id=doc.id, action=action,
                from_status=before, to_status=target, user_id=ctx.actor.user_id, username=ctx.actor.username,
                comment="", at=now)
    ctx.audit(t.code, doc.id, number=doc.number, status=[before, target], voucher_id=doc.voucher_id,
              stock_posting_id=doc.stock_posting_id)
    return doc


def _red_value(value: Any, how: str = "auto") -> Any:
    """A header or line value as the red copy carries it: amounts negated ("negate", or "auto" for a Decimal),
    everything else (invoice number, VAT kind, accounts, references: "copy") as it was."""
    if how == "negate" or (how == "auto" and isinstance(value, Decimal)):
        return -value if value is not None else None
    return value


def reverse_document(ctx: Context, doc_type: DocumentType | str, doc: Any, *, doc_date: dt.date | None = None,
                     comment: str = "") -> Any:
    """红字: a new document of the same type with negated lines, its stock moves the original's negated (same
    unit costs, opposite move types) and its voucher the original's negated, linked both ways (kind
    "reversal"); quantities the original counted on its upstream lines are counted back. Returns the red copy."""
    from erp_core.finance.models import VoucherLine
    from erp_core.inventory.models import StockMove

    t = _dt(doc_type)
    s = ctx.session
    if doc.posted_at is None:
        raise Conflict("error.documents.reverse_unposted", number=doc.number)
    if doc.reverses_id is not None:
        raise Conflict("error.documents.reverse_red", number=doc.number)
    if doc.reversed_by_id is not None:
        raise Conflict("error.documents.already_reversed", number=doc.number)
    # what the original counted on its upstream lines, counted back below: their headers locked first, before
    # this writes anything (lock_upstream_lines: the same order as a posting against them)
    counted = s.execute(select(DocumentLink).where(
        DocumentLink.company_id == doc.company_id, DocumentLink.to_type == t.code, DocumentLink.to_id == doc.id,
        DocumentLink.counts_as.is_not(None)).order_by(DocumentLink.id)).scalars().all()
    lock_upstream_lines(ctx, [(up.from_type, up.from_line) for up in counted])
    day = doc_date or doc.doc_date
    own = {f: _red_value(getattr(doc, f)) for f in t.extra.get("header_fields", ()) if f != "source_no"}
    own.update({f: _red_value(getattr(doc, f), how) for f, how in t.extra.get("red_copy_fields", {}).items()})
    red = t.header(company_id=doc.company_id, number=next_number(ctx, t, day), doc_date=day, period=period_of(day),
                   status=doc.status, progress="open", created_by=ctx.actor.user_id, reverses_id=doc.id,
                   remarks=(comment or f"红字冲销 {doc.number}")[:500],
                   **{f: getattr(doc, f) for f in HEADER_FIELDS if f != "remarks"}, **own)
    line_extra = t.extra.get("red_copy_line_fields", {})
    red.lines = [t.line(line_no=ln.line_no, product_id=ln.product_id, warehouse_id=ln.warehouse_id,
                        ordered_qty=-ln.ordered_qty, unit_price=ln.unit_price, amount=-ln.amount,
                        remarks=ln.remarks, **{f: _red_value(getattr(ln, f), how) for f, how in line_extra.items()})
                 for ln in doc.lines]
    red.total = -doc.total
    s.add(red)
    s.flush()
    moves = [{"warehouse_id": m.warehouse_id, "location_id": m.location_id, "product_id": m.product_id,
              "quantity": -m.quantity, "unit_cost": m.unit_cost, "move_type": _REVERSED_TYPE[m.move_type],
              **({"amount": -m.amount} if m.move_type == "revaluation" else {})}
             for m in s.execute(select(StockMove).where(StockMove.company_id == doc.company_id,
                                                        StockMove.posting_id == doc.stock_posting_id)
                                .order_by(StockMove.move_seq)).scalars()] if doc.stock_posting_id else []
    vlines = []
    if doc.voucher_id is not None:
        prefix = f"红字冲销{doc.number}"
        for ln in s.execute(select(VoucherLine).where(VoucherLine.voucher_id == doc.voucher_id)
                            .order_by(VoucherLine.line_no)).scalars():
            vlines.append({"line_no": ln.line_no, "account_id": ln.account_id, "debit": -ln.debit,
                           "credit": -ln.credit, "summary": f"{prefix}：{ln.summary}"[:200] if ln.summary else prefix,
                           **{c: getattr(ln, c) for c in ("department_id", "project_id", "customer_id",
                                                          "supplier_id", "employee_id", "product_id")}})
    spec = PostingSpec(posting_date=day, moves=moves, voucher_lines=vlines)
    red.status = doc.status  # the red copy is born in the posted state (it never was a draft)
    _post_spec(ctx, t, red, spec, doc.status, action="reverse", reverses_voucher=doc.voucher_id)
    doc.reversed_by_id = red.id
    if t.reverse_action is not None:
        before = doc.status
        doc.status = t.workflow.target(doc.status, t.reverse_action)
        _step(ctx, t, doc, t.reverse_action, before, comment)
    link(ctx, t, doc, t, red, kind="reversal")
    # Count back what the original counted on its upstream lines.
    for up in counted:
        ut = document_type(up.from_type)
        up_doc = s.get(ut.header, up.from_id)
        up_line = s.get(ut.line, up.from_line)
        link(ctx, ut, up_doc, t, red, from_line=up_line, quantity=-up.quantity, counts_as=up.counts_as)
    s.flush()
    ctx.audit(t.code, red.id, number=red.number, reverses=doc.number)
    return red


@use_case("documents.setting.edit", zh="修改单据设置", en="Change document settings")
def set_document_setting(ctx: Context, *, doc_type: str, number_prefix: str | None = None,
                         voucher_mode: str | None = None) -> None:
    """Per document type ("" = the company default): the number prefix (letters/digits, up to 10) and whether
    its vouchers are posted at once ("post") or created as drafts for review ("draft")."""
    problems = []
    if doc_type:
        document_type(doc_type)
    if number_prefix is not None:
        number_prefix = number_prefix.strip()
        if len(number_prefix) > 10 or not all(c.isalnum() or c in "-_" for c in number_prefix):
            problems.append(ValidationError("error.documents.prefix", field=F_PREFIX))
    if voucher_mode is not None and voucher_mode not in VOUCHER_MODES:
        problems.append(ValidationError("error.documents.voucher_mode", field=F_MODE))
    raise_if(problems)
    company_id = ctx.actor.company_id
    row = ctx.session.get(DocumentSetting, (company_id, doc_type))
    if row is None:
        row = DocumentSetting(company_id=company_id, doc_type=doc_type)
        ctx.session.add(row)
    ctx.diff(row, number_prefix=number_prefix or None, voucher_mode=voucher_mode)
    ctx.session.flush()
    ctx.audit("document_setting", doc_type or "*")
