"""Report functions over the native ledger copy (DuckDB). Each returns a pandas DataFrame whose money columns
hold exact ``Decimal`` yuan (computed as integer fen in DuckDB, never float), with ``df.attrs["as_of"]`` set to
the :class:`~erp_core.analytics.engine.AsOf` of the data.

These functions take an engine, a company and a :class:`LineScope` (the actor's row scope rendered as SQL); the
permission-checked entry points are in erp_core/analytics/queries.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from erp_core.analytics.engine import AnalyticsEngine, AsOf
from erp_core.analytics.statements import evaluate, load_layout
from erp_core.finance.models import voucher_display_no_sql

DIMENSIONS = ("customer", "supplier", "department", "project", "employee", "product")
AGING_BUCKETS = ((0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, 180, "91-180"), (181, None, ">180"))
AGING_ACCOUNTS = {"receivable": ("1122", "customer", "debit"), "payable": ("2202", "supplier", "credit")}
CASH_ACCOUNTS = ("1001", "1002", "1012")
PROFIT_ACCOUNTS = {"small_business": "3103", "enterprise": "4103"}  # 本年利润


def yuan(fen: int | None) -> Decimal:
    """Integer fen -> exact Decimal yuan."""
    return Decimal(int(fen or 0)).scaleb(-2)


@dataclass(frozen=True)
class LineScope:
    """The actor's row scope as a SQL condition on ledger lines (``TRUE`` for the whole company)."""

    sql: str = "TRUE"
    params: tuple = ()


@dataclass(frozen=True)
class LineFilter:
    """Dimension filters (None: any)."""

    department_id: int | None = None
    project_id: int | None = None
    customer_id: int | None = None
    supplier_id: int | None = None
    employee_id: int | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class Range:
    """A period range ('YYYY-MM'..'YYYY-MM') or a date range; lines before it make the opening balance."""

    start: str | dt.date
    end: str | dt.date

    @property
    def column(self) -> str:
        return "period" if isinstance(self.start, str) else "posting_date"

    @property
    def year_start(self) -> str | dt.date:
        """Start of the year the range starts in (本年累计 before the range counts from there)."""
        if isinstance(self.start, str):
            return self.start[:4] + "-01"
        return dt.date(self.start.year, 1, 1)


# Whole-company reports over whole periods read gl_month (monthly sums kept at sync time) instead of every line.
MONTHLY = True


def _table(scope: LineScope, filt: LineFilter | None, column: str = "period") -> str:
    """``gl_month`` when its grain answers the question (no row scope, no dimension filter, period ranges)."""
    plain = scope.sql == "TRUE" and not scope.params and (filt is None or all(
        getattr(filt, f"{d}_id") is None for d in DIMENSIONS))
    return "gl_month" if MONTHLY and plain and column == "period" else "gl"


@dataclass
class Query:
    """A WHERE clause over ``gl`` built from parts with their parameters."""

    parts: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add(self, sql: str, *params) -> Query:
        self.parts.append(sql)
        self.params.extend(params)
        return self

    @property
    def sql(self) -> str:
        return " AND ".join(f"({p})" for p in self.parts) or "TRUE"


# -- merged customers / suppliers --------------------------------------------------------------------------
# Posted ledger lines are append-only: a merge (masterdata/merge_services.py) cannot move them, so they keep the
# merged partner's id. Reports follow ``merged_into`` instead: wherever lines are grouped or filtered by customer
# or supplier, the id is mapped to its final survivor (through chains of merges). gl_line is never updated.
PARTNER_DIMENSIONS = ("customer", "supplier")


def survivors(eng: AnalyticsEngine, company_id: int, dimension: str) -> dict[int, int]:
    """Merged partner id -> the partner it finally lives on as (A merged into B merged into C: A -> C)."""
    if dimension not in PARTNER_DIMENSIONS:
        return {}
    try:
        rows = eng.op_rows(f"SELECT id, merged_into FROM {{op}}{dimension} WHERE company_id = ? "
                           f"AND merged_into IS NOT NULL", [company_id])
    except Exception:  # noqa: BLE001 - no partner table (yet): nothing is merged
        return {}
    parent = {int(a): int(b) for a, b in rows}
    out = {}
    for start in parent:
        node, seen = start, {start}
        while node in parent and parent[node] not in seen:
            node = parent[node]
            seen.add(node)
        out[start] = node
    return out


def dim_sql(dimension: str, merged: dict[int, int]) -> str:
    """The SQL expression of a line's ``dimension`` id as reports group by it (merged partners -> survivor)."""
    col = f"{dimension}_id"
    if not merged:
        return col
    whens = " ".join(f"WHEN {int(a)} THEN {int(b)}" for a, b in sorted(merged.items()))
    return f"(CASE {col} {whens} ELSE {col} END)"


