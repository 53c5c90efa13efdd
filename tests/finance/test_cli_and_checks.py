"""`erp import vouchers` end to end through the command, and the ledger invariants of `erp check`."""

from __future__ import annotations

import threading
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select, text

from erp_core.cli import main
from erp_core.cli.base import EXIT_OK, EXIT_VIOLATIONS
from erp_core.db.append_only import drop_ddl
from erp_core.finance.models import Voucher
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.invariants import ledger_problems
from erp_core.ledger.models import GlLine
from erp_core.ledger.posting import post_voucher
from tests.finance.support import DAY, accountant, line

HEADER = "date,voucher_type,voucher_no,line_no,account_code,summary,debit,credit,department,project,partner\n"


def _erp(conf: Path, *args: str):
    env = {"ERP_CONFIG": str(conf), "ERP_DATABASE_URL": None, "ERP_LANG": None}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _install(tmp_path, db_url: str) -> Path:
    conf = tmp_path / "config.toml"
    conf.write_text(f'[database]\nurl = "{db_url}"\n[app]\ndata_dir = "data"\ndefault_locale = "zh_CN"\n',
                    encoding="utf-8")
    return conf


def _count(db, model, **where):
    with db.uow(readonly=True) as uow:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return uow.session.execute(stmt).scalar_one()


def test_cli_import_csv_and_xlsx(tmp_path, db, db_url, company):
    conf = _install(tmp_path, db_url)
    good = tmp_path / "v.csv"
    good.write_text("\ufeff" + HEADER + "2026-11-03,记,1,1,5601,广告费,300.00,,,,\n"
                    "2026-11-03,记,1,2,1002,广告费,,300.00,,,\n", encoding="utf-8")
    result = _erp(conf, "import", "vouchers", str(good), "--post")
    assert result.exit_code != EXIT_OK and "erp finance import-posting --allow" in result.output
    assert _count(db, Voucher) == 0  # posting on import needs the company's switch (maker-checker otherwise)
    result = _erp(conf, "finance", "import-posting", "--allow")
    assert result.exit_code == EXIT_OK, result.output
    result = _erp(conf, "import", "vouchers", str(good), "--post")
    assert result.exit_code == EXIT_OK, result.output
    assert "已导入并过账 1 张凭证" in result.output
    assert _count(db, Voucher, status="posted") == 1 and _count(db, GlLine) == 2

    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "凭证字", "凭证号", "科目编码", "摘要", "借方", "贷方"])
    ws.append(["2026-11-04", "记", "7", "1001", "提现", 50, None])
    ws.append(["2026-11-04", "记", "7", "1002", "提现", None, 50])
    wb.save(tmp_path / "v.xlsx")
    result = _erp(conf, "import", "vouchers", str(tmp_path / "v.xlsx"))
    assert result.exit_code == EXIT_OK, result.output
    assert _count(db, Voucher, status="draft", source="import") == 1


def test_cli_import_with_problems_exits_1_and_writes_nothing(tmp_path, db, db_url, company):
    conf = _install(tmp_path, db_url)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2026-11-03,记,1,1,5601,广告费,300.00,,,,\n"
                   "2026-11-03,记,1,2,9999,广告费,,300.00,,,\n", encoding="utf-8")
    _erp(conf, "finance", "import-posting", "--allow")
    result = _erp(conf, "import", "vouchers", str(bad), "--post")
    assert result.exit_code == EXIT_VIOLATIONS
    assert "3" in result.output and "9999" in result.output  # sheet row 3 names the unknown account
    assert _count(db, Voucher) == 0 and _count(db, GlLine) == 0


def test_clean_ledger_has_no_problems_and_tampering_is_found(db, company, backend):
    a, b = accountant(company.company_id), accountant(company.company_id)
    for _ in range(3):
        vid = create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="10"), line("5001", credit="10")])
        review_voucher(db, b, voucher_id=vid)
        post_voucher(db, b, voucher_id=vid)
    with db.uow(readonly=True) as uow:
        assert ledger_problems(uow.session) == []
    # someone with database access drops the guard and edits a ledger row: the check finds it
    with db.engine.begin() as conn:
        for stmt in drop_ddl(db.engine.dialect.name, "gl_line"):
            conn.execute(text(stmt))
        conn.execute(text("UPDATE gl_line SET debit = 999 WHERE posting_seq = 1"))
    with db.uow(readonly=True) as uow:
        found = {p.message_id for p in ledger_problems(uow.session)}
    assert {"check.problem.ledger.voucher_unbalanced", "check.problem.ledger.trial_balance"} <= found


def test_concurrent_posting_keeps_sequences_gap_free(db, company, backend):
    """Four posters at once: posting_seq and voucher numbers stay gap-free and unique."""
    a, b = accountant(company.company_id), accountant(company.company_id)
    ids = [create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit=str(n + 1)),
                                                           line("5001", credit=str(n + 1))]) for n in range(24)]
    for vid in ids:
        review_voucher(db, b, voucher_id=vid)
    errors: list[BaseException] = []

    def poster(chunk):
        try:
            for vid in chunk:
                post_voucher(db, b, voucher_id=vid)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=poster, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with db.uow(readonly=True) as uow:
        seqs = list(uow.session.execute(select(GlLine.posting_seq).order_by(GlLine.posting_seq)).scalars())
        assert ledger_problems(uow.session) == []
    assert seqs == list(range(1, 49))
