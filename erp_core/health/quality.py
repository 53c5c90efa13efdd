"""Data quality checks (数据质量): the questions the usage guide's FAQ says users ask, each answered with a count
and the rows behind it (drill-down), for the data-quality page and `erp check --quality`.

Each check is a small function ``(session, company_id, on) -> list[dict]`` returning the offending rows (in the
style of beancount's validation: an empty list means clean). They read; they never fix anything. Unlike the
integrity checks of `erp check` (erp_core/checks.py), a finding here is not a broken invariant of the books but
something a person should look at: a customer without a tax ID is allowed, just worth knowing.

Checks, in page order:

- ``stock_vs_gl``  stock ledger value (sum of stock_move.amount) against the general-ledger balance of the
  inventory account (1405 and its sub-accounts), all postings; a row when they differ.
- ``unbalanced_vouchers``  vouchers whose lines' debits and credits differ (or differ from the header total).
- ``unposted_vouchers``  vouchers of periods that have ended (before the current month) still draft or reviewed.
- ``voucher_gaps``  numbers missing in a voucher series (type and period) below its highest number (断号).
- ``customers_without_tax_id``  active customers with no tax ID (纳税人识别号).
- ``duplicate_partners``  active customers / suppliers that look alike (erp_core.masterdata.duplicates).
- ``products_without_cost``  active stocked products (kind "product") with no cost: never received at a unit
  cost above zero.
- ``employees_without_department``  active employees with no department.
- ``stuck_documents``  business documents of any registered type in a state that still has actions (not
  terminal, not posted) with no activity for more than ``stuck_days`` days (default 30).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

ROW_LIMIT = 500  # drill-down rows kept per check (the count is always complete)
STUCK_DAYS = 30


@dataclass(frozen=True)
class QualityResult:
    code: str  # the check; its title is the catalog key health.quality.<code>
    count: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # at most ROW_LIMIT

    @property
    def ok(self) -> bool:
        return self.count == 0


QualityCheck = Callable[..., list[dict[str, Any]]]
QUALITY_CHECKS: dict[str, QualityCheck] = {}


def quality_check(code: str) -> Callable[[QualityCheck], QualityCheck]:
    def register(fn: QualityCheck) -> QualityCheck:
        QUALITY_CHECKS[code] = fn
        return fn

    return register


def _period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@quality_check("stock_vs_gl")
def stock_vs_gl(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    """Per stock account (科目设置 role "stock" of each warehouse and product), the stock ledger's value against
    the general ledger's balance (inventory.queries.ledger_rows, the comparison `erp check` makes)."""
    from types import SimpleNamespace

    from erp_core.inventory.queries import ledger_rows

    ctx = SimpleNamespace(session=session, company_id=company_id,
                          actor=SimpleNamespace(company_id=company_id, locale="zh_CN", is_system=True))
    return [{"account": r.account_code, "stock_value": r.stock_value, "ledger_balance": r.ledger_balance,
             "difference": r.stock_value - r.ledger_balance}
            for r in ledger_rows(ctx, company_id, None) if r.stock_value != r.ledger_balance]


