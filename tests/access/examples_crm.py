"""Access examples for the CRM (erp_core/crm): leads, pools, follow-ups, opportunities, tickets, dashboard."""

import datetime as dt

from erp_core.crm.followups import services as fs
from erp_core.crm.leads import services as ls
from erp_core.crm.opportunities import services as os_
from erp_core.crm.pools import services as ps
from erp_core.crm.service import services as ts
from erp_core.masterdata import partners_services
from tests.access.examples import example

CRM = "erp_core.crm."


def _pool(env) -> int:
    code = env.unique("POOL")
    return env.call(ps.save_pool, values={"code": code, "name": code, "daily_claim_cap": 5})


def _lead(env, *, pool: int | None = None) -> int:
    name = env.unique("线索公司")
    return env.call(ls.create_lead, values={"company_name": name, "phone": None}, pool_id=pool,
                    assign="pool" if pool else "self", confirm_duplicates=True)


def _customer(env) -> int:
    code = env.unique("CRMC")
    return env.call(partners_services.create_customer, values={"code": code, "name": code + "客户"},
                    confirm_duplicates=True)


def _opportunity(env) -> int:
    return env.call(os_.create_opportunity, customer_id=_customer(env), name="商机", amount="1000",
                    close_date=dt.date(2026, 6, 30))


def _ticket(env) -> int:
    return env.call(ts.create_ticket, customer_id=_customer(env), title="故障", problem_kind="fault")


@example(CRM + "leads.services.create_lead")
def _(env):
    return {"values": {"company_name": env.unique("新线索"), "source": "website"}, "confirm_duplicates": True}


@example(CRM + "leads.services.edit_lead")
def _(env):
    return {"lead_id": _lead(env), "version": None, "values": {"region": "湖南"}}


@example(CRM + "leads.services.change_lead_status")
def _(env):
    return {"lead_id": _lead(env), "version": None, "action": "qualify"}


@example(CRM + "leads.services.merge_leads")
def _(env):
    return {"survivor_id": _lead(env), "duplicate_id": _lead(env)}


@example(CRM + "leads.services.convert_lead")
def _(env):
    return {"lead_id": _lead(env), "version": None, "customer_id": _customer(env),
            "opportunity": {"name": "转化商机", "amount": "10", "close_date": dt.date(2026, 6, 30)}}


@example(CRM + "leads.queries.list_leads", CRM + "leads.queries.export_leads", CRM + "pools.queries.list_pools",
         CRM + "pools.queries.crm_people",
         CRM + "pools.queries.list_assign_rules", CRM + "pools.queries.recycle_due",
         CRM + "pools.queries.my_recycle_warnings",
         CRM + "followups.queries.my_reminders", CRM + "followups.queries.home_reminders",
         CRM + "opportunities.queries.list_opportunities",
         CRM + "opportunities.queries.list_stages", CRM + "opportunities.queries.pipeline",
         CRM + "opportunities.queries.forecast", CRM + "opportunities.queries.won_lost",
         CRM + "opportunities.queries.export_opportunities", CRM + "service.queries.list_tickets",
         CRM + "service.queries.service_settings", CRM + "service.queries.part_choices",
         CRM + "service.queries.export_tickets",
         CRM + "dashboard.queries.crm_dashboard", CRM + "pools.services.run_recycle",
         CRM + "dashboard.queries.dashboard_stamp")
def _(env):
    return {}


@example(CRM + "leads.queries.get_lead", CRM + "leads.queries.conversion_candidates")
def _(env):
    return {"lead_id": _lead(env)}


@example(CRM + "leads.queries.lead_duplicates")
def _(env):
    return {"values": {"company_name": "星辰贸易", "phone": "13800000000"}}


@example(CRM + "pools.services.save_pool")
def _(env):
    return {"values": {"code": env.unique("NEWPOOL"), "name": "池", "daily_claim_cap": 3}}


@example(CRM + "pools.services.set_pool_members")
def _(env):
    return {"pool_id": _pool(env), "user_ids": [990_001]}


@example(CRM + "pools.services.save_assign_rule")
def _(env):
    return {"values": {"kind": "round_robin", "user_ids": [990_001], "active": False}}


@example(CRM + "pools.services.claim_lead")
def _(env):
    return {"lead_id": _lead(env, pool=_pool(env))}


@example(CRM + "pools.services.release_lead")
def _(env):
    pool = _pool(env)
    lead = _lead(env, pool=pool)
    env.call(ps.claim_lead, lead_id=lead)
    return {"lead_id": lead}


@example(CRM + "pools.services.assign_lead")
def _(env):
    return {"lead_id": _lead(env, pool=_pool(env)), "owner_id": 990_001}


