"""Company settings (公司设置) and the company's bank accounts.

Changing the accounting standard (or the base currency) once vouchers exist would reinterpret posted books,
so it is refused. The check is ``books_have_entries``: it counts rows of table ``voucher`` when that table
exists (the ledger module creates it); a ledger that names its table differently extends VOUCHER_TABLES.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

from sqlalchemy import column, func, inspect, select, table, update
from sqlalchemy.orm import Session

from erp_core.i18n import LOCALES
from erp_core.kernel.errors import Conflict
from erp_core.masterdata.models import (
    ACCOUNTING_STANDARDS,
    DATE_FORMATS,
    NUMBER_FORMATS,
    Company,
    CompanyBankAccount,
)
from erp_core.masterdata.validators import is_valid_uscc
from erp_core.settings.common import Problems, clean_text, get_owned, require_company, save
from erp_core.settings.models import Currency
from erp_core.usecase import Context, use_case

F = "field.settings.company."
B = "field.settings.bank."
EDIT = ("settings.company.edit", "修改公司设置", "Edit company settings")
VOUCHER_TABLES = ("voucher",)
ACCOUNT_NUMBER = re.compile(r"^[0-9][0-9-]*$")  # ASCII digits only (isdigit() would take ０-９ and ²)


@functools.cache
def known_time_zones() -> frozenset[str]:
    """IANA time zone names this system's zoneinfo knows (no file paths, no "localtime")."""
    return frozenset(zoneinfo.available_timezones())


def books_have_entries(session: Session, company_id: int) -> bool:
    """True when the company has any voucher (记账凭证) on record."""
    insp = inspect(session.connection())
    for name in VOUCHER_TABLES:
        if not insp.has_table(name):
            continue
        if "company_id" in {c["name"] for c in insp.get_columns(name)}:
            t = table(name, column("company_id"))
            stmt = select(func.count()).select_from(t).where(t.c.company_id == company_id)
        else:
            stmt = select(func.count()).select_from(table(name))
        if session.execute(stmt).scalar_one():
            return True
    return False


@use_case(EDIT[0], zh=EDIT[1], en=EDIT[2])
def update_company_settings(ctx: Context, *, version: int, name: str, tax_id: str, address: str | None = None,
                            phone: str | None = None, base_currency: str = "CNY",
                            time_zone: str = "Asia/Shanghai", fiscal_year_start_month: int = 1,
                            accounting_standard: str = "small_business", date_format: str = DATE_FORMATS[0],
                            number_format: str = NUMBER_FORMATS[0], default_locale: str = "zh_CN") -> None:
    """Save the settings form loaded at ``version``; every changed field is audited as [before, after]."""
    company_id = require_company(ctx)
    s = ctx.session
    company = s.get(Company, company_id)
    ctx.check_version(company, version)
    p = Problems()
    name_v = clean_text(p, name, F + "name", max_len=200)
    tax_v = clean_text(p, tax_id, F + "tax_id", max_len=18, upper=True)
    if tax_v is not None and not is_valid_uscc(tax_v):
        p.add("error.uscc.invalid", F + "tax_id")
        tax_v = None
    address_v = clean_text(p, address, F + "address", max_len=300, required=False)
    phone_v = clean_text(p, phone, F + "phone", max_len=40, required=False)
    currency = (base_currency or "").strip().upper()
    if not currency:
        p.add("error.required", F + "base_currency")
    elif not s.execute(select(Currency.id).where(Currency.company_id == company_id, Currency.code == currency,
                                                 Currency.active.is_(True))).first():
        p.add("error.settings.currency.unknown", F + "base_currency", code=currency)
    if time_zone not in known_time_zones():
        p.add("error.settings.time_zone", F + "time_zone")
    if (not isinstance(fiscal_year_start_month, int) or isinstance(fiscal_year_start_month, bool)
            or not 1 <= fiscal_year_start_month <= 12):
        p.add("error.settings.month", F + "fiscal_year_start_month")
    for value, choices, key in ((accounting_standard, ACCOUNTING_STANDARDS, "accounting_standard"),
                                (date_format, DATE_FORMATS, "date_format"),
                                (number_format, NUMBER_FORMATS, "number_format"),
                                (default_locale, LOCALES, "default_locale")):
        if value not in choices:
            p.add("error.choice", F + key)
    p.raise_any()
    if ((accounting_standard != company.accounting_standard or currency != company.base_currency)
            and books_have_entries(s, company_id)):
        field = "accounting_standard" if accounting_standard != company.accounting_standard else "base_currency"
        raise Conflict("error.settings.company.books_exist", field=F + field)
    ctx.diff(company, name=name_v, tax_id=tax_v, address=address_v, phone=phone_v, base_currency=currency,
             time_zone=time_zone, fiscal_year_start_month=fiscal_year_start_month,
             accounting_standard=accounting_standard, date_format=date_format, number_format=number_format,
             default_locale=default_locale)
    ctx.audit("company", company.id)