@quality_check("unbalanced_vouchers")
def unbalanced_vouchers(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    from erp_core.finance.models import Voucher, VoucherLine, voucher_display_no

    sums = (select(VoucherLine.voucher_id, func.coalesce(func.sum(VoucherLine.debit), 0).label("debit"),
                   func.coalesce(func.sum(VoucherLine.credit), 0).label("credit"))
            .group_by(VoucherLine.voucher_id).subquery())
    rows = session.execute(
        select(Voucher.id, Voucher.voucher_type, Voucher.number, Voucher.period, Voucher.status, Voucher.total,
               sums.c.debit, sums.c.credit)
        .join(sums, sums.c.voucher_id == Voucher.id)
        .where(Voucher.company_id == company_id)
        .order_by(Voucher.period, Voucher.voucher_type, Voucher.number)).all()
    out = []
    for r in rows:
        debit, credit = Decimal(r.debit or 0), Decimal(r.credit or 0)
        if debit != credit or Decimal(r.total or 0) != debit:
            out.append({"voucher_id": r.id, "voucher": voucher_display_no(r.voucher_type, r.number),
                        "period": r.period, "status": r.status, "debit": debit, "credit": credit,
                        "total": Decimal(r.total or 0)})
    return out


@quality_check("unposted_vouchers")
def unposted_vouchers(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    from erp_core.finance.models import Voucher, voucher_display_no

    rows = session.execute(
        select(Voucher.id, Voucher.voucher_type, Voucher.number, Voucher.period, Voucher.voucher_date,
               Voucher.status, Voucher.total, Voucher.created_by_name)
        .where(Voucher.company_id == company_id, Voucher.status != "posted", Voucher.period < _period_of(on))
        .order_by(Voucher.period, Voucher.voucher_type, Voucher.number)).all()
    return [{"voucher_id": r.id, "voucher": voucher_display_no(r.voucher_type, r.number), "period": r.period,
             "date": r.voucher_date, "status": r.status, "total": Decimal(r.total or 0),
             "created_by": r.created_by_name} for r in rows]


def missing_numbers(numbers: list[int]) -> list[int]:
    """The numbers missing from 1..max(numbers) (pure)."""
    have = set(numbers)
    return [n for n in range(1, max(have, default=0) + 1) if n not in have]


def _ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> "3-5, 9"."""
    parts: list[str] = []
    start = prev = None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = n
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else str(start))
    return ", ".join(parts)


@quality_check("voucher_gaps")
def voucher_gaps(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    from erp_core.finance.models import Voucher

    series: dict[tuple[str, str], list[int]] = {}
    for vtype, period, number in session.execute(
            select(Voucher.voucher_type, Voucher.period, Voucher.number)
            .where(Voucher.company_id == company_id, Voucher.number > 0)):
        series.setdefault((period, vtype), []).append(number)
    out = []
    for (period, vtype), numbers in sorted(series.items()):
        gaps = missing_numbers(numbers)
        if gaps:
            out.append({"period": period, "voucher_type": vtype, "missing": _ranges(gaps),
                        "missing_count": len(gaps), "highest": max(numbers)})
    return out


@quality_check("customers_without_tax_id")
def customers_without_tax_id(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_partners import Customer

    rows = session.execute(
        select(Customer.id, Customer.code, Customer.name, Customer.phone)
        .where(Customer.company_id == company_id, Customer.active.is_(True), Customer.merged_into.is_(None),
               or_(Customer.tax_id.is_(None), Customer.tax_id == ""))
        .order_by(Customer.code)).all()
    return [{"customer_id": r.id, "code": r.code, "name": r.name, "phone": r.phone or ""} for r in rows]


@quality_check("duplicate_partners")
def duplicate_partners(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    from erp_core.masterdata.duplicates import DuplicateIndex, describe
    from erp_core.masterdata.models_partners import Customer, Supplier

    out = []
    for kind, model in (("customer", Customer), ("supplier", Supplier)):
        index = DuplicateIndex()
        seen: dict[int, tuple[str, str]] = {}
        for r in session.execute(
                select(model.id, model.code, model.name, model.tax_id, model.phone)
                .where(model.company_id == company_id, model.active.is_(True), model.merged_into.is_(None))
                .order_by(model.id)):
            for hit in index.find(name=r.name, tax_id=r.tax_id, phones=[r.phone]):
                code, name = seen[hit.ident]
                out.append({"kind": kind, "code": code, "name": name, "other_code": r.code, "other_name": r.name,
                            "reasons": describe(hit.reasons, "zh_CN"), "reasons_en": describe(hit.reasons, "en"),
                            "score": round(hit.score, 2)})
            index.add(r.id, name=r.name, tax_id=r.tax_id, phones=[r.phone])
            seen[r.id] = (r.code, r.name)
    return out


@quality_check("products_without_cost")
def products_without_cost(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    from erp_core.inventory.models import StockMove
    from erp_core.masterdata.models_items import Product

    costed = (select(StockMove.product_id).where(StockMove.company_id == company_id, StockMove.unit_cost > 0)
              .distinct())
    rows = session.execute(
        select(Product.id, Product.code, Product.name, Product.unit_code)
        .where(Product.company_id == company_id, Product.active.is_(True), Product.kind == "product",
               Product.id.not_in(costed))
        .order_by(Product.code)).all()
    return [{"product_id": r.id, "code": r.code, "name": r.name, "unit": r.unit_code or ""} for r in rows]


@quality_check("employees_without_department")
def employees_without_department(session, company_id: int, on: dt.date, **_: Any) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_employees import Employee

    rows = session.execute(
        select(Employee.id, Employee.code, Employee.name, Employee.position)
        .where(Employee.company_id == company_id, Employee.active.is_(True), Employee.department_id.is_(None))
        .order_by(Employee.code)).all()
    return [{"employee_id": r.id, "code": r.code, "name": r.name, "position": r.position or ""} for r in rows]


def terminal_states(doc_type) -> frozenset[str]:
    """States of a document type with no action left but (at most) its reversal."""
    flow = doc_type.workflow
    return frozenset(s for s in flow.states
                     if not [a for a in flow.allowed(s) if a != doc_type.reverse_action])


@quality_check("stuck_documents")
def stuck_documents(session, company_id: int, on: dt.date, *, stuck_days: int = STUCK_DAYS,
                    **_: Any) -> list[dict[str, Any]]:
    from sqlalchemy import inspect

    from erp_core.documents.registry import registered

    limit = dt.datetime.combine(on, dt.time()) - dt.timedelta(days=stuck_days)
    out = []
    tables = set(inspect(session.connection()).get_table_names())
    for doc_type in registered():
        h = doc_type.header
        if h.__tablename__ not in tables:  # a type whose module's migration this database has not run
            continue
        done = terminal_states(doc_type)
        last = func.coalesce(h.updated_at, h.created_at)
        stmt = (select(h.id, h.number, h.status, h.doc_date, last.label("last"))
                .where(h.company_id == company_id, h.posted_at.is_(None), last < limit)
                .order_by(last))
        if done:
            stmt = stmt.where(h.status.not_in(sorted(done)))
        for r in session.execute(stmt):
            idle = (dt.datetime.combine(on, dt.time()) - r.last).days
            out.append({"doc_type": doc_type.code, "doc_type_name": doc_type.zh, "doc_type_name_en": doc_type.en,
                        "doc_id": r.id, "number": r.number, "status": r.status, "doc_date": r.doc_date,
                        "last_activity": r.last, "days": idle})
    out.sort(key=lambda row: -row["days"])
    return out


def run_quality(session, company_id: int, *, on: dt.date, codes: list[str] | None = None,
                stuck_days: int = STUCK_DAYS) -> list[QualityResult]:
    """Run the quality checks (all, or ``codes``) for one company as of ``on``."""
    results = []
    for code, fn in QUALITY_CHECKS.items():
        if codes is not None and code not in codes:
            continue
        rows = fn(session, company_id, on, stuck_days=stuck_days)
        results.append(QualityResult(code, len(rows), rows[:ROW_LIMIT]))
    return results
