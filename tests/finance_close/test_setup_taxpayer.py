"""The setup wizard asks for the VAT taxpayer type next to the accounting standard: the use case validates it and
stores it in the finance settings (SQLite, PostgreSQL, MariaDB through ``db``); the wizard page passes the choice
(AppTest)."""

from __future__ import annotations

import pytest

from erp_core.finance.models import FinanceSetting
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import ValidationError, ValidationErrors
from erp_core.masterdata.models import Company
from erp_core.setup.demo import demo_tax_id
from erp_core.setup.services import SETUP_PERMISSION, needs_setup, run_setup
from tests.support.factories import ADMIN_PASSWORD
from tests.ui import harness
from tests.ui.conftest import ui_db  # noqa: F401


def _setup(db, **extra):
    return run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), company_name="小规模公司",
                     tax_id=demo_tax_id(), admin_username="admin", admin_password=ADMIN_PASSWORD,
                     admin_display_name="管理员", locale="zh_CN", **extra)


def test_setup_stores_the_taxpayer_type(db):
    result = _setup(db, taxpayer_type="small")
    with db.uow(readonly=True) as uow:
        assert uow.session.get(FinanceSetting, result.company_id).taxpayer_type == "small"


def test_setup_refuses_an_unknown_taxpayer_type_and_writes_nothing(db):
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        _setup(db, taxpayer_type="tiny")
    errors = err.value.errors if isinstance(err.value, ValidationErrors) else [err.value]
    assert [(e.message_id, e.field) for e in errors] == [("error.choice", "field.finance.setting.taxpayer_type")]
    assert needs_setup(db)


def test_setup_defaults_to_general(db):
    result = _setup(db)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(FinanceSetting, result.company_id).taxpayer_type == "general"


def test_the_wizard_page_passes_the_choice(ui_db):  # noqa: F811
    at = harness.new_app().run()
    at.text_input(key="wz_company_name").input("长沙小规模有限公司")
    at.text_input(key="wz_tax_id").input(demo_tax_id())
    at.text_input(key="wz_username").input("boss")
    at.text_input(key="wz_display_name").input("老板")
    at.text_input(key="wz_password").input("Str0ng-Admin-Pass!")
    at.text_input(key="wz_confirm").input("Str0ng-Admin-Pass!")
    radio = at.radio(key="wz_taxpayer_zh_CN")
    assert radio.options == ["一般纳税人", "小规模纳税人"] and radio.value == "一般纳税人"
    radio.set_value("小规模纳税人")
    at.button(key="wz_submit").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        from sqlalchemy import select

        cid = uow.session.execute(select(Company.id)).scalar_one()
        assert uow.session.get(FinanceSetting, cid).taxpayer_type == "small"
