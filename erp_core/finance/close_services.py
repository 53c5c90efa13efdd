"""Period close (期末结账): generated vouchers, closing and reopening an accounting period.

Periods close in order: every earlier period holding vouchers must be closed first, and a period reopens only
while every later one is open. Order inside ``close_period`` (one transaction): refuse while the period holds
unposted vouchers or numbering gaps -> VAT transfer (转出未交增值税, general taxpayers only: the credit balance
of 应交税费—应交增值税 up to the period's end, so an input-VAT credit carried from earlier months (留抵) offsets
this month's output first; a debit balance stays where it is) -> surcharge accrual (城建税 / 教育费附加 / 地方教育附加
on the VAT payable: the month's transfer for a general taxpayer, the VAT levied in the month for a small-scale
taxpayer, reduced by the relief rows of the tax table) -> carry-forward of
every income and expense (损益类) account to 本年利润 -> at year end 本年利润 -> 利润分配—未分配利润 -> the trial
balance must balance -> accounting_period row 'closed'. ``generate_close_vouchers`` runs the generation steps
alone (the period stays open). Every generated voucher is posted through the ledger's posting code with a
posting key ``close:<step>:<period>:<n>``; each step posts only what is still outstanding, so closing (or
generating) twice writes nothing the second time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.db.like import starts_with
from erp_core.finance.models import Account, Voucher, voucher_display_no
from erp_core.finance.voucher_rules import DIM_COLUMNS
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.kernel.money import round_money
from erp_core.ledger.models import AccountingPeriod, GlLine, Posting
from erp_core.ledger.posting import create_and_post_system_voucher
from erp_core.usecase import Context, use_case

CLOSE_SOURCE = "close"  # voucher.source of the generated vouchers (budget actuals leave them out)
ZERO = Decimal(0)

# Account codes per accounting standard (seeded charts in db/seed/charts).
STANDARD_CODES = {
    "small_business": {"profit": "3103", "retained": "310415", "surtax": "5403"},
    "enterprise": {"profit": "4103", "retained": "410415", "surtax": "6403"},
}
VAT_PARENT = "222101"  # 应交增值税 (sub-accounts 进项 / 销项 / 进项转出 / 转出未交增值税 / 已交税金)
VAT_TRANSFER_OUT = "22210104"  # 转出未交增值税
VAT_UNPAID = "222102"  # 未交增值税
VAT_PAID = "22210105"  # 已交税金 (payments of VAT; not part of what a small-scale taxpayer levies in a month)
TAXPAYER_TYPES = ("general", "small")  # 一般纳税人 / 小规模纳税人 (finance_setting.taxpayer_type)
# Surcharge relief rows in the settings tax table (kind 'surcharge', rate = the fraction taken off, e.g. 0.5 for
# 减半): code prefix -> the taxpayer types it applies to. SSRELIEF: 增值税小规模纳税人 (六税两费减半, 财税〔2019〕13号,
# 财政部 税务总局公告2022年第10号 and 2023年第12号, to 2027-12-31; seeded). MPRELIEF: 小型微利企业 / 个体工商户 of
# either type (公告2022年第10号 / 2023年第12号), which a qualifying company adds itself.
RELIEF_PREFIXES = (("SSRELIEF", ("small",)), ("MPRELIEF", TAXPAYER_TYPES))
# surcharge -> (tax-rate code prefix in the settings tax table, default rate, payable account)
SURCHARGES = (("urban", "UMT", Decimal("0.07"), "222103"),  # 城市维护建设税 7 %
              ("education", "EDU", Decimal("0.03"), "222104"),  # 教育费附加 3 %
              ("local_education", "LEDU", Decimal("0.02"), "222105"))  # 地方教育附加 2 %
SURCHARGE_ZH = {"urban": "城市维护建设税", "education": "教育费附加", "local_education": "地方教育附加"}


@dataclass(frozen=True)
class CloseResult:
    period: str
    voucher_ids: tuple[int, ...]  # generated in this call (empty when everything was already done)
    closed: bool


def parse_period(period: str) -> tuple[int, int]:
    try:
        y, m = str(period).split("-")
        year, month = int(y), int(m)
        if len(y) == 4 and len(m) == 2 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    raise ValidationErrors([ValidationError("error.finance_close.period", field="field.finance_close.period")])


def period_end(period: str) -> dt.date:
    year, month = parse_period(period)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def standard_of(session, company_id: int) -> str:
    from erp_core.masterdata.models import Company

    company = session.get(Company, company_id)
    std = getattr(company, "accounting_standard", None) or "small_business"
    return std if std in STANDARD_CODES else "small_business"


def is_year_end(session, company_id: int, period: str) -> bool:
    from erp_core.masterdata.models import Company

    company = session.get(Company, company_id)
    start = int(getattr(company, "fiscal_year_start_month", 1) or 1)
    _, month = parse_period(period)
    return month == (start - 2) % 12 + 1


def _accounts(session, company_id: int) -> dict[str, Account]:
    return {a.code: a for a in session.execute(select(Account).where(Account.company_id == company_id)).scalars()}


def movement(session, company_id: int, codes_like: str | list[str], *, period: str | None = None,
             upto: str | None = None, source: str | None = None) -> Decimal:
    """debit - credit of gl_line on accounts whose code starts with ``codes_like`` (or in the list)."""
    stmt = select(func.sum(GlLine.debit), func.sum(GlLine.credit)).where(GlLine.company_id == company_id)
    # through the account rows (the line's stored code is the one it had when posted; see budget_check.subtree_ids)
    accounts = select(Account.id).where(Account.company_id == company_id)
    if isinstance(codes_like, str):
        stmt = stmt.where(GlLine.account_id.in_(accounts.where(starts_with(Account.code, codes_like))))
    else:
        stmt = stmt.where(GlLine.account_id.in_(accounts.where(Account.code.in_(codes_like))))
    if period is not None:
        stmt = stmt.where(GlLine.period == period)
    if upto is not None:
        stmt = stmt.where(GlLine.period <= upto)
    if source is not None:
        stmt = stmt.join(Voucher, Voucher.id == GlLine.voucher_id).where(Voucher.source == source)
    d, c = session.execute(stmt).one()
    return Decimal(d or 0) - Decimal(c or 0)


def _next_key(session, company_id: int, step: str, period: str) -> str:
    prefix = f"close:{step}:{period}:"
    n = session.execute(select(func.count()).select_from(Posting).where(
        Posting.company_id == company_id, starts_with(Posting.posting_key, prefix))).scalar_one()
    return f"{prefix}{n + 1}"


def _post(ctx: Context, step: str, period: str, lines: list[dict]) -> int:
    s, cid = ctx.session, ctx.company_id
    return create_and_post_system_voucher(ctx, voucher_date=period_end(period), lines=lines,
                                          posting_key=_next_key(s, cid, step, period), source=CLOSE_SOURCE)


def _side(amount: Decimal, *, debit: bool) -> tuple[Decimal, Decimal]:
    """(debit, credit) putting a positive ``amount`` on the requested side, a negative one on the other."""
    if (amount >= 0) == debit:
        return abs(amount), ZERO
    return ZERO, abs(amount)


def taxpayer_type(session, company_id: int) -> str:
    """'general' (一般纳税人) or 'small' (小规模纳税人) from the finance settings ('general' when unset)."""
    from erp_core.finance.models import FinanceSetting

    row = session.get(FinanceSetting, company_id)
    value = getattr(row, "taxpayer_type", None) or "general"
    return value if value in TAXPAYER_TYPES else "general"


def vat_balance(session, company_id: int, period: str) -> Decimal:
    """Credit balance of 应交税费—应交增值税 (222101 with its sub-accounts) at the end of the period; negative for a
    debit balance (input VAT not yet used, 留抵)."""
    return -movement(session, company_id, VAT_PARENT, upto=period)


def vat_outstanding(session, company_id: int, period: str) -> Decimal:
    """What the period's VAT transfer (转出未交增值税) still has to move to 未交增值税: the credit balance of 222101 up
    to the period's end (this month's output less its input, less the credit carried from earlier months); never
    below zero, since an input-VAT excess stays in 222101 as 留抵. Always zero for a small-scale taxpayer (no
    transfer: the VAT owed is the credit balance of 222101 itself)."""
    if taxpayer_type(session, company_id) == "small":
        return ZERO
    return max(vat_balance(session, company_id, period), ZERO)


def vat_transfer_due(session, company_id: int, period: str) -> Decimal:
    """The amount the period's VAT transfer would post now: the credit balance of 222101 (vat_outstanding), or,
    when 222101 has a debit balance although this period already transferred (a late input invoice), minus what
    is needed to undo that transfer (never more than the period transferred; the rest stays as 留抵)."""
    if taxpayer_type(session, company_id) == "small":
        return ZERO
    amount = vat_balance(session, company_id, period)
    if amount < 0:
        amount = max(amount, -movement(session, company_id, [VAT_TRANSFER_OUT], period=period))
    return amount


def vat_credit_carried(session, company_id: int, period: str) -> Decimal:
    """留抵: the input VAT (debit balance of 222101) carried into the next period after this period's transfer."""
    return max(-vat_balance(session, company_id, period) - vat_outstanding(session, company_id, period), ZERO)