def _base(company_id: int, scope: LineScope, filt: LineFilter | None,
          eng: AnalyticsEngine | None = None) -> Query:
    """Company, row scope and dimension filters. With ``eng``, a customer / supplier filter matches the lines of
    the partner's whole merge family (the lines of partners merged into it, and into what it was merged into)."""
    q = Query().add("company_id = ?", company_id).add(scope.sql, *scope.params)
    for dim in DIMENSIONS:
        value = getattr(filt, f"{dim}_id") if filt else None
        if value is not None:
            merged = survivors(eng, company_id, dim) if eng is not None else {}
            q.add(f"{dim_sql(dim, merged)} = ?", merged.get(int(value), value))
    return q


def _frame(rows: list[dict], columns: list[str], as_of: AsOf) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    df.attrs["as_of"] = as_of
    return df


@dataclass(frozen=True)
class Account:
    id: int
    code: str
    name: str
    name_en: str
    level: int
    category: str
    direction: str
    is_leaf: bool

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


def accounts(eng: AnalyticsEngine, company_id: int) -> dict[str, Account]:
    rows = eng.op_rows("SELECT id, code, name, name_en, level, category, direction, is_leaf FROM {op}account "
                       "WHERE company_id = ? ORDER BY code", [company_id])
    return {r[1]: Account(int(r[0]), r[1], r[2], r[3] or "", int(r[4] or 1), r[5] or "", r[6] or "debit",
                          bool(r[7])) for r in rows}


def _by_id(accts: dict[str, Account]) -> dict[int, str]:
    return {a.id: a.code for a in accts.values()}


def _coded(rows, accts: dict[str, Account]):
    """Rows grouped by account_id (integer grouping is several times faster than by code) -> by code."""
    ids = _by_id(accts)
    return [(ids.get(int(r[0]), str(r[0])), *r[1:]) for r in rows]


def _account_filter(accts: dict[str, Account], prefix: str) -> str:
    """``account_id IN (...)`` for the account and its sub-accounts (integer filters beat string prefixes)."""
    ids = sorted(a.id for a in accts.values() if a.code.startswith(prefix))
    return f"account_id IN ({', '.join(map(str, ids))})" if ids else "FALSE"


def _prefixes(code: str, known: dict[str, Account] | set[str]) -> list[str]:
    return [code[:k] for k in range(1, len(code) + 1) if code[:k] in known]


def _split(net: int) -> tuple[Decimal, Decimal]:
    """A debit-minus-credit amount as (debit column, credit column)."""
    return (yuan(net), yuan(0)) if net >= 0 else (yuan(0), yuan(-net))


def _in_range(code: str, account_from: str | None, account_to: str | None) -> bool:
    if account_from and code < account_from and not account_from.startswith(code):
        return False
    return not (account_to and code[:len(account_to)] > account_to)


# -- trial balance (科目余额表 / 试算平衡表) ------------------------------------------------------------------
TB_COLUMNS = ["account_code", "account_name", "opening_debit", "opening_credit", "period_debit", "period_credit",
              "closing_debit", "closing_credit"]


