"""Setup seeds reference data; company settings are validated, version-checked and audited per field."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from erp_core.kernel.errors import (
    ConcurrencyError,
    Conflict,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from erp_core.masterdata.models import Company, CompanyBankAccount
from erp_core.security.models import AuditLog
from erp_core.settings import company_services
from erp_core.settings.company_queries import get_company_settings
from erp_core.settings.company_services import add_bank_account, edit_bank_account, update_company_settings
from erp_core.settings.models import Currency, TaxRate, Unit, UnitConversion
from erp_core.settings.tax_queries import rate_on
from tests.settings.conftest import audit_count, count
from tests.support.factories import actor

GOOD = dict(name="杭州示例科技有限公司", tax_id="91330100MA27XL0J9A", address="杭州市西湖区文三路 1 号",
            phone="0571-88888888", base_currency="CNY", time_zone="Asia/Shanghai", fiscal_year_start_month=1,
            accounting_standard="small_business", date_format="YYYY-MM-DD", number_format="1,234.56",
            default_locale="zh_CN")


def _settings_form(db, admin):
    s = get_company_settings(db, admin)
    return {k: s[k] for k in GOOD} | {"version": s["version"]}


def test_setup_seeds_tax_rates_currencies_and_units(db, company):
    cid = company.company_id
    codes = {"VAT13", "VAT9", "VAT6", "VAT0", "SS3", "SS1", "SIMPLE5", "UMT7", "UMT5", "UMT1", "EDU3", "LEDU2",
             "SSRELIEF"}
    with db.uow(readonly=True) as uow:
        got = set(uow.session.execute(select(TaxRate.code).where(TaxRate.company_id == cid)).scalars())
        currencies = set(uow.session.execute(select(Currency.code).where(Currency.company_id == cid)).scalars())
    assert got == codes
    assert {"CNY", "USD", "EUR", "JPY"} <= currencies
    assert count(db, Unit, company_id=cid) >= 8 and count(db, UnitConversion, company_id=cid) >= 2


def test_seeded_rates_answer_rate_on(db, admin):
    assert rate_on(db, admin, code="VAT13", on=dt.date(2026, 1, 1)) == Decimal("0.13")
    assert rate_on(db, admin, code="umt7", on=dt.date(2026, 1, 1)) == Decimal("0.07")
    assert rate_on(db, admin, code="EDU3", on=dt.date(2026, 1, 1)) == Decimal("0.03")


def test_valid_uscc_passes(db, admin):
    from erp_core.masterdata.validators import is_valid_uscc

    assert is_valid_uscc(GOOD["tax_id"])


def test_edit_settings_saves_and_audits_changed_fields(db, admin):
    form = _settings_form(db, admin)
    form.update(GOOD, fiscal_year_start_month=4, time_zone="Asia/Urumqi", default_locale="en",
                date_format="YYYY/MM/DD")
    update_company_settings(db, admin, **form)
    s = get_company_settings(db, admin)
    assert (s["name"], s["fiscal_year_start_month"], s["time_zone"], s["date_format"]) == (
        GOOD["name"], 4, "Asia/Urumqi", "YYYY/MM/DD")
    assert s["version"] == form["version"] + 1
    with db.uow(readonly=True) as uow:
        entry = uow.session.execute(select(AuditLog.action, AuditLog.entity, AuditLog.details)
                                    .order_by(AuditLog.seq.desc()).limit(1)).one()
    changes = json.loads(entry.details)["changes"]
    assert entry.action == "settings.company.edit" and entry.entity == "company"
    assert changes["fiscal_year_start_month"] == [1, 4]
    assert "base_currency" not in changes  # unchanged fields are not recorded


def test_bad_settings_name_every_field_and_write_nothing(db, admin):
    form = _settings_form(db, admin)
    before = audit_count(db)
    form.update(name=" ", tax_id="91330100MA27XL0J9R", base_currency="XXX", time_zone="../etc/passwd",
                fiscal_year_start_month=13, accounting_standard="ifrs", date_format="dd.mm", number_format="?",
                default_locale="fr")
    with pytest.raises(ValidationErrors) as err:
        update_company_settings(db, admin, **form)
    fields = {e.field for e in err.value.errors}
    assert fields == {f"field.settings.company.{f}" for f in (
        "name", "tax_id", "base_currency", "time_zone", "fiscal_year_start_month", "accounting_standard",
        "date_format", "number_format", "default_locale")}
    assert audit_count(db) == before
    assert get_company_settings(db, admin)["version"] == form["version"]


def test_stale_version_is_refused(db, admin):
    form = _settings_form(db, admin) | GOOD
    update_company_settings(db, admin, **form)
    with pytest.raises(ConcurrencyError):
        update_company_settings(db, admin, **(form | {"phone": "110"}))
    assert get_company_settings(db, admin)["phone"] == GOOD["phone"]


def test_accounting_standard_is_locked_once_vouchers_exist(db, admin, company, monkeypatch):
    # A stand-in voucher table, so the rule is tested whatever shape the ledger's own table has.
    monkeypatch.setattr(company_services, "VOUCHER_TABLES", ("zz_voucher_stub",))
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE zz_voucher_stub (id INTEGER PRIMARY KEY, company_id INTEGER)"))
        conn.execute(text("INSERT INTO zz_voucher_stub (id, company_id) VALUES (1, :c)"),
                     {"c": company.company_id})
    try:
        form = _settings_form(db, admin)
        assert get_company_settings(db, admin)["standard_locked"]
        with pytest.raises(Conflict) as err:
            update_company_settings(db, admin, **(form | {"accounting_standard": "enterprise"}))
        assert err.value.params["field"] == "field.settings.company.accounting_standard"
        update_company_settings(db, admin, **(form | {"phone": "123"}))  # other fields still editable
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE zz_voucher_stub"))
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Company, company.company_id).accounting_standard == "small_business"


def test_standard_can_change_before_any_voucher(db, admin):
    form = _settings_form(db, admin)
    update_company_settings(db, admin, **(form | {"accounting_standard": "enterprise"}))
    assert get_company_settings(db, admin)["accounting_standard"] == "enterprise"


def test_bank_accounts_one_default_and_validation(db, admin, company):
    a = add_bank_account(db, admin, bank_name="工商银行杭州分行", account_number="1202 0000 1111",
                         account_name="示例公司", is_default=True, account_code="100201")
    b = add_bank_account(db, admin, bank_name="建设银行", account_number="3300-1234", account_name="示例公司",
                         is_default=True)
    accounts = {x["id"]: x for x in get_company_settings(db, admin)["bank_accounts"]}
    assert accounts[a]["account_number"] == "120200001111" and accounts[a]["account_code"] == "100201"
    assert not accounts[a]["is_default"] and accounts[b]["is_default"]
    with pytest.raises(Conflict):
        add_bank_account(db, admin, bank_name="x", account_number="120200001111", account_name="y")
    with pytest.raises(ValidationErrors) as err:
        add_bank_account(db, admin, bank_name="", account_number="abc", account_name="")
    assert {e.field for e in err.value.errors} == {
        "field.settings.bank.bank_name", "field.settings.bank.account_number", "field.settings.bank.account_name"}
    assert count(db, CompanyBankAccount) == 2
    edit_bank_account(db, admin, bank_account_id=a, version=accounts[a]["version"], bank_name="工商银行",
                      account_number="120200001111", account_name="示例公司", is_default=True)
    accounts = {x["id"]: x for x in get_company_settings(db, admin)["bank_accounts"]}
    assert accounts[a]["is_default"] and not accounts[b]["is_default"]


def test_settings_need_permissions(db, company):
    viewer = actor(company.company_id, {"settings.company.view": "all"})
    s = get_company_settings(db, viewer)
    with pytest.raises(PermissionDenied):
        update_company_settings(db, viewer, **({k: s[k] for k in GOOD} | {"version": s["version"]}))
    with pytest.raises(PermissionDenied):
        add_bank_account(db, viewer, bank_name="a", account_number="1", account_name="b")


def test_single_problem_is_a_plain_validation_error(db, admin):
    form = _settings_form(db, admin)
    with pytest.raises(ValidationError) as err:
        update_company_settings(db, admin, **(form | {"time_zone": "Nowhere/Town"}))
    assert err.value.field == "field.settings.company.time_zone"


def test_a_real_draft_voucher_locks_the_standard(db, admin):
    """Integration with the finance module's voucher table (as it exists at the time of writing)."""
    voucher_services = pytest.importorskip("erp_core.finance.voucher_services")
    voucher_services.create_voucher(db, admin, voucher_date=dt.date(2026, 11, 2), lines=[
        {"account_code": "1001", "debit": Decimal("5"), "credit": Decimal("0"), "summary": "测试"},
        {"account_code": "5001", "debit": Decimal("0"), "credit": Decimal("5"), "summary": "测试"}])
    form = _settings_form(db, admin)
    assert get_company_settings(db, admin)["standard_locked"]
    with pytest.raises(Conflict):
        update_company_settings(db, admin, **(form | {"accounting_standard": "enterprise"}))
    with pytest.raises(Conflict):
        update_company_settings(db, admin, **(form | {"base_currency": "USD"}))


def test_bank_account_number_takes_ascii_digits_only(db, admin):
    for bad in ("１２３４", "12²", "-123"):
        with pytest.raises(ValidationError) as err:
            add_bank_account(db, admin, bank_name="工行", account_number=bad, account_name="x")
        assert err.value.field == "field.settings.bank.account_number"
    assert count(db, CompanyBankAccount) == 0
