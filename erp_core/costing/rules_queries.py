"""科目设置 read side: the rules with their criteria named, each role's default, the choices of the page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from erp_core.costing.models import AccountRule
from erp_core.documents.accounts import ROLES, account_for, default_account
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class RuleRow:
    id: int
    version: int
    role: str
    category: str  # "code name" or ""
    warehouse: str
    partner_kind: str
    partner: str
    account_code: str
    account_name: str


def _names(ctx: Context, model, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: f"{c} {n}" for i, c, n in ctx.session.execute(select(model.id, model.code, model.name)
                                                             .where(model.id.in_(sorted(ids))))}


def _account_names(ctx: Context, company_id: int) -> dict[str, str]:
    from erp_core.finance.models import Account

    return dict(ctx.session.execute(select(Account.code, Account.name).where(Account.company_id == company_id)).all())


@query("costing.account_rule.view", zh="查看科目设置", en="View posting account rules")
def list_account_rules(ctx: Context, *, role: str | None = None) -> list[RuleRow]:
    """Every rule of the company (optionally of one role), by role then id."""
    from erp_core.masterdata.models_items import ProductCategory
    from erp_core.masterdata.models_partners import Customer, Supplier
    from erp_core.masterdata.models_warehouse import Warehouse

    cid = ctx.actor.company_id
    stmt = select(AccountRule).where(AccountRule.company_id == cid)
    if role:
        stmt = stmt.where(AccountRule.role == role)
    rules = ctx.session.execute(stmt.order_by(AccountRule.role, AccountRule.id)).scalars().all()
    cats = _names(ctx, ProductCategory, {r.category_id for r in rules if r.category_id})
    whs = _names(ctx, Warehouse, {r.warehouse_id for r in rules if r.warehouse_id})
    sups = _names(ctx, Supplier, {r.partner_id for r in rules if r.partner_kind == "supplier"})
    custs = _names(ctx, Customer, {r.partner_id for r in rules if r.partner_kind == "customer"})
    accounts = _account_names(ctx, cid)
    return [RuleRow(r.id, r.version, r.role, cats.get(r.category_id, ""), whs.get(r.warehouse_id, ""),
                    r.partner_kind or "", (sups if r.partner_kind == "supplier" else custs).get(r.partner_id, ""),
                    r.account_code, accounts.get(r.account_code, "")) for r in rules]


@query("costing.account_rule.view", zh="查看科目设置", en="View posting account rules")
def role_defaults(ctx: Context) -> list[tuple[str, str, str]]:
    """(role, default account code under the company's standard, its name) for every role."""
    from erp_core.finance.close_services import standard_of

    cid = ctx.actor.company_id
    standard = standard_of(ctx.session, cid)
    accounts = _account_names(ctx, cid)
    return [(role, default_account(standard, role), accounts.get(default_account(standard, role), ""))
            for role in ROLES]


@query("costing.account_rule.view", zh="查看科目设置", en="View posting account rules")
def resolve_account(ctx: Context, *, role: str, product_id: int | None = None, warehouse_id: int | None = None,
                    partner_kind: str | None = None, partner_id: int | None = None) -> str:
    """The account ``role`` would post to for these criteria (the page's 'which account?' probe)."""
    return account_for(ctx, role, product_id=product_id, warehouse_id=warehouse_id, partner_id=partner_id,
                       partner_kind=partner_kind)


@query("costing.account_rule.view", zh="查看科目设置", en="View posting account rules")
def rule_choices(ctx: Context) -> dict[str, list[tuple[int | str, str]]]:
    """The page's choices: leaf active accounts, categories, warehouses, suppliers, customers, products."""
    from erp_core.finance.models import Account
    from erp_core.masterdata.models_items import Product, ProductCategory
    from erp_core.masterdata.models_partners import Customer, Supplier
    from erp_core.masterdata.models_warehouse import Warehouse

    cid = ctx.actor.company_id
    s = ctx.session
    out: dict[str, list[tuple[int | str, str]]] = {
        "accounts": [(c, f"{c} {n}") for c, n in s.execute(
            select(Account.code, Account.name).where(Account.company_id == cid, Account.is_leaf.is_(True),
                                                     Account.status == "active").order_by(Account.code))]}
    for key, model in (("categories", ProductCategory), ("warehouses", Warehouse), ("suppliers", Supplier),
                       ("customers", Customer), ("products", Product)):
        out[key] = [(i, f"{c} {n}") for i, c, n in s.execute(
            select(model.id, model.code, model.name).where(model.company_id == cid).order_by(model.code))]
    return out