def trial_balance(eng: AnalyticsEngine, company_id: int, scope: LineScope, rng: Range, *,
                  account_from: str | None = None, account_to: str | None = None, max_level: int | None = None,
                  filt: LineFilter | None = None, locale: str = "zh_CN", as_of: AsOf) -> pd.DataFrame:
    """Opening, period and closing amounts, debit and credit, per account with parents rolled up, and a total
    row over the first-level accounts shown (over all of them it balances)."""
    q = _base(company_id, scope, filt, eng).add(f"{rng.column} <= ?", rng.end)
    col = rng.column
    sql = (f"SELECT account_id, sum(CASE WHEN {col} < ? THEN debit - credit ELSE 0 END), "
           f"sum(CASE WHEN {col} >= ? THEN debit ELSE 0 END), sum(CASE WHEN {col} >= ? THEN credit ELSE 0 END) "
           f"FROM {_table(scope, filt, col)} WHERE {q.sql} GROUP BY account_id")
    cur = eng.cursor()
    try:
        leaf_rows = cur.execute(sql, [rng.start, rng.start, rng.start, *q.params]).fetchall()
    finally:
        cur.close()
    accts = accounts(eng, company_id)
    leaf_rows = _coded(leaf_rows, accts)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for code, opening, pd_, pc in leaf_rows:
        for prefix in _prefixes(code, accts) or [code]:
            s = sums[prefix]
            s[0] += int(opening or 0)
            s[1] += int(pd_ or 0)
            s[2] += int(pc or 0)
    rows, totals = [], [0, 0, 0, 0, 0, 0]
    for code in sorted(sums):
        opening, pdebit, pcredit = sums[code]
        acct = accts.get(code)
        closing = opening + pdebit - pcredit
        if not _in_range(code, account_from, account_to):
            continue
        if (_prefixes(code, accts) or [code])[0] == code:  # first-level accounts (in range) make the totals
            for i, v in enumerate((max(opening, 0), max(-opening, 0), pdebit, pcredit, max(closing, 0),
                                   max(-closing, 0))):
                totals[i] += v
        if max_level and acct and acct.level > max_level:
            continue
        if opening == 0 and pdebit == 0 and pcredit == 0:
            continue
        od, oc = _split(opening)
        cd, cc = _split(closing)
        rows.append({"account_code": code, "account_name": acct.label(locale) if acct else code,
                     "opening_debit": od, "opening_credit": oc, "period_debit": yuan(pdebit),
                     "period_credit": yuan(pcredit), "closing_debit": cd, "closing_credit": cc,
                     "level": acct.level if acct else 1, "is_leaf": acct.is_leaf if acct else True,
                     "is_total": False})
    rows.append({"account_code": "", "account_name": "合计" if locale != "en" else "Total",
                 **dict(zip(TB_COLUMNS[2:], (yuan(v) for v in totals), strict=True)),
                 "level": 0, "is_leaf": False, "is_total": True})
    return _frame(rows, [*TB_COLUMNS, "level", "is_leaf", "is_total"], as_of)


# -- drill-down (the lines and vouchers behind a figure) --------------------------------------------------
_VOUCHER_NO = voucher_display_no_sql("v.voucher_type", "v.number")  # 记-0001, as lists and print show it
DRILL_COLUMNS = ["posting_date", "voucher", "voucher_id", "line_no", "account_code", "summary", "debit", "credit",
                 "posting_seq"]


def drill_down(eng: AnalyticsEngine, company_id: int, scope: LineScope, rng: Range, account_code: str, *,
               filt: LineFilter | None = None, as_of: AsOf, limit: int = 5000) -> pd.DataFrame:
    """The ledger lines of ``account_code`` (and its sub-accounts) inside ``rng``, with their vouchers."""
    q = _base(company_id, scope, filt, eng).add(_account_filter(accounts(eng, company_id), account_code))
    q.add(f"{rng.column} BETWEEN ? AND ?", rng.start, rng.end)
    sql = (f"SELECT g.posting_date, {_VOUCHER_NO},"
           f" g.voucher_id, g.line_no, g.account_code, g.summary, g.debit, g.credit, g.posting_seq "
           f"FROM (SELECT * FROM gl WHERE {q.sql}) g LEFT JOIN gl_voucher v "
           f"ON v.company_id = g.company_id AND v.voucher_id = g.voucher_id "
           f"ORDER BY g.posting_date, g.voucher_id, g.line_no LIMIT {int(limit)}")
    cur = eng.cursor()
    try:
        data = cur.execute(sql, q.params).fetchall()
    finally:
        cur.close()
    rows = [dict(zip(DRILL_COLUMNS, (r[0], r[1], r[2], r[3], r[4], r[5], yuan(r[6]), yuan(r[7]), r[8]),
                     strict=True)) for r in data]
    return _frame(rows, DRILL_COLUMNS, as_of)


# -- ledgers (总账 / 明细账) with running balance -----------------------------------------------------------
LEDGER_COLUMNS = ["posting_date", "period", "voucher", "voucher_id", "account_code", "summary", "debit", "credit",
                  "direction", "balance", "row_kind"]


def _direction(net: int, locale: str) -> str:
    if net == 0:
        return "平" if locale != "en" else "Zero"
    return ("借" if net > 0 else "贷") if locale != "en" else ("Dr" if net > 0 else "Cr")


def _label(kind: str, locale: str) -> str:
    zh = {"opening": "期初余额", "period_total": "本期合计", "year_total": "本年累计"}
    en = {"opening": "Opening balance", "period_total": "Total for the period", "year_total": "Year to date"}
    return (en if locale == "en" else zh)[kind]