def small_scale_vat(session, company_id: int, period: str) -> Decimal:
    """VAT a small-scale taxpayer levied in the period (credits less debits of 222101 in the period, payments on
    已交税金 22210105 left out); the base of its surcharges."""
    return (-movement(session, company_id, VAT_PARENT, period=period)
            + movement(session, company_id, VAT_PAID, period=period))


def surcharge_rates(session, company_id: int, on: dt.date) -> dict[str, Decimal]:
    """Rates from the settings tax table (kind 'surcharge', valid on ``on``; codes UMT* 城建税, EDU* 教育费附加,
    LEDU* 地方教育附加), defaults where it has none. Where several rates of one surcharge are valid (the seeded
    table has UMT7 / UMT5 / UMT1 for city / county / town), the highest applies: a company in a county ends the
    validity of UMT7 (valid_to) to pay 5 %."""
    rates = {key: default for key, _, default, _ in SURCHARGES}
    try:
        from erp_core.settings.models import TaxRate
    except ImportError:  # pragma: no cover - settings module absent
        return rates
    rows = session.execute(select(TaxRate).where(TaxRate.company_id == company_id, TaxRate.kind == "surcharge",
                                                 TaxRate.valid_from <= on)).scalars().all()
    for key, prefix, _default, _ in SURCHARGES:
        valid = [Decimal(r.rate) for r in rows if r.code.upper().startswith(prefix)
                 and not (prefix == "EDU" and r.code.upper().startswith("LEDU"))
                 and (r.valid_to is None or r.valid_to >= on)]
        if valid:
            rates[key] = max(valid)
    return rates


