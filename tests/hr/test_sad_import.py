"""专项附加扣除 from the tax client's 正常工资薪金所得 file (`erp import sad-ytd`), on every backend: a round trip
through our own declaration export (the month amounts are the differences of the 累计 figures), the header row
found below a title row, the 工号 fallback, and the refusals (every problem listed, nothing written)."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.hr.payroll.models import PayrollInput
from erp_core.hr.payroll.sad_import_services import import_sad_ytd
from erp_core.io.export import to_csv_bytes
from erp_core.io.importer import ImportFailed
from erp_core.io.reading import Table, read_table
from erp_core.kernel.errors import Conflict
from tests.hr.support import build

ID1, ID2 = "110105198001011238", "430102199002024567"


@pytest.fixture
def env(db, company):
    e = build(db, company=company)
    hr.save_profile(db, e.admin, employee_id=e.employees["E001"], values={"id_number": ID1})
    hr.save_profile(db, e.admin, employee_id=e.employees["E002"], values={"id_number": ID2})
    # January: E001 has 2,000 child education on top of the 1,000 housing loan of the salary structure
    pay.set_payroll_input(db, e.admin, employee_id=e.employees["E001"], period="2026-01",
                          item_code="sad_child_education", amount=D(2000))
    e.jan = pay.create_payroll_run(db, e.admin, period="2026-01")
    pay.approve_payroll_run(db, e.admin, run_id=e.jan)
    return e


def _inputs(db, env, period="2026-02"):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(PayrollInput.employee_id, PayrollInput.item_code, PayrollInput.amount)
                                   .where(PayrollInput.company_id == env.company_id,
                                          PayrollInput.period == period)).all()
    names = {v: k for k, v in env.employees.items()}
    return {(names[e], c): a for e, c, a in rows}


def _count(db):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(PayrollInput)).scalar_one()


def _export(db, env):
    """Our own 个税扣缴申报 export of January, as the page writes it (CSV)."""
    rows = pq.iit_declaration_rows(db, env.admin, run_id=env.jan)
    heads = list(rows[0])
    return heads, [[r[h] for h in heads] for r in rows]


def _xlsx(title: str | None, heads, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(heads)
    for r in rows:
        ws.append([float(v) if isinstance(v, D) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_round_trip_month_amounts_are_the_differences(db, env):
    heads, rows = _export(db, env)
    by_code = {r[0]: dict(zip(heads, r, strict=True)) for r in rows}
    assert by_code["E001"]["*证件号码"] == ID1 and by_code["E001"]["累计子女教育"] == D(2000)
    assert by_code["E001"]["累计住房贷款利息"] == D(1000)
    # what the client writes after 下载更新专项附加扣除 for February (year-to-date through February)
    by_code["E001"].update({"累计子女教育": D(4000), "累计住房贷款利息": D(2000), "累计赡养老人": D(3000)})
    by_code["E002"].update({"累计继续教育": "400", "累计3岁以下婴幼儿照护": "2000.50"})
    data = _xlsx("综合所得申报 正常工资薪金所得", heads, [[by_code[c][h] for h in heads] for c in ("E001", "E002")])
    report = import_sad_ytd(db, env.admin, table=read_table(data, "正常工资薪金所得.xlsx"), period="2026-02")
    assert report.committed and report.rows == 2 and report.created == 12
    got = _inputs(db, env)
    assert got[("E001", "sad_child_education")] == D(2000)
    assert got[("E001", "sad_housing_loan")] == D(1000)
    assert got[("E001", "sad_elderly_support")] == D(3000)
    assert got[("E001", "sad_housing_rent")] == 0 and got[("E001", "sad_infant_care")] == 0
    assert got[("E002", "sad_continuing_education")] == D(400)
    assert got[("E002", "sad_infant_care")] == D("2000.50")
    # the payroll uses them, and February's export carries the file's year-to-date back
    feb = pay.create_payroll_run(db, env.admin, period="2026-02")
    slips = {s["employee_code"]: s for s in pq.run_detail(db, env.admin, run_id=feb)["payslips"]}
    assert slips["E001"]["special_deductions"] == D(6000)
    assert slips["E002"]["special_deductions"] == D("2400.50")
    pay.approve_payroll_run(db, env.admin, run_id=feb)
    decl = {r["工号"]: r for r in pq.iit_declaration_rows(db, env.admin, run_id=feb)}
    assert (decl["E001"]["累计子女教育"], decl["E001"]["累计赡养老人"]) == (D(4000), D(3000))
    assert decl["E002"]["累计3岁以下婴幼儿照护"] == D("2000.50")


def test_import_again_replaces_the_month_and_id_or_code(db, env):
    heads = ["工号", "姓名", "证件号码", "累计子女教育", "累计继续教育", "累计住房贷款利息", "累计住房租金", "累计赡养老人"]
    first = Table(heads, [["E001", "张三", ID1.lower()[:-1] + ID1[-1], "5000", "", "1000", "0", "0"]], "a.csv")
    import_sad_ytd(db, env.admin, table=first, period="2026-02")
    assert _inputs(db, env)[("E001", "sad_child_education")] == D(3000)
    # no ID number in the file's row: the 工号 finds the employee; the month's amounts are replaced
    again = Table(heads, [["E001", "张三", "", "4500", "0", "2000", "0", "0"]], "b.csv")
    import_sad_ytd(db, env.admin, table=again, period="2026-02")
    got = _inputs(db, env)
    assert (got[("E001", "sad_child_education")], got[("E001", "sad_housing_loan")]) == (D(2500), D(1000))
    assert ("E002", "sad_child_education") not in got  # employees not in the file are left alone
    # a dry run checks and writes nothing
    before = _count(db)
    dry = Table(heads, [["E002", "李四", ID2, "100", "0", "0", "0", "0"]], "c.csv")
    assert import_sad_ytd(db, env.admin, table=dry, period="2026-02", dry_run=True).committed is False
    assert _count(db) == before


def test_every_problem_listed_nothing_written(db, env):
    heads = ["工号", "*证件号码", "累计子女教育", "累计继续教育", "累计住房贷款利息", "累计住房租金", "累计赡养老人"]
    rows = [["E001", ID1, "1000", "0", "1000", "0", "abc"],           # YTD below January's 2,000; unreadable
            ["", "110105194912310037", "0", "0", "0", "0", "0"],      # nobody's ID number
            ["E002", ID2, "0", "-5", "0", "0", "1.001"],              # negative, three decimals
            ["E002", ID2, "0", "0", "0", "0", "0"]]                   # the same employee twice
    before = _count(db)
    with pytest.raises(ImportFailed) as err:
        import_sad_ytd(db, env.admin, table=Table(heads, rows, "bad.csv"), period="2026-02")
    problems = [(p.row, p.column, p.message_id) for p in err.value.report.problems]
    assert problems == [(2, "累计子女教育", "error.sad.went_down"), (2, "累计赡养老人", "error.sad.number"),
                        (3, "*证件号码", "error.sad.unknown_employee"),
                        (4, "累计继续教育", "error.sad.number"), (4, "累计赡养老人", "error.sad.number"),
                        (5, "*证件号码", "error.sad.duplicate")]
    text = err.value.report.problems[0].render("zh_CN")
    assert "2000.00" in text and "累计子女教育" in text
    assert "year-to-date" in err.value.report.problems[0].render("en")
    assert _count(db) == before
    # a missing column: named, nothing written
    short = Table(heads[:-1], [r[:-1] for r in rows], "short.csv")
    with pytest.raises(ImportFailed) as err:
        import_sad_ytd(db, env.admin, table=short, period="2026-02")
    assert [(p.column, p.message_id) for p in err.value.report.problems] == [
        ("累计赡养老人", "error.import.missing_column")]
    with pytest.raises(ImportFailed) as err:  # no header row at all
        import_sad_ytd(db, env.admin, table=Table(["a", "b"], [["1", "2"]], "x.csv"), period="2026-02")
    assert {p.column for p in err.value.report.problems} == {"证件号码", *heads[2:]}
    assert _count(db) == before


def test_locked_period_refused(db, env):
    heads = ["证件号码", "累计子女教育", "累计继续教育", "累计住房贷款利息", "累计住房租金", "累计赡养老人"]
    before = _count(db)
    with pytest.raises(ImportFailed) as err:
        import_sad_ytd(db, env.admin, table=Table(heads, [[ID1, "2000", "0", "1000", "0", "0"]], "j.csv"),
                       period="2026-01")
    assert [p.message_id for p in err.value.report.problems] == ["error.hr.period_locked"]
    with pytest.raises(ImportFailed):
        import_sad_ytd(db, env.admin, table=Table(heads, [[ID1, "0", "0", "0", "0", "0"]], "j.csv"),
                       period="2026-13")
    assert _count(db) == before
    with pytest.raises(Conflict):  # and the single entry refuses it likewise
        pay.set_payroll_input(db, env.admin, employee_id=env.employees["E001"], period="2026-01",
                              item_code="sad_child_education", amount=D(1))


def test_cli_csv(db, env, erp_cli, tmp_path):
    heads, rows = _export(db, env)
    rows = [[D(3000) if h == "累计子女教育" and r[0] == "E001" else v for h, v in zip(heads, r, strict=True)]
            for r in rows]
    path = tmp_path / "sad.csv"
    path.write_bytes(to_csv_bytes(heads, rows))
    result = erp_cli("import", "sad-ytd", str(path), "--period", "2026-02")
    assert result.exit_code == 0, result.output
    assert _inputs(db, env)[("E001", "sad_child_education")] == D(1000)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv_bytes(heads, [[("999" if h == "*证件号码" else v) for h, v in zip(heads, rows[0],
                                                                                           strict=True)]]))
    result = erp_cli("import", "sad-ytd", str(bad), "--period", "2026-02")
    assert result.exit_code == 1 and "999" in result.output
