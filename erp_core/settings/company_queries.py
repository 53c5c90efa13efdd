"""Read side of company settings."""

from __future__ import annotations

from sqlalchemy import select

from erp_core.masterdata.models import Company, CompanyBankAccount
from erp_core.security.scope import company_rows
from erp_core.settings import integrity  # noqa: F401  (registers the settings checks of `erp check`)
from erp_core.settings.common import require_company
from erp_core.settings.company_services import books_have_entries
from erp_core.usecase import Context, query

SETTINGS_FIELDS = ("id", "name", "tax_id", "address", "phone", "base_currency", "time_zone",
                   "fiscal_year_start_month", "accounting_standard", "date_format", "number_format",
                   "default_locale", "version")


@query("settings.company.view", zh="查看公司设置", en="View company settings")
def get_company_settings(ctx: Context) -> dict:
    """The company's settings as a dict (with ``version`` for the edit form), its bank accounts, and whether
    the accounting standard can still change (``standard_locked``)."""
    company_id = require_company(ctx)
    company = ctx.session.get(Company, company_id)
    out = {f: getattr(company, f) for f in SETTINGS_FIELDS}
    stmt = company_rows(select(CompanyBankAccount), ctx, company_col=CompanyBankAccount.company_id)
    out["bank_accounts"] = [
        {"id": b.id, "bank_name": b.bank_name, "account_number": b.account_number, "account_name": b.account_name,
         "is_default": b.is_default, "account_code": b.account_code, "active": b.active, "version": b.version}
        for b in ctx.session.execute(stmt.order_by(CompanyBankAccount.id)).scalars()]
    out["standard_locked"] = books_have_entries(ctx.session, company_id)
    return out
