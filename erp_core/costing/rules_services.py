"""科目设置 use cases: set (create or change) and clear an account rule (permission costing.account_rule.manage).

A rule is keyed by its criteria (role, product category, warehouse, partner): setting a rule with the criteria
of an existing one changes that rule's account. The account must exist in the company, be a leaf (末级科目) and
active; every criterion must be a record of the company; a partner needs its kind (supplier or customer).
"""

from __future__ import annotations

from sqlalchemy import select

from erp_core.costing.models import PARTNER_KINDS, AccountRule
from erp_core.costing.rules import clear_cache
from erp_core.documents.accounts import ROLES
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import NotFound, ValidationError, raise_if
from erp_core.usecase import Context, use_case

F_ROLE = "field.costing.role"
F_ACCOUNT = "field.costing.account"
F_CATEGORY = "field.costing.category"
F_WAREHOUSE = "field.costing.warehouse"
F_PARTNER = "field.costing.partner"


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def check_account(session, company_id: int, code: str | None) -> list[ValidationError]:
    """The account a rule points to: exists in the company, is a leaf, is active."""
    from erp_core.finance.models import Account

    code = (code or "").strip()
    if not code:
        return [ValidationError("error.required", field=F_ACCOUNT)]
    acc = session.execute(select(Account).where(Account.company_id == company_id, Account.code == code)
                          ).scalar_one_or_none()
    if acc is None:
        return [ValidationError("error.costing.account_unknown", field=F_ACCOUNT, code=code)]
    if not acc.is_leaf:
        return [ValidationError("error.costing.account_not_leaf", field=F_ACCOUNT, code=code)]
    if acc.status != "active":
        return [ValidationError("error.costing.account_inactive", field=F_ACCOUNT, code=code)]
    return []


def _check_refs(ctx: Context, company_id: int, *, category_id, warehouse_id, partner_kind, partner_id
                ) -> list[ValidationError]:
    from erp_core.masterdata.models_items import ProductCategory
    from erp_core.masterdata.models_partners import Customer, Supplier
    from erp_core.masterdata.models_warehouse import Warehouse

    s = ctx.session
    problems = []
    for value, model, field, msg in ((category_id, ProductCategory, F_CATEGORY, "error.costing.unknown_category"),
                                     (warehouse_id, Warehouse, F_WAREHOUSE, "error.costing.unknown_warehouse")):
        if value is not None:
            row = s.get(model, value)
            if row is None or row.company_id != company_id:
                problems.append(ValidationError(msg, field=field))
    if partner_id is not None or partner_kind is not None:
        if partner_kind not in PARTNER_KINDS or partner_id is None:
            problems.append(ValidationError("error.costing.partner_kind", field=F_PARTNER))
        else:
            row = s.get(Supplier if partner_kind == "supplier" else Customer, partner_id)
            if row is None or row.company_id != company_id:
                problems.append(ValidationError("error.costing.unknown_partner", field=F_PARTNER))
    return problems


def _same_criteria(company_id: int, role: str, category_id, warehouse_id, partner_kind, partner_id):
    def eq(col, v):
        return col.is_(None) if v is None else col == v
    return select(AccountRule).where(AccountRule.company_id == company_id, AccountRule.role == role,
                                     eq(AccountRule.category_id, category_id),
                                     eq(AccountRule.warehouse_id, warehouse_id),
                                     eq(AccountRule.partner_kind, partner_kind),
                                     eq(AccountRule.partner_id, partner_id))


@use_case("costing.account_rule.manage", zh="设置科目规则", en="Set posting account rules")
def set_account_rule(ctx: Context, *, role: str, account_code: str, category_id: int | None = None,
                     warehouse_id: int | None = None, partner_kind: str | None = None,
                     partner_id: int | None = None) -> int:
    """Create the rule with these criteria, or change the account of the existing one. Returns its id."""
    company_id = _company(ctx)
    problems = []
    if role not in ROLES:
        problems.append(ValidationError("error.costing.unknown_role", field=F_ROLE, role=str(role)))
    partner_kind = partner_kind or None
    problems += check_account(ctx.session, company_id, account_code)
    problems += _check_refs(ctx, company_id, category_id=category_id, warehouse_id=warehouse_id,
                            partner_kind=partner_kind, partner_id=partner_id)
    raise_if(problems)
    code = account_code.strip()
    rule = ctx.session.execute(_same_criteria(company_id, role, category_id, warehouse_id, partner_kind,
                                              partner_id).with_for_update()).scalar_one_or_none()
    if rule is None:
        rule = AccountRule(company_id=company_id, role=role, category_id=category_id, warehouse_id=warehouse_id,
                           partner_kind=partner_kind, partner_id=partner_id, account_code=code,
                           updated_by=ctx.actor.user_id, updated_at=naive_utcnow())
        ctx.session.add(rule)
        ctx.session.flush()
        ctx.audit("account_rule", rule.id, role=role, account_code=code, category_id=category_id,
                  warehouse_id=warehouse_id, partner_kind=partner_kind, partner_id=partner_id)
    else:
        ctx.diff(rule, account_code=code)
        rule.updated_by, rule.updated_at = ctx.actor.user_id, naive_utcnow()
        ctx.session.flush()
        ctx.audit("account_rule", rule.id, role=role)
    clear_cache(ctx.session)
    return rule.id


@use_case("costing.account_rule.manage", zh="设置科目规则", en="Set posting account rules")
def clear_account_rule(ctx: Context, *, rule_id: int, version: int | None = None) -> None:
    """Remove a rule: its criteria fall back to the next most specific rule or the standard's default."""
    rule = ctx.session.get(AccountRule, rule_id)
    if rule is None or rule.company_id != _company(ctx):
        raise NotFound(entity="account_rule", id=rule_id)
    ctx.check_version(rule, version)
    ctx.audit("account_rule", rule.id, cleared=[rule.role, rule.account_code])
    ctx.session.delete(rule)
    ctx.session.flush()
    clear_cache(ctx.session)
