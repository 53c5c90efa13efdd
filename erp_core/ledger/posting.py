"""Posting: the ONLY code that writes gl_line (总账分录). Small API for the other finance modules:

- ``post_voucher(db, actor, voucher_id=, posting_key=None)``  use case: a reviewed voucher -> posted, its lines
  copied to gl_line in the same transaction. Idempotent: the same key with the same content returns the first
  result (no second set of lines); the same key with other content raises Conflict.
- ``reverse_voucher(db, actor, voucher_id=, voucher_date=None)``  use case: 红字冲销, posts a new voucher with
  negated amounts on the same sides, linked by ``reverses_id``; a voucher is reversed at most once.
- ``create_and_post_system_voucher(ctx, voucher_date=, lines=, posting_key=, ...)``  for generated vouchers
  (period close, carry-forward, VAT transfer): call it inside your own use case with its Context.
- ``write_gl_lines(session, ...)``  the Core bulk insert used by the above and by the voucher import.

gl_line.posting_seq is gap-free per company: the block is allocated under the doc_sequence row lock inside the
posting transaction, so commit order equals sequence order (analytics syncs by ``posting_seq > watermark``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from erp_core.finance.accounts import accounts_for_lines, finance_setting
from erp_core.finance.models import VOUCHER_TYPES, Account, Voucher, VoucherLine
from erp_core.finance.voucher_rules import DIM_COLUMNS, check_header, check_lines, raise_if
from erp_core.finance.workflow import VOUCHER_FLOW
from erp_core.kernel.clock import naive_utcnow, utcnow
from erp_core.kernel.errors import Conflict, NotFound
from erp_core.kernel.money import FEN
from erp_core.ledger.bulk import insert_rows
from erp_core.ledger.hooks import run_pre_post_checks
from erp_core.ledger.models import GlLine, Posting
from erp_core.ledger.periods import is_open, period_of
from erp_core.ledger.sequences import GL_SEQUENCE, allocate_block, voucher_series
from erp_core.usecase import Context, use_case


@dataclass(frozen=True)
class PostingResult:
    voucher_id: int
    first_seq: int  # posting_seq of the first gl_line written
    line_count: int
    replayed: bool = False  # True when the key had been posted before and nothing new was written


def _money(d: Decimal) -> str:
    return str(Decimal(d).quantize(FEN))


def content_hash(company_id: int, voucher_type: str, voucher_date: dt.date,
                 lines: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of what a posting writes (date, type, and per line: account, amounts, summary, dimensions)."""
    payload = [company_id, voucher_type, voucher_date.isoformat(),
               [[int(ln["line_no"]), int(ln["account_id"]), _money(ln["debit"]), _money(ln["credit"]),
                 ln.get("summary") or "", [ln.get(c) for c in DIM_COLUMNS]] for ln in lines]]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def line_dicts(voucher: Voucher) -> list[dict[str, Any]]:
    return [{"line_no": ln.line_no, "summary": ln.summary, "account_id": ln.account_id, "debit": ln.debit,
             "credit": ln.credit, **{c: getattr(ln, c) for c in DIM_COLUMNS}} for ln in voucher.lines]


def write_gl_lines(session: Session, *, company_id: int, entries: Sequence[tuple[int, dt.date, Sequence[Mapping]]],
                   account_codes: Mapping[int, str], posted_at: dt.datetime | None = None) -> int:
    """Append the gl_line rows of one or more vouchers with one Core bulk insert. ``entries`` are
    (voucher_id, posting_date, lines). Returns the first posting_seq of the block."""
    total = sum(len(lines) for _, _, lines in entries)
    first = allocate_block(session, company_id, GL_SEQUENCE, "", total)
    at = posted_at or naive_utcnow()
    rows, seq = [], first
    for voucher_id, day, lines in entries:
        period = period_of(day)
        for ln in lines:
            rows.append({"company_id": company_id, "posting_seq": seq, "voucher_id": voucher_id,
                         "line_no": ln["line_no"], "posting_date": day, "period": period,
                         "account_id": ln["account_id"], "account_code": account_codes[ln["account_id"]],
                         "summary": ln.get("summary") or "", "debit": ln["debit"], "credit": ln["credit"],
                         **{c: ln.get(c) for c in DIM_COLUMNS}, "posted_at": at})
            seq += 1
    insert_rows(session, GlLine.__table__, rows)
    return first


