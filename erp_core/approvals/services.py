"""The approvals engine. Kernel functions, called inside the asking module's use case:

- ``submit_for_approval(ctx, doc_type, doc_id, facts, owner_id=)``  evaluates the active rules of the type
  against ``facts`` (``amount``, ``partner_new``, ``max_price_increase_pct``) and opens one request per matched
  rule; returns their ids ([] = no approval needed). A new submission withdraws the previous round.
- ``approval_state(session, company_id, doc_type, doc_id)``  none | pending | approved | rejected.
- ``require_cleared(ctx, doc_type, doc_id, facts)``  the gate the document kernel runs before an action such as
  confirm: refused while the rules ask for approval and none was asked, or it is pending, or rejected.
- ``withdraw_requests(ctx, doc_type, doc_id)``  the document changed: the approvers saw other content.

Use cases: rules (approvals.rule.manage), approve / reject (approvals.request.decide). The decider must be the
named user or hold the named role, may not be the document's creator (or its submitter), and levels are
sequential: level n is decided only when every request of the levels below in the round is approved.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from erp_core.approvals.models import (
    CONDITIONS,
    MAX_LEVEL,
    NEEDS_THRESHOLD,
    ApprovalRequest,
    ApprovalRule,
)
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import QUANTITY_SCALE, has_scale, to_decimal
from erp_core.usecase import Context, use_case

F_DOC_TYPE = "field.approvals.doc_type"
F_CONDITION = "field.approvals.condition"
F_THRESHOLD = "field.approvals.threshold"
F_APPROVER = "field.approvals.approver"
F_LEVEL = "field.approvals.level"
F_COMMENT = "field.approvals.comment"


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def rule_matches(condition: str, threshold: Decimal | None, facts: Mapping[str, Any]) -> bool:
    """Does a rule's condition hold for the document's facts (pure)? Missing facts never match, except
    ``always``."""
    if condition == "always":
        return True
    if condition == "amount_above":
        amount = facts.get("amount")
        return amount is not None and threshold is not None and Decimal(amount) > threshold
    if condition == "partner_new":
        return bool(facts.get("partner_new"))
    if condition == "price_above_last_by_pct":
        pct = facts.get("max_price_increase_pct")
        return pct is not None and threshold is not None and Decimal(pct) > threshold
    if condition == "credit_exceeded":
        return bool(facts.get("credit_exceeded"))
    if condition == "discount_over_limit":
        return bool(facts.get("discount_over_limit"))
    if condition == "below_floor_price":
        return bool(facts.get("below_floor"))
    return False


def matching_rules(session: Any, company_id: int, doc_type: str, facts: Mapping[str, Any]) -> list[ApprovalRule]:
    rules = session.execute(select(ApprovalRule).where(
        ApprovalRule.company_id == company_id, ApprovalRule.doc_type == doc_type, ApprovalRule.active.is_(True))
        .order_by(ApprovalRule.level, ApprovalRule.id)).scalars().all()
    return [r for r in rules if rule_matches(r.condition, r.threshold, facts)]


def _round_requests(session: Any, company_id: int, doc_type: str, doc_id: int) -> list[ApprovalRequest]:
    """The requests of the latest round that was not withdrawn."""
    rows = session.execute(select(ApprovalRequest).where(
        ApprovalRequest.company_id == company_id, ApprovalRequest.doc_type == doc_type,
        ApprovalRequest.doc_id == doc_id, ApprovalRequest.status != "withdrawn")
        .order_by(ApprovalRequest.round.desc(), ApprovalRequest.level, ApprovalRequest.id)).scalars().all()
    return [r for r in rows if r.round == rows[0].round] if rows else []


def state_of(requests: list[ApprovalRequest]) -> str:
    if not requests:
        return "none"
    if any(r.status == "rejected" for r in requests):
        return "rejected"
    if all(r.status == "approved" for r in requests):
        return "approved"
    return "pending"


def approval_state(session: Any, company_id: int, doc_type: str, doc_id: int) -> str:
    """none (never asked, or withdrawn) | pending | approved | rejected."""
    return state_of(_round_requests(session, company_id, doc_type, doc_id))


def withdraw_requests(ctx: Context, doc_type: str, doc_id: int) -> int:
    """Withdraw every open or decided request of the document (it changed); returns how many."""
    n = 0
    for r in ctx.session.execute(select(ApprovalRequest).where(
            ApprovalRequest.company_id == _company(ctx), ApprovalRequest.doc_type == doc_type,
            ApprovalRequest.doc_id == doc_id, ApprovalRequest.status != "withdrawn")).scalars():
        r.status = "withdrawn"
        n += 1
    return n


def submit_for_approval(ctx: Context, doc_type: str, doc_id: int, facts: Mapping[str, Any], *,
                        owner_id: int | None = None, summary: str = "") -> list[int]:
    """Open the requests the rules ask for (see the module docstring); [] when no rule matches."""
    s, company_id = ctx.session, _company(ctx)
    if approval_state(s, company_id, doc_type, doc_id) == "pending":
        raise Conflict("error.approvals.already_pending")
    rules = matching_rules(s, company_id, doc_type, facts)
    last = s.execute(select(func.max(ApprovalRequest.round)).where(
        ApprovalRequest.company_id == company_id, ApprovalRequest.doc_type == doc_type,
        ApprovalRequest.doc_id == doc_id)).scalar_one_or_none() or 0
    withdraw_requests(ctx, doc_type, doc_id)
    owner = owner_id if owner_id is not None else ctx.actor.user_id
    now = naive_utcnow()
    made = []
    for r in rules:
        req = ApprovalRequest(company_id=company_id, doc_type=doc_type, doc_id=doc_id, round=last + 1,
                              level=r.level, rule_id=r.id, condition=r.condition,
                              approver_role_id=r.approver_role_id, approver_user_id=r.approver_user_id,
                              status="pending", summary=summary[:200], owner_id=owner,
                              submitted_by=ctx.actor.user_id, submitted_at=now)
        s.add(req)
        made.append(req)
    s.flush()
    ctx.changes["approval_requests"] = [m.id for m in made]
    return [m.id for m in made]


def require_cleared(ctx: Context, doc_type: str, doc_id: int, facts: Mapping[str, Any]) -> None:
    """Refuse (Conflict) unless the document needs no approval or its latest round is approved."""
    s, company_id = ctx.session, _company(ctx)
    state = approval_state(s, company_id, doc_type, doc_id)
    if state == "pending":
        raise Conflict("error.approvals.pending")
    if state == "rejected":
        raise Conflict("error.approvals.rejected")
    if state == "none" and matching_rules(s, company_id, doc_type, facts):
        raise Conflict("error.approvals.required")


def actor_role_ids(session: Any, user_id: int | None) -> set[int]:
    from erp_core.security.models import UserRole

    if user_id is None:
        return set()
    return set(session.execute(select(UserRole.role_id).where(UserRole.user_id == user_id)).scalars())


def may_decide(req: ApprovalRequest, user_id: int | None, role_ids: set[int]) -> bool:
    """Is ``user_id`` (holding ``role_ids``) the approver ``req`` names? (self-approval is checked apart)"""
    if user_id is None:
        return False
    if req.approver_user_id is not None:
        return req.approver_user_id == user_id
    return req.approver_role_id is not None and req.approver_role_id in role_ids


def _decide(ctx: Context, request_id: int, version: int | None, outcome: str, comment: str) -> ApprovalRequest:
    s = ctx.session
    req = s.execute(select(ApprovalRequest).where(ApprovalRequest.id == request_id).with_for_update()
                    ).scalar_one_or_none()
    if req is None or req.company_id != ctx.actor.company_id:
        raise NotFound(entity="approval_request", id=request_id)
    ctx.check_version(req, version)
    if req.status != "pending":
        raise Conflict("error.approvals.not_pending", status=req.status)
    uid = ctx.actor.user_id
    if uid is not None and uid in (req.owner_id, req.submitted_by):
        raise Conflict("error.approvals.self_approval")
    if not may_decide(req, uid, actor_role_ids(s, uid)):
        raise Conflict("error.approvals.not_approver")
    earlier = [r for r in _round_requests(s, req.company_id, req.doc_type, req.doc_id)
               if r.round == req.round and r.level < req.level and r.status != "approved"]
    if earlier:
        raise Conflict("error.approvals.earlier_level", level=min(r.level for r in earlier))
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError("error.too_long", field=F_COMMENT, max=500)
    if outcome == "rejected" and not comment:
        raise ValidationError("error.approvals.reason_required", field=F_COMMENT)
    req.status, req.comment = outcome, comment
    req.decided_by, req.decided_by_name, req.decided_at = uid, ctx.actor.username, naive_utcnow()
    if outcome == "rejected":  # the round is over: the others have nothing left to decide
        for other in _round_requests(s, req.company_id, req.doc_type, req.doc_id):
            if other.id != req.id and other.status == "pending":
                other.status = "closed"
    s.flush()
    ctx.audit("approval_request", req.id, status=["pending", outcome], doc_type=req.doc_type, doc_id=req.doc_id,
              level=req.level, comment=comment)
    return req


@use_case("approvals.request.decide", zh="审批单据", en="Decide approvals")
def approve(ctx: Context, *, request_id: int, comment: str = "", version: int | None = None) -> str:
    """Approve one pending request; returns the document's approval state afterwards."""
    req = _decide(ctx, request_id, version, "approved", comment)
    state = approval_state(ctx.session, req.company_id, req.doc_type, req.doc_id)
    _settle_change(ctx, req, state)
    return state


