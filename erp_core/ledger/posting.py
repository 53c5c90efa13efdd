"""Posting: the ONLY code that writes gl_line (总账分录). Small API for the other finance modules:

- ``post_voucher(db, actor, voucher_id=, posting_key=None)``  use case: a reviewed voucher -> posted, its lines
  copied to gl_line in the same transaction. Idempotent: the same key with the same content returns the first
  result (no second set of lines); the same key with other content raises Conflict.
- ``reverse_voucher(db, actor, voucher_id=, voucher_date=None)``  use case: 红字冲销, prepares a draft voucher with
  negated amounts on the same sides, linked by ``reverses_id``, that is reviewed and posted like any other (不得自审);
  a voucher is reversed at most once.
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
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from erp_core.db.master_cache import kept
from erp_core.db.prepared import Prepared, connection_of
from erp_core.finance.accounts import accounts_for_lines, finance_setting, info_of
from erp_core.finance.models import VOUCHER_TYPES, Account, Voucher, VoucherLine, voucher_display_no
from erp_core.finance.voucher_rules import DIM_COLUMNS, AccountInfo, check_header, check_lines
from erp_core.finance.workflow import VOUCHER_FLOW
from erp_core.kernel.clock import naive_utcnow, utcnow
from erp_core.kernel.errors import ConcurrencyError, Conflict, NotFound, raise_if
from erp_core.kernel.money import FEN
from erp_core.ledger.bulk import insert_rows, insert_tuples, to_storage
from erp_core.ledger.hooks import run_pre_post_checks
from erp_core.ledger.models import AccountingPeriod, GlLine, Posting
from erp_core.ledger.periods import DateWindow, books_start, is_open, period_of, window_for
from erp_core.ledger.sequences import GL_SEQUENCE, allocate_block, voucher_series
from erp_core.usecase import Context, use_case


@dataclass(frozen=True)
class PostingResult:
    voucher_id: int
    first_seq: int  # posting_seq of the first gl_line written
    line_count: int
    replayed: bool = False  # True when the key had been posted before and nothing new was written


def _money(d: Decimal) -> str:
    return str((d if type(d) is Decimal else Decimal(d)).quantize(FEN))  # noqa: E721


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


@dataclass
class VoucherHead:
    """The voucher columns posting reads, loaded with Core (the ORM object costs more than the posting itself);
    pre-post checks receive it where they used to receive a Voucher."""

    id: int
    company_id: int
    voucher_type: str
    period: str
    number: int
    voucher_date: dt.date
    attachments: int
    status: str
    source: str
    version: int
    reverses_id: int | None = None

    @property
    def display_no(self) -> str:
        return voucher_display_no(self.voucher_type, self.number)


# The statements of post_voucher, compiled once and run on the driver (erp_core/db/prepared.py): posting runs
# them for every voucher, and SQLAlchemy's per-statement bookkeeping used to cost more than the writes.
_V, _VL, _P, _A = Voucher.__table__, VoucherLine.__table__, Posting.__table__, Account.__table__
_LINE_COLUMNS = ("line_no", "summary", "account_id", "debit", "credit", *DIM_COLUMNS)
_LOCK_VOUCHER = Prepared(select(*(_V.c[f] for f in VoucherHead.__dataclass_fields__))
                         .where(_V.c.id == bindparam("vid")).with_for_update())
# Each line with the company's account it names (None when the account is gone or another company's).
_LINES_WITH_ACCOUNTS = Prepared(
    select(*(_VL.c[c] for c in _LINE_COLUMNS), _A.c.code, _A.c.name, _A.c.is_leaf, _A.c.status, _A.c.aux)
    .select_from(_VL.outerjoin(_A, and_(_A.c.id == _VL.c.account_id, _A.c.company_id == bindparam("cid"))))
    .where(_VL.c.voucher_id == bindparam("vid")).order_by(_VL.c.line_no))
_MARK_POSTED = Prepared(update(_V).where(_V.c.id == bindparam("vid"), _V.c.version == bindparam("ver"))
                        .values(status="posted", posted_by=bindparam("uid"), posted_by_name=bindparam("uname"),
                                posted_at=bindparam("at"), version=_V.c.version + 1))
_INSERT_POSTING = Prepared(insert(_P).values(
    company_id=bindparam("p_cid"), posting_key=bindparam("p_key"), content_hash=bindparam("p_hash"),
    voucher_id=bindparam("p_vid"), first_seq=bindparam("p_first"), line_count=bindparam("p_n"),
    posted_at=bindparam("p_at")))
_INSERT_VOUCHER = insert(_V)
# voucher_line columns a line dict may leave out (insert_rows writes exactly the keys given)
_LINE_DEFAULTS = {"summary": "", "debit": Decimal(0), "credit": Decimal(0), **{c: None for c in DIM_COLUMNS}}
_POSTING_BY_KEY = select(_P).where(_P.c.company_id == bindparam("cid"), _P.c.posting_key == bindparam("key"))


POSTED_KEY = "erp_posted_companies"  # session.info: the companies whose ledger lines this transaction wrote


def write_gl_lines(session: Session, *, company_id: int, entries: Sequence[tuple[int, dt.date, Sequence[Mapping]]],
                   account_codes: Mapping[int, str], posted_at: dt.datetime | None = None) -> int:
    """Append the gl_line rows of one or more vouchers with one Core bulk insert. ``entries`` are
    (voucher_id, posting_date, lines). Returns the first posting_seq of the block."""
    total = sum(len(lines) for _, _, lines in entries)
    first = allocate_block(session, company_id, GL_SEQUENCE, "", total)
    session.info.setdefault(POSTED_KEY, set()).add(company_id)  # read after the commit (analytics' head cache)
    # Rows are built in their stored form (a date once per voucher, money as integer fen): an import writes
    # 100,000 of them, and converting afterwards would copy every row again.
    money, to_day = to_storage(session, _GL, "debit"), to_storage(session, _GL, "posting_date")
    at = to_storage(session, _GL, "posted_at")(posted_at or naive_utcnow())
    rows, seq = [], first
    for voucher_id, day, lines in entries:
        period, stored_day = period_of(day), to_day(day)
        for ln in lines:
            try:
                dims = _DIMS(ln)
            except KeyError:  # a caller's line without some dimension keys
                dims = tuple(ln.get(c) for c in DIM_COLUMNS)
            rows.append((company_id, seq, voucher_id, ln["line_no"], stored_day, period, ln["account_id"],
                         account_codes[ln["account_id"]], ln.get("summary") or "", money(ln["debit"]),
                         money(ln["credit"]), *dims, at))
            seq += 1
    insert_tuples(session, _GL, _GL_COLUMNS, rows, stored=True)
    return first


_GL = GlLine.__table__
_DIMS = itemgetter(*DIM_COLUMNS)
_GL_COLUMNS = ("company_id", "posting_seq", "voucher_id", "line_no", "posting_date", "period", "account_id",
               "account_code", "summary", "debit", "credit", *DIM_COLUMNS, "posted_at")


def _codes(session: Session, account_ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(Account.id, Account.code).where(Account.id.in_(sorted(account_ids)))).all())


def _existing_posting(session: Session, company_id: int, key: str) -> Any:
    """The posting row of ``key`` (voucher_id, content_hash, first_seq, line_count), or None."""
    return session.connection().execute(_POSTING_BY_KEY, {"cid": company_id, "key": key}).one_or_none()


def _revalidate(ctx: Context, voucher: Voucher | VoucherHead, lines: list[dict], *, allow_negative_total: bool,
                accounts: dict[int, AccountInfo] | None = None) -> dict[int, str]:
    """The posting-time checks (accounts still leaf and active, period open); returns account id -> code.
    ``accounts``: the lines' accounts when the caller has read them already."""
    s = ctx.session
    if accounts is None:
        by_id, by_code = accounts_for_lines(s, voucher.company_id, lines)
    else:
        by_id, by_code = accounts, {a.code: a for a in accounts.values()}
    _, problems = check_lines(lines, by_id, by_code, allow_negative_total=allow_negative_total)
    closed = not is_open(s, voucher.company_id, voucher.period, lock=True)
    problems = check_header(voucher_date=voucher.voucher_date, voucher_type=voucher.voucher_type,
                            allowed_types=VOUCHER_TYPES, attachments=voucher.attachments, closed=closed,
                            window=voucher_window(ctx, voucher.company_id, voucher.source)) + problems
    raise_if(problems)
    return {i: a.code for i, a in by_id.items()}


