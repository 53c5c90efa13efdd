"""Voucher use cases (记账凭证): create, edit and delete drafts; review (by someone other than the preparer) and
unreview; gap renumbering (断号整理). Posting and reversal live in erp_core.ledger.posting (imported here so
the permission catalog sees them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from erp_core.finance.accounts import accounts_for_lines, finance_setting
from erp_core.finance.models import Voucher, VoucherLine, voucher_display_no
from erp_core.finance.voucher_rules import check_header, check_lines
from erp_core.finance.workflow import VOUCHER_FLOW
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.ledger import posting  # noqa: F401  (registers finance.voucher.post / .reverse)
from erp_core.ledger.periods import is_open, period_of
from erp_core.ledger.sequences import allocate_block, set_counter, voucher_series
from erp_core.security.scope import may_touch
from erp_core.usecase import Context, use_case


def _validated(ctx: Context, *, voucher_date: Any, voucher_type: str | None, attachments: Any,
               lines: Sequence[Mapping[str, Any]]) -> tuple[str, list[dict], Decimal]:
    s, company_id = ctx.session, ctx.actor.company_id
    setting = finance_setting(s, company_id)
    voucher_type = voucher_type or setting.voucher_types()[0]
    closed = isinstance(voucher_date, dt.date) and not is_open(s, company_id, period_of(voucher_date))
    problems = check_header(voucher_date=voucher_date, voucher_type=voucher_type,
                            allowed_types=setting.voucher_types(), attachments=attachments, closed=closed,
                            window=posting.voucher_window(ctx, company_id))
    by_id, by_code = accounts_for_lines(s, company_id, lines)
    clean, line_problems = check_lines(lines, by_id, by_code)
    raise_if(problems + line_problems + _unknown_dimensions(ctx, clean))
    return voucher_type, [c.values() for c in clean], sum((c.debit for c in clean), Decimal(0))


def _unknown_dimensions(ctx: Context, clean) -> list[ValidationError]:
    """Dimension ids must name records of the actor's company (customer, supplier, department, ...)."""
    from erp_core.db.models import metadata
    from erp_core.finance.queries import DIMENSION_TABLES

    problems = []
    for column, name in DIMENSION_TABLES.items():
        wanted = {c.dims.get(column) for c in clean} - {None}
        table = metadata.tables.get(name)
        if not wanted or table is None or "company_id" not in table.c:
            continue
        known = set(ctx.session.execute(select(table.c.id).where(
            table.c.company_id == ctx.actor.company_id, table.c.id.in_(sorted(wanted)))).scalars())
        for c in clean:
            if c.dims.get(column) is not None and c.dims[column] not in known:
                problems.append(ValidationError("error.finance.line.dim_unknown", field=f"field.finance.dim.{name}",
                                                line=c.line_no))
    return problems


def _load(ctx: Context, voucher_id: int) -> Voucher:
    v = ctx.session.get(Voucher, voucher_id)
    if v is None or not may_touch(ctx, company_id=v.company_id, owner_id=v.created_by):
        raise NotFound(entity="voucher", id=voucher_id)
    return v


@use_case("finance.voucher.create", zh="录入凭证", en="Enter voucher")
def create_voucher(ctx: Context, *, voucher_date: dt.date, lines: Sequence[Mapping[str, Any]],
                   voucher_type: str | None = None, attachments: int = 0) -> int:
    """Create a draft voucher; its number is the next of its type in its period. Returns the id."""
    voucher_type, values, total = _validated(ctx, voucher_date=voucher_date, voucher_type=voucher_type,
                                             attachments=attachments, lines=lines)
    s, company_id, period = ctx.session, ctx.actor.company_id, period_of(voucher_date)
    number = allocate_block(s, company_id, voucher_series(voucher_type), period, 1)
    v = Voucher(company_id=company_id, voucher_type=voucher_type, period=period, number=number,
                voucher_date=voucher_date, attachments=int(attachments), status="draft", total=total,
                source="manual", created_by=ctx.actor.user_id, created_by_name=ctx.actor.username)
    v.lines = [VoucherLine(**val) for val in values]
    s.add(v)
    s.flush()
    ctx.audit("voucher", v.id, number=v.display_no, period=period, total=str(total), lines=len(values))
    return v.id


