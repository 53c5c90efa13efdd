"""Read side of approvals: the rules, the inbox 我的待办 (what this actor may decide now), a document's
requests, and the choices of the rule form (roles and users of the company)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erp_core.approvals.models import ApprovalRequest, ApprovalRule
from erp_core.approvals.services import actor_role_ids, may_decide, state_of
from erp_core.usecase import Context, query


@query("approvals.rule.view", zh="查看审批规则", en="View approval rules")
def list_rules(ctx: Context, *, doc_type: str | None = None, include_inactive: bool = True) -> list[dict[str, Any]]:
    stmt = select(ApprovalRule).where(ApprovalRule.company_id == ctx.actor.company_id)
    if doc_type:
        stmt = stmt.where(ApprovalRule.doc_type == doc_type)
    if not include_inactive:
        stmt = stmt.where(ApprovalRule.active.is_(True))
    rows = ctx.session.execute(stmt.order_by(ApprovalRule.doc_type, ApprovalRule.level, ApprovalRule.id)).scalars()
    return [{"id": r.id, "doc_type": r.doc_type, "condition": r.condition, "threshold": r.threshold,
             "approver_role_id": r.approver_role_id, "approver_user_id": r.approver_user_id, "level": r.level,
             "active": r.active, "version": r.version} for r in rows]


@query("approvals.rule.view", zh="查看审批规则", en="View approval rules")
def rule_choices(ctx: Context) -> dict[str, list[tuple[int, str]]]:
    """{"roles": [(id, label)], "users": [(id, label)]} of the actor's company, for the rule form."""
    from erp_core.security.models import Role, User

    s, cid = ctx.session, ctx.actor.company_id
    roles = [(r.id, f"{r.code} {r.name_zh if ctx.actor.locale.startswith('zh') else r.name_en}")
             for r in s.execute(select(Role).where(Role.company_id == cid).order_by(Role.code)).scalars()]
    users = [(u.id, f"{u.username} {u.display_name}") for u in s.execute(
        select(User).where(User.company_id == cid, User.status == "active").order_by(User.username)).scalars()]
    return {"roles": roles, "users": users}


@query("approvals.inbox.view", zh="我的待办", en="My approvals")
def my_inbox(ctx: Context) -> list[dict[str, Any]]:
    """The pending requests this actor may decide now: named user or one of their roles, not their own
    document, every earlier level of the round approved. Oldest first."""
    s, uid = ctx.session, ctx.actor.user_id
    if uid is None:
        return []
    roles = actor_role_ids(s, uid)
    pending = s.execute(select(ApprovalRequest).where(ApprovalRequest.company_id == ctx.actor.company_id,
                                                      ApprovalRequest.status == "pending")
                        .order_by(ApprovalRequest.submitted_at, ApprovalRequest.id)).scalars().all()
    mine = [r for r in pending if may_decide(r, uid, roles) and uid not in (r.owner_id, r.submitted_by)]
    if not mine:
        return []
    docs = {(r.doc_type, r.doc_id) for r in mine}
    blocked: set[tuple[str, int, int, int]] = set()
    for doc_type, doc_id in docs:
        for r in s.execute(select(ApprovalRequest).where(
                ApprovalRequest.company_id == ctx.actor.company_id, ApprovalRequest.doc_type == doc_type,
                ApprovalRequest.doc_id == doc_id, ApprovalRequest.status.in_(("pending", "rejected")))).scalars():
            blocked.add((doc_type, doc_id, r.round, r.level))
    out = []
    for r in mine:
        if any((r.doc_type, r.doc_id, r.round, lv) in blocked for lv in range(1, r.level)):
            continue
        out.append({"id": r.id, "doc_type": r.doc_type, "doc_id": r.doc_id, "level": r.level,
                    "condition": r.condition, "summary": r.summary, "submitted_at": r.submitted_at,
                    "version": r.version})
    return out


@query("approvals.request.view", zh="查看审批记录", en="View approval history")
def document_approvals(ctx: Context, *, doc_type: str, doc_id: int) -> dict[str, Any]:
    """The document's approval state and every request (all rounds), for the document page."""
    rows = ctx.session.execute(select(ApprovalRequest).where(
        ApprovalRequest.company_id == ctx.actor.company_id, ApprovalRequest.doc_type == doc_type,
        ApprovalRequest.doc_id == doc_id).order_by(ApprovalRequest.round, ApprovalRequest.level,
                                                   ApprovalRequest.id)).scalars().all()
    live = [r for r in rows if r.status != "withdrawn"]
    last_round = max((r.round for r in live), default=None)
    return {"state": state_of([r for r in live if r.round == last_round]),
            "requests": [{"id": r.id, "round": r.round, "level": r.level, "condition": r.condition,
                          "status": r.status, "approver_role_id": r.approver_role_id,
                          "approver_user_id": r.approver_user_id, "decided_by_name": r.decided_by_name,
                          "decided_at": r.decided_at, "comment": r.comment} for r in rows]}
