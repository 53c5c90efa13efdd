"""Tax rates, currencies with exchange rates, units with conversions."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.kernel.errors import (
    ConcurrencyError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from erp_core.settings import currency_queries, tax_queries, unit_queries
from erp_core.settings.currency_services import create_currency, edit_currency, set_exchange_rate
from erp_core.settings.models import Currency, ExchangeRate, TaxRate, Unit, UnitConversion
from erp_core.settings.tax_services import create_tax_rate, edit_tax_rate
from erp_core.settings.unit_services import add_conversion, create_unit, edit_unit, remove_conversion
from tests.settings.conftest import audit_count, count
from tests.support.factories import actor

D = dt.date


# ---- tax rates ----

def test_dated_tax_rate_succession(db, admin):
    first = create_tax_rate(db, admin, code="tst", name_zh="测试税", name_en="Test tax", kind="other",
                            rate="0.17", valid_from=D(2010, 1, 1), valid_to=D(2018, 4, 30))
    create_tax_rate(db, admin, code="TST", name_zh="测试税", name_en="Test tax", kind="other", rate="0.16",
                    valid_from=D(2018, 5, 1), valid_to=D(2019, 3, 31))
    create_tax_rate(db, admin, code="TST", name_zh="测试税", name_en="Test tax", kind="other", rate="0.13",
                    valid_from="2019-04-01")
    assert tax_queries.rate_on(db, admin, code="TST", on=D(2018, 4, 30)) == Decimal("0.17")
    assert tax_queries.rate_on(db, admin, code="TST", on=D(2018, 5, 1)) == Decimal("0.16")
    assert tax_queries.rate_on(db, admin, code="TST", on=D(2030, 1, 1)) == Decimal("0.13")
    with pytest.raises(NotFound):
        tax_queries.rate_on(db, admin, code="TST", on=D(2009, 12, 31))
    page = tax_queries.list_tax_rates(db, admin, search="tst", sort="valid_from", descending=True)
    assert page.total == 3 and [r["id"] for r in page.rows][-1] == first


def test_overlapping_validity_for_same_code_is_refused(db, admin):
    create_tax_rate(db, admin, code="OV", name_zh="重叠", name_en="Overlap", kind="other", rate="0.05",
                    valid_from=D(2020, 1, 1), valid_to=D(2020, 12, 31))
    before = count(db, TaxRate)
    for start, end in ((D(2020, 12, 31), None), (D(2019, 1, 1), D(2020, 1, 1)), (D(2020, 6, 1), D(2020, 7, 1))):
        with pytest.raises(Conflict) as err:
            create_tax_rate(db, admin, code="OV", name_zh="重叠", name_en="Overlap", kind="other", rate="0.06",
                            valid_from=start, valid_to=end)
        assert err.value.message_id == "error.settings.tax.overlap"
    assert count(db, TaxRate) == before
    # the seeded open-ended VAT13 blocks a second open-ended VAT13
    with pytest.raises(Conflict):
        create_tax_rate(db, admin, code="VAT13", name_zh="x", name_en="x", kind="vat", rate="0.13",
                        valid_from=D(2025, 1, 1))


def test_bad_tax_rate_lists_every_problem_and_writes_nothing(db, admin):
    before, audits = count(db, TaxRate), audit_count(db)
    with pytest.raises(ValidationErrors) as err:
        create_tax_rate(db, admin, code="", name_zh="", name_en="x" * 101, kind="income", rate="1.5",
                        valid_from=D(2020, 1, 2), valid_to=D(2020, 1, 1))
    assert {e.field for e in err.value.errors} == {f"field.settings.tax.{f}" for f in (
        "code", "name_zh", "name_en", "kind", "rate", "valid_to")}
    with pytest.raises(ValidationErrors) as err:
        create_tax_rate(db, admin, code="A B", name_zh="a", name_en="a", kind="vat", rate="0.1234567",
                        valid_from="not a date")
    assert {e.field for e in err.value.errors} == {"field.settings.tax.code", "field.settings.tax.rate",
                                                    "field.settings.tax.valid_from"}
    with pytest.raises(ValidationError) as err:  # floats are never exact: refused, not rounded
        create_tax_rate(db, admin, code="F", name_zh="a", name_en="a", kind="vat", rate=0.13, valid_from=D(2020, 1, 1))
    assert err.value.field == "field.settings.tax.rate"
    assert count(db, TaxRate) == before and audit_count(db) == audits


def test_edit_tax_rate_is_version_checked(db, admin):
    rid = create_tax_rate(db, admin, code="ED", name_zh="编辑", name_en="Edit", kind="other", rate="0.05",
                          valid_from=D(2020, 1, 1))
    edit_tax_rate(db, admin, tax_rate_id=rid, version=1, code="ED", name_zh="编辑", name_en="Edit", kind="other",
                  rate="0.05", valid_from=D(2020, 1, 1), valid_to=D(2024, 12, 31))
    with pytest.raises(ConcurrencyError):
        edit_tax_rate(db, admin, tax_rate_id=rid, version=1, code="ED", name_zh="编辑", name_en="Edit",
                      kind="other", rate="0.06", valid_from=D(2020, 1, 1))
    with db.uow(readonly=True) as uow:
        row = uow.session.get(TaxRate, rid)
        assert (row.rate, row.valid_to, row.version) == (Decimal("0.05"), D(2024, 12, 31), 2)


def test_tax_permissions(db, company):
    viewer = actor(company.company_id, {"settings.tax.view": "all"})
    assert tax_queries.list_tax_rates(db, viewer).total == 13
    with pytest.raises(PermissionDenied):
        create_tax_rate(db, viewer, code="X", name_zh="x", name_en="x", kind="vat", rate="0.1",
                        valid_from=D(2020, 1, 1))
    with pytest.raises(PermissionDenied):
        tax_queries.list_tax_rates(db, actor(company.company_id, {}))


# ---- currencies and exchange rates ----

def test_exchange_rate_on_is_latest_on_or_before(db, admin):
    set_exchange_rate(db, admin, currency_code="usd", rate_date=D(2026, 1, 1), rate="7.12345678")
    set_exchange_rate(db, admin, currency_code="USD", rate_date=D(2026, 2, 1), rate="7.2")
    assert currency_queries.rate_on(db, admin, currency="USD", on=D(2026, 1, 31)) == Decimal("7.12345678")
    assert currency_queries.rate_on(db, admin, currency="USD", on=D(2026, 2, 1)) == Decimal("7.2")
    assert currency_queries.rate_on(db, admin, currency="USD", on=D(2027, 1, 1)) == Decimal("7.2")
    assert currency_queries.rate_on(db, admin, currency="CNY", on=D(2000, 1, 1)) == 1
    with pytest.raises(NotFound):
        currency_queries.rate_on(db, admin, currency="USD", on=D(2025, 12, 31))
    # same day again replaces, not duplicates
    set_exchange_rate(db, admin, currency_code="USD", rate_date=D(2026, 2, 1), rate="7.25")
    assert count(db, ExchangeRate) == 2
    assert currency_queries.rate_on(db, admin, currency="USD", on=D(2026, 2, 2)) == Decimal("7.25")
    assert currency_queries.list_exchange_rates(db, admin, currency_code="USD").total == 2


def test_bad_exchange_rates_are_refused(db, admin):
    audits = audit_count(db)
    for rate in ("0", "-1", "abc", "1.123456789"):
        with pytest.raises(ValidationError) as err:
            set_exchange_rate(db, admin, currency_code="USD", rate_date=D(2026, 1, 1), rate=rate)
        assert err.value.field == "field.settings.rate.rate"
    with pytest.raises(ValidationErrors) as err:
        set_exchange_rate(db, admin, currency_code="XYZ", rate_date=None, rate="-2")
    assert {e.field for e in err.value.errors} == {"field.settings.currency.code", "field.settings.rate.date",
                                                    "field.settings.rate.rate"}
    with pytest.raises(ValidationError) as err:
        set_exchange_rate(db, admin, currency_code="CNY", rate_date=D(2026, 1, 1), rate="1")
    assert err.value.message_id == "error.settings.currency.is_base"
    assert count(db, ExchangeRate) == 0 and audit_count(db) == audits


def test_currency_create_edit(db, admin):
    cid = create_currency(db, admin, code="chf", name_zh="瑞士法郎", name_en="Swiss franc", decimals=2)
    with pytest.raises(Conflict):
        create_currency(db, admin, code="CHF", name_zh="x", name_en="x")
    with pytest.raises(ValidationErrors) as err:
        create_currency(db, admin, code="C1", name_zh="", name_en="x", decimals=9)
    assert {e.field for e in err.value.errors} == {"field.settings.currency.code", "field.settings.currency.name_zh",
                                                    "field.settings.currency.decimals"}
    edit_currency(db, admin, currency_id=cid, version=1, name_zh="瑞郎", name_en="Swiss franc", decimals=2,
                  active=False)
    codes = {c["code"]: c for c in currency_queries.list_currencies(db, admin)}
    assert codes["CHF"]["name_zh"] == "瑞郎" and not codes["CHF"]["active"]
    with db.uow(readonly=True) as uow:
        cny = uow.session.execute(select(Currency.id, Currency.version).where(Currency.code == "CNY")).one()
    with pytest.raises(Conflict):
        edit_currency(db, admin, currency_id=cny.id, version=cny.version, name_zh="人民币", name_en="Yuan",
                      decimals=2, active=False)


# ---- units and conversions ----

def _unit_ids(db, company_id):
    with db.uow(readonly=True) as uow:
        return dict(uow.session.execute(select(Unit.code, Unit.id).where(Unit.company_id == company_id)).all())


def test_conversions_chain_and_inverse(db, admin, company):
    u = _unit_ids(db, company.company_id)
    add_conversion(db, admin, from_unit_id=u["BOX"], to_unit_id=u["PCS"], factor="12")
    assert unit_queries.convert(db, admin, quantity=Decimal("2"), from_unit_id=u["BOX"],
                                to_unit_id=u["PCS"]) == Decimal("24")
    assert unit_queries.convert(db, admin, quantity=Decimal("6"), from_unit_id=u["PCS"],
                                to_unit_id=u["BOX"]) == Decimal("0.5")
    assert unit_queries.convert(db, admin, quantity=Decimal("1"), from_unit_id=u["PCS"],
                                to_unit_id=u["BOX"]) == Decimal("0.083333")
    # seeded: 1 t = 1000 kg, 1 kg = 1000 g -> derived t -> g
    assert unit_queries.convert(db, admin, quantity=Decimal("1.5"), from_unit_id=u["T"],
                                to_unit_id=u["G"]) == Decimal("1500000")
    with pytest.raises(NotFound):
        unit_queries.convert(db, admin, quantity=Decimal("1"), from_unit_id=u["BOX"], to_unit_id=u["KG"])


def test_cycles_and_contradictions_are_refused(db, admin, company):
    u = _unit_ids(db, company.company_id)
    before = count(db, UnitConversion)
    with pytest.raises(Conflict) as err:  # T -> G is derivable already (1,000,000)
        add_conversion(db, admin, from_unit_id=u["T"], to_unit_id=u["G"], factor="1000000")
    assert err.value.message_id == "error.settings.unit.redundant"
    with pytest.raises(Conflict) as err:
        add_conversion(db, admin, from_unit_id=u["G"], to_unit_id=u["T"], factor="5")
    assert err.value.message_id == "error.settings.unit.contradiction"
    with pytest.raises(Conflict):  # inverse of a stored one
        add_conversion(db, admin, from_unit_id=u["G"], to_unit_id=u["KG"], factor="0.001")
    with pytest.raises(ValidationErrors) as err:
        add_conversion(db, admin, from_unit_id=u["BOX"], to_unit_id=None, factor="0")
    assert {e.field for e in err.value.errors} == {"field.settings.unit.factor", "field.settings.unit.to_unit"}
    assert count(db, UnitConversion) == before


def test_remove_conversion_then_add_again(db, admin, company):
    u = _unit_ids(db, company.company_id)
    conv = unit_queries.list_conversions(db, admin)
    kg_g = next(c for c in conv if (c["from_code"], c["to_code"]) == ("KG", "G"))
    remove_conversion(db, admin, conversion_id=kg_g["id"])
    add_conversion(db, admin, from_unit_id=u["G"], to_unit_id=u["KG"], factor="0.001")
    assert unit_queries.convert(db, admin, quantity=Decimal("1"), from_unit_id=u["T"],
                                to_unit_id=u["G"]) == Decimal("1000000")


def test_unit_create_edit(db, admin):
    uid = create_unit(db, admin, code="dz", name_zh="打", name_en="dozen")
    with pytest.raises(Conflict):
        create_unit(db, admin, code="DZ", name_zh="打", name_en="dozen")
    with pytest.raises(ValidationErrors) as err:
        create_unit(db, admin, code="", name_zh="", name_en="")
    assert len(err.value.errors) == 3
    edit_unit(db, admin, unit_id=uid, version=1, name_zh="打（12个）", name_en="dozen", active=False)
    units = {x["code"]: x for x in unit_queries.list_units(db, admin, search="dz")}
    assert units["DZ"]["name_zh"] == "打（12个）" and not units["DZ"]["active"]
    assert "DZ" not in {x["code"] for x in unit_queries.list_units(db, admin, include_inactive=False)}


def test_reference_data_is_company_wide_for_a_department_scoped_viewer(db, company):
    """The seeded 'viewer' role holds *.*.view at department scope: tax rates, currencies and units are still
    visible to it in full (they are company-wide reference data), but only for its own company."""
    viewer = actor(company.company_id, {"settings.tax.view": "department", "settings.currency.view": "department",
                                        "settings.unit.view": "own"})
    assert tax_queries.list_tax_rates(db, viewer).total == 13
    assert len(currency_queries.list_currencies(db, viewer)) >= 6
    assert len(unit_queries.list_units(db, viewer)) >= 8
    stranger = actor(company.company_id + 1, {"settings.tax.view": "all"})
    assert tax_queries.list_tax_rates(db, stranger).total == 0
