"""Access examples for company settings, tax rates, currencies, units, departments, projects and warehouses
(engineer E1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from erp_core.masterdata import org_services, warehouse_services
from erp_core.settings import (
    company_queries,
    company_services,
    currency_services,
    tax_services,
    unit_services,
)
from erp_core.settings.models import Unit
from tests.access.examples import example

S = "erp_core.settings."
M = "erp_core.masterdata."


def _settings_form(env) -> dict:
    s = env.call(company_queries.get_company_settings)
    return {k: s[k] for k in company_queries.SETTINGS_FIELDS if k != "id"}


@example(S + "company_services.update_company_settings")
def _(env):
    return _settings_form(env) | {"phone": env.unique("0571-")}


@example(S + "company_services.add_bank_account")
def _(env):
    return {"bank_name": "工商银行", "account_number": env.unique("6222"), "account_name": "测试公司"}


@example(S + "company_services.edit_bank_account")
def _(env):
    number = env.unique("6223")
    bid = env.call(company_services.add_bank_account, bank_name="建设银行", account_number=number, account_name="测试公司")
    return {"bank_account_id": bid, "version": 1, "bank_name": "建设银行", "account_number": number,
            "account_name": "测试公司（改）"}


@example(S + "company_queries.get_company_settings", S + "currency_queries.list_currencies",
         S + "currency_queries.list_exchange_rates", S + "tax_queries.list_tax_rates",
         S + "unit_queries.list_units", S + "unit_queries.list_conversions",
         M + "org_queries.list_departments", M + "org_queries.department_tree", M + "org_queries.list_projects",
         M + "warehouse_queries.list_warehouses")
def _(env):
    return {}


def _tax_kwargs(env) -> dict:
    return {"code": env.unique("T"), "name_zh": "测试税", "name_en": "Test tax", "kind": "other", "rate": "0.05",
            "valid_from": dt.date(2020, 1, 1)}


@example(S + "tax_services.create_tax_rate")
def _(env):
    return _tax_kwargs(env)


@example(S + "tax_services.edit_tax_rate")
def _(env):
    kw = _tax_kwargs(env)
    rid = env.call(tax_services.create_tax_rate, **kw)
    return kw | {"tax_rate_id": rid, "version": 1, "valid_to": dt.date(2025, 12, 31)}


@example(S + "tax_queries.rate_on")
def _(env):
    return {"code": "VAT13", "on": dt.date(2026, 1, 1)}


def _iso(env) -> str:
    n = int(env.unique("")) % (26 * 26)
    return "Q" + chr(65 + n // 26) + chr(65 + n % 26)


@example(S + "currency_services.create_currency")
def _(env):
    return {"code": _iso(env), "name_zh": "测试币", "name_en": "Test currency"}


@example(S + "currency_services.edit_currency")
def _(env):
    cid = env.call(currency_services.create_currency, code=_iso(env), name_zh="测试币", name_en="Test")
    return {"currency_id": cid, "version": 1, "name_zh": "测试币2", "name_en": "Test 2", "decimals": 2}


@example(S + "currency_services.set_exchange_rate")
def _(env):
    return {"currency_code": "USD", "rate_date": dt.date(2026, 1, 1) + dt.timedelta(days=int(env.unique(""))),
            "rate": "7.1"}


@example(S + "currency_services.delete_exchange_rate")
def _(env):
    rid = env.call(currency_services.set_exchange_rate, currency_code="EUR",
                   rate_date=dt.date(2026, 1, 1) + dt.timedelta(days=int(env.unique(""))), rate="7.8")
    return {"rate_id": rid}


@example(S + "currency_queries.rate_on")
def _(env):
    return {"currency": "CNY", "on": dt.date(2026, 1, 1)}


@example(S + "unit_services.create_unit")
def _(env):
    return {"code": env.unique("U"), "name_zh": "单位", "name_en": "unit"}


@example(S + "unit_services.edit_unit")
def _(env):
    uid = env.call(unit_services.create_unit, code=env.unique("U"), name_zh="单位", name_en="unit")
    return {"unit_id": uid, "version": 1, "name_zh": "单位2", "name_en": "unit 2"}


def _two_units(env) -> tuple[int, int]:
    a = env.call(unit_services.create_unit, code=env.unique("U"), name_zh="包", name_en="pack")
    b = env.call(unit_services.create_unit, code=env.unique("U"), name_zh="片", name_en="sheet")
    return a, b


@example(S + "unit_services.add_conversion")
def _(env):
    a, b = _two_units(env)
    return {"from_unit_id": a, "to_unit_id": b, "factor": "10"}


@example(S + "unit_services.remove_conversion")
def _(env):
    a, b = _two_units(env)
    return {"conversion_id": env.call(unit_services.add_conversion, from_unit_id=a, to_unit_id=b, factor="10")}


@example(S + "unit_queries.convert")
def _(env):
    with env.db.uow(readonly=True) as uow:
        ids = dict(uow.session.execute(select(Unit.code, Unit.id).where(Unit.company_id == env.company_id)).all())
    return {"quantity": 2, "from_unit_id": ids["KG"], "to_unit_id": ids["G"]}


@example(M + "org_services.create_department")
def _(env):
    return {"code": env.unique("D"), "name": "部门"}


def _department(env) -> int:
    return env.call(org_services.create_department, code=env.unique("D"), name="部门")


@example(M + "org_services.edit_department")
def _(env):
    return {"department_id": _department(env), "version": 1, "code": env.unique("D"), "name": "改名"}


@example(M + "org_services.deactivate_department")
def _(env):
    return {"department_id": _department(env), "version": 1}


@example(M + "org_services.activate_department")
def _(env):
    did = _department(env)
    env.call(org_services.deactivate_department, department_id=did, version=1)
    return {"department_id": did, "version": 2}


@example(M + "org_services.create_project")
def _(env):
    return {"code": env.unique("P"), "name": "项目"}


def _project(env) -> int:
    return env.call(org_services.create_project, code=env.unique("P"), name="项目")


@example(M + "org_services.edit_project")
def _(env):
    return {"project_id": _project(env), "version": 1, "code": env.unique("P"), "name": "改名"}


@example(M + "org_services.deactivate_project")
def _(env):
    return {"project_id": _project(env), "version": 1}


@example(M + "org_services.activate_project")
def _(env):
    pid = _project(env)
    env.call(org_services.deactivate_project, project_id=pid, version=1)
    return {"project_id": pid, "version": 2}


def _warehouse(env) -> int:
    return env.call(warehouse_services.create_warehouse, code=env.unique("W"), name="仓库")


@example(M + "warehouse_services.create_warehouse")
def _(env):
    return {"code": env.unique("W"), "name": "仓库"}


@example(M + "warehouse_services.edit_warehouse")
def _(env):
    return {"warehouse_id": _warehouse(env), "version": 1, "code": env.unique("W"), "name": "改名"}


@example(M + "warehouse_services.deactivate_warehouse")
def _(env):
    return {"warehouse_id": _warehouse(env), "version": 1}


@example(M + "warehouse_services.activate_warehouse")
def _(env):
    wid = _warehouse(env)
    env.call(warehouse_services.deactivate_warehouse, warehouse_id=wid, version=1)
    return {"warehouse_id": wid, "version": 2}


@example(M + "warehouse_services.create_location")
def _(env):
    return {"warehouse_id": _warehouse(env), "code": "A-01", "name": "库位"}


@example(M + "warehouse_services.edit_location")
def _(env):
    lid = env.call(warehouse_services.create_location, warehouse_id=_warehouse(env), code="A-01", name="库位")
    return {"location_id": lid, "version": 1, "code": "A-02", "name": "库位2"}


@example(M + "warehouse_queries.list_locations")
def _(env):
    return {"warehouse_id": _warehouse(env)}