def surcharge_relief(session, company_id: int, on: dt.date, kind: str | None = None) -> Decimal:
    """The fraction of the surcharges taken off on ``on`` (0.5 under 六税两费减半): the highest rate of the relief rows
    (RELIEF_PREFIXES) valid that day that apply to the company's taxpayer type; 0 when none does."""
    kind = kind or taxpayer_type(session, company_id)
    try:
        from erp_core.settings.models import TaxRate
    except ImportError:  # pragma: no cover - settings module absent
        return ZERO
    rows = session.execute(select(TaxRate).where(TaxRate.company_id == company_id, TaxRate.kind == "surcharge",
                                                 TaxRate.valid_from <= on)).scalars().all()
    found = [Decimal(r.rate) for r in rows for prefix, kinds in RELIEF_PREFIXES
             if r.code.upper().startswith(prefix) and kind in kinds and (r.valid_to is None or r.valid_to >= on)]
    return min(max(found, default=ZERO), Decimal(1))


def surcharge_base(session, company_id: int, period: str) -> Decimal:
    """The VAT the surcharges of the period are computed on, never negative: for a general taxpayer what was
    transferred to 未交增值税 in the period (a month living on its 留抵 pays none), for a small-scale taxpayer the
    VAT levied in the period."""
    if taxpayer_type(session, company_id) == "small":
        base = small_scale_vat(session, company_id, period)
    else:
        # 转出未交增值税 of the period, with the transfer still due (so the checklist shows what closing will accrue)
        base = (movement(session, company_id, [VAT_TRANSFER_OUT], period=period)
                + vat_transfer_due(session, company_id, period))
    return max(base, ZERO)


