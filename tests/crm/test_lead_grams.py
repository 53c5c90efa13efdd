"""1–2 character lead searches are complete (issue #15): the gram table (migration 0043_crm5, kept by triggers)
finds every matching lead the actor may see — an old one too, where the list used to read only the newest
100,000 leads (``SCAN_BOUND``, made small here: the old code fails these tests) — on every backend; renamed,
merged, imported and Core-inserted leads keep it right; the row scope still applies."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text

from erp_core.crm.leads import import_services as imp
from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.models import CrmLead
from erp_core.io.importer import Table


def _new(team, name: str, contact: str | None = None, actor=None) -> int:
    return ls.create_lead(team.db, actor or team.admin, values={"company_name": name, "contact_name": contact,
                                                                "source": "website"}, confirm_duplicates=True)


def _found(team, text_: str, actor=None, **filters) -> list[str]:
    page = lq.list_leads(team.db, actor or team.admin, page_size=500, search=text_, **filters)
    assert page.total == len(page.rows)
    return [r["company_name"] for r in page.rows]


def _expected_grams(*names: str | None) -> set[str]:
    """What the triggers must hold for a lead: every 1- and 2-character substring, lower-cased (ASCII and CJK
    only in these tests, where Python's lower() and every database's agree)."""
    out: set[str] = set()
    for n in names:
        n = n or ""
        out |= {n[i:i + k].lower() for k in (1, 2) for i in range(len(n) - k + 1)}
    return out


def _grams(team, lead_id: int) -> set[str]:
    with team.db.uow(readonly=True) as uow:
        return set(uow.session.execute(text("SELECT gram FROM crm_lead_gram WHERE lead_id = :l"),
                                       {"l": lead_id}).scalars())


@pytest.fixture
def old_and_new(team, monkeypatch):
    """An old lead 华为老客户 / contact 张三, then 5 newer leads; the old list would have searched the newest 2."""
    old = _new(team, "华为老客户", "张三")
    for i in range(5):
        _new(team, f"新线索{i}号", "李四")
    monkeypatch.setattr(lq, "SCAN_BOUND", 2, raising=False)  # the old window, had it stayed
    return old


def test_a_short_search_finds_an_old_lead_beyond_the_old_window(team, old_and_new):
    assert _found(team, "华为") == ["华为老客户"]  # 2 characters
    assert _found(team, "华") == ["华为老客户"]  # 1 character
    assert _found(team, "张三") == ["华为老客户"]  # the contact name
    assert _found(team, "老客户") == ["华为老客户"]  # 3 characters: the trigram index / MariaDB's rarest gram
    assert _found(team, "李四") == [f"新线索{i}号" for i in range(4, -1, -1)]  # newest first
    assert len(lq.export_leads(team.db, team.admin, search="华")[1]) == 1


def test_no_match_and_literal_text(team, old_and_new):
    assert _found(team, "京") == []
    assert _found(team, "为华") == []  # both characters, in order
    assert _found(team, "%") == [] and _found(team, "_") == []  # LIKE wildcards are text
    page = lq.list_leads(team.db, team.admin, page_size=2, search="号")
    assert (len(page.rows), page.total, page.capped) == (2, 5, False)  # the pager counts the gram's leads


def test_case_is_ignored_for_latin_letters(team):
    _new(team, "ABC Trading", "Mary")
    assert _found(team, "ab") == ["ABC Trading"]
    assert _found(team, "T") == ["ABC Trading"]
    assert _found(team, "rY") == ["ABC Trading"]


def test_a_renamed_lead_is_found_by_its_new_grams_only(team, old_and_new):
    version = lq.get_lead(team.db, team.admin, lead_id=old_and_new)["version"]
    ls.edit_lead(team.db, team.admin, lead_id=old_and_new, version=version,
                 values={"company_name": "湘潭重工", "contact_name": "钱七"})
    assert _found(team, "华为") == [] and _found(team, "张") == []
    assert _found(team, "重工") == ["湘潭重工"] and _found(team, "钱") == ["湘潭重工"]
    assert _grams(team, old_and_new) == _expected_grams("湘潭重工", "钱七")


def test_a_merged_lead_drops_out_and_fills_the_survivor(team):
    survivor = _new(team, "华为技术", None)
    duplicate = _new(team, "华为代理", "王五")
    ls.merge_leads(team.db, team.admin, survivor_id=survivor, duplicate_id=duplicate)
    assert _found(team, "华为") == ["华为技术"]
    assert _found(team, "代理") == []
    assert _found(team, "王五") == ["华为技术"]  # the contact taken over by the survivor: its grams too
    assert _grams(team, survivor) == _expected_grams("华为技术", "王五")


def test_imported_and_core_inserted_leads_are_found(team):
    imp.import_leads(team.db, team.admin, Table(["公司名称", "联系人"], [["株洲导入", "赵六"]], "leads.csv"))
    with team.db.uow() as uow:  # a bulk Core insert (as bench_crm.py loads 1 M leads): the triggers still run
        new_id = uow.session.execute(insert(CrmLead).returning(CrmLead.id), [{
            "company_id": team.company_id, "source": "website", "company_name": "岳阳纸业", "name_key": "岳阳纸业",
            "status": "new", "owner_id": team.admin.user_id, "version": 1}]).scalar_one()
        uow.commit()
    assert _found(team, "导入") == ["株洲导入"] and _found(team, "六") == ["株洲导入"]
    assert _found(team, "纸") == ["岳阳纸业"]
    assert _grams(team, new_id) == _expected_grams("岳阳纸业")


def test_a_deleted_lead_leaves_no_grams(team):
    lead_id = _new(team, "删除测试", "孙八")
    with team.db.uow() as uow:
        uow.session.execute(text("DELETE FROM crm_owner_history WHERE lead_id = :l"), {"l": lead_id})
        uow.session.execute(text("DELETE FROM crm_lead WHERE id = :l"), {"l": lead_id})
        uow.commit()
    assert _grams(team, lead_id) == set()


def test_a_salesperson_never_finds_anothers_lead_by_a_short_search(team, old_and_new):
    li = team.actor("li")
    assert _found(team, "华", li) == [] and _found(team, "华为", li) == []
    assert _found(team, "华", li, owner="pool") == []
    assert _found(team, "华", li, owner="mine") == []  # the owner filter checks the gram per lead (EXISTS)
    own = _new(team, "华为株洲", None, actor=li)
    assert own
    assert _found(team, "华", li) == ["华为株洲"]
    assert _found(team, "华为", li, owner="mine") == ["华为株洲"]
    assert _found(team, "华为", li, owner="mine", status="lost") == []
    assert _found(team, "华为", owner=team.users["li"]) == ["华为株洲"]  # the manager, one owner's leads
    assert _found(team, "华为") == ["华为株洲", "华为老客户"]


def test_the_gram_table_is_made_by_the_migration(team, backend):
    with team.db.uow(readonly=True) as uow:
        s = uow.session
        if backend == "sqlite":
            names = set(s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                       "AND name LIKE 'crm_lead_gram%'")).scalars())
        elif backend == "postgresql":
            names = set(s.execute(text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'crm_lead_gram%'"))
                        .scalars())
        else:
            names = set(s.execute(text("SELECT trigger_name FROM information_schema.triggers WHERE "
                                       "trigger_schema = DATABASE() AND trigger_name LIKE 'crm_lead_gram%'"))
                        .scalars())
        assert names == {"crm_lead_gram_ai", "crm_lead_gram_ad", "crm_lead_gram_au"}
        assert s.execute(select(text("count(*)")).select_from(text("crm_lead_gram"))).scalar_one() == 0


@pytest.mark.parametrize("rare_cap, sample", [(5_000, 1_000), (1, 2), (1, 1_000)])
def test_every_plan_gives_the_same_leads(team, monkeypatch, rare_cap, sample):
    """A filter with a common gram: the gram drives, or the filter's index drives and the gram is checked per
    lead (chosen by sampling: _gram_drives) — forced each way here by making every gram common (RARE_CAP=1) and
    the sample small or large; the leads found, their order and the count do not change."""
    from erp_core.crm.leads import search as sm

    li = team.actor("li")
    made = []
    for i in range(6):
        lead = _new(team, f"华{i}号", None, actor=li if i % 2 else None)
        made.append(lead)
    version = lq.get_lead(team.db, team.admin, lead_id=made[4])["version"]
    ls.change_lead_status(team.db, team.admin, lead_id=made[4], version=version, action="lose",
                          lost_reason="预算不足")
    monkeypatch.setattr(sm, "RARE_CAP", rare_cap)
    monkeypatch.setattr(lq, "SAMPLE", sample)
    assert _found(team, "华") == [f"华{i}号" for i in range(5, -1, -1)]
    assert _found(team, "华", status="lost") == ["华4号"]
    assert _found(team, "华", owner=team.users["li"]) == ["华5号", "华3号", "华1号"]
    assert _found(team, "华", li, owner="mine") == ["华5号", "华3号", "华1号"]
    assert _found(team, "号", li) == ["华5号", "华3号", "华1号"]  # the salesperson's scope, no filter
    assert _found(team, "华", status="open", source="website") == ["华5号", "华3号", "华2号", "华1号", "华0号"]
    page = lq.list_leads(team.db, team.admin, page_size=2, search="号", status="open")
    assert ([r["company_name"] for r in page.rows], page.total) == (["华5号", "华3号"], 5)
    assert _found(team, "京", status="open") == []
