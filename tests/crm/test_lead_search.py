"""The lead list's text search (erp_core/crm/leads/search.py) on every backend: the company or contact name
contains the text — found by an index (1–2 characters: the gram table; 3+: FTS5 trigram on SQLite, pg_trgm on
PostgreSQL, the rarest gram + LIKE on MariaDB) — and only that; an edited name is found by its new text only; merged and
deleted leads drop out; LIKE/FTS syntax in the text is taken literally. The capped count says "more"."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.models import CrmLead, CrmOwnerHistory


def _new(team, name: str, contact: str | None = None, phone: str | None = None) -> int:
    return ls.create_lead(team.db, team.admin, values={"company_name": name, "contact_name": contact,
                                                       "phone": phone, "source": "website"},
                          confirm_duplicates=True)


def _found(team, text: str, actor=None) -> set[str]:
    page = lq.list_leads(team.db, actor or team.admin, page_size=500, search=text)
    assert page.total == len(page.rows)
    return {r["company_name"] for r in page.rows}


@pytest.fixture
def leads(team):
    names = [("华为技术有限公司", "张三"), ("长沙华为代理商", "李四光"), ("湘潭电机股份", "王五"),
             ("ABC Trading 100%", "Mary"), ('引号"公司"_测试', None), ("株洲华联超市", "赵六")]
    return {n: _new(team, n, contact) for n, contact in names}


def test_search_finds_what_contains_the_text_and_only_that(team, leads):
    assert _found(team, "华为技术") == {"华为技术有限公司"}  # 4 characters: the index
    assert _found(team, "有限公司") == {"华为技术有限公司"}
    assert _found(team, "华为") == {"华为技术有限公司", "长沙华为代理商"}  # 2 characters: the scan
    assert _found(team, "华") == {"华为技术有限公司", "长沙华为代理商", "株洲华联超市"}
    assert _found(team, "李四光") == {"长沙华为代理商"}  # the contact name, 3 characters
    assert _found(team, "张三") == {"华为技术有限公司"}  # a 2-character contact name
    assert _found(team, "trading") == {"ABC Trading 100%"}  # case-insensitive on every backend
    assert _found(team, "不存在的公司") == set()
    assert _found(team, "华为电机") == set()  # every character, in order: not any of them


def test_search_text_is_literal(team, leads):
    assert _found(team, "100%") == {"ABC Trading 100%"}
    assert _found(team, "0%") == {"ABC Trading 100%"}
    assert _found(team, '"公司"_') == {'引号"公司"_测试'}  # quotes and LIKE wildcards are text, not syntax
    assert _found(team, "_测试") == {'引号"公司"_测试'}
    assert _found(team, "%") == {"ABC Trading 100%"}
    assert _found(team, "OR 华为") == set()  # no FTS operator gets through


def test_an_edited_name_is_found_by_its_new_text_only(team, leads):
    lead_id = leads["湘潭电机股份"]
    version = lq.get_lead(team.db, team.admin, lead_id=lead_id)["version"]
    ls.edit_lead(team.db, team.admin, lead_id=lead_id, version=version,
                 values={"company_name": "湘潭重工集团", "contact_name": "钱七"})
    assert _found(team, "湘潭电机") == set()
    assert _found(team, "王五") == set()
    assert _found(team, "湘潭重工") == {"湘潭重工集团"}
    assert _found(team, "钱七") == {"湘潭重工集团"}


def test_merged_and_deleted_leads_drop_out(team, leads):
    ls.merge_leads(team.db, team.admin, survivor_id=leads["华为技术有限公司"], duplicate_id=leads["长沙华为代理商"])
    assert _found(team, "华为") == {"华为技术有限公司"}
    assert _found(team, "长沙华为") == set()
    # a lead removed from the table (a purge by hand): its text leaves the index with it, so a new lead that
    # reuses its id (SQLite reuses the highest rowid) is not found by the old text
    last = max(leads.values())
    with team.db.uow() as uow:
        uow.session.execute(delete(CrmOwnerHistory).where(CrmOwnerHistory.lead_id == last))
        uow.session.execute(delete(CrmLead).where(CrmLead.id == last))
        uow.commit()
    assert _found(team, "株洲华联") == set()
    new_id = _new(team, "岳阳纸业", "孙八")
    assert _found(team, "株洲华联") == set()
    assert _found(team, "岳阳纸业") == {"岳阳纸业"}
    with team.db.uow(readonly=True) as uow:
        assert uow.session.execute(select(CrmLead.company_name).where(CrmLead.id == new_id)).scalar_one() == "岳阳纸业"


def test_search_keeps_the_row_scope(team, leads):
    li = team.actor("li")
    mine = _new(team, "华为长沙办事处", "周九")
    assert mine
    assert _found(team, "华为", li) == set()  # the admin's leads are not li's (no owner, no pool of li's)
    own = ls.create_lead(team.db, li, values={"company_name": "华为株洲办事处", "source": "phone"},
                         confirm_duplicates=True)
    assert own
    assert _found(team, "华为", li) == {"华为株洲办事处"}
    assert _found(team, "株洲办事", li) == {"华为株洲办事处"}


def test_the_count_is_capped_and_says_there_are_more(team, monkeypatch):
    for i in range(7):
        _new(team, f"封顶测试{i}号")
    monkeypatch.setattr(lq, "COUNT_CAP", 5)
    page = lq.list_leads(team.db, team.admin, page_size=2, search="封顶测试")
    assert (len(page.rows), page.total, page.capped) == (2, 5, True)
    page = lq.list_leads(team.db, team.admin, page_size=2, search="封顶测试6")
    assert (len(page.rows), page.total, page.capped) == (1, 1, False)
    monkeypatch.setattr(lq, "COUNT_CAP", 7)  # exactly the cap: still exact
    page = lq.list_leads(team.db, team.admin, page_size=2, search="封顶测试")
    assert (page.total, page.capped) == (7, False)


def test_the_search_index_is_there_on_each_backend(team, backend):
    """What the migration made: the FTS5 table and its three triggers on SQLite, the pg_trgm indexes on
    PostgreSQL (the extension is available on these machines); MariaDB has none (the LIKE scan)."""
    from sqlalchemy import text

    with team.db.uow(readonly=True) as uow:
        s = uow.session
        if backend == "sqlite":
            triggers = set(s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                          "AND tbl_name = 'crm_lead' AND name LIKE 'crm_lead_fts%'")).scalars())
            assert triggers == {"crm_lead_fts_ai", "crm_lead_fts_ad", "crm_lead_fts_au"}
            assert s.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'crm_lead_fts'")).scalar() == 1
        elif backend == "postgresql":
            found = set(s.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'crm_lead' "
                                       "AND indexdef LIKE '%gin_trgm_ops%'")).scalars())
            assert found == {"ix_crm_lead_company_name_trgm", "ix_crm_lead_contact_name_trgm"}
