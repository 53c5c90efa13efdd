"""Small Streamlit helpers for the finance pages (pages/finance/*): flash messages after a rerun, a yes/no
for use cases, account labels, and the voucher handed from one page to another. No business rules here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import streamlit as st

from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
from ui.actions import run_action
from ui.i18n import tr

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FLASH_KEY = "fin_flash"
EDIT_KEY = "fin_edit_voucher"  # voucher id the entry page should load (None: a new voucher)
VIEW_KEY = "fin_view_voucher"  # voucher id the print page should show


def done(fn: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Run a use case through run_action; returns its result, or None when it failed (error already shown).
    Use cases that return None come back as True."""
    result = run_action(lambda db, who, /, **kw: (lambda r: True if r is None else r)(fn(db, who, **kw)), **kwargs)
    return result


def csv_xlsx_downloads(headers: list[str], rows: list[list[Any]], stem: str,
                       label: str = "finance_close.download") -> None:
    """The CSV and XLSX buttons of a finance table side by side (``label`` takes the format as ``fmt``); the
    files are ``stem``.csv / ``stem``.xlsx, formula-injection safe."""
    c1, c2 = st.columns(2)
    c1.download_button(tr(label, fmt="CSV"), to_csv_bytes(headers, rows), file_name=f"{stem}.csv", mime="text/csv")
    c2.download_button(tr(label, fmt="XLSX"), to_xlsx_bytes(headers, rows), file_name=f"{stem}.xlsx", mime=XLSX_MIME)


def flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/task_alt:")


def account_labels(accounts: Iterable[Any], locale: str) -> dict[int, str]:
    """id -> "1122 应收账款" (searchable by code or name in a selectbox)."""
    return {a.id: a.label(locale) for a in accounts}


def money_text(value: Decimal | int | None) -> str:
    return "" if value in (None, 0) else f"{Decimal(value):,.2f}"


def status_label(status: str) -> str:
    return tr(f"finance.status.{status}")


def budget_warning_text(w: Any) -> str:
    """One budget over its amount (a BudgetWarning of erp_core.finance.budget_queries), in the user's language:
    "科目 6602 部门 S01 销售部 2026-03 预算 10,000.00，过账后实际 12,000.00，超出 2,000.00"."""
    scope = ""
    if w.department:
        scope += tr("finance.budget_warning.department", name=w.department)
    if w.project:
        scope += tr("finance.budget_warning.project", name=w.project)
    return tr("finance.budget_warning", account=w.account_code, scope=scope, period=w.period,
              budget=f"{Decimal(w.amount):,.2f}", actual=f"{Decimal(w.actual):,.2f}",
              over=f"{Decimal(w.actual) - Decimal(w.amount):,.2f}")


def budget_warnings(voucher_id: int) -> list[str]:
    """The localized warnings of the budgets a voucher's lines are over (read after posting through the
    voucher_budget_warnings query; empty for a user who may not view budgets)."""
    from erp_core.finance.budget_queries import voucher_budget_warnings
    from ui.context import require_actor

    if not require_actor().may("finance.budget.view"):
        return []
    return [budget_warning_text(w) for w in run_action(voucher_budget_warnings, voucher_id=voucher_id) or []]
