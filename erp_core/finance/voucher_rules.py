"""Voucher validation as small pure functions that return every problem at once (beancount style).

Input lines are dicts as forms, imports and tests give them:
    {"summary": str, "account_id": int | None, "account_code": str | None, "debit": amount, "credit": amount,
     "department_id" / "project_id" / "customer_id" / "supplier_id" / "employee_id" / "product_id": int | None}
Amounts are Decimal, int or str (floats are refused). Each problem names its field; line problems carry
``line`` (1-based), so the form can show the message on its row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from erp_core.finance.models import AUX_DIMENSIONS
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import FEN, MAX_MONEY, to_decimal

DIM_COLUMNS = tuple(f"{d}_id" for d in AUX_DIMENSIONS)
SUMMARY_MAX = 200
ZERO = Decimal(0)


@dataclass(frozen=True)
class AccountInfo:
    """What validation needs to know about an account."""

    id: int
    code: str
    name: str
    is_leaf: bool
    status: str
    aux: tuple[str, ...] = ()


@dataclass
class CleanLine:
    line_no: int
    summary: str
    account: AccountInfo
    debit: Decimal
    credit: Decimal
    dims: dict[str, int | None] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {"line_no": self.line_no, "summary": self.summary, "account_id": self.account.id,
                "debit": self.debit, "credit": self.credit, **self.dims}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_amount(value: Any) -> Decimal:
    """A line amount: blank -> 0; refuses floats, non-numbers, more than 2 decimals and out-of-range values
    (raises ValueError/TypeError, which the caller turns into a field error)."""
    if type(value) is str:  # noqa: E721 - imports and forms: the common case, without the generic helpers
        value = value.strip()
        if not value:
            return ZERO
        try:
            d = Decimal(value)
        except InvalidOperation:
            d = to_decimal(value)  # thousands separators, or a ValueError naming the text
    elif value is None:
        return ZERO
    else:
        d = to_decimal(value)
    if not d.is_finite():
        raise ValueError("not a finite number")
    if abs(d) >= MAX_MONEY:
        raise ValueError("range")
    if d.quantize(FEN) != d:  # exact below MAX_MONEY: quantize cannot overflow the context there
        raise ValueError("scale")
    return d + ZERO  # normalizes -0


_LINE_KEYS = ("summary", "account_id", "account_code", "debit", "credit")
_SIDES = ("debit", "credit")
_DIM_SET = frozenset(DIM_COLUMNS)


def is_empty_line(raw: Mapping[str, Any]) -> bool:
    """A row the user left empty (data editors always carry a few)."""
    for key in _LINE_KEYS:
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or value.strip()):
            return False
    return True


def check_lines(raw_lines: Iterable[Mapping[str, Any]], accounts_by_id: Mapping[int, AccountInfo],
                accounts_by_code: Mapping[str, AccountInfo], *, allow_negative_total: bool = False,
                ) -> tuple[list[CleanLine], list[ValidationError]]:
    """Validate the lines of one voucher: account known, leaf and active; exactly one of debit/credit;
    amounts exact to the fen; required dimensions present; at least two lines; balanced and non-zero."""
    problems: list[ValidationError] = []
    clean: list[CleanLine] = []
    lines = [r for r in raw_lines if not is_empty_line(r)]
    # Runs for every line of every posting and import: plain locals, and a line without dimension keys (an
    # import's) skips the six look-ups.
    for n, raw in enumerate(lines, start=1):
        ok = True
        get = raw.get
        summary = get("summary")
        summary = summary.strip() if type(summary) is str else str(summary or "").strip()  # noqa: E721
        if len(summary) > SUMMARY_MAX:
            problems.append(ValidationError("error.finance.line.too_long", field="field.finance.line.summary",
                                            line=n, max=SUMMARY_MAX))
            ok = False
        account: AccountInfo | None = None
        acc_id, acc_code = get("account_id"), get("account_code")
        no_id, no_code = _blank(acc_id), _blank(acc_code)
        if not no_id:
            account = accounts_by_id.get(int(acc_id))
        elif not no_code:
            account = accounts_by_code.get(str(acc_code).strip())
        if no_id and no_code:
            problems.append(ValidationError("error.finance.line.required", field="field.finance.line.account",
                                            line=n))
            ok = False
        elif account is None:
            problems.append(ValidationError("error.finance.line.account_unknown",
                                            field="field.finance.line.account", line=n,
                                            code=str(acc_code or acc_id)))
            ok = False
        elif not account.is_leaf:
            problems.append(ValidationError("error.finance.line.account_not_leaf",
                                            field="field.finance.line.account", line=n, code=account.code))
            ok = False
        elif account.status != "active":
            problems.append(ValidationError("error.finance.line.account_frozen",
                                            field="field.finance.line.account", line=n, code=account.code))
            ok = False
        amounts: list[Decimal] = []
        for side in _SIDES:
            try:
                amounts.append(parse_amount(get(side)))
            except (ValueError, TypeError):
                problems.append(ValidationError("error.finance.line.amount_invalid", field=f"field.finance.line.{side}",
                                                line=n))
                ok = False
        if len(amounts) == 2 and (not amounts[0]) == (not amounts[1]):
            problems.append(ValidationError("error.finance.line.one_side", field="field.finance.line.debit",
                                            line=n))
            ok = False
        dims: dict[str, int | None] = dict.fromkeys(DIM_COLUMNS)
        for col in () if _DIM_SET.isdisjoint(raw) else DIM_COLUMNS:
            value = get(col)
            if value is None:
                continue
            try:
                dims[col] = None if _blank(value) else int(value)
            except (TypeError, ValueError):
                problems.append(ValidationError("error.finance.line.dim_invalid", field=f"field.finance.dim.{col[:-3]}",
                                                line=n))
                ok = False
        if account is not None and account.aux:
            for dim in account.aux:
                if dims.get(f"{dim}_id") is None:
                    problems.append(ValidationError("error.finance.line.dim_required",
                                                    field=f"field.finance.dim.{dim}", line=n, code=account.code))
                    ok = False
        if ok and account is not None:
            clean.append(CleanLine(n, summary, account, amounts[0], amounts[1], dims))
    if len(lines) < 2:
        problems.append(ValidationError("error.finance.voucher.min_lines", field="field.finance.voucher.lines"))
    if not problems:
        debit = sum((c.debit for c in clean), ZERO)
        credit = sum((c.credit for c in clean), ZERO)
        if debit >= MAX_MONEY or credit >= MAX_MONEY or -debit >= MAX_MONEY:
            # every line is below MAX_MONEY, their sum need not be: the voucher's total is stored in a money
            # column (integer fen) like any amount, so it is held to the same bound
            problems.append(ValidationError("error.finance.voucher.total_too_large",
                                            field="field.finance.voucher.lines", max=f"{MAX_MONEY:,.2f}"))
        elif debit != credit:
            problems.append(ValidationError("error.finance.voucher.unbalanced", field="field.finance.voucher.lines",
                                            debit=str(debit.quantize(FEN)), credit=str(credit.quantize(FEN))))
        elif debit == 0 or (debit < 0 and not allow_negative_total):
            problems.append(ValidationError("error.finance.voucher.zero_total", field="field.finance.voucher.lines"))
    return clean, problems


def check_header(*, voucher_date: Any, voucher_type: str | None, allowed_types: Iterable[str],
                 attachments: Any, closed: bool, window: Any = None) -> list[ValidationError]:
    """Header rules: a date in an open period and inside the company's ``window`` (erp_core.ledger.periods
    .DateWindow: not before its opening balances, not absurdly far back or ahead), a type the company uses, a
    non-negative attachment count."""
    problems: list[ValidationError] = []
    if not isinstance(voucher_date, dt.date):
        problems.append(ValidationError("error.required", field="field.finance.voucher.date"))
    elif closed:
        problems.append(ValidationError("error.finance.period_closed", field="field.finance.voucher.date",
                                        period=f"{voucher_date.year:04d}-{voucher_date.month:02d}"))
    elif window is not None:
        problems += date_problems(voucher_date, window)
    if voucher_type not in tuple(allowed_types):
        problems.append(ValidationError("error.choice", field="field.finance.voucher.type"))
    try:
        if attachments is None or int(attachments) != attachments or int(attachments) < 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(ValidationError("error.finance.attachments_invalid", field="field.finance.voucher.attachments"))
    return problems



def date_problems(day: dt.date, window: Any, field: str = "field.finance.voucher.date") -> list[ValidationError]:
    """The voucher date against the company's window (erp_core.ledger.periods.DateWindow)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if window.books_start is not None and day < window.books_start:
        return [ValidationError("error.ledger.date_before_books_start", field=field, date=day.isoformat(),
                                start=window.books_start.isoformat())]
    if day < window.earliest:
        return [ValidationError("error.ledger.date_too_early", field=field, date=day.isoformat(),
                                earliest=window.earliest.isoformat())]
    if day > window.latest:
        return [ValidationError("error.ledger.date_too_late", field=field, date=day.isoformat(),
                                latest=window.latest.isoformat())]
    return []
