"""erp_core.security.admin_page_queries: the department choices of the user forms (storage test, all backends)."""

from __future__ import annotations

import pytest

from erp_core.kernel.errors import PermissionDenied
from erp_core.masterdata.models import Company, Department
from erp_core.security.admin_page_queries import department_choices
from tests.support.factories import actor, admin_actor


def test_department_choices_are_the_company_active_departments_by_code(db, company):
    result = company
    with db.uow() as uow:
        s = uow.session
        other = Company(name="别家公司", tax_id="91430100MA4L0XXXX1", base_currency="CNY")
        s.add(other)
        s.flush()
        s.add_all([Department(company_id=result.company_id, code="B02", name="销售部"),
                   Department(company_id=result.company_id, code="A01", name="财务部"),
                   Department(company_id=result.company_id, code="C03", name="旧部门", active=False),
                   Department(company_id=other.id, code="X01", name="别家")])
        uow.commit()
    admin = admin_actor(db, result)
    assert [(d.code, d.name) for d in department_choices(db, admin)] == [("A01", "财务部"), ("B02", "销售部")]
    assert [d.code for d in department_choices(db, admin, include_inactive=True)] == ["A01", "B02", "C03"]


def test_department_choices_need_the_user_view_permission(db, company):
    result = company
    with pytest.raises(PermissionDenied):
        department_choices(db, actor(result.company_id, {"finance.voucher.view": "all"}))
