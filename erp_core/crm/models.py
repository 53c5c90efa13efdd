"""CRM tables (issue #15): leads (线索), public pools (公海池) and their members, assignment rules (分配规则),
owner history (归属变更记录), follow-ups (跟进记录), opportunity stages and opportunities (商机) with their links to
sales documents, service tickets (售后工单) with their SLA and work log, and the working calendar (工作日历).

User ids (owner, assignee, pool member) carry no foreign key, like ``created_by`` elsewhere: history must survive
a user's removal, and the system actor has none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money, UtcDateTime

LEAD_SOURCES = ("website", "phone", "exhibition", "referral", "import", "other")
LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "lost")
FOLLOWUP_KINDS = ("call", "visit", "wechat", "email", "meeting")
SUBJECTS = ("lead", "customer", "opportunity")
RULE_KINDS = ("round_robin", "region", "source", "load_cap")
TICKET_PRIORITIES = ("urgent", "high", "normal", "low")
TICKET_STATUSES = ("new", "assigned", "in_progress", "waiting", "resolved", "closed")
PROBLEM_KINDS = ("fault", "installation", "usage", "return", "complaint", "other")


def name_blocks(key: str | None) -> tuple[str | None, str | None]:
    """(first two, last two characters) of a name key: the similar-name blocks (None for a key under 3)."""
    return (key[:2], key[-2:]) if key and len(key) >= 3 else (None, None)


def name_block(context, which: int) -> str | None:
    """Column default of name_head / name_tail from the row's name_key (Core and ORM inserts alike)."""
    return name_blocks(context.get_current_parameters().get("name_key"))[which]