def _codes(session: Session, account_ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(Account.id, Account.code).where(Account.id.in_(sorted(account_ids)))).all())


def _existing_posting(session: Session, company_id: int, key: str) -> Posting | None:
    return session.execute(select(Posting).where(Posting.company_id == company_id,
                                                 Posting.posting_key == key)).scalar_one_or_none()


def _revalidate(ctx: Context, voucher: Voucher, lines: list[dict], *, allow_negative_total: bool
                ) -> dict[int, str]:
    """The posting-time checks (accounts still leaf and active, period open); returns account id -> code."""
    s = ctx.session
    by_id, by_code = accounts_for_lines(s, voucher.company_id, lines)
    _, problems = check_lines(lines, by_id, by_code, allow_negative_total=allow_negative_total)
    closed = not is_open(s, voucher.company_id, voucher.period, lock=True)
    problems = check_header(voucher_date=voucher.voucher_date, voucher_type=voucher.voucher_type,
                            allowed_types=VOUCHER_TYPES, attachments=voucher.attachments, closed=closed) + problems
    raise_if(problems)
    return {i: a.code for i, a in by_id.items()}


def _post_loaded(ctx: Context, voucher: Voucher, key: str, codes: dict[int, str] | None = None) -> PostingResult:
    """Write the ledger lines of a loaded voucher and mark it posted (status checks are the caller's)."""
    s = ctx.session
    lines = line_dicts(voucher)
    run_pre_post_checks(ctx, voucher, lines)  # registered checks (budgets) may refuse or warn
    digest = content_hash(voucher.company_id, voucher.voucher_type, voucher.voucher_date, lines)
    first = write_gl_lines(s, company_id=voucher.company_id, entries=[(voucher.id, voucher.voucher_date, lines)],
                           account_codes=codes or _codes(s, {ln["account_id"] for ln in lines}))
    s.add(Posting(company_id=voucher.company_id, posting_key=key, content_hash=digest, voucher_id=voucher.id,
                  first_seq=first, line_count=len(lines)))
    voucher.status = "posted"
    voucher.posted_by, voucher.posted_by_name, voucher.posted_at = ctx.actor.user_id, ctx.actor.username, naive_utcnow()
    s.flush()
    return PostingResult(voucher.id, first, len(lines))


def _lock_voucher(ctx: Context, voucher_id: int) -> Voucher:
    # One statement: the voucher row locked, its lines loaded with it.
    v = ctx.session.execute(select(Voucher).where(Voucher.id == voucher_id).options(joinedload(Voucher.lines))
                            .with_for_update(of=Voucher.__table__)
                            .execution_options(populate_existing=True)).unique().scalar_one_or_none()
    if v is None or (not ctx.actor.is_system and v.company_id != ctx.actor.company_id):
        raise NotFound(entity="voucher", id=voucher_id)
    return v


@use_case("finance.voucher.post", zh="过账凭证", en="Post voucher")
def post_voucher(ctx: Context, *, voucher_id: int, posting_key: str | None = None) -> PostingResult:
    """Post a reviewed voucher (see the module docstring for idempotency)."""
    s = ctx.session
    v = _lock_voucher(ctx, voucher_id)
    ctx.company_id = v.company_id
    key = posting_key or f"voucher:{v.id}"
    # The default key of a voucher not yet posted cannot have been used: skip the look-up on the common path.
    existing = None if posting_key is None and v.status != "posted" else _existing_posting(s, v.company_id, key)
    if existing is not None:
        digest = content_hash(v.company_id, v.voucher_type, v.voucher_date, line_dicts(v))
        if existing.voucher_id == v.id and existing.content_hash == digest:
            return PostingResult(v.id, existing.first_seq, existing.line_count, replayed=True)
        raise Conflict("error.finance.posting_key_mismatch", key=key)
    VOUCHER_FLOW.target(v.status, "post")
    codes = _revalidate(ctx, v, line_dicts(v), allow_negative_total=v.source == "reversal")
    result = _post_loaded(ctx, v, key, codes)
    ctx.audit("voucher", v.id, status=["reviewed", "posted"], number=v.display_no, period=v.period,
              first_seq=result.first_seq)
    return result


