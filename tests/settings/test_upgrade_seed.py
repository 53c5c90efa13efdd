"""A company created before revision 0003 gets the seeded reference data when the database is upgraded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import text

from erp_core.db.engine import make_engine
from erp_core.db.migrate import upgrade
from erp_core.db.uow import Database
from erp_core.settings.currency_services import exchange_rate_on
from erp_core.settings.tax_services import tax_rate_on
from erp_core.settings.unit_services import convert_quantity


def test_upgrade_seeds_reference_data_for_existing_companies(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO company (id, name, tax_id, base_currency, time_zone, accounting_standard, "
                "default_locale, created_at, version) VALUES (7, '老公司', '91330100MA27XL0J9A', 'CNY', "
                "'Asia/Shanghai', 'small_business', 'zh_CN', '2026-01-01 00:00:00', 1)"))
        upgrade(engine)
        db = Database(engine)
        with db.uow(readonly=True) as uow:
            s = uow.session
            assert tax_rate_on(s, 7, "VAT13", dt.date(2026, 1, 1)).rate == Decimal("0.13")
            assert exchange_rate_on(s, 7, "CNY", dt.date(2026, 1, 1)) == 1
            ids = dict(s.execute(text("SELECT code, id FROM unit WHERE company_id = 7")).all())
            assert convert_quantity(s, 7, Decimal("2"), ids["T"], ids["G"]) == Decimal("2000000")
            assert s.execute(text("SELECT fiscal_year_start_month, date_format FROM company")).one() == (
                1, "YYYY-MM-DD")
    finally:
        engine.dispose()
