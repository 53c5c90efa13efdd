"""Permission-checked report queries (finance.report.view for statements and balances, finance.ledger.view for
ledgers and drill-down). Each reads one snapshot of the ledger copy (synced first when something is new and no
other sync is running; see AnalyticsEngine.reading), applies the actor's row scope to the ledger lines and returns
a DataFrame with ``attrs["as_of"]``. They hold no pooled connection of the operational store while they work
(``@query(..., session=False)``): the live-session check runs in its own short unit of work first."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pandas as pd

from erp_core.analytics import invariants, reports  # noqa: F401  (invariants registers its check)
from erp_core.analytics.engine import AsOf, engine_for
from erp_core.analytics.reports import LineFilter, LineScope, Range
from erp_core.kernel.actor import Scope
from erp_core.kernel.errors import ValidationError, ValidationErrors, raise_if
from erp_core.usecase import Context, query

REPORT_VIEW = "finance.report.view"
LEDGER_VIEW = "finance.ledger.view"


def line_scope(ctx: Context) -> LineScope:
    """The actor's row scope on ledger lines: whole company, own departments, or own projects. Ledger lines
    have no owner, so a narrower grant sees nothing (deny by default)."""
    actor = ctx.actor
    scope = actor.scope(ctx.permission)
    if actor.is_system or scope is Scope.ALL:
        return LineScope()
    if scope is Scope.DEPARTMENT and actor.department_ids:
        ids = sorted(actor.department_ids)
        return LineScope(f"department_id IN ({', '.join('?' * len(ids))})", tuple(ids))
    if scope is Scope.PROJECT and actor.project_ids:
        ids = sorted(actor.project_ids)
        return LineScope(f"project_id IN ({', '.join('?' * len(ids))})", tuple(ids))
    return LineScope("FALSE")


def _period(value: str | None, field: str, problems: list, *, required: bool = True) -> str | None:
    if not value:
        if required:
            problems.append(ValidationError("error.required", field=field))
        return None
    value = str(value).strip()
    try:
        dt.date(int(value[:4]), int(value[5:7]), 1)
        ok = len(value) == 7 and value[4] == "-"
    except ValueError:
        ok = False
    if not ok:
        problems.append(ValidationError("error.reports.period_format", field=field, value=value))
        return None
    return value


def _range(period_from, period_to, date_from, date_to) -> Range:
    problems: list[ValidationError] = []
    if date_from or date_to:
        if not date_from:
            problems.append(ValidationError("error.required", field="field.reports.date_from"))
        if not date_to:
            problems.append(ValidationError("error.required", field="field.reports.date_to"))
        if date_from and date_to and date_from > date_to:
            problems.append(ValidationError("error.reports.range_order", field="field.reports.date_to"))
        raise_if(problems)
        return Range(date_from, date_to)
    start = _period(period_from, "field.reports.period_from", problems)
    end = _period(period_to or period_from, "field.reports.period_to", problems)
    if start and end and start > end:
        problems.append(ValidationError("error.reports.range_order", field="field.reports.period_to"))
    raise_if(problems)
    return Range(start, end)


def _company(ctx: Context) -> int:
    if ctx.company_id is None:
        raise ValidationError("error.required", field="field.reports.company")
    return ctx.company_id


@contextmanager
def _prepare(ctx: Context):
    """The engine, company, as-of and row scope of one report, whose reads see one snapshot of the copy (see
    AnalyticsEngine.reading: no lock waited for, no pooled connection held)."""
    company_id = _company(ctx)
    eng = engine_for(ctx.db)
    with eng.reading(company_id) as snap:
        yield snap, company_id, snap.as_of, line_scope(ctx)


def _filter(department_id=None, project_id=None, customer_id=None, supplier_id=None, employee_id=None,
            product_id=None) -> LineFilter:
    return LineFilter(department_id, project_id, customer_id, supplier_id, employee_id, product_id)


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def trial_balance(ctx: Context, *, period_from: str | None = None, period_to: str | None = None,
                  date_from: dt.date | None = None, date_to: dt.date | None = None,
                  account_from: str | None = None, account_to: str | None = None, max_level: int | None = None,
                  locale: str | None = None, **dims: int | None) -> pd.DataFrame:
    """科目余额表: opening, period and closing debit/credit per account (parents rolled up) and a total row."""
    rng = _range(period_from, period_to, date_from, date_to)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.trial_balance(eng, company_id, scope, rng, account_from=account_from, account_to=account_to,
                                     max_level=max_level, filt=_filter(**dims), locale=locale or ctx.actor.locale,
                                     as_of=as_of)


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def balance_sheet(ctx: Context, *, period: str, standard: str | None = None,
                  locale: str | None = None) -> pd.DataFrame:
    """资产负债表 at the end of ``period`` with the year-start column."""
    problems: list[ValidationError] = []
    period = _period(period, "field.reports.period", problems)
    raise_if(problems)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.balance_sheet(eng, company_id, scope, period, standard=standard,
                                     locale=locale or ctx.actor.locale, as_of=as_of)


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def income_statement(ctx: Context, *, period: str, period_from: str | None = None, standard: str | None = None,
                     locale: str | None = None) -> pd.DataFrame:
    """利润表 for ``period`` (or a range ending there) with the year-to-date column."""
    problems: list[ValidationError] = []
    period = _period(period, "field.reports.period", problems)
    start = _period(period_from, "field.reports.period_from", problems, required=False)
    raise_if(problems)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.income_statement(eng, company_id, scope, period, period_from=start, standard=standard,
                                        locale=locale or ctx.actor.locale, as_of=as_of)


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def dimension_ledger(ctx: Context, *, dimension: str, period_from: str | None = None, period_to: str | None = None,
                     date_from: dt.date | None = None, date_to: dt.date | None = None,
                     account_code: str | None = None, **dims: int | None) -> pd.DataFrame:
    """Balances per customer / supplier / department / project."""
    if dimension not in reports.DIMENSIONS:
        raise ValidationError("error.choice", field="field.reports.dimension")
    rng = _range(period_from, period_to, date_from, date_to)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.dimension_ledger(eng, company_id, scope, rng, dimension, account_code=account_code or None,
                                        filt=_filter(**dims), as_of=as_of)


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def aging(ctx: Context, *, kind: str, as_of_date: dt.date, account_code: str | None = None) -> pd.DataFrame:
    """Receivables or payables aging (0-30 / 31-60 / 61-90 / 91-180 / >180 days)."""
    if kind not in reports.AGING_ACCOUNTS:
        raise ValidationError("error.choice", field="field.reports.aging_kind")
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.aging(eng, company_id, scope, kind, as_of_date, account_code=account_code or None, as_of=as_of)


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def dashboard(ctx: Context, *, year: int) -> dict[str, pd.DataFrame]:
    """The finance dashboard's series: monthly income/expense and month-end cash balance."""
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return {"income_expense": reports.monthly_income_expense(eng, company_id, scope, year, as_of=as_of),
                "cash": reports.cash_balance(eng, company_id, scope, year, as_of=as_of)}


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def as_of(ctx: Context) -> AsOf:
    """What a report of the company would be as of now (the copy is synced first when something is new, as for
    any report). A page may keep showing figures it read as of the same watermark, for the same actor and
    inputs, instead of reading them again: nothing they were computed from has changed."""
    return engine_for(ctx.db).stamp(_company(ctx))