@use_case("approvals.request.decide", zh="审批单据", en="Decide approvals")
def reject(ctx: Context, *, request_id: int, comment: str, version: int | None = None) -> str:
    """Reject one pending request (a reason is required): the document's approval is rejected."""
    req = _decide(ctx, request_id, version, "rejected", comment)
    state = approval_state(ctx.session, req.company_id, req.doc_type, req.doc_id)
    _settle_change(ctx, req, state)
    return state


def _settle_change(ctx: Context, req: ApprovalRequest, state: str) -> None:
    """A major change (重大变更, subject ``change_<kind>``) decided from the generic inbox takes effect in the same
    transaction once its approval is complete (or is closed as rejected), as from the major-changes page: no
    second "apply" click."""
    if req.doc_type.startswith("change_") and state in ("approved", "rejected"):
        from erp_core.changes.services import settle_decided_change

        settle_decided_change(ctx, req.doc_id)


def _check_rule(ctx: Context, *, doc_type: Any, condition: Any, threshold: Any, approver_role_id: Any,
                approver_user_id: Any, level: Any) -> dict[str, Any]:
    from erp_core.security.models import Role, User

    problems: list[ValidationError] = []
    doc_type = (doc_type or "").strip() if isinstance(doc_type, str) else ""
    if not doc_type or len(doc_type) > 40:
        problems.append(ValidationError("error.required", field=F_DOC_TYPE))
    if condition not in CONDITIONS:
        problems.append(ValidationError("error.approvals.condition", field=F_CONDITION))
    value = None
    if condition in NEEDS_THRESHOLD:
        try:
            value = to_decimal(threshold) if threshold not in (None, "") else None
        except (TypeError, ValueError):
            value = None
        if value is None or not value.is_finite() or value < 0 or not has_scale(value, QUANTITY_SCALE) \
                or value > Decimal(10) ** 14:
            problems.append(ValidationError("error.approvals.threshold", field=F_THRESHOLD))
            value = None
    if (approver_role_id is None) == (approver_user_id is None):
        problems.append(ValidationError("error.approvals.one_approver", field=F_APPROVER))
    else:
        s, cid = ctx.session, ctx.actor.company_id
        if approver_role_id is not None:
            role = s.get(Role, approver_role_id) if isinstance(approver_role_id, int) else None
            if role is None or role.company_id != cid:
                problems.append(ValidationError("error.approvals.unknown_approver", field=F_APPROVER))
        else:
            user = s.get(User, approver_user_id) if isinstance(approver_user_id, int) else None
            if user is None or user.company_id != cid:
                problems.append(ValidationError("error.approvals.unknown_approver", field=F_APPROVER))
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= MAX_LEVEL:
        problems.append(ValidationError("error.approvals.level", field=F_LEVEL, max=MAX_LEVEL))
    raise_if(problems)
    return {"doc_type": doc_type, "condition": condition, "threshold": value, "approver_role_id": approver_role_id,
            "approver_user_id": approver_user_id, "level": level}


