"""Finance pages in Streamlit AppTest as the administrator (SQLite): each renders; a voucher entered in the grid
is saved; the balance button fills the last line; problems name their line; the print view shows 大写金额."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from erp_core.finance.models import Voucher
from erp_core.finance.voucher_services import create_voucher
from tests.finance.support import accountant, line
from tests.ui.harness import texts

PAGES = {
    "pages/finance/accounts.py": "会计科目",
    "pages/finance/voucher_entry.py": "录入凭证",
    "pages/finance/vouchers.py": "凭证管理",
    "pages/finance/voucher_print.py": "凭证打印",
    "pages/finance/periods.py": "会计期间",
}


def _count(db) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(Voucher)).scalar_one()


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_for_the_administrator(admin_app, page):
    at = admin_app.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert not at.error, [e.value for e in at.error]


def test_chart_of_accounts_lists_the_seeded_chart(admin_app):
    at = admin_app.switch_page("pages/finance/accounts.py").run()
    codes = set(at.dataframe[0].value.iloc[:, 0])
    assert {"1001", "1122", "2221", "22210102", "5801"} <= codes


def _fill(at, rows):
    """Put rows into the entry grid the way the page keeps them (session state), then rerun."""
    lines = []
    for summary, account, debit, credit in rows:
        lines.append({"summary": summary, "account": account, "debit": debit, "credit": credit,
                      **{d: None for d in ("customer_id", "supplier_id", "department_id", "project_id",
                                           "employee_id", "product_id")}})
    at.session_state["ve_lines"] = lines
    at.session_state["ve_gen"] = at.session_state["ve_gen"] + 1 if "ve_gen" in at.session_state else 1
    return at.run()


def test_enter_balance_and_save_a_voucher(admin_app, ui_db):
    at = admin_app.switch_page("pages/finance/voucher_entry.py").run()
    at = _fill(at, [("收到货款", "1002 银行存款", "1130.00", ""), ("收到货款", "5001 主营业务收入", "", "1000"),
                    ("", "22210102 销项税额", "", "")])
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "末行找平").click()
    at = at.run()
    assert st_lines(at)[2]["credit"] == "130.00"
    save = next(b for b in at.button if b.label == "保存")
    save.click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _count(ui_db) == 1
    assert "记-0001" in texts(at)


def st_lines(at):
    return at.session_state["ve_lines"]


def test_problems_name_their_lines_and_nothing_is_saved(admin_app, ui_db):
    at = admin_app.switch_page("pages/finance/voucher_entry.py").run()
    at = _fill(at, [("赊销", "1122 应收账款", "100", ""), ("赊销", "5001 主营业务收入", "", "90")])
    next(b for b in at.button if b.label == "保存").click()
    at = at.run()
    errors = " ".join(e.value for e in at.error)
    assert "第 1 行" in errors and "客户" in errors
    assert _count(ui_db) == 0


def test_print_view_shows_capital_amount(admin_app, ui_db, ui_company):
    a = accountant(ui_company.company_id)
    vid = create_voucher(ui_db, a, voucher_date=dt.date(2026, 11, 10),
                         lines=[line("1001", debit="12345.67"), line("5001", credit="12345.67")])
    at = admin_app
    at.session_state["fin_view_voucher"] = vid
    at = at.switch_page("pages/finance/voucher_print.py").run()
    assert not at.exception, at.exception
    html = " ".join(str(getattr(h, "proto", h)) for h in at.get("html"))
    assert "壹万贰仟叁佰肆拾伍元陆角柒分" in html


def test_voucher_list_shows_vouchers(admin_app, ui_db, ui_company):
    a = accountant(ui_company.company_id)
    today = dt.date.today()
    create_voucher(ui_db, a, voucher_date=today, lines=[line("1001", debit="8", summary="报销"),
                                                        line("5602", credit="8")])
    at = admin_app.switch_page("pages/finance/vouchers.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert isinstance(table, pd.DataFrame) and "记-0001" in set(table.iloc[:, 0])


def test_dimension_columns_offer_records_by_code_and_name(admin_app, ui_db, ui_company):
    from erp_core.masterdata.models import Department

    with ui_db.uow() as uow:
        uow.session.add(Department(company_id=ui_company.company_id, code="D09", name="财务部"))
        uow.commit()
    at = admin_app.switch_page("pages/finance/voucher_entry.py").run()
    lines = [{"summary": "费用", "account": "5602 管理费用", "debit": "10", "credit": "", "department_id": "D09 财务部",
              **{d: None for d in ("customer_id", "supplier_id", "project_id", "employee_id", "product_id")}},
             {"summary": "费用", "account": "1001 库存现金", "debit": "", "credit": "10",
              **{d: None for d in ("customer_id", "supplier_id", "department_id", "project_id", "employee_id",
                                   "product_id")}}]
    at.session_state["ve_lines"] = lines
    at.session_state["ve_gen"] = at.session_state["ve_gen"] + 1
    at = at.run()
    next(b for b in at.button if b.label == "保存").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        from erp_core.finance.models import VoucherLine

        deps = set(uow.session.execute(select(VoucherLine.department_id)).scalars())
    assert len(deps - {None}) == 1


def test_quick_line_form_adds_lines_to_the_grid(admin_app, ui_db):
    at = admin_app.switch_page("pages/finance/voucher_entry.py").run()
    for account, field, amount in (("1001 库存现金", "借方金额", "88.80"), ("1002 银行存款", "贷方金额", "88.80")):
        next(sb for sb in at.selectbox if sb.label == "会计科目").set_value(account)
        next(t for t in at.text_input if t.label == field).input(amount)
        next(b for b in at.button if b.label == "添加分录").click()
        at = at.run()
        assert not at.exception, at.exception
    lines = at.session_state["ve_lines"]
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in lines[:2]] == [
        ("1001 库存现金", "88.80", ""), ("1002 银行存款", "", "88.80")]
    assert all(ln["account"] is None for ln in lines[2:])
    next(b for b in at.button if b.label == "保存").click()
    at = at.run()
    assert not at.error, [e.value for e in at.error]
    assert _count(ui_db) == 1


def test_accounts_page_upgrades_a_used_account_after_confirmation(admin_app, ui_db, ui_company):
    """科目升级 from the page: nothing happens without the confirmation box; with it, 1002 gets 100201 and the
    history moves there (issue #11 item 31)."""
    from erp_core.finance.models import Account
    from erp_core.finance.voucher_services import review_voucher
    from erp_core.ledger.posting import post_voucher

    cid = ui_company.company_id
    a, b = accountant(cid), accountant(cid)
    vid = create_voucher(ui_db, a, voucher_date=dt.date(2026, 11, 10),
                         lines=[line("1002", debit="50"), line("5001", credit="50")])
    review_voucher(ui_db, b, voucher_id=vid)
    post_voucher(ui_db, b, voucher_id=vid)
    with ui_db.uow(readonly=True) as uow:
        old_id = uow.session.execute(select(Account.id).where(Account.company_id == cid,
                                                              Account.code == "1002")).scalar_one()
    at = admin_app.switch_page("pages/finance/accounts.py").run()
    at.selectbox(key="acc_pick").set_value(old_id)
    at = at.run()
    go = next(b for b in at.button if b.label == "科目升级（将已有数据移到新的下级科目）")
    go.click()
    at = at.run()
    assert not at.exception, at.exception
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.get(Account, old_id).code == "1002"  # not confirmed: nothing changed
    next(c for c in at.checkbox if "100201" in c.label).check()
    next(b for b in at.button if b.label == "科目升级（将已有数据移到新的下级科目）").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        child = uow.session.get(Account, old_id)
        parent = uow.session.get(Account, child.parent_id)
        assert (child.code, parent.code, parent.is_leaf) == ("100201", "1002", False)