def surcharges_outstanding(session, company_id: int, period: str) -> dict[str, Decimal]:
    """Each surcharge on the VAT payable of the period (less the relief), less what close vouchers already
    accrued."""
    base = surcharge_base(session, company_id, period)
    rates = surcharge_rates(session, company_id, period_end(period))
    keep = Decimal(1) - surcharge_relief(session, company_id, period_end(period))
    out = {}
    for key, _, _, code in SURCHARGES:
        owed = round_money(base * rates[key] * keep) if base > 0 else ZERO
        accrued = -movement(session, company_id, [code], period=period, source=CLOSE_SOURCE)
        out[key] = owed - accrued
    return out


def profit_loss_balances(session, company_id: int, period: str) -> list[tuple[int, str, dict, Decimal]]:
    """(account id, code, dimensions, debit - credit) of every 损益 account balance up to the period's end."""
    pl_ids = set(session.execute(select(Account.id).where(Account.company_id == company_id,
                                                          Account.category == "profit_loss")).scalars())
    if not pl_ids:
        return []
    dims = [getattr(GlLine, c) for c in DIM_COLUMNS]
    rows = session.execute(select(GlLine.account_id, Account.code, *dims, func.sum(GlLine.debit),
                                  func.sum(GlLine.credit))
                           .join(Account, Account.id == GlLine.account_id)
                           .where(GlLine.company_id == company_id, GlLine.period <= period,
                                  GlLine.account_id.in_(sorted(pl_ids)))
                           .group_by(GlLine.account_id, Account.code, *dims)
                           .order_by(Account.code)).all()
    out = []
    for r in rows:
        bal = Decimal(r[-2] or 0) - Decimal(r[-1] or 0)
        if bal != 0:
            out.append((r[0], r[1], {c: v for c, v in zip(DIM_COLUMNS, r[2:-2], strict=True) if v is not None}, bal))
    return out


def _vat_transfer(ctx: Context, period: str) -> int | None:
    s, cid = ctx.session, ctx.company_id
    # 小规模纳税人: none (the VAT owed stays in 222101). Otherwise the credit balance of 222101 up to the period's
    # end, 留抵 included; an input-VAT excess stays in 222101, only what this period transferred before is undone.
    amount = vat_transfer_due(s, cid, period)
    if amount == 0:
        return None
    summary = f"{period} 转出未交增值税"
    d, c = _side(amount, debit=True)
    return _post(ctx, "vat", period, [
        {"account_code": VAT_TRANSFER_OUT, "debit": d, "credit": c, "summary": summary},
        {"account_code": VAT_UNPAID, "debit": c, "credit": d, "summary": summary}])


def _surcharges(ctx: Context, period: str) -> int | None:
    s, cid = ctx.session, ctx.company_id
    due = {k: v for k, v in surcharges_outstanding(s, cid, period).items() if v != 0}
    if not due:
        return None
    surtax = STANDARD_CODES[standard_of(s, cid)]["surtax"]
    codes = {key: code for key, _, _, code in SURCHARGES}
    lines = []
    for key, amount in due.items():
        summary = f"{period} 计提{SURCHARGE_ZH[key]}"
        d, c = _side(amount, debit=True)
        lines.append({"account_code": surtax, "debit": d, "credit": c, "summary": summary})
        lines.append({"account_code": codes[key], "debit": c, "credit": d, "summary": summary})
    return _post(ctx, "surcharge", period, lines)


