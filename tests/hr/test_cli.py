"""The HR commands against a real database: import payroll inputs (dry run, all or nothing, unknown employee
listed), run and lock the payroll, and the payroll report with the documented columns."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest

from erp_core.hr.payroll import queries as pq
from tests.hr.support import build


@pytest.fixture
def env(db, company):
    return build(db, company)


def test_import_run_lock_and_report(db, env, erp_cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("employee_code,period,item_code,amount\nE001,2026-01,annual_bonus,36000\n"
                   "E999,2026-01,overtime_pay,100\n", encoding="utf-8")
    result = erp_cli("import", "payroll-inputs", str(bad))
    assert result.exit_code == 1 and "E999" in result.output
    good = tmp_path / "inputs.csv"
    good.write_text("employee_code,period,item_code,amount\nE001,2026-01,annual_bonus,36000\n"
                    "E002,2026-01,sad_child_education,2000\n", encoding="utf-8")
    assert erp_cli("import", "payroll-inputs", str(good), "--dry-run").exit_code == 0
    result = erp_cli("import", "payroll-inputs", str(good))
    assert result.exit_code == 0, result.output
    result = erp_cli("payroll", "run", "--period", "2026-01", "--lock")
    assert result.exit_code == 0, result.output
    assert "approved: 2 employees" in result.output
    runs = pq.list_runs(db, env.admin)
    assert [r["status"] for r in runs] == ["approved"]
    result = erp_cli("report", "payroll", "--period", "2026-01")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["employee_code", "employee_name", "gross_pay", "employee_social_insurance",
                             "employee_housing_fund", "special_additional_deductions", "cumulative_taxable_income",
                             "iit_withheld", "net_pay"]
    e1 = next(r for r in rows if r["employee_code"] == "E001")
    assert D(e1["gross_pay"]) == D(46000) and D(e1["iit_withheld"]) == D("65.10") + D("1080.00")
    e2 = next(r for r in rows if r["employee_code"] == "E002")
    assert D(e2["special_additional_deductions"]) == D(2000)
    # the period is locked: a new import for it is refused, nothing written
    assert erp_cli("import", "payroll-inputs", str(good)).exit_code == 1