def today_for(ctx: Context) -> dt.date:
    try:
        tz = zoneinfo.ZoneInfo(ctx.actor.time_zone)
    except Exception:
        tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    return utcnow().astimezone(tz).date()


def create_and_post_system_voucher(ctx: Context, *, voucher_date: dt.date, lines: Sequence[Mapping[str, Any]],
                                   posting_key: str, voucher_type: str | None = None, attachments: int = 0,
                                   source: str = "system", reverses_id: int | None = None,
                                   allow_negative_total: bool = False) -> int:
    """Create a voucher and post it at once, inside the caller's use case (generated vouchers: period close,
    carry-forward, VAT transfer, reversals). ``lines`` as in voucher_rules (account_id or account_code,
    debit, credit, summary, dimensions). Idempotent by ``posting_key``: the same key and content returns the
    voucher posted the first time; the same key with other content raises Conflict. Returns the voucher id."""
    s = ctx.session
    company_id = ctx.company_id if ctx.company_id is not None else ctx.actor.company_id
    if voucher_type is None:
        voucher_type = "记" if finance_setting(s, company_id).voucher_type_mode == "single" else "转"
    by_id, by_code = accounts_for_lines(s, company_id, lines)
    clean, problems = check_lines(lines, by_id, by_code, allow_negative_total=allow_negative_total)
    period = period_of(voucher_date) if isinstance(voucher_date, dt.date) else ""
    closed = bool(period) and not is_open(s, company_id, period, lock=True)
    raise_if(check_header(voucher_date=voucher_date, voucher_type=voucher_type, allowed_types=VOUCHER_TYPES,
                          attachments=attachments, closed=closed) + problems)
    values = [c.values() for c in clean]
    digest = content_hash(company_id, voucher_type, voucher_date, values)
    existing = _existing_posting(s, company_id, posting_key)
    if existing is not None:
        if existing.content_hash == digest:
            return existing.voucher_id
        raise Conflict("error.finance.posting_key_mismatch", key=posting_key)
    number = allocate_block(s, company_id, voucher_series(voucher_type), period, 1)
    total = sum((c.debit for c in clean), Decimal(0))
    v = Voucher(company_id=company_id, voucher_type=voucher_type, period=period, number=number,
                voucher_date=voucher_date, attachments=attachments, status="reviewed", total=total,
                reverses_id=reverses_id, source=source, created_by=ctx.actor.user_id,
                created_by_name=ctx.actor.username)
    v.lines = [VoucherLine(**val) for val in values]
    s.add(v)
    s.flush()
    _post_loaded(ctx, v, posting_key)
    return v.id


@use_case("finance.voucher.reverse", zh="红字冲销凭证", en="Reverse voucher (red entry)")
def reverse_voucher(ctx: Context, *, voucher_id: int, voucher_date: dt.date | None = None) -> int:
    """Post a reversal (红字冲销) of a posted voucher: same accounts and sides, negated amounts, linked by
    reverses_id. Returns the id of the new voucher."""
    s = ctx.session
    orig = _lock_voucher(ctx, voucher_id)
    ctx.company_id = orig.company_id
    if orig.status != "posted":
        raise Conflict("error.finance.voucher.reverse_unposted", number=orig.display_no)
    if orig.source == "reversal":
        raise Conflict("error.finance.voucher.reverse_reversal", number=orig.display_no)
    if s.execute(select(Voucher.id).where(Voucher.reverses_id == orig.id)).first() is not None:
        raise Conflict("error.finance.voucher.already_reversed", number=orig.display_no)
    day = voucher_date or today_for(ctx)
    prefix = f"冲销{orig.period}期{orig.display_no}号凭证"
    lines = []
    for ln in line_dicts(orig):
        summary = (f"{prefix}：{ln['summary']}" if ln["summary"] else prefix)[:200]
        lines.append({**ln, "summary": summary, "debit": -ln["debit"], "credit": -ln["credit"]})
    new_id = create_and_post_system_voucher(ctx, voucher_date=day, lines=lines, posting_key=f"reversal:{orig.id}",
                                            voucher_type=orig.voucher_type, source="reversal",
                                            reverses_id=orig.id, allow_negative_total=True)
    ctx.audit("voucher", new_id, reverses=orig.id, original=orig.display_no)
    return new_id
