"""`erp report ...`: exact columns, exact amounts, CSV to stdout or a file, XLSX."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner
from openpyxl import load_workbook

from erp_core.cli import main
from tests.analytics.test_worked_example import keep_january


def _config(tmp_path, db) -> str:
    url = db.engine.url.render_as_string(hide_password=False)
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{url}"\n[app]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return str(path)


def _invoke(tmp_path, db, *args):
    result = CliRunner().invoke(main, ["--config", _config(tmp_path, db), "--lang", "zh_CN", "report", *args],
                                env={"ERP_DATABASE_URL": ""}, catch_exceptions=False)
    return result


def test_trial_balance_csv_on_stdout(tmp_path, db, company, books):
    keep_january(books)
    result = _invoke(tmp_path, db, "trial-balance", "--from", "2026-01", "--to", "2026-01")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["account_code", "account_name", "opening_debit", "opening_credit", "period_debit",
                       "period_credit", "closing_debit", "closing_credit"]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["1002"] == ["1002", "银行存款", "0.00", "0.00", "600000.00", "128200.00", "471800.00", "0.00"]
    assert by_code[""][1] == "合计" and by_code[""][6] == by_code[""][7] == "568300.00"


def test_balance_sheet_and_income_statement_files(tmp_path, db, company, books):
    keep_january(books)
    out = tmp_path / "bs.csv"
    result = _invoke(tmp_path, db, "balance-sheet", "--period", "2026-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["line_no", "item", "closing_amount", "opening_amount"]
    lines = {r[0]: r for r in rows[1:] if r[0]}
    assert lines["30"] == ["30", "资产总计", "568300.00", "0.00"]
    assert lines["53"][2] == "568300.00"
    assert ["", "流动资产：", "", ""] in rows  # headings keep their place, without amounts

    xlsx = tmp_path / "is.xlsx"
    result = _invoke(tmp_path, db, "income-statement", "--period", "2026-01", "--out", str(xlsx))
    assert result.exit_code == 0, result.output
    ws = load_workbook(xlsx).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == ("line_no", "item", "period_amount", "year_to_date_amount")
    net = next(v for v in values[1:] if v[0] == 32)
    assert net[2] == 41800 and net[3] == 41800


def test_bad_period_is_refused_with_a_message(tmp_path, db, company, books):
    result = CliRunner().invoke(main, ["--config", _config(tmp_path, db), "--lang", "en", "report",
                                       "balance-sheet", "--period", "2026-1"], env={"ERP_DATABASE_URL": ""})
    assert result.exit_code == 3
    assert "YYYY-MM" in result.output
