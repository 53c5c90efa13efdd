"""`erp settings export | tax-on | rate-on` on a fresh SQLite installation made by `erp demo --no-activity`."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from erp_core.cli import main


@pytest.fixture
def install(tmp_path):
    conf = tmp_path / "config.toml"
    conf.write_text('[database]\nurl = "sqlite:///erp.db"\n[app]\ndata_dir = "data"\ndefault_locale = "en"\n',
                    encoding="utf-8")
    env = {"ERP_CONFIG": str(conf), "ERP_DATABASE_URL": None, "ERP_LANG": None}
    # the demo company without its year of business (--no-activity): the departments and seeded rates these
    # commands read are the company's; the year took 10-20 s of each test on the busy CI machine
    assert CliRunner().invoke(main, ["demo", "--no-activity"], env=env, catch_exceptions=False).exit_code == 0
    return env


def erp(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_export_departments_csv_and_tax_rates_xlsx(install, tmp_path):
    out = tmp_path / "departments.csv"
    result = erp(install, "settings", "export", "departments", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["Department code", "Department name", "Parent department", "Active"]
    assert {"GM", "SALES-N"} <= {r[0] for r in rows[1:]}
    xlsx = tmp_path / "tax.xlsx"
    assert erp(install, "--lang", "zh_CN", "settings", "export", "tax-rates", "--format", "xlsx",
               "--out", str(xlsx)).exit_code == 0
    sheet = load_workbook(xlsx).active
    assert sheet.cell(1, 1).value == "税率编码" and sheet.max_row == 14  # header + 13 seeded rates


def test_rate_lookups(install):
    result = erp(install, "settings", "tax-on", "VAT9", "--on", "2026-01-01")
    assert result.exit_code == 0 and result.output.strip() == "0.09"
    assert erp(install, "settings", "rate-on", "CNY").output.strip() == "1"
    missing = erp(install, "settings", "rate-on", "USD", "--on", "2026-01-01")
    assert missing.exit_code != 0 and "USD" in missing.output