def _bank_values(p: Problems, bank_name, account_number, account_name, account_code) -> dict:
    number = clean_text(p, account_number, B + "account_number", max_len=40)
    if number is not None:
        number = number.replace(" ", "")
        if not ACCOUNT_NUMBER.match(number):
            p.add("error.settings.bank.number", B + "account_number")
    return {"bank_name": clean_text(p, bank_name, B + "bank_name", max_len=200),
            "account_number": number,
            "account_name": clean_text(p, account_name, B + "account_name", max_len=200),
            "account_code": clean_text(p, account_code, B + "account_code", max_len=40, required=False)}


def _refuse_duplicate_number(s: Session, company_id: int, number: str, exclude_id: int | None = None) -> None:
    stmt = select(CompanyBankAccount.id).where(CompanyBankAccount.company_id == company_id,
                                               CompanyBankAccount.account_number == number)
    if exclude_id is not None:
        stmt = stmt.where(CompanyBankAccount.id != exclude_id)
    if s.execute(stmt).first():
        raise Conflict("error.settings.bank.duplicate", number=number)


def _make_default(s: Session, company_id: int, keep_id: int) -> None:
    """At most one default account: setting one clears the others."""
    s.execute(update(CompanyBankAccount).where(CompanyBankAccount.company_id == company_id,
                                               CompanyBankAccount.id != keep_id,
                                               CompanyBankAccount.is_default.is_(True))
              .values(is_default=False, version=CompanyBankAccount.version + 1)
              .execution_options(synchronize_session="fetch"))


@use_case(EDIT[0], zh=EDIT[1], en=EDIT[2])
def add_bank_account(ctx: Context, *, bank_name: str, account_number: str, account_name: str,
                     is_default: bool = False, account_code: str | None = None) -> int:
    company_id = require_company(ctx)
    p = Problems()
    v = _bank_values(p, bank_name, account_number, account_name, account_code)
    p.raise_any()
    _refuse_duplicate_number(ctx.session, company_id, v["account_number"])
    row = CompanyBankAccount(company_id=company_id, is_default=bool(is_default), **v)
    save(ctx, row)
    if row.is_default:
        _make_default(ctx.session, company_id, row.id)
    ctx.audit("company_bank_account", row.id, is_default=bool(is_default), **v)
    return row.id


@use_case(EDIT[0], zh=EDIT[1], en=EDIT[2])
def edit_bank_account(ctx: Context, *, bank_account_id: int, version: int, bank_name: str, account_number: str,
                      account_name: str, is_default: bool = False, account_code: str | None = None,
                      active: bool = True) -> None:
    company_id = require_company(ctx)
    row = get_owned(ctx.session, CompanyBankAccount, bank_account_id, company_id)
    ctx.check_version(row, version)
    p = Problems()
    v = _bank_values(p, bank_name, account_number, account_name, account_code)
    p.raise_any()
    _refuse_duplicate_number(ctx.session, company_id, v["account_number"], exclude_id=row.id)
    ctx.diff(row, is_default=bool(is_default) and bool(active), active=bool(active), **v)
    save(ctx)
    if row.is_default:
        _make_default(ctx.session, company_id, row.id)
    ctx.audit("company_bank_account", row.id)