class CrmPool(Base):  # 公海池 (per region or team)
    __tablename__ = "crm_pool"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(60), nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    daily_claim_cap: Mapped[int] = mapped_column(Integer, default=10)  # 每日领取上限
    max_owned: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 保有量上限 (open leads per person)
    recycle_no_followup_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # N
    recycle_no_progress_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # M
    warn_days_before: Mapped[int] = mapped_column(Integer, default=0)  # k
    cooldown_days: Mapped[int] = mapped_column(Integer, default=0)  # 前负责人冷却期
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CrmPoolMember(Base):
    __tablename__ = "crm_pool_member"
    __table_args__ = (UniqueConstraint("pool_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("crm_pool.id"))
    user_id: Mapped[int] = mapped_column(Integer, index=True)


class CrmAssignRule(Base):  # 分配规则 (data, tried by priority)
    __tablename__ = "crm_assign_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    kind: Mapped[str] = mapped_column(String(20))  # RULE_KINDS
    match_value: Mapped[str | None] = mapped_column(String(60), nullable=True)  # region / source
    user_ids: Mapped[str] = mapped_column(String(500))  # "3,5,8": the team the rule deals to, in order
    load_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)  # open leads per person
    cursor: Mapped[int] = mapped_column(Integer, default=0)  # round robin: index of the next user
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CrmLead(Versioned, Base):  # 线索
    __tablename__ = "crm_lead"
    __table_args__ = (
        # an owner's leads (mine, the owner filter, load caps): covering for the pager's count (0035: merged_into, id)
        Index("ix_crm_lead_scope", "company_id", "owner_id", "merged_into", "status", "id"),
        # the pool view and the pools' counts read this index alone (merged_into in it: no row look-ups), 0027
        Index("ix_crm_lead_pool", "company_id", "pool_id", "owner_id", "merged_into", "status"),
        # the lead list at 1 M leads (0035): equality on every leading column, then id, so "newest first" reads
        # the page's entries only and the pager's capped count reads at most COUNT_CAP + 1 (leads/queries.py)
        Index("ix_crm_lead_status", "company_id", "merged_into", "status", "id"),
        Index("ix_crm_lead_live", "company_id", "merged_into", "id"),
        Index("ix_crm_lead_source", "company_id", "merged_into", "source", "id"),
        # duplicate look-ups and phone search: company first, so the planner prefers them to the scope index
        Index("ix_crm_lead_phone", "company_id", "phone_key"),
        Index("ix_crm_lead_name", "company_id", "name_key"),
        # the similar-name look-up: the two blocks of masterdata/duplicates.py (first two, last two characters of
        # the name key) by equality, instead of LIKE '%..%' over every lead (0027)
        Index("ix_crm_lead_name_head", "company_id", "name_head"),
        Index("ix_crm_lead_name_tail", "company_id", "name_tail"),
        Index("ix_crm_lead_tax", "company_id", "tax_id"),
        # the recycling run: a range scan per pool (an unowned lead has no recycle clock: both are NULL)
        Index("ix_crm_lead_recycle_followup", "company_id", "pool_id", "last_followup_at"),
        Index("ix_crm_lead_recycle_progress", "company_id", "pool_id", "last_progress_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    source: Mapped[str] = mapped_column(String(20))
    company_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    name_head: Mapped[str | None] = mapped_column(String(2), nullable=True, default=lambda c: name_block(c, 0))
    name_tail: Mapped[str | None] = mapped_column(String(2), nullable=True, default=lambda c: name_block(c, -1))
    contact_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    phone_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tax_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    region: Mapped[str | None] = mapped_column(String(60), nullable=True)
    industry: Mapped[str | None] = mapped_column(String(60), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    lost_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    remarks: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("crm_pool.id"), nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_followup_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_progress_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    recycle_warned_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), nullable=True)
    opportunity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("crm_lead.id"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class CrmOwnerHistory(Base):  # 归属变更记录: every change of a lead's owner or pool
    __tablename__ = "crm_owner_history"
    __table_args__ = (Index("ix_crm_owner_history_claims", "company_id", "reason", "to_owner_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("crm_lead.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # create / claim / assign / release / recycle / merge / convert
    from_owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_pool_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_pool_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    by_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CrmFollowup(Base):  # 跟进记录
    __tablename__ = "crm_followup"
    __table_args__ = (Index("ix_crm_followup_subject", "company_id", "subject_type", "subject_id"),
                      Index("ix_crm_followup_due", "company_id", "owner_id", "done", "next_action_date"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    subject_type: Mapped[str] = mapped_column(String(20))  # SUBJECTS
    subject_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    next_action: Mapped[str | None] = mapped_column(String(200), nullable=True)
    next_action_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)  # the next action was done
    attachments: Mapped[int] = mapped_column(Integer, default=0)
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CrmStage(Base):  # 商机阶段 (data, with win probability)
    __tablename__ = "crm_stage"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    probability: Mapped[int] = mapped_column(Integer)  # percent
    seq: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)  # None / "won" / "lost"


class CrmOpportunity(Versioned, Base):  # 商机
    __tablename__ = "crm_opportunity"
    __table_args__ = (Index("ix_crm_opportunity_scope", "company_id", "owner_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    name: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("crm_lead.id"), nullable=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("crm_stage.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    close_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / won / lost
    lost_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    stage_changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class CrmOpportunityLink(Base):
    """An opportunity's quotations and orders (and any later sales document): the sales module fills it when a
    quotation is made from an opportunity (doc_type = its registry code, e.g. "sales_quotation")."""

    __tablename__ = "crm_opportunity_link"
    __table_args__ = (UniqueConstraint("opportunity_id", "doc_type", "doc_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("crm_opportunity.id"))
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = utc_column()


class CrmSla(Base):  # SLA per priority (working hours)
    __tablename__ = "crm_sla"
    __table_args__ = (UniqueConstraint("company_id", "priority"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    priority: Mapped[str] = mapped_column(String(10))
    response_hours: Mapped[int] = mapped_column(Integer)
    resolution_hours: Mapped[int] = mapped_column(Integer)


class CrmTicket(Versioned, Base):  # 售后工单
    __tablename__ = "crm_ticket"
    __table_args__ = (Index("ix_crm_ticket_scope", "company_id", "assignee_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), nullable=True)
    serial: Mapped[str | None] = mapped_column(String(60), nullable=True)
    problem_kind: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    assignee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    response_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolution_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1..5
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CrmTicketLog(Base):  # 工单日志: status changes and work done
    __tablename__ = "crm_ticket_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("crm_ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # status / work / part
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    content: Mapped[str | None] = mapped_column(Text, nullable=True)
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    by_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CrmTicketPart(Base):  # 工单配件: an other_issue (其他出库单) posted for a ticket's parts (migration 0027)
    __tablename__ = "crm_ticket_part"
    __table_args__ = (UniqueConstraint("doc_type", "doc_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("crm_ticket.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))  # "other_issue"
    doc_id: Mapped[int] = mapped_column(Integer)
    by_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # sold to the customer (0028): the issue posts to 主营业务成本 and the parts are billed on a sales invoice;
    # False = warranty (free: 销售费用)
    chargeable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    invoice_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