def _carry_forward(ctx: Context, period: str) -> int | None:
    s, cid = ctx.session, ctx.company_id
    balances = profit_loss_balances(s, cid, period)
    if not balances:
        return None
    summary = f"{period} 结转损益"
    lines, net = [], ZERO
    for account_id, _code, dims, bal in balances:
        d, c = _side(bal, debit=False)  # a debit balance is cleared by a credit, and the other way round
        lines.append({"account_id": account_id, "debit": d, "credit": c, "summary": summary, **dims})
        net += bal
    profit = STANDARD_CODES[standard_of(s, cid)]["profit"]
    d, c = _side(net, debit=True)  # net debit (loss) -> debit 本年利润; net credit (profit) -> credit 本年利润
    if net != 0:
        lines.append({"account_code": profit, "debit": d, "credit": c, "summary": summary})
    return _post(ctx, "carry_forward", period, lines)


def _year_end(ctx: Context, period: str) -> int | None:
    s, cid = ctx.session, ctx.company_id
    if not is_year_end(s, cid, period):
        return None
    codes = STANDARD_CODES[standard_of(s, cid)]
    bal = movement(s, cid, [codes["profit"]], upto=period)  # debit - credit of 本年利润
    if bal == 0:
        return None
    summary = f"{period[:4]} 年末结转本年利润"
    d, c = _side(bal, debit=False)
    return _post(ctx, "year_end", period, [
        {"account_code": codes["profit"], "debit": d, "credit": c, "summary": summary},
        {"account_code": codes["retained"], "debit": c, "credit": d, "summary": summary}])


def _unposted_and_gaps(session, company_id: int, period: str) -> tuple[int, list[str]]:
    unposted = session.execute(select(func.count()).select_from(Voucher).where(
        Voucher.company_id == company_id, Voucher.period == period, Voucher.status != "posted")).scalar_one()
    gaps = []
    rows = session.execute(select(Voucher.voucher_type, Voucher.number).where(
        Voucher.company_id == company_id, Voucher.period == period)).all()
    by_type: dict[str, list[int]] = defaultdict(list)
    for t, n in rows:
        by_type[t].append(n)
    for t, numbers in sorted(by_type.items()):
        have = set(numbers)
        gaps += [voucher_display_no(t, n) for n in range(1, max(have) + 1) if n not in have]
    return unposted, gaps


def _period_row(session, company_id: int, period: str, *, lock: bool = True) -> AccountingPeriod | None:
    stmt = select(AccountingPeriod).where(AccountingPeriod.company_id == company_id,
                                          AccountingPeriod.period == period)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def _later_closed(session, company_id: int, period: str) -> str | None:
    return session.execute(select(func.min(AccountingPeriod.period)).where(
        AccountingPeriod.company_id == company_id, AccountingPeriod.period > period,
        AccountingPeriod.status == "closed")).scalar()


def earlier_open(session, company_id: int, period: str) -> str | None:
    """The first period before ``period`` that holds vouchers (posted or not) and is not closed, if any. The
    company's books start at its first period with vouchers; empty months in between need no closing (nothing
    can be posted into them once a later period is closed)."""
    closed = select(AccountingPeriod.period).where(AccountingPeriod.company_id == company_id,
                                                   AccountingPeriod.status == "closed")
    return session.execute(select(func.min(Voucher.period)).where(
        Voucher.company_id == company_id, Voucher.period < period, Voucher.period.not_in(closed))).scalar()


def _guard(ctx: Context, period: str) -> None:
    row = _period_row(ctx.session, ctx.company_id, period)
    if row is not None and row.status == "closed":
        raise Conflict("error.finance_close.already_closed", period=period)
    later = _later_closed(ctx.session, ctx.company_id, period)
    if later:  # periods close in order (a later carry-forward already counted this period's balances)
        raise Conflict("error.finance_close.later_closed", period=period, later=later)
    earlier = earlier_open(ctx.session, ctx.company_id, period)
    if earlier:  # an earlier month's VAT and profit must be settled first (this close builds on its balances)
        raise Conflict("error.finance_close.earlier_open", period=period, earlier=earlier)


def _generate(ctx: Context, period: str) -> list[int]:
    _guard(ctx, period)
    ids = [_vat_transfer(ctx, period), _surcharges(ctx, period), _carry_forward(ctx, period), _year_end(ctx, period)]
    return [i for i in ids if i is not None]