@example(CRM + "pools.services.auto_assign_pool")
def _(env):
    return {"pool_id": _pool(env)}


@example(CRM + "followups.services.add_followup")
def _(env):
    return {"subject_type": "lead", "subject_id": _lead(env), "kind": "call", "content": "电话沟通",
            "next_action": "发报价", "next_action_date": dt.date(2026, 1, 5)}


@example(CRM + "followups.services.complete_next_action")
def _(env):
    fid = env.call(fs.add_followup, subject_type="lead", subject_id=_lead(env), kind="call", content="x",
                   next_action="回电", next_action_date=dt.date(2026, 1, 5))
    return {"followup_id": fid}


@example(CRM + "followups.queries.list_followups")
def _(env):
    return {"subject_type": "lead", "subject_id": _lead(env)}


@example(CRM + "followups.queries.customer_timeline")
def _(env):
    return {"customer_id": _customer(env)}


@example(CRM + "opportunities.services.create_opportunity")
def _(env):
    return {"customer_id": _customer(env), "name": "新商机", "amount": "99.90", "close_date": dt.date(2026, 5, 1)}


@example(CRM + "opportunities.services.edit_opportunity")
def _(env):
    return {"opportunity_id": _opportunity(env), "version": None, "values": {"amount": "2000"}}


@example(CRM + "opportunities.services.move_opportunity_stage")
def _(env):
    return {"opportunity_id": _opportunity(env), "version": None, "stage": "proposal"}


@example(CRM + "opportunities.services.link_opportunity_document")
def _(env):
    return {"opportunity_id": _opportunity(env), "doc_type": "sales_quotation", "doc_id": 1}


@example(CRM + "opportunities.queries.get_opportunity")
def _(env):
    return {"opportunity_id": _opportunity(env)}


@example(CRM + "opportunities.services.save_stage")
def _(env):
    return {"code": env.unique("stage"), "name_zh": "阶段", "name_en": "Stage", "probability": 40, "seq": 35}


@example(CRM + "service.services.create_ticket")
def _(env):
    return {"customer_id": _customer(env), "title": "不开机", "problem_kind": "fault", "priority": "high"}


@example(CRM + "service.services.assign_ticket")
def _(env):
    return {"ticket_id": _ticket(env), "version": None, "assignee_id": 990_001}


@example(CRM + "service.services.change_ticket_status")
def _(env):
    return {"ticket_id": _ticket(env), "version": None, "action": "start"}


@example(CRM + "service.services.log_ticket_work")
def _(env):
    return {"ticket_id": _ticket(env), "content": "上门检修", "minutes": 45}


@example(CRM + "service.services.issue_ticket_parts")
def _(env):
    from tests.access.examples_stockops import DAY, _stock

    s = _stock(env)
    return {"ticket_id": _ticket(env), "warehouse_id": s["wid"], "doc_date": DAY,
            "lines": [{"product_id": s["pid"], "quantity": "1"}]}


@example(CRM + "service.services.bill_ticket_parts")
def _(env):
    from tests.access.examples_stockops import DAY, _stock

    s = _stock(env)
    tid = _ticket(env)
    env.call(ts.issue_ticket_parts, ticket_id=tid, warehouse_id=s["wid"], doc_date=DAY,
             lines=[{"product_id": s["pid"], "quantity": "1"}], chargeable=True)
    return {"ticket_id": tid, "doc_date": DAY, "prices": {s["pid"]: "5"}}


@example(CRM + "service.services.rate_ticket")
def _(env):
    tid = _ticket(env)
    env.call(ts.change_ticket_status, ticket_id=tid, version=None, action="start")
    env.call(ts.change_ticket_status, ticket_id=tid, version=None, action="resolve")
    return {"ticket_id": tid, "satisfaction": 5}


@example(CRM + "service.queries.get_ticket")
def _(env):
    return {"ticket_id": _ticket(env)}


@example(CRM + "service.services.save_sla")
def _(env):
    return {"priority": "low", "response_hours": 24, "resolution_hours": 96}


@example(CRM + "service.services.set_calendar_day")
def _(env):
    return {"day": dt.date(2026, 10, 1), "workday": False, "name": "国庆"}


@example(CRM + "leads.import_services.dry_run_leads", CRM + "leads.import_services.import_leads")
def _(env):
    from erp_core.io.importer import Table

    return {"table": Table(["公司名称", "电话"], [[env.unique("导入公司"), None]], "leads.csv")}


@example(CRM + "leads.import_services.export_leads_file", CRM + "leads.import_services.export_opportunities_file",
         CRM + "leads.import_services.export_tickets_file")
def _(env):
    return {"fmt": "xlsx"}
