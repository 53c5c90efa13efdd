"""Period close keeps no table of its own (it writes accounting_period and generated vouchers). This module is
auto-imported with the models, so it is where the close rule for postings is registered with the ledger's
pre-post hook: nothing may be posted into a period earlier than a closed one (periods close in order, and a
later period's carry-forward already counted the earlier balances)."""

from __future__ import annotations

from erp_core.kernel.errors import Conflict
from erp_core.ledger.hooks import register_pre_post_check
from erp_core.ledger.periods import first_closed_after


def refuse_before_closed(ctx, voucher, lines):
    later = first_closed_after(ctx.session, voucher.company_id, voucher.period)
    if later:
        raise Conflict("error.finance_close.post_before_closed", period=voucher.period, later=later)
    return []


register_pre_post_check("period_order", refuse_before_closed)