@query(LEDGER_VIEW, zh="查看账簿", en="View ledgers", session=False)
def ledger(ctx: Context, *, account_code: str, period_from: str | None = None, period_to: str | None = None,
           date_from: dt.date | None = None, date_to: dt.date | None = None, detail: bool = True,
           locale: str | None = None, **dims: int | None) -> pd.DataFrame:
    """明细账 (detail) or 总账 of one account with running balance, 本期合计 and 本年累计."""
    problems: list[ValidationError] = []
    if not (account_code or "").strip():
        problems.append(ValidationError("error.required", field="field.reports.account"))
    try:
        rng = _range(period_from, period_to, date_from, date_to)
    except ValidationErrors as exc:
        problems += exc.errors
    except ValidationError as exc:
        problems.append(exc)
    raise_if(problems)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.subsidiary_ledger(eng, company_id, scope, rng, account_code.strip(), filt=_filter(**dims),
                                         locale=locale or ctx.actor.locale, as_of=as_of, detail=detail)


@query(LEDGER_VIEW, zh="查看账簿", en="View ledgers", session=False)
def general_ledger(ctx: Context, *, period_from: str | None = None, period_to: str | None = None,
                   date_from: dt.date | None = None, date_to: dt.date | None = None, level: int = 1,
                   account_from: str | None = None, account_to: str | None = None, locale: str | None = None,
                   **dims: int | None) -> pd.DataFrame:
    """总账 of every account of ``level``: 期初余额, and per period 本期合计 and 本年累计 with the balance."""
    rng = _range(period_from, period_to, date_from, date_to)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.general_ledger(eng, company_id, scope, rng, level=level, account_from=account_from or None,
                                      account_to=account_to or None, filt=_filter(**dims),
                                      locale=locale or ctx.actor.locale, as_of=as_of)


@query(LEDGER_VIEW, zh="查看账簿", en="View ledgers", session=False)
def drill_down(ctx: Context, *, account_code: str, period_from: str | None = None, period_to: str | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None, **dims: int | None) -> pd.DataFrame:
    """The ledger lines and vouchers behind one figure (an account over a range, with dimension filters)."""
    if not (account_code or "").strip():
        raise ValidationError("error.required", field="field.reports.account")
    rng = _range(period_from, period_to, date_from, date_to)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        return reports.drill_down(eng, company_id, scope, rng, account_code.strip(), filt=_filter(**dims), as_of=as_of)


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def statement_line_accounts(ctx: Context, *, statement: str, period: str, line_no: int,
                            standard: str | None = None, locale: str | None = None) -> pd.DataFrame:
    """Drill-down of a statement line: the trial-balance rows (for ``period``; the income statement from the
    start of its year) of the accounts its formula names, following references to other lines."""
    from erp_core.analytics.statements import line_accounts, load_layout

    if statement not in ("balance_sheet", "income_statement"):
        raise ValidationError("error.choice", field="field.reports.statement")
    problems: list[ValidationError] = []
    period = _period(period, "field.reports.period", problems)
    raise_if(problems)
    with _prepare(ctx) as (eng, company_id, as_of, scope):
        layout = load_layout(standard or reports.company_standard(eng, company_id), statement)
        codes = set(line_accounts(layout, int(line_no)))
        start = period if statement == "balance_sheet" else period[:4] + "-01"
        tb = reports.trial_balance(eng, company_id, scope, Range(start, period), locale=locale or ctx.actor.locale,
                                   as_of=as_of)
        out = tb[tb["account_code"].isin(codes)].reset_index(drop=True)
        out.attrs["as_of"] = as_of
        return out


@query(REPORT_VIEW, zh="查看财务报表", en="View financial reports", session=False)
def accounts(ctx: Context) -> list[tuple[str, str]]:
    """(code, name) of the company's accounts, for account pickers on report pages."""
    eng = engine_for(ctx.db)
    return [(a.code, a.label(ctx.actor.locale)) for a in reports.accounts(eng, _company(ctx)).values()]
