"""The company's date format (settings: 日期格式) is how every page writes dates (issue 11 item 20)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from erp_core.i18n.format import format_date, format_datetime
from erp_core.masterdata.models import DATE_FORMATS
from erp_core.masterdata.org_services import create_project
from erp_core.settings.company_queries import get_company_settings
from erp_core.settings.company_services import update_company_settings
from tests.support.factories import admin_actor
from tests.ui import harness

DAY = dt.date(2026, 3, 7)


@pytest.mark.parametrize("pattern, text", [("YYYY-MM-DD", "2026-03-07"), ("YYYY/MM/DD", "2026/03/07"),
                                           ("YYYY年MM月DD日", "2026年03月07日"), ("DD/MM/YYYY", "07/03/2026"),
                                           ("MM/DD/YYYY", "03/07/2026")])
def test_each_company_date_format(pattern, text):
    assert pattern in DATE_FORMATS
    assert format_date(DAY, "zh_CN", pattern) == text
    assert format_date(DAY, "en", pattern) == text  # the company's choice, whatever the reader's language
    assert format_datetime(dt.datetime(2026, 3, 7, 1, 2, 3), "en", "UTC", pattern) == f"{text} 01:02:03"


def test_without_a_company_format_the_readers_language_decides():
    assert format_date(DAY, "zh_CN") == "2026年3月7日"
    assert format_date(DAY, "en") == "Mar 7, 2026"


def _set_format(db, company, pattern: str) -> None:
    admin = admin_actor(db, company)
    data = get_company_settings(db, admin)
    update_company_settings(db, admin, version=data["version"], name=data["name"], tax_id=data["tax_id"],
                            address=data.get("address"), phone=data.get("phone"),
                            base_currency=data["base_currency"], time_zone=data["time_zone"],
                            fiscal_year_start_month=data["fiscal_year_start_month"],
                            accounting_standard=data["accounting_standard"], date_format=pattern,
                            number_format=data["number_format"], default_locale=data["default_locale"])


def _date_columns(at) -> dict[str, str]:
    """Column name -> the date format the browser is told to use, for every table of the page."""
    out = {}
    for table in at.dataframe:
        config = json.loads(table.proto.columns or "{}")
        for name, col in config.items():
            kind = (col.get("type_config") or {})
            if kind.get("type") == "date":
                out[name] = kind.get("format")
    return out


@pytest.mark.parametrize("pattern, shown", [("YYYY/MM/DD", "{y}/{m:02d}/{d:02d}"),
                                            ("YYYY年MM月DD日", "{y}年{m:02d}月{d:02d}日")])
def test_pages_write_dates_the_companys_way(ui_db, ui_company, admin_password, pattern, shown):
    _set_format(ui_db, ui_company, pattern)
    create_project(ui_db, admin_actor(ui_db, ui_company), code="P1", name="样板工程", start_date=DAY)
    at = harness.logged_in_app(ui_db, "admin", admin_password)
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert shown.format(y=today.year, m=today.month, d=today.day) in harness.texts(at)  # home page
    at = at.switch_page("pages/masterdata/projects.py").run()
    assert not at.exception, at.exception
    assert pattern in _date_columns(at).values()  # the project list's date columns
    at = at.switch_page("pages/reports/trial_balance.py").run()
    assert shown.format(y=today.year, m=today.month, d=today.day) in harness.texts(at)  # "data as of ..."
