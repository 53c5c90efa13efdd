"""Period-close checklist (结账检查) and the period list for the close page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from erp_core.finance.close_services import (
    CLOSE_SOURCE,
    STANDARD_CODES,
    _unposted_and_gaps,
    is_year_end,
    movement,
    parse_period,
    profit_loss_balances,
    standard_of,
    surcharges_outstanding,
    vat_outstanding,
)
from erp_core.finance.models import Voucher
from erp_core.ledger.models import AccountingPeriod
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class CheckItem:
    key: str  # finance_close.check.<key>
    ok: bool
    blocking: bool  # closing refuses while a blocking item is not ok (generated items are done by closing)
    detail: str = ""


@dataclass(frozen=True)
class Checklist:
    period: str
    status: str  # open | closed
    items: tuple[CheckItem, ...]
    generated: tuple[tuple[int, str, str], ...]  # (voucher id, display number, date) of close vouchers

    @property
    def ready(self) -> bool:
        return all(i.ok for i in self.items if i.blocking)


@query("finance.period.view", zh="查看会计期间", en="View accounting periods")
def close_checklist(ctx: Context, *, period: str) -> Checklist:
    s, cid = ctx.session, ctx.actor.company_id
    parse_period(period)
    row = s.execute(select(AccountingPeriod.status).where(AccountingPeriod.company_id == cid,
                                                          AccountingPeriod.period == period)).scalar_one_or_none()
    unposted, gaps = _unposted_and_gaps(s, cid, period)
    difference = movement(s, cid, "", upto=period)
    vat = vat_outstanding(s, cid, period)
    surcharges = {k: v for k, v in surcharges_outstanding(s, cid, period).items() if v != 0}
    pl = profit_loss_balances(s, cid, period)
    items = [CheckItem("posted", unposted == 0, True, str(unposted) if unposted else ""),
             CheckItem("gaps", not gaps, True, ", ".join(gaps[:20])),
             CheckItem("balanced", difference == 0, True, f"{difference:,.2f}" if difference else ""),
             CheckItem("vat", vat <= 0, False, f"{vat:,.2f}" if vat > 0 else ""),
             CheckItem("surcharges", not surcharges, False,
                       f"{sum(surcharges.values(), Decimal(0)):,.2f}" if surcharges else ""),
             CheckItem("carry_forward", not pl, False, str(len(pl)) if pl else "")]
    if is_year_end(s, cid, period):
        profit = movement(s, cid, [STANDARD_CODES[standard_of(s, cid)]["profit"]], upto=period)
        items.append(CheckItem("year_end", profit == 0 and not pl, False, f"{-profit:,.2f}" if profit else ""))
    generated = tuple((v.id, v.display_no, v.voucher_date.isoformat()) for v in s.execute(
        select(Voucher).where(Voucher.company_id == cid, Voucher.period == period, Voucher.source == CLOSE_SOURCE)
        .order_by(Voucher.id)).scalars())
    return Checklist(period, row or "open", tuple(items), generated)
