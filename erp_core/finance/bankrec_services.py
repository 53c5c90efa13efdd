"""Bank reconciliation (银行对账): import a bank statement for a bank ledger account (1002xx), match its lines to
that account's ledger lines (automatically by amount, date window and reference, with a score; or by hand),
undo a match. The reconciliation statement (余额调节表) is in bankrec_queries.py.

Amounts: a statement line's amount is signed from the company's side: > 0 money in (存入, the bank's 贷方),
< 0 money out (支出, the bank's 借方). A ledger line's amount is debit - credit on the bank account, so a match
needs equal amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.finance.models import Account, Voucher, voucher_display_no
from erp_core.finance.models_bankrec import BankMatch, BankStatement, BankStatementLine
from erp_core.io import parsers
from erp_core.io.importer import read_table
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, ValidationErrors
from erp_core.ledger.models import GlLine
from erp_core.usecase import Context, use_case

F = "field.finance_bankrec."
BANK_PREFIX = "1002"
MAPPING_KEYS = ("date", "description", "reference", "amount", "inflow", "outflow", "balance")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class ImportResult:
    statement_id: int | None  # None when every row had been imported before
    line_count: int
    skipped: int = 0  # rows already imported (same date, amount, balance, reference and description)


@dataclass(frozen=True)
class Suggestion:
    statement_line_id: int
    gl_line_id: int
    amount: Decimal
    statement_date: dt.date
    book_date: dt.date
    reference: str
    summary: str
    voucher_no: str
    score: int


def bank_account(session, company_id: int, account_code: str) -> Account:
    code = (account_code or "").strip()
    acc = session.execute(select(Account).where(Account.company_id == company_id, Account.code == code)
                          ).scalar_one_or_none()
    if acc is None or not code.startswith(BANK_PREFIX) or not acc.is_leaf:
        raise ValidationErrors([ValidationError("error.finance_bankrec.account", field=F + "account", code=code)])
    return acc


def _column_index(headers: list[str], mapping: Mapping[str, str]) -> tuple[dict[str, int], list[ValidationError]]:
    problems, index = [], {}
    for key, header in mapping.items():
        if key not in MAPPING_KEYS or not header:
            continue
        if header not in headers:
            problems.append(ValidationError("error.finance_bankrec.column_missing", field=F + key, column=header))
        else:
            index[key] = headers.index(header)
    if "date" not in mapping or not mapping.get("date"):
        problems.append(ValidationError("error.required", field=F + "date"))
    has_amount = bool(mapping.get("amount"))
    has_split = bool(mapping.get("inflow")) or bool(mapping.get("outflow"))
    if has_amount == has_split:
        problems.append(ValidationError("error.finance_bankrec.amount_columns", field=F + "amount"))
    return index, problems


def _money(value: Any) -> Decimal | None:
    if isinstance(value, str):
        value = value.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    return parsers.decimal(2, min_value=None)(value)


def parse_statement(content: bytes, filename: str, mapping: Mapping[str, str]) -> list[dict[str, Any]]:
    """The statement rows as dicts (row_no, line_date, description, reference, amount, balance); every problem
    of the file at once as ValidationErrors."""
    table = read_table(content, filename)
    index, problems = _column_index([h.strip() for h in table.headers], mapping)
    if problems:
        raise ValidationErrors(problems)
    if len(table.rows) > MAX_ROWS:
        raise ValidationErrors([ValidationError("error.finance_bankrec.too_many", field=F + "file", max=MAX_ROWS)])
    rows, date_of = [], parsers.date()

    def cell(raw: list[Any], key: str) -> Any:
        return raw[index[key]] if key in index and index[key] < len(raw) else None

    for i, raw in enumerate(table.rows):
        row_no = i + 2
        if all(parsers.is_blank(v) for v in raw):
            continue
        values: dict[str, Any] = {"row_no": row_no}
        try:
            values["line_date"] = date_of(cell(raw, "date"))
            if values["line_date"] is None:
                problems.append(ValidationError("error.finance_bankrec.row_required", field=F + "date", row=row_no))
        except parsers.CellError:
            problems.append(ValidationError("error.finance_bankrec.row_date", field=F + "date", row=row_no))
        try:
            if "amount" in index:
                amount = _money(cell(raw, "amount"))
            else:
                inflow, outflow = _money(cell(raw, "inflow")), _money(cell(raw, "outflow"))
                amount = None if inflow is None and outflow is None else (inflow or 0) - (outflow or 0)
            if amount is None or amount == 0:
                problems.append(ValidationError("error.finance_bankrec.row_required", field=F + "amount",
                                                row=row_no))
            values["amount"] = amount
        except parsers.CellError:
            problems.append(ValidationError("error.finance_bankrec.row_amount", field=F + "amount", row=row_no))
        try:
            values["balance"] = _money(cell(raw, "balance"))
        except parsers.CellError:
            problems.append(ValidationError("error.finance_bankrec.row_amount", field=F + "balance", row=row_no))
        values["description"] = str(cell(raw, "description") or "").strip()[:200]
        values["reference"] = str(cell(raw, "reference") or "").strip()[:80]
        rows.append(values)
    if not rows and not problems:
        problems.append(ValidationError("error.finance_bankrec.empty", field=F + "file"))
    if problems:
        raise ValidationErrors(problems)
    return rows


@use_case("finance.bankrec.import", zh="导入银行对账单", en="Import bank statement")
def import_bank_statement(ctx: Context, *, account_code: str, filename: str, content: bytes,
                          mapping: Mapping[str, str]) -> ImportResult:
    """Import a CSV/XLSX statement with a column mapping {date, description, reference, amount | inflow +
    outflow, balance: header in the file}. All rows or none."""
    s, cid = ctx.session, ctx.actor.company_id
    acc = bank_account(s, cid, account_code)
    rows = parse_statement(content, filename, mapping)
    # Overlapping statements: a row with a running balance that is already there is the same bank entry.
    existing = {(x.line_date, Decimal(x.amount), Decimal(x.balance), x.reference, x.description)
                for x in s.execute(select(BankStatementLine).where(
                    BankStatementLine.company_id == cid, BankStatementLine.account_id == acc.id,
                    BankStatementLine.balance.is_not(None))).scalars()}
    fresh = [r for r in rows if r["balance"] is None
             or (r["line_date"], r["amount"], r["balance"], r["reference"], r["description"]) not in existing]
    skipped = len(rows) - len(fresh)
    rows = fresh
    if not rows:
        ctx.audit("bank_statement", None, account=acc.code, filename=(filename or "")[:200], skipped=skipped)
        return ImportResult(None, 0, skipped)
    st = BankStatement(company_id=cid, account_id=acc.id, filename=(filename or "")[:200], line_count=len(rows),
                       imported_by=ctx.actor.username)
    s.add(st)
    s.flush()
    s.add_all([BankStatementLine(company_id=cid, statement_id=st.id, account_id=acc.id, **r) for r in rows])
    s.flush()
    ctx.audit("bank_statement", st.id, account=acc.code, filename=st.filename, lines=len(rows), skipped=skipped)
    return ImportResult(st.id, len(rows), skipped)


def unmatched_lines(session, company_id: int, account_id: int, *, since: dt.date | None = None,
                    until: dt.date | None = None) -> tuple[list[BankStatementLine], list[tuple[GlLine, str]]]:
    """Unmatched statement lines and unmatched ledger lines (with the voucher number) of a bank account.

    With ``until``, "unmatched" means unmatched as of that day: a line whose match partner is dated after
    ``until`` is a timing item on that day (a payment booked on 12-06 that clears the bank on 12-07 is 企业已付、
    银行未付 on the 12-06 statement), so the reconciliation of any day balances when only timing differs."""
    matched_st = select(BankMatch.statement_line_id).where(BankMatch.company_id == company_id)
    matched_gl = select(BankMatch.gl_line_id).where(BankMatch.company_id == company_id)
    if until is not None:  # a match counts only when its partner line is dated on or before ``until``
        matched_st = matched_st.join(GlLine, GlLine.id == BankMatch.gl_line_id).where(GlLine.posting_date <= until)
        matched_gl = (matched_gl.join(BankStatementLine, BankStatementLine.id == BankMatch.statement_line_id)
                      .where(BankStatementLine.line_date <= until))
    st_stmt = (select(BankStatementLine).where(BankStatementLine.company_id == company_id,
                                               BankStatementLine.account_id == account_id,
                                               BankStatementLine.id.not_in(matched_st))
               .order_by(BankStatementLine.line_date, BankStatementLine.id))
    gl_stmt = (select(GlLine, Voucher.voucher_type, Voucher.number).join(Voucher, Voucher.id == GlLine.voucher_id)
               .where(GlLine.company_id == company_id, GlLine.account_id == account_id,
                      GlLine.id.not_in(matched_gl)).order_by(GlLine.posting_date, GlLine.posting_seq))
    if until is not None:
        st_stmt = st_stmt.where(BankStatementLine.line_date <= until)
        gl_stmt = gl_stmt.where(GlLine.posting_date <= until)
    if since is not None:
        gl_stmt = gl_stmt.where(GlLine.posting_date >= since)
    statement = list(session.execute(st_stmt).scalars())
    book = [(g, voucher_display_no(t, n)) for g, t, n in session.execute(gl_stmt).all()]
    return statement, book


def score(st: BankStatementLine, gl: GlLine, voucher_no: str, window_days: int) -> int:
    """0 when the amounts differ or the dates are further apart than the window; else 50 for the amount, up to
    30 for the dates (30 the same day), 20 when the statement's reference appears in the ledger summary or
    voucher number."""
    if Decimal(st.amount) != Decimal(gl.debit) - Decimal(gl.credit):
        return 0
    days = abs((st.line_date - gl.posting_date).days)
    if days > window_days:
        return 0
    points = 50 + round(30 * (1 - days / (window_days + 1)))
    ref = (st.reference or "").strip()
    if ref and (ref in (gl.summary or "") or ref == voucher_no):
        points += 20
    return points


def suggest(session, company_id: int, account_id: int, window_days: int) -> list[Suggestion]:
    """One-to-one suggestions, best score first (greedy: each line is used at most once)."""
    statement, book = unmatched_lines(session, company_id, account_id)
    by_amount: dict[Decimal, list[tuple[GlLine, str]]] = {}
    for g, no in book:
        by_amount.setdefault(Decimal(g.debit) - Decimal(g.credit), []).append((g, no))
    candidates = []
    for st in statement:
        for g, no in by_amount.get(Decimal(st.amount), []):
            sc = score(st, g, no, window_days)
            if sc:
                candidates.append((sc, -abs((st.line_date - g.posting_date).days), st, g, no))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2].id, c[3].posting_seq))
    used_st, used_gl, out = set(), set(), []
    for sc, _, st, g, no in candidates:
        if st.id in used_st or g.id in used_gl:
            continue
        used_st.add(st.id)
        used_gl.add(g.id)
        out.append(Suggestion(st.id, g.id, Decimal(st.amount), st.line_date, g.posting_date, st.reference,
                              g.summary, no, sc))
    return out


def _confirm(ctx: Context, pairs: Sequence[tuple[int, int, int]]) -> list[int]:
    s, cid = ctx.session, ctx.actor.company_id
    ids = []
    for st_id, gl_id, sc in pairs:
        st = s.get(BankStatementLine, int(st_id))
        gl = s.get(GlLine, int(gl_id))
        if st is None or st.company_id != cid:
            raise NotFound(entity="bank_statement_line", id=st_id)
        if gl is None or gl.company_id != cid:
            raise NotFound(entity="gl_line", id=gl_id)
        if gl.account_id != st.account_id:
            raise Conflict("error.finance_bankrec.other_account")
        if Decimal(st.amount) != Decimal(gl.debit) - Decimal(gl.credit):
            raise Conflict("error.finance_bankrec.amount_differs", statement=f"{st.amount:,.2f}",
                           book=f"{Decimal(gl.debit) - Decimal(gl.credit):,.2f}")
        taken = s.execute(select(BankMatch.id).where((BankMatch.statement_line_id == st.id)
                                                     | (BankMatch.gl_line_id == gl.id))).first()
        if taken is not None:
            raise Conflict("error.finance_bankrec.already_matched")
        m = BankMatch(company_id=cid, account_id=st.account_id, statement_line_id=st.id, gl_line_id=gl.id,
                      score=int(sc), matched_by=ctx.actor.username)
        s.add(m)
        s.flush()
        ids.append(m.id)
    return ids


@use_case("finance.bankrec.match", zh="银行对账勾对", en="Match bank statement lines")
def confirm_matches(ctx: Context, *, pairs: Sequence[tuple[int, int] | tuple[int, int, int]]) -> list[int]:
    """Confirm matches (statement line id, ledger line id[, score]); all or none. Returns the match ids."""
    full = [(p[0], p[1], p[2] if len(p) > 2 else 0) for p in pairs]
    ids = _confirm(ctx, full)
    ctx.audit("bank_match", ids[0] if len(ids) == 1 else None, pairs=[[a, b] for a, b, _ in full], ids=ids)
    return ids


@use_case("finance.bankrec.match", zh="银行对账勾对", en="Match bank statement lines")
def auto_match(ctx: Context, *, account_code: str, window_days: int = 3, min_score: int = 70) -> list[int]:
    """Confirm every suggestion scoring at least ``min_score``. Returns the new match ids."""
    acc = bank_account(ctx.session, ctx.actor.company_id, account_code)
    if not 0 <= int(window_days) <= 60:
        raise ValidationErrors([ValidationError("error.finance_bankrec.window", field=F + "window")])
    chosen = [(x.statement_line_id, x.gl_line_id, x.score)
              for x in suggest(ctx.session, ctx.actor.company_id, acc.id, int(window_days)) if x.score >= min_score]
    ids = _confirm(ctx, chosen)
    ctx.audit("bank_match", None, account=acc.code, auto=len(ids), pairs=[[a, b] for a, b, _ in chosen])
    return ids


@use_case("finance.bankrec.match", zh="银行对账勾对", en="Match bank statement lines")
def undo_match(ctx: Context, *, match_id: int) -> None:
    m = ctx.session.get(BankMatch, int(match_id))
    if m is None or m.company_id != ctx.actor.company_id:
        raise NotFound(entity="bank_match", id=match_id)
    ctx.audit("bank_match", m.id, undone=[m.statement_line_id, m.gl_line_id], score=m.score)
    ctx.session.delete(m)


# Header names banks commonly use, for a first guess of the column mapping (the user confirms it on the page).
_GUESSES = {"date": ("交易日期", "记账日期", "日期", "交易时间", "date"),
            "description": ("摘要", "用途", "交易摘要", "附言", "description", "memo"),
            "reference": ("流水号", "交易流水号", "凭证号", "参考号", "reference", "ref"),
            "amount": ("金额", "交易金额", "发生额", "amount"),
            "inflow": ("收入", "收入金额", "贷方发生额", "贷方金额", "贷方", "credit", "money in"),
            "outflow": ("支出", "支出金额", "借方发生额", "借方金额", "借方", "debit", "money out"),
            "balance": ("余额", "账户余额", "balance")}


def statement_headers(content: bytes, filename: str) -> list[str]:
    """The header row of a statement file (for the column-mapping form)."""
    return [h.strip() for h in read_table(content, filename).headers if h and h.strip()]


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    lower = {h.lower(): h for h in headers}
    out = {}
    for key, names in _GUESSES.items():
        hit = next((lower[n.lower()] for n in names if n.lower() in lower), "")
        if hit:
            out[key] = hit
    if out.get("inflow") or out.get("outflow"):
        out.pop("amount", None)
    return out