def _write_posting(ctx: Context, voucher: Voucher | VoucherHead, lines: list[dict], key: str,
                   codes: dict[int, str] | None, *, opening_checked: bool = False) -> PostingResult:
    """Run the pre-post checks, append the ledger lines and the idempotency record (status is the caller's).
    ``opening_checked``: the caller ran check_opening for an opening voucher already (same transaction)."""
    s = ctx.session
    if voucher.source == OPENING_SOURCE and not opening_checked:
        check_opening(s, voucher.company_id, voucher.voucher_date)
    run_pre_post_checks(ctx, voucher, lines)  # period order, budgets (and any registered check) refuse or warn
    digest = content_hash(voucher.company_id, voucher.voucher_type, voucher.voucher_date, lines)
    now = naive_utcnow()
    first = write_gl_lines(s, company_id=voucher.company_id, entries=[(voucher.id, voucher.voucher_date, lines)],
                           account_codes=codes or _codes(s, {ln["account_id"] for ln in lines}), posted_at=now)
    _INSERT_POSTING.rowcount(s, p_cid=voucher.company_id, p_key=key, p_hash=digest, p_vid=voucher.id,
                             p_first=first, p_n=len(lines), p_at=now)
    if voucher.source == OPENING_SOURCE:
        setting = finance_setting(s, voucher.company_id)
        if setting.books_start is None or setting.books_start > voucher.voucher_date:
            setting.books_start = voucher.voucher_date
            s.flush()
    return PostingResult(voucher.id, first, len(lines))


