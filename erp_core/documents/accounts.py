"""科目设置 — which account a document posts to, as data. THE interface every posting function uses:

    account_for(ctx, "stock", product_id=..., warehouse_id=..., partner_id=...) -> account code (str)

Roles (ROLES) name what the amount is (stock value, input VAT, payable, the 暂估 liability, ...). The answer is
the most specific rule the company has set (product category, warehouse, partner), else the default of the
company's accounting standard below. Posting functions never write an account code literal: they ask here, so a
company that keeps raw materials on 1403 or books 暂估 on its own sub-account changes a setting, not code.

The rules table (account_rule, page 财务 → 科目设置, use cases in erp_core/costing/rules_services.py) and the
precedence when several rules match are described in erp_core/costing/rules.py. A partner id is a supplier for
the purchasing roles (payable, accrued_payable, prepayment, input_vat) and a customer for the sales roles
(receivable, advance_receipt, revenue, output_vat); for any other role pass ``partner_kind=`` ("supplier" or
"customer") for partner rules to apply.
"""

from __future__ import annotations

from typing import Any

# role -> (小企业会计准则 code, 企业会计准则 code)
ROLES: dict[str, tuple[str, str]] = {
    "stock": ("1405", "1405"),  # 库存商品 (a category of raw materials maps to 1403 原材料 by rule)
    "input_vat": ("22210101", "22210101"),  # 应交税费—应交增值税—进项税额
    "output_vat": ("22210102", "22210102"),  # 应交税费—应交增值税—销项税额
    "payable": ("220201", "220201"),  # 应付账款—应付货款 (invoiced; supplier dimension)
    "accrued_payable": ("220202", "220202"),  # 应付账款—暂估应付款 (goods received, invoice not yet)
    "prepayment": ("1123", "1123"),  # 预付账款
    "receivable": ("1122", "1122"),  # 应收账款
    "advance_receipt": ("2203", "2203"),  # 预收账款
    "revenue": ("5001", "6001"),  # 主营业务收入
    "cogs": ("5401", "6401"),  # 主营业务成本 (also where a price variance on goods already sold goes)
    "stock_pending": ("1901", "1901"),  # 待处理财产损溢 (stocktake gains and losses before approval)
    "stock_gain": ("5301", "6602"),  # 盘盈: 小企业 营业外收入; 企业 冲减管理费用
    "stock_loss": ("5602", "6602"),  # 盘亏 (normal): 管理费用
    "other_issue": ("5602", "6602"),  # 其他出库/领用 default expense (the document may name its own)
    "other_receipt": ("5301", "6301"),  # 其他入库 default counter account: 营业外收入 (the document may name its own)
    "bank": ("1002", "1002"),  # 银行存款
    "cash": ("1001", "1001"),  # 库存现金
    # payroll (HR): 应付职工薪酬 sub-accounts, withholdings, and the expense each department's pay goes to
    "payroll_wages": ("221101", "221101"),  # 应付职工薪酬—职工工资
    "payroll_social": ("221103", "221103"),  # 应付职工薪酬—社会保险费 (employer part)
    "payroll_housing": ("221104", "221104"),  # 应付职工薪酬—住房公积金 (employer part)
    "payroll_withheld": ("2241", "2241"),  # 其他应付款 (employee 社保/公积金 withheld)
    "iit_payable": ("222106", "222106"),  # 应交税费—应交个人所得税
    "payroll_recoverable": ("1221", "1221"),  # 其他应收款 (pay taken back by a 补扣, owed by the employee)
    "salary_admin": ("5602", "6602"),  # 管理费用
    "salary_sales": ("5601", "6601"),  # 销售费用
    "salary_production": ("4001", "5001"),  # 生产成本 (直接人工)
    "salary_overhead": ("4101", "5101"),  # 制造费用
    # receivables (billing): 现金折扣 to 财务费用; 坏账 written off: 小企业 directly to 营业外支出 (直接转销法),
    # 企业 against 坏账准备 (备抵法)
    "cash_discount": ("5603", "6603"),
    "bad_debt": ("5711", "1231"),
    "service_parts": ("5601", "6601"),  # 售后工单领用配件 (CRM): 销售费用 (售后服务/产品质量保证)
}


# A chart seeded before the 暂估 sub-accounts existed keeps 2202 as one leaf account (payables and 暂估 on it,
# as they always were there) until the company gives it sub-accounts (科目升级): the default falls back.
LEGACY_DEFAULTS: dict[str, str] = {"220201": "2202", "220202": "2202"}


def default_account(standard: str, role: str) -> str:
    """The built-in default of ``role`` under ``standard`` ('small_business' or 'enterprise')."""
    small, enterprise = ROLES[role]
    return enterprise if standard == "enterprise" else small


def account_for(ctx: Any, role: str, *, product_id: int | None = None, warehouse_id: int | None = None,
                partner_id: int | None = None, partner_kind: str | None = None) -> str:
    """The account code ``role`` posts to for this product / warehouse / partner in the actor's company: the
    most specific rule of 科目设置, else the default of the company's accounting standard."""
    from erp_core.costing.rules import rule_for
    from erp_core.db.master_cache import kept
    from erp_core.finance.close_services import standard_of

    if role not in ROLES:
        raise KeyError(f"unknown posting account role {role!r}")
    company_id = ctx.company_id if ctx.company_id is not None else ctx.actor.company_id
    rule = rule_for(ctx.session, company_id, role, product_id=product_id, warehouse_id=warehouse_id,
                    partner_id=partner_id, partner_kind=partner_kind)
    if rule is not None:
        return rule.account_code
    standard = kept(ctx.session, "company.standard", company_id, lambda: standard_of(ctx.session, company_id))
    code = default_account(standard, role)
    if code in LEGACY_DEFAULTS and not _has_account(ctx.session, company_id, code):
        return LEGACY_DEFAULTS[code]
    return code


def _has_account(session: Any, company_id: int, code: str) -> bool:
    """Whether the company's chart has ``code`` (kept across transactions: erp_core/db/master_cache.py)."""
    from sqlalchemy import select

    from erp_core.db.master_cache import kept
    from erp_core.finance.models import Account

    return kept(session, "accounts.has", company_id, lambda: session.execute(select(Account.id).where(
        Account.company_id == company_id, Account.code == code)).first() is not None, code)
