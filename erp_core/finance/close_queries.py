"""Period-close checklist (结账检查) and the period list for the close page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.finance.close_services import (
    CLOSE_SOURCE,
    STANDARD_CODES,
    _later_closed,
    _unposted_and_gaps,
    earlier_open,
    is_year_end,
    movement,
    parse_period,
    profit_loss_balances,
    small_scale_vat,
    standard_of,
    surcharges_outstanding,
    taxpayer_type,
    vat_credit_carried,
    vat_transfer_due,
)
from erp_core.finance.models import Voucher
from erp_core.ledger.models import AccountingPeriod
from erp_core.security.scope import require_company_wide
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class CheckItem:
    key: str  # finance_close.check.<key>
    ok: bool
    blocking: bool  # closing refuses while a blocking item is not ok (generated items are done by closing)
    detail: str = ""  # the bare figure (an amount, a count, a period), for exports and tests
    info: bool = False  # shown for information only (VAT levied by a small-scale taxpayer, 留抵 carried)
    note: tuple[str, dict[str, str]] | None = None  # the 说明 sentence: (message key, its parameters)


@dataclass(frozen=True)
class Checklist:
    period: str
    status: str  # open | closed
    items: tuple[CheckItem, ...]
    generated: tuple[tuple[int, str, str], ...]  # (voucher id, display number, date) of close vouchers
    taxpayer_type: str = "general"  # general (一般纳税人) | small (小规模纳税人)

    @property
    def ready(self) -> bool:
        return all(i.ok for i in self.items if i.blocking)


def _note(key: str, **params: str) -> tuple[str, dict[str, str]]:
    return f"finance_close.note.{key}", params


@query("finance.period.view", zh="查看会计期间", en="View accounting periods")
def first_open_period(ctx: Context, *, today: dt.date | None = None) -> str:
    """The period the close page opens on: the first period holding vouchers that is not closed (periods close in
    order from there); with none, the month after the latest closed period; with no books at all, last month."""
    require_company_wide(ctx)
    s, cid = ctx.session, ctx.actor.company_id
    closed = select(AccountingPeriod.period).where(AccountingPeriod.company_id == cid,
                                                   AccountingPeriod.status == "closed")
    first = s.execute(select(func.min(Voucher.period)).where(Voucher.company_id == cid,
                                                             Voucher.period.not_in(closed))).scalar()
    if first:
        return first
    latest = s.execute(select(func.max(AccountingPeriod.period)).where(AccountingPeriod.company_id == cid,
                                                                       AccountingPeriod.status == "closed")).scalar()
    if latest:
        year, month = parse_period(latest)
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    last = (today or dt.date.today()).replace(day=1) - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


@query("finance.period.view", zh="查看会计期间", en="View accounting periods")
def close_checklist(ctx: Context, *, period: str) -> Checklist:
    """The checklist of ``period``. Its figures (the period's result, VAT, surcharges, the trial balance) are the
    whole company's: a grant narrower than the company is refused."""
    require_company_wide(ctx)
    s, cid = ctx.session, ctx.actor.company_id
    parse_period(period)
    row = s.execute(select(AccountingPeriod.status).where(AccountingPeriod.company_id == cid,
                                                          AccountingPeriod.period == period)).scalar_one_or_none()
    unposted, gaps = _unposted_and_gaps(s, cid, period)
    difference = movement(s, cid, "", upto=period)
    kind = taxpayer_type(s, cid)
    surcharges = {k: v for k, v in surcharges_outstanding(s, cid, period).items() if v != 0}
    pl = profit_loss_balances(s, cid, period)
    earlier = earlier_open(s, cid, period)
    items = [CheckItem("order", earlier is None, True, earlier or "",
                       note=_note("order", period=earlier) if earlier else None),
             CheckItem("posted", unposted == 0, True, str(unposted) if unposted else "",
                       note=_note("posted", n=str(unposted)) if unposted else None),
             CheckItem("gaps", not gaps, True, ", ".join(gaps[:20]),
                       note=_note("gaps", n=str(len(gaps)), numbers=", ".join(gaps[:20])
                                  + ("…" if len(gaps) > 20 else "")) if gaps else None),
             CheckItem("balanced", difference == 0, True, f"{difference:,.2f}" if difference else "",
                       note=_note("balanced", amount=f"{difference:,.2f}") if difference else None)]
    if kind == "small":  # no transfer: the VAT levied this month is what it owes (and the surcharges' base)
        levied = small_scale_vat(s, cid, period)
        items.append(CheckItem("vat_small", True, False, f"{levied:,.2f}" if levied else "", info=True,
                               note=_note("vat_small", amount=f"{levied:,.2f}") if levied else None))
    else:
        vat = vat_transfer_due(s, cid, period)  # negative: a transfer of this period to undo
        items.append(CheckItem("vat", vat == 0, False, f"{vat:,.2f}" if vat else "",
                               note=(_note("vat", amount=f"{vat:,.2f}") if vat > 0 else
                                     _note("vat_undo", amount=f"{-vat:,.2f}") if vat < 0 else None)))
        credit = vat_credit_carried(s, cid, period)
        if credit > 0:  # 留抵: shown, nothing to do (it offsets next month's output VAT)
            items.append(CheckItem("vat_credit", True, False, f"{credit:,.2f}", info=True,
                                   note=_note("vat_credit", amount=f"{credit:,.2f}")))
    from erp_core.costing.run_services import (
        costing_state,  # 成本计算: a period with stock moves needs a current run
    )

    cost = costing_state(s, cid, period)
    if cost.needed:
        items.append(CheckItem("costing", cost.ok, True, "" if cost.ok else ("stale" if cost.stale else "missing"),
                               note=None if cost.ok else _note("costing_stale" if cost.stale else "costing")))
    later = _later_closed(s, cid, period)
    if later:  # reopening needs every later period open
        items.append(CheckItem("later", False, True, later, note=_note("later", period=later)))
    total_surcharges = sum(surcharges.values(), Decimal(0))
    items += [CheckItem("surcharges", not surcharges, False, f"{total_surcharges:,.2f}" if surcharges else "",
                        note=_note("surcharges", amount=f"{total_surcharges:,.2f}") if surcharges else None),
              CheckItem("carry_forward", not pl, False, str(len(pl)) if pl else "",
                        note=_note("carry_forward", n=str(len(pl))) if pl else None)]
    if is_year_end(s, cid, period):
        profit = movement(s, cid, [STANDARD_CODES[standard_of(s, cid)]["profit"]], upto=period)
        items.append(CheckItem("year_end", profit == 0 and not pl, False, f"{-profit:,.2f}" if profit else "",
                               note=_note("year_end", amount=f"{-profit:,.2f}") if profit else None))
    generated = tuple((v.id, v.display_no, v.voucher_date.isoformat()) for v in s.execute(
        select(Voucher).where(Voucher.company_id == cid, Voucher.period == period, Voucher.source == CLOSE_SOURCE)
        .order_by(Voucher.id)).scalars())
    return Checklist(period, row or "open", tuple(items), generated, kind)
