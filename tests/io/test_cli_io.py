"""`erp import <kind> FILE [--dry-run]` and `erp export <kind>`: row-by-row report, exit 1 and nothing written on
any problem."""

import pytest
from sqlalchemy import func, select

from erp_core.masterdata.models_partners import Customer


def _count(db):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(Customer)).scalar_one()


@pytest.fixture
def run(db, erp_cli, company):
    return erp_cli


def test_import_dry_run_then_commit_then_export(run, db, tmp_path):
    good = tmp_path / "customers.csv"
    good.write_text("编码,名称,信用额度\nC1,甲公司,100\nC2,乙公司,=1+1\n", encoding="gb18030")
    bad = run("import", "customers", str(good), "--dry-run")
    assert bad.exit_code == 1 and "Row 3, 信用额度 (=1+1)" in bad.output and _count(db) == 0
    good.write_text("编码,名称,信用额度\nC1,甲公司,100\nC2,乙公司,200\n", encoding="gb18030")
    dry = run("import", "customers", str(good), "--dry-run")
    assert dry.exit_code == 0 and "2 to create" in dry.output and _count(db) == 0
    done = run("import", "customers", str(good))
    assert done.exit_code == 0 and "2 created" in done.output and _count(db) == 2
    out = tmp_path / "c.xlsx"
    exported = run("export", "customers", "--format", "xlsx", "--out", str(out))
    assert exported.exit_code == 0 and out.stat().st_size > 0 and "Exported 2 rows" in exported.output
    again = run("import", "customers", str(out))
    assert again.exit_code == 0 and "0 created, 2 updated" in again.output


def test_import_with_problems_exits_1_and_writes_nothing(run, db, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("code,name\nC1,\nC1,x\n", encoding="utf-8")
    result = run("import", "customers", str(f))
    assert result.exit_code == 1 and "Row 2" in result.output and "Row 3" in result.output
    assert _count(db) == 0


def test_opening_balances_from_the_command_line(run, db, tmp_path):
    f = tmp_path / "opening.csv"
    f.write_text("科目编码,借方,贷方\n1001,100,\n3001,,90\n", encoding="utf-8")
    bad = run("import", "opening-balances", str(f), "--date", "2026-01-01")
    assert bad.exit_code == 1
    f.write_text("科目编码,借方,贷方\n1001,100,\n3001,,100\n", encoding="utf-8")
    ok = run("import", "opening-balances", str(f), "--date", "2026-01-01")
    assert ok.exit_code == 0, ok.output
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("code,name\n100201,工商银行\n", encoding="utf-8")
    assert run("import", "accounts", str(accounts)).exit_code == 0


def test_a_big5_file_is_refused_unless_its_encoding_is_given(run, db, tmp_path):
    """Issue #11 item 14: a Big5 CSV was stored as GB18030 mojibake with exit 0."""
    f = tmp_path / "customers.csv"
    f.write_bytes("code,name,address\nC1,臺北貿易股份有限公司,臺北市中正區重慶南路一段122號\n".encode("big5"))
    refused = run("import", "customers", str(f))
    assert refused.exit_code != 0 and "Big5" in refused.output and "--encoding" in refused.output
    assert _count(db) == 0
    done = run("import", "customers", str(f), "--encoding", "big5")
    assert done.exit_code == 0, done.output
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(Customer.name)).scalar_one() == "臺北貿易股份有限公司"


def test_a_nul_byte_is_refused_naming_row_and_column(run, db, tmp_path):
    f = tmp_path / "customers.csv"
    f.write_bytes("code,name\nC1,甲\x00乙\n".encode())
    result = run("import", "customers", str(f))
    assert result.exit_code != 0 and "U+0000" in result.output and "name" in result.output and _count(db) == 0