@use_case("finance.voucher.edit", zh="修改凭证", en="Edit voucher")
def update_voucher(ctx: Context, *, voucher_id: int, version: int, voucher_date: dt.date,
                   lines: Sequence[Mapping[str, Any]], voucher_type: str | None = None, attachments: int = 0) -> int:
    """Replace a draft's header and lines (the version the form loaded must still be current). A new type or
    period takes the next number of its series. Returns the new version."""
    s = ctx.session
    v = _load(ctx, voucher_id)
    ctx.check_version(v, version)
    if v.status != "draft":
        raise Conflict("error.finance.voucher.not_draft", number=v.display_no)
    if v.source == "reversal":  # the mirror of a posted voucher: its lines are not the preparer's to choose
        raise Conflict("error.ledger.reversal_not_editable", number=v.display_no)
    voucher_type, values, total = _validated(ctx, voucher_date=voucher_date,
                                             voucher_type=voucher_type or v.voucher_type,
                                             attachments=attachments, lines=lines)
    period = period_of(voucher_date)
    v.lines.clear()
    s.flush()  # old lines go first, so line numbers can be reused
    if (voucher_type, period) != (v.voucher_type, v.period):
        ctx.diff(v, voucher_type=voucher_type, period=period,
                 number=allocate_block(s, v.company_id, voucher_series(voucher_type), period, 1))
    ctx.diff(v, voucher_date=voucher_date, attachments=int(attachments), total=total)
    v.lines.extend(VoucherLine(**val) for val in values)
    flag_modified(v, "total")  # a line-only change still bumps the version (once)
    s.flush()
    ctx.audit("voucher", v.id, lines=len(values))
    return v.version


@use_case("finance.voucher.delete", zh="删除凭证", en="Delete voucher")
def delete_voucher(ctx: Context, *, voucher_id: int, version: int | None = None) -> None:
    """Delete a draft (its number becomes a gap until renumbering)."""
    v = _load(ctx, voucher_id)
    ctx.check_version(v, version)
    if v.status != "draft":
        raise Conflict("error.finance.voucher.not_draft", number=v.display_no)
    ctx.audit("voucher", v.id, deleted=v.display_no, period=v.period)
    ctx.session.delete(v)


@use_case("finance.voucher.review", zh="审核凭证", en="Review voucher")
def review_voucher(ctx: Context, *, voucher_id: int) -> None:
    """draft -> reviewed, by a user other than the preparer (不得自审)."""
    v = _load(ctx, voucher_id)
    same = (v.created_by is not None and v.created_by == ctx.actor.user_id) or (
        v.created_by is None and v.created_by_name == ctx.actor.username)
    if same:
        raise Conflict("error.finance.voucher.self_review", number=v.display_no)
    VOUCHER_FLOW.apply(v, "review")
    v.reviewed_by, v.reviewed_by_name, v.reviewed_at = ctx.actor.user_id, ctx.actor.username, naive_utcnow()
    ctx.audit("voucher", v.id, status=["draft", "reviewed"], number=v.display_no)


@use_case("finance.voucher.unreview", zh="取消审核", en="Unreview voucher")
def unreview_voucher(ctx: Context, *, voucher_id: int) -> None:
    """reviewed -> draft."""
    v = _load(ctx, voucher_id)
    VOUCHER_FLOW.apply(v, "unreview")
    v.reviewed_by, v.reviewed_by_name, v.reviewed_at = None, None, None
    ctx.audit("voucher", v.id, status=["reviewed", "draft"], number=v.display_no)