def subsidiary_ledger(eng: AnalyticsEngine, company_id: int, scope: LineScope, rng: Range, account_code: str, *,
                      filt: LineFilter | None = None, locale: str = "zh_CN", as_of: AsOf,
                      detail: bool = True) -> pd.DataFrame:
    """明细账 (``detail``) or 总账 (``detail=False``) of one account with its sub-accounts: 期初余额, the lines
    with a running balance, and after each period 本期合计 and 本年累计. Balances are debit-minus-credit,
    shown with a direction (借/贷/平) and as an absolute amount."""
    q = _base(company_id, scope, filt, eng).add(_account_filter(accounts(eng, company_id), account_code))
    col = rng.column
    cur = eng.cursor()
    try:
        # One scan for the opening balance, the year to date before the range and the totals of each period.
        sums = cur.execute(f"SELECT period, {col} < ? AS before, {col} >= ? AS this_year, sum(debit), sum(credit) "
                           f"FROM {_table(scope, filt, col)} WHERE {q.sql} AND {col} <= ? GROUP BY ALL "
                           f"ORDER BY period",
                           [rng.start, rng.year_start, *q.params, rng.end]).fetchall()
        opening = sum(int(d) - int(c) for _, before, _, d, c in sums if before)
        ytd_d = sum(int(d) for _, before, this_year, d, _ in sums if before and this_year)
        ytd_c = sum(int(c) for _, before, this_year, _, c in sums if before and this_year)
        per_period: dict[str, list[int]] = {}
        for period, before, _, d, c in sums:
            if not before:
                acc = per_period.setdefault(period, [0, 0])
                acc[0] += int(d)
                acc[1] += int(c)
        per = [(p, d, c) for p, (d, c) in sorted(per_period.items())]
        lines = None
        if detail:  # the running balance is computed by DuckDB; rows are built column-wise (large ledgers)
            lines = cur.execute(
                f"SELECT g.posting_date, g.period, {_VOUCHER_NO} AS voucher, g.voucher_id, g.account_code, g.summary, "
                f"g.debit, g.credit, CAST(? AS BIGINT) + sum(g.debit - g.credit) OVER (ORDER BY g.posting_date, "
                f"g.voucher_id, g.line_no ROWS UNBOUNDED PRECEDING) AS balance "
                f"FROM (SELECT * FROM gl WHERE {q.sql} AND {col} BETWEEN ? AND ?) g "
                f"LEFT JOIN gl_voucher v ON v.company_id = g.company_id AND v.voucher_id = g.voucher_id "
                f"ORDER BY g.posting_date, g.voucher_id, g.line_no",
                [int(opening), *q.params, rng.start, rng.end]).fetchnumpy()
    finally:
        cur.close()
    balance = int(opening)
    pieces = [pd.DataFrame([{
        "posting_date": None, "period": None, "voucher": "", "voucher_id": None, "account_code": account_code,
        "summary": _label("opening", locale), "debit": None, "credit": None,
        "direction": _direction(balance, locale), "balance": yuan(abs(balance)), "row_kind": "opening"}],
        columns=LEDGER_COLUMNS)]
    line_frame = _line_frame(lines, locale) if lines is not None else None
    ytd_d, ytd_c = int(ytd_d), int(ytd_c)
    year = None
    for period, pdebit, pcredit in per:
        if year is not None and period[:4] != year:
            ytd_d = ytd_c = 0
        year = period[:4]
        balance += int(pdebit) - int(pcredit)
        if line_frame is not None:
            pieces.append(line_frame[line_frame["period"] == period])
        ytd_d += int(pdebit)
        ytd_c += int(pcredit)
        pieces.append(pd.DataFrame([{
            "posting_date": None, "period": period, "voucher": "", "voucher_id": None, "account_code": account_code,
            "summary": _label(kind, locale), "debit": yuan(d), "credit": yuan(c),
            "direction": _direction(balance, locale), "balance": yuan(abs(balance)), "row_kind": kind}
            for kind, d, c in (("period_total", int(pdebit), int(pcredit)), ("year_total", ytd_d, ytd_c))],
            columns=LEDGER_COLUMNS))
    df = pd.concat([p for p in pieces if len(p)], ignore_index=True) if len(pieces) > 1 else pieces[0]
    df.attrs["as_of"] = as_of
    return df


def _yuan_column(values) -> list[Decimal]:
    return [Decimal(v).scaleb(-2) for v in values.tolist()]


def _line_frame(cols: dict, locale: str) -> pd.DataFrame:
    """The ledger lines as a DataFrame, built column by column from DuckDB's arrays."""
    bal = cols["balance"].astype("int64")
    labels = ("借", "贷", "平") if locale != "en" else ("Dr", "Cr", "Zero")
    direction = pd.Series(bal).map(lambda b: labels[0] if b > 0 else labels[1] if b < 0 else labels[2])
    return pd.DataFrame({
        "posting_date": cols["posting_date"].astype("datetime64[D]").tolist(), "period": cols["period"], "voucher": cols["voucher"],
        "voucher_id": cols["voucher_id"].tolist(), "account_code": cols["account_code"], "summary": cols["summary"],
        "debit": _yuan_column(cols["debit"]), "credit": _yuan_column(cols["credit"]),
        "direction": direction.to_numpy(), "balance": [Decimal(abs(int(b))).scaleb(-2) for b in bal.tolist()],
        "row_kind": "line"}, columns=LEDGER_COLUMNS)


