"""The lead list's total (the pager's) is exact on every page: read from the page itself when the page is the last
one (not full), counted otherwise — a text search that matches a few leads reads the table once (bench_crm.py)."""

from __future__ import annotations

from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls


def test_the_total_is_exact_on_full_last_and_past_the_end_pages(team):
    for i in range(7):
        ls.create_lead(team.db, team.admin, values={"company_name": f"星城测试{i}号公司", "source": "website",
                                                    "phone": f"1397310{i:04d}"}, confirm_duplicates=True)
    ls.create_lead(team.db, team.admin, values={"company_name": "麓谷其他", "source": "phone"},
                   confirm_duplicates=True)
    pages = [lq.list_leads(team.db, team.admin, page=p, page_size=3, search="星城测试") for p in (1, 2, 3, 4)]
    assert [(len(pg.rows), pg.total) for pg in pages] == [(3, 7), (3, 7), (1, 7), (0, 7)]
    assert [r["company_name"] for pg in pages for r in pg.rows] == [f"星城测试{i}号公司" for i in range(6, -1, -1)]
    assert lq.list_leads(team.db, team.admin, search="星城测试3").total == 1
    assert lq.list_leads(team.db, team.admin, search="没有这家").total == 0
    assert lq.list_leads(team.db, team.admin, page_size=8).total == 8  # exactly one full page: counted
    assert lq.list_leads(team.db, team.admin, count=False).total == -1