def _lock_voucher(ctx: Context, voucher_id: int) -> Voucher:
    """The ORM voucher with its lines, row locked (reversal reads it to build the red entry)."""
    v = ctx.session.execute(select(Voucher).where(Voucher.id == voucher_id).with_for_update()
                            .execution_options(populate_existing=True)).scalar_one_or_none()
    if v is None or (not ctx.actor.is_system and v.company_id != ctx.actor.company_id):
        raise NotFound(entity="voucher", id=voucher_id)
    return v


def _lock_head(ctx: Context, voucher_id: int) -> tuple[VoucherHead, list[dict[str, Any]], dict[int, AccountInfo]]:
    """The voucher row locked FOR UPDATE, its lines as plain values, and their accounts (two statements)."""
    row = _LOCK_VOUCHER.one_or_none(ctx.session, vid=voucher_id)
    if row is None or (not ctx.actor.is_system and row[1] != ctx.actor.company_id):
        raise NotFound(entity="voucher", id=voucher_id)
    head = VoucherHead(*row)
    lines, accounts, width = [], {}, len(_LINE_COLUMNS)
    for r in _LINES_WITH_ACCOUNTS.all(ctx.session, vid=voucher_id, cid=head.company_id):
        line = dict(zip(_LINE_COLUMNS, r[:width], strict=True))
        lines.append(line)
        code, name, is_leaf, status, aux = r[width:]
        if code is not None:
            accounts[line["account_id"]] = info_of(line["account_id"], code, name, is_leaf, status, aux)
    return head, lines, accounts