GL_COLUMNS = ["account_code", "account_name", "period", "summary", "debit", "credit", "direction", "balance",
              "row_kind"]


def general_ledger(eng: AnalyticsEngine, company_id: int, scope: LineScope, rng: Range, *, level: int = 1,
                   account_from: str | None = None, account_to: str | None = None,
                   filt: LineFilter | None = None, locale: str = "zh_CN", as_of: AsOf) -> pd.DataFrame:
    """总账: for every account of ``level`` (sub-accounts rolled up) with a balance or activity, 期初余额 and, per
    period of the range, 本期合计 and 本年累计 with the balance after it."""
    col = rng.column
    q = _base(company_id, scope, filt, eng).add(f"{col} <= ?", rng.end)
    cur = eng.cursor()
    try:
        data = cur.execute(f"SELECT account_id, period, {col} < ? AS before, {col} >= ? AS this_year, sum(debit), "
                           f"sum(credit) FROM {_table(scope, filt, col)} WHERE {q.sql} GROUP BY ALL",
                           [rng.start, rng.year_start, *q.params]).fetchall()
    finally:
        cur.close()
    accts = accounts(eng, company_id)
    target = {a.code: a for a in accts.values() if a.level == level}
    acc: dict[str, dict] = {}
    for code, period, before, this_year, d, c in _coded(data, accts):
        top = next((p for p in _prefixes(code, target)), None)
        if top is None or not _in_range(top, account_from, account_to):
            continue
        a = acc.setdefault(top, {"opening": 0, "ytd": [0, 0], "periods": defaultdict(lambda: [0, 0])})
        d, c = int(d), int(c)
        if before:
            a["opening"] += d - c
            if this_year:
                a["ytd"][0] += d
                a["ytd"][1] += c
        else:
            a["periods"][period][0] += d
            a["periods"][period][1] += c
    rows = []
    for code in sorted(acc):
        a, name = acc[code], target[code].label(locale)
        balance = a["opening"]
        rows.append({"account_code": code, "account_name": name, "period": None, "summary": _label("opening", locale),
                     "debit": None, "credit": None, "direction": _direction(balance, locale),
                     "balance": yuan(abs(balance)), "row_kind": "opening"})
        ytd_d, ytd_c = a["ytd"]
        year = None
        for period in sorted(a["periods"]):
            d, c = a["periods"][period]
            if year is not None and period[:4] != year:
                ytd_d = ytd_c = 0
            year = period[:4]
            balance += d - c
            ytd_d += d
            ytd_c += c
            for kind, dd, cc in (("period_total", d, c), ("year_total", ytd_d, ytd_c)):
                rows.append({"account_code": code, "account_name": name, "period": period,
                             "summary": _label(kind, locale), "debit": yuan(dd), "credit": yuan(cc),
                             "direction": _direction(balance, locale), "balance": yuan(abs(balance)),
                             "row_kind": kind})
    return _frame(rows, GL_COLUMNS, as_of)


# -- dimension ledgers (辅助核算余额) ------------------------------------------------------------------------
DIM_COLUMNS = ["dimension_id", "dimension_code", "dimension_name", "opening_debit", "opening_credit",
               "period_debit", "period_credit", "closing_debit", "closing_credit"]


def _dimension_names(eng: AnalyticsEngine, dimension: str, company_id: int) -> dict[int, tuple[str, str]]:
    """id -> (code, name) from the dimension's master table, when it exists and has those columns."""
    try:
        rows = eng.op_rows(f"SELECT id, code, name FROM {{op}}{dimension} WHERE company_id = ?", [company_id])
    except Exception:  # noqa: BLE001 - a dimension without its master table (yet): show ids
        return {}
    return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}


