"""Pre-post checks: other modules register a function that posting calls for every voucher it is about to write
(inside the posting transaction, after validation, before any gl_line). A check raises a DomainError to refuse
the posting, or records warnings on the Context (``ctx.changes``), which end up in the posting's audit entry.

    from erp_core.ledger.hooks import register_pre_post_check
    register_pre_post_check("budget", check_budgets)   # fn(ctx, voucher, lines) -> list of warning dicts

Posting returns nothing of these checks itself; warnings are also kept on ``ctx.changes["warnings"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

PRE_POST_CHECKS: dict[str, Callable[..., Sequence[dict[str, Any]] | None]] = {}


def register_pre_post_check(name: str, fn: Callable[..., Sequence[dict[str, Any]] | None]) -> None:
    """Register (or replace, by name) a check run before a voucher's lines are written to the ledger."""
    PRE_POST_CHECKS[name] = fn


def run_pre_post_checks(ctx: Any, voucher: Any, lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = []
    for fn in list(PRE_POST_CHECKS.values()):
        warnings.extend(fn(ctx, voucher, lines) or ())
    if warnings:
        ctx.changes.setdefault("warnings", []).extend(warnings)
    return warnings