@use_case("approvals.rule.manage", zh="管理审批规则", en="Manage approval rules")
def create_rule(ctx: Context, *, doc_type: str, condition: str, threshold: Any = None,
                approver_role_id: int | None = None, approver_user_id: int | None = None, level: int = 1) -> int:
    """A new active rule; exactly one of approver_role_id / approver_user_id. Returns its id."""
    values = _check_rule(ctx, doc_type=doc_type, condition=condition, threshold=threshold,
                         approver_role_id=approver_role_id, approver_user_id=approver_user_id, level=level)
    rule = ApprovalRule(company_id=ctx.actor.company_id, active=True, created_by=ctx.actor.user_id, **values)
    ctx.session.add(rule)
    ctx.session.flush()
    ctx.audit("approval_rule", rule.id, **{k: str(v) if v is not None else None for k, v in values.items()})
    return rule.id


@use_case("approvals.rule.manage", zh="管理审批规则", en="Manage approval rules")
def update_rule(ctx: Context, *, rule_id: int, version: int, doc_type: str, condition: str, threshold: Any = None,
                approver_role_id: int | None = None, approver_user_id: int | None = None, level: int = 1,
                active: bool = True) -> None:
    """Change a rule (requests already opened keep what they were asked); ``active=False`` retires it."""
    rule = ctx.session.get(ApprovalRule, rule_id)
    if rule is None or rule.company_id != ctx.actor.company_id:
        raise NotFound(entity="approval_rule", id=rule_id)
    ctx.check_version(rule, version)
    values = _check_rule(ctx, doc_type=doc_type, condition=condition, threshold=threshold,
                         approver_role_id=approver_role_id, approver_user_id=approver_user_id, level=level)
    ctx.diff(rule, active=bool(active), **values)
    ctx.session.flush()
    ctx.audit("approval_rule", rule.id)