def dimension_ledger(eng: AnalyticsEngine, company_id: int, scope: LineScope, rng: Range, dimension: str, *,
                     account_code: str | None = None, filt: LineFilter | None = None, as_of: AsOf) -> pd.DataFrame:
    """Opening, period and closing amounts per customer / supplier / department / project (optionally of one
    account and its sub-accounts)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    q = _base(company_id, scope, filt, eng).add(f"{dimension}_id IS NOT NULL").add(f"{rng.column} <= ?", rng.end)
    if account_code:
        q.add(_account_filter(accounts(eng, company_id), account_code))
    col = rng.column
    dim = dim_sql(dimension, survivors(eng, company_id, dimension))  # merged partners count as their survivor
    cur = eng.cursor()
    try:
        data = cur.execute(
            f"SELECT {dim}, sum(CASE WHEN {col} < ? THEN debit - credit ELSE 0 END), "
            f"sum(CASE WHEN {col} >= ? THEN debit ELSE 0 END), sum(CASE WHEN {col} >= ? THEN credit ELSE 0 END) "
            f"FROM gl WHERE {q.sql} GROUP BY 1 ORDER BY 1", [rng.start, rng.start, rng.start, *q.params]).fetchall()
    finally:
        cur.close()
    names = _dimension_names(eng, dimension, company_id)
    rows = []
    for dim_id, opening, pdebit, pcredit in data:
        opening, pdebit, pcredit = int(opening), int(pdebit), int(pcredit)
        od, oc = _split(opening)
        cd, cc = _split(opening + pdebit - pcredit)
        code, name = names.get(int(dim_id), (str(dim_id), ""))
        rows.append({"dimension_id": int(dim_id), "dimension_code": code, "dimension_name": name,
                     "opening_debit": od, "opening_credit": oc, "period_debit": yuan(pdebit),
                     "period_credit": yuan(pcredit), "closing_debit": cd, "closing_credit": cc})
    return _frame(rows, DIM_COLUMNS, as_of)


# -- statements (资产负债表 / 利润表) ----------------------------------------------------------------------
BS_COLUMNS = ["line_no", "item", "closing_amount", "opening_amount"]
IS_COLUMNS = ["line_no", "item", "period_amount", "year_to_date_amount"]


def _balances(eng, q: Query, accts: dict[str, Account], codes: set[str], detail_codes: set[str], year_start: str,
              table: str = "gl"):
    """For the closing moment (all lines in ``q``) and the year start (lines before ``year_start``): net /
    debit-balances / credit-balances per layout code and the profit and loss credit balance. Accounts whose
    balance sides are split (``CODE:D`` / ``CODE:C``) are summed per customer and supplier, the rest per account."""
    split_ids = sorted(a.id for a in accts.values() if any(a.code.startswith(c) for c in detail_codes))
    cur = eng.cursor()
    try:
        sums = "sum(debit - credit), sum(CASE WHEN period < ? THEN debit - credit ELSE 0 END)"
        rows = cur.execute(f"SELECT account_id, NULL, NULL, {sums} FROM {table} WHERE {q.sql} "
                           f"AND account_id NOT IN ({', '.join(map(str, split_ids)) or 'NULL'}) GROUP BY ALL",
                           [year_start, *q.params]).fetchall()
        if split_ids:
            company = q.params[0]  # _base puts the company first
            partners = ", ".join(dim_sql(d, survivors(eng, company, d)) for d in PARTNER_DIMENSIONS)
            rows += cur.execute(f"SELECT account_id, {partners}, {sums} FROM {table} WHERE {q.sql} "
                                f"AND account_id IN ({', '.join(map(str, split_ids))}) GROUP BY ALL",
                                [year_start, *q.params]).fetchall()
    finally:
        cur.close()
    rows = _coded(rows, accts)
    out = []
    for index in (3, 4):
        net: dict[str, int] = defaultdict(int)
        dr: dict[str, int] = defaultdict(int)
        cr: dict[str, int] = defaultdict(int)
        pl = 0
        for row in rows:
            code, amount = row[0], int(row[index])
            acct = accts.get(code)
            if acct is not None and acct.category == "profit_loss":
                pl -= amount
            for prefix in _prefixes(code, codes):
                net[prefix] += amount
                if amount > 0:
                    dr[prefix] += amount
                elif amount < 0:
                    cr[prefix] -= amount
        out.append((net, dr, cr, pl))
    return out


def company_standard(eng: AnalyticsEngine, company_id: int) -> str:
    """The company's accounting standard ('small_business' | 'enterprise')."""
    return _standard(eng, company_id)


def _standard(eng: AnalyticsEngine, company_id: int) -> str:
    rows = eng.op_rows("SELECT accounting_standard FROM {op}company WHERE id = ?", [company_id])
    return (rows[0][0] if rows else None) or "small_business"


