"""The demo company's CRM year (issue #15 item 8): two public pools (长沙 / 株洲) with their rules, a
round-robin rule, ~240 leads spread over the twelve months (some in the pools, most owned by 王销售 and 张总),
follow-ups on them, conversions of the qualified ones into the demo customers' opportunities (won and lost with
reasons, open ones along the stages), and service tickets for the customers (resolved, closed with a score,
open, some late). Called once from demo_year.build_demo_year.

Pools, rules, stages and the calendar go through their use cases; the dated history (leads created months ago,
follow-ups, tickets) is written in one transaction with one audit entry, because the use cases date everything
"now" (the kernel clock) and the demo must not move the process-wide clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from random import Random

from sqlalchemy import select

from erp_core.crm.calendar import load_calendar
from erp_core.crm.leads.duplicates import lead_keys
from erp_core.crm.models import CrmFollowup, CrmLead, CrmOpportunity, CrmOwnerHistory, CrmTicket, CrmTicketLog
from erp_core.crm.opportunities.stages import stages
from erp_core.crm.pools import services as ps
from erp_core.crm.service.services import set_calendar_day
from erp_core.crm.service.sla import sla_table
from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor
from erp_core.security import audit
from erp_core.security.models import User

PREFIXES = ("长沙", "株洲", "湘潭", "岳阳", "衡阳", "常德")
TRADES = ("贸易", "电子", "食品", "建材", "茶业", "物流", "酒店", "超市", "餐饮", "五金")
SUFFIX = ("有限公司", "商行", "连锁店", "有限责任公司")
CONTACTS = ("周", "吴", "郑", "冯", "陈", "褚", "卫", "蒋", "沈", "韩")
LOST = ("预算不足", "选择了竞争对手", "需求变更", "决策链太长", "价格过高")
FOLLOW_TEXT = ("电话沟通了采购需求", "上门拜访，看了样品", "微信发了产品目录", "邮件发送报价单", "约了下周面谈")
HOLIDAYS_2026 = [(dt.date(2026, 1, 1), "元旦"), *((dt.date(2026, 2, d), "春节") for d in range(15, 24)),
                 *((dt.date(2026, 10, d), "国庆") for d in range(1, 8))]


def build_demo_crm(db: Database, *, admin: Actor, customers: dict[str, int], start: dt.date, today: dt.date,
                   rng: Random) -> dict[str, int]:
    company_id = admin.company_id
    with db.uow(readonly=True) as uow:
        users = dict(uow.session.execute(select(User.username, User.id).where(User.company_id == company_id)).all())
    sales = [users[u] for u in ("wang.xiaoshou", "zhang.zong") if u in users] or [admin.user_id]
    pools = {
        "CS": ps.save_pool(db, admin, values={"code": "CS", "name": "长沙公海", "region": "长沙", "daily_claim_cap": 10,
                                              "max_owned": 80, "recycle_no_followup_days": 30,
                                              "recycle_no_progress_days": 60, "warn_days_before": 5,
                                              "cooldown_days": 7}),
        "ZZ": ps.save_pool(db, admin, values={"code": "ZZ", "name": "株洲公海", "region": "株洲", "daily_claim_cap": 5,
                                              "recycle_no_followup_days": 45, "warn_days_before": 7,
                                              "cooldown_days": 14}),
    }
    for pid in pools.values():
        ps.set_pool_members(db, admin, pool_id=pid, user_ids=sales)
    ps.save_assign_rule(db, admin, values={"kind": "round_robin", "user_ids": sales, "load_cap": 80})
    # the one company work calendar (shared with HR attendance): the official 2026 holidays and 调休 working days
    # (db/seed/payroll/holidays.toml, checked against the 国务院办公厅 notice), then the names the SLA page shows
    from erp_core.hr.attendance.services import load_holidays

    load_holidays(db, admin, year=2026)
    for day, name in HOLIDAYS_2026:
        set_calendar_day(db, admin, day=day, workday=False, name=name)

    counts = {"leads": 0, "followups": 0, "opportunities": 0, "tickets": 0}
    with db.uow() as uow:
        s = uow.session
        stage_rows = stages(s, company_id)
        open_stages = [st for st in stage_rows if st.outcome is None]
        won = next(st for st in stage_rows if st.outcome == "won")
        lost = next(st for st in stage_rows if st.outcome == "lost")
        cal = load_calendar(s, company_id)
        sla = sla_table(s, company_id)
        customer_ids = list(customers.values())
        days = max((today - start).days, 1)
        for i in range(240):
            created = dt.datetime.combine(start + dt.timedelta(days=rng.randrange(days)),
                                          dt.time(1 + rng.randrange(8), rng.randrange(60)))
            name = f"{rng.choice(PREFIXES)}{rng.choice(('湘', '星', '华', '瑞', '鑫', '恒', '和', '兴'))}" \
                   f"{rng.choice(('源', '达', '泰', '盛', '联', '信'))}{rng.choice(TRADES)}{i:03d}{rng.choice(SUFFIX)}"
            phone = f"13{rng.randrange(10**9):09d}"
            key, pkey = lead_keys(name, phone)
            in_pool = rng.random() < 0.25
            owner = None if in_pool else rng.choice(sales)
            pool = pools["ZZ" if name.startswith("株洲") else "CS"]
            age = (dt.datetime.combine(today, dt.time(0)) - created).days
            status = "new"
            if owner is not None:
                status = rng.choices(("contacted", "qualified", "converted", "lost"), (4, 2, 3, 1))[0] \
                    if age > 14 else rng.choice(("new", "contacted"))
            lead = CrmLead(company_id=company_id, source=rng.choice(("website", "phone", "exhibition", "referral")),
                           company_name=name, name_key=key, contact_name=rng.choice(CONTACTS) + "经理", phone=phone,
                           phone_key=pkey, region=name[:2], industry=next(t for t in TRADES if t in name),
                           status=status, lost_reason=rng.choice(LOST) if status == "lost" else None,
                           owner_id=owner, pool_id=pool, created_by=admin.user_id, created_at=created, version=1)
            s.add(lead)
            s.flush()
            s.add(CrmOwnerHistory(company_id=company_id, lead_id=lead.id, reason="create", to_pool_id=pool,
                                  by_user_id=admin.user_id, at=created))
            last = created
            if owner is not None:
                s.add(CrmOwnerHistory(company_id=company_id, lead_id=lead.id, reason="assign", to_owner_id=owner,
                                      to_pool_id=pool, by_user_id=admin.user_id, at=created))
                lead.department_id = None
                for _n in range(0 if status == "new" else rng.randrange(1, 5)):
                    last = min(last + dt.timedelta(days=rng.randrange(1, 12), hours=rng.randrange(6)),
                               dt.datetime.combine(today, dt.time(1)))
                    nxt = (last + dt.timedelta(days=rng.randrange(2, 10))).date()
                    s.add(CrmFollowup(company_id=company_id, subject_type="lead", subject_id=lead.id,
                                      kind=rng.choice(("call", "visit", "wechat", "email", "meeting")),
                                      content=rng.choice(FOLLOW_TEXT), next_action="再次跟进", next_action_date=nxt,
                                      done=nxt < today - dt.timedelta(days=3), attachments=rng.randrange(3),
                                      owner_id=owner, at=last))
                    counts["followups"] += 1
                lead.claimed_at, lead.last_followup_at, lead.last_progress_at = created, last, last
            if status == "converted" and customer_ids:
                cust = rng.choice(customer_ids)
                lead.customer_id = cust
                outcome = rng.choices(("open", "won", "lost"), (3, 4, 2))[0]
                stage = rng.choice(open_stages) if outcome == "open" else (won if outcome == "won" else lost)
                close = (last + dt.timedelta(days=rng.randrange(10, 90))).date()
                opp = CrmOpportunity(company_id=company_id, name=f"{name[:12]}采购项目", customer_id=cust,
                                     lead_id=lead.id, stage_id=stage.id,
                                     amount=Decimal(rng.randrange(20, 800) * 500), close_date=close,
                                     status=outcome, lost_reason=rng.choice(LOST) if outcome == "lost" else None,
                                     owner_id=owner, stage_changed_at=last,
                                     closed_at=last + dt.timedelta(days=5) if outcome != "open" else None,
                                     created_at=last, version=1)
                s.add(opp)
                s.flush()
                lead.opportunity_id = opp.id
                counts["opportunities"] += 1
            counts["leads"] += 1
        for _i in range(60 if customer_ids else 0):
            opened = dt.datetime.combine(start + dt.timedelta(days=rng.randrange(days)),
                                         dt.time(1 + rng.randrange(8), rng.randrange(60)))
            prio = rng.choices(("urgent", "high", "normal", "low"), (1, 3, 6, 2))[0]
            resp_h, res_h = sla[prio]
            t = CrmTicket(company_id=company_id, customer_id=rng.choice(customer_ids),
                          problem_kind=rng.choice(("fault", "installation", "usage", "return", "complaint")),
                          priority=prio, title=rng.choice(("设备不开机", "安装预约", "发票咨询", "包装破损退货",
                                                            "送货延误投诉", "使用方法咨询")),
                          status="new", assignee_id=rng.choice(sales), opened_at=opened,
                          response_due=cal.add_working_hours(opened, resp_h),
                          resolution_due=cal.add_working_hours(opened, res_h), created_by=admin.user_id,
                          reopen_count=0, version=1)
            recent = (dt.datetime.combine(today, dt.time(0)) - opened).days < 10
            t.status = rng.choice(("assigned", "in_progress", "waiting")) if recent else \
                rng.choices(("closed", "resolved"), (3, 1))[0]
            s.add(t)
            s.flush()
            s.add(CrmTicketLog(company_id=company_id, ticket_id=t.id, kind="status", to_status="new",
                               by_user_id=admin.user_id, at=opened))
            if t.status != "assigned":
                late = rng.random() < 0.15
                t.first_response_at = cal.add_working_hours(opened, resp_h * (1.5 if late else 0.5))
                s.add(CrmTicketLog(company_id=company_id, ticket_id=t.id, kind="work", content="已联系客户处理",
                                   minutes=rng.randrange(15, 180), by_user_id=t.assignee_id, at=t.first_response_at))
            if t.status in ("resolved", "closed"):
                t.resolved_at = cal.add_working_hours(opened, res_h * rng.choice((0.3, 0.6, 0.9, 1.3)))
                s.add(CrmTicketLog(company_id=company_id, ticket_id=t.id, kind="status", from_status="in_progress",
                                   to_status="resolved", by_user_id=t.assignee_id, at=t.resolved_at))
            if t.status == "closed":
                t.closed_at = t.resolved_at + dt.timedelta(days=1)
                t.satisfaction = rng.choices((5, 4, 3, 2), (5, 3, 1, 1))[0]
            counts["tickets"] += 1
        s.flush()
        audit.append(s, admin, action="crm.demo", entity="crm", details={"created": counts}, company_id=company_id)
        uow.commit()
    return counts