@use_case("finance.voucher.renumber", zh="凭证断号整理", en="Renumber vouchers (close gaps)")
def renumber_vouchers(ctx: Context, *, period: str, voucher_type: str) -> dict[str, int]:
    """断号整理: posted vouchers keep their numbers; unposted ones (in their current order) move down into the
    lowest free numbers, so the series has no gaps below its highest number where unposted vouchers can fill
    them. Returns {old display number: new number} for the vouchers that moved."""
    s, company_id = ctx.session, ctx.actor.company_id
    series = voucher_series(voucher_type)
    set_counter(s, company_id, series, period, 0)  # lock the series while renumbering (restored below)
    rows = s.execute(select(Voucher).where(Voucher.company_id == company_id, Voucher.period == period,
                                           Voucher.voucher_type == voucher_type).order_by(Voucher.number)
                     ).scalars().all()
    fixed = {v.number for v in rows if v.status == "posted"}
    movable = [v for v in rows if v.status != "posted"]
    targets, n = [], 1
    while len(targets) < len(movable):
        if n not in fixed:
            targets.append(n)
        n += 1
    moves = {v: t for v, t in zip(movable, targets, strict=True) if v.number != t}
    for v in moves:  # two steps, so the unique (type, period, number) never collides mid-way
        v.number = -v.number
    s.flush()
    changed = {}
    for v, t in moves.items():
        changed[voucher_display_no(voucher_type, -v.number)] = t
        v.number = t
    s.flush()
    set_counter(s, company_id, series, period, max([*fixed, *targets, 0]))
    ctx.audit("voucher_series", f"{voucher_type}:{period}", moved=changed)
    return changed


@use_case("finance.setting.edit", zh="修改财务设置", en="Change finance settings")
def update_finance_settings(ctx: Context, *, voucher_type_mode: str, code_scheme: str | None = None,
                            taxpayer_type: str | None = None, version: int | None = None) -> None:
    """Choose 记 only ('single') or 收/付/转 ('split') for new vouchers, the account code scheme (digits per
    level, e.g. '4-2-2' or '4-3-3'; accepted only if every existing account fits it) and the VAT taxpayer type
    ('general' 一般纳税人 / 'small' 小规模纳税人; None keeps it). A new taxpayer type applies from a period start: it
    is refused while any open period holds posted vouchers (close them first; the type then governs the close
    of every later period)."""
    from erp_core.finance.charts import parent_code, parse_scheme
    from erp_core.finance.close_services import TAXPAYER_TYPES
    from erp_core.finance.models import Account
    from erp_core.ledger.models import AccountingPeriod

    s = ctx.session
    problems = []
    if voucher_type_mode not in ("single", "split"):
        problems.append(ValidationError("error.choice", field="field.finance.setting.voucher_type_mode"))
    row = finance_setting(s, ctx.actor.company_id)
    current = row.taxpayer_type or "general"
    kind = current if taxpayer_type is None else str(taxpayer_type).strip()
    if kind not in TAXPAYER_TYPES:
        problems.append(ValidationError("error.choice", field="field.finance.setting.taxpayer_type"))
    elif kind != current:
        closed = select(AccountingPeriod.period).where(AccountingPeriod.company_id == ctx.actor.company_id,
                                                       AccountingPeriod.status == "closed")
        open_posted = s.execute(select(func.min(Voucher.period)).where(
            Voucher.company_id == ctx.actor.company_id, Voucher.status == "posted",
            Voucher.period.not_in(closed))).scalar()
        if open_posted:
            problems.append(ValidationError("error.finance.setting.taxpayer_in_use",
                                            field="field.finance.setting.taxpayer_type", period=open_posted))
    scheme = (code_scheme or row.code_scheme).strip()
    try:
        lengths = parse_scheme(scheme)
        if lengths[-1] > 40 or lengths[0] != 4:
            raise ValueError(scheme)
    except ValueError:
        problems.append(ValidationError("error.finance.setting.scheme_format", field="field.finance.setting.code_scheme"))
    else:
        codes = dict(s.execute(select(Account.id, Account.code).where(
            Account.company_id == ctx.actor.company_id)).all())
        parents = dict(s.execute(select(Account.code, Account.parent_id).where(
            Account.company_id == ctx.actor.company_id)).all())
        for code, parent_id in sorted(parents.items()):
            expected = codes.get(parent_id) if parent_id else None
            if len(code) not in lengths or parent_code(code, scheme) != expected:
                problems.append(ValidationError("error.finance.setting.scheme_conflict",
                                                field="field.finance.setting.code_scheme", code=code))
                break
    raise_if(problems)
    ctx.check_version(row, version)
    ctx.diff(row, voucher_type_mode=voucher_type_mode, code_scheme=scheme, taxpayer_type=kind)
    ctx.audit("finance_setting", row.company_id)