def balance_sheet(eng: AnalyticsEngine, company_id: int, scope: LineScope, period: str, *,
                  standard: str | None = None, locale: str = "zh_CN", as_of: AsOf) -> pd.DataFrame:
    """资产负债表 at the end of ``period`` (closing) and at the start of its year (opening)."""
    standard = standard or _standard(eng, company_id)
    layout = load_layout(standard, "balance_sheet")
    accts = accounts(eng, company_id)
    codes = layout.account_codes()
    split = {t.ref for li in layout.lines for t in li.terms if t.kind in ("debit_balances", "credit_balances")}
    closing_b, opening_b = _balances(eng, _base(company_id, scope, None).add("period <= ?", period), accts, codes,
                                     split, period[:4] + "-01", _table(scope, None))
    closing, opening = evaluate(layout, *closing_b), evaluate(layout, *opening_b)
    rows = [{"line_no": li.line_no, "item": li.item_en if locale == "en" else li.item,
             "closing_amount": None if li.line_no is None else yuan(closing[li.line_no]),
             "opening_amount": None if li.line_no is None else yuan(opening[li.line_no])} for li in layout.lines]
    df = _frame(rows, BS_COLUMNS, as_of)
    df["line_no"] = df["line_no"].astype("Int64")
    return df


def _carry_forward_filter(q: Query, company_id: int, profit_account: str, table: str = "gl") -> Query:
    """Leave out vouchers that post to 本年利润 (the carry-forward), so income and expense show their activity."""
    if table == "gl_month":
        return q.add("NOT cf")
    return q.add("voucher_id NOT IN (SELECT voucher_id FROM gl WHERE company_id = ? AND "
                 "starts_with(account_code, ?))", company_id, profit_account)


def income_statement(eng: AnalyticsEngine, company_id: int, scope: LineScope, period: str, *,
                     period_from: str | None = None, standard: str | None = None, locale: str = "zh_CN",
                     as_of: AsOf) -> pd.DataFrame:
    """利润表 for ``period`` (or ``period_from``..``period``) and the year to date."""
    standard = standard or _standard(eng, company_id)
    layout = load_layout(standard, "income_statement")
    profit_account = layout.profit_account or PROFIT_ACCOUNTS.get(standard, "3103")
    codes = layout.account_codes()
    start = period_from or period
    table = _table(scope, None)
    q = _carry_forward_filter(_base(company_id, scope, None).add("period BETWEEN ? AND ?", min(start, period[:4] + "-01"),
                                                                 period), company_id, profit_account, table)
    cur = eng.cursor()
    try:
        data = cur.execute(f"SELECT account_id, sum(CASE WHEN period >= ? THEN debit - credit ELSE 0 END), "
                           f"sum(CASE WHEN period >= ? THEN debit - credit ELSE 0 END) FROM {table} WHERE {q.sql} "
                           f"GROUP BY account_id", [start, period[:4] + "-01", *q.params]).fetchall()
    finally:
        cur.close()
    cur_net: dict[str, int] = defaultdict(int)
    ytd_net: dict[str, int] = defaultdict(int)
    for code, p, y in _coded(data, accounts(eng, company_id)):
        for prefix in _prefixes(code, codes):
            cur_net[prefix] += int(p)
            ytd_net[prefix] += int(y)
    now = evaluate(layout, cur_net, {}, {}, 0)
    ytd = evaluate(layout, ytd_net, {}, {}, 0)
    rows = [{"line_no": li.line_no, "item": li.item_en if locale == "en" else li.item,
             "period_amount": None if li.line_no is None else yuan(now[li.line_no]),
             "year_to_date_amount": None if li.line_no is None else yuan(ytd[li.line_no])} for li in layout.lines]
    df = _frame(rows, IS_COLUMNS, as_of)
    df["line_no"] = df["line_no"].astype("Int64")
    return df


# -- aging (账龄分析) ----------------------------------------------------------------------------------------
AGING_COLUMNS = ["dimension_id", "dimension_code", "dimension_name", "balance",
                 *[b[2] for b in AGING_BUCKETS]]