@use_case("finance.period.close", zh="期末结账", en="Close accounting period")
def generate_close_vouchers(ctx: Context, *, period: str) -> tuple[int, ...]:
    """Post the period's outstanding VAT transfer, surcharges, carry-forward (and year-end transfer); the period
    stays open. Returns the ids of the vouchers generated now."""
    parse_period(period)
    ids = _generate(ctx, period)
    ctx.audit("accounting_period", period, generated=ids)
    return tuple(ids)


@use_case("finance.period.close", zh="期末结账", en="Close accounting period")
def close_period(ctx: Context, *, period: str) -> CloseResult:
    """Generate what is outstanding and close the period (postings into it are refused from then on)."""
    s, cid = ctx.session, ctx.company_id
    parse_period(period)
    _guard(ctx, period)
    unposted, gaps = _unposted_and_gaps(s, cid, period)
    problems = []
    if unposted:
        problems.append(ValidationError("error.finance_close.unposted", field="field.finance_close.period",
                                        count=unposted, period=period))
    if gaps:
        problems.append(ValidationError("error.finance_close.gaps", field="field.finance_close.period",
                                        numbers=", ".join(gaps[:20]), period=period))
    from erp_core.costing.run_services import costing_state  # 成本计算 first, when the period moved stock

    cost = costing_state(s, cid, period)
    if not cost.ok:
        problems.append(ValidationError("error.costing.close_stale" if cost.stale else "error.costing.close_missing",
                                        field="field.finance_close.period", period=period))
    if problems:
        raise ValidationErrors(problems)
    ids = _generate(ctx, period)
    total = movement(s, cid, "", upto=period)
    if total != 0:
        raise Conflict("error.finance_close.unbalanced", period=period, difference=str(total))
    row = _period_row(s, cid, period)
    if row is None:
        row = AccountingPeriod(company_id=cid, period=period, status="open")
        s.add(row)
    row.status, row.closed_at, row.closed_by = "closed", naive_utcnow(), ctx.actor.username
    s.flush()
    ctx.audit("accounting_period", period, status=["open", "closed"], generated=ids)
    return CloseResult(period, tuple(ids), True)


@use_case("finance.period.reopen", zh="反结账", en="Reopen accounting period")
def reopen_period(ctx: Context, *, period: str, reason: str) -> int | None:
    """Reopen a closed period (反结账); the reason is kept in the audit record. Generated vouchers stay: closing
    again posts only what changed since. When the company requires a second person's approval for reopening
    (erp_core/changes, on by default) nothing changes now: the request waits for approval and its id is
    returned (None: reopened now)."""
    from erp_core.changes.services import hold_for_approval

    _check_reopen(ctx, period, reason)
    held = hold_for_approval(ctx, "period_reopen", period, {"period": period, "reason": reason.strip()},
                             summary=f"反结账 {period}: {reason.strip()}")
    if held is not None:
        ctx.audit("accounting_period", period, reopen_pending=held, reason=reason.strip())
        return held
    reopen_now(ctx, period, reason)
    return None


def _check_reopen(ctx: Context, period: str, reason: str) -> AccountingPeriod:
    s, cid = ctx.session, ctx.company_id
    parse_period(period)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationErrors([ValidationError("error.required", field="field.finance_close.reason")])
    if len(reason) > 500:
        raise ValidationErrors([ValidationError("error.too_long", field="field.finance_close.reason", max=500)])
    row = _period_row(s, cid, period)
    if row is None or row.status != "closed":
        raise Conflict("error.finance_close.not_closed", period=period)
    later = _later_closed(s, cid, period)
    if later:  # reopen the latest closed period first
        raise Conflict("error.finance_close.later_closed", period=period, later=later)
    return row


def reopen_now(ctx: Context, period: str, reason: str) -> None:
    """Reopen ``period`` inside the caller's use case (reopen_period, or the approval of a pending reopening,
    which re-checks that it is still closed and the latest closed one)."""
    row = _check_reopen(ctx, period, reason)
    row.status, row.closed_at, row.closed_by = "open", None, None
    ctx.session.flush()
    ctx.audit("accounting_period", period, status=["closed", "open"], reason=reason.strip())