@use_case("finance.voucher.post", zh="过账凭证", en="Post voucher")
def post_voucher(ctx: Context, *, voucher_id: int, posting_key: str | None = None) -> PostingResult:
    """Post a reviewed voucher (see the module docstring for idempotency)."""
    s = ctx.session
    v, lines, accounts = _lock_head(ctx, voucher_id)
    ctx.company_id = v.company_id
    key = posting_key or f"voucher:{v.id}"
    # The default key of a voucher not yet posted cannot have been used: skip the look-up on the common path.
    existing = None if posting_key is None and v.status != "posted" else _existing_posting(s, v.company_id, key)
    if existing is not None:
        digest = content_hash(v.company_id, v.voucher_type, v.voucher_date, lines)
        if existing.voucher_id == v.id and existing.content_hash == digest:
            return PostingResult(v.id, existing.first_seq, existing.line_count, replayed=True)
        raise Conflict("error.finance.posting_key_mismatch", key=key)
    VOUCHER_FLOW.target(v.status, "post")
    codes = _revalidate(ctx, v, lines, allow_negative_total=v.source == "reversal", accounts=accounts)
    result = _write_posting(ctx, v, lines, key, codes)
    marked = _MARK_POSTED.rowcount(s, vid=v.id, ver=v.version, uid=ctx.actor.user_id, uname=ctx.actor.username,
                                   at=naive_utcnow())
    if marked != 1:  # cannot happen under the row lock; refuse rather than post twice
        raise ConcurrencyError(entity="Voucher", expected=v.version, actual=None)
    ctx.audit("voucher", v.id, status=["reviewed", "posted"], number=v.display_no, period=v.period,
              first_seq=result.first_seq)
    return result


OPENING_SOURCE = "opening"


def voucher_window(ctx: Context, company_id: int, source: str | None = None) -> DateWindow:
    """The dates a voucher of ``company_id`` may carry today (erp_core.ledger.periods.DateWindow); an opening
    voucher is not held to the opening date (it sets it)."""
    start = None if source == OPENING_SOURCE else books_start(ctx.session, company_id)
    return window_for(today_for(ctx), start)


def check_opening(session: Session, company_id: int, day: dt.date) -> None:
    """Opening balances (期初余额) come before the books run: refused once any period is closed, or when posted
    vouchers are dated before them (they would then not be the opening)."""
    closed = session.execute(select(func.min(AccountingPeriod.period)).where(
        AccountingPeriod.company_id == company_id, AccountingPeriod.status == "closed")).scalar()
    if closed:
        raise Conflict("error.ledger.opening_after_close", period=closed)
    earlier = session.execute(select(func.min(Voucher.voucher_date)).where(
        Voucher.company_id == company_id, Voucher.status == "posted", Voucher.source != OPENING_SOURCE,
        Voucher.voucher_date < day)).scalar()
    if earlier is not None:
        raise Conflict("error.ledger.opening_after_postings", date=day.isoformat(), earliest=str(earlier))


def today_for(ctx: Context) -> dt.date:
    try:
        tz = zoneinfo.ZoneInfo(ctx.actor.time_zone)
    except Exception:
        tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    return utcnow().astimezone(tz).date()


