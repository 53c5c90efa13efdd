"""Statutory statements (资产负债表, 利润表) computed from line-item mappings kept as data in
db/seed/statements/<standard>_<statement>.toml (see the comments at the top of those files)."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from erp_core.config import PROJECT_ROOT
from erp_core.kernel.errors import ValidationError, raise_if
from erp_core.masterdata.models import ACCOUNTING_STANDARDS

STATEMENTS_DIR = PROJECT_ROOT / "db" / "seed" / "statements"
STATEMENTS = ("balance_sheet", "income_statement")
_TERM = re.compile(r"\s*([+-])?\s*(L\d+|PL|\d+(?::N?[DC])?)\s*")


@dataclass(frozen=True)
class Term:
    sign: int  # +1 / -1
    kind: str  # "account" | "debit_balances" | "credit_balances" | "net_debit" | "net_credit" | "line" | "pl"
    ref: str  # account code or line number


@dataclass(frozen=True)
class LineItem:
    line_no: int | None  # None: a heading
    item: str
    item_en: str
    side: str  # "debit" | "credit"
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Layout:
    standard: str
    statement: str
    lines: tuple[LineItem, ...]
    profit_account: str | None

    def account_codes(self) -> set[str]:
        return {t.ref for li in self.lines for t in li.terms if t.kind not in ("line", "pl")}


def parse_formula(formula: str) -> tuple[Term, ...]:
    terms: list[Term] = []
    pos = 0
    formula = formula or ""
    while pos < len(formula.rstrip()):
        m = _TERM.match(formula, pos)
        if not m or m.end() == pos:
            raise ValueError(f"bad statement formula at {pos}: {formula!r}")
        sign = -1 if m.group(1) == "-" else 1
        if not terms and m.group(1) is None:
            sign = 1
        elif terms and m.group(1) is None:
            raise ValueError(f"missing + or - in {formula!r}")
        ref = m.group(2)
        if ref == "PL":
            terms.append(Term(sign, "pl", ""))
        elif ref.startswith("L"):
            terms.append(Term(sign, "line", ref[1:]))
        elif ref.endswith(":ND"):
            terms.append(Term(sign, "net_debit", ref[:-3]))
        elif ref.endswith(":NC"):
            terms.append(Term(sign, "net_credit", ref[:-3]))
        elif ref.endswith(":D"):
            terms.append(Term(sign, "debit_balances", ref[:-2]))
        elif ref.endswith(":C"):
            terms.append(Term(sign, "credit_balances", ref[:-2]))
        else:
            terms.append(Term(sign, "account", ref))
        pos = m.end()
    return tuple(terms)


def load_layout(standard: str, statement: str, directory: Path = STATEMENTS_DIR) -> Layout:
    """The layout of ``statement`` ("balance_sheet" | "income_statement") for ``standard``. Both name a file,
    and both can come from a caller (the reports API's ``standard=``): only the known values pass, anything else
    is a ValidationError naming the field, before any path is built (and before the cache, so junk values cannot
    fill it)."""
    problems = []
    if not isinstance(standard, str) or standard not in ACCOUNTING_STANDARDS:
        problems.append(ValidationError("error.choice", field="field.reports.standard"))
    if not isinstance(statement, str) or statement not in STATEMENTS:
        problems.append(ValidationError("error.choice", field="field.reports.statement"))
    raise_if(problems)
    return _load_layout(standard, statement, directory)


@functools.cache
def _load_layout(standard: str, statement: str, directory: Path) -> Layout:
    data = tomllib.loads((directory / f"{standard}_{statement}.toml").read_text(encoding="utf-8"))
    lines = tuple(LineItem(li.get("line_no"), li["item"], li.get("item_en", li["item"]), li.get("side", "debit"),
                           parse_formula(li.get("formula", ""))) for li in data["line"])
    known = {str(li.line_no) for li in lines if li.line_no is not None}
    for li in lines:
        for t in li.terms:
            if t.kind == "line" and t.ref not in known:
                raise ValueError(f"{standard}_{statement}: line {li.line_no} refers to unknown line {t.ref}")
    return Layout(data["standard"], data["statement"], lines, data.get("profit_account"))


def evaluate(layout: Layout, net: dict[str, int], debit_balances: dict[str, int], credit_balances: dict[str, int],
             pl_credit: int) -> dict[int, int]:
    """Amounts in fen per line number. ``net`` maps an account code to its debit-minus-credit amount (the
    account with its sub-accounts); ``debit_balances``/``credit_balances`` to the sums of positive detail
    balances on each side; ``pl_credit`` is the credit balance of profit and loss not yet carried forward."""
    values: dict[int, int] = {}
    for li in layout.lines:
        if li.line_no is None:
            continue
        side = 1 if li.side == "debit" else -1
        total = 0
        for t in li.terms:
            if t.kind == "account":
                v = side * net.get(t.ref, 0)
            elif t.kind == "debit_balances":
                v = debit_balances.get(t.ref, 0)
            elif t.kind == "credit_balances":
                v = credit_balances.get(t.ref, 0)
            elif t.kind == "net_debit":  # the account with its sub-accounts, only when its balance is a debit
                v = max(net.get(t.ref, 0), 0)
            elif t.kind == "net_credit":
                v = max(-net.get(t.ref, 0), 0)
            elif t.kind == "pl":
                v = pl_credit if li.side == "credit" else -pl_credit
            else:
                v = values.get(int(t.ref), 0)
            total += t.sign * v
        values[li.line_no] = total
    return values


def line_accounts(layout: Layout, line_no: int) -> list[str]:
    """The account codes behind a line, following references to other lines (for drill-down)."""
    by_no = {li.line_no: li for li in layout.lines if li.line_no is not None}
    codes: list[str] = []
    seen: set[int] = set()

    def walk(n: int) -> None:
        if n in seen or n not in by_no:
            return
        seen.add(n)
        for t in by_no[n].terms:
            if t.kind == "line":
                walk(int(t.ref))
            elif t.kind != "pl" and t.ref not in codes:
                codes.append(t.ref)

    walk(line_no)
    return sorted(codes)
