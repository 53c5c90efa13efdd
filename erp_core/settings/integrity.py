"""Invariants of settings and organisation data for `erp check`: each returns the problems it finds.

The use cases already refuse all of these; the checks catch what arrives by other roads (a restored backup, a
hand-edited database, a bug). Registered on import (erp_core.settings.company_queries imports this module).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database
from erp_core.masterdata.models import Company, CompanyBankAccount, Department
from erp_core.settings.models import Currency, TaxRate, UnitConversion
from erp_core.settings.tax_services import periods_overlap


@check("settings.tax_rate_overlap")
def tax_rate_overlap(db: Database) -> list[Problem]:
    """Two rows of one tax code valid on the same day."""
    by_code: dict[tuple[int, str], list] = defaultdict(list)
    with db.uow(readonly=True) as uow:
        for row in uow.session.execute(select(TaxRate.company_id, TaxRate.code, TaxRate.valid_from,
                                              TaxRate.valid_to).order_by(TaxRate.valid_from)):
            by_code[(row.company_id, row.code)].append(row)
    problems = []
    for (company_id, code), rows in by_code.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if periods_overlap(a.valid_from, a.valid_to, b.valid_from, b.valid_to):
                    problems.append(Problem("settings.check.tax_overlap", {
                        "company": company_id, "code": code, "first": a.valid_from.isoformat(),
                        "second": b.valid_from.isoformat()}))
    return problems


@check("settings.unit_conversion_cycles")
def unit_conversion_cycles(db: Database) -> list[Problem]:
    """Stored conversions must form a forest (a cycle could contradict itself)."""
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(UnitConversion.company_id, UnitConversion.from_unit_id,
                                          UnitConversion.to_unit_id, UnitConversion.id)).all()
    parent: dict[int, int] = {}

    def root(u: int) -> int:
        while parent.get(u, u) != u:
            u = parent[u]
        return u

    problems = []
    for company_id, a, b, conv_id in rows:
        ra, rb = root(a), root(b)
        if ra == rb:
            problems.append(Problem("settings.check.unit_cycle", {"company": company_id, "id": conv_id}))
        else:
            parent[ra] = rb
    return problems


@check("settings.department_tree")
def department_tree(db: Database) -> list[Problem]:
    """Every parent exists in the same company, and no department is its own ancestor."""
    with db.uow(readonly=True) as uow:
        rows = {d: (c, p, code) for d, c, p, code in uow.session.execute(
            select(Department.id, Department.company_id, Department.parent_id, Department.code))}
    problems = []
    for dep_id, (company_id, parent_id, code) in rows.items():
        if parent_id is not None and (parent_id not in rows or rows[parent_id][0] != company_id):
            problems.append(Problem("settings.check.department_parent", {"company": company_id, "code": code}))
            continue
        seen, cur = set(), parent_id
        while cur is not None and cur in rows and cur not in seen:
            if cur == dep_id:
                problems.append(Problem("settings.check.department_cycle", {"company": company_id, "code": code}))
                break
            seen.add(cur)
            cur = rows[cur][1]
    return problems


@check("settings.company_references")
def company_references(db: Database) -> list[Problem]:
    """The base currency is one of the company's currencies; at most one default bank account."""
    problems = []
    with db.uow(readonly=True) as uow:
        s = uow.session
        currencies = set(s.execute(select(Currency.company_id, Currency.code)).all())
        for company_id, base in s.execute(select(Company.id, Company.base_currency)):
            if (company_id, base) not in currencies:
                problems.append(Problem("settings.check.base_currency", {"company": company_id, "code": base}))
        defaults: dict[int, int] = defaultdict(int)
        for (company_id,) in s.execute(select(CompanyBankAccount.company_id)
                                       .where(CompanyBankAccount.is_default.is_(True))):
            defaults[company_id] += 1
        problems += [Problem("settings.check.bank_defaults", {"company": c, "count": n})
                     for c, n in defaults.items() if n > 1]
    return problems
