"""A company for HR tests built through the real use cases: departments ADM (管理) and SAL (销售), employees
E001 (ADM, 长沙, base 10,000, 住房贷款 1,000) and E002 (SAL, 长沙, base 30,000: above the 19,000 cap), the default
payroll items and the seeded 五险一金 rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import services as pay
from erp_core.masterdata import employees_services as emps
from erp_core.masterdata import org_services as org
from tests.support.factories import admin_actor, make_company


@dataclass
class HrEnv:
    admin: object
    company_id: int
    departments: dict[str, int] = field(default_factory=dict)
    employees: dict[str, int] = field(default_factory=dict)


def build(db, company=None) -> HrEnv:
    company = company or make_company(db)  # the company fixture's copy of the run's snapshot, when given
    admin = admin_actor(db, company)
    env = HrEnv(admin, company.company_id)
    for code, name in (("ADM", "管理部"), ("SAL", "销售部")):
        env.departments[code] = org.create_department(db, admin, code=code, name=name)
    pay.load_payroll_defaults(db, admin)
    for code, name, dep, kind, base, loan in (("E001", "张三", "ADM", "admin", "10000", "1000"),
                                              ("E002", "李四", "SAL", "sales", "30000", None)):
        eid = emps.create_employee(db, admin, values={"code": code, "name": name, "department": dep,
                                                      "hire_date": dt.date(2020, 3, 1)})
        env.employees[code] = eid
        hr.save_profile(db, admin, employee_id=eid, values={
            "insurance_city": "长沙", "insurance_base": Decimal(base), "expense_kind": kind,
            "bank_name": "招商银行", "bank_account": "6225880112345678", "id_number": "11010519491231002X"})
        pay.set_salary(db, admin, employee_id=eid, item_code="base_salary", effective_from=dt.date(2020, 3, 1),
                       amount=Decimal(base))
        if loan:
            pay.set_salary(db, admin, employee_id=eid, item_code="sad_housing_loan",
                           effective_from=dt.date(2020, 3, 1), amount=Decimal(loan))
    return env