def create_and_post_system_voucher(ctx: Context, *, voucher_date: dt.date, lines: Sequence[Mapping[str, Any]],
                                   posting_key: str, voucher_type: str | None = None, attachments: int = 0,
                                   source: str = "system", reverses_id: int | None = None,
                                   allow_negative_total: bool = False, post: bool = True,
                                   fresh_key: bool = False) -> int:
    """Create a voucher and post it at once, inside the caller's use case (generated vouchers: period close,
    carry-forward, VAT transfer, reversals). ``lines`` as in voucher_rules (account_id or account_code,
    debit, credit, summary, dimensions). Idempotent by ``posting_key``: the same key and content returns the
    voucher posted the first time; the same key with other content raises Conflict. Returns the voucher id.
    ``post=False`` leaves it a draft prepared by the actor (for a second user to review and post), remembered by
    the key in external_ref: the same key returns that voucher again. ``fresh_key``: the caller knows the key
    was never used (a document being posted, locked, not posted before), so the replay look-up is skipped; a
    key used after all is still refused by the unique (company_id, posting_key) constraint of posting."""
    s = ctx.session
    company_id = ctx.company_id if ctx.company_id is not None else ctx.actor.company_id
    if voucher_type is None:
        voucher_type = kept(s, "finance.system_voucher_type", company_id,
                            lambda: "记" if finance_setting(s, company_id).voucher_type_mode == "single" else "转")
    by_id, by_code = accounts_for_lines(s, company_id, lines)
    clean, problems = check_lines(lines, by_id, by_code, allow_negative_total=allow_negative_total)
    period = period_of(voucher_date) if isinstance(voucher_date, dt.date) else ""
    closed = bool(period) and not is_open(s, company_id, period, lock=True)
    raise_if(check_header(voucher_date=voucher_date, voucher_type=voucher_type, allowed_types=VOUCHER_TYPES,
                          attachments=attachments, closed=closed,
                          window=voucher_window(ctx, company_id, source)) + problems)
    if source == OPENING_SOURCE:
        check_opening(s, company_id, voucher_date)
    values = [c.values() for c in clean]
    if not post:
        drafted = s.execute(select(Voucher.id).where(Voucher.company_id == company_id, Voucher.source == source,
                                                     Voucher.external_ref == posting_key[:80])).scalar()
        if drafted is not None:
            return drafted
    digest = content_hash(company_id, voucher_type, voucher_date, values)
    existing = None if fresh_key and post else _existing_posting(s, company_id, posting_key)
    if existing is not None:
        if existing.content_hash == digest:
            return existing.voucher_id
        raise Conflict("error.finance.posting_key_mismatch", key=posting_key)
    number = allocate_block(s, company_id, voucher_series(voucher_type), period, 1)
    total = sum((c.debit for c in clean), Decimal(0))
    if not post:
        v = Voucher(company_id=company_id, voucher_type=voucher_type, period=period, number=number,
                    voucher_date=voucher_date, attachments=attachments, status="draft", total=total,
                    reverses_id=reverses_id, source=source, created_by=ctx.actor.user_id,
                    created_by_name=ctx.actor.username, external_ref=posting_key[:80])
        v.lines = [VoucherLine(**val) for val in values]
        s.add(v)
        s.flush()
        return v.id
    # Created and posted at once, written with Core (every stock document posts one of these; the ORM objects
    # and their flush cost more than the rows): the voucher row as it ends up (posted, version 2 = created +
    # posted, as the two ORM writes left it), its lines, the ledger lines and the idempotency record.
    now = naive_utcnow()
    vid = connection_of(s).execute(_INSERT_VOUCHER, {
        "company_id": company_id, "voucher_type": voucher_type, "period": period, "number": number,
        "voucher_date": voucher_date, "attachments": attachments, "status": "posted", "total": total,
        "reverses_id": reverses_id, "source": source, "external_ref": None, "created_by": ctx.actor.user_id,
        "created_by_name": ctx.actor.username, "created_at": now, "posted_by": ctx.actor.user_id,
        "posted_by_name": ctx.actor.username, "posted_at": now, "version": 2}).inserted_primary_key[0]
    insert_rows(s, _VL, [{"voucher_id": vid, **_LINE_DEFAULTS, **val} for val in values])
    head = VoucherHead(vid, company_id, voucher_type, period, number, voucher_date, attachments, "posted", source,
                       2, reverses_id)
    _write_posting(ctx, head, values, posting_key, {c.account.id: c.account.code for c in clean},
                   opening_checked=True)
    return vid


@use_case("finance.voucher.reverse", zh="红字冲销凭证", en="Reverse voucher (red entry)")
def reverse_voucher(ctx: Context, *, voucher_id: int, voucher_date: dt.date | None = None) -> int:
    """Prepare the reversal (红字冲销) of a posted voucher: a DRAFT red voucher with the same accounts and sides and
    negated amounts, linked by reverses_id. Like any voucher it is reviewed by someone other than the one who
    prepared it (不得自审) and then posted; it cannot be edited (delete it to drop the reversal). Returns its id."""
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
                                            reverses_id=orig.id, allow_negative_total=True, post=False)
    ctx.audit("voucher", new_id, reverses=orig.id, original=orig.display_no, status="draft")
    return new_id
