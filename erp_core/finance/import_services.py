"""Voucher import (`erp import vouchers FILE [--post]`, format in docs/formats.md): UTF-8 CSV or XLSX, one row
per voucher line, all or nothing with a row-by-row report.

Columns (English or Chinese headers): date 日期, voucher_type 凭证字, voucher_no 凭证号, line_no 行号,
account_code 科目编码, summary 摘要, debit 借方, credit 贷方, department 部门, project 项目, partner 往来单位.
Rows with the same period, type and voucher_no form one voucher and must share the date. Vouchers get fresh
numbers in their series (the file's number is kept in external_ref). With ``post`` they are posted in the same
transaction. The bulk path uses Core inserts (vouchers, lines, ledger lines, postings) in batches.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, select

from erp_core.db.base import Base
from erp_core.finance.accounts import all_accounts, finance_setting
from erp_core.finance.models import VOUCHER_TYPES, Voucher, VoucherLine, voucher_display_no
from erp_core.finance.voucher_rules import DIM_COLUMNS, check_header, check_lines
from erp_core.io.importer import ImportFailed, ImportProblem, ImportReport, Table
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, PermissionDenied
from erp_core.ledger.bulk import insert_rows, insert_tuples, large_page_cache
from erp_core.ledger.hooks import run_pre_post_checks
from erp_core.ledger.models import GlLine, Posting
from erp_core.ledger.periods import closed_periods, period_of
from erp_core.ledger.posting import content_hash, voucher_window, write_gl_lines
from erp_core.ledger.sequences import allocate_block, voucher_series
from erp_core.masterdata.models import Department, Project
from erp_core.usecase import Context, use_case

COLUMNS = ("date", "voucher_type", "voucher_no", "line_no", "account_code", "summary", "debit", "credit",
           "department", "project", "partner")
REQUIRED = ("date", "voucher_no", "account_code")
ALIASES = {"日期": "date", "凭证日期": "date", "凭证字": "voucher_type", "凭证类型": "voucher_type",
           "凭证号": "voucher_no", "行号": "line_no", "科目编码": "account_code", "科目代码": "account_code",
           "摘要": "summary", "借方": "debit", "借方金额": "debit", "贷方": "credit", "贷方金额": "credit",
           "部门": "department", "项目": "project", "往来单位": "partner", "客户/供应商": "partner"}
FIELD_COLUMN = {"field.finance.line.account": "account_code", "field.finance.line.debit": "debit",
                "field.finance.line.credit": "credit", "field.finance.line.summary": "summary",
                "field.finance.dim.department": "department", "field.finance.dim.project": "project",
                "field.finance.dim.customer": "partner", "field.finance.dim.supplier": "partner",
                "field.finance.voucher.date": "date", "field.finance.voucher.type": "voucher_type",
                "field.finance.voucher.lines": "voucher_no"}
BATCH = 5000
_MISSING = object()
_UNSEEN = (_MISSING, "")
_LINE_COLUMNS = ("voucher_id", "line_no", "summary", "account_id", "debit", "credit", *DIM_COLUMNS)
_GL = GlLine.__table__
_COPY_LINES = insert(VoucherLine.__table__).from_select(
    list(_LINE_COLUMNS), select(*(_GL.c[c] for c in _LINE_COLUMNS)).where(
        _GL.c.company_id == bindparam("cid"), _GL.c.posting_seq.between(bindparam("first"), bindparam("last")))
    .order_by(_GL.c.posting_seq))


def _line_count(prepared) -> int:
    return sum(len(lines) for _, _, lines, _ in prepared)


@dataclass
class VoucherImportReport(ImportReport):
    vouchers: int = 0
    lines: int = 0
    posted: bool = False
    voucher_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Row:
    sheet_row: int
    values: dict[str, Any]


def _header_map(headers: list[str]) -> dict[str, int]:
    out = {}
    for i, h in enumerate(headers):
        key = (h or "").strip()
        name = ALIASES.get(key, key.lower())
        if name in COLUMNS and name not in out:
            out[name] = i
    return out


def _text(value: Any) -> str:
    if type(value) is str:  # noqa: E721 - the common case (every CSV cell), checked first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):
        value = repr(value).removesuffix(".0")
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 8 else None
    except ValueError:
        try:
            y, m, d = (int(p) for p in text.split("-")[:3])
            return dt.date(y, m, d)
        except (ValueError, TypeError):
            return None


def _day_period(value: Any) -> tuple[dt.date | None, str]:
    day = _date(value)
    return day, "" if day is None else period_of(day)


def _codes(session, model_or_table, company_id: int) -> dict[str, int]:
    t = model_or_table.__table__ if hasattr(model_or_table, "__table__") else model_or_table
    return dict(session.execute(select(t.c.code, t.c.id).where(t.c.company_id == company_id)).all())


def check_import_posting(ctx: Context) -> None:
    """Posting on import skips the second person's review (不得自审), so it needs both the posting permission
    and the company's explicit, audited switch for migrations (admin.finance.import_posting). Otherwise an
    import writes drafts that another user reviews and posts."""
    if not ctx.actor.may("finance.voucher.post"):
        raise PermissionDenied(permission="finance.voucher.post")
    if not finance_setting(ctx.session, ctx.actor.company_id).import_posting_allowed:
        raise Conflict("error.ledger.import_post_not_allowed")


@use_case("admin.finance.import_posting", zh="设置导入即过账", en="Allow posting on import")
def set_import_posting(ctx: Context, *, allowed: bool) -> None:
    """Switch the company's 'imports may post without a second reviewer' setting (for migrating books already
    reviewed elsewhere); administrators only by default. Audited with the old and new value."""
    row = finance_setting(ctx.session, ctx.actor.company_id)
    ctx.diff(row, import_posting_allowed=bool(allowed))
    ctx.audit("finance_setting", row.company_id)


def already_imported(session, company_id: int, keys) -> dict[tuple[str, str, str], str]:
    """(period, type, file voucher number) of ``keys`` that an earlier import wrote (draft or posted; the file's
    number is kept in external_ref) -> the display number of that voucher."""
    keys = set(keys)
    found: dict[tuple[str, str, str], str] = {}
    periods = sorted({k[0] for k in keys})
    for start in range(0, len(periods), 500):
        for period, vtype, ref, number in session.execute(
                select(Voucher.period, Voucher.voucher_type, Voucher.external_ref, Voucher.number).where(
                    Voucher.company_id == company_id, Voucher.period.in_(periods[start:start + 500]),
                    Voucher.source == "import", Voucher.external_ref.is_not(None))):
            if (period, vtype, ref) in keys:
                found[(period, vtype, ref)] = voucher_display_no(vtype, number)
    return found


@use_case("finance.voucher.import", zh="导入凭证", en="Import vouchers")
def import_vouchers(ctx: Context, table: Table, *, post: bool = False, dry_run: bool = False,
                    allow_reimport: bool = False) -> VoucherImportReport:
    """Check every row, then write every voucher (and post them with ``post``) or nothing: a file with any
    problem raises ImportFailed with the full report (a dry run returns the report instead).
    ``post`` needs finance.voucher.post and the company's 'allow posting on import' setting (check_import_posting).
    A voucher of the file (same period, type and number) that an earlier import wrote refuses the file, so a
    rerun cannot book it twice; ``allow_reimport`` imports it again anyway (audited)."""
    s, company_id = ctx.session, ctx.actor.company_id
    if post:
        check_import_posting(ctx)
    report = VoucherImportReport(kind="vouchers", rows=len(table.rows), posted=post)
    cols = _header_map(table.headers)
    for name in REQUIRED:
        if name not in cols:
            report.problems.append(ImportProblem(None, name, None, "error.finance.import.missing_column",
                                                 {"column": name}))
    if "debit" not in cols and "credit" not in cols:
        report.problems.append(ImportProblem(None, "debit", None, "error.finance.import.missing_column",
                                             {"column": "debit/credit"}))
    if not table.rows:
        report.problems.append(ImportProblem(None, "", None, "error.finance.import.empty", {}))
    if report.problems:
        if dry_run:
            return report
        raise ImportFailed(report)

    by_id, by_code = all_accounts(s, company_id)
    departments, projects = _codes(s, Department, company_id), _codes(s, Project, company_id)
    partners = {kind: (_codes(s, Base.metadata.tables[kind], company_id) if kind in Base.metadata.tables else {})
                for kind in ("customer", "supplier")}

    groups: dict[tuple[str, str, str], list[_Row]] = defaultdict(list)
    problems = report.problems
    dates: dict[str, tuple[dt.date | None, str]] = {}
    # This loop runs once per ledger line: every row is read with one C-level itemgetter (a column the file
    # lacks reads a padding cell), and the ten text cells are trimmed in one comprehension.
    width = len(table.headers)
    index = [cols.get(name, width) for name in COLUMNS]
    complete = width not in index
    pick_date, pick_texts = itemgetter(index[0]), itemgetter(*index[1:])
    for sheet_row, raw in enumerate(table.rows, start=2):
        if not any(raw):
            continue
        if not complete or len(raw) < width:  # ragged rows of a table built in code; the padding cell is None
            raw = [*raw[:width], *[None] * (width - len(raw)), None]
        raw_day = pick_date(raw)
        day, period = dates.get(raw_day, _UNSEEN) if isinstance(raw_day, str) else _day_period(raw_day)
        if day is _MISSING:  # a file repeats few distinct dates: parse each once
            day, period = dates[raw_day] = _day_period(raw_day)
        if day is None:
            if all(_text(v) == "" for v in raw):  # a row of blanks
                continue
            problems.append(ImportProblem(sheet_row, "date", raw_day, "error.finance.import.date_invalid"))
            continue
        (vtype, vno, line_no_text, account_code, summary, debit, credit, c_department, c_project,
         partner) = [v.strip() if v.__class__ is str else _text(v) for v in pick_texts(raw)]
        if not vno:
            problems.append(ImportProblem(sheet_row, "voucher_no", None, "error.required",
                                          {"field": "voucher_no"}))
            continue
        line_no = int(line_no_text) if line_no_text.isdecimal() else None  # not isdigit: int("²") fails
        if line_no is None and line_no_text:
            problems.append(ImportProblem(sheet_row, "line_no", line_no_text, "error.finance.import.line_no_invalid"))
        values: dict[str, Any] = {"date": day, "line_no": line_no, "account_code": account_code,
                                  "summary": summary, "debit": debit, "credit": credit}
        if c_department or c_project:
            for name, lookup, dim, code in (("department", departments, "department_id", c_department),
                                            ("project", projects, "project_id", c_project)):
                if code:
                    if code in lookup:
                        values[dim] = lookup[code]
                    else:
                        problems.append(ImportProblem(sheet_row, name, code, "error.finance.import.unknown_code",
                                                      {"code": code}))
        if partner:
            account = by_code.get(account_code)
            aux = account.aux if account else ()
            order = ["supplier", "customer"] if "supplier" in aux else ["customer", "supplier"]
            found = next(((kind, partners[kind][partner]) for kind in order if partner in partners[kind]), None)
            if found is None:
                problems.append(ImportProblem(sheet_row, "partner", partner, "error.finance.import.unknown_code",
                                              {"code": partner}))
            else:
                values[f"{found[0]}_id"] = found[1]
        groups[(period, vtype or "记", vno)].append(_Row(sheet_row, values))

    closed = closed_periods(s, company_id, {k[0] for k in groups})
    window = voucher_window(ctx, company_id)
    seen_before = {} if allow_reimport else already_imported(s, company_id, {(p, t, n[:80]) for p, t, n in groups})
    prepared: list[tuple[tuple[str, str, str], dt.date, list[dict[str, Any]], Decimal]] = []
    for key, rows in groups.items():
        period, vtype, vno = key
        rows.sort(key=lambda r: (r.values["line_no"] is None, r.values["line_no"] or 0, r.sheet_row))
        day = rows[0].values["date"]
        for r in rows[1:]:
            if r.values["date"] != day:
                problems.append(ImportProblem(r.sheet_row, "date", r.values["date"].isoformat(),
                                              "error.finance.import.date_mismatch", {"voucher_no": vno}))
        header = check_header(voucher_date=day, voucher_type=vtype, allowed_types=VOUCHER_TYPES, attachments=0,
                              closed=period in closed, window=window)
        if (period, vtype, vno[:80]) in seen_before:
            problems.append(ImportProblem(rows[0].sheet_row, "voucher_no", vno, "error.ledger.import_repeated",
                                          {"voucher_no": vno, "period": period,
                                           "number": seen_before[(period, vtype, vno[:80])]}))
        for p in header:
            col = FIELD_COLUMN.get(p.field or "", "voucher_no")
            problems.append(ImportProblem(rows[0].sheet_row, col, vtype if col == "voucher_type" else day.isoformat(),
                                          p.message_id, dict(p.params)))
        clean, line_problems = check_lines([r.values for r in rows], by_id, by_code)
        for p in line_problems:
            line = p.params.get("line")
            row = rows[line - 1] if line else rows[0]
            col = FIELD_COLUMN.get(p.field or "", "voucher_no")
            value = row.values.get(col) if line else vno
            problems.append(ImportProblem(row.sheet_row, col, value, p.message_id, dict(p.params)))
        if not header and not line_problems:
            prepared.append((key, day, [c.values() for c in clean], sum((c.debit for c in clean), Decimal(0))))
    report.vouchers = len(prepared)
    report.lines = sum(len(lines) for _, _, lines, _ in prepared)
    if problems:
        report.problems.sort(key=lambda p: (p.row or 0))
        if dry_run:
            return report
        raise ImportFailed(report)
    if dry_run:
        return report
    with large_page_cache(ctx.session):
        ids = _write(ctx, prepared, post=post, codes={i: a.code for i, a in by_id.items()},
                     allow_reimport=allow_reimport)
    report.voucher_ids, report.created, report.committed = ids, len(ids), True
    ctx.audit("voucher_import", None, file=table.filename, vouchers=len(ids), lines=report.lines, posted=post,
              **({"reimport": True} if allow_reimport else {}),
              **({"review_skipped_by_setting": True} if post else {}))
    return report


def _write(ctx: Context, prepared, *, post: bool, codes: dict[int, str], allow_reimport: bool = False) -> list[int]:
    s, company_id, actor = ctx.session, ctx.actor.company_id, ctx.actor
    prepared.sort(key=lambda p: (p[1], p[0][1], p[0][2]))
    # fresh numbers per series: one block per (type, period)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (period, vtype, _), *_ in prepared:
        counts[(vtype, period)] += 1
    next_no = {k: allocate_block(s, company_id, voucher_series(k[0]), k[1], n) for k, n in counts.items()}
    if not allow_reimport:
        # Asked again now that this transaction holds the series rows: an import of the same file running at the
        # same moment has committed by now (it held them first) and is seen here.
        again = already_imported(s, company_id, {(p, t, n[:80]) for (p, t, n), *_ in prepared})
        if again:
            (period, _, vno), number = next(iter(again.items()))
            raise Conflict("error.ledger.import_repeated", voucher_no=vno, period=period, number=number)
    now = naive_utcnow()
    status = "posted" if post else "draft"
    vrows = []
    for (period, vtype, vno), day, _, total in prepared:
        number = next_no[(vtype, period)]
        next_no[(vtype, period)] += 1
        vrows.append({"company_id": company_id, "voucher_type": vtype, "period": period, "number": number,
                      "voucher_date": day, "attachments": 0, "status": status, "total": total, "source": "import",
                      "external_ref": vno[:80], "created_by": actor.user_id, "created_by_name": actor.username,
                      "created_at": now, "version": 1,
                      "posted_by": actor.user_id if post else None,
                      "posted_by_name": actor.username if post else None, "posted_at": now if post else None})
    # Raw executemany, then the ids back by the unique (type, period, number): faster than INSERT .. RETURNING
    # batches on every backend.
    for start in range(0, len(vrows), BATCH):
        insert_rows(s, Voucher.__table__, vrows[start:start + BATCH])
    found: dict[tuple[str, str, int], int] = {}
    for (vtype, period), n in counts.items():
        first = next_no[(vtype, period)] - n
        found.update({(t, p, num): vid for vid, t, p, num in s.execute(
            select(Voucher.id, Voucher.voucher_type, Voucher.period, Voucher.number).where(
                Voucher.company_id == company_id, Voucher.voucher_type == vtype, Voucher.period == period,
                Voucher.number >= first, Voucher.number < first + n))})
    ids = [found[(r["voucher_type"], r["period"], r["number"])] for r in vrows]
    if not post:
        line_rows = [(vid, ln["line_no"], ln["summary"], ln["account_id"], ln["debit"], ln["credit"],
                      *[ln.get(c) for c in DIM_COLUMNS])
                     for vid, (_, _, lines, _) in zip(ids, prepared, strict=True) for ln in lines]
        for start in range(0, len(line_rows), BATCH):
            insert_tuples(s, VoucherLine.__table__, _LINE_COLUMNS, line_rows[start:start + BATCH])
        return ids
    # Pre-post checks (budgets) see each period's imported lines together, so a batch cannot slip past a
    # block budget one voucher at a time.
    by_period: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (period, _, _), _, lines, _ in prepared:
        by_period[period].extend(lines)
    for period, lines in sorted(by_period.items()):
        run_pre_post_checks(ctx, SimpleNamespace(id=None, company_id=company_id, period=period, source="import",
                                                 voucher_type=None, voucher_date=None), lines)
    entries = [(vid, day, lines) for vid, (_, day, lines, _) in zip(ids, prepared, strict=True)]
    first = write_gl_lines(s, company_id=company_id, entries=entries, account_codes=codes, posted_at=now)
    # The voucher lines are the ledger lines just written: copied inside the database in one statement
    # rather than sent a second time from Python.
    s.execute(_COPY_LINES, {"cid": company_id, "first": first, "last": first + _line_count(prepared) - 1})
    postings, seq = [], first
    for vid, ((_, vtype, _), day, lines, _) in zip(ids, prepared, strict=True):
        postings.append({"company_id": company_id, "posting_key": f"voucher:{vid}", "voucher_id": vid,
                         "content_hash": content_hash(company_id, vtype, day, lines), "first_seq": seq,
                         "line_count": len(lines), "posted_at": now})
        seq += len(lines)
    insert_rows(s, Posting.__table__, postings)
    return ids
