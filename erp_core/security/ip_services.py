"""Administration of IP rules (访问地址限制): allowed networks (CIDR) per user or per role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from erp_core.kernel.errors import DomainError, NotFound, ValidationError
from erp_core.security.common import (
    check_may_give_roles,
    load_role,
    load_user_to_change,
    raise_problems,
    text_problems,
)
from erp_core.security.ip_rules import ip_permitted
from erp_core.security.models import Role, User
from erp_core.security.models_identity import IpRule
from erp_core.security.network import parse_network
from erp_core.usecase import Context, query, use_case


@dataclass(frozen=True)
class IpRuleRow:
    id: int
    cidr: str
    user_id: int | None
    username: str | None
    role_id: int | None
    role_code: str | None
    note: str | None
    created_at: dt.datetime


def _check_target(ctx: Context, user_id: int | None, role_id: int | None) -> None:
    """A rule restricts (or, deleted, frees) an account or every holder of a role: a delegated administrator
    sets rules only for accounts within their row scope holding no more than they do, and for roles within
    their own rights (the administrator role: administrators only)."""
    if user_id is not None:
        load_user_to_change(ctx, user_id)
    elif role_id is not None:
        check_may_give_roles(ctx, [load_role(ctx, role_id)])


def cidr_problems(cidr: str | None) -> list[ValidationError]:
    if not (cidr or "").strip():
        return [ValidationError("error.required", field="field.security.cidr")]
    if parse_network(cidr) is None:
        return [ValidationError("error.security.cidr_format", field="field.security.cidr", value=cidr.strip())]
    return []


@use_case("admin.ip_rule.create", zh="新增访问地址规则", en="Add IP rule")
def add_ip_rule(ctx: Context, *, cidr: str, user_id: int | None = None, role_id: int | None = None,
                note: str | None = None) -> int:
    """Allow ``cidr`` for one user or for one role (exactly one of the two)."""
    problems = cidr_problems(cidr) + text_problems(note, "field.security.note", required=False, max_len=200)
    if (user_id is None) == (role_id is None):
        problems.append(ValidationError("error.security.rule_target", field="field.security.rule_target"))
    raise_problems(problems)
    _check_target(ctx, user_id, role_id)
    net = str(parse_network(cidr))
    rule = IpRule(company_id=ctx.actor.company_id, user_id=user_id, role_id=role_id, cidr=net,
                  note=(note or "").strip() or None)
    ctx.session.add(rule)
    ctx.session.flush()
    me = ctx.session.get(User, ctx.actor.user_id) if ctx.actor.user_id is not None else None
    if me is not None and ctx.actor.session_id is not None and not ip_permitted(ctx.session, me,
                                                                                  ctx.actor.client_ip):
        # The administrator's own next page load would be refused: almost certainly a mistake.
        raise DomainError("error.security.rule_locks_you_out", ip=ctx.actor.client_ip or "?")
    ctx.audit("ip_rule", rule.id, cidr=net, user_id=user_id, role_id=role_id)
    return rule.id


@use_case("admin.ip_rule.delete", zh="删除访问地址规则", en="Delete IP rule")
def delete_ip_rule(ctx: Context, *, rule_id: int) -> None:
    rule = ctx.session.get(IpRule, rule_id) if isinstance(rule_id, int) else None
    if rule is None or rule.company_id != ctx.actor.company_id:
        raise NotFound(entity="ip_rule", id=rule_id)
    _check_target(ctx, rule.user_id, rule.role_id)
    ctx.audit("ip_rule", rule.id, cidr=rule.cidr, user_id=rule.user_id, role_id=rule.role_id, deleted=True)
    ctx.session.delete(rule)


@query("admin.ip_rule.view", zh="查看访问地址规则", en="View IP rules")
def list_ip_rules(ctx: Context) -> list[IpRuleRow]:
    rows = ctx.session.execute(
        select(IpRule, User.username, Role.code).outerjoin(User, User.id == IpRule.user_id)
        .outerjoin(Role, Role.id == IpRule.role_id).where(IpRule.company_id == ctx.actor.company_id)
        .order_by(IpRule.id)).all()
    return [IpRuleRow(r.id, r.cidr, r.user_id, username, r.role_id, code, r.note, r.created_at)
            for r, username, code in rows]
