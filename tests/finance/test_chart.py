"""Charts of accounts: seeded at setup for both standards, and the rules for adding, freezing and deleting."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from erp_core.finance.account_services import (
    create_account,
    delete_account,
    set_account_frozen,
    update_account,
)
from erp_core.finance.charts import level_of, load_chart, parent_code
from erp_core.finance.models import Account
from erp_core.finance.queries import list_accounts
from erp_core.finance.voucher_services import create_voucher
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.setup.demo import demo_tax_id
from erp_core.setup.services import SETUP_PERMISSION, run_setup
from tests.finance.support import DAY, account_id, accountant, fields, ids, line

SMALL = {"1001": "库存现金", "1002": "银行存款", "1122": "应收账款", "1221": "其他应收款", "1403": "原材料",
         "1405": "库存商品", "1601": "固定资产", "1602": "累计折旧", "2001": "短期借款", "2202": "应付账款",
         "2211": "应付职工薪酬", "2221": "应交税费", "222101": "应交增值税", "22210101": "进项税额",
         "22210102": "销项税额", "22210103": "进项税额转出", "22210104": "转出未交增值税", "22210105": "已交税金",
         "222102": "未交增值税", "222103": "应交城市维护建设税", "222104": "应交教育费附加",
         "222105": "应交地方教育附加", "222106": "应交个人所得税", "222107": "应交企业所得税", "3001": "实收资本",
         "3103": "本年利润", "3104": "利润分配", "310415": "未分配利润", "4001": "生产成本",
         "5001": "主营业务收入", "5401": "主营业务成本", "5403": "税金及附加", "5601": "销售费用",
         "5602": "管理费用", "5603": "财务费用", "5801": "所得税费用"}
ENTERPRISE = {"1001": "库存现金", "1122": "应收账款", "1231": "坏账准备", "2221": "应交税费", "4001": "实收资本",
              "4103": "本年利润", "4104": "利润分配", "410415": "未分配利润", "5001": "生产成本",
              "6001": "主营业务收入", "6401": "主营业务成本", "6403": "税金及附加", "6601": "销售费用",
              "6602": "管理费用", "6603": "财务费用", "6801": "所得税费用"}


@pytest.mark.parametrize("standard", ["small_business", "enterprise"])
def test_chart_files_are_consistent(standard):
    scheme, rows = load_chart(standard)
    codes = [r.code for r in rows]
    assert len(codes) == len(set(codes))
    for r in rows:
        assert level_of(r.code, scheme) is not None, r.code
        p = parent_code(r.code, scheme)
        assert p is None or p in codes, r.code
        assert r.direction in ("debit", "credit") and r.category
        if p:  # a sub-account belongs to its parent's category
            assert r.category == next(x.category for x in rows if x.code == p)


def _accounts(db, company_id):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Account).where(Account.company_id == company_id)).scalars()
        return {a.code: SimpleNamespace(**{c.key: getattr(a, c.key) for c in Account.__table__.columns})
                for a in rows}


def test_small_business_chart_seeded_at_setup(db, company):
    accs = _accounts(db, company.company_id)
    for code, name in SMALL.items():
        assert accs[code].name == name, code
    assert accs["1122"].aux == "customer" and accs["2202"].aux == "supplier"
    assert accs["2221"].is_leaf is False and accs["222101"].is_leaf is False and accs["22210102"].is_leaf
    assert accs["22210102"].parent_id == accs["222101"].id and accs["22210102"].level == 3
    assert accs["1602"].direction == "credit" and accs["5001"].direction == "credit"
    assert accs["5602"].category == "profit_loss" and accs["3103"].category == "equity"
    assert "6001" not in accs


def test_enterprise_chart_seeded_for_enterprise_standard(db):
    result = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), company_name="企业准则公司",
                       tax_id=demo_tax_id(), admin_username="admin", admin_password="Adm1n-Test-Pass!",
                       accounting_standard="enterprise")
    accs = _accounts(db, result.company_id)
    for code, name in ENTERPRISE.items():
        assert accs[code].name == name, code
    assert accs["5001"].category == "cost" and accs["6001"].category == "profit_loss"
    assert "5801" not in accs and "3103" not in accs


def test_child_extends_parent_code_and_parent_becomes_non_leaf(db, company):
    a = accountant(company.company_id)
    new_id = create_account(db, a, code="100201", name="工商银行基本户", name_en="ICBC basic")
    accs = _accounts(db, company.company_id)
    assert accs["100201"].id == new_id and accs["100201"].parent_id == accs["1002"].id
    assert accs["100201"].category == "asset" and accs["100201"].direction == "debit"
    assert accs["1002"].is_leaf is False and accs["100201"].level == 2
    # the parent no longer takes postings
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("1002", debit="1"), line("5001", credit="1")])
    assert "error.finance.line.account_not_leaf" in ids(err.value)


@pytest.mark.parametrize(("code", "message"), [
    ("1002", "error.finance.account.code_taken"),
    ("10020", "error.finance.account.code_format"),
    ("10a201", "error.finance.account.code_format"),
    ("999901", "error.finance.account.no_parent"),
    ("", "error.required"),
])
def test_bad_codes_refused_and_nothing_written(db, company, code, message):
    a = accountant(company.company_id)
    before = len(_accounts(db, company.company_id))
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        create_account(db, a, code=code, name="某科目")
    assert message in ids(err.value)
    assert ("field.finance.account.code", None) in fields(err.value)
    assert len(_accounts(db, company.company_id)) == before


def test_all_problems_reported_at_once(db, company):
    a = accountant(company.company_id)
    with pytest.raises(ValidationErrors) as err:
        create_account(db, a, code="9", name="", aux="customer,planet", category="x", direction="up")
    got = {f for f, _ in fields(err.value)}
    assert {"field.finance.account.code", "field.finance.account.name", "field.finance.account.aux",
            "field.finance.account.category", "field.finance.account.direction"} <= got


def test_child_refused_under_used_account_and_used_account_cannot_be_deleted(db, company):
    a = accountant(company.company_id)
    create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="5"), line("5001", credit="5")])
    with pytest.raises(ValidationError) as err:
        create_account(db, a, code="100101", name="备用金")
    assert err.value.message_id == "error.finance.account.parent_used"
    with pytest.raises(Conflict) as err:
        delete_account(db, a, account_id=account_id(db, company.company_id, "1001"))
    assert err.value.message_id == "error.finance.account.delete_used"
    assert "1001" in _accounts(db, company.company_id) and "100101" not in _accounts(db, company.company_id)


def test_frozen_account_takes_no_vouchers_until_unfrozen(db, company):
    a = accountant(company.company_id)
    cash = account_id(db, company.company_id, "1001")
    set_account_frozen(db, a, account_id=cash, frozen=True)
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="5"), line("5001", credit="5")])
    assert ("field.finance.line.account", 1) in fields(err.value)
    assert cash not in {r.id for r in list_accounts(db, a, postable_only=True)}
    set_account_frozen(db, a, account_id=cash, frozen=False)
    assert create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="5"), line("5001", credit="5")])


def test_delete_unused_leaf_restores_parent_leaf(db, company):
    a = accountant(company.company_id)
    child = create_account(db, a, code="100201", name="建设银行")
    with pytest.raises(Conflict):
        delete_account(db, a, account_id=account_id(db, company.company_id, "1002"))
    delete_account(db, a, account_id=child)
    accs = _accounts(db, company.company_id)
    assert "100201" not in accs and accs["1002"].is_leaf is True


def test_edit_name_and_aux_with_version(db, company):
    a = accountant(company.company_id)
    acc = _accounts(db, company.company_id)["5602"]
    new_version = update_account(db, a, account_id=acc.id, version=acc.version, name="管理费用", aux="department")
    assert _accounts(db, company.company_id)["5602"].aux == "department"
    from erp_core.kernel.errors import ConcurrencyError
    with pytest.raises(ConcurrencyError):
        update_account(db, a, account_id=acc.id, version=acc.version, name="改名")
    assert new_version == acc.version + 1
    # the new required dimension is enforced on vouchers
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("5602", debit="5"), line("1001", credit="5")])
    assert ("field.finance.dim.department", 1) in fields(err.value)


def test_code_scheme_is_configurable_when_the_chart_fits(db, company):
    from erp_core.finance.voucher_services import update_finance_settings

    a = accountant(company.company_id)
    with pytest.raises(ValidationError) as err:  # 22210101 is 4-2-2 shaped, not 4-3-3
        update_finance_settings(db, a, voucher_type_mode="single", code_scheme="4-3-3")
    assert err.value.message_id == "error.finance.setting.scheme_conflict"
    with pytest.raises(ValidationError):
        update_finance_settings(db, a, voucher_type_mode="single", code_scheme="x-2")
    update_finance_settings(db, a, voucher_type_mode="single", code_scheme="4-2-2-2")
    assert create_account(db, a, code="2221010101", name="进项税额—农产品")
    with pytest.raises((ValidationError, ValidationErrors)):  # 4-2-2-2 has no 3-digit level
        create_account(db, a, code="1002001", name="x")


@pytest.mark.parametrize("scope", ["department", "own"])
def test_chart_is_company_wide_for_any_view_scope(db, company, scope):
    # A department-scoped clerk still needs the accounts to enter and read vouchers; other companies' stay hidden.
    from tests.support.factories import actor as make_actor

    clerk = make_actor(company.company_id, {"finance.account.view": scope})
    outsider = make_actor(company.company_id + 1000, {"finance.account.view": "all"})
    codes = {a.code for a in list_accounts(db, clerk)}
    assert {"1001", "1122", "2221"} <= codes
    assert list_accounts(db, outsider) == []
