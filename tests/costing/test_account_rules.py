"""科目设置: rules by product category (applying to sub-categories), warehouse and partner; the most specific
wins; validation with localized messages; account_for reads the rules; clearing falls back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erp_core.costing import rules_queries as rq
from erp_core.costing import rules_services as rs
from erp_core.documents.accounts import account_for
from erp_core.finance.account_services import set_account_frozen
from erp_core.finance.models import Account
from erp_core.i18n import render_error
from erp_core.kernel.errors import NotFound, ValidationError, ValidationErrors
from erp_core.masterdata import partners_services as ps
from erp_core.security.audit import AuditLog
from erp_core.usecase import Context
from tests.costing.support import build


def _account(db, st, role, **kw):
    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, st.admin, "t", db, company_id=st.company_id)
        return account_for(ctx, role, **kw)


def _cat(db, st, code):
    from erp_core.masterdata.models_items import ProductCategory

    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(ProductCategory.id).where(ProductCategory.code == code)).scalar_one()


def test_most_specific_rule_wins(db, company):
    st = build(db, company=company)
    food, tea = _cat(db, st, "FOOD"), _cat(db, st, "TEA")
    p1, p2 = st.products["P1"], st.products["P2"]  # P1 is TEA (under FOOD), P2 is HOME
    w1, w2 = st.warehouses["WH01"], st.warehouses["WH02"]
    assert _account(db, st, "stock", product_id=p1, warehouse_id=w1) == "1405"  # the standard's default
    rs.set_account_rule(db, st.admin, role="stock", account_code="1403", category_id=food)
    assert _account(db, st, "stock", product_id=p1, warehouse_id=w1) == "1403"  # FOOD applies to TEA
    assert _account(db, st, "stock", product_id=p2, warehouse_id=w1) == "1405"
    rs.set_account_rule(db, st.admin, role="stock", account_code="1901", category_id=tea)
    assert _account(db, st, "stock", product_id=p1) == "1901"  # the nearer category wins
    rs.set_account_rule(db, st.admin, role="stock", account_code="1002", warehouse_id=w2)
    assert _account(db, st, "stock", product_id=p2, warehouse_id=w2) == "1002"  # warehouse rule
    assert _account(db, st, "stock", product_id=p1, warehouse_id=w2) == "1901"  # category beats warehouse
    rs.set_account_rule(db, st.admin, role="stock", account_code="1001", category_id=food, warehouse_id=w2)
    assert _account(db, st, "stock", product_id=p1, warehouse_id=w2) == "1001"  # two criteria beat one
    # partner rules: a supplier for the purchasing roles
    sup = ps.create_supplier(db, st.admin, values={"code": "S01", "name": "湖南茶厂"})
    rs.set_account_rule(db, st.admin, role="payable", account_code="1002", partner_kind="supplier",
                        partner_id=sup)
    assert _account(db, st, "payable", partner_id=sup) == "1002"
    assert _account(db, st, "receivable", partner_id=sup) == "1122"  # a customer role: no supplier rule applies
    # setting the same criteria again changes that rule, it adds none
    n = len(rq.list_account_rules(db, st.admin))
    rs.set_account_rule(db, st.admin, role="stock", account_code="1403", category_id=tea)
    rows = rq.list_account_rules(db, st.admin)
    assert len(rows) == n and _account(db, st, "stock", product_id=p1) == "1403"
    tea_row = next(r for r in rows if r.category.startswith("TEA") and not r.warehouse)
    assert tea_row.account_code == "1403" and tea_row.account_name == "原材料"
    # clearing falls back to the next most specific rule
    rs.clear_account_rule(db, st.admin, rule_id=tea_row.id, version=tea_row.version)
    assert _account(db, st, "stock", product_id=p1) == "1403"  # FOOD's rule
    assert rq.resolve_account(db, st.admin, role="stock", product_id=p1, warehouse_id=w2) == "1001"
    with db.uow(readonly=True) as uow:
        actions = uow.session.execute(select(AuditLog.action).where(
            AuditLog.action == "costing.account_rule.manage", AuditLog.outcome == "ok")).scalars().all()
    assert len(actions) == 7  # six sets and one clear
    with pytest.raises(NotFound):
        rs.clear_account_rule(db, st.admin, rule_id=tea_row.id)


def test_rule_validation_names_each_problem_in_both_languages(db, company):
    st = build(db, company=company)
    with pytest.raises(ValidationErrors) as e:
        rs.set_account_rule(db, st.admin, role="nope", account_code="9999", warehouse_id=999999,
                            partner_id=1)
    got = {(x.message_id, x.field) for x in e.value.errors}
    assert got == {("error.costing.unknown_role", "field.costing.role"),
                   ("error.costing.account_unknown", "field.costing.account"),
                   ("error.costing.unknown_warehouse", "field.costing.warehouse"),
                   ("error.costing.partner_kind", "field.costing.partner")}
    with pytest.raises(ValidationError) as e:
        rs.set_account_rule(db, st.admin, role="stock", account_code="2221")  # 应交税费 has sub-accounts
    err = e.value
    assert err.message_id == "error.costing.account_not_leaf"
    assert "末级科目" in render_error(err, "zh_CN") and "leaf" in render_error(err, "en")
    with db.uow(readonly=True) as uow:
        acc = uow.session.execute(select(Account.id).where(Account.company_id == st.company_id,
                                                           Account.code == "1403")).scalar_one()
    set_account_frozen(db, st.admin, account_id=acc, frozen=True)
    with pytest.raises(ValidationError) as e:
        rs.set_account_rule(db, st.admin, role="stock", account_code="1403")
    assert e.value.message_id == "error.costing.account_inactive"
    assert rq.list_account_rules(db, st.admin) == []


def test_role_defaults_follow_the_standard(db, company):
    st = build(db, company=company)
    defaults = {r: (code, name) for r, code, name in rq.role_defaults(db, st.admin)}
    assert defaults["cogs"] == ("5401", "主营业务成本") and defaults["stock"] == ("1405", "库存商品")
    choices = rq.rule_choices(db, st.admin)
    assert ("1405", "1405 库存商品") in choices["accounts"] and all(k in choices for k in ("categories",
                                                                                       "warehouses", "suppliers"))
