"""科目设置: which rule of account_rule answers account_for (the read side, no permission: posting code calls it
inside its own use case).

A rule matches when each criterion it sets matches: its product category is the product's category or one of
that category's ancestors (a category applies to its sub-categories), its warehouse is the warehouse, its partner
(kind + id) is the partner. Precedence among matching rules (most specific wins):

1. the rule setting MORE criteria wins (category + warehouse beats category alone);
2. with as many criteria: a partner rule beats a product-category rule, which beats a warehouse rule;
3. between category rules: the nearer category wins (the product's own category before its parent's).

No rule matches -> the default of the company's accounting standard (documents.accounts.ROLES).
Rules are kept across transactions while the master-data stamp is unchanged (erp_core/db/master_cache.py: a
write to account_rule or product_category changes it); a unit of work that changes them reads them fresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

CACHE_KEY = "costing.account_rules"

# a partner id means a supplier for these roles and a customer for those; other roles need partner_kind=
SUPPLIER_ROLES = ("payable", "accrued_payable", "prepayment", "input_vat")
CUSTOMER_ROLES = ("receivable", "advance_receipt", "revenue", "output_vat")


@dataclass(frozen=True)
class Rule:
    id: int
    role: str
    category_id: int | None
    warehouse_id: int | None
    partner_kind: str | None
    partner_id: int | None
    account_code: str


@dataclass
class _Cached:
    rules: dict[str, tuple[Rule, ...]]  # role -> rules (kept across transactions: read-only)
    parents: dict[int, int | None]  # category tree
    product_category: dict[int, int | None]


def clear_cache(session: Any) -> None:
    from erp_core.db.master_cache import wrote_master_data

    session.info.pop(CACHE_KEY, None)
    wrote_master_data(session)  # the flush that wrote the rule did it already; said here for the reader


def _load(session: Any, company_id: int) -> _Cached:
    """The company's rules and category tree (kept across transactions while the master-data stamp is
    unchanged: erp_core/db/master_cache.py), with this unit of work's product -> category answers."""
    from erp_core.db.master_cache import kept

    rules, parents = kept(session, CACHE_KEY, company_id, lambda: _read(session, company_id))
    cache = session.info.setdefault(CACHE_KEY, {})
    c = cache.get(company_id)
    if c is None or c.rules is not rules:
        c = cache[company_id] = _Cached(rules, parents, {})
    return c


def _read(session: Any, company_id: int) -> tuple[dict[str, tuple[Rule, ...]], dict[int, int | None]]:
    from erp_core.costing.models import AccountRule
    from erp_core.masterdata.models_items import ProductCategory

    rules: dict[str, list[Rule]] = {}
    for r in session.execute(select(AccountRule).where(AccountRule.company_id == company_id)
                             .order_by(AccountRule.id)).scalars():
        rules.setdefault(r.role, []).append(Rule(r.id, r.role, r.category_id, r.warehouse_id, r.partner_kind,
                                                 r.partner_id, r.account_code))
    parents: dict[int, int | None] = {}
    if any(r.category_id is not None for rs in rules.values() for r in rs):
        parents = dict(session.execute(select(ProductCategory.id, ProductCategory.parent_id)
                                       .where(ProductCategory.company_id == company_id)).all())
    return {role: tuple(rs) for role, rs in rules.items()}, parents


def _category_of(session: Any, c: _Cached, product_id: int) -> int | None:
    from erp_core.masterdata.models_items import Product

    if product_id not in c.product_category:
        c.product_category[product_id] = session.execute(
            select(Product.category_id).where(Product.id == product_id)).scalar_one_or_none()
    return c.product_category[product_id]


def implied_partner_kind(role: str) -> str | None:
    return "supplier" if role in SUPPLIER_ROLES else "customer" if role in CUSTOMER_ROLES else None


def rank(rule: Rule, *, chain: list[int], warehouse_id: int | None, partner_kind: str | None,
         partner_id: int | None) -> tuple[int, int, int, int] | None:
    """The precedence key of ``rule`` (higher wins), or None when it does not match. ``chain`` is the product's
    category followed by its ancestors (nearest first)."""
    if rule.warehouse_id is not None and rule.warehouse_id != warehouse_id:
        return None
    if rule.partner_id is not None and (rule.partner_id != partner_id or rule.partner_kind != partner_kind):
        return None
    nearness = 0
    if rule.category_id is not None:
        if rule.category_id not in chain:
            return None
        nearness = 1000 - chain.index(rule.category_id)
    n = sum(x is not None for x in (rule.category_id, rule.warehouse_id, rule.partner_id))
    return n, int(rule.partner_id is not None), nearness, int(rule.warehouse_id is not None)


def rule_for(session: Any, company_id: int, role: str, *, product_id: int | None = None,
             warehouse_id: int | None = None, partner_id: int | None = None,
             partner_kind: str | None = None) -> Rule | None:
    """The most specific rule of ``role`` for these criteria, or None (then the standard's default applies)."""
    c = _load(session, company_id)
    candidates = c.rules.get(role)
    if not candidates:
        return None
    kind = partner_kind or implied_partner_kind(role)
    chain: list[int] = []
    if product_id is not None:
        node = _category_of(session, c, product_id)
        while node is not None and node not in chain:
            chain.append(node)
            node = c.parents.get(node)
    best, best_key = None, None
    for r in candidates:
        key = rank(r, chain=chain, warehouse_id=warehouse_id, partner_kind=kind,
                   partner_id=partner_id if kind is not None else None)
        if key is not None and (best_key is None or key > best_key):
            best, best_key = r, key
    return best