def aging(eng: AnalyticsEngine, company_id: int, scope: LineScope, kind: str, as_of_date: dt.date, *,
          account_code: str | None = None, as_of: AsOf) -> pd.DataFrame:
    """Receivables (1122 by customer) or payables (2202 by supplier) still open on ``as_of_date``, aged by the
    dates of the entries that built them up; settlements clear the oldest first (FIFO)."""
    default_code, dimension, side = AGING_ACCOUNTS[kind]
    q = _base(company_id, scope, None).add("starts_with(account_code, ?)", account_code or default_code)
    q.add("posting_date <= ?", as_of_date).add(f"{dimension}_id IS NOT NULL")
    cur = eng.cursor()
    try:
        dim = dim_sql(dimension, survivors(eng, company_id, dimension))  # merged partners -> their survivor
        data = cur.execute(f"SELECT {dim}, posting_date, sum(debit), sum(credit) FROM gl WHERE {q.sql} "
                           f"GROUP BY ALL ORDER BY 1, 2", q.params).fetchall()
    finally:
        cur.close()
    sign = 1 if side == "debit" else -1
    per: dict[int, list] = defaultdict(list)
    for dim_id, day, d, c in data:
        per[int(dim_id)].append((day, int(d), int(c)))
    names = _dimension_names(eng, dimension, company_id)
    rows = []
    for dim_id, entries in per.items():
        # Increases on the account's side (invoices) and decreases (settlements, red reversals of invoices).
        increases, paid = [], 0
        for day, d, c in entries:
            up, down = (d, c) if sign == 1 else (c, d)
            if up > 0:
                increases.append([day, up])
            else:
                paid -= up
            paid += down
        for item in increases:
            used = min(item[1], paid)
            item[1] -= used
            paid -= used
        balance = sum(i[1] for i in increases) - paid
        if balance == 0:
            continue
        buckets = dict.fromkeys((b[2] for b in AGING_BUCKETS), 0)
        for day, amount in increases:
            age = (as_of_date - day).days
            for low, high, name in AGING_BUCKETS:
                if age >= low and (high is None or age <= high):
                    buckets[name] += amount
                    break
        if paid > 0:  # settled more than invoiced: an advance, shown in the newest bucket
            buckets[AGING_BUCKETS[0][2]] -= paid
        code, name = names.get(dim_id, (str(dim_id), ""))
        rows.append({"dimension_id": dim_id, "dimension_code": code, "dimension_name": name,
                     "balance": yuan(balance), **{k: yuan(v) for k, v in buckets.items()}})
    return _frame(rows, AGING_COLUMNS, as_of)


# -- dashboard series ----------------------------------------------------------------------------------------
def monthly_income_expense(eng: AnalyticsEngine, company_id: int, scope: LineScope, year: int, *,
                           as_of: AsOf) -> pd.DataFrame:
    """Per month of ``year``: income (credit-side profit and loss accounts) and expense (debit-side), before the
    carry-forward to 本年利润, and their difference."""
    accts = accounts(eng, company_id)
    income = sorted(a.code for a in accts.values() if a.category == "profit_loss" and a.direction == "credit")
    expense = sorted(a.code for a in accts.values() if a.category == "profit_loss" and a.direction == "debit")
    profit_account = PROFIT_ACCOUNTS.get(_standard(eng, company_id), "3103")
    table = _table(scope, None)
    q = _carry_forward_filter(_base(company_id, scope, None).add("period BETWEEN ? AND ?", f"{year}-01",
                                                                 f"{year}-12"), company_id, profit_account, table)
    cur = eng.cursor()
    try:
        data = cur.execute(f"SELECT account_id, period, sum(debit - credit) FROM {table} WHERE {q.sql} GROUP BY ALL",
                           q.params).fetchall()
    finally:
        cur.close()
    inc = set(income)
    exp = set(expense)
    months = {f"{year}-{m:02d}": [0, 0] for m in range(1, 13)}
    for code, period, net in _coded(data, accts):
        if code in inc:
            months[period][0] -= int(net)
        elif code in exp:
            months[period][1] += int(net)
    rows = [{"period": p, "income": yuan(i), "expense": yuan(e), "profit": yuan(i - e)} for p, (i, e) in months.items()]
    return _frame(rows, ["period", "income", "expense", "profit"], as_of)


def cash_balance(eng: AnalyticsEngine, company_id: int, scope: LineScope, year: int, *,
                 codes: tuple[str, ...] = CASH_ACCOUNTS, as_of: AsOf) -> pd.DataFrame:
    """Month-end balance of cash and bank accounts (库存现金, 银行存款, 其他货币资金) through ``year``."""
    accts = accounts(eng, company_id)
    q = _base(company_id, scope, None).add("period <= ?", f"{year}-12")
    q.add(" OR ".join(_account_filter(accts, c) for c in codes))
    table = _table(scope, None)
    cur = eng.cursor()
    try:
        opening = cur.execute(f"SELECT coalesce(sum(debit - credit), 0) FROM {table} WHERE {q.sql} AND period < ?",
                              [*q.params, f"{year}-01"]).fetchone()[0]
        data = dict(cur.execute(f"SELECT period, sum(debit - credit) FROM {table} WHERE {q.sql} AND period >= ? "
                                f"GROUP BY period", [*q.params, f"{year}-01"]).fetchall())
    finally:
        cur.close()
    balance = int(opening)
    rows = []
    for m in range(1, 13):
        p = f"{year}-{m:02d}"
        balance += int(data.get(p, 0) or 0)
        rows.append({"period": p, "balance": yuan(balance)})
    return _frame(rows, ["period", "balance"], as_of)
