"""Payroll outputs checked by content (issue #14 audit), on every backend: the bank transfer file in CSV and XLSX
(name, account, amount = net pay; accounts masked without the permission), the social insurance and housing
fund report against the payslips, payslips visible to the employee themselves only (locked runs), the HR
dashboard's figures, and `erp report payroll --format xlsx --out FILE`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest

from erp_core.hr.dashboard_queries import hr_dashboard
from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
from erp_core.kernel.errors import PermissionDenied
from tests.hr.support import build
from tests.support.factories import actor


@pytest.fixture
def env(db, company):
    return build(db, company=company)


def _locked(db, env, period):
    run_id = pay.create_payroll_run(db, env.admin, period=period)
    pay.approve_payroll_run(db, env.admin, run_id=run_id)
    return run_id


def test_bank_transfer_file_csv_and_xlsx(db, env):
    run_id = _locked(db, env, "2026-01")
    rows = pq.bank_transfer_rows(db, env.admin, run_id=run_id)
    net = {s["employee_code"]: s["net_pay"] for s in pq.run_detail(db, env.admin, run_id=run_id)["payslips"]}
    assert [(r["name"], r["bank"], r["account"], r["amount"]) for r in rows] == [
        ("张三", "招商银行", "6225880112345678", net["E001"]), ("李四", "招商银行", "6225880112345678", net["E002"])]
    assert net["E001"] == D("8104.90")
    heads = ["name", "account", "amount"]
    data = [[r[h] for h in heads] for r in rows]
    text = to_csv_bytes(heads, data).decode("utf-8-sig")
    got = list(csv.reader(io.StringIO(text)))
    assert got[0] == heads and got[1] == ["张三", "6225880112345678", "8104.90"]
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(heads, data))).active
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == heads and values[1][0] == "张三" and str(values[1][1]) == "6225880112345678"
    assert D(str(values[1][2])) == D("8104.90")
    # a payroll reader without hr.sensitive.reveal gets masked account numbers
    reader = actor(env.company_id, {"hr.payroll.read": "all"})
    assert {r["account"] for r in pq.bank_transfer_rows(db, reader, run_id=run_id)} == {"622*********5678"}


def test_social_insurance_and_housing_fund_report_matches_the_payslips(db, env):
    _locked(db, env, "2026-01")
    rows = {r["employee_code"]: r for r in pq.insurance_report(db, env.admin, period="2026-01")}
    e1, e2 = rows["E001"], rows["E002"]
    assert (e1["insurance_base"], e1["employer_si"], e1["employee_si"], e1["employer_hf"], e1["employee_hf"]) == (
        D(10000), D(2510), D(1030), D(800), D(800))
    assert e2["insurance_base"] == D(19000) and e2["total"] == D(4769) + D(1957) + D(1520) + D(1520)


def test_an_employee_sees_only_their_own_payslips_of_locked_runs(db, env):
    from erp_core.security.user_services import create_user

    u1 = create_user(db, env.admin, username="zhangsan", display_name="张三", password="Zs-Very-Long-Pass-1!")
    u2 = create_user(db, env.admin, username="lisi", display_name="李四", password="Ls-Very-Long-Pass-1!")
    hr.save_profile(db, env.admin, employee_id=env.employees["E001"], values={"user_id": u1})
    hr.save_profile(db, env.admin, employee_id=env.employees["E002"], values={"user_id": u2})
    _locked(db, env, "2026-01")
    pay.create_payroll_run(db, env.admin, period="2026-02")  # a draft: nobody's payslip yet
    zhang = actor(env.company_id, {"hr.payslip.own": "own"}, user_id=u1, username="zhangsan")
    mine = pq.my_payslips(db, zhang)
    assert [(s["employee_code"], s["period"]) for s in mine] == [("E001", "2026-01")]
    assert mine[0]["net_pay"] == D("8104.90")
    li = actor(env.company_id, {"hr.payslip.own": "own"}, user_id=u2, username="lisi")
    assert [s["employee_code"] for s in pq.my_payslips(db, li)] == ["E002"]
    stranger = actor(env.company_id, {"hr.payslip.own": "own"})
    assert pq.my_payslips(db, stranger) == []
    with pytest.raises(PermissionDenied):  # the own-payslip grant reaches nobody else's pay
        pq.payroll_report(db, zhang, period="2026-01")


def test_hr_dashboard_figures(db, env):
    hr.record_status_change(db, env.admin, employee_id=env.employees["E002"], kind="leave",
                            effective_date=dt.date(2026, 2, 28))
    hr.record_status_change(db, env.admin, employee_id=env.employees["E001"], kind="hire",
                            effective_date=dt.date(2020, 3, 1))
    _locked(db, env, "2026-01")
    _locked(db, env, "2026-02")
    d = hr_dashboard(db, env.admin, year=2026, month=2)
    assert d["headcount"] == [{"department": "管理部", "employees": 1}]  # E002 left
    assert d["moves"] == [{"period": "2026-02", "hires": 0, "leavers": 1}]
    jan, feb = d["cost"]
    assert (jan["period"], jan["gross_pay"], jan["employer_contributions"], jan["employees"]) == (
        "2026-01", D(40000), D(2510) + D(800) + D(4769) + D(1520), 2)
    assert feb["gross_pay"] == D(40000)  # E002 was employed until 28 February
    assert {e["employee_id"] for e in d["exceptions"]} == set(env.employees.values())  # no punches: absent


def test_cli_payroll_report_as_xlsx_file(db, env, erp_cli, tmp_path):
    _locked(db, env, "2026-01")
    out = tmp_path / "payroll.xlsx"
    result = erp_cli("report", "payroll", "--period", "2026-01", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    values = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert list(values[0]) == ["employee_code", "employee_name", "gross_pay", "employee_social_insurance",
                               "employee_housing_fund", "special_additional_deductions", "cumulative_taxable_income",
                               "iit_withheld", "net_pay"]
    e1 = next(v for v in values[1:] if v[0] == "E001")
    assert D(str(e1[2])) == D(10000) and D(str(e1[7])) == D("65.10") and D(str(e1[8])) == D("8104.90")


def test_the_employees_own_view_of_attendance_and_leave_balances(db, env):
    from erp_core.hr.attendance import queries as aq
    from erp_core.hr.attendance import services as att
    from erp_core.security.user_services import create_user

    u1 = create_user(db, env.admin, username="zhangsan", display_name="张三", password="Zs-Very-Long-Pass-1!")
    hr.save_profile(db, env.admin, employee_id=env.employees["E001"], values={"user_id": u1})
    att.import_punches(db, env.admin, fmt="zkteco", content="E001\t2026-03-02 08:55:00\t0\t1\t0\t0\n"
                                                             "E001\t2026-03-02 18:05:00\t1\t1\t0\t0\n"
                                                             "E002\t2026-03-02 08:55:00\t0\t1\t0\t0\n")
    att.request_leave(db, env.admin, employee_id=env.employees["E001"], kind_code="annual",
                      start_date=dt.date(2026, 3, 3), end_date=dt.date(2026, 3, 4))
    zhang = actor(env.company_id, {"hr.payslip.own": "own"}, user_id=u1, username="zhangsan")
    (mine,) = aq.my_attendance(db, zhang, period="2026-03")
    assert (mine["employee_code"], mine["worked"], mine["leave_days"]) == ("E001", 1, 2)
    bal = aq.my_leave_balances(db, zhang, year=2026)
    assert {(b["employee_code"], b["kind"], b["used"], b["left"]) for b in bal} == {("E001", "annual", 2, 3)}
    stranger = actor(env.company_id, {"hr.payslip.own": "own"})
    assert aq.my_attendance(db, stranger, period="2026-03") == [] and aq.my_leave_balances(db, stranger, year=2026) == []
