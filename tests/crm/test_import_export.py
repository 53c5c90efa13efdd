"""`erp import leads` (dry run, duplicates row by row, all or nothing), the exports in scope, `erp crm recycle`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from erp_core.crm.leads import import_services as imp
from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.pools import services as ps
from erp_core.io.importer import DuplicatesNotConfirmed, ImportFailed, Table
from erp_core.io.registry import export_kinds, import_kinds

HEAD = ["公司名称", "联系人", "电话", "来源", "公海池"]


def test_dry_run_reports_problems_and_duplicates_row_by_row(team):
    ps.save_pool(team.db, team.admin, values={"code": "EAST", "name": "华东", "daily_claim_cap": 5})
    ls.create_lead(team.db, team.admin, values={"company_name": "已有客户", "phone": "13900000001"})
    table = Table(HEAD, [["甲公司", "张", "13900000001", "展会", "EAST"],   # phone of an existing lead
                         ["乙公司", "", "", "电视", ""],                   # unknown source
                         ["丙公司", "", "13700000000", "", "WEST"],       # unknown pool
                         ["丁公司", "", "13700000009", "referral", ""],
                         ["丁公司", "", "", "", ""]], "leads.csv")        # same name as row 5
    report = imp.dry_run_leads(team.db, team.admin, table)
    assert [(p.row, p.message_id) for p in report.problems] == [(3, "error.choice"), (4, "error.crm.unknown_pool")]
    assert [(w.row, w.message_id) for w in report.warnings] == [(2, "error.crm.import_duplicate"),
                                                                (6, "error.crm.import_duplicate_row")]
    with pytest.raises(ImportFailed):
        imp.import_leads(team.db, team.admin, table)
    assert lq.list_leads(team.db, team.admin).total == 1  # nothing written


def test_commit_needs_confirmed_duplicates_and_places_leads(team):
    pid = ps.save_pool(team.db, team.admin, values={"code": "EAST", "name": "华东", "daily_claim_cap": 5})
    table = Table(HEAD, [["甲公司", "张", "13900000001", "展会", "EAST"], ["乙公司", "", "", "", ""],
                         ["甲公司", "", "", "", ""]], "leads.csv")
    with pytest.raises(DuplicatesNotConfirmed):
        imp.import_leads(team.db, team.admin, table)
    report = imp.import_leads(team.db, team.admin, table, confirm_duplicates=True)
    assert report.created == 3
    rows = {(r["company_name"], r["pool_id"], r["owner_id"], r["source"])
            for r in lq.list_leads(team.db, team.admin).rows}
    assert rows == {("甲公司", pid, None, "exhibition"), ("乙公司", None, team.admin.user_id, "import"),
                    ("甲公司", None, team.admin.user_id, "import")}


def test_exports_are_registered_and_scoped(team):
    assert "leads" in import_kinds() and {"leads", "opportunities", "tickets"} <= set(export_kinds())
    ls.create_lead(team.db, team.actor("li"), values={"company_name": "李记五金"})
    ls.create_lead(team.db, team.actor("zhao"), values={"company_name": "赵氏电器"})
    f = export_kinds()["leads"].export(team.db, team.actor("li"), fmt="csv", locale="zh_CN")
    text = f.data.decode("utf-8-sig")
    assert "李记五金" in text and "赵氏电器" not in text and f.rows == 1
    x = export_kinds()["tickets"].export(team.db, team.admin, fmt="xlsx", locale="en")
    assert x.filename == "tickets.xlsx" and x.rows == 0


def test_cli_recycle_on_a_fresh_install(tmp_path):
    from erp_core.cli import main

    conf = tmp_path / "config.toml"
    conf.write_text('[database]\nurl = "sqlite:///erp.db"\n[app]\ndata_dir = "data"\ndefault_locale = "en"\n',
                    encoding="utf-8")
    env = {"ERP_CONFIG": str(conf), "ERP_DATABASE_URL": None, "ERP_LANG": None}
    assert CliRunner().invoke(main, ["migrate"], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["crm", "recycle"], env=env, catch_exceptions=False)
    assert result.exit_code == 0 and "Recycled 0, warned 0" in result.output


