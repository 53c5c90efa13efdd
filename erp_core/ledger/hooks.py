"""Pre-post checks: posting calls them for every voucher it is about to write (inside the posting transaction,
after validation, before any gl_line). A check raises a DomainError to refuse the posting, or returns warnings,
which end up on the Context (``ctx.changes["warnings"]``) and so in the posting's audit entry.

The rules every posting must obey are BUILT IN and called explicitly here, so they are in force in every process
that posts (web server, `erp` command, scripts), whatever it happened to import:

- period order: nothing is posted into a period earlier than a closed one (periods close in order, and a later
  period's carry-forward already counted the earlier balances);
- budgets: a voucher that takes a 'block' budget over its amount is refused, a 'warn' budget warns
  (erp_core/finance/budget_check.py).

Other modules may add checks with ``register_pre_post_check(name, fn)`` (``fn(ctx, voucher, lines)`` returns a
list of warning dicts or None); such an extra check only runs in a process that imported its module, so a rule
that must always hold belongs in ``BUILT_IN`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from erp_core.kernel.errors import Conflict
from erp_core.ledger.periods import first_closed_after

PRE_POST_CHECKS: dict[str, Callable[..., Sequence[dict[str, Any]] | None]] = {}


def refuse_before_closed(ctx: Any, voucher: Any, lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nothing may be posted into a period earlier than a closed one."""
    later = first_closed_after(ctx.session, voucher.company_id, voucher.period)
    if later:
        raise Conflict("error.finance_close.post_before_closed", period=voucher.period, later=later)
    return []


def _budget(ctx: Any, voucher: Any, lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    from erp_core.finance.budget_check import check_voucher

    return check_voucher(ctx, voucher, lines)


BUILT_IN: tuple[tuple[str, Callable[..., Sequence[dict[str, Any]] | None]], ...] = (
    ("period_order", refuse_before_closed), ("budget", _budget))


def register_pre_post_check(name: str, fn: Callable[..., Sequence[dict[str, Any]] | None]) -> None:
    """Register (or replace, by name) an extra check run before a voucher's lines are written to the ledger.
    The built-in names cannot be replaced."""
    if name in dict(BUILT_IN):
        raise ValueError(f"{name} is a built-in pre-post check")
    PRE_POST_CHECKS[name] = fn


def run_pre_post_checks(ctx: Any, voucher: Any, lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = []
    for _, fn in BUILT_IN:
        warnings.extend(fn(ctx, voucher, lines) or ())
    for fn in list(PRE_POST_CHECKS.values()):
        warnings.extend(fn(ctx, voucher, lines) or ())
    if warnings:
        ctx.changes.setdefault("warnings", []).extend(warnings)
    return warnings
