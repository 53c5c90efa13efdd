"""What every CRM area shares: the row scope of leads and opportunities (issue #15 item 6), the owner history
writer, the company's time zone and small validators.

Row scope (enforced here, for every read and write of the CRM):
- scope ``own`` (salesperson): rows they own, plus unowned leads in the pools they are a member of;
- scope ``department`` (team lead): also rows whose department (the owner's department at assignment) is in the
  team lead's department subtree;
- scope ``all`` (manager): the whole company.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from erp_core.crm.models import CrmLead, CrmOpportunity, CrmOwnerHistory, CrmPoolMember, CrmTicket
from erp_core.kernel import clock
from erp_core.kernel.actor import Scope
from erp_core.kernel.errors import NotFound, PermissionDenied, ValidationError, ValidationErrors
from erp_core.security.scope import may_touch, scope_condition


def now() -> dt.datetime:
    """The CRM's clock (naive UTC): kernel.clock, which tests move with set_clock."""
    return clock.naive_utcnow()


def company_tz(ctx) -> str:
    """The company's time zone (config.toml app.time_zone): working hours and "today" are local."""
    return ctx.db.settings.time_zone if ctx.db is not None else "Asia/Shanghai"


def my_pool_ids(session: Session, user_id: int | None) -> list[int]:
    if user_id is None:
        return []
    return list(session.execute(select(CrmPoolMember.pool_id).where(CrmPoolMember.user_id == user_id)).scalars())


def lead_condition(ctx) -> ColumnElement[bool] | None:
    """WHERE condition for the leads the actor may see under ``ctx.permission`` (None: every lead)."""
    actor = ctx.actor
    scope = actor.scope(ctx.permission)
    if actor.is_system or scope is Scope.ALL:
        return None
    cond = scope_condition(actor, scope, department_col=CrmLead.department_id, owner_col=CrmLead.owner_id)
    pools = select(CrmPoolMember.pool_id).where(CrmPoolMember.user_id == actor.user_id).scalar_subquery()
    in_my_pool = and_(CrmLead.owner_id.is_(None), CrmLead.pool_id.in_(pools))
    return or_(cond, in_my_pool) if cond is not None else in_my_pool


def scoped_leads(stmt: Select, ctx) -> Select:
    stmt = stmt.where(CrmLead.company_id == ctx.company_id, CrmLead.merged_into.is_(None))
    cond = lead_condition(ctx)
    return stmt if cond is None else stmt.where(cond)


def may_see_lead(ctx, lead: CrmLead) -> bool:
    if lead.company_id != ctx.company_id:
        return False
    if may_touch(ctx, company_id=lead.company_id, department_id=lead.department_id, owner_id=lead.owner_id):
        return True
    return lead.owner_id is None and lead.pool_id in my_pool_ids(ctx.session, ctx.actor.user_id)


def load_lead(ctx, lead_id: int, *, lock: bool = False) -> CrmLead:
    """A lead of the actor's company that the actor may see; NotFound otherwise (another's lead is not even
    confirmed to exist)."""
    stmt = select(CrmLead).where(CrmLead.id == lead_id)
    if lock:
        stmt = stmt.with_for_update()
    lead = ctx.session.execute(stmt).scalar_one_or_none()
    if lead is None or lead.merged_into is not None or not may_see_lead(ctx, lead):
        raise NotFound()
    return lead


def scoped_owned(stmt: Select, ctx, model) -> Select:
    """Opportunities / tickets: company plus the row scope on owner (assignee) and department."""
    owner_col = model.owner_id if model is CrmOpportunity else model.assignee_id
    stmt = stmt.where(model.company_id == ctx.company_id)
    cond = scope_condition(ctx.actor, ctx.actor.scope(ctx.permission), department_col=model.department_id,
                           owner_col=owner_col)
    if model is CrmTicket and cond is not None:  # the ticket's creator sees it too
        cond = or_(cond, model.created_by == ctx.actor.user_id)
    return stmt if cond is None else stmt.where(cond)


def load_owned(ctx, model, record_id: int, *, lock: bool = False):
    stmt = scoped_owned(select(model).where(model.id == record_id), ctx, model)
    if lock:
        stmt = stmt.with_for_update()
    obj = ctx.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        raise NotFound()
    return obj


def require_all_scope(ctx) -> None:
    """Company-wide settings (pools, rules, stages, SLA, calendar) need a grant of scope ALL."""
    if not ctx.actor.is_system and ctx.actor.scope(ctx.permission) is not Scope.ALL:
        raise PermissionDenied("error.scope.company_wide", permission=ctx.permission)


def user_department(session: Session, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    from erp_core.security.models import User

    return session.execute(select(User.department_id).where(User.id == user_id)).scalar_one_or_none()


def record_owner_change(session: Session, lead: CrmLead, *, reason: str, to_owner_id: int | None,
                        to_pool_id: int | None, by_user_id: int | None, at: dt.datetime) -> None:
    """Every change of a lead's owner or pool is history (归属变更记录)."""
    session.add(CrmOwnerHistory(company_id=lead.company_id, lead_id=lead.id, reason=reason,
                                from_owner_id=lead.owner_id, to_owner_id=to_owner_id,
                                from_pool_id=lead.pool_id, to_pool_id=to_pool_id, by_user_id=by_user_id, at=at))


def text(values: dict[str, Any], key: str, field: str, max_len: int, *, required: bool = False,
         problems: list[ValidationError]) -> str | None:
    v = values.get(key)
    v = None if v is None else str(v).strip() or None
    if v is None and required:
        problems.append(ValidationError("error.required", field=field))
    elif v is not None and len(v) > max_len:
        problems.append(ValidationError("error.too_long", field=field, max=max_len))
    return v


def choice(value: Any, allowed: tuple[str, ...], field: str, problems: list[ValidationError]) -> str | None:
    if value not in allowed:
        problems.append(ValidationError("error.choice", field=field))
        return None
    return value


def raise_problems(problems: list[ValidationError]) -> None:
    if problems:
        raise ValidationErrors(problems)
